"""ember.cdist and ember.dist against torch: values, dtypes, gradients and errors."""

import math

import pytest

from tests.oracle import check, check_error, gradcheck, make_array

P_VALUES = [0.0, 1.0, 2.0, 3.0, 0.5, math.inf]


@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_2d_values_and_grads(p):
    check(lambda m, a, b: m.cdist(a, b, p=p), [(4, 3), (5, 3)], grad_atol=1e-4)


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 4, 3), (2, 5, 3)],  # same batch
        [(2, 1, 3, 4), (3, 5, 4)],  # broadcast batch dims
        [(1, 3, 2), (4, 2, 2)],
    ],
)
def test_cdist_batched(shapes):
    check(lambda m, a, b: m.cdist(a, b), shapes, grad_atol=1e-4)
    check(lambda m, a, b: m.cdist(a, b, p=1), shapes, grad_atol=1e-4)


def test_cdist_float64_and_compute_modes():
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        check(lambda m, a, b: m.cdist(a, b, compute_mode=mode), [(30, 3), (27, 3)], dtype="float64", atol=1e-8, rtol=1e-6)


def test_cdist_large_rows_float32():
    # torch uses its matrix-product shortcut here; values agree within float32 rounding
    check(lambda m, a, b: m.cdist(a, b), [(40, 5), (33, 5)], atol=1e-4, grad_atol=1e-3)


def test_cdist_zero_distance_gradient_is_zero():
    x = make_array((3, 2))
    check(lambda m, a, b: m.cdist(a, b), inputs=[x, x.copy()])


def test_cdist_empty():
    check(lambda m, a, b: m.cdist(a, b), [(0, 4), (3, 4)], grad=False)
    check(lambda m, a, b: m.cdist(a, b), [(2, 0), (3, 0)], grad=False)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_cdist_gradcheck(p):
    gradcheck(lambda m, a, b: m.cdist(a, b, p=p), [(2, 3, 2), (2, 4, 2)])


def test_cdist_errors():
    f32 = make_array((2, 3))
    check_error(lambda m, a, b: m.cdist(a, b), [make_array((3,)), make_array((3,))], match="cdist.*1D")
    check_error(lambda m, a, b: m.cdist(a, b), [f32, make_array((2, 4))], match="X1: 3 X2: 4")
    check_error(lambda m, a, b: m.cdist(a, b, p=-1), [f32, f32], match="non-negative p")
    check_error(lambda m, a, b: m.cdist(a, b), [make_array((2, 3), "int64"), make_array((2, 3), "int64")], match="cdist.*Long")
    check_error(lambda m, a, b: m.cdist(a, b), [f32, make_array((2, 3), "float64")], match="Float but found Double")
    check_error(lambda m, a, b: m.cdist(a, b), [make_array((2, 3), "float16")] * 2, match="cdist.*Half")
    check_error(lambda m, a, b: m.cdist(a, b, compute_mode="bad"), [f32, f32], match="compute_mode")
    check_error(
        lambda m, a, b: m.cdist(a, b), [make_array((2, 3, 4)), make_array((3, 5, 4))], match=r"cdist.*\[2\].*\[3\]"
    )


def test_dist_values_and_grads():
    for p in (2, 1, 3.5, math.inf, -math.inf, -1):
        check(lambda m, a, b: m.dist(a, b, p), [(3, 4), (4,)], grad_atol=1e-4)
    check(lambda m, a, b: m.dist(a, b, 0), [(3, 4), (4,)], grad=False)  # torch's p=0 backward itself fails
    check(lambda m, a, b: a.dist(b), [(2, 3), (2, 3)])
    check(lambda m, a, b: m.dist(a, b), [(2, 3), (3,)], dtype=["float32", "float64"])


def test_dist_gradcheck():
    gradcheck(lambda m, a, b: m.dist(a, b), [(3, 2), (2,)])
    gradcheck(lambda m, a, b: m.dist(a, b, 3), [(3, 2), (3, 2)])


def test_dist_errors():
    ints = make_array((3,), "int64")
    check_error(lambda m, a, b: m.dist(a, b), [ints, ints], match="norm.*Long")
    check_error(lambda m, a, b: m.dist(a, b), [make_array((3, 4)), make_array((5,))], match="4.*5")
    check_error(lambda m, a: m.dist(a, 2.0), [make_array((3,))], match="dist")
