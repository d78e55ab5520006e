"""Spatial transformer sampling: ``affine_grid`` and ``grid_sample``.

``grid_sample`` reads ``input`` at arbitrary (normalized) points.  Each output point
is a weighted sum of a few *taps* of the input (2 per axis for bilinear, 4 for
bicubic, 1 for nearest); the grid only moves the taps and sets their weights.  So
the op is planned once in NumPy from the grid (tap indices, in-bounds masks and the
affine map from grid value to source coordinate, whose slope carries the padding
mode's derivative), and then:

* forward gathers all taps at once with one flat fancy index and sums them weighted;
* backward scatters ``grad * weight`` back with one flat-index add (``add_at``), and
  forms the grid gradient from the weights' derivatives, written with ember ops on
  Tensors so that double backward follows.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> grid = F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
    >>> F.grid_sample(ember.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]), grid, align_corners=False)
    tensor([[[[1., 2.],
              [3., 4.]]]])
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import shape_str, xp_of
from .indexing import add_at

__all__ = ["affine_grid", "affine_grid_generator", "grid_sample", "grid_sampler"]

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_CUBIC_A = -0.75
_SCALAR_NAMES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
}
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
)


# ------------------------------------------------------------ coordinate maths
def _unnormalize(g, size: int, align_corners: bool):
    """Grid values in [-1, 1] -> pixel coordinates, and the slope of that map."""
    if align_corners:
        scale = (size - 1) / 2
        return (g + 1) * scale, scale
    return ((g + 1) * size - 1) / 2, size / 2


def _clip(coord, size: int):
    """Clamp to ``[0, size - 1]``; the slope is 0 on and beyond the ends (torch's choice)."""
    inside = (coord > 0) & (coord < size - 1)
    return np.clip(coord, 0, size - 1), inside.astype(coord.dtype)


def _reflect(coord, twice_low: int, twice_high: int):
    """Reflect about the ends of ``[low, high]`` until inside; slope +1 or -1."""
    if twice_low == twice_high:
        return np.zeros_like(coord), np.zeros_like(coord)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    shifted = coord - low
    sign = np.where(shifted < 0, -1.0, 1.0).astype(coord.dtype)
    shifted = np.abs(shifted)
    extra = np.fmod(shifted, span)
    flips = np.floor(shifted / span)
    even = np.fmod(flips, 2) == 0
    out = np.where(even, extra + low, span - extra + low).astype(coord.dtype)
    return out, np.where(even, sign, -sign).astype(coord.dtype)


def _apply_padding(coord, size: int, padding: str, align_corners: bool):
    """Source coordinate after the padding mode, and its slope w.r.t. ``coord``."""
    if padding == "zeros":
        return coord, np.ones_like(coord)
    if padding == "reflection":
        bounds = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        coord, slope = _reflect(coord, *bounds)
        coord, inside = _clip(coord, size)
        return coord, slope * inside
    return _clip(coord, size)


def _cubic_weights(t):
    """The four bicubic tap weights at fraction ``t`` (Keys' kernel, A = -0.75)."""
    a = _CUBIC_A

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_slopes(t):
    """d/dt of :func:`_cubic_weights`."""
    a = _CUBIC_A

    def near(x):
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def far(x):
        return (3 * a * x - 10 * a) * x + 8 * a

    return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]


