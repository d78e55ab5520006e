"""ember/ops/numeric.py against torch: values, dtypes, gradients (gradcheck) and errors."""

import math

import numpy as np
import pytest

import ember
from tests.oracle import check, check_error, gradcheck, make_array

NAN = float("nan")


# ------------------------------------------------------------------------ diff
@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (0, 1), (3, 1), (10, -1)])
def test_diff(n, dim):
    check(lambda m, x: m.diff(x, n=n, dim=dim), [(3, 4)])


def test_diff_prepend_append_dtypes():
    check(lambda m, x, a, b: m.diff(x, prepend=a, append=b, dim=0), [(3, 4), (2, 4), (1, 4)])
    check(lambda m, x, a: x.diff(append=a), [(2, 3), (2, 2)], dtype=["int64", "float32"])
    check(lambda m, x: m.diff(x, n=2), [(5,)], dtype="int64", low=-50, high=50)
    check(lambda m, x: m.diff(x), inputs=[np.array([1, 250, 3], np.uint8)])
    check(lambda m, x: m.diff(x, n=2), inputs=[np.array([True, False, False, True])])


def test_diff_gradcheck():
    gradcheck(lambda m, x, a: m.diff(x, n=2, dim=0, append=a), [(4, 3), (1, 3)])


def test_diff_errors():
    x = make_array((3, 4))
    check_error(lambda m, t: m.diff(t), [make_array(())], match="diff.*one-dimensional")
    check_error(lambda m, t: m.diff(t, n=-1), [x], match="non-negative")
    check_error(lambda m, t, p: m.diff(t, prepend=p), [x, make_array((3,))], match="diff.*same dimension")
    check_error(lambda m, t, p: m.diff(t, prepend=p), [x, make_array((2, 2))], match=r"diff.*input.size\(0\) = 3.*size\(0\) = 2")
    check_error(lambda m, t: m.diff(t, dim=2), [x], match="range")
    check_error(lambda m, t: m.diff(t, prepend=1.0), [x], match="prepend")


# ------------------------------------------------------------------------ isin
def test_isin():
    e = np.array([[1, 2, 3], [4, 5, 6]])
    t = np.array([2, 6, 9])
    check(lambda m, a, b: m.isin(a, b), inputs=[e, t])
    check(lambda m, a, b: m.isin(a, b, invert=True), inputs=[e, t])
    check(lambda m, a, b: m.isin(a, b, assume_unique=True), inputs=[e, t])
    check(lambda m, a: m.isin(a, 2), inputs=[e])
    check(lambda m, a: m.isin(5, a), inputs=[e])
    check(lambda m, a, b: m.isin(a, b), inputs=[np.array([1, 2]), np.array([2.5, 1.0], np.float32)])
    check(lambda m, a, b: m.isin(a, b), inputs=[np.array([1.0, NAN]), np.array([NAN, 3.0])])
    check(lambda m, a, b: m.isin(a, b), inputs=[np.array([1, 2]), np.array([[1], [7]])])


def test_isin_errors():
    check_error(lambda m, a, b: m.isin(a, b), [np.array([True]), np.array([True])], match="isin.*Bool")
    check_error(lambda m, a, b: m.isin(a, b), [np.array([1, 2]), np.array([True])], match="isin.*Bool")


# -------------------------------------------------------------------- quantile
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_modes(fn, interpolation):
    q = np.array([0.0, 0.125, 0.3, 0.5, 0.875, 1.0], np.float32)
    check(lambda m, x, qq: getattr(m, fn)(x, qq, dim=1, interpolation=interpolation), inputs=[make_array((3, 5)), q])
    check(lambda m, x: getattr(x, fn)(0.4, dim=0, keepdim=True, interpolation=interpolation), [(4, 3)])
    check(lambda m, x: getattr(m, fn)(x, 0.7, interpolation=interpolation), [(2, 3, 2)])


def test_quantile_nearest_rounds_half_to_even():
    x = np.arange(5, dtype=np.float32)
    q = np.array([0.125, 0.375, 0.625, 0.875], np.float32)
    check(lambda m, a, qq: m.quantile(a, qq, interpolation="nearest"), inputs=[x, q], grad=False)


