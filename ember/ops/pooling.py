"""Pooling: max, average, adaptive, power-average and max-unpooling, 1-D to 3-D.

Windows are strided views of the (padded) input (``conv._Geometry``), so nothing is
copied per window.  Max pooling reduces one spatial dimension at a time (the max of a
box is the max over rows of the row maxima), keeping the winning offset of each stage,
which also gives torch's tie rule: the first maximum in row-major window order wins,
and a NaN always wins (the last one).  The result's ``indices`` are flat positions in
each input plane, as torch returns them; the backward scatters the gradient there.

Example:
    >>> import ember
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> ember.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._util import shape_str, xp_of
from .conv import _geometry

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


# ------------------------------------------------------------ scatter / gather
class IndexScatter(Function):
    """Add ``values (N, C, *out)`` into zeros ``(N, C, *spatial)`` at flat plane positions."""

    _array_forward = True
    _backward_name = "MaxPoolBackward0"

    @staticmethod
    def forward(ctx, values, indices=None, spatial=()):
        ctx.indices = indices
        xp = xp_of(values)
        n, c = values.shape[:2]
        plane = math.prod(spatial)
        out = xp.zeros(n * c * plane, values.dtype)
        if values.size:
            rows = (xp.arange(n * c, dtype=np.int64) * plane).reshape((n, c) + (1,) * (values.ndim - 2))
            flat = (indices + rows).ravel()
            if isinstance(out, np.ndarray):
                np.add.at(out, flat, values.ravel())
            else:
                xp.add.at(out, flat, values.ravel())
        return out.reshape((n, c) + tuple(spatial))

    @staticmethod
    def backward(ctx, grad):
        return IndexGather.apply(grad, indices=ctx.indices)


class IndexGather(Function):
    """Pick ``x (N, C, *spatial)`` at flat plane positions ``indices (N, C, *out)``."""

    _array_forward = True
    _backward_name = "IndexGatherBackward0"

    @staticmethod
    def forward(ctx, x, indices=None):
        ctx.indices = indices
        ctx.spatial = x.shape[2:]
        n, c = x.shape[:2]
        xp = xp_of(x)
        flat = x.reshape(n, c, -1)
        picked = xp.take_along_axis(flat, indices.reshape(n, c, -1), axis=2)
        return picked.reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        return IndexScatter.apply(grad, indices=ctx.indices, spatial=ctx.spatial)


class MaxUnpool(Function):
    """Write ``values`` into zeros ``(N, C, *spatial)`` at flat plane positions (no summing)."""

    _array_forward = True
    _backward_name = "MaxUnpool2DBackward0"

    @staticmethod
    def forward(ctx, values, indices=None, spatial=()):
        ctx.indices = indices
        xp = xp_of(values)
        n, c = values.shape[:2]
        out = xp.zeros((n, c, math.prod(spatial)), values.dtype)
        xp.put_along_axis(out, indices.reshape(n, c, -1), values.reshape(n, c, -1), axis=2)
        return out.reshape((n, c) + tuple(spatial))

    @staticmethod
    def backward(ctx, grad):
        return IndexGather.apply(grad, indices=ctx.indices)


# ------------------------------------------------------------------ max pooling
def _lowest(dtype):
    if dtype.kind == "f":
        return -np.inf
    return np.iinfo(dtype).min


def _plane_strides(spatial) -> tuple:
    return tuple(math.prod(spatial[i + 1 :]) for i in range(len(spatial)))


def _max_pool_arrays(x, geom, need_indices: bool):
    """Max of every window, and (if asked) the flat plane index of its first maximum."""
    xp = xp_of(x)
    if geom.any_pad:
        x = xp.pad(x, ((0, 0), (0, 0)) + geom.pads, constant_values=_lowest(x.dtype))
    values = _staged_max(x, geom)
    if not need_indices:
        return values, None
    return values, _argmax_indices(x, values, geom)


def _staged_max(x, geom):
    """The max over a box is the max over rows of row maxima: reduce one axis at a time.

    ``maximum`` propagates NaN, as torch's max pooling does.
    """
    xp = xp_of(x)
    best = x
    for axis in range(len(geom.kernel) - 1, -1, -1):
        k, s, d, o = geom.kernel[axis], geom.stride[axis], geom.dilation[axis], geom.out[axis]
        idx = [slice(None)] * best.ndim

        def take(j, idx=idx, ax=axis + 2, s=s, d=d, o=o, src=best):
            idx[ax] = slice(j * d, j * d + s * (o - 1) + 1, s)
            return src[tuple(idx)]

        if k == 1:
            best = take(0)
            continue
        stage = xp.maximum(take(0), take(1))
        for j in range(2, k):
            xp.maximum(stage, take(j), out=stage)
        best = stage
    return xp.ascontiguousarray(best)


def _argmax_indices(xpad, values, geom):
    """Flat plane index of each window's winner under torch's rule.

    The winner is the first offset (row-major) equal to the max; where the max is NaN
    it is the last NaN.  Branch-free: the offset of the first match is the number of
    leading offsets that do not match.
    """
    xp = xp_of(xpad)
    regions = list(geom.window_regions())
    kcount = len(regions)
    arg_dtype = np.int8 if kcount <= 127 else np.int32
    if kcount == 1:
        arg = xp.zeros(values.shape, arg_dtype)
    else:
        run = xpad[(Ellipsis,) + regions[0]] != values
        arg = run.astype(arg_dtype)
        for region in regions[1:-1]:
            run &= xpad[(Ellipsis,) + region] != values
            arg += run
    if values.dtype.kind == "f" and not bool(xp.isfinite(values.sum(dtype=np.float64))):
        nan_out = xp.isnan(values)
        if nan_out.any():
            last_nan = xp.zeros(values.shape, arg_dtype)
            for k, region in enumerate(regions):
                cand = xpad[(Ellipsis,) + region]
                last_nan = xp.where(xp.isnan(cand), arg_dtype(k), last_nan)
            arg = xp.where(nan_out, last_nan, arg)
    strides = _plane_strides(geom.spatial)
    offsets = np.zeros(kcount, np.int64)
    for k, kidx in enumerate(itertools.product(*(range(n) for n in geom.kernel))):
        offsets[k] = sum(i * d * st for i, d, st in zip(kidx, geom.dilation, strides))
    base = np.zeros((1,) * len(geom.out), np.int64)
    for axis, (o, s, (lo, _), st) in enumerate(zip(geom.out, geom.stride, geom.pads, strides)):
        shape = [1] * len(geom.out)
        shape[axis] = o
        base = base + ((np.arange(o) * s - lo) * st).reshape(shape)
    return xp.asarray(offsets).take(arg) + xp.asarray(base)


class MaxPool(Function):
    """Max pooling; returns (values, indices) and scatters the gradient to the winners."""

    _array_forward = True
    _backward_name = "MaxPoolWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geom=None, need_indices=True):
        values, indices = _max_pool_arrays(x, geom, need_indices)
        ctx.indices = indices
        ctx.spatial = x.shape[2:]
        if indices is None:
            return values
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return IndexScatter.apply(grad, indices=ctx.indices, spatial=ctx.spatial)


# ----------------------------------------------------------- average pooling
def _avg_divisor(geom, count_include_pad: bool, divisor_override, xp):
    """The divisor of every output position, shape ``(*out)`` (separable per dim)."""
    if divisor_override is not None:
        return None
    total = None
    for axis, (k, s, o, (lo, _), size) in enumerate(zip(geom.kernel, geom.stride, geom.out, geom.pads, geom.spatial)):
        start = np.arange(o) * s - lo
        end = np.minimum(start + k, size + lo)
        if count_include_pad:
            count = end - start
        else:
            count = np.minimum(end, size) - np.maximum(start, 0)
        shape = [1] * len(geom.out)
        shape[axis] = o
        count = count.reshape(shape)
        total = count if total is None else total * count
    return xp.asarray(total)


def _sum_offsets(xpad, geom):
    """Sum of each window: one strided add per kernel offset."""
    regions = list(geom.window_regions())
    total = xpad[(Ellipsis,) + regions[0]].copy()
    for region in regions[1:]:
        total += xpad[(Ellipsis,) + region]
    return total


def _scale(values, divisor, override):
    if override is not None:
        if values.dtype.kind == "f":
            return values / values.dtype.type(override)
        return _trunc_div(values, override)
    if values.dtype.kind == "f":
        return values / divisor.astype(values.dtype)
    return _trunc_div(values, divisor)


def _trunc_div(values, divisor):
    """Integer division rounding toward zero (C's rule, which torch's integer pools use)."""
    xp = xp_of(values)
    return (xp.sign(values) * (xp.abs(values) // divisor)).astype(values.dtype)


class AvgPool(Function):
    """Average pooling (sum of each window over its divisor)."""

    _array_forward = True
    _backward_name = "AvgPoolBackward0"

    @staticmethod
    def forward(ctx, x, geom=None, count_include_pad=True, divisor_override=None):
        ctx.geom = geom
        ctx.options = (count_include_pad, divisor_override)
        xp = xp_of(x)
        xpad = xp.pad(x, ((0, 0), (0, 0)) + geom.pads) if geom.any_pad else x
        divisor = _avg_divisor(geom, count_include_pad, divisor_override, xp)
        return _scale(_sum_offsets(xpad, geom), divisor, divisor_override)

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolAdjoint.apply(grad, geom=ctx.geom, options=ctx.options)


class AvgPoolAdjoint(Function):
    """The transpose of average pooling: spread each value over its window."""

    _array_forward = True
    _backward_name = "AvgPoolBackwardBackward0"

    @staticmethod
    def forward(ctx, g, geom=None, options=(True, None)):
        ctx.geom = geom
        ctx.options = options
        count_include_pad, divisor_override = options
        xp = xp_of(g)
        divisor = _avg_divisor(geom, count_include_pad, divisor_override, xp)
        scaled = _scale(g, divisor, divisor_override)
        buf = xp.zeros(g.shape[:2] + geom.padded, g.dtype)
        for region in geom.window_regions():
            buf[(Ellipsis,) + region] += scaled
        return xp.ascontiguousarray(geom.crop(buf))

    @staticmethod
    def backward(ctx, grad):
        count_include_pad, divisor_override = ctx.options
        return AvgPool.apply(grad, geom=ctx.geom, count_include_pad=count_include_pad, divisor_override=divisor_override)


# ------------------------------------------------------------ adaptive pooling
def _adaptive_bounds(size: int, out: int):
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)  # ceil
    return start, end


def _average_matrix(size: int, out: int, dtype):
    """``(out, size)``: row i averages input positions [start_i, end_i)."""
    start, end = _adaptive_bounds(size, out)
    pos = np.arange(size)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AxisLinear(Function):
    """Multiply each spatial axis by a matrix: ``y = x x_2 M_0 x_3 M_1 ...``.

    ``matrices[i]`` has shape ``(out_i, in_i)`` for spatial axis ``i`` (None keeps the
    axis).  The backward multiplies by the transposes, so gradients of any order work.
    """

    _array_forward = True
    _backward_name = "AdaptiveAvgPoolBackward0"

    @staticmethod
    def forward(ctx, x, matrices=()):
        ctx.matrices = matrices
        xp = xp_of(x)
        y = x
        for axis, m in enumerate(matrices):
            if m is None:
                continue
            ax = axis + 2
            m = xp.asarray(m, dtype=y.dtype)
            y = xp.moveaxis(xp.tensordot(m, y, axes=([1], [ax])), 0, ax)
        return xp.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, grad):
        transposed = tuple(None if m is None else m.T for m in ctx.matrices)
        return AxisLinear.apply(grad, matrices=transposed)


def _adaptive_max_arrays(x, out):
    """Max over adaptive windows through a table of flat plane positions."""
    xp = xp_of(x)
    spatial = x.shape[2:]
    nd = len(spatial)
    strides = _plane_strides(spatial)
    table = np.zeros((1,) * (2 * nd), np.int64)
    for axis, (size, o) in enumerate(zip(spatial, out)):
        start, end = _adaptive_bounds(size, o)
        width = int((end - start).max()) if o else 1
        # positions past a window's end repeat its last element (the max is unchanged)
        pos = np.minimum(start[:, None] + np.arange(width)[None, :], end[:, None] - 1)
        shape = [1] * (2 * nd)
        shape[axis] = o
        shape[nd + axis] = width
        table = table + pos.reshape(shape) * strides[axis]
    table = table.reshape(tuple(out) + (-1,))
    n, c = x.shape[:2]
    flat_x = x.reshape(n, c, -1)
    gathered = flat_x[:, :, xp.asarray(table)]  # (N, C, *out, K)
    best = gathered[..., 0].copy()
    arg = xp.zeros(best.shape, np.int64)
    nan_possible = x.dtype.kind == "f" and not bool(xp.isfinite(x.sum(dtype=np.float64)))
    for j in range(1, gathered.shape[-1]):
        cand = gathered[..., j]
        better = cand > best
        if nan_possible:
            better |= xp.isnan(cand)
        xp.copyto(best, cand, where=better)
        xp.copyto(arg, j, where=better)
    indices = xp.take_along_axis(xp.broadcast_to(xp.asarray(table), (n, c) + table.shape), arg[..., None], axis=-1)[..., 0]
    return best, xp.ascontiguousarray(indices)


class AdaptiveMaxPool(Function):
    _array_forward = True
    _backward_name = "AdaptiveMaxPoolBackward0"

    @staticmethod
    def forward(ctx, x, out=()):
        values, indices = _adaptive_max_arrays(x, out)
        ctx.indices = indices
        ctx.spatial = x.shape[2:]
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return IndexScatter.apply(grad, indices=ctx.indices, spatial=ctx.spatial)


# ------------------------------------------------------------ argument parsing
_DIM_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


def _ints(value, n: int, op: str, name: str) -> tuple:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        vals = tuple(int(v) for v in value)
        if len(vals) == 1:
            return vals * n
        if len(vals) != n:
            what = {"kernel_size": "kernel_size", "stride": "stride", "padding": "padding", "dilation": "dilation"}[name]
            numbers = {1: "one", 2: "two", 3: "three"}[n]
            if name == "stride":
                raise RuntimeError(f"{op}: stride must either be omitted, a single int, or a tuple of {numbers} ints")
            raise RuntimeError(f"{op}: {what} must either be a single int, or a tuple of {numbers} ints")
        return vals
    return (int(value),) * n


def _check_batched(input: Tensor, n: int, op: str, allow_empty_channels: bool = False) -> bool:
    """Return whether ``input`` has a batch dim; raise torch's error for a bad rank."""
    dim = input.dim()
    if dim not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(
                f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:"
                f"{shape_str(input.shape)}"
            )
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    shape = tuple(input.shape)
    non_batch = shape[1:] if dim == n + 2 else shape
    if any(s == 0 for s in non_batch):
        raise RuntimeError(
            f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with optional 0 dim batch size for input, but got:"
            f"{shape_str(shape)}"
        )
    return dim == n + 2


