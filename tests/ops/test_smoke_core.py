"""A first pass over the core ops against torch (the family files go deeper)."""

import pytest

from tests.oracle import check, check_error, gradcheck


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x, y: x + y, [(3, 4), (4,)]),
        (lambda m, x, y: x - y, [(3, 1), (1, 4)]),
        (lambda m, x, y: x * y, [(2, 3), (2, 3)]),
        (lambda m, x, y: x / y, [(2, 3), (3,)]),
        (lambda m, x: (x * 2 + 1).relu().sum(), [(5,)]),
        (lambda m, x, w: m.matmul(x, w), [(4, 3), (3, 2)]),
        (lambda m, x, w: x @ w, [(2, 4, 3), (3,)]),
        (lambda m, x, w: x @ w, [(3,), (5, 3, 2)]),
        (lambda m, x: x.exp().log().sqrt().tanh().sigmoid(), [(3, 3)]),
        (lambda m, x: x.reshape(2, 6).t()[1:, ::2], [(3, 4)]),
        (lambda m, x: x.mean(dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    ],
)
def test_core_ops_match_torch(fn, shapes):
    check(fn, shapes, low=0.5, high=2.0)


def test_gradcheck_core():
    gradcheck(lambda m, x, y: (x * y + x / y).exp().sum(dim=0), [(2, 3), (2, 3)], low=0.5, high=1.5)


def test_matmul_shape_error_names_op_and_shapes():
    import numpy as np

    check_error(
        lambda m, a, b: m.matmul(a, b),
        [np.zeros((64, 10), np.float32), np.zeros((20, 10), np.float32)],
        RuntimeError,
        r"matmul: \(64x10\) @ \(20x10\): inner dimensions 10 and 20 differ",
    )