def test_quantile_shapes():
    q = np.array([0.2, 0.5], np.float32)
    check(lambda m, x, qq: m.quantile(x, qq, dim=1, keepdim=True), inputs=[make_array((3, 4)), q])
    check(lambda m, x, qq: m.quantile(x, qq, keepdim=True), inputs=[make_array((3, 4)), q])
    check(lambda m, x, qq: m.quantile(x, qq, dim=-1), inputs=[make_array((2, 3, 4)), np.array(0.3, np.float32)])
    check(lambda m, x: m.quantile(x, 0.5, dim=0), [(5,)], dtype="float64")


def test_quantile_nan():
    rows = np.array([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN], [4.0, 1.0, 2.0, 3.0]], np.float32)
    for fn in ("quantile", "nanquantile"):
        for interpolation in INTERPOLATIONS:
            check(
                lambda m, x: getattr(m, fn)(x, 0.4, dim=1, interpolation=interpolation),
                inputs=[rows],
                grad=False,
            )
        check(lambda m, x: getattr(m, fn)(x, 0.5), inputs=[rows], grad=False)


def test_quantile_gradcheck():
    gradcheck(lambda m, x: m.quantile(x, 0.3, dim=1), [(3, 5)])
    gradcheck(lambda m, x: m.nanquantile(x, 0.5, dim=0, interpolation="midpoint"), [(4, 2)])


def test_quantile_errors():
    x = make_array((3, 4))
    check_error(lambda m, t: m.quantile(t, 0.5), [make_array((3,), "int64")], match="quantile.*float or double")
    check_error(lambda m, t: m.nanquantile(t, 0.5), [make_array((3,), "int64")], match="quantile.*float or double")
    check_error(lambda m, t: m.quantile(t, 1.5), [x], match=r"quantile.*\[0, 1\].*1.5")
    check_error(lambda m, t, q: m.quantile(t, q), [x, np.array([-0.1], np.float32)], match=r"quantile.*\[0, 1\]")
    check_error(lambda m, t, q: m.quantile(t, q), [x, np.array([0.5])], match="quantile.*same dtype")
    check_error(lambda m, t, q: m.quantile(t, q), [x, np.array([[0.5]], np.float32)], match="quantile.*1D")
    check_error(lambda m, t: m.quantile(t, 0.5, interpolation="bad"), [x], match="quantile.*interpolation.*bad")
    check_error(lambda m, t: m.quantile(t, 0.5, dim=3), [x], match="range")
    check_error(lambda m, t: m.quantile(t, 0.5), [make_array((0,))], match="quantile.*non-empty")


# ------------------------------------------------------------------- histogram
def test_histogram_values():
    x = make_array((50,), low=-3, high=3)
    w = make_array((50,), low=0, high=1, seed=1)
    check(lambda m, a: m.histogram(a, bins=7), inputs=[x], grad=False)
    check(lambda m, a: m.histogram(a, bins=4, range=(-1.0, 1.5)), inputs=[x], grad=False)
    check(lambda m, a, b: m.histogram(a, bins=5, weight=b, density=True), inputs=[x, w], grad=False)
    check(lambda m, a: m.histogram(a, 6, density=True), inputs=[x.astype(np.float64)], grad=False)
    edges = np.array([-3.0, -1.0, 0.0, 0.5, 3.0], np.float32)
    check(lambda m, a, e: m.histogram(a, bins=e), inputs=[x, edges], grad=False)
    check(lambda m, a, e: a.histogram(e, weight=a.abs()), inputs=[x, edges], grad=False)


def test_histogram_edge_cases():
    check(lambda m, a: m.histogram(a, bins=3), inputs=[np.array([1.0, 1.0], np.float32)], grad=False)
    check(lambda m, a: m.histogram(a, bins=3), inputs=[np.zeros(0, np.float32)], grad=False)
    check(lambda m, a: m.histogram(a, bins=3), inputs=[np.array([[1.0, 2.0], [1.0, 3.0]], np.float32)], grad=False)
    # right edge belongs to the last bin; values outside the range are dropped
    check(lambda m, a: m.histogram(a, bins=2, range=(0.0, 2.0)), inputs=[np.array([0.0, 1.0, 2.0, 2.5, -1.0], np.float32)], grad=False)