def _dtype_name(t: Tensor) -> str:
    return {"bool": "Bool", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}.get(
        str(t.dtype).replace("torch.", ""), str(t.dtype)
    )


def _pool_geometry(spatial, kernel, stride, padding, dilation, ceil_mode, op, channels):
    out = []
    pads = []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = size + 2 * p - d * (k - 1) - 1
        if ceil_mode:
            o = -(-span // s) + 1
            if (o - 1) * s >= size + p:
                o -= 1
        else:
            o = span // s + 1
        out.append(o)
        extent = (o - 1) * s + d * (k - 1) + 1
        pads.append((p, max(0, extent - size - p)))
    if any(o <= 0 for o in out):
        if len(spatial) == 1 and op.startswith("max_pool1d"):
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out[0]}")
        dims = "x".join(str(v) for v in (channels,) + tuple(spatial))
        outs = "x".join(str(v) for v in (channels,) + tuple(out))
        raise RuntimeError(f"Given input size: ({dims}). Calculated output size: ({outs}). Output size is too small")
    return _geometry(tuple(spatial), tuple(kernel), tuple(stride), tuple(dilation), tuple(pads), tuple(out))


def _pool_params(input, kernel_size, stride, padding, dilation, n, op):
    kernel = _ints(kernel_size, n, op, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else _ints(stride, n, op, "stride")
    padding = _ints(padding, n, op, "padding")
    dilation = _ints(dilation, n, op, "dilation")
    if any(k <= 0 for k in kernel):
        names = _DIM_NAMES[n]
        raise RuntimeError(
            "kernel size should be greater than zero, but got "
            + " ".join(f"kernel{nm}: {k}" for nm, k in zip(names, kernel))
        )
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(
            "stride should be greater than zero, but got " + " ".join(f"stride{nm}: {s}" for nm, s in zip(_DIM_NAMES[n], stride))
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            + " ".join(f"dilation{nm}: {d}" for nm, d in zip(_DIM_NAMES[n], dilation))
        )
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}"
            )
    return kernel, stride, padding, dilation


