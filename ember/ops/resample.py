"""Resampling: padding, interpolation, im2col (unfold/fold) and pixel shuffling.

Every spatial resampling here is *separable*: it acts on each spatial axis on its
own, either by gathering positions (padding, nearest interpolation) or by multiplying
the axis with a small interpolation matrix (linear, bicubic).  So two Function pairs
carry it all, each the other's adjoint, and gradients of any order follow:
``AxisGather``/``AxisScatter`` and ``pooling.AxisLinear``.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pad(ember.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    >>> F.interpolate(ember.tensor([[[1.0, 3.0]]]), scale_factor=2, mode="linear")
    tensor([[[1.0000, 1.5000, 2.5000, 3.0000]]])
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import shape_str, xp_of
from .conv import _geometry
from .pooling import AxisLinear, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = [
    "constant_pad_nd",
    "fold",
    "interpolate",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


# ------------------------------------------------------------ gather / scatter
def _named(base, name: str):
    """A subclass of ``base`` whose graph nodes carry torch's grad_fn name."""
    cache = base.__dict__.get("_named_cache")
    if cache is None:
        cache = {}
        base._named_cache = cache
    if name not in cache:
        cache[name] = type(name.replace("Backward0", ""), (base,), {"_backward_name": name})
    return cache[name]


class AxisGather(Function):
    """``x`` indexed along several axes: ``indices`` is a tuple of ``(axis, index_array)``."""

    _array_forward = True
    _backward_name = "AxisGatherBackward0"

    @staticmethod
    def forward(ctx, x, indices=()):
        ctx.indices = indices
        ctx.in_shape = x.shape
        xp = xp_of(x)
        for axis, idx in indices:
            x = xp.take(x, xp.asarray(idx), axis=axis)
        return x

    @staticmethod
    def backward(ctx, grad):
        return AxisScatter.apply(grad, indices=ctx.indices, shape=ctx.in_shape)


class AxisScatter(Function):
    """The adjoint of ``AxisGather``: add each value back at the position it came from."""

    _array_forward = True
    _backward_name = "AxisScatterBackward0"

    @staticmethod
    def forward(ctx, g, indices=(), shape=()):
        ctx.indices = indices
        xp = xp_of(g)
        # undo the gathers in reverse order; shapes along the way follow the forward
        shapes = [tuple(shape)]
        for axis, idx in indices[:-1]:
            s = list(shapes[-1])
            s[axis] = len(idx)
            shapes.append(tuple(s))
        for (axis, idx), target in zip(reversed(indices), reversed(shapes)):
            out = xp.zeros(target, g.dtype)
            moved = xp.moveaxis(out, axis, 0)
            src = xp.moveaxis(g, axis, 0)
            if isinstance(out, np.ndarray):
                np.add.at(moved, idx, src)
            else:
                xp.add.at(moved, xp.asarray(idx), src)
            g = out
        return g

    @staticmethod
    def backward(ctx, grad):
        return AxisGather.apply(grad, indices=ctx.indices)


# -------------------------------------------------------------------- padding
class ConstantPad(Function):
    """Pad (or, with negative amounts, crop) the last dims with a constant."""

    _array_forward = True
    _backward_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads=(), value=0):
        ctx.pads = pads
        xp = xp_of(x)
        nd = len(pads)
        lead = x.ndim - nd
        crop = tuple(slice(max(-lo, 0), x.shape[lead + i] - max(-hi, 0)) for i, (lo, hi) in enumerate(pads))
        x = x[(Ellipsis,) + crop]
        grow = ((0, 0),) * lead + tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
        if any(lo or hi for lo, hi in grow):
            return xp.pad(x, grow, constant_values=value)
        return xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        return ConstantPad.apply(grad, pads=tuple((-lo, -hi) for lo, hi in ctx.pads), value=0)


