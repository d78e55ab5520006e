"""Fractional max pooling (Graham, 2014), 2-D and 3-D, with torch's pseudo-random regions.

Each (batch, channel) plane gets one sample ``u`` in [0, 1) per spatial dimension.  With
``alpha = (in - k) / (out - 1)`` the window of output ``i`` starts at
``int((i + u) * alpha) - int(u * alpha)`` for ``i < out - 1`` and the last window starts
at ``in - k`` (so the windows always cover both ends).  The arithmetic runs in the
input's floating dtype, as torch's does, so the same samples give the same windows.

Samples map to dimensions as torch's do: for 2-D ``u[0]`` is the width's and ``u[1]``
the height's; for 3-D ``u[0], u[1], u[2]`` are time, height and width.

Every window is gathered at once through a table of flat plane positions; the winner
follows torch's rule (the first maximum in row-major window order; a NaN wins, the last
one), and ``indices`` are flat positions in each input plane.  The backward scatters the
gradient there (``pooling.IndexScatter``), so gradients of any order work.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(25.0).reshape(1, 1, 5, 5)
    >>> F.fractional_max_pool2d(x, 2, output_size=2, _random_samples=ember.tensor([[[0.5, 0.5]]]))
    tensor([[[[ 6.,  9.],
              [21., 24.]]]])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import shape_str, xp_of
from .conv import _tuple_arg
from .pooling import IndexScatter, _dtype_name, _plane_strides

__all__ = [
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]

# which column of the (N, C, n) samples drives each spatial dim (H, W) / (T, H, W)
_SAMPLE_COLUMN = {2: (1, 0), 3: (0, 1, 2)}


# ------------------------------------------------------------------ the arrays
def _window_starts(u, in_size: int, out_size: int, k: int):
    """``(N, C, out)`` int64 start of every window from samples ``u (N, C)``."""
    xp = xp_of(u)
    starts = xp.empty(u.shape + (out_size,), np.int64)
    if out_size > 1:
        ftype = u.dtype.type
        alpha = ftype(in_size - k) / ftype(out_size - 1)
        i = xp.arange(out_size - 1, dtype=u.dtype)
        # float -> int64 truncates toward zero, as C's static_cast does
        starts[..., :-1] = ((i + u[..., None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[
            ..., None
        ]
    if out_size > 0:
        starts[..., -1] = in_size - k
    return starts


def _position_table(samples, spatial, out, kernel):
    """``(N, C, *out, K)`` flat plane positions of every window element."""
    nd = len(spatial)
    strides = _plane_strides(spatial)
    n, c = samples.shape[:2]
    xp = xp_of(samples)
    table = xp.zeros((n, c) + (1,) * (2 * nd), np.int64)
    for axis, (size, o, k, st) in enumerate(zip(spatial, out, kernel, strides)):
        u = samples[:, :, _SAMPLE_COLUMN[nd][axis]]
        # an empty kernel keeps one column (its start) for the indices torch reports
        width = max(k, 1)
        pos = _window_starts(u, size, o, k)[..., None] + xp.arange(width, dtype=np.int64)  # (N, C, o, width)
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + axis] = o
        shape[2 + nd + axis] = width
        table = table + (pos * st).reshape(shape)
    return table.reshape((n, c) + tuple(out) + (math.prod(max(k, 1) for k in kernel),))


def _fractional_max_arrays(x, samples, out, kernel):
    """Max of every window and the flat plane index of its winner (torch's tie rule)."""
    xp = xp_of(x)
    n, c = x.shape[:2]
    table = _position_table(samples, x.shape[2:], out, kernel)
    kcount = table.shape[-1]
    if table.size == 0 or 0 in kernel:
        # no planes or no outputs; or an empty kernel: -inf at each window's start, as torch
        return xp.full(table.shape[:-1], -np.inf, x.dtype), xp.ascontiguousarray(table[..., 0])
    gathered = xp.take_along_axis(x.reshape(n, c, -1), table.reshape(n, c, -1), axis=2).reshape(table.shape)
    arg = xp.argmax(gathered, axis=-1)  # the first maximum; NaN handled below
    isnan = xp.isnan(gathered)
    if isnan.any():
        last_nan = kcount - 1 - xp.argmax(isnan[..., ::-1], axis=-1)
        arg = xp.where(isnan.any(axis=-1), last_nan, arg)
    arg = arg[..., None]
    values = xp.take_along_axis(gathered, arg, axis=-1)[..., 0]
    indices = xp.take_along_axis(table, arg, axis=-1)[..., 0]
    return xp.ascontiguousarray(values), xp.ascontiguousarray(indices)


class _FractionalMaxPool(Function):
    """Fractional max pooling; returns (values, indices), scatters the grad to the winners."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, samples=None, out=(), kernel=()):
        values, indices = _fractional_max_arrays(x, samples, out, kernel)
        ctx.indices = indices
        ctx.spatial = x.shape[2:]
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return IndexScatter.apply(grad, indices=ctx.indices, spatial=ctx.spatial)


class FractionalMaxPool2D(_FractionalMaxPool):
    _backward_name = "FractionalMaxPool2DBackward0"


class FractionalMaxPool3D(_FractionalMaxPool):
    _backward_name = "FractionalMaxPool3DBackward0"


# ------------------------------------------------------------------ arguments
def _sizes(value, n: int, op: str, name: str) -> tuple:
    return _tuple_arg(value, n, name, f"{op}: {name} must either be a single Int or tuple of Ints")


def _output_size_from(input: Tensor, output_size, output_ratio, n: int):
    op = f"fractional_max_pool{n}d"
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        if n == 2:
            # torch's 2-D function takes the ratio as a pair only
            if not hasattr(output_ratio, "__len__"):
                raise TypeError(f"object of type '{type(output_ratio).__name__}' has no len()")
            if len(output_ratio) > 2:
                raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
            ratio = tuple(output_ratio)
        else:
            ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) else (output_ratio,) * 3
        if len(ratio) < n:
            raise IndexError("tuple index out of range")
        output_size = [int(input.size(d - n) * ratio[d]) for d in range(n)]
    return output_size


def _check_input(input: Tensor, n: int, op: str, display: str) -> bool:
    dim = input.dim()
    if dim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{display}: Expected {n + 1}D or {n + 2}D tensor, but got: {shape_str(input.shape)}"
        )
    shape = tuple(input.shape)
    for d in range(dim - n - 1, dim):
        if shape[d] == 0:
            raise RuntimeError(
                f"{display}: Expected input to have non-zero size for non-batch dimensions, but got"
                f"{shape_str(shape)} with dimension {d} being empty."
            )
    return dim == n + 2


def _check_fits(spatial, out, kernel, n: int, display: str) -> None:
    """torch's 'pool too large' checks (2-D allows out + k - 1 == in; 3-D does not)."""
    names = ("height", "width") if n == 2 else ("time", "height", "width")
    order = (0, 1) if n == 2 else (0, 2, 1)  # torch checks 3-D's width before its height
    for axis in order:
        span = out[axis] + kernel[axis] - 1
        if (span > spatial[axis]) if n == 2 else (span >= spatial[axis]):
            raise RuntimeError(
                f"{display}: pool {names[axis]} {kernel[axis]} too large relative to input {names[axis]} {spatial[axis]}"
            )
    for o in out:
        if o < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {o}: {shape_str(tuple(out))}"
            )