# ----------------------------------------------------------- public: max pool
def _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n, op):
    batched = _check_batched(input, n, op)
    if input._array.dtype == np.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')
    kernel, stride, padding, dilation = _pool_params(input, kernel_size, stride, padding, dilation, n, op)
    x = input if batched else input.unsqueeze(0)
    geom = _pool_geometry(tuple(x.shape[2:]), kernel, stride, padding, dilation, ceil_mode, op, x.shape[1])
    need = bool(return_indices) or (x._requires_grad and STATE.enabled)
    result = MaxPool.apply(x, geom=geom, need_indices=need)
    if need:
        values, indices = result
    else:
        values, indices = result, None
    if not batched:
        values = values.squeeze(0)
        indices = indices.squeeze(0) if indices is not None else None
    return (values, indices) if return_indices else values


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling over ``(N, C, L)`` (or ``(C, L)``).

    Example:
        >>> import ember
        >>> ember.max_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[3., 2.]]])
    """
    return _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling over ``(N, C, H, W)``; ``return_indices`` also gives flat argmax positions.

    Example:
        >>> import ember
        >>> v, i = ember.max_pool2d(ember.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
        >>> i
        tensor([[[[ 5,  7],
                  [13, 15]]]])
    """
    return _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling over ``(N, C, D, H, W)``.

    Example:
        >>> import ember
        >>> ember.max_pool3d(ember.randn(1, 2, 4, 4, 4), 2).shape
        torch.Size([1, 2, 2, 2, 2])
    """
    return _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3, "max_pool3d")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True):
    """``max_pool1d`` returning ``(values, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True):
    """``max_pool2d`` returning ``(values, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True):
    """``max_pool3d`` returning ``(values, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ----------------------------------------------------------- public: avg pool
def _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, n, op):
    if input.dim() not in (n + 1, n + 2):
        if n == 1:
            # torch's avg_pool1d goes through a 2-D pool of the unsqueezed input
            raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, {input.dim() - 1}], but got -{n + 1})")
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    batched = input.dim() == n + 2
    if input._array.dtype == np.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    kernel, stride, padding, dilation = _pool_params(input, kernel_size, stride, padding, 1, n, op)
    x = input if batched else input.unsqueeze(0)
    geom = _pool_geometry(tuple(x.shape[2:]), kernel, stride, padding, dilation, ceil_mode, op, x.shape[1])
    out = AvgPool.apply(x, geom=geom, count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
    return out if batched else out.squeeze(0)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
    """1-D average pooling.

    Example:
        >>> import ember
        >>> ember.avg_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[2., 1.]]])
    """
    return _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True, divisor_override=None):
    """2-D average pooling; ``count_include_pad=False`` averages over real input elements only.

    Example:
        >>> import ember
        >>> ember.nn.functional.avg_pool2d(ember.ones(1, 1, 4, 4), 2, padding=1, count_include_pad=False).shape
        torch.Size([1, 1, 3, 3])
    """
    return _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True, divisor_override=None):
    """3-D average pooling.

    Example:
        >>> import ember
        >>> ember.nn.functional.avg_pool3d(ember.ones(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3, "avg_pool3d")


# ------------------------------------------------------ public: adaptive pools
def _adaptive_out(output_size, spatial, n, op) -> tuple:
    if isinstance(output_size, (list, tuple)):
        if n == 1 and len(output_size) != 1:
            raise RuntimeError(f"{op}() argument 'output_size' should contain one int (got {len(output_size)})")
        sizes = tuple(output_size) if len(output_size) == n else tuple(output_size) * n
    else:
        sizes = (output_size,) * n
    return tuple(int(s) if s is not None else int(d) for s, d in zip(sizes, spatial))


def _adaptive_input(input, n, op):
    if input.dim() < n + 1:
        raise ValueError(f"Input dimension should be at least {n + 1}")
    if input.dim() > n + 2:
        raise RuntimeError(f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got {shape_str(input.shape)}")
    batched = input.dim() == n + 2
    shape = tuple(input.shape)
    first = 1 if batched else 0
    for i in range(first, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{shape_str(shape)} with dimension {i} being empty"
            )
    if input._array.dtype.kind not in "fV":
        raise NotImplementedError(f'"{op}" not implemented for \'{_dtype_name(input)}\'')
    return batched


def _adaptive_avg_nd(input, output_size, n, op):
    batched = _adaptive_input(input, n, op)
    x = input if batched else input.unsqueeze(0)
    spatial = tuple(x.shape[2:])
    out = _adaptive_out(output_size, spatial, n, op)
    dtype = x._array.dtype if x._array.dtype.kind == "f" else np.float32
    matrices = tuple(
        None if o == s else _average_matrix(s, o, dtype) for s, o in zip(spatial, out)
    )
    result = AxisLinear.apply(x, matrices=matrices) if any(m is not None for m in matrices) else x.clone()
    return result if batched else result.squeeze(0)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Average pooling to a fixed output length (window ``[floor(i*L/out), ceil((i+1)*L/out))``).

    Example:
        >>> import ember
        >>> ember.adaptive_avg_pool1d(ember.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _adaptive_avg_nd(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average pooling to a fixed ``(H_out, W_out)`` (None keeps that size).

    Example:
        >>> import ember
        >>> ember.nn.functional.adaptive_avg_pool2d(ember.randn(2, 3, 7, 9), (1, 1)).shape
        torch.Size([2, 3, 1, 1])
    """
    return _adaptive_avg_nd(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """Average pooling to a fixed ``(D_out, H_out, W_out)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.adaptive_avg_pool3d(ember.randn(1, 2, 4, 5, 6), 2).shape
        torch.Size([1, 2, 2, 2, 2])
    """
    return _adaptive_avg_nd(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max_nd(input, output_size, return_indices, n, op):
    batched = _adaptive_input(input, n, op)
    x = input if batched else input.unsqueeze(0)
    out = _adaptive_out(output_size, tuple(x.shape[2:]), n, op)
    values, indices = AdaptiveMaxPool.apply(x, out=out)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed output length.

    Example:
        >>> import ember
        >>> ember.nn.functional.adaptive_max_pool1d(ember.tensor([[[1.0, 5.0, 3.0, 4.0, 2.0]]]), 2)
        tensor([[[5., 4.]]])
    """
    return _adaptive_max_nd(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed ``(H_out, W_out)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.adaptive_max_pool2d(ember.randn(1, 3, 7, 7), 3).shape
        torch.Size([1, 3, 3, 3])
    """
    return _adaptive_max_nd(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed ``(D_out, H_out, W_out)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.adaptive_max_pool3d(ember.randn(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _adaptive_max_nd(input, output_size, return_indices, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices: bool = True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices: bool = True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices: bool = True):
    return adaptive_max_pool3d(input, output_size, True)


# --------------------------------------------------------------- power pooling
def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, n):
    kernel = _ints(kernel_size, n, f"lp_pool{n}d", "kernel_size")
    avg = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}[n]
    out = avg(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    # torch's sign(out) * relu(|out|); |out| is written out * sign(out) with the sign a
    # constant, which has abs's gradient (0 at 0) without needing abs's backward
    sign = _sign(out)
    return (sign * (out * sign).relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def _sign(t: Tensor) -> Tensor:
    xp = xp_of(t._array)
    return Tensor._from_array(xp.sign(t._array))


def lp_pool1d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: ``(sum over window of x**p) ** (1/p)``.

    Example:
        >>> import ember
        >>> ember.nn.functional.lp_pool1d(ember.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling.

    Example:
        >>> import ember
        >>> ember.nn.functional.lp_pool2d(ember.ones(1, 1, 4, 4), 2, 2)
        tensor([[[[2., 2.],
                  [2., 2.]]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


# -------------------------------------------------------------- max unpooling
def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n, op):
    kernel = _ints(kernel_size, n, op, "kernel_size")
    stride = kernel if stride is None else _ints(stride, n, op, "stride")
    padding = _ints(padding, n, op, "padding")
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    idx = indices if batched else indices.unsqueeze(0)
    spatial_in = tuple(x.shape[2:])
    default = tuple((i - 1) * s - 2 * p + k for i, s, p, k in zip(spatial_in, stride, padding, kernel))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)[-n:]
        for o, d, s in zip(out, default, stride):
            if not d - s < o < d + s:
                raise ValueError(
                    f"invalid output_size {list(output_size)} (dim {len(out)} must be between {d - s} and {d + s})"
                )
    idx_arr = idx._array.astype(np.int64, copy=False)
    plane = math.prod(out)
    if idx_arr.size and (idx_arr.min() < 0 or idx_arr.max() >= plane):
        bad = int(idx_arr.max()) if idx_arr.max() >= plane else int(idx_arr.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(str(o) for o in out)}")
    result = MaxUnpool.apply(x, indices=idx_arr, spatial=out)
    return result if batched else result.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of ``max_pool1d``: put values back at ``indices``, zeros elsewhere.

    Example:
        >>> import ember
        >>> v, i = ember.max_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
        >>> ember.nn.functional.max_unpool1d(v, i, 2)
        tensor([[[0., 3., 2., 0.]]])
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of ``max_pool2d``.

    Example:
        >>> import ember
        >>> v, i = ember.max_pool2d(ember.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
        >>> ember.nn.functional.max_unpool2d(v, i, 2).shape
        torch.Size([1, 1, 4, 4])
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of ``max_pool3d``."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")


def aten_adaptive_max_pool1d(input, output_size):
    """``torch.adaptive_max_pool1d``: always returns ``(values, indices)``.

    Example:
        >>> import ember
        >>> v, i = ember.adaptive_max_pool1d(ember.tensor([[[1.0, 5.0, 3.0, 4.0]]]), 2)
        >>> i
        tensor([[[1, 3]]])
    """
    return adaptive_max_pool1d(input, output_size, True)