def _pairs(pad, ndim: int) -> tuple:
    """torch's flat pad list (last dim first) as ``(low, high)`` pairs, first padded dim first."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {ndim}"
        )
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    return tuple(reversed(pairs))


def _pad_source_index(size: int, lo: int, hi: int, mode: str):
    """For each output position along one axis, the input position it copies."""
    j = np.arange(-lo, size + hi)
    if mode == "reflect":
        j = np.abs(j)
        return np.where(j >= size, 2 * (size - 1) - j, j)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    # circular: negative amounts crop first, and the padding wraps around what is left
    start, stop = max(-lo, 0), size - max(-hi, 0)
    kept = stop - start
    return start + np.mod(np.arange(-max(lo, 0), kept + max(hi, 0)), kept)


_PAD_NAMES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0", "circular": "CircularPad{}DBackward0"}


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last dims: ``pad = (left, right, top, bottom, ...)``, last dim first.

    ``mode`` is ``'constant'`` (fill with ``value``; negative amounts crop),
    ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Example:
        >>> import ember
        >>> ember.nn.functional.pad(ember.ones(1, 2, 2), (1, 1, 0, 1)).shape
        torch.Size([1, 3, 4])
    """
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    ndim = input.dim()
    pads = _pairs(pad, ndim)
    k = len(pads)
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(tuple(pad))} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    shape = tuple(input.shape)
    indices = []
    for i, (lo, hi) in enumerate(pads):
        axis = ndim - k + i
        size = shape[axis]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #{2 * (k - i) + 2}: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({lo}, {hi}) at dimension {axis} of input {shape_str(shape)}"
            )
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + lo + hi <= 0 or (mode == "replicate" and size == 0):
            raise RuntimeError(
                f"input tensor with shape {shape_str(shape)} and padding {list(pad)} gives an empty or invalid output"
            )
        if lo or hi:
            indices.append((axis, _pad_source_index(size, lo, hi, mode)))
    if not indices:
        return input.clone()
    fn = _named(AxisGather, _PAD_NAMES[mode].format(k))
    return fn.apply(input, indices=tuple(indices))


def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """Pad (or crop, for negative amounts) the last dims with ``value``.

    Example:
        >>> import ember
        >>> ember.constant_pad_nd(ember.tensor([1.0, 2.0]), (1, -1), 9.0)
        tensor([9., 1.])
    """
    ndim = input.dim()
    pads = _pairs(pad, ndim)
    shape = tuple(input.shape)
    for i, (lo, hi) in enumerate(pads):
        size = shape[ndim - len(pads) + i]
        if size + lo + hi < 0:
            raise RuntimeError(
                f"The input size {size}, plus negative padding {lo} and {hi} resulted in a negative output size, "
                f"which is invalid. Check dimension {ndim - len(pads) + i} of your input."
            )
    return ConstantPad.apply(input, pads=pads, value=value)


# --------------------------------------------------------------- interpolation
_MODES_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_UPSAMPLE_NAMES = {
    "nearest": "UpsampleNearest{}DBackward0",
    "nearest-exact": "UpsampleNearestExact{}DBackward0",
    "linear": "UpsampleLinear1DBackward0",
    "bilinear": "UpsampleBilinear2DBackward0",
    "trilinear": "UpsampleTrilinear3DBackward0",
    "bicubic": "UpsampleBicubic2DBackward0",
}


def _scale(in_size: int, out_size: int, scale_factor, align_corners: bool, dtype):
    """torch's source-per-destination ratio, in the input's float precision."""
    ft = dtype.type
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    if scale_factor is not None and scale_factor > 0:
        return ft(1.0 / scale_factor)
    return ft(in_size) / ft(out_size)


def _nearest_index(in_size, out_size, scale_factor, exact: bool):
    scale = _scale(in_size, out_size, scale_factor, False, np.dtype(np.float32))
    dst = np.arange(out_size, dtype=np.float32)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * scale)
    else:
        src = np.floor(dst * scale)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _linear_matrix(in_size, out_size, scale_factor, align_corners, dtype):
    """``(out, in)`` matrix of the 2-tap linear interpolation along one axis."""
    mat = np.zeros((out_size, in_size), dtype)
    rows = np.arange(out_size)
    if in_size == out_size:
        mat[rows, rows] = 1
        return mat
    scale = _scale(in_size, out_size, scale_factor, align_corners, dtype)
    dst = rows.astype(dtype)
    if align_corners:
        src = scale * dst
    else:
        src = np.maximum(scale * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < in_size - 1)
    lam1 = np.clip(src - i0, 0, 1).astype(dtype)
    np.add.at(mat, (rows, i0), 1 - lam1)
    np.add.at(mat, (rows, i1), lam1)
    return mat


