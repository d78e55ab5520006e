"""nn.FractionalMaxPool2d/3d and F.fractional_max_pool*d against torch with identical samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error

_NP = {"float32": np.float32, "float64": np.float64}


def _samples(n, c, dims, dtype="float32", seed=1):
    return np.random.default_rng(seed).random((n, c, dims)).astype(_NP[dtype])


CASES_2D = [
    ((2, 3, 9, 11), 2, (4, 5)),
    ((2, 3, 9, 11), 3, (7, 9)),
    ((1, 2, 20, 17), (3, 2), (6, 13)),
    ((3, 9, 11), 2, (8, 10)),
    ((2, 2, 10, 10), 2, 1),
    ((4, 1, 31, 7), (5, 1), (9, 7)),
    ((2, 2, 6, 6), 1, 6),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kernel,out", CASES_2D)
def test_fractional_max_pool2d_matches_torch(shape, kernel, out, dtype):
    n = 1 if len(shape) == 3 else shape[0]
    s = _samples(n, shape[-3], 2, dtype)
    e, t = check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, kernel, output_size=out, return_indices=True, _random_samples=s.detach()
        ),
        inputs=[np.random.default_rng(0).standard_normal(shape).astype(_NP[dtype]), s],
        dtype=dtype,
    )
    assert e[1].dtype == ember.int64 and np.array_equal(e[1].numpy(), t[1].numpy())


CASES_3D = [
    ((2, 3, 7, 9, 13), 2, (4, 5, 6)),
    ((1, 2, 6, 8, 5), (2, 3, 1), (3, 4, 4)),
    ((2, 5, 6, 7), 2, 3),
    ((1, 1, 9, 9, 9), 3, 1),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kernel,out", CASES_3D)
def test_fractional_max_pool3d_matches_torch(shape, kernel, out, dtype):
    n = 1 if len(shape) == 4 else shape[0]
    s = _samples(n, shape[-4], 3, dtype)
    e, t = check(
        lambda m, x, s: m.nn.functional.fractional_max_pool3d_with_indices(
            x, kernel, output_size=out, _random_samples=s.detach()
        ),
        inputs=[np.random.default_rng(0).standard_normal(shape).astype(_NP[dtype]), s],
        dtype=dtype,
    )
    assert np.array_equal(e[1].numpy(), t[1].numpy())


@pytest.mark.parametrize("ratio", [(0.5, 0.5), [0.3, 0.7], (0.75, 0.25)])
def test_output_ratio_2d(ratio):
    s = _samples(2, 3, 2)
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, 2, output_ratio=ratio, _random_samples=s.detach()
        ),
        inputs=[np.random.default_rng(0).standard_normal((2, 3, 12, 15)).astype(np.float32), s],
    )


@pytest.mark.parametrize("ratio", [0.5, (0.4, 0.6, 0.5)])
def test_output_ratio_3d(ratio):
    s = _samples(1, 2, 3)
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool3d(
            x, 2, output_ratio=ratio, _random_samples=s.detach()
        ),
        inputs=[np.random.default_rng(0).standard_normal((1, 2, 8, 9, 10)).astype(np.float32), s],
    )


def test_many_samples_boundaries_match_torch():
    # many planes with float32 samples near the interval edges exercise the float32 arithmetic
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 16, 23, 29)).astype(np.float32)
    s = rng.random((8, 16, 2)).astype(np.float32)
    s[0, :4] = [[0.0, 0.0], [0.999999, 0.999999], [0.5, 0.25], [1e-7, 0.3333333]]
    for out in [(7, 11), (20, 26), (2, 3)]:
        check(
            lambda m, x, s, out=out: m.nn.functional.fractional_max_pool2d(
                x, 3, output_size=out, return_indices=True, _random_samples=s.detach()
            ),
            inputs=[x, s],
            grad=False,
        )


@pytest.mark.parametrize(
    "size,k,out,u", [(173, 2, 132, 0.5614008), (78, 1, 77, 0.9999968), (184, 2, 68, 0.5879081)]
)
def test_window_starts_use_float32_arithmetic(size, k, out, u):
    # these samples give different windows when the formula runs in float64 instead
    x = np.arange(2.0 * size, dtype=np.float32).reshape(1, 2, 1, size)
    s = np.array([[[u, 0.5], [u, 0.25]]], np.float32)
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, (1, k), output_size=(1, out), return_indices=True, _random_samples=s.detach()
        ),
        inputs=[x, s],
        grad=False,
    )


def test_extra_samples_are_ignored_and_ties_nan():
    x = np.zeros((2, 1, 6, 6), np.float32)
    x[0, 0, 2, 3] = np.nan
    x[0, 0, 4, 4] = np.nan
    x[1, 0] = np.float32(-np.inf)
    s = _samples(5, 1, 2)  # more samples than batch items: the first ones are used
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, 3, output_size=3, return_indices=True, _random_samples=s.detach()
        ),
        inputs=[x, s],
        grad=False,
    )


@pytest.mark.parametrize("kernel,out", [(0, (3, 3)), (2, (0, 3)), ((0, 2), (4, 5))])
def test_empty_kernel_or_output_match_torch(kernel, out):
    s = _samples(2, 3, 2)
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, kernel, output_size=out, return_indices=True, _random_samples=s.detach()
        ),
        inputs=[np.random.default_rng(0).standard_normal((2, 3, 9, 11)).astype(np.float32), s],
        grad=False,
    )


def test_half_input_and_max_unpool_round_trip():
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 11)).astype(np.float32)
    s = _samples(2, 3, 2)
    e = ember.nn.functional.fractional_max_pool2d(
        ember.tensor(x).half(),
        2,
        output_size=(4, 5),
        return_indices=True,
        _random_samples=ember.tensor(s).half(),
    )
    t = torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x).half(),
        2,
        output_size=(4, 5),
        return_indices=True,
        _random_samples=torch.tensor(s).half(),
    )
    assert e[0].dtype == ember.float16
    assert np.array_equal(e[0].numpy(), t[0].numpy()) and np.array_equal(e[1].numpy(), t[1].numpy())
    check(
        lambda m, x, s: m.nn.functional.max_unpool2d(
            *m.nn.functional.fractional_max_pool2d(
                x, 2, output_size=(4, 5), return_indices=True, _random_samples=s.detach()
            ),
            2,
            output_size=(9, 11),
        ),
        inputs=[x, s],
    )


def test_gradients_with_overlapping_windows_accumulate():
    # integer-valued input with many ties: the first maximum gets the whole gradient
    x = np.random.default_rng(2).integers(0, 3, (2, 2, 8, 8)).astype(np.float64)
    check(
        lambda m, x, s: m.nn.functional.fractional_max_pool2d(
            x, 3, output_size=6, _random_samples=s.detach()
        ),
        inputs=[x, _samples(2, 2, 2, "float64")],
        dtype="float64",
    )


def _distinct(shape, seed=0):
    return ember.tensor(
        np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 7.0, requires_grad=True
    )


def test_gradcheck_2d_and_3d():
    s2 = ember.tensor(_samples(2, 2, 2, "float64"))
    x2 = _distinct((2, 2, 7, 8))
    assert ember.autograd.gradcheck(
        lambda x: ember.nn.functional.fractional_max_pool2d(x, 2, output_size=(4, 5), _random_samples=s2),
        [x2],
    )
    assert ember.autograd.gradgradcheck(
        lambda x: ember.nn.functional.fractional_max_pool2d(x, 2, output_size=(4, 5), _random_samples=s2),
        [x2],
    )
    s3 = ember.tensor(_samples(1, 2, 3, "float64"))
    x3 = _distinct((1, 2, 5, 6, 5), seed=1)
    assert ember.autograd.gradcheck(
        lambda x: ember.nn.functional.fractional_max_pool3d(x, 2, output_size=(3, 3, 2), _random_samples=s3),
        [x3],
    )
    assert ember.autograd.gradgradcheck(
        lambda x: ember.nn.functional.fractional_max_pool3d(x, 2, output_size=(3, 3, 2), _random_samples=s3),
        [x3],
    )


def test_grad_fn_names():
    x = ember.randn(1, 1, 6, 6, requires_grad=True)
    assert (
        ember.nn.functional.fractional_max_pool2d(x, 2, output_size=3).grad_fn.name()
        == "FractionalMaxPool2DBackward0"
    )
    x = ember.randn(1, 1, 6, 6, 6, requires_grad=True)
    assert (
        ember.nn.functional.fractional_max_pool3d(x, 2, output_size=3).grad_fn.name()
        == "FractionalMaxPool3DBackward0"
    )


def test_without_samples_shapes_and_seed():
    x = ember.randn(3, 4, 10, 12)
    a = ember.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5))
    assert tuple(a.shape) == (3, 4, 5, 6)
    ember.manual_seed(7)
    v1, i1 = ember.nn.functional.fractional_max_pool2d(x, 2, output_size=(7, 4), return_indices=True)
    ember.manual_seed(7)
    v2, i2 = ember.nn.functional.fractional_max_pool2d(x, 2, output_size=(7, 4), return_indices=True)
    assert np.array_equal(i1.numpy(), i2.numpy()) and np.array_equal(v1.numpy(), v2.numpy())
    # the drawn samples are ember.rand(N, C, 2): passing the same draw reproduces the result
    ember.manual_seed(7)
    s = ember.rand(3, 4, 2)
    v3 = ember.nn.functional.fractional_max_pool2d(x, 2, output_size=(7, 4), _random_samples=s.detach())
    assert np.array_equal(v3.numpy(), v1.numpy())
    u = ember.nn.functional.fractional_max_pool3d(ember.randn(4, 6, 6, 6), 2, output_size=(3, 4, 2))
    assert tuple(u.shape) == (4, 3, 4, 2)
    empty = ember.nn.functional.fractional_max_pool2d(ember.randn(0, 2, 6, 6), 2, output_size=3)
    assert tuple(empty.shape) == (0, 2, 3, 3)


def test_modules_match_torch_and_repr():
    s = _samples(2, 3, 2)
    check(
        lambda m, x, s: m.nn.FractionalMaxPool2d(
            (2, 3), output_size=(5, 4), return_indices=True, _random_samples=s.detach()
        )(x),
        inputs=[np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32), s],
    )
    s3 = _samples(1, 2, 3)
    check(
        lambda m, x, s: m.nn.FractionalMaxPool3d(2, output_ratio=0.5, _random_samples=s.detach())(x),
        inputs=[np.random.default_rng(0).standard_normal((1, 2, 8, 9, 10)).astype(np.float32), s3],
    )
    for args, kw in [((3,), {"output_ratio": 0.5}), (((2, 3),), {"output_size": 4, "return_indices": True})]:
        e, t = ember.nn.FractionalMaxPool2d(*args, **kw), torch.nn.FractionalMaxPool2d(*args, **kw)
        assert repr(e) == repr(t) == "FractionalMaxPool2d()"
        assert (e.kernel_size, e.output_size, e.output_ratio, e.return_indices) == (
            t.kernel_size,
            t.output_size,
            t.output_ratio,
            t.return_indices,
        )
    e, t = ember.nn.FractionalMaxPool3d(3, output_size=4), torch.nn.FractionalMaxPool3d(3, output_size=4)
    assert repr(e) == repr(t) and (e.kernel_size, e.output_size, e.output_ratio) == (
        t.kernel_size,
        t.output_size,
        t.output_ratio,
    )
    m = ember.nn.FractionalMaxPool2d(2, output_size=3, _random_samples=ember.rand(1, 1, 2))
    assert list(m.state_dict()) == ["_random_samples"]


X2 = np.random.default_rng(0).standard_normal((2, 3, 9, 11)).astype(np.float32)


def F(m):
    return m.nn.functional


@pytest.mark.parametrize(
    "fn,inputs,match",
    [
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2),
            [X2],
            "requires specifying either an output_size or an output_ratio",
        ),
        (lambda m, x: F(m).fractional_max_pool3d(x, 2), [X2[None]], "requires specifying either"),
        (lambda m, x: F(m).fractional_max_pool2d(x, 2, output_ratio=0.5), [X2], "has no len"),
        (lambda m, x: F(m).fractional_max_pool2d(x, 2, output_ratio=(0.5,)), [X2], "out of range"),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)),
            [X2],
            "requires output_ratio to either be a single Int or tuple of Ints",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 3, output_size=(8, 9)),
            [X2],
            r"pool height 3 too large relative to input height 9",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=(9, 11)),
            [X2],
            r"pool height 2 too large",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=(8, 11)),
            [X2],
            r"pool width 2 too large relative to input width 11",
        ),
        (lambda m, x: F(m).fractional_max_pool2d(x, 2, output_ratio=(0.5, 1.5)), [X2], r"pool width"),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=(4, 5, 6)),
            [np.zeros((1, 1, 5, 6, 7), np.float32)],
            r"pool time 2 too large relative to input time 5",
        ),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=(3, 6, 6)),
            [np.zeros((1, 1, 5, 6, 7), np.float32)],
            r"pool width 2 too large relative to input width 7",
        ),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=(3, 5, 5)),
            [np.zeros((1, 1, 5, 6, 7), np.float32)],
            r"pool height 2 too large relative to input height 6",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 3, output_size=3, _random_samples=s.detach()),
            [X2, _samples(2, 3, 3)],
            r"size\(2\) equals to 2; got 3",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 3, output_size=3, _random_samples=s.detach()),
            [X2, _samples(1, 3, 2)],
            r"size\(0\) no less then input batch size",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 3, output_size=3, _random_samples=s.detach()),
            [X2, _samples(2, 2, 2)],
            r"size\(1\) equals to input channel size",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 3, output_size=3, _random_samples=s.detach()),
            [X2, _samples(2, 3, 2, "float64")],
            "same dtype as input",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 3, output_size=3, _random_samples=s.detach()),
            [X2, _samples(2, 3, 2)[0]],
            "to have 3 dimensions, got 2",
        ),
        (
            lambda m, x, s: F(m).fractional_max_pool2d(x, 2, output_size=3, _random_samples=s.detach()),
            [X2[0, 0], _samples(1, 9, 2)],
            r"Expected 3D or 4D tensor, but got: \[9, 11\]",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=3),
            [np.zeros((2, 0, 9, 11), np.float32)],
            "non-zero size for non-batch dimensions",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, (2, 3, 4), output_size=3),
            [X2],
            "kernel_size must either be a single Int or tuple of Ints",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=(3, 3, 3)),
            [X2],
            "output_size must either be a single Int or tuple of Ints",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=3),
            [np.zeros((1, 1, 6, 6), np.int64)],
            "not implemented for 'Long'",
        ),
        (
            lambda m, x: F(m).fractional_max_pool2d(
                x, 2, output_size=2, _random_samples=m.ones(2, 3, 2).long()
            ),
            [X2.astype(np.int64)],
            "\"fractional_max_pool2d_out_frame\" not implemented for 'Long'",
        ),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=3, _random_samples=m.rand(2, 3, 2)),
            [X2],
            "pool time 2 too large relative to input time 3",
        ),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=3, _random_samples=m.rand(2, 3, 2)),
            [np.zeros((2, 3, 5, 6, 7), np.float32)],
            r"size\(2\) equals to 3; got 2",
        ),
        (
            lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=2, _random_samples=m.rand(2, 0, 3)),
            [np.zeros((2, 0, 5, 6, 7), np.float32)],
            r"fractional_max_pool3d_out\(\): Expected input to have non-zero size",
        ),
        (
            lambda m: m.nn.FractionalMaxPool2d(3),
            [],
            "requires specifying either an output size, or a pooling ratio",
        ),
        (lambda m: m.nn.FractionalMaxPool3d(3), [], "FractionalMaxPool3d requires specifying"),
        (
            lambda m: m.nn.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5),
            [],
            "only one of output_size and output_ratio",
        ),
        (
            lambda m: m.nn.FractionalMaxPool2d(3, output_ratio=1.0),
            [],
            r"output_ratio must be between 0 and 1 \(got 1.0\)",
        ),
        (
            lambda m: m.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.0)),
            [],
            r"between 0 and 1 \(got \(0.5, 0.0\)\)",
        ),
        (lambda m: m.nn.FractionalMaxPool3d(3, output_ratio=1.5), [], "between 0 and 1"),
    ],
)
def test_errors_match_torch(fn, inputs, match):
    check_error(fn, inputs, match=match)