def test_histogram_errors():
    x = make_array((3,))
    check_error(lambda m, a: m.histogram(a, bins=4), [make_array((3,), "int64")], match="histogramdd.*Long")
    check_error(lambda m, a: m.histogram(a, bins=0), [x], match="histogram.*bins must be > 0")
    check_error(lambda m, a: m.histogram(a, bins=3, range=(3.0, 1.0)), [x], match="min 3 max 1")
    check_error(lambda m, a, e: m.histogram(a, bins=e), [x, make_array((1, 3))], match="one dimension.*2 dimensions")
    check_error(lambda m, a, e: m.histogram(a, bins=e), [x, np.array([0.0, 1.0, 5.0])], match="dtype float.*double")
    check_error(lambda m, a, w: m.histogram(a, bins=3, weight=w), [x, make_array((2,))], match=r"\[3, 1\].*\[2\]")
    check_error(lambda m, a, w: m.histogram(a, bins=3, weight=w), [x.astype(np.float64), x], match="input\\(double\\).*weight\\(float\\)")
    check_error(lambda m, a: m.histogram(a, bins=3), [np.array([1.0, np.inf], np.float32)], match="not finite")
    check_error(lambda m, a: m.histogram(a, bins=3), [np.array([1.0, np.nan], np.float32)], match="nan.*not finite")


def test_histogram_backward_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    hist, edges = ember.histogram(x, bins=3)
    assert hist.requires_grad
    with pytest.raises(RuntimeError, match="histogram"):
        hist.sum().backward()


# ------------------------------------------------ heaviside, gcd, lcm, nextafter
def test_heaviside():
    x = np.array([-1.0, 0.0, 2.0, 0.0], np.float32)
    check(lambda m, a, v: m.heaviside(a, v), inputs=[x, np.array([0.5], np.float32)], grad=False)
    check(lambda m, a, v: a.heaviside(v), inputs=[x.reshape(2, 2), np.array([0.3, 0.7], np.float32)], grad=False)
    check(lambda m, a, v: m.heaviside(a, v), inputs=[np.array([-1, 0, 2]), np.array([7])], grad=False)
    check(lambda m, a, v: m.heaviside(a, v), inputs=[np.array([True, False]), np.array([True])], grad=False)
    check(lambda m, a, v: a.clone().heaviside_(v), inputs=[x, np.array([0.5], np.float32)], grad=False)


def test_heaviside_errors_and_no_derivative():
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    check_error(lambda m, a, v: m.heaviside(a, v), [x, np.array([1])], match="heaviside.*different dtypes")
    check_error(lambda m, a: m.heaviside(a, 0.5), [x], match="heaviside.*values")
    check_error(lambda m, a, v: m.heaviside(a, v), [x, make_array((2,))], match=r"heaviside.*\[3\].*\[2\]")
    t = ember.tensor(x, requires_grad=True)
    out = ember.heaviside(t, ember.tensor([0.5]))
    assert out.requires_grad
    with pytest.raises(RuntimeError, match="heaviside"):
        out.sum().backward()


def test_gcd_lcm():
    a = np.array([4, -6, 0, 15, -7, 0])
    b = np.array([6, 4, 0, 25, 0, 5])
    for fn in ("gcd", "lcm"):
        check(lambda m, x, y: getattr(m, fn)(x, y), inputs=[a, b])
        check(lambda m, x, y: getattr(x, fn)(y), inputs=[a.astype(np.int32), b])
        check(lambda m, x, y: getattr(x.clone(), fn + "_")(y), inputs=[a, b])
        check(lambda m, x, y: getattr(m, fn)(x, y), inputs=[np.array([4, 100], np.uint8), np.array([6, 3], np.uint8)])
    check(lambda m, x, y: m.lcm(x, y), inputs=[np.array([100], np.int8), np.array([3], np.int8)])  # wraps


def test_gcd_lcm_errors():
    f = make_array((2,))
    for fn in ("gcd", "lcm"):
        check_error(lambda m, x, y: getattr(m, fn)(x, y), [f, f], match=f"{fn}_cpu.*Float")
        check_error(lambda m, x, y: getattr(m, fn)(x, y), [np.array([True]), np.array([True])], match="Bool")
        check_error(lambda m, x: getattr(m, fn)(x, 2), [np.array([4])], match=fn)


