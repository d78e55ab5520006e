"""Pooling against torch: max/avg/adaptive/lp pooling, unpooling, their modules and errors."""

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck


def F(m):
    return m.nn.functional


# ------------------------------------------------------------------ max pooling
@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({"kernel_size": 2}, (2, 3, 8, 8)),
        ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8, 7)),
        ({"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0), "dilation": (2, 1)}, (2, 3, 8, 7)),
        ({"kernel_size": 3, "stride": 1, "padding": 1}, (1, 2, 5, 5)),  # overlapping windows
        ({"kernel_size": 2, "ceil_mode": True}, (1, 2, 5, 7)),
        ({"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}, (1, 1, 9, 10)),
        ({"kernel_size": 3}, (3, 7, 7)),  # unbatched
    ],
)
def test_max_pool2d(kwargs, shape):
    check(lambda m, x: F(m).max_pool2d(x, **kwargs), [shape])
    check(lambda m, x: F(m).max_pool2d(x, return_indices=True, **kwargs), [shape])


def test_max_pool1d_and_3d():
    check(lambda m, x: F(m).max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True), [(2, 3, 8)])
    check(lambda m, x: F(m).max_pool1d(x, 2, dilation=2), [(3, 9)])
    check(lambda m, x: F(m).max_pool3d(x, 2, stride=1, return_indices=True), [(2, 2, 4, 3, 4)])
    check(lambda m, x: F(m).max_pool3d(x, (2, 3, 2), stride=2, padding=1), [(1, 2, 5, 5, 4)])
    check(lambda m, x: m.max_pool1d_with_indices(x, 2), [(2, 3, 6)])
    check(lambda m, x: F(m).max_pool2d_with_indices(x, 2), [(2, 3, 6, 6)])


def test_max_pool_ties_pick_the_first_and_nan_wins():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 1.0
    check(lambda m, x: F(m).max_pool2d(x, 2, stride=1, padding=1, return_indices=True), inputs=[x])
    relu_like = np.maximum(np.random.default_rng(1).standard_normal((2, 2, 6, 6)), 0).astype(np.float32)
    check(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), inputs=[relu_like])
    nan = np.array([[[[1, np.nan, 3], [np.nan, 0, 2], [5, 1, np.nan]]]], np.float32)
    check(lambda m, x: F(m).max_pool2d(x, 2, stride=1, return_indices=True), inputs=[nan], grad=False)


def test_max_pool_integer_and_float64():
    check(lambda m, x: F(m).max_pool2d(x, 2, padding=1, return_indices=True), [(1, 2, 5, 5)], dtype="int64", grad=False)
    check(lambda m, x: F(m).max_pool2d(x, 3, stride=2), [(1, 2, 7, 7)], dtype="float64")


def test_max_pool_no_indices_without_grad():
    x = ember.randn(1, 1, 4, 4)
    assert not ember.max_pool2d(x, 2).requires_grad
    y = ember.max_pool2d(x.requires_grad_(), 2)
    assert y.grad_fn is not None


# -------------------------------------------------------------- average pooling
@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({"kernel_size": 2}, (2, 3, 8, 8)),
        ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8, 7)),
        ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, (2, 3, 8, 7)),
        ({"kernel_size": (3, 2), "stride": 1, "padding": (1, 1), "count_include_pad": False}, (1, 2, 5, 4)),
        ({"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5}, (2, 3, 8, 7)),
        ({"kernel_size": 2, "ceil_mode": True, "divisor_override": 3}, (1, 1, 5, 5)),
        ({"kernel_size": 2}, (3, 6, 6)),
    ],
)
def test_avg_pool2d(kwargs, shape):
    check(lambda m, x: F(m).avg_pool2d(x, **kwargs), [shape])


def test_avg_pool1d_3d_and_integers():
    check(lambda m, x: F(m).avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [(2, 3, 8)])
    check(lambda m, x: m.avg_pool1d(x, 2), [(2, 3, 8)])
    check(lambda m, x: F(m).avg_pool3d(x, 2, stride=1, padding=1), [(2, 2, 4, 3, 4)])
    check(lambda m, x: F(m).avg_pool3d(x, 2, divisor_override=3, ceil_mode=True), [(1, 1, 3, 5, 4)])
    ints = np.arange(-16, 16).reshape(2, 1, 4, 4)
    check(lambda m, x: F(m).avg_pool2d(x, 2), inputs=[ints], grad=False)
    check(lambda m, x: F(m).avg_pool2d(x, 3, 1, 1), inputs=[ints], grad=False)