class _Plan:
    """Where each output point's taps lie and how their weights depend on the grid.

    Per grid component ``d`` (x = last input axis, y, z): ``slope[d]``/``offset[d]``
    give the source coordinate ``s = slope * g + offset`` (``(N, P)`` arrays), ``base[d]``
    its floor (rounded for nearest).  Over all ``K`` tap combinations: ``flat`` (the
    input's flat spatial index, ``(N, P, K)``) and ``mask`` (1 for taps that count).
    """

    def __init__(self, grid, spatial, mode: str, padding: str, align_corners: bool):
        n, dims = grid.shape[0], grid.shape[-1]
        g = grid.reshape(n, _points(grid.shape), dims)
        self.mode = mode
        self.dims = dims
        self.slope, self.offset, self.base = [], [], []
        taps_index, taps_valid = [], []
        for d in range(dims):
            size = spatial[-1 - d]
            gd = g[..., d]
            coord, scale = _unnormalize(gd, size, align_corners)
            finite = np.isfinite(coord)
            coord = np.where(finite, coord, -2.0).astype(g.dtype)
            if mode == "bicubic":
                source, slope = coord, np.full_like(coord, scale)
            else:
                source, pad_slope = _apply_padding(coord, size, padding, align_corners)
                slope = (pad_slope * scale).astype(g.dtype)
            base = np.rint(source) if mode == "nearest" else np.floor(source)
            self.slope.append(slope)
            self.offset.append((source - slope * np.where(finite, gd, 0)).astype(g.dtype))
            self.base.append(base)
            offsets = {"nearest": (0,), "bilinear": (0, 1), "bicubic": (-1, 0, 1, 2)}[mode]
            idx = base[..., None] + np.asarray(offsets, dtype=base.dtype)
            if mode == "bicubic" and padding != "zeros":
                idx, _ = _apply_padding(idx, size, padding, align_corners)
            valid = (idx >= 0) & (idx <= size - 1) & finite[..., None]
            taps_index.append(np.clip(idx, 0, size - 1).astype(np.int64))
            taps_valid.append(valid)
        # combine the axes: combination k = (..(j_{D-1} * T + j_{D-2}) * T ..) + j_0
        stride = 1
        flat, mask = taps_index[0], taps_valid[0]
        for d in range(1, dims):
            stride *= spatial[-d]
            flat = _outer(taps_index[d] * stride, flat, np.add)
            mask = _outer(taps_valid[d], mask, np.logical_and)
        self.flat = flat
        self.mask = mask.astype(g.dtype)

    def axis_weights(self, t):
        """Per-axis tap weights (a list over taps) at fractions ``t``."""
        if self.mode == "bicubic":
            return _cubic_weights(t)
        if self.mode == "nearest":
            return [t * 0 + 1]
        return [1 - t, t]

    def axis_slopes(self, t):
        if self.mode == "bicubic":
            return _cubic_slopes(t)
        return [t * 0 - 1, t * 0 + 1]

    def fractions(self, g):
        """``s - floor(s)`` per axis, from grid values ``g`` of shape ``(N, P, D)``."""
        return [g[..., d] * self.slope[d] + (self.offset[d] - self.base[d]) for d in range(self.dims)]

    def weights(self, t, slope_axis=None):
        """Weights of all tap combinations ``(N, P, K)``; with ``slope_axis``, their d/dt there."""
        per_axis = []
        for d, td in enumerate(t):
            parts = self.axis_slopes(td) if d == slope_axis else self.axis_weights(td)
            per_axis.append(_stack(parts))
        out = per_axis[0]
        for d in range(1, self.dims):
            out = _outer(per_axis[d], out, lambda a, b: a * b)
        return out * self.mask


def _outer(hi, lo, op):
    """Pair every tap of ``hi`` with every tap of ``lo``: ``(N, P, A), (N, P, B) -> (N, P, A*B)``."""
    n, p = hi.shape[0], hi.shape[1]
    return op(hi[..., :, None], lo[..., None, :]).reshape(n, p, hi.shape[2] * lo.shape[2])


def _points(grid_shape) -> int:
    """Output points per batch item of a grid ``(N, *out, D)``."""
    return int(np.prod(grid_shape[1:-1]))


def _stack(parts):
    if isinstance(parts[0], Tensor):
        from .joining import stack

        return stack(parts, -1)
    return np.stack(parts, -1)


def _flat_index(flat, n: int, c: int, s: int):
    """Indices into ``input.ravel()`` for every (batch, channel, point, tap): ``(N, C, P, K)``."""
    rows = (np.arange(n)[:, None] * c + np.arange(c)[None, :]) * s
    return rows[:, :, None, None] + flat[:, None, :, :]


# ------------------------------------------------------------ gather / scatter
class GatherTaps(Function):
    """``x (N, C, *spatial)`` read at tap indices ``flat (N, P, K)`` -> ``(N, C, P, K)``."""

    _array_forward = True
    _backward_name = "GatherTapsBackward0"

    @staticmethod
    def forward(ctx, x, flat=None):
        ctx.flat = flat
        ctx.shape = x.shape
        n, c = x.shape[:2]
        s = int(np.prod(x.shape[2:]))
        return xp_of(x).ascontiguousarray(x.reshape(-1)[_flat_index(flat, n, c, s)])

    @staticmethod
    def backward(ctx, grad):
        return ScatterTaps.apply(grad, flat=ctx.flat, shape=ctx.shape)


