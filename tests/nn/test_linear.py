"""Linear, Bilinear, Identity against torch; F.linear/F.bilinear gradients and errors."""

import math

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck


@pytest.mark.parametrize(
    "make,shapes",
    [
        (lambda m: m.nn.Linear(3, 5), [(4, 3)]),
        (lambda m: m.nn.Linear(3, 5), [(2, 4, 3)]),
        (lambda m: m.nn.Linear(3, 5), [(3,)]),
        (lambda m: m.nn.Linear(3, 5, bias=False), [(6, 3)]),
        (lambda m: m.nn.Linear(0, 2), [(4, 0)]),
        (lambda m: m.nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
        (lambda m: m.nn.Bilinear(3, 4, 2, bias=False), [(2, 5, 3), (2, 5, 4)]),
        (lambda m: m.nn.Identity(7, some_arg=1), [(2, 3)]),
    ],
)
def test_layers_match_torch(make, shapes):
    check_module(make, shapes)


def test_linear_float64():
    check_module(lambda m: m.nn.Linear(4, 3), [(5, 4)], dtype="float64", atol=1e-10, rtol=1e-10)


def test_parameter_names_shapes_and_repr():
    import torch

    for make in (
        lambda m: m.nn.Linear(3, 5),
        lambda m: m.nn.Linear(3, 5, bias=False),
        lambda m: m.nn.Bilinear(2, 3, 4),
        lambda m: m.nn.Identity(),
    ):
        e, t = make(ember), make(torch)
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in t.named_parameters()
        ]
        assert repr(e) == repr(t)


def test_default_init_bounds_and_spread():
    ember.manual_seed(0)
    lin = ember.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-k, k) has std k / sqrt(3); a wrong gain would move it far off
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(w.mean()) < 0.02 * bound
    bil = ember.nn.Bilinear(25, 10, 8)
    assert np.abs(bil.weight.detach().numpy()).max() <= 1 / 5
    assert np.abs(bil.weight.detach().numpy()).max() > 0.9 / 5


def test_dtype_and_device_arguments():
    lin = ember.nn.Linear(2, 3, dtype=ember.float64, device="cpu")
    assert lin.weight.dtype == ember.float64 and lin.bias.dtype == ember.float64


def test_functional_linear_matches_torch_and_grad_fn():
    check(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)])
    check(lambda m, x, w: m.nn.functional.linear(x, w), [(4,), (5, 4)])
    e, _ = check(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(3, 4), (5, 4), (5,)])
    assert e.grad_fn.name() == "AddmmBackward0"
    check(lambda m, a, b, w, bias: m.nn.functional.bilinear(a, b, w, bias), [(3, 2), (3, 4), (5, 2, 4), (5,)])


def test_gradcheck_linear_and_bilinear():
    gradcheck(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(2, 3), (4, 3), (4,)])
    gradcheck(lambda m, a, b, w: m.nn.functional.bilinear(a, b, w), [(2, 2), (2, 3), (2, 2, 3)])


def test_linear_shape_error_names_both_shapes():
    check_error(
        lambda m, x, w: m.nn.functional.linear(x, w),
        [np.zeros((2, 3), np.float32), np.zeros((4, 2), np.float32)],
        RuntimeError,
        r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x4\)",
    )
    check_error(
        lambda m, x, w: m.nn.functional.linear(x, w),
        [np.zeros((2, 3), np.float64), np.zeros((4, 3), np.float32)],
        RuntimeError,
        "same dtype",
    )
    with pytest.raises(RuntimeError, match="input1 size"):
        ember.nn.functional.bilinear(ember.ones(2, 3), ember.ones(2, 3), ember.ones(1, 2, 3))