# ------------------------------------------------------------- adaptive pooling
@pytest.mark.parametrize("out", [(3, 2), (5, 7), (1, 1), (None, 4), 3, (8, 7)])
def test_adaptive_pool2d(out):
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, out), [(2, 3, 8, 7)])
    check(lambda m, x: F(m).adaptive_max_pool2d(x, out, return_indices=True), [(2, 3, 8, 7)])


def test_adaptive_pool1d_3d_unbatched_and_top_level():
    check(lambda m, x: F(m).adaptive_avg_pool1d(x, 3), [(2, 3, 8)])
    check(lambda m, x: F(m).adaptive_max_pool1d(x, 5, return_indices=True), [(2, 3, 7)])
    check(lambda m, x: F(m).adaptive_avg_pool3d(x, (2, 3, 1)), [(1, 2, 4, 5, 3)])
    check(lambda m, x: F(m).adaptive_max_pool3d(x, 2), [(1, 2, 3, 4, 5)])
    check(lambda m, x: F(m).adaptive_max_pool2d(x, (5, 4)), [(3, 8, 7)])
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, 2), [(3, 5, 5)])
    check(lambda m, x: m.adaptive_max_pool1d(x, 3), [(2, 3, 7)])
    check(lambda m, x: m.adaptive_avg_pool1d(x, 3), [(2, 3, 7)])


# ------------------------------------------------------- lp pooling, unpooling
def test_lp_pool():
    check(lambda m, x: F(m).lp_pool2d(x, 2, 3, stride=2), [(2, 3, 8, 7)], low=0.1)
    check(lambda m, x: F(m).lp_pool1d(x, 3, 2), [(2, 3, 8)], low=0.1)
    check(lambda m, x: F(m).lp_pool2d(x, 1.5, (2, 3), ceil_mode=True), [(1, 2, 5, 7)], low=0.1)


def test_max_unpool():
    def roundtrip2d(m, x):
        v, i = F(m).max_pool2d(x, 2, return_indices=True)
        return F(m).max_unpool2d(v, i, 2, output_size=(9, 8))

    def roundtrip1d(m, x):
        v, i = F(m).max_pool1d(x, 3, stride=2, padding=1, return_indices=True)
        return F(m).max_unpool1d(v, i, 3, stride=2, padding=1)

    check(roundtrip2d, [(2, 3, 9, 8)])
    check(roundtrip1d, [(2, 3, 9)])


# -------------------------------------------------------------- finite differences
def test_gradchecks():
    gradcheck(lambda m, x: F(m).max_pool2d(x, 3, stride=2, padding=1), [(1, 2, 5, 5)])
    gradcheck(lambda m, x: F(m).max_pool1d(x, 2, stride=1), [(1, 2, 5)])
    gradcheck(lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True), [(1, 2, 5, 5)])
    gradcheck(lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), [(1, 2, 5, 5)])
    gradcheck(lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2)), [(1, 2, 5, 5)])
    gradcheck(lambda m, x: F(m).lp_pool2d(x, 2, 2), [(1, 1, 4, 4)], low=0.5, high=2.0)


# ----------------------------------------------------------------------- errors
def _z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


