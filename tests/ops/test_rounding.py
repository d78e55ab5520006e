"""Rounding, integer-style division and modulus against torch: floor/ceil/round/trunc/frac,
div(rounding_mode=...), floor_divide (//), remainder (%), fmod; values and signs of zero,
dtypes with every operand kind, gradients, in-place variants and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from tests.ops.test_elementwise import DTYPES, same_result_or_same_error, sweep
from tests.oracle import check, check_error, gradcheck, make_array

ROUNDING = ["floor", "ceil", "round", "trunc", "fix", "frac"]
# Halfway cases, negative zero, infinities and nan: where rounding rules show.
SPECIAL = np.array(
    [-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 0.49999997, -7.3, np.inf, -np.inf, np.nan], np.float32
)


@pytest.mark.parametrize("name", ROUNDING)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_rounding_matches_torch(name, dtype):
    e, t = check(lambda m, x: getattr(m, name)(x), [(3, 4)], dtype=dtype, low=-5, high=5)
    assert e.grad_fn.name() == t.grad_fn.name()
    check(lambda m, x: getattr(x, name)(), inputs=[SPECIAL.astype(dtype)])
    check(lambda m, x: getattr(x.t()[1:], name)(), [(4, 3)], dtype=dtype, low=-5, high=5)
    check(lambda m, x: getattr(x * 1, name + "_")(), [(2, 3)], dtype=dtype, low=-5, high=5)


def test_rounding_keeps_signed_zeros():
    for name in ("floor", "ceil", "round", "trunc"):
        ours = getattr(ember, name)(ember.from_numpy(SPECIAL.copy())).numpy()
        theirs = getattr(torch, name)(torch.from_numpy(SPECIAL.copy())).numpy()
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs), err_msg=name)


@pytest.mark.parametrize("decimals", [-2, -1, 1, 2, 3])
def test_round_to_decimals(decimals):
    x = np.array([1.25, 2.675, 1234.5678, -0.05, 125.0, -155.5, 0.015], np.float32)
    e, _ = check(lambda m, a: m.round(a, decimals=decimals), inputs=[x])
    assert e.grad_fn.name() == "RoundBackward1"
    check(lambda m, a: a.round(decimals=decimals), inputs=[x.astype(np.float64)])
    check(lambda m, a: m.round(a, decimals=decimals), inputs=[x.astype(np.float16)], atol=1e-2)


@pytest.mark.parametrize("name", ROUNDING)
def test_rounding_integer_and_bool_inputs(name):
    for d in DTYPES:
        same_result_or_same_error(lambda m, x: getattr(m, name)(x), [make_array((2, 3), d, -5, 5)])
    check_error(lambda m, x: m.round(x, decimals=1), [np.array([1, 2])], NotImplementedError, "round_cpu")


# ------------------------------------------------------------------ divisions
DIVISIONS = {
    "floor_op": lambda m, x, y: x // y,
    "floor_divide": lambda m, x, y: m.floor_divide(x, y),
    "div_floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "div_trunc": lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
    "divide_trunc": lambda m, x, y: x.divide(y, rounding_mode="trunc"),
    "mod_op": lambda m, x, y: x % y,
    "remainder": lambda m, x, y: m.remainder(x, y),
    "fmod": lambda m, x, y: m.fmod(x, y),
}
DIFFERENTIABLE = ["div_floor", "div_trunc", "divide_trunc", "mod_op", "remainder", "fmod"]
# Every sign combination, exact multiples, and zero divisors (inf/nan for floats).
NUMERATORS = np.array([7.0, -7.0, 7.0, -7.0, 6.0, -6.0, 0.0, -0.0, 5.5, -5.5, 3.0, -3.0, 0.0], np.float32)
DENOMINATORS = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 3.0, -3.0, 0.5, 0.75, 0.0, 0.0, 0.0], np.float32)


@pytest.mark.parametrize("name", sorted(DIVISIONS))
def test_division_family_values_and_signed_zeros(name):
    fn = DIVISIONS[name]
    for dtype in (np.float32, np.float64, np.float16):
        e, t = check(
            fn,
            inputs=[NUMERATORS.astype(dtype), DENOMINATORS.astype(dtype)],
            grad=name != "floor_op" and name != "floor_divide",
        )
        np.testing.assert_array_equal(
            np.signbit(e.detach().numpy()), np.signbit(t.detach().numpy()), err_msg=name
        )
    ints = [np.array([7, -7, 7, -7, 6, -6, 0]), np.array([2, 2, -2, -2, 3, 3, -3])]
    check(fn, inputs=ints)
    check(fn, inputs=[ints[0].astype(np.uint8) % 8, np.array([3, 2, 5, 7, 1, 4, 2], np.uint8)])


@pytest.mark.parametrize("name", sorted(DIVISIONS))
def test_division_family_broadcasting_and_noncontiguous(name):
    check(DIVISIONS[name], [(3, 4), (4,)], low=0.5, high=3.0, grad=name in DIFFERENTIABLE)
    check(
        lambda m, x, y: DIVISIONS[name](m, x.t(), y[::2]),
        [(4, 3), (6, 4)],
        low=0.5,
        high=3.0,
        grad=name in DIFFERENTIABLE,
    )
    check(lambda m, x: DIVISIONS[name](m, x, 1.5), [(3, 4)], low=-3.0, high=3.0, grad=name in DIFFERENTIABLE)


@pytest.mark.parametrize("name", sorted(DIVISIONS))
def test_division_family_type_promotion_matches_torch(name):
    sweep(DIVISIONS[name])


@pytest.mark.parametrize("name", ["mod_op", "floor_op"])
def test_python_number_dividend(name):
    ops = {"mod_op": lambda m, x: 5 % x, "floor_op": lambda m, x: 7.5 // x}
    check(ops[name], [(3,)], low=0.5, high=3.0, grad=False)
    check(ops[name], inputs=[np.array([2, -3, 4])], grad=False)
    check(lambda m, x: m.remainder(-5, x), inputs=[np.array([2.0, -3.0, 4.0], np.float32)], grad=False)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_division_family_gradients_and_gradcheck(name):
    e, t = check(DIVISIONS[name], [(2, 3), (3,)], low=0.5, high=3.0)
    assert e.grad_fn.name() == t.grad_fn.name()
    check(lambda m, x: DIVISIONS[name](m, x, 0.7), [(2, 3)], low=-3.0, high=3.0)
    # away from the jumps the numerical derivative is well defined
    gradcheck(DIVISIONS[name], [(2, 3), (3,)], low=0.55, high=0.95)


def test_no_derivative_for_floor_divide_and_number_dividend():
    for fn in (lambda m, x: (x // 2).sum(), lambda m, x: (2 % x).sum()):
        check_error(
            lambda m, x, fn=fn: fn(m, x.requires_grad_()).backward(),
            [np.ones(3, np.float32)],
            RuntimeError,
            "derivative for aten::",
        )


def test_integer_division_by_zero_raises():
    i, zero = np.array([5, -7]), np.array([0, 1])
    for fn in (lambda m, x, y: x // y, lambda m, x, y: x % y, lambda m, x, y: m.fmod(x, y),
               lambda m, x, y: m.div(x, y, rounding_mode="trunc"), lambda m, x, y: m.div(x, y, rounding_mode="floor")):  # fmt: skip
        check_error(fn, [i, zero], RuntimeError, "ZeroDivisionError")
    check(lambda m, x: x % 0.0, inputs=[i], grad=False)  # a float divisor gives nan instead


def test_bool_divisions_are_refused():
    b = np.array([True, False])
    check_error(lambda m, x: x // x, [b], NotImplementedError, "\"div_floor_cpu\" not implemented for 'Bool'")
    check_error(lambda m, x: x % x, [b], NotImplementedError, "remainder_cpu")
    check_error(lambda m, x: m.fmod(x, x), [b], NotImplementedError, "fmod_cpu")
    check_error(
        lambda m, x: m.frac(x),
        [np.array([1, 2])],
        NotImplementedError,
        "\"frac_cpu\" not implemented for 'Long'",
    )
    check_error(lambda m, x: m.floor(x), [b], NotImplementedError, "floor_vml_cpu")


def _ifloordiv(x, y):
    x //= y
    return x


def _imod(x, y):
    x %= y
    return x


@pytest.mark.parametrize("op", [_ifloordiv, _imod])
def test_augmented_assignment(op):
    check(lambda m, x, y: op(x.clone(), y), [(3, 4), (4,)], low=0.5, high=3.0, grad=False)
    check(lambda m, x: op(x.clone(), 3), inputs=[np.array([7, -7, 5])], grad=False)
    check_error(lambda m, x: op(x, 2.5), [np.array([7, -7])], RuntimeError, "can't be cast")


@pytest.mark.parametrize("method", ["floor_divide_", "remainder_", "fmod_"])
def test_in_place_division_methods(method):
    check(lambda m, x: getattr(x.clone(), method)(2), inputs=[np.array([7, -7, 5])], grad=False)
    grad = method != "floor_divide_"
    check(lambda m, x, y: getattr(x * 1, method)(y), [(2, 3), (3,)], low=0.5, high=3.0, grad=grad)
    x = ember.ones(3)
    getattr(x, method)(2)
    assert x._version == 1


@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(DIVISIONS)),
)
def test_divisions_over_broadcastable_shapes(shapes, name):
    check(DIVISIONS[name], list(shapes.input_shapes), low=-3.0, high=3.0, grad=name in DIFFERENTIABLE)