def test_nextafter():
    a = np.array([1.0, 2.0, 0.0, -1.0], np.float32)
    b = np.array([3.0, 0.0, -1.0, -1.0], np.float32)
    check(lambda m, x, y: m.nextafter(x, y), inputs=[a, b], atol=0, rtol=0)  # grad 0 where x == y
    check(lambda m, x, y: x.nextafter(y), inputs=[a.astype(np.float64), b], atol=0, rtol=0)
    check(lambda m, x, y: x.clone().nextafter_(y), inputs=[a, b], atol=0, rtol=0)
    check_error(lambda m, x, y: m.nextafter(x, y), [np.array([1]), np.array([2])], match="nextafter_cpu.*Long")


# ------------------------------------------------------- logaddexp2, frexp, ldexp
def test_logaddexp2():
    check(lambda m, a, b: m.logaddexp2(a, b), [(3, 4), (4,)], low=-5, high=5)
    check(lambda m, a, b: a.logaddexp2(b), [(3,), (3,)], dtype=["float32", "float64"])
    check(lambda m, a, b: m.logaddexp2(a, b), inputs=[np.array([1e4, -1e4], np.float32), np.array([1e4, -1e4], np.float32)])
    gradcheck(lambda m, a, b: m.logaddexp2(a, b), [(3,), (2, 3)])
    check_error(lambda m, a, b: m.logaddexp2(a, b), [np.array([1]), np.array([2])], match="logaddexp2_cpu.*Long")
    check_error(lambda m, a: m.logaddexp2(a, 1.0), [make_array((2,))], match="logaddexp2")


def test_frexp():
    x = np.array([8.0, 0.3, 0.0, -3.0, 1e-30, 7e20], np.float32)
    check(lambda m, a: m.frexp(a), inputs=[x])
    check(lambda m, a: a.frexp(), inputs=[x.astype(np.float64)])
    check(lambda m, a: m.frexp(a), inputs=[x[:4].astype(np.float16)], grad=False)
    gradcheck(lambda m, a: m.frexp(a)[0], [(4,)])
    check_error(lambda m, a: m.frexp(a), [np.array([1, 2])], match="frexp.*floating")


def test_ldexp():
    check(lambda m, a, b: m.ldexp(a, b), [(3,), (3,)], dtype=["float32", "int64"], low=-4, high=4)
    check(lambda m, a, b: m.ldexp(a, b), [(3,), (3,)], dtype=["int64", "int64"], low=-4, high=4)
    check(lambda m, a, b: a.ldexp(b), [(2, 3), (3,)], dtype=["float64", "float32"])
    check(lambda m, a, b: m.ldexp(a, b), [(2, 3), (3,)])
    check(lambda m, a, b: a.clone().ldexp_(b), [(3,), (3,)], dtype=["float32", "int64"], low=-4, high=4)
    gradcheck(lambda m, a, b: m.ldexp(a, b), [(3,), (3,)])
    check_error(lambda m, a: m.ldexp(a, 3), [make_array((2,))], match="ldexp")


# ------------------------------------------------------------------ trapezoid
def test_trapezoid():
    check(lambda m, y: m.trapezoid(y), [(2, 5)])
    check(lambda m, y: m.trapezoid(y, dx=2.5, dim=0), [(4, 3)])
    check(lambda m, y, x: m.trapezoid(y, x), [(2, 5), (5,)])
    check(lambda m, y, x: m.trapezoid(y, x, dim=0), [(3, 2), (3, 2)])
    check(lambda m, y, x: m.trapezoid(y, x), [(2, 3), (4, 2, 2)])
    check(lambda m, y: m.trapezoid(y), [(3,)], dtype="int64", grad=False)
    check(lambda m, y: m.trapezoid(y, dx=2), [(3,)], dtype="int64", grad=False)
    check(lambda m, y, x: m.trapezoid(y, x), [(3,), (3,)], dtype=["int64", "int64"], grad=False)
    check(lambda m, y, x: m.trapezoid(y, x), [(3,), (3,)], dtype=["float16", "float32"], grad=False, atol=1e-2)
    check(lambda m, y: m.trapezoid(y), [(2, 0)])
    check(lambda m, y: m.trapezoid(y), [(2, 1)])
    check(lambda m, y, x: m.trapz(y, x), [(2, 3), (3,)])
    check(lambda m, y: m.trapz(y, dx=2.0, dim=0), [(2, 3)])


