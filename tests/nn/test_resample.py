"""Resampling against torch: pad, interpolate/Upsample, unfold/fold, pixel (un)shuffle, padding modules."""

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck


def F(m):
    return m.nn.functional


# ---------------------------------------------------------------------- padding
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "pad,shape",
    [((2, 1), (2, 3, 5)), ((1, 2, 2, 1), (2, 3, 4, 5)), ((1, 1, 2, 0, 1, 1), (1, 2, 3, 4, 5)), ((2, 2), (3, 5))],
)
def test_pad_modes(mode, pad, shape):
    check(lambda m, x: F(m).pad(x, pad, mode=mode), [shape])


def test_pad_negative_value_and_constant_pad_nd():
    check(lambda m, x: F(m).pad(x, (1, -2, 2, -1), value=3.5), [(2, 3, 4, 5)])
    check(lambda m, x: F(m).pad(x, (1, 1, 1, 1, 1, 1, 1, 1)), [(2, 3, 4, 5)])
    check(lambda m, x: F(m).pad(x, (-1, 2, 1, 1), mode="reflect"), [(2, 3, 4, 5)])
    check(lambda m, x: F(m).pad(x, (-1, 2, 1, 1), mode="circular"), [(2, 3, 4, 5)])
    check(lambda m, x: m.constant_pad_nd(x, (1, 2), -1.0), [(2, 3)])
    check(lambda m, x: F(m).pad(x, (1, 1), value=7), [(2, 3)], dtype="int64", grad=False)
    x = ember.randn(2, 3, requires_grad=True)
    assert F(ember).pad(x, (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"
    assert F(ember).pad(x.unsqueeze(0), (1, 1), mode="reflect").grad_fn.name() == "ReflectionPad1DBackward0"


@pytest.mark.parametrize(
    "fn,inputs,exc,match",
    [
        (lambda m, x: F(m).pad(x, (1, 2, 3)), [np.zeros((1, 2, 3, 4), np.float32)], RuntimeError, "Padding length must be divisible by 2"),
        (lambda m, x: F(m).pad(x, (1,) * 10), [np.zeros((1, 2, 3, 4), np.float32)], RuntimeError, "Padding length should be less than or equal to two times"),
        (lambda m, x: F(m).pad(x, (3, 3), mode="reflect"), [np.zeros((1, 2, 3, 4), np.float32)], NotImplementedError, "Padding size 2 is not supported for 4D input tensor"),
        (lambda m, x: F(m).pad(x, (1, 1, 3, 3), mode="reflect"), [np.zeros((1, 2, 3, 4), np.float32)], RuntimeError, "Padding size should be less than the corresponding input dimension"),
        (lambda m, x: F(m).pad(x, (5, 5, 1, 1), mode="circular"), [np.zeros((1, 2, 3, 4), np.float32)], RuntimeError, "wrapping around more than once"),
        (lambda m, x: F(m).pad(x, (1, 1), mode="foo"), [np.zeros((1, 2, 3), np.float32)], NotImplementedError, "Unrecognised padding mode foo"),
        (lambda m, x: F(m).pad(x, (1, 1), mode="reflect", value=2.0), [np.zeros((1, 2, 3), np.float32)], RuntimeError, "doesn't take in value argument"),
        (lambda m, x: F(m).pad(x, (1, 1), mode="replicate"), [np.zeros((4,), np.float32)], NotImplementedError, "not supported for 1D input"),
    ],
)
def test_pad_errors(fn, inputs, exc, match):
    check_error(fn, inputs, exc, match)


# ------------------------------------------------------------------ interpolation
@pytest.mark.parametrize(
    "mode,shape,size",
    [
        ("nearest", (2, 3, 4, 5), (7, 3)),
        ("nearest", (2, 3, 5), (12,)),
        ("nearest-exact", (2, 3, 4, 5), (7, 3)),
        ("bilinear", (2, 3, 4, 5), (7, 3)),
        ("bicubic", (2, 3, 4, 5), (7, 9)),
        ("linear", (2, 3, 5), (8,)),
        ("trilinear", (1, 2, 3, 4, 5), (5, 3, 7)),
        ("area", (2, 3, 8, 6), (3, 4)),
        ("nearest", (1, 2, 2, 3, 2), (4, 5, 3)),
    ],
)
def test_interpolate_size(mode, shape, size):
    check(lambda m, x: F(m).interpolate(x, size=size, mode=mode), [shape])


@pytest.mark.parametrize("mode,shape", [("bilinear", (2, 3, 4, 5)), ("bicubic", (1, 2, 4, 5)), ("linear", (2, 3, 5)), ("trilinear", (1, 1, 3, 4, 2))])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("scale", [1.7, 0.6, 2])
def test_interpolate_scale_and_align_corners(mode, shape, align_corners, scale):
    check(lambda m, x: F(m).interpolate(x, scale_factor=scale, mode=mode, align_corners=align_corners), [shape])


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_interpolate_nearest_scales(mode):
    check(lambda m, x: F(m).interpolate(x, scale_factor=1.7, mode=mode), [(2, 3, 4, 5)])
    check(lambda m, x: F(m).interpolate(x, scale_factor=(2, 0.5), mode=mode), [(2, 3, 4, 6)])
    check(lambda m, x: F(m).interpolate(x, scale_factor=3, mode=mode, recompute_scale_factor=True), [(2, 3, 3)])
    check(lambda m, x: F(m).interpolate(x, scale_factor=2, mode=mode), [(1, 2, 3, 3)], dtype="uint8", low=0, high=255, grad=False)


def test_interpolate_errors():
    x = [np.zeros((1, 2, 3, 4), np.float32)]
    check_error(lambda m, x: F(m).interpolate(x, size=(5, 7), mode="linear"), x, NotImplementedError, "linear mode needs 3D input")
    check_error(lambda m, x: F(m).interpolate(x, size=(5, 7), align_corners=True), x, ValueError, "align_corners option can only be set")
    check_error(lambda m, x: F(m).interpolate(x), x, ValueError, "either size or scale_factor should be defined")
    check_error(lambda m, x: F(m).interpolate(x, size=5, scale_factor=2), x, ValueError, "only one of size or scale_factor")
    check_error(lambda m, x: F(m).interpolate(x, size=(5, 6, 7)), x, ValueError, "Input and output must have the same number of spatial dimensions")
    check_error(lambda m, x: F(m).interpolate(x, scale_factor=(2, 2, 2)), x, ValueError, "Input and scale_factor must have the same number")
    check_error(lambda m, x: F(m).interpolate(x, size=(5, 7), mode="foo"), x, NotImplementedError, r"got foo")


# ---------------------------------------------------------------- unfold / fold
def test_unfold_and_fold():
    check(lambda m, x: F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [(2, 3, 5, 6)])
    check(lambda m, x: F(m).unfold(x, 3, padding=1), [(2, 3, 5, 6)])
    check(lambda m, x: F(m).unfold(x, 2), [(3, 4, 4)])
    check(lambda m, x: F(m).fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [(2, 18, 12)])
    check(lambda m, x: F(m).fold(x, (4, 5), 2), [(2, 12, 12)])
    check(lambda m, x: F(m).fold(x, (4, 4), 3, padding=1), [(9, 16)])
    check_error(lambda m, x: F(m).fold(x, (3, 4), 2), [np.zeros((1, 8, 5), np.float32)], RuntimeError, "calculated number of sliding blocks 2 \\* 3 = 6")
    check_error(lambda m, x: F(m).fold(x, (3, 4), 2), [np.zeros((1, 7, 6), np.float32)], RuntimeError, "divisible by the product of kernel_size")
    check_error(lambda m, x: F(m).unfold(x, 2), [np.zeros((2, 3, 4, 4, 4), np.float32)], RuntimeError, "Expected 3D or 4D")


def test_pixel_shuffle():
    check(lambda m, x: F(m).pixel_shuffle(x, 2), [(2, 8, 3, 4)])
    check(lambda m, x: m.pixel_shuffle(x, 3), [(2, 2, 9, 3, 2)])
    check(lambda m, x: F(m).pixel_unshuffle(x, 2), [(2, 2, 4, 6)])
    check(lambda m, x: m.pixel_unshuffle(x, 1), [(3, 4, 6)])
    check_error(lambda m, x: F(m).pixel_shuffle(x, 2), [np.zeros((1, 5, 2, 2), np.float32)], RuntimeError, "divisible by the square of upscale_factor")
    check_error(lambda m, x: F(m).pixel_unshuffle(x, 2), [np.zeros((1, 1, 3, 2), np.float32)], RuntimeError, "height to be divisible by downscale_factor")


# -------------------------------------------------------------- finite differences
def test_gradchecks():
    gradcheck(lambda m, x: F(m).pad(x, (1, 2), mode="reflect"), [(1, 2, 4)])
    gradcheck(lambda m, x: F(m).pad(x, (1, 1, 2, 0), mode="replicate"), [(1, 1, 3, 3)])
    gradcheck(lambda m, x: F(m).pad(x, (1, -1, 2, 1), value=2.0), [(1, 1, 3, 3)])
    gradcheck(lambda m, x: F(m).interpolate(x, size=(3, 5), mode="bilinear"), [(1, 1, 2, 3)])
    gradcheck(lambda m, x: F(m).interpolate(x, scale_factor=2, mode="nearest"), [(1, 1, 2, 3)])
    gradcheck(lambda m, x: F(m).interpolate(x, size=5, mode="bicubic", align_corners=True) if x.dim() == 4 else x, [(1, 1, 3, 3)])
    gradcheck(lambda m, x: F(m).fold(x, (3, 3), 2), [(1, 4, 4)])
    gradcheck(lambda m, x: F(m).unfold(x, 2, padding=1, stride=2), [(1, 1, 3, 3)])
    gradcheck(lambda m, x: F(m).pixel_shuffle(x, 2), [(1, 4, 2, 2)])


# ---------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda m: m.nn.ZeroPad2d(1), (2, 3, 4, 4)),
        (lambda m: m.nn.ZeroPad1d((1, 2)), (2, 3, 4)),
        (lambda m: m.nn.ZeroPad3d(1), (1, 2, 2, 2, 2)),
        (lambda m: m.nn.ConstantPad1d((1, 2), 3.5), (2, 3, 4)),
        (lambda m: m.nn.ConstantPad2d(1, -1.0), (2, 3, 4)),
        (lambda m: m.nn.ConstantPad3d((1, 0, 0, 1, 1, 1), 2.0), (1, 2, 2, 2, 2)),
        (lambda m: m.nn.ReflectionPad1d(2), (2, 3, 4)),
        (lambda m: m.nn.ReflectionPad2d((1, 2, 0, 1)), (2, 3, 4, 4)),
        (lambda m: m.nn.ReflectionPad3d(1), (1, 2, 3, 3, 3)),
        (lambda m: m.nn.ReplicationPad1d(3), (2, 3, 4)),
        (lambda m: m.nn.ReplicationPad2d((2, 0, 1, 3)), (1, 3, 4, 4)),
        (lambda m: m.nn.ReplicationPad3d(1), (1, 2, 2, 2, 2)),
        (lambda m: m.nn.CircularPad1d(2), (2, 3, 4)),
        (lambda m: m.nn.CircularPad2d(1), (2, 3, 4, 4)),
        (lambda m: m.nn.CircularPad3d(1), (1, 1, 2, 2, 2)),
        (lambda m: m.nn.PixelShuffle(2), (2, 8, 3, 3)),
        (lambda m: m.nn.PixelUnshuffle(2), (2, 2, 4, 4)),
        (lambda m: m.nn.Upsample(scale_factor=2), (2, 2, 3, 3)),
        (lambda m: m.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True), (2, 2, 3, 3)),
        (lambda m: m.nn.Upsample(size=5), (2, 2, 3)),
        (lambda m: m.nn.Upsample(size=(3, 4, 5), mode="trilinear"), (1, 2, 2, 2, 2)),
        (lambda m: m.nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 3)),
        (lambda m: m.nn.UpsamplingBilinear2d(size=4), (1, 2, 3, 3)),
        (lambda m: m.nn.Fold((4, 5), 2), (2, 12, 12)),
        (lambda m: m.nn.Fold(output_size=(5, 5), kernel_size=3, padding=1, stride=2, dilation=1), (1, 18, 9)),
        (lambda m: m.nn.Unfold(2, padding=1), (2, 3, 4, 4)),
        (lambda m: m.nn.Unfold((2, 3), dilation=2, stride=(1, 2)), (1, 2, 6, 7)),
    ],
)
def test_modules_match_torch(make, shape):
    import torch

    check_module(make, [shape])
    assert repr(make(ember)) == repr(make(torch))
