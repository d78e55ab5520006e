"""Activations against torch: functional forms, modules (repr, weights), gradchecks."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck

F_CASES = [
    ("relu", lambda m, x: m.nn.functional.relu(x)),
    ("relu6", lambda m, x: m.nn.functional.relu6(x * 4)),
    ("leaky_relu", lambda m, x: m.nn.functional.leaky_relu(x, 0.2)),
    ("elu", lambda m, x: m.nn.functional.elu(x, alpha=0.7)),
    ("selu", lambda m, x: m.nn.functional.selu(x)),
    ("celu", lambda m, x: m.nn.functional.celu(x, alpha=1.5)),
    ("gelu", lambda m, x: m.nn.functional.gelu(x)),
    ("gelu_tanh", lambda m, x: m.nn.functional.gelu(x, approximate="tanh")),
    ("silu", lambda m, x: m.nn.functional.silu(x)),
    ("mish", lambda m, x: m.nn.functional.mish(x)),
    ("softplus", lambda m, x: m.nn.functional.softplus(x)),
    ("softplus_beta", lambda m, x: m.nn.functional.softplus(x * 10, beta=2, threshold=5)),
    ("softsign", lambda m, x: m.nn.functional.softsign(x)),
    ("hardtanh", lambda m, x: m.nn.functional.hardtanh(x, -0.5, 1.5)),
    ("hardsigmoid", lambda m, x: m.nn.functional.hardsigmoid(x * 2)),
    ("hardswish", lambda m, x: m.nn.functional.hardswish(x * 2)),
    ("logsigmoid", lambda m, x: m.nn.functional.logsigmoid(x * 10)),
    ("softmax", lambda m, x: m.nn.functional.softmax(x, dim=1)),
    ("softmax_neg_dim", lambda m, x: m.nn.functional.softmax(x, dim=-1)),
    ("log_softmax", lambda m, x: m.nn.functional.log_softmax(x, dim=0)),
    ("softmin", lambda m, x: m.nn.functional.softmin(x, dim=1)),
    ("threshold", lambda m, x: m.nn.functional.threshold(x, 0.3, -2.0)),
    ("tanhshrink", lambda m, x: m.nn.functional.tanhshrink(x)),
    ("softshrink", lambda m, x: m.nn.functional.softshrink(x, 0.4)),
    ("hardshrink", lambda m, x: m.nn.functional.hardshrink(x, 0.4)),
    ("glu", lambda m, x: m.nn.functional.glu(x, dim=1)),
    ("sigmoid", lambda m, x: m.nn.functional.sigmoid(x)),
    ("tanh", lambda m, x: m.nn.functional.tanh(x)),
    ("rrelu_eval", lambda m, x: m.nn.functional.rrelu(x)),
    ("tensor_softmax", lambda m, x: x.softmax(-1)),
    ("tensor_log_softmax", lambda m, x: x.log_softmax(1)),
    ("top_softmax", lambda m, x: m.softmax(x, 1)),
    ("top_log_softmax", lambda m, x: m.log_softmax(x, 0)),
    ("top_selu", lambda m, x: m.selu(x)),
]


@pytest.mark.parametrize("name,fn", F_CASES, ids=[c[0] for c in F_CASES])
def test_functional_matches_torch(name, fn):
    check(fn, [(3, 4, 2)], low=-3.0, high=3.0)


@pytest.mark.parametrize("name,fn", F_CASES[:-7], ids=[c[0] for c in F_CASES[:-7]])
def test_functional_float64_gradcheck(name, fn):
    gradcheck(fn, [(2, 4)], low=-2.5, high=2.5)


def test_prelu_functional_and_gradcheck():
    check(lambda m, x, w: m.nn.functional.prelu(x, w), [(2, 3, 4), (3,)])
    check(lambda m, x, w: m.nn.functional.prelu(x, w), [(2, 3), (1,)])
    gradcheck(lambda m, x, w: m.nn.functional.prelu(x, w), [(2, 3, 2), (3,)])


def test_softmax_is_stable_and_dtype_argument():
    x = np.array([[1000.0, 1000.0, -1000.0]], np.float32)
    check(lambda m, t: m.nn.functional.log_softmax(t, dim=1), inputs=[x], atol=1e-6, rtol=1e-6)
    check(lambda m, t: m.nn.functional.softmax(t, dim=1), inputs=[x])
    check(lambda m, t: m.nn.functional.softmax(t, dim=1, dtype=m.float64), [(2, 3)])
    check(lambda m, t: m.nn.functional.softplus(t), inputs=[np.array([-100.0, 0.0, 30.0, 100.0], np.float32)])
    check(lambda m, t: m.nn.functional.logsigmoid(t), inputs=[np.array([-200.0, 0.0, 200.0], np.float32)])


def test_softmax_implicit_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = ember.nn.functional.softmax(ember.zeros(2, 3))
    np.testing.assert_allclose(y.numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_kink_gradients_match_torch():
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0, 0.5, -0.5], np.float32)
    for fn in (
        lambda m, t: m.nn.functional.relu(t),
        lambda m, t: m.nn.functional.relu6(t),
        lambda m, t: m.nn.functional.hardtanh(t),
        lambda m, t: m.nn.functional.hardswish(t),
        lambda m, t: m.nn.functional.hardsigmoid(t),
        lambda m, t: m.nn.functional.leaky_relu(t),
        lambda m, t: m.nn.functional.threshold(t, 1.0, 0.0),
        lambda m, t: m.nn.functional.softshrink(t, 0.5),
        lambda m, t: m.nn.functional.hardshrink(t, 0.5),
        lambda m, t: m.nn.functional.elu(t),
    ):
        check(fn, inputs=[x])


def test_inplace_variants_write_into_input():
    for name in ("relu", "leaky_relu", "elu", "selu", "celu", "silu", "hardtanh", "relu6", "hardswish", "mish"):
        e = ember.tensor([-1.0, 0.5, 2.0])
        t = torch.tensor([-1.0, 0.5, 2.0])
        out_e = getattr(ember.nn.functional, name)(e, inplace=True)
        out_t = getattr(torch.nn.functional, name)(t, inplace=True)
        assert out_e is e
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)
        assert out_t is t


def test_inplace_on_non_leaf_keeps_gradient_flow():
    def fn(m, x):
        y = x * 2
        m.nn.functional.relu(y, inplace=True)
        return y * 3

    check(fn, [(3, 4)])


MODULES = [
    lambda m: m.nn.ReLU(),
    lambda m: m.nn.ReLU(inplace=True),
    lambda m: m.nn.ReLU6(),
    lambda m: m.nn.LeakyReLU(0.2),
    lambda m: m.nn.PReLU(),
    lambda m: m.nn.PReLU(3, init=0.1),
    lambda m: m.nn.ELU(alpha=0.5),
    lambda m: m.nn.SELU(),
    lambda m: m.nn.CELU(2.0),
    lambda m: m.nn.GELU(),
    lambda m: m.nn.GELU(approximate="tanh"),
    lambda m: m.nn.SiLU(),
    lambda m: m.nn.Mish(),
    lambda m: m.nn.Softplus(beta=2, threshold=10),
    lambda m: m.nn.Softsign(),
    lambda m: m.nn.Tanh(),
    lambda m: m.nn.Sigmoid(),
    lambda m: m.nn.Hardtanh(-2, 2),
    lambda m: m.nn.Hardsigmoid(),
    lambda m: m.nn.Hardswish(),
    lambda m: m.nn.LogSigmoid(),
    lambda m: m.nn.Softmax(dim=1),
    lambda m: m.nn.LogSoftmax(dim=-1),
    lambda m: m.nn.Softmin(dim=1),
    lambda m: m.nn.Softmax2d(),
    lambda m: m.nn.Threshold(0.1, 2.0),
    lambda m: m.nn.Tanhshrink(),
    lambda m: m.nn.Softshrink(0.3),
    lambda m: m.nn.Hardshrink(),
    lambda m: m.nn.GLU(dim=-1),
    lambda m: m.nn.RReLU(),
]


@pytest.mark.parametrize("make", MODULES)
def test_modules_match_torch(make):
    assert repr(make(ember)) == repr(make(torch))
    if "ReLU(inplace=True)" in repr(make(torch)):
        return  # in-place on a leaf input is an error in both; covered functionally
    check_module(make, [(2, 3, 4)], train=False)


def test_prelu_parameter_and_state_dict():
    e, t = ember.nn.PReLU(4), torch.nn.PReLU(4)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    assert e.weight.tolist() == t.weight.tolist()


def test_rrelu_training_slopes_in_range():
    ember.manual_seed(0)
    x = ember.full((2000,), -1.0, requires_grad=True)
    y = ember.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    values = -y.detach().numpy()
    assert values.min() >= 0.1 and values.max() <= 0.3 and values.std() > 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-6)


def test_activation_errors():
    check_error(lambda m, x: m.nn.functional.glu(x, dim=1), [np.zeros((2, 3), np.float32)], RuntimeError, "even")
    check_error(
        lambda m, x, w: m.nn.functional.prelu(x, w),
        [np.zeros((2, 3), np.float32), np.zeros(4, np.float32)],
        RuntimeError,
        "parameter numbers",
    )
    check_error(lambda m, x: m.nn.functional.softmax(x, dim=3), [np.zeros((2, 3), np.float32)], IndexError)
    check_error(lambda m, x: m.nn.functional.gelu(x, approximate="fast"), [np.zeros(2, np.float32)], RuntimeError)
    check_error(lambda m, x: m.nn.functional.hardtanh(x, 2.0, 1.0), [np.zeros(2, np.float32)], ValueError)


# ------------------------------------------------------------------ GELU's fast paths
def test_gelu_large_activations_across_chunks_match_torch():
    # More elements than one cache-sized chunk, a non-contiguous input, and the tails
    # (where Phi is 0 or 1 to float32 precision).
    check(lambda m, x: m.nn.functional.gelu(x.transpose(0, 1)), [(300, 257)], low=-12.0, high=12.0)
    check(lambda m, x: m.nn.functional.gelu(x), [(70001,)], low=-4.0, high=4.0)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_gelu_other_precisions_match_torch(dtype):
    tol = {"float16": dict(atol=2e-3, rtol=2e-3), "float64": dict(atol=1e-12, rtol=1e-12)}[dtype]
    check(lambda m, x: m.nn.functional.gelu(x), [(4, 33)], dtype=dtype, low=-5.0, high=5.0, **tol)


def test_gelu_special_values_match_torch():
    # (torch's gelu(+inf) is nan, ember's inf: listed under known differences)
    values = np.array([np.nan, -np.inf, 0.0, -0.0, 30.0, -30.0, 1e-30], np.float32)
    check(lambda m, x: m.nn.functional.gelu(x), inputs=[values], grad=False)


def test_gelu_special_values_and_their_gradients_match_torch():
    values = np.array([np.nan, -np.inf, 0.0, -0.0, 30.0, -30.0, 1e-30, -1e-30, 1e30, -1e30,
                       -5.0, -9.0, -14.0, 5.5, 6.5, 1e10, -1e10], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow of x**2 inside the kernel stays silent
        check(lambda m, x: m.nn.functional.gelu(x), inputs=[values])


def test_gelu_at_plus_inf_is_inf_with_nan_gradient():
    # torch gives nan for gelu(+inf); ember keeps inf * Phi(inf) = inf (a known difference)
    x = ember.tensor([np.inf], requires_grad=True)
    ember.nn.functional.gelu(x).backward(ember.ones(1))
    assert x.grad is not None and np.isnan(x.grad.numpy()[0])
    assert ember.nn.functional.gelu(ember.tensor([np.inf])).item() == np.inf


def test_gelu_float32_kernel_is_close_to_exact_erf():
    # Stricter than the comparison with torch: value and slope against float64 math.erf
    # on a dense grid spanning both tails and many cache-sized chunks.
    x = np.linspace(-14.0, 14.0, 280_001).astype(np.float32)
    x64 = x.astype(np.float64)
    phi = 0.5 * np.vectorize(math.erfc)(-x64 / math.sqrt(2.0))
    slope = phi + x64 * np.exp(-x64 * x64 / 2) / math.sqrt(2.0 * math.pi)
    xt = ember.tensor(x, requires_grad=True)
    out = ember.nn.functional.gelu(xt)
    out.backward(ember.ones_like(out))
    value = out.detach().numpy()
    # |error| / |x| is the error of Phi
    assert np.max(np.abs(value - x64 * phi) / np.maximum(np.abs(x64), 1e-30)) < 2e-7
    assert np.max(np.abs(xt.grad.numpy() - slope)) < 4e-7
    with ember.no_grad():  # the no-graph path (no slope) gives the same values
        np.testing.assert_array_equal(ember.nn.functional.gelu(ember.tensor(x)).numpy(), value)