def _fractional_nd(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, n):
    op = f"fractional_max_pool{n}d"
    display = "fractional_max_pool2d()" if n == 2 else "fractional_max_pool3d_out()"
    output_size = _output_size_from(input, output_size, output_ratio, n)
    if _random_samples is None:
        n_batch = 1 if input.dim() == n + 1 else input.size(0)
        channels = input.size(-n - 1)
        if not input.is_floating_point():
            raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{_dtype_name(input)}'")
        from .random_ops import rand

        _random_samples = rand(n_batch, channels, n, dtype=input.dtype, device=input.device)
    kernel = _sizes(kernel_size, n, op, "kernel_size")
    out = _sizes(output_size, n, op, "output_size")
    samples = _random_samples
    if n == 3:
        # torch's 3-D op checks the input and the sizes before the samples; 2-D the reverse
        batched = _check_input(input, n, op, display)
        _check_fits(tuple(input.shape[-3:]), out, kernel, n, display)
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.dim()}")
    if n == 2:
        batched = _check_input(input, n, op, display)
    x = input if batched else input.unsqueeze(0)
    if samples.shape[2] != n:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {n}; got {samples.shape[2]}.")
    if samples.shape[0] < x.shape[0]:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != x.shape[1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if n == 2:
        _check_fits(tuple(x.shape[2:]), out, kernel, n, display)
    if not x.is_floating_point():
        raise NotImplementedError(f"\"{op}_out_frame\" not implemented for '{_dtype_name(x)}'")
    sample_array = samples._array[: x.shape[0]]
    if sample_array.dtype.kind != "f" or sample_array.dtype.itemsize < 4:
        sample_array = sample_array.astype(np.float32)  # half types: torch computes in float
    fn = FractionalMaxPool2D if n == 2 else FractionalMaxPool3D
    values, indices = fn.apply(x, samples=sample_array, out=out, kernel=kernel)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


# ------------------------------------------------------------------ public API
def fractional_max_pool2d(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples=None,
):
    """2-D fractional max pooling over ``(N, C, H, W)`` or ``(C, H, W)``.

    The windows' starts are pseudo-random per (batch, channel) plane, driven by
    ``_random_samples (N, C, 2)`` in [0, 1) (drawn from ember's generator if absent).
    Give ``output_size`` (int or pair) or ``output_ratio`` (a pair of fractions).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.fractional_max_pool2d(ember.randn(2, 3, 9, 11), 2, output_ratio=(0.5, 0.5)).shape
        torch.Size([2, 3, 4, 5])
    """
    return _fractional_nd(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples=None,
):
    """3-D fractional max pooling over ``(N, C, T, H, W)`` or ``(C, T, H, W)``.

    ``_random_samples`` has shape ``(N, C, 3)``; ``output_ratio`` may be one fraction
    or a triple.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.fractional_max_pool3d(ember.randn(1, 2, 5, 6, 7), 2, output_ratio=0.5).shape
        torch.Size([1, 2, 2, 3, 3])
    """
    return _fractional_nd(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples=None,
):
    """:func:`fractional_max_pool2d` returning ``(values, indices)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> v, i = F.fractional_max_pool2d_with_indices(ember.randn(1, 1, 6, 6), 2, output_size=3)
        >>> i.dtype
        torch.int64
    """
    return _fractional_nd(input, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples=None,
):
    """:func:`fractional_max_pool3d` returning ``(values, indices)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> v, i = F.fractional_max_pool3d_with_indices(ember.randn(1, 1, 5, 5, 5), 2, output_size=2)
        >>> tuple(i.shape)
        (1, 1, 2, 2, 2)
    """
    return _fractional_nd(input, kernel_size, output_size, output_ratio, True, _random_samples, 3)
