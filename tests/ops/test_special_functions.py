"""Special functions against torch: lgamma, digamma, polygamma, mvlgamma, the modified
Bessel functions, the normal distribution functions, erfcx, igamma/igammac and the
``ember.special`` namespace (values over the whole domain, special values, gradients)."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

_INF, _NAN = np.inf, np.nan
_RNG = np.random.default_rng(1234)


def _wide(positive_only=False):
    """Arguments from tiny to huge, moderate ones, and negatives away from the poles."""
    pos = np.concatenate([10 ** _RNG.uniform(-30, 30, 60), _RNG.uniform(0.01, 30, 120)])
    if positive_only:
        return pos
    neg = -_RNG.uniform(0.02, 40, 120)
    neg = neg[np.abs(neg - np.round(neg)) > 0.02]  # away from the poles
    return np.concatenate([pos, neg])


_SPECIAL = np.array([0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -3.5, 0.5, 1e-30, 1e30, _INF, -_INF, _NAN])


def _both(dtype):
    return dtype, (1e-5 if dtype == "float32" else 1e-12)


# ------------------------------------------------------------------ values vs torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: m.lgamma(x),
        lambda m, x: m.digamma(x),
        lambda m, x: m.polygamma(2, x),
        lambda m, x: m.polygamma(3, x),
        lambda m, x: m.special.gammaln(x),
        lambda m, x: m.special.psi(x),
    ],
    ids=["lgamma", "digamma", "polygamma2", "polygamma3", "gammaln", "psi"],
)
def test_gamma_family_values_over_the_domain(op, dtype):
    dtype, rtol = _both(dtype)
    x = _wide()
    check(op, inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=1e-6 if dtype == "float32" else 1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trigamma_values(dtype):
    # torch's own trigamma is only good to ~5e-10 relative in float64 (ember's is exact to
    # a few ulps, checked against the series below), so compare at that level
    x = _wide()
    x = x[np.abs(x) < 1e6]
    rtol = 1e-5 if dtype == "float32" else 2e-9
    check(lambda m, x: m.polygamma(1, x), inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=0)


def test_trigamma_matches_its_series_to_float64_precision():
    # psi'(x) = sum_k 1/(x+k)^2; tail after K terms ~ 1/(x+K) - 1/(2(x+K)^2) + 1/(6(x+K)^3)
    x = np.array([0.3, 1.1355, 3.3, 7.25])
    k = np.arange(200000)[:, None]
    a = x + 200000
    exact = (1.0 / (x + k) ** 2).sum(0) + 1 / a + 0.5 / a**2 + 1 / (6 * a**3)
    got = ember.polygamma(1, ember.tensor(x)).numpy()
    np.testing.assert_allclose(got, exact, rtol=2e-14)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polygamma_special_values(n, dtype):
    x = _SPECIAL[np.abs(_SPECIAL) != 1e30] if n == 1 else _SPECIAL
    check(lambda m, x: m.polygamma(n, x), inputs=[x.astype(dtype)], grad=False, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_lgamma_digamma_special_values(name, dtype):
    check(lambda m, x: getattr(m, name)(x), inputs=[_SPECIAL.astype(dtype)], grad=False)


def test_large_order_polygamma_overflows_as_torch():
    x = np.array([30.0, 1e-3, 1e5, 2.5])
    for dtype in ("float32", "float64"):
        check(lambda m, x: m.polygamma(40, x), inputs=[x.astype(dtype)], grad=False, rtol=1e-6)
    check(lambda m, x: m.polygamma(12, x), inputs=[_wide(positive_only=True)], grad=False, rtol=1e-11)


def test_lgamma_near_its_zeros_and_huge_arguments():
    x = np.array([1 + 1e-9, 1 - 1e-7, 2 + 1e-6, 2 - 0.15, 1.19, 0.81, -2.4570247382208006, 1e300, 3e305])
    # at the negative zero -2.457... the reflection formula cancels to ~3e-15 absolute
    check(lambda m, x: m.lgamma(x), inputs=[x], grad=False, rtol=1e-12, atol=5e-15)


# ------------------------------------------------------------ gradients vs torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: m.lgamma(x),
        lambda m, x: m.digamma(x),
        lambda m, x: m.polygamma(2, x),
        lambda m, x: m.mvlgamma(x.abs() + 2, 3),
        lambda m, x: m.i0(x),
        lambda m, x: m.special.i0e(x),
        lambda m, x: m.special.i1(x),
        lambda m, x: m.special.i1e(x),
        lambda m, x: m.special.ndtr(x),
        lambda m, x: m.special.log_ndtr(x * 10),
        lambda m, x: m.special.erfcx(x * 3),
        lambda m, x: m.special.ndtri(x.sigmoid()),
        lambda m, x: m.special.entr(x.abs()),
        lambda m, x: m.special.multigammaln(x.abs() + 1, 2),
    ],
)
def test_gradients_match_torch(op, dtype):
    check(op, [(4, 5)], dtype=dtype, low=-3.7, high=3.7)


def test_digamma_gradient_away_from_half_integers():
    # digamma's backward is trigamma, where torch is only ~1e-9 accurate
    check(lambda m, x: m.digamma(x), [(20,)], dtype="float64", low=-4.9, high=9.0, rtol=1e-8, grad_rtol=1e-7)


@pytest.mark.parametrize(
    "fn,shapes,low,high",
    [
        (lambda m, x: m.lgamma(x), [(6,)], 0.1, 5.0),
        (lambda m, x: m.lgamma(x), [(6,)], -2.9, -2.1),
        (lambda m, x: m.digamma(x), [(6,)], 0.2, 12.0),
        (lambda m, x: m.polygamma(1, x), [(6,)], -0.9, -0.1),
        (lambda m, x: m.polygamma(3, x), [(6,)], 0.5, 3.0),
        (lambda m, x: m.mvlgamma(x, 4), [(5,)], 2.0, 6.0),
        (lambda m, x: m.i0(x), [(6,)], -40.0, 40.0),
        (lambda m, x: m.special.i0e(x), [(6,)], -40.0, 40.0),
        (lambda m, x: m.special.i1(x), [(6,)], -40.0, 40.0),
        (lambda m, x: m.special.i1e(x), [(6,)], -40.0, 40.0),
        (lambda m, x: m.special.ndtr(x), [(6,)], -6.0, 6.0),
        (lambda m, x: m.special.ndtri(x), [(6,)], 0.01, 0.99),
        (lambda m, x: m.special.log_ndtr(x), [(6,)], -30.0, 5.0),
        (lambda m, x: m.special.erfcx(x), [(6,)], -3.0, 20.0),
        (lambda m, x: m.special.entr(x), [(6,)], 0.1, 3.0),
        (lambda m, x, y: m.special.xlog1py(x, y), [(3, 2), (2,)], 0.1, 3.0),
        (lambda m, x: m.igamma(m.tensor([0.7, 1.5, 2.0, 3.0, 6.0], dtype=m.float64), x), [(5,)], 0.5, 4.0),
        (lambda m, x: m.igammac(m.tensor([0.7, 1.5, 2.0, 3.0, 6.0], dtype=m.float64), x), [(5,)], 0.5, 4.0),
    ],
)
def test_gradcheck(fn, shapes, low, high):
    gradcheck(fn, shapes, low=low, high=high)


# ------------------------------------------------------------------ Bessel functions
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_bessel_values_and_special_values(name, dtype):
    fn = (lambda m, x: m.i0(x)) if name == "i0" else (lambda m, x: getattr(m.special, name)(x))
    x = np.concatenate([_RNG.uniform(-50, 50, 200), [0.0, -0.0, 7.99, 8.01, 29.99, 30.01, 88.0, 89.9, 500.0,
                                                     708.0, 710.0, 1e30, _INF, -_INF, _NAN]])  # fmt: skip
    rtol = 1e-5 if dtype == "float32" else 1e-13
    check(fn, inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=0)


def test_bessel_gradients_at_zero_and_infinity():
    for fn in (lambda m, x: m.special.i1(x), lambda m, x: m.special.i1e(x), lambda m, x: m.special.i0e(x),
               lambda m, x: m.i0(x)):  # fmt: skip
        check(fn, inputs=[np.array([0.0, 1.0, -2.0], np.float32)])
    check(lambda m, x: m.i0(x), inputs=[np.array([_INF, -_INF], np.float32)])


# --------------------------------------------------------------- normal distribution
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ndtr_log_ndtr_erfcx_values(dtype):
    rtol = 1e-5 if dtype == "float32" else 1e-12
    x = np.concatenate([_RNG.uniform(-40, 40, 200), -(10 ** _RNG.uniform(0, 10, 20)), [0.0, _INF, -_INF, _NAN]])
    check(lambda m, x: m.special.log_ndtr(x), inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=1e-30)
    check(lambda m, x: m.special.erfcx(x), inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=0)
    # torch forms ndtr as (1 + erf(x / sqrt 2)) / 2, which is 0 below about -8.3 in float64
    # (-5.4 in float32), where ember keeps the tail (2.8e-17 at -8.375): equal to an
    # absolute error of torch's rounding
    atol = 1e-7 if dtype == "float32" else 1e-15
    check(lambda m, x: m.special.ndtr(x), inputs=[x.astype(dtype)], grad=False, rtol=rtol, atol=atol)


def test_ndtr_lower_tail_is_accurate():
    got = ember.special.ndtr(ember.tensor([-10.0, -20.0, -38.0], dtype=ember.float64)).numpy()
    expected = [0.5 * math.erfc(10 / math.sqrt(2)), 0.5 * math.erfc(20 / math.sqrt(2)), 0.5 * math.erfc(38 / math.sqrt(2))]
    np.testing.assert_allclose(got, expected, rtol=1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ndtri_values_in_both_tails(dtype):
    p = np.concatenate([_RNG.uniform(0, 1, 200), 10 ** _RNG.uniform(-300, 0, 100), 1 - 10 ** _RNG.uniform(-15, 0, 50),
                        [0.0, 1.0, -0.1, 1.1, 0.5, 1e-30, _NAN]])  # fmt: skip
    p = p.astype(dtype)
    check(lambda m, p: m.special.ndtri(p), inputs=[p], grad=False, rtol=1e-5 if dtype == "float32" else 1e-13)
    # and it inverts ndtr
    q = np.array([1e-300, 1e-100, 1e-10, 0.01, 0.3, 0.9, 0.999])
    back = ember.special.ndtr(ember.special.ndtri(ember.tensor(q))).numpy()
    np.testing.assert_allclose(back, q, rtol=5e-13)


# --------------------------------------------------------------- incomplete gamma
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_igamma_igammac_values(dtype):
    a = np.concatenate([10 ** _RNG.uniform(-3, 3, 300), [1e4, 2e4, 0.5]])
    x = a * 10 ** _RNG.uniform(-1.5, 1.5, a.size)
    x[-3:] = [1e4, 1.99e4, 1e-300 if dtype == "float64" else 1e-30]
    # torch's large-argument path (Temme's expansion) carries ~2e-9 relative error
    tol = {"rtol": 1e-5, "atol": 1e-7} if dtype == "float32" else {"rtol": 1e-8, "atol": 1e-9}
    inputs = [a.astype(dtype), x.astype(dtype)]
    check(lambda m, a, x: m.igamma(a, x), inputs=inputs, grad=False, **tol)
    check(lambda m, a, x: m.special.gammaincc(a, x), inputs=inputs, grad=False, **tol)


def test_igamma_special_values_and_broadcasting():
    a = np.array([0.0, 0.0, _INF, _INF, 1.0, 1.0, -1.0, 2.0, _NAN, 3.0])
    x = np.array([0.0, _INF, _INF, 2.0, 0.0, _INF, 1.0, -1.0, 1.0, 1.0])
    for fn in (lambda m, a, x: m.igamma(a, x), lambda m, a, x: m.igammac(a, x)):
        check(fn, inputs=[a, x], grad=False)
    check(lambda m, a, x: m.special.gammainc(a, x), [(3, 1), (4,)], low=0.1, high=5.0, grad=False)


def test_igamma_gradient_flows_to_other_only():
    check(lambda m, a, x: m.igamma(a, x), inputs=[np.array([1.0, 2.5], np.float32), np.array([0.5, 3.0], np.float32)],
          grad=False)  # fmt: skip
    a = ember.tensor([1.0, 2.0])
    x = ember.tensor([0.5, 3.0], requires_grad=True)
    ember.igammac(a, x).sum().backward()
    at = torch.tensor([1.0, 2.0])
    xt = torch.tensor([0.5, 3.0], requires_grad=True)
    torch.igammac(at, xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    assert ember.igamma(a, x).grad_fn.name() == "IgammaBackward0"
    a.requires_grad_(True)
    with pytest.raises(NotImplementedError, match="derivative for 'igamma: input'"):
        ember.igamma(a, x).sum().backward()


# ----------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.lgamma(x),
        lambda m, x: m.digamma(x),
        lambda m, x: m.polygamma(1, x),
        lambda m, x: m.mvlgamma(x, 2),
        lambda m, x: m.i0(x),
        lambda m, x: m.special.i1e(x),
        lambda m, x: m.special.ndtr(x),
        lambda m, x: m.special.ndtri(x),
        lambda m, x: m.special.log_ndtr(x),
        lambda m, x: m.special.erfcx(x),
        lambda m, x: m.special.entr(x),
    ],
)
def test_integer_inputs_compute_in_the_default_dtype(fn):
    check(fn, inputs=[np.array([1, 2, 3, 5], np.int64)], grad=False)


def test_integer_inputs_follow_the_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.lgamma(ember.tensor([3])).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


# ------------------------------------------------------------ methods and in-place
def test_tensor_methods_and_inplace():
    x = ember.tensor([0.5, 1.5, 2.5])
    t = torch.tensor([0.5, 1.5, 2.5])
    for name in ("lgamma", "digamma", "i0"):
        np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(t, name)().numpy(), rtol=1e-5)
        y, u = x.clone(), t.clone()
        getattr(y, name + "_")()
        getattr(u, name + "_")()
        np.testing.assert_allclose(y.numpy(), u.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.polygamma(2).numpy(), t.polygamma(2).numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.mvlgamma(1).numpy(), t.mvlgamma(1).numpy(), rtol=1e-5)
    y = x.clone()
    y.polygamma_(1)
    np.testing.assert_allclose(y.numpy(), t.polygamma(1).numpy(), rtol=1e-5)
    y = x.clone() + 2
    y.mvlgamma_(2)
    np.testing.assert_allclose(y.numpy(), (t + 2).mvlgamma(2).numpy(), rtol=1e-5)
    a, b = ember.tensor([1.0, 2.0]), ember.tensor([0.5, 3.0])
    np.testing.assert_allclose(a.igamma(b).numpy(), torch.tensor([1.0, 2.0]).igamma(torch.tensor([0.5, 3.0])).numpy(), rtol=1e-5)
    a.igammac_(b)
    np.testing.assert_allclose(a.numpy(), torch.igammac(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 3.0])).numpy(), rtol=1e-5)


def test_out_argument_and_grad_fn_names():
    out = ember.empty(2)
    ember.lgamma(ember.tensor([1.0, 3.0]), out=out)
    np.testing.assert_allclose(out.numpy(), [0.0, math.log(2.0)], atol=1e-7)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for fn in (lambda m, x: m.lgamma(x), lambda m, x: m.digamma(x), lambda m, x: m.polygamma(2, x),
               lambda m, x: m.mvlgamma(x + 1, 2), lambda m, x: m.i0(x), lambda m, x: m.special.i0e(x),
               lambda m, x: m.special.i1(x), lambda m, x: m.special.i1e(x), lambda m, x: m.special.ndtri(x / 3),
               lambda m, x: m.special.log_ndtr(x), lambda m, x: m.special.erfcx(x),
               lambda m, x: m.special.entr(x), lambda m, x: m.special.xlog1py(x, 2.0),
               lambda m, x: m.special.xlog1py(2.0, x), lambda m, x: m.special.xlog1py(x, x)):  # fmt: skip
        assert fn(ember, x).grad_fn.name() == fn(torch, t).grad_fn.name()


# ---------------------------------------------------------------- ember.special
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.special.expit(x),
        lambda m, x: m.special.logit(x.sigmoid()),
        lambda m, x: m.special.sinc(x),
        lambda m, x: m.special.erf(x),
        lambda m, x: m.special.erfc(x),
        lambda m, x: m.special.erfinv(x.tanh()),
        lambda m, x: m.special.exp2(x),
        lambda m, x: m.special.expm1(x),
        lambda m, x: m.special.log1p(x.abs()),
        lambda m, x: m.special.xlogy(x, x.abs() + 0.5),
        lambda m, x: m.special.xlog1py(x, x.abs()),
        lambda m, x: m.special.xlog1py(x, 2),
        lambda m, x: m.special.xlog1py(3.0, x.abs()),
        lambda m, x: m.special.entr(x),
        lambda m, x: m.special.logsumexp(x, 1),
        lambda m, x: m.special.softmax(x, 1),
        lambda m, x: m.special.log_softmax(x, 0),
        lambda m, x: m.special.softmax(x, 0, dtype=m.float64),
        lambda m, x: m.special.polygamma(1, x.abs() + 0.5),
        lambda m, x: m.special.multigammaln(x.abs() + 2, 3),
        lambda m, x: m.special.i0(x),
    ],
)
def test_special_namespace_matches_torch(fn):
    check(fn, [(3, 4)])
    check(lambda m, x: m.special.round(x), [(3, 4)], grad=False)


def test_xlog1py_and_entr_special_values():
    x = np.array([0.0, 0.0, 1.0, _NAN, 2.0, 0.0])
    y = np.array([-1.0, _NAN, -2.0, 0.0, -1.0, _INF])
    check(lambda m, x, y: m.special.xlog1py(x, y), inputs=[x, y], grad=False)
    check(lambda m, x: m.special.entr(x), inputs=[np.array([0.0, -0.0, -1.0, _INF, _NAN, -_INF])], grad=False)


# ----------------------------------------------------------------------- errors
def test_errors():
    one = np.array([1.0], np.float32)
    check_error(lambda m, x: m.polygamma(-1, x), [one], RuntimeError, "does not support negative n")
    check_error(lambda m, x: m.mvlgamma(x, 0), [one], RuntimeError, "p has to be greater than or equal to 1")
    ints = np.array([1, 2], np.int64)
    check_error(lambda m, a, x: m.igamma(a, x), [ints, ints], NotImplementedError, "igamma_cpu")
    check_error(lambda m, a, x: m.igammac(a, x), [ints, ints], NotImplementedError, "igammac_cpu")
    check_error(lambda m, a, x: m.igamma(a, x), [np.ones(3), np.ones(4)], RuntimeError, r"igamma")
    check_error(lambda m, x: m.lgamma(x.tolist()), [one], TypeError, "lgamma")
    check_error(lambda m: m.special.xlog1py(1.0, 2.0), [], TypeError, "xlog1py")
