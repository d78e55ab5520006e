"""Comparisons, isclose/allclose/equal, logical and bitwise ops (with their operators),
and float classification against torch: values, dtypes, broadcasting, in-place variants
and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from tests.ops.test_elementwise import DTYPES, same_result_or_same_error, sweep
from tests.oracle import check, check_error, make_array

COMPARISONS = {
    "eq": lambda m, x, y: x == y,
    "ne": lambda m, x, y: x != y,
    "lt": lambda m, x, y: x < y,
    "le": lambda m, x, y: x <= y,
    "gt": lambda m, x, y: x > y,
    "ge": lambda m, x, y: x >= y,
    "eq_fn": lambda m, x, y: m.eq(x, y),
    "greater": lambda m, x, y: m.greater(x, y),
    "less_equal": lambda m, x, y: x.less_equal(y),
    "not_equal": lambda m, x, y: m.not_equal(x, y),
    "greater_equal": lambda m, x, y: x.greater_equal(y),
    "less": lambda m, x, y: m.less(x, y),
}
NAN_CASES = [
    np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32),
    np.array([1.0, np.nan, np.inf, 1.0, -0.0, 0.0], np.float32),
]


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_match_torch(name):
    fn = COMPARISONS[name]
    check(fn, [(3, 4), (4,)], grad=False)
    check(lambda m, x, y: fn(m, x.t(), y[::2]), [(4, 3), (6, 4)], grad=False)
    check(fn, inputs=NAN_CASES, grad=False)
    check(lambda m, x: fn(m, x, 0.5), [(3,)], grad=False)
    # operators reflect to the opposite comparison; functions refuse a number first
    same_result_or_same_error(lambda m, x: fn(m, 0.5, x), [make_array((3,))])


@pytest.mark.parametrize("name", ["eq", "lt", "ge", "ne"])
def test_comparison_promotion_matches_torch(name):
    sweep(COMPARISONS[name])


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_in_place_writes_ones_and_zeros(name):
    check(lambda m, x, y: getattr(x.clone(), name + "_")(y), [(3, 4), (4,)], grad=False)
    check(lambda m, x: getattr(x.clone(), name + "_")(1), inputs=[np.array([0, 1, 2])], grad=False)


def test_comparison_with_foreign_objects():
    x = ember.tensor([1.0, 2.0])
    assert (x == None) is False
    assert (x != "text") is True
    check_error(lambda m, t: t < None, [np.ones(2, np.float32)], TypeError)


def test_comparison_shape_mismatch_names_shapes():
    check_error(lambda m, x, y: x < y, [np.ones((2, 3)), np.ones(2)], RuntimeError, r"\[2, 3\] and \[2\]")


# ---------------------------------------------------------------- closeness
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"rtol": 0.1},
        {"atol": 0.5},
        {"rtol": 0, "atol": 0},
        {"equal_nan": True},
        {"rtol": 0.5, "atol": 0.01, "equal_nan": True},
    ],
)
def test_isclose_and_allclose_match_torch(kwargs):
    a = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, np.inf, 0.0, 1e-9, 2.0], np.float32)
    b = np.array([1.0 + 1e-6, 1.2, np.nan, np.inf, np.inf, np.nan, 1e-9, 0.0, 2.5], np.float32)
    for dtype in (np.float32, np.float64, np.float16):
        check(
            lambda m, x, y: m.isclose(x, y, **kwargs), inputs=[a.astype(dtype), b.astype(dtype)], grad=False
        )
        check(
            lambda m, x, y: x.isclose(y, **kwargs),
            inputs=[a.astype(dtype)[:, None], b.astype(dtype)],
            grad=False,
        )
        check(
            lambda m, x, y: m.allclose(x[:2], y[:2], **kwargs),
            inputs=[a.astype(dtype), b.astype(dtype)],
            grad=False,
        )
    ints = [np.array([1, 10, 100, -5]), np.array([1, 11, 120, 5])]
    check(lambda m, x, y: m.isclose(x, y, **kwargs), inputs=ints, grad=False)
    bools = [np.array([True, False, True]), np.array([True, True, False])]
    check(lambda m, x, y: m.isclose(x, y, **kwargs), inputs=bools, grad=False)


def test_isclose_errors():
    check_error(
        lambda m, x, y: m.isclose(x, y),
        [np.ones(2, np.float32), np.ones(2)],
        RuntimeError,
        "Float did not match Double",
    )
    check_error(
        lambda m, x: m.isclose(x, x, rtol=-1),
        [np.ones(2)],
        RuntimeError,
        "rtol must be greater than or equal to zero",
    )
    check_error(
        lambda m, x: m.isclose(x, x, atol=-1),
        [np.ones(2)],
        RuntimeError,
        "atol must be greater than or equal to zero",
    )
    check_error(lambda m, x: m.isclose(x, 1.0), [np.ones(2)], TypeError, "must be Tensor")
    check_error(
        lambda m, x, y: m.allclose(x, y), [np.ones(2, np.float32), np.ones(2)], RuntimeError, "did not match"
    )


def test_equal_matches_torch():
    cases = [
        [np.array([1, 2]), np.array([1.0, 2.0])],
        [np.array([1.0, 2.0]), np.array([1.0, 2.5])],
        [np.array([1, 2]), np.array([[1, 2]])],
        [np.array([np.nan]), np.array([np.nan])],
        [np.zeros((0,)), np.zeros((0,))],
        [np.array([True, False]), np.array([1, 0])],
    ]
    for a, b in cases:
        check(lambda m, x, y: m.equal(x, y), inputs=[a, b], grad=False)
        check(lambda m, x, y: x.equal(y), inputs=[a, b], grad=False)


# --------------------------------------------------------------- logical ops
LOGICAL = {
    "logical_and": lambda m, x, y: m.logical_and(x, y),
    "logical_or": lambda m, x, y: x.logical_or(y),
    "logical_xor": lambda m, x, y: m.logical_xor(x, y),
}


@pytest.mark.parametrize("name", sorted(LOGICAL))
def test_logical_ops_match_torch(name):
    fn = LOGICAL[name]
    failures = []
    for da in DTYPES:
        for db in DTYPES:
            a, b = make_array((2, 3), da, -1, 1, seed=1), make_array((3,), db, -1, 1, seed=2)
            try:
                check(fn, inputs=[a, b], grad=False)
                check(lambda m, x, y: getattr(x.clone(), name + "_")(y), inputs=[a, b], grad=False)
            except AssertionError as exc:
                failures.append(f"{da} {db}: {exc}")
    assert not failures, "\n".join(failures[:10])
    check(fn, inputs=NAN_CASES, grad=False)  # nan counts as True
    check_error(lambda m, x: fn(m, x, 1), [np.ones(2)], TypeError, "must be Tensor")


def test_logical_not_matches_torch():
    for d in DTYPES:
        check(lambda m, x: m.logical_not(x), inputs=[make_array((2, 3), d, -1, 1)], grad=False)
        check(lambda m, x: x.clone().logical_not_(), inputs=[make_array((2, 3), d, -1, 1)], grad=False)
    check(lambda m, x: x.logical_not(), inputs=NAN_CASES[:1], grad=False)


# ---------------------------------------------------------------- bitwise ops
BITWISE = {
    "and": lambda m, x, y: x & y,
    "or": lambda m, x, y: x | y,
    "xor": lambda m, x, y: x ^ y,
    "lshift": lambda m, x, y: x << y,
    "rshift": lambda m, x, y: x >> y,
    "bitwise_and": lambda m, x, y: m.bitwise_and(x, y),
    "bitwise_or": lambda m, x, y: x.bitwise_or(y),
    "bitwise_xor": lambda m, x, y: m.bitwise_xor(x, y),
    "bitwise_left_shift": lambda m, x, y: m.bitwise_left_shift(x, y),
    "bitwise_right_shift": lambda m, x, y: x.bitwise_right_shift(y),
}


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_promotion_and_refusals_match_torch(name):
    sweep(BITWISE[name])


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_reflected_and_broadcast(name):
    fn = BITWISE[name]
    check(fn, inputs=[np.array([[1, 6, -7]]), np.array([[2], [3]])], grad=False)
    for s in (3, True):
        for t in (np.array([1, 6, 7]), np.array([True, False, True])):
            same_result_or_same_error(lambda m, x, s=s: fn(m, s, x), [t])


@pytest.mark.parametrize("name", ["lshift", "rshift"])
def test_shifts_by_out_of_range_amounts(name):
    fn = BITWISE[name]
    amounts = np.array([0, 1, 7, 8, 9, 63, 64, 65, -1])
    for d in (np.int64, np.int32, np.int8, np.uint8):
        values = np.array([5, -7, 1, -128, 127, 3, -1, 2, -5]).astype(d)
        check(fn, inputs=[values, amounts.astype(d)], grad=False)


def test_bitwise_not_and_invert():
    for d in DTYPES:
        same_result_or_same_error(lambda m, x: m.bitwise_not(x), [make_array((4,), d, -5, 5)])
        same_result_or_same_error(lambda m, x: ~x, [make_array((4,), d, -5, 5)])
    check_error(
        lambda m, x: ~x,
        [np.ones(2, np.float32)],
        TypeError,
        "only implemented on integer and Boolean-type tensors",
    )
    check_error(
        lambda m, x: m.bitwise_not(x),
        [np.ones(2, np.float32)],
        NotImplementedError,
        "\"bitwise_not_cpu\" not implemented for 'Float'",
    )


def _iand(x, y):
    x &= y
    return x


def _ior(x, y):
    x |= y
    return x


def _ixor(x, y):
    x ^= y
    return x


def _ilshift(x, y):
    x <<= y
    return x


def _irshift(x, y):
    x >>= y
    return x


@pytest.mark.parametrize("op", [_iand, _ior, _ixor, _ilshift, _irshift])
def test_bitwise_augmented_assignment(op):
    check(lambda m, x, y: op(x.clone(), y), inputs=[np.array([5, -7, 12]), np.array([3, 1, 2])], grad=False)
    if op in (_iand, _ior, _ixor):
        check(
            lambda m, x, y: op(x.clone(), y),
            inputs=[np.array([True, False]), np.array([True, True])],
            grad=False,
        )
    check_error(lambda m, x: op(x, 2), [np.array([True, False])], RuntimeError, "can't be cast")


def test_mask_idioms():
    check(lambda m, x: ((x > 0) & (x < 1)) | ~x.isnan(), [(3, 4)], grad=False)
    check(lambda m, x: x * ((x > 0) ^ (x > 1)), [(3, 4)])


# ------------------------------------------------------- float classification
CLASSIFY = ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "signbit"]


@pytest.mark.parametrize("name", CLASSIFY)
def test_classification_matches_torch(name):
    special = np.array([1.0, -1.0, 0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf], np.float32)
    for dtype in (np.float32, np.float64, np.float16):
        check(lambda m, x: getattr(m, name)(x), inputs=[special.astype(dtype)], grad=False)
        check(lambda m, x: getattr(x, name)(), inputs=[special.astype(dtype).reshape(2, 4).T], grad=False)
    for d in DTYPES:
        check(lambda m, x: getattr(m, name)(x), inputs=[make_array((2, 3), d, -3, 3)], grad=False)


@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(COMPARISONS) + sorted(LOGICAL)),
)
def test_comparisons_and_logical_over_broadcastable_shapes(shapes, name):
    fn = COMPARISONS.get(name) or LOGICAL[name]
    check(fn, list(shapes.input_shapes), grad=False)


@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(BITWISE)),
)
def test_bitwise_over_broadcastable_shapes(shapes, name):
    a, b = shapes.input_shapes
    check(
        BITWISE[name],
        inputs=[make_array(a, "int32", -50, 50, seed=3), make_array(b, "int32", 0, 9, seed=4)],
        grad=False,
    )


def test_nothing_here_has_a_gradient():
    x = ember.ones(3, requires_grad=True)
    for y in (x > 0, x == 1, x.isnan(), x.signbit(), ember.isclose(x, x), ember.logical_not(x)):
        assert not y.requires_grad and y.grad_fn is None
    assert not torch.ones(3, requires_grad=True).gt(0).requires_grad
