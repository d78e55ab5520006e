"""Elementwise arithmetic, unary math, special functions and selection ops against torch:
values, dtypes (promotion with 0-d tensors and Python scalars), gradients (including
torch's values at kinks), in-place variants, broadcasting, float64 gradcheck and
gradgradcheck, and errors."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from tests.oracle import check, check_error, gradcheck, make_array, to_torch

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


def same_result_or_same_error(fn, inputs, atol=1e-3, rtol=1e-3):
    """Compare with torch; where torch raises, ember must raise the same exception type."""
    try:
        fn(torch, *[to_torch(x) for x in inputs])
    except Exception:  # noqa: BLE001 - torch is the oracle
        check_error(fn, inputs)
        return
    check(fn, inputs=inputs, grad=False, atol=atol, rtol=rtol)


def operand_zoo(seed=0):
    """n-d tensors, 0-d tensors and Python scalars of every kind: the promotion cases."""
    rng = np.random.default_rng(seed)
    zoo = []
    for d in DTYPES:
        zoo.append(make_array((3,), d, -3, 3, rng=rng))
        zoo.append(np.asarray(make_array((), d, -3, 3, rng=rng)))
    return zoo + [2, -2, 2.5, True]


def sweep(fn, first_operands=None):
    """Run ``fn`` over every (tensor, operand) pair; report all mismatches at once."""
    zoo = operand_zoo()
    firsts = first_operands if first_operands is not None else [z for z in zoo if isinstance(z, np.ndarray)]
    failures = []
    for a, b in itertools.product(firsts, zoo):
        try:
            same_result_or_same_error(fn, [a, b])
        except AssertionError as exc:
            failures.append(
                f"{getattr(a, 'dtype', type(a))}{np.shape(a)} with {getattr(b, 'dtype', b)}{np.shape(b)}: {exc}"
            )
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures[:10])


# --------------------------------------------------------------- unary functions
# (name, low, high): a domain where the function and its derivative are finite.
UNARY = [
    ("exp", -2, 2), ("exp2", -2, 2), ("expm1", -2, 2), ("log", 0.1, 3), ("log2", 0.1, 3),
    ("log10", 0.1, 3), ("log1p", -0.5, 3), ("sqrt", 0.1, 3), ("rsqrt", 0.1, 3),
    ("reciprocal", 0.5, 2), ("square", -2, 2), ("sin", -3, 3), ("cos", -3, 3), ("tan", -1.2, 1.2),
    ("asin", -0.9, 0.9), ("acos", -0.9, 0.9), ("atan", -3, 3), ("sinh", -2, 2), ("cosh", -2, 2),
    ("tanh", -2, 2), ("asinh", -3, 3), ("acosh", 1.1, 3), ("atanh", -0.9, 0.9),
    ("sigmoid", -4, 4), ("logit", 0.05, 0.95), ("erf", -3, 3), ("erfc", -3, 3),
    ("erfinv", -0.95, 0.95), ("abs", -2, 2), ("neg", -2, 2), ("relu", -2, 2), ("sign", -2, 2),
    ("sgn", -2, 2), ("deg2rad", -2, 2), ("rad2deg", -2, 2), ("sinc", -2, 2),
    ("nan_to_num", -2, 2), ("arcsin", -0.9, 0.9), ("arccos", -0.9, 0.9), ("arctan", -2, 2),
    ("arcsinh", -2, 2), ("arccosh", 1.1, 3), ("arctanh", -0.9, 0.9), ("absolute", -2, 2),
    ("negative", -2, 2),
]  # fmt: skip
UNARY_NAMES = [u[0] for u in UNARY]
NO_DERIVATIVE = {"sign", "sgn"}
IN_PLACE_WITHOUT_TORCH_DERIVATIVE = {
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
}  # zero gradient: gradcheck is trivially true, torch compare suffices


@pytest.mark.parametrize("name,low,high", UNARY, ids=UNARY_NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_unary_matches_torch(name, low, high, dtype):
    tol = {"atol": 2e-3, "rtol": 2e-3} if dtype == "float16" else {}
    # torch's sgn gradient is a "ZeroTensor" the oracle cannot read; test_zero_gradients checks it
    grad = name != "sgn"
    e, t = check(
        lambda m, x: getattr(m, name)(x), [(3, 4)], dtype=dtype, low=low, high=high, grad=grad, **tol
    )
    if grad:
        assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("name", ["sgn", "sign", "floor", "ceil", "round", "trunc"])
def test_zero_gradients(name):
    x = ember.tensor([-1.5, 0.0, 2.5], requires_grad=True)
    getattr(x, name)().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name,low,high", UNARY, ids=UNARY_NAMES)
def test_unary_in_bfloat16(name, low, high):
    grad = name != "sgn"
    check(
        lambda m, x: getattr(m, name)(x.bfloat16()),
        [(3, 4)],
        low=low,
        high=high,
        atol=2e-2,
        rtol=2e-2,
        grad=grad,
    )


@pytest.mark.parametrize("name,low,high", UNARY, ids=UNARY_NAMES)
def test_unary_method_on_noncontiguous_and_in_place(name, low, high):
    grad = name != "sgn"
    check(lambda m, x: getattr(x.t()[::2], name)(), [(4, 3)], low=low, high=high, grad=grad)
    # in place on a non-leaf: the gradient flows through the rewritten history (torch has
    # no derivative for the in-place inverse hyperbolics; ember's is the out-of-place one)
    grad = grad and name not in IN_PLACE_WITHOUT_TORCH_DERIVATIVE
    check(lambda m, x: getattr(x * 1, name + "_")(), [(2, 3)], low=low, high=high, grad=grad)


@pytest.mark.parametrize(
    "name,low,high", [u for u in UNARY if u[0] not in NO_DERIVATIVE], ids=lambda v: str(v)
)
def test_unary_gradcheck(name, low, high):
    gradcheck(lambda m, x: getattr(m, name)(x), [(2, 3)], low=low, high=high)


@pytest.mark.parametrize("name", UNARY_NAMES + ["floor", "ceil", "round", "trunc", "frac", "positive"])
def test_unary_dtypes_match_torch(name):
    """int and bool inputs: float functions give float32, others keep or refuse the dtype."""
    for d in DTYPES:
        same_result_or_same_error(lambda m, x: getattr(m, name)(x), [make_array((2, 3), d, -3, 3)])
        same_result_or_same_error(lambda m, x: getattr(x.clone(), name + "_")(), [make_array((3,), d, -3, 3)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.clamp(-0.5, 0.7),
        lambda m, x: m.clip(x, min=-0.3),
        lambda m, x: x.clamp_max(0.2),
        lambda m, x: m.clamp_min(x, -0.2),
        lambda m, x: m.logit(x.abs(), eps=0.2),
        lambda m, x: m.float_power(x.abs(), 1.5),
        lambda m, x: m.frac(x * 3),
        lambda m, x: m.nan_to_num(x.log(), nan=1.0),
    ],
)
def test_more_gradchecks(fn):
    check(fn, [(2, 3)], low=-1.0, high=1.0)
    gradcheck(fn, [(2, 3)], low=-1.0, high=1.0)


def test_unary_rejects_python_numbers():
    check_error(lambda m: m.exp(2), [], TypeError, "must be Tensor")


# -------------------------------------------------------------- binary arithmetic
BINARY = {
    "add": lambda m, x, y: x + y,
    "add_alpha": lambda m, x, y: m.add(x, y, alpha=2.5),
    "sub": lambda m, x, y: x - y,
    "sub_alpha": lambda m, x, y: m.sub(x, y, alpha=-1.5),
    "rsub": lambda m, x, y: m.rsub(x, y, alpha=2),
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "pow": lambda m, x, y: x**y,
    "atan2": lambda m, x, y: m.atan2(x, y),
    "hypot": lambda m, x, y: m.hypot(x, y),
    "xlogy": lambda m, x, y: m.xlogy(x, y),
    "copysign": lambda m, x, y: m.copysign(x, y),
    "logaddexp": lambda m, x, y: m.logaddexp(x, y),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y),
    "fmax": lambda m, x, y: m.fmax(x, y),
    "fmin": lambda m, x, y: m.fmin(x, y),
    "lerp": lambda m, x, y: m.lerp(x, y, 0.3),
    "lerp_high_weight": lambda m, x, y: m.lerp(x, y, 0.8),
    "clamp_min_tensor": lambda m, x, y: m.clamp(x, min=y),
    "clamp_max_tensor": lambda m, x, y: x.clamp_max(y),
    "where": lambda m, x, y: m.where(x > 1, x, y),
}
BROADCAST_SHAPES = [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 3), (4, 1)], [(3,), ()], [(), (2, 3)]]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(name, shapes):
    e, t = check(BINARY[name], shapes, low=0.5, high=2.0)
    assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_in_bfloat16(name):
    check(
        lambda m, x, y: BINARY[name](m, x.bfloat16(), y.bfloat16()),
        [(3, 4), (4,)],
        low=0.5,
        high=2.0,
        atol=3e-2,
        rtol=3e-2,
    )


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_on_noncontiguous_inputs(name):
    check(lambda m, x, y: BINARY[name](m, x.t(), y[::2, 1:]), [(4, 3), (6, 5)], low=0.5, high=2.0)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradcheck(name):
    gradcheck(BINARY[name], [(2, 3), (3,)], low=0.5, high=2.0)


@pytest.mark.parametrize("scalar", [2, 0.5, -1.5])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "rsub", "radd", "rmul", "rdiv", "rpow"])
def test_python_scalar_operands_and_their_gradients(op, scalar):
    fns = {
        "add": lambda m, x: x + scalar, "sub": lambda m, x: x - scalar, "mul": lambda m, x: x * scalar,
        "div": lambda m, x: x / scalar, "pow": lambda m, x: x**scalar, "rsub": lambda m, x: scalar - x,
        "radd": lambda m, x: scalar + x, "rmul": lambda m, x: scalar * x, "rdiv": lambda m, x: scalar / x,
        "rpow": lambda m, x: abs(scalar) ** x,
    }  # fmt: skip
    e, t = check(fns[op], [(2, 3)], low=0.5, high=2.0)
    assert e.grad_fn.name() == t.grad_fn.name()
    gradcheck(fns[op], [(2, 3)], low=0.5, high=2.0)


@pytest.mark.parametrize(
    "name",
    [
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "maximum",
        "minimum",
        "fmax",
        "atan2",
        "hypot",
        "xlogy",
        "copysign",
        "lerp",
        "where",
        "clamp_min_tensor",
    ],
)
def test_binary_type_promotion_matches_torch(name):
    """Every dtype against n-d tensors, 0-d tensors and Python scalars (or the same error)."""
    sweep(BINARY[name])


@pytest.mark.parametrize(
    "fn",
    [lambda m, s, t: s + t, lambda m, s, t: s - t, lambda m, s, t: s * t, lambda m, s, t: s / t,
     lambda m, s, t: s**t, lambda m, s, t: m.pow(s, t), lambda m, s, t: m.xlogy(s, t),
     lambda m, s, t: m.add(s, t), lambda m, s, t: m.where(t > 0, s, t)],
)  # fmt: skip
def test_python_scalar_first_matches_torch(fn):
    tensors = [z for z in operand_zoo() if isinstance(z, np.ndarray)]
    failures = []
    for s in [2, -2, 0, 2.5, True]:
        for t in tensors:
            try:
                same_result_or_same_error(lambda m, x, s=s: fn(m, s, x), [t])
            except AssertionError as exc:
                failures.append(f"{s!r} with {t.dtype}{t.shape}: {exc}")
    assert not failures, "\n".join(failures[:10])


def test_promotion_examples_from_torch_docs():
    i = ember.tensor([1, 2])
    assert (i * 2.5).dtype is ember.float32
    assert (i / i).dtype is ember.float32
    assert (ember.tensor([True]) + ember.tensor([True])).dtype is ember.bool
    assert (
        ember.ones(2, dtype=ember.float16) * ember.tensor(2.0, dtype=ember.float64)
    ).dtype is ember.float16
    assert (ember.ones(2, dtype=ember.int8) + ember.tensor(3)).dtype is ember.int8
    assert (ember.ones(2) + np.float64(1.0)).dtype is ember.float32
    check(lambda m, x: x + 1000, inputs=[np.array([1, 2], np.int8)], grad=False)  # wraps like torch
    check(lambda m, x: x / -2, inputs=[np.array([1, 2], np.uint8)], grad=False)


# ------------------------------------------------------------- three-input ops
TERNARY = {
    "addcmul": lambda m, x, a, b: m.addcmul(x, a, b, value=0.5),
    "addcdiv": lambda m, x, a, b: m.addcdiv(x, a, b, value=-2),
    "lerp_tensor_weight": lambda m, x, e, w: m.lerp(x, e, w),
    "clamp_tensor_bounds": lambda m, x, lo, hi: m.clamp(x, lo, hi + 1),
    "where": lambda m, c, x, y: m.where(c > 1, x, y),
}


@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_matches_torch_and_gradcheck(name):
    e, t = check(TERNARY[name], [(2, 3), (3,), (2, 1)], low=0.5, high=2.0)
    assert e.grad_fn.name() == t.grad_fn.name()
    gradcheck(TERNARY[name], [(2, 3), (3,), (2, 1)], low=0.5, high=2.0)


def test_addcmul_addcdiv_dtypes():
    i = np.array([5, -7, 1])
    check(lambda m, x: m.addcmul(x, x, x, value=2.5), inputs=[i], grad=False)  # value truncates
    check(lambda m, x, y: m.addcdiv(x, y, x), inputs=[i, np.array([1.5, 2.0, 3.0], np.float32)], grad=False)
    check_error(lambda m, x: m.addcdiv(x, x, x), [i], RuntimeError, "Integer division with addcdiv")
    check(lambda m, x: x.clone().addcmul_(x, x, value=2), [(3,)])


# ----------------------------------------------------------------- kink gradients
def test_relu_abs_sign_gradients_at_zero():
    x = np.array([-1.0, 0.0, 0.0, 2.0], np.float32)
    for fn in (lambda m, t: m.relu(t), lambda m, t: t.abs(), lambda m, t: t.sign(), lambda m, t: t.sqrt()):
        check(fn, inputs=[x])


@pytest.mark.parametrize("size", [8, 5000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_signed_zero_nan_and_inf_match_torch(size, dtype):
    special = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-40, -1e-40], np.float64)
    x = np.resize(special, size).astype(dtype)
    x[8:] = np.random.default_rng(0).standard_normal(size - 8)
    e_out, t_out = check(lambda m, t: m.relu(t), inputs=[x])
    # -0.0 stays -0.0 (torch clamps only what is below 0), in values and in sign
    np.testing.assert_array_equal(np.signbit(e_out.detach().numpy()), np.signbit(t_out.detach().numpy()))
    # torch's gradient passes where out is nan, and is 0 at +-0
    te, tt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ember.relu(te).backward(ember.ones(size, dtype=te.dtype))
    torch.relu(tt).backward(torch.ones(size, dtype=tt.dtype))
    np.testing.assert_array_equal(te.grad.numpy(), tt.grad.numpy())


def test_clamp_gradient_passes_at_the_bounds():
    check(lambda m, x: x.clamp(-1.0, 1.0), inputs=[np.array([-2.0, -1.0, 0.0, 1.0, 2.0], np.float32)])
    check(lambda m, x: x.clamp(2.0, 1.0), inputs=[np.array([0.0, 1.0, 1.5, 2.0, 3.0], np.float32)])
    check(lambda m, x: x.clamp(min=0.0), inputs=[np.array([-1.0, 0.0, 1.0], np.float32)])
    check(lambda m, x: m.clip(x, max=0.0), inputs=[np.array([-1.0, 0.0, 1.0], np.float32)])


def test_clamp_tensor_bounds_gradients_on_every_tie():
    vals = [0.0, 1.0, 2.0]
    x, lo, hi = (np.array(v, np.float32) for v in zip(*itertools.product(vals, vals, vals)))
    e, _ = check(lambda m, a, b, c: m.clamp(a, b, c), inputs=[x, lo, hi])
    assert e.grad_fn.name() == "ClampBackward0"
    check(lambda m, a, b: m.clamp_min(a, b), inputs=[x, lo])
    check(lambda m, a, c: m.clamp_max(a, c), inputs=[x, hi])
    check(lambda m, a, b: m.clamp(a, min=b), inputs=[x, lo])


def test_maximum_minimum_split_ties_and_fmax_fmin_do_not():
    x = np.array([1.0, 2.0, 3.0, np.nan, 1.0, np.nan], np.float32)
    y = np.array([1.0, 1.0, 4.0, 1.0, np.nan, np.nan], np.float32)
    for name in ("maximum", "minimum", "fmax", "fmin"):
        check(lambda m, a, b, name=name: getattr(m, name)(a, b), inputs=[x, y])


def test_pow_gradients_at_zero_base_and_zero_exponent():
    base = np.array([0.0, 0.0, 0.0, 2.0, 0.5], np.float64)
    exponent = np.array([2.0, 0.0, -1.0, 0.0, 1.5], np.float64)
    check(lambda m, a, b: a**b, inputs=[base, exponent])
    for e in (0, 1, 2, 0.5, -1):
        check(lambda m, a, e=e: a**e, inputs=[base])
    for s in (0, 2, -2):
        check(lambda m, b, s=s: s**b, inputs=[exponent])


def test_special_function_gradients_at_their_edges():
    check(lambda m, a, b: m.atan2(a, b), inputs=[np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 2.0])])
    check(
        lambda m, a, b: m.xlogy(a, b),
        inputs=[np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, -1.0, 3.0, np.nan])],
    )
    check(lambda m, a, b: m.copysign(a, b), inputs=[np.array([0.0, 2.0, -3.0]), np.array([-1.0, -3.0, 1.0])])
    check(lambda m, a: m.logit(a), inputs=[np.array([0.0, 0.5, 1.0, 1.5, -0.5])])
    check(lambda m, a: m.logit(a, eps=0.1), inputs=[np.array([0.0, 0.05, 0.1, 0.5, 0.9, 1.0])])
    check(lambda m, a: m.nan_to_num(a, posinf=5.0), inputs=[np.array([np.nan, np.inf, -np.inf, 1.0])])
    check(lambda m, a: m.sinc(a), inputs=[np.array([0.0, 0.5, -1.0])])
    check(lambda m, a: m.erfinv(a), inputs=[np.array([0.0, 0.5, -0.999999])])
    check(lambda m, a, b: m.hypot(a, b), inputs=[np.array([3.0, 0.0]), np.array([4.0, 0.0])])


def test_where_gradient_and_scalar_branches():
    check(lambda m, x, y: m.where(x > 0, x, y), [(3, 4), (4,)])
    check(lambda m, x: m.where(x > 0, x, 0.0), [(3, 4)])
    check(lambda m, x: m.where(x > 0, 1.0, x), [(3, 4)])
    check(lambda m, x: x.where(x > 0, -x), [(3, 4)])
    check(lambda m, c: m.where(c > 0, 2, 2.5), [(3,)], grad=False)


def test_nan_to_num_defaults_per_dtype():
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    for d in (np.float16, np.float32, np.float64):
        check(lambda m, a: m.nan_to_num(a), inputs=[x.astype(d)], grad=False)
    check(lambda m, a: a.clone().nan_to_num_(nan=1.0, neginf=-2.0), inputs=[x.astype(np.float32)])


def test_integer_pow_with_negative_tensor_exponents_matches_torch():
    check(
        lambda m, a, b: a**b, inputs=[np.array([0, 1, -1, 2, -1]), np.array([-1, -2, -3, -1, -2])], grad=False
    )
    check(lambda m, b: m.pow(0, b), inputs=[np.array([-1, 0, 2])], grad=False)
    assert (ember.tensor([3, 4]) ** np.array([2, 3])).tolist() == [9, 64]


# --------------------------------------------------------------------- in place
def _iadd(x, y):
    x += y
    return x


def _imul(x, y):
    x *= y
    return x


def _itruediv(x, y):
    x /= y
    return x


def _isub(x, y):
    x -= y
    return x


def _ipow(x, y):
    x **= y
    return x


@pytest.mark.parametrize("op", [_iadd, _imul, _itruediv, _isub, _ipow])
def test_augmented_assignment_matches_torch(op):
    check(lambda m, x, y: op(x * 1, y), [(3, 4), (4,)], low=0.5, high=2.0)
    check(lambda m, x: op(x * 1, 2), [(3, 4)], low=0.5, high=2.0)


@pytest.mark.parametrize(
    "method,arg",
    [("add_", 2), ("sub_", 1.5), ("mul_", 3), ("div_", 2), ("pow_", 2), ("clamp_", 0.0), ("lerp_", None),
     ("exp_", None), ("sigmoid_", None), ("relu_", None), ("abs_", None), ("square_", None)],
)  # fmt: skip
def test_in_place_bumps_version_and_refuses_leaves_requiring_grad(method, arg):
    def call(m, x):
        if method == "lerp_":
            return x.lerp_(m.ones_like(x), 0.5)
        return getattr(x, method)(*(() if arg is None else (arg,)))

    for module in (ember, torch):
        x = module.ones(3)
        before = x._version
        assert call(module, x) is x
        assert x._version == before + 1, module.__name__
    check_error(
        lambda m, x: call(m, x.requires_grad_()), [np.ones(3, np.float32)], RuntimeError, "leaf Variable"
    )
    check(lambda m, x: call(m, x * 1), [(2, 3)], low=0.5, high=2.0)


def _write_through_views(m, x):
    y = x * 1
    row = y[0]
    row += 2
    y[1].mul_(3)
    y[:, 1].clamp_(0, 0.5)
    y[y > 1] *= 2
    y.t()[0].exp_()
    return y


def test_in_place_through_views_matches_torch():
    check(_write_through_views, [(3, 3)])


def test_in_place_refuses_results_the_tensor_cannot_hold():
    i = np.array([1, 2, 3])
    check_error(
        lambda m, x: x.mul_(2.5),
        [i],
        RuntimeError,
        "result type Float can't be cast to the desired output type Long",
    )
    check_error(lambda m, x: x.div_(2), [i], RuntimeError, "can't be cast")
    check_error(lambda m, x: x.sin_(), [i], RuntimeError, "can't be cast")
    check_error(
        lambda m, x: x.add_(1),
        [np.array([True])],
        RuntimeError,
        "Long can't be cast to the desired output type Bool",
    )
    check_error(
        lambda m, x, y: x.add_(y),
        [np.ones(3, np.float32), np.ones((2, 3), np.float32)],
        RuntimeError,
        "doesn't match the broadcast shape",
    )
    check_error(
        lambda m, x: x.float_power_(2), [np.ones(3, np.float32)], RuntimeError, "requires dtype Double"
    )
    check(lambda m, x: x.clone().float_power_(2), inputs=[np.ones(3)], grad=False)


def test_out_argument_writes_into_the_given_tensor():
    x = np.array([1.0, 4.0], np.float32)
    for name in ("exp", "sqrt", "neg", "sigmoid", "erf"):
        check(lambda m, a, name=name: getattr(m, name)(a, out=m.empty(2)), inputs=[x], grad=False)
    out = ember.empty(2)
    assert ember.add(ember.tensor([1.0, 2.0]), 1, out=out) is out


# ------------------------------------------------------------------ hypothesis
@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(BINARY)),
)
def test_binary_ops_over_broadcastable_shapes(shapes, name):
    check(BINARY[name], list(shapes.input_shapes), low=0.5, high=2.0)


@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(TERNARY)),
)
def test_ternary_ops_over_broadcastable_shapes(shapes, name):
    if name == "clamp_tensor_bounds":
        # torch's own clamp backward fails when the input is smaller than the bounds' shape
        assume(shapes.input_shapes[0] == shapes.result_shape)
    check(TERNARY[name], list(shapes.input_shapes), low=0.5, high=2.0)


# ------------------------------------------------------------------------ errors
def test_bool_subtraction_and_negation_are_refused():
    b = np.array([True, False])
    check_error(lambda m, x, y: x - y, [b, b], RuntimeError, "with two bool tensors is not supported")
    check_error(lambda m, x: x - 1, [b], RuntimeError, "with a bool tensor is not supported")
    check_error(lambda m, x: 1.5 - x, [b], RuntimeError, "with a bool tensor is not supported")
    check_error(lambda m, x: -x, [b], RuntimeError, "Negation, the `-` operator, on a bool tensor")
    check_error(lambda m, x: +x, [b], RuntimeError, "The `\\+` operator, on a bool tensor")
    check_error(lambda m, x: m.relu(x), [b], RuntimeError, "Boolean inputs not supported for relu")
    check_error(lambda m, x: m.abs(x), [b], NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'")


def test_shape_mismatch_names_both_shapes():
    a, b = np.zeros((2, 3), np.float32), np.zeros((4,), np.float32)
    for fn in (
        lambda m, x, y: x + y,
        lambda m, x, y: x * y,
        lambda m, x, y: m.maximum(x, y),
        lambda m, x, y: m.where(x > 0, x, y),
    ):
        check_error(
            fn,
            [a, b],
            RuntimeError,
            r"size of tensor \w \(3\) must match the size of tensor \w \(4\) .*\[2, 3\] and \[4\]",
        )


def test_integer_to_negative_power_and_other_refusals():
    i = np.array([1, 2, 3])
    check_error(lambda m, x: x**-1, [i], RuntimeError, "Integers to negative integer powers are not allowed.")
    check_error(lambda m, x: m.pow(x, -2), [i], RuntimeError, "negative integer powers")
    check_error(lambda m, x: x**x, [np.array([True])], NotImplementedError, '"pow" not implemented')
    check_error(
        lambda m, x: m.add(x, x, alpha=2.5), [i], RuntimeError, "alpha must not be a floating point number"
    )
    check_error(lambda m, x: m.add(x, x, alpha=True), [np.ones(2, np.float32)], RuntimeError, "Boolean alpha")
    check_error(lambda m, x: m.clamp(x), [i], RuntimeError, "At least one of 'min' or 'max' must not be None")
    check_error(
        lambda m, x: m.where(x, x, x),
        [np.ones(2, np.float32)],
        RuntimeError,
        "boolean tensor, but got a tensor with dtype Float",
    )
    check_error(
        lambda m, x: m.hypot(x, x), [i], NotImplementedError, "\"hypot_cpu\" not implemented for 'Long'"
    )
    check_error(lambda m, x: m.maximum(x, 2), [i], TypeError, "must be Tensor")
    check_error(lambda m, x: m.lerp(x, x, 0.5), [i], NotImplementedError, "lerp_kernel_scalar")
    check_error(
        lambda m, x, y: m.lerp(x, y, 0.5),
        [np.ones(2, np.float32), np.ones(2)],
        RuntimeError,
        "expected dtype float for `end` but got dtype double",
    )
    check_error(lambda m, x: m.div(x, 2, rounding_mode="bogus"), [i], ValueError, "rounding_mode")


def test_foreign_operands_raise_type_error():
    x = np.ones(2, np.float32)
    for fn in (lambda m, t: t + None, lambda m, t: t * "a", lambda m, t: t - [1, 2], lambda m, t: None / t):
        check_error(fn, [x], TypeError)
    assert (ember.ones(2) == None) is False
    assert (ember.ones(2) != "a") is True


# ------------------------------------------------------------------ error function
def test_erf_family_is_accurate_in_float64():
    x = np.concatenate(
        [np.linspace(-7, 7, 4001), np.linspace(-27, 27, 1001), [0.0, -0.0, np.inf, -np.inf, np.nan]]
    )
    for name in ("erf", "erfc"):
        ours = getattr(ember, name)(ember.from_numpy(x)).numpy()
        theirs = getattr(torch, name)(torch.from_numpy(x)).numpy()
        normal = np.abs(theirs) > 1e-300  # far tails are denormal: compare absolutely there
        np.testing.assert_allclose(ours[normal], theirs[normal], rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(ours[~normal], theirs[~normal], atol=1e-300, err_msg=name)
    u = np.concatenate(
        [
            np.linspace(-1, 1, 4001),
            1 - np.logspace(-300, -1, 200),
            -np.logspace(-300, -1, 200),
            [np.nan, 1.5, -2.0],
        ]
    )
    ours = ember.erfinv(ember.from_numpy(u)).numpy()
    theirs = torch.erfinv(torch.from_numpy(u)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)


def test_erf_family_matches_torch_in_float32():
    x = np.linspace(-10, 10, 2001, dtype=np.float32)
    for name in ("erf", "erfc"):
        check(lambda m, a, name=name: getattr(m, name)(a), inputs=[x], rtol=2e-6, atol=1e-37)
    u = np.linspace(-0.9999, 0.9999, 2001, dtype=np.float32)
    check(lambda m, a: m.erfinv(a), inputs=[u], rtol=2e-6)


@pytest.mark.parametrize("shape", [(600, 3), (6, 3)])
def test_relu_of_a_transposed_input_keeps_its_layout_as_torch(shape):
    t = torch.randn(*shape).t()
    e = ember.tensor(t.numpy())
    assert e.relu().stride() == t.relu().stride()
    assert e.relu().is_contiguous() == t.relu().is_contiguous()
    np.testing.assert_array_equal(e.relu().numpy(), t.relu().numpy())