def _cubic_matrix(in_size, out_size, scale_factor, align_corners, dtype):
    """``(out, in)`` matrix of torch's bicubic (A = -0.75) taps along one axis, edges clamped."""
    a = -0.75
    mat = np.zeros((out_size, in_size), np.float64)
    rows = np.arange(out_size)
    scale = float(_scale(in_size, out_size, scale_factor, align_corners, dtype))
    dst = rows.astype(np.float64)
    src = scale * dst if align_corners else scale * (dst + 0.5) - 0.5
    base = np.floor(src).astype(np.int64)
    t = src - base

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    coeffs = (conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t))
    for k, c in enumerate(coeffs):
        np.add.at(mat, (rows, np.clip(base - 1 + k, 0, in_size - 1)), c)
    return mat.astype(dtype)


def _per_dim(value, n: int, what: str, spatial) -> list | None:
    """``size``/``scale_factor`` as one value per spatial dim (torch's messages on mismatch)."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return [value] * n
    vals = list(value)
    if len(vals) != n:
        if what == "size":
            raise ValueError(
                "Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(spatial)} and output size of {tuple(vals)}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        raise ValueError(
            "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
            f"dimensions of {list(spatial)} and scale_factor of shape {tuple(vals)}. Please provide input tensor in "
            "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
        )
    return vals


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``.

    Modes: ``nearest``, ``nearest-exact``, ``linear`` (3-D input), ``bilinear`` (4-D),
    ``bicubic`` (4-D), ``trilinear`` (5-D) and ``area`` (adaptive average pooling).

    Example:
        >>> import ember
        >>> ember.nn.functional.interpolate(ember.ones(1, 1, 2, 2), scale_factor=2, mode="bilinear").shape
        torch.Size([1, 1, 4, 4])
    """
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("ember's interpolate has no antialias option")
    ndim = input.dim()
    spatial = tuple(input.shape[2:])
    n = ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sizes = _per_dim(size, n, "size", spatial)
    scales = _per_dim(scale_factor, n, "scale_factor", spatial)
    if sizes is not None:
        out = [int(s) for s in sizes]
        scales = None
    else:
        out = [math.floor(float(s) * float(f)) for s, f in zip(spatial, scales)]
        if recompute_scale_factor:
            scales = None
    if scales is None:
        scales = [None] * n
    if mode not in _UPSAMPLE_NAMES and mode != "area" or n not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: nearest | linear | "
            f"bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})"
        )
    need = _MODES_DIMS.get(mode)
    if need is not None and need != n:
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {need + 2}D input")
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({', '.join(str(s) for s in spatial)}) "
            f"and output ({', '.join(str(o) for o in out)})"
        )
    if mode == "area":
        return {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[n](input, out)
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        indices = tuple(
            (2 + i, _nearest_index(s, o, f, exact))
            for i, (s, o, f) in enumerate(zip(spatial, out, scales))
        )
        fn = _named(AxisGather, _UPSAMPLE_NAMES[mode].format(n))
        return fn.apply(input, indices=indices)
    if input._array.dtype.kind not in "fV":
        raise NotImplementedError(f'"upsample_{mode}{n}d" not implemented for integer inputs')
    dtype = input._array.dtype if input._array.dtype.kind == "f" else np.dtype(np.float32)
    build = _cubic_matrix if mode == "bicubic" else _linear_matrix
    matrices = tuple(build(s, o, f, align_corners, dtype) for s, o, f in zip(spatial, out, scales))
    fn = _named(AxisLinear, _UPSAMPLE_NAMES[mode])
    return fn.apply(input, matrices=matrices)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as torch does)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -------------------------------------------------------------- unfold / fold
def _pair(value, name: str) -> tuple:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        vals = tuple(int(v) for v in value)
        return vals * 2 if len(vals) == 1 else vals
    return (int(value),) * 2


class Im2Col(Function):
    """Sliding blocks of ``(N, C, H, W)`` as columns ``(N, C*kh*kw, L)``."""

    _array_forward = True
    _backward_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, geom=None):
        ctx.geom = geom
        xp = xp_of(x)
        n, c = x.shape[:2]
        cols = geom.columns(geom.pad(x), 1)
        return xp.ascontiguousarray(cols.reshape(n, c * geom.kernel_size, geom.length))

    @staticmethod
    def backward(ctx, grad):
        return Col2Im.apply(grad, geom=ctx.geom)


class Col2Im(Function):
    """Sum columns ``(N, C*kh*kw, L)`` back into ``(N, C, H, W)`` (the adjoint of Im2Col)."""

    _array_forward = True
    _backward_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, geom=None):
        ctx.geom = geom
        n, ck = cols.shape[:2]
        channels = ck // geom.kernel_size
        plain = cols.reshape(n, 1, ck, geom.length)
        if geom.flat:
            # fold reads the flat layout: re-lay the columns in it
            plain = _to_flat_columns(plain, geom)
        return xp_of(cols).ascontiguousarray(geom.fold(plain, channels))

    @staticmethod
    def backward(ctx, grad):
        return Im2Col.apply(grad, geom=ctx.geom)