class ScatterTaps(Function):
    """The adjoint of :class:`GatherTaps`: add ``(N, C, P, K)`` values back at their taps."""

    _array_forward = True
    _backward_name = "ScatterTapsBackward0"

    @staticmethod
    def forward(ctx, values, flat=None, shape=()):
        ctx.flat = flat
        n, c = shape[:2]
        s = int(np.prod(shape[2:]))
        out = xp_of(values).zeros(int(np.prod(shape)), values.dtype)
        add_at(out, _flat_index(flat, n, c, s).reshape(-1), values.reshape(-1))
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return GatherTaps.apply(grad, flat=ctx.flat)


# ------------------------------------------------------------------ grid_sample
class GridSampler(Function):
    """``grid_sampler`` on raw arrays; gradients for input and grid as torch defines them."""

    _array_forward = True
    _backward_name = "GridSampler2DBackward0"

    @staticmethod
    def forward(ctx, x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
        plan = _Plan(grid, x.shape[2:], mode, padding_mode, align_corners)
        ctx.plan = plan
        ctx.save_for_backward(x, grid)
        n, c = x.shape[:2]
        g = grid.reshape(n, _points(grid.shape), plan.dims)
        weights = plan.weights(plan.fractions(g))
        s = int(np.prod(x.shape[2:]))
        taps = x.reshape(-1)[_flat_index(plan.flat, n, c, s)]
        out = np.einsum("npk,ncpk->ncp", weights, taps)
        return xp_of(x).ascontiguousarray(out.reshape(x.shape[:2] + grid.shape[1:-1]))

    @staticmethod
    def backward(ctx, grad):
        x, grid = ctx.saved_tensors
        plan = ctx.plan
        need_x, need_grid = ctx.needs_input_grad[:2]
        n, c = x.shape[:2]
        g = grid.reshape(n, _points(grid.shape), plan.dims)
        t = plan.fractions(g)
        gout = grad.reshape(n, c, _points(grid.shape), 1)
        grad_x = grad_grid = None
        if need_x:
            grad_x = ScatterTaps.apply(gout * plan.weights(t).unsqueeze(1), flat=plan.flat, shape=tuple(x.shape))
        if need_grid:
            if plan.mode == "nearest":
                from .creation import zeros_like

                grad_grid = zeros_like(grid)
            else:
                taps = (gout * GatherTaps.apply(x, flat=plan.flat)).sum(1)
                parts = [(taps * plan.weights(t, slope_axis=d)).sum(-1) * plan.slope[d] for d in range(plan.dims)]
                grad_grid = _stack(parts).reshape(tuple(grid.shape))
        return grad_x, grad_grid


_GridSampler3D = type("GridSampler3D", (GridSampler,), {"_backward_name": "GridSampler3DBackward0"})


def _check_sampler_args(input: Tensor, grid: Tensor, mode: str) -> None:
    ishape, gshape = tuple(input.shape), tuple(grid.shape)
    if ishape[:1] != gshape[:1]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
            f"{shape_str(ishape)} and grid with sizes {shape_str(gshape)}"
        )
    if gshape[-1] != len(ishape) - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {len(ishape) - 2} in last dimension, but got grid with "
            f"sizes {shape_str(gshape)}"
        )
    dims = 4 if len(ishape) == 4 else 5
    if len(ishape) != dims or len(gshape) != dims:
        raise RuntimeError(
            f"grid_sampler(): expected {dims}D input and grid with same number of dimensions, but got input with "
            f"sizes {shape_str(ishape)} and grid with sizes {shape_str(gshape)}"
        )
    for i in range(2, dims):
        if ishape[i] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
                f"{shape_str(ishape)} with dimension {i} being empty"
            )
    if mode == "bicubic" and dims != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    idt, gdt = input._array.dtype, grid._array.dtype
    if idt != gdt:
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES.get(idt.name, idt.name)} but found {_SCALAR_NAMES.get(gdt.name, gdt.name)}")
    if idt.kind != "f":
        raise NotImplementedError(
            f'"grid_sampler_{dims - 2}d_cpu_kernel_impl" not implemented for \'{_SCALAR_NAMES.get(idt.name, idt.name)}\''
        )


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool) -> Tensor:
    """torch's low-level ``grid_sampler``: modes as integers (0 bilinear, 1 nearest, 2 bicubic;
    padding 0 zeros, 1 border, 2 reflection).

    Example:
        >>> import ember
        >>> ember.grid_sampler(ember.ones(1, 1, 2, 2), ember.zeros(1, 3, 3, 2), 0, 0, False).shape
        torch.Size([1, 1, 3, 3])
    """
    modes = {v: k for k, v in _MODES.items()}
    paddings = {v: k for k, v in _PADDINGS.items()}
    mode = modes.get(int(interpolation_mode), "bilinear")
    padding = paddings.get(int(padding_mode), "zeros")
    _check_sampler_args(input, grid, mode)
    fn = GridSampler if input.dim() == 4 else _GridSampler3D
    return fn.apply(input, grid, mode=mode, padding_mode=padding, align_corners=bool(align_corners))


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` ``(N, C, H, W)`` (or ``(N, C, D, H, W)``) at the points of ``grid``.

    ``grid`` is ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``) of ``(x, y[, z])``
    in ``[-1, 1]`` (``-1`` is the left/top edge). ``mode``: ``'bilinear'``, ``'nearest'``
    or ``'bicubic'`` (4-D only); ``padding_mode``: ``'zeros'``, ``'border'`` or
    ``'reflection'`` for points outside. ``align_corners=None`` means False, with
    torch's warning.

    Example:
        >>> import ember
        >>> x = ember.arange(4.0).reshape(1, 1, 2, 2)
        >>> ember.nn.functional.grid_sample(x, ember.zeros(1, 1, 1, 2), align_corners=True)
        tensor([[[[1.5000]]]])
    """
    if mode not in _MODES:
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in _PADDINGS:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)


# ------------------------------------------------------------------ affine_grid
def _base_grid(spatial, align_corners: bool, dtype) -> np.ndarray:
    """``(prod(spatial), D + 1)`` rows ``(x, y[, z], 1)`` over the output points."""
    axes = []
    for steps in spatial:
        if steps <= 1:
            line = np.zeros(steps)
        else:
            line = np.linspace(-1.0, 1.0, steps)
            if not align_corners:
                line = line * (steps - 1) / steps
        axes.append(line.astype(dtype))
    mesh = np.meshgrid(*axes, indexing="ij")
    coords = [m.reshape(-1) for m in reversed(mesh)]
    coords.append(np.ones_like(coords[0]))
    return np.stack(coords, -1)


class AffineGridGenerator(Function):
    """``theta (N, D, D+1)`` applied to every output point -> ``(N, *spatial, D)``."""

    _array_forward = True
    _array_backward = True
    _backward_name = "AffineGridGeneratorBackward0"

    @staticmethod
    def forward(ctx, theta, size=(), align_corners=False):
        spatial = tuple(size[2:])
        base = _base_grid(spatial, align_corners, theta.dtype)
        n, dims = theta.shape[0], len(spatial)
        if n != size[0] or theta.shape[2] != dims + 1:
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {dims + 1}] but got: "
                f"[{n}, {theta.shape[2]}]."
            )
        ctx.base = base
        ctx.n = n
        out = np.matmul(base[None], np.swapaxes(theta, 1, 2))
        return xp_of(theta).ascontiguousarray(out.reshape((n,) + spatial + (theta.shape[1],)))

    @staticmethod
    def backward(ctx, grad):
        rows = grad.reshape(ctx.n, ctx.base.shape[0], grad.shape[-1])
        return rows.mT @ ctx.base


def affine_grid_generator(theta: Tensor, size, align_corners: bool) -> Tensor:
    """torch's low-level ``affine_grid_generator`` (no argument checks beyond the shapes).

    Example:
        >>> import ember
        >>> ember.affine_grid_generator(ember.eye(2, 3).unsqueeze(0), (1, 1, 2, 2), False).shape
        torch.Size([1, 2, 2, 2])
    """
    size = tuple(int(s) for s in size)
    return AffineGridGenerator.apply(theta, size=size, align_corners=bool(align_corners))


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps ``theta``, for :func:`grid_sample`.

    ``theta`` is ``(N, 2, 3)`` for a 4-D ``size = (N, C, H, W)`` (grid ``(N, H, W, 2)``)
    or ``(N, 3, 4)`` for a 5-D ``size`` (grid ``(N, D, H, W, 3)``).

    Example:
        >>> import ember
        >>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> ember.nn.functional.affine_grid(theta, (1, 1, 1, 2), align_corners=False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size_t = tuple(size)
    shape = tuple(theta.shape)
    if len(size_t) == 4:
        if theta.dim() != 3 or shape[-2:] != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}."
            )
        spatial = size_t[-2:]
    elif len(size_t) == 5:
        if theta.dim() != 3 or shape[-2:] != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got {theta.shape}."
            )
        spatial = size_t[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    elif min(size_t) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return affine_grid_generator(theta, size_t, align_corners)