def test_cumulative_trapezoid():
    check(lambda m, y: m.cumulative_trapezoid(y), [(2, 5)])
    check(lambda m, y: m.cumulative_trapezoid(y, dx=2, dim=0), [(3, 4)])
    check(lambda m, y, x: m.cumulative_trapezoid(y, x), [(2, 4), (4,)])
    check(lambda m, y, x: m.cumulative_trapezoid(y, x, dim=0), [(3, 2), (3, 2)])
    check(lambda m, y: m.cumulative_trapezoid(y), [(4,)], dtype="int64", grad=False)
    check(lambda m, y: m.cumulative_trapezoid(y), [(2, 0)], grad=False)


def test_trapezoid_gradcheck():
    gradcheck(lambda m, y, x: m.trapezoid(y, x), [(2, 4), (4,)])
    gradcheck(lambda m, y: m.trapezoid(y, dx=0.5, dim=0), [(3, 2)])
    gradcheck(lambda m, y, x: m.cumulative_trapezoid(y, x, dim=0), [(3, 2), (3, 2)])


def test_trapezoid_errors():
    y = make_array((2, 3))
    check_error(lambda m, a, x: m.trapezoid(a, x), [y, make_array((2,))], match="trapezoid.*one `x` value")
    check_error(lambda m, a, x: m.cumulative_trapezoid(a, x), [y, make_array((2,))], match="cumulative_trapezoid.*one `x`")
    check_error(lambda m, a: m.trapezoid(a), [np.array([True, False])], match="trapezoid.*bool")
    check_error(lambda m, a: m.trapezoid(a), [make_array(())], match="no dimensions")
    check_error(lambda m, a, x: m.trapezoid(a, x), [y, make_array((4, 2, 3))], match="size")
    check_error(lambda m, a: m.cumulative_trapezoid(a, dim=4), [y], match="range")
    check_error(lambda m, a, x: m.trapezoid(a, x, dx=1), [y, y], match="trapezoid")
    check_error(lambda m, a: m.trapz(a, 2.0), [y], match="trapz")


# --------------------------------------------------------------- renorm, addr
@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3, -1, 2.0), (math.inf, 1, 1.0), (2, 0, 100.0)])
def test_renorm(p, dim, maxnorm):
    check(lambda m, x: m.renorm(x, p, dim, maxnorm), [(3, 4)], grad_atol=1e-4)
    check(lambda m, x: x.renorm(p, dim, maxnorm), [(2, 3, 2)], grad_atol=1e-4)


def test_renorm_inplace_and_gradcheck():
    check(lambda m, x: x.clone().renorm_(2, 0, 1.0), [(3, 4)])
    gradcheck(lambda m, x: m.renorm(x, 2, 1, 0.8), [(3, 2)])


def test_renorm_errors():
    x = make_array((3, 4))
    check_error(lambda m, t: m.renorm(t, 2, 0, 1.0), [make_array((3, 4), "int64")], match="Long")
    check_error(lambda m, t: m.renorm(t, -1, 0, 1.0), [x], match="renorm: non-positive-norm")
    check_error(lambda m, t: m.renorm(t, 0, 0, 1.0), [x], match="renorm: non-positive-norm")
    check_error(lambda m, t: m.renorm(t, 2, 0, -1.0), [x], match="renorm.*>= 0 but got -1")
    check_error(lambda m, t: m.renorm(t, 2, 3, 1.0), [x], match="range")
    check_error(lambda m, t: m.renorm(t, 2, 0, 1.0), [make_array((3,))], match="renorm.*at least 2 dimensions, got 1")