def _to_flat_columns(cols, geom):
    """Plain columns ``(N, 1, CK, prod(out))`` -> flat-layout columns ``(N, 1, CK, flat_length)``."""
    n, _, ck, _ = cols.shape
    as_out = cols.reshape((n, ck) + geom.out)
    return geom.grad_columns_layout(as_out).reshape(n, 1, ck, geom.flat_length)


def _fold_geometry(spatial, kernel, dilation, padding, stride):
    return _geometry(tuple(spatial), kernel, stride, dilation, tuple((p, p) for p in padding))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks (im2col): ``(N, C, H, W)`` -> ``(N, C*kh*kw, L)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.unfold(ember.randn(2, 3, 4, 5), (2, 3)).shape
        torch.Size([2, 18, 9])
    """
    if input.dim() not in (3, 4) or any(s == 0 for s in tuple(input.shape)[1:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for "
            f"input, but got: {shape_str(input.shape)}"
        )
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    kernel = _pair(kernel_size, "kernel_size")
    dilation = _pair(dilation, "dilation")
    padding = _pair(padding, "padding")
    stride = _pair(stride, "stride")
    _check_fold_args(kernel, dilation, padding, stride)
    spatial = tuple(x.shape[2:])
    blocks = tuple((s + 2 * p - (d * (k - 1) + 1)) // st + 1 for s, p, d, k, st in zip(spatial, padding, dilation, kernel, stride))
    if any(b <= 0 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size ({spatial[0]}, {spatial[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated shape of the "
            f"array of sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one."
        )
    out = Im2Col.apply(x, geom=_fold_geometry(spatial, kernel, dilation, padding, stride))
    return out if batched else out.squeeze(0)


def _check_fold_args(kernel, dilation, padding, stride) -> None:
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} kernel_width: {kernel[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} pad_width: {padding[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} stride_width: {stride[1]}")


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding blocks into an image (col2im), summing overlaps: ``(N, C*kh*kw, L)`` -> ``(N, C, H, W)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.fold(ember.ones(1, 4, 4), (3, 3), 2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    if input.dim() not in (2, 3) or any(s == 0 for s in tuple(input.shape)[1:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) input tensor with possibly 0 batch size and non-zero dimensions for "
            f"input, but got: {shape_str(input.shape)}"
        )
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    out_size = _pair(output_size, "output_size")
    kernel = _pair(kernel_size, "kernel_size")
    dilation = _pair(dilation, "dilation")
    padding = _pair(padding, "padding")
    stride = _pair(stride, "stride")
    _check_fold_args(kernel, dilation, padding, stride)
    ksize = kernel[0] * kernel[1]
    if x.shape[1] % ksize:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size=({kernel[0]}, {kernel[1]})."
        )
    blocks = tuple((s + 2 * p - (d * (k - 1) + 1)) // st + 1 for s, p, d, k, st in zip(out_size, padding, dilation, kernel, stride))
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"Given output_size=({out_size[0]}, {out_size[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, "
            f"{stride[1]}), expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}."
        )
    out = Col2Im.apply(x, geom=_fold_geometry(out_size, kernel, dilation, padding, stride))
    return out if batched else out.squeeze(0)


# ------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C*r*r, H, W)`` -> ``(*, C, H*r, W*r)``: channels become spatial resolution.

    Example:
        >>> import ember
        >>> ember.pixel_shuffle(ember.randn(1, 8, 2, 3), 2).shape
        torch.Size([1, 2, 4, 6])
    """
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = tuple(input.shape)
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    nl = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    order = tuple(range(nl)) + (nl, nl + 3, nl + 1, nl + 4, nl + 2)
    return x.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H*r, W*r)`` -> ``(*, C*r*r, H, W)``: the inverse of :func:`pixel_shuffle`.

    Example:
        >>> import ember
        >>> ember.pixel_unshuffle(ember.randn(1, 2, 4, 6), 2).shape
        torch.Size([1, 8, 2, 3])
    """
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = tuple(input.shape)
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    order = tuple(range(nl)) + (nl, nl + 2, nl + 4, nl + 1, nl + 3)
    return x.permute(*order).reshape(*lead, c * r * r, h // r, w // r)