@pytest.mark.parametrize(
    "fn,inputs,exc,match",
    [
        (lambda m, x: F(m).max_pool2d(x, 3, padding=2), [_z(2, 3, 5, 5)], RuntimeError, "pad should be at most half of effective kernel size"),
        (lambda m, x: F(m).max_pool2d(x, 3), [_z(1, 1, 2, 2)], RuntimeError, r"Given input size: \(1x2x2\). Calculated output size: \(1x0x0\). Output size is too small"),
        (lambda m, x: F(m).max_pool2d(x, 2, stride=0), [_z(1, 1, 4, 4)], RuntimeError, "stride should not be zero"),
        (lambda m, x: F(m).max_pool2d(x, 2, dilation=0), [_z(1, 1, 4, 4)], RuntimeError, "dilation should be greater than zero"),
        (lambda m, x: F(m).max_pool2d(x, (2, 2, 2)), [_z(1, 1, 4, 4)], RuntimeError, "kernel_size must either be a single int, or a tuple of two ints"),
        (lambda m, x: F(m).max_pool2d(x, 2, padding=-1), [_z(1, 1, 4, 4)], RuntimeError, "pad must be non-negative"),
        (lambda m, x: F(m).max_pool2d(x, 1), [_z(2, 2)], RuntimeError, r"non-empty 3D or 4D \(batch mode\) tensor expected for input"),
        (lambda m, x: F(m).max_pool1d(x, 2), [_z(2, 3, 1)], RuntimeError, "max_pool1d\\(\\) Invalid computed output size: 0"),
        (lambda m, x: F(m).avg_pool2d(x, 2, divisor_override=0), [_z(1, 1, 4, 4)], RuntimeError, "divisor must be not zero"),
        (lambda m, x: F(m).avg_pool2d(x, 3), [_z(1, 1, 2, 2)], RuntimeError, "Output size is too small"),
        (lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 2)), [_z(2, 3, 0, 4)], RuntimeError, "Expected input to have non-zero size for non-batch dimensions"),
        (lambda m, x: F(m).adaptive_max_pool2d(x, (2, 2)), [_z(5)], ValueError, "Input dimension should be at least 3"),
        (lambda m, x: F(m).adaptive_avg_pool1d(x, (2, 2)), [_z(2, 3, 5)], RuntimeError, "should contain one int"),
        (lambda m, x: F(m).max_pool2d(x, 2), [_z(2, 3, 4, 4, dtype=np.bool_)], NotImplementedError, "not implemented for 'Bool'"),
        (lambda m, x: F(m).adaptive_avg_pool2d(x, 2), [np.arange(16).reshape(1, 1, 4, 4)], NotImplementedError, "not implemented for 'Long'"),
    ],
)
def test_errors_match_torch(fn, inputs, exc, match):
    check_error(fn, inputs, exc, match)


# ---------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda m: m.nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 8, 7)),
        (lambda m: m.nn.MaxPool2d(2, return_indices=True), (2, 3, 8, 8)),
        (lambda m: m.nn.MaxPool1d(3, stride=2, dilation=2), (2, 3, 11)),
        (lambda m: m.nn.MaxPool3d(2), (1, 2, 4, 4, 4)),
        (lambda m: m.nn.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 8)),
        (lambda m: m.nn.AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=4), (2, 3, 8, 7)),
        (lambda m: m.nn.AvgPool3d(2, 1), (1, 2, 3, 4, 3)),
        (lambda m: m.nn.AdaptiveAvgPool1d(3), (2, 3, 8)),
        (lambda m: m.nn.AdaptiveAvgPool2d((3, None)), (2, 3, 8, 7)),
        (lambda m: m.nn.AdaptiveAvgPool3d(2), (1, 2, 3, 4, 5)),
        (lambda m: m.nn.AdaptiveMaxPool1d(3, return_indices=True), (2, 3, 8)),
        (lambda m: m.nn.AdaptiveMaxPool2d(3), (2, 3, 8, 7)),
        (lambda m: m.nn.LPPool2d(2, 3, stride=2), (2, 3, 8, 7)),
        (lambda m: m.nn.LPPool1d(3, 2), (2, 3, 8)),
    ],
)
def test_modules_match_torch(make, shape):
    import torch

    check_module(make, [shape], low=0.1)
    assert repr(make(ember)) == repr(make(torch))


def test_max_unpool_module_and_repr():
    import torch

    def call(mods, x):
        pool, unpool = mods
        v, i = pool(x)
        return unpool(v, i)

    for m in (ember, torch):
        assert repr(m.nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    check_module(
        lambda m: m.nn.ModuleList([m.nn.MaxPool2d(2, return_indices=True), m.nn.MaxUnpool2d(2)]),
        [(1, 2, 4, 6)],
        call=call,
    )