def test_addr():
    check(lambda m, x, a, b: m.addr(x, a, b), [(2, 3), (2,), (3,)])
    check(lambda m, x, a, b: m.addr(x, a, b, beta=0.5, alpha=-2), [(3,), (2,), (3,)])
    check(lambda m, x, a, b: x.addr(a, b, beta=0), [(2, 3), (2,), (3,)])
    check(lambda m, x, a, b: x.clone().addr_(a, b, alpha=3), [(2, 3), (2,), (3,)])
    check(lambda m, x, a, b: m.addr(x, a, b, beta=2, alpha=3), [(2, 3), (2,), (3,)], dtype="int64", grad=False)
    # (torch's own backward fails for these mixed dtypes: values only)
    check(lambda m, x, a, b: m.addr(x, a, b), [(2, 3), (2,), (3,)], dtype=["int64", "float32", "int64"], grad=False)
    nan_input = np.full((2, 3), NAN, np.float32)
    check(lambda m, x, a, b: m.addr(x, a, b, beta=0), inputs=[nan_input, make_array((2,)), make_array((3,))])
    bools = [np.array([True]), np.array([True, False]), np.array([True, True])]
    check(lambda m, x, a, b: m.addr(x, a, b, beta=False), inputs=bools, grad=False)
    check(lambda m, x, a, b: m.addr(x, a, b), inputs=bools, grad=False)
    gradcheck(lambda m, x, a, b: m.addr(x, a, b, beta=0.5, alpha=1.5), [(2, 3), (2,), (3,)])


def test_addr_errors():
    x, a, b = make_array((2, 3)), make_array((2,)), make_array((3,))
    check_error(lambda m, t, u, v: m.addr(t, u, v), [make_array((2, 4)), a, b], match=r"addr.*\[2, 4\].*\[2, 3\]")
    check_error(lambda m, t, u, v: m.addr(t, u, v), [x, make_array((2, 1)), b], match="addr: Expected 1-D argument vec1, but got 2-D")
    check_error(lambda m, t, u, v: m.addr(t, u, v), [x, a, make_array((3, 1))], match="vec2, but got 2-D")
    ints = [np.zeros((2, 3), np.int64), np.array([1, 2]), np.array([1, 2, 3])]
    check_error(lambda m, t, u, v: m.addr(t, u, v, beta=2.5), ints, match="beta must not be a floating")
    check_error(lambda m, t, u, v: m.addr(t, u, v, alpha=True), [x, a, b], match="Boolean alpha")


# -------------------------------------------------------- vander, unravel_index
def test_vander():
    # torch 2.13's own vander backward always fails (an in-place error), so values are
    # compared with torch and ember's gradient is checked by finite differences
    check(lambda m, x: m.vander(x), inputs=[np.array([1, 2, 3])])
    check(lambda m, x: m.vander(x, N=4, increasing=True), inputs=[np.array([1, 2, 3], np.int32)])
    check(lambda m, x: m.vander(x), inputs=[np.array([True, False])])
    for n, increasing in [(2, True), (3, True), (4, False), (0, False), (1, False), (None, False)]:
        check(lambda m, x: m.vander(x, N=n, increasing=increasing), [(3,)], grad=False)
    check(lambda m, x: m.vander(x), inputs=[np.array([0.0, 2.0, -1.0], np.float32)], grad=False)
    check(lambda m, x: m.vander(x), [(3,)], dtype="float16", grad=False, atol=1e-2)
    gradcheck(lambda m, x: m.vander(x, N=4), [(3,)])
    gradcheck(lambda m, x: m.vander(x, increasing=True), [(4,)])


def test_vander_errors():
    check_error(lambda m, x: m.vander(x), [make_array((2, 3))], match="one-dimensional")
    check_error(lambda m, x: m.vander(x, N=-1), [make_array((3,))], match="N must be non-negative")


def test_unravel_index():
    for idx, shape in [
        (np.array([4, 1, 5]), (2, 3)),
        (np.array(4), (2, 3)),
        (np.array([-1, 6, -7]), (2, 3)),  # wraps like Python's floor division
        (np.array([[3, 7], [0, 11]], np.int32), (3, 4)),
        (np.array([1]), 5),
        (np.array([1]), ()),
    ]:
        check(lambda m, i: m.unravel_index(i, shape), inputs=[idx], grad=False)
    check(lambda m, i: m.unravel_index(i, m.Size([5, 2])), inputs=[np.array([1, 9])], grad=False)


def test_unravel_index_errors():
    check_error(lambda m, i: m.unravel_index(i, (2, 3)), [np.array([1.0], np.float32)], match="integer dtype.*float32")
    check_error(lambda m, i: m.unravel_index(i, (2, 3)), [np.array([True])], match="integer dtype.*bool")
    check_error(lambda m, i: m.unravel_index(i, (2, -3)), [np.array([1])], match=r"negative.*\(2, -3\)")
    check_error(lambda m, i: m.unravel_index(i, (0, 3)), [np.array([1])], match="ZeroDivisionError")
