"""Shape ops that copy: repeat, tile, repeat_interleave, flip, roll, rot90, and the
triangle/diagonal builders tril, triu, diag, diag_embed, diagflat.

Their results own new memory (writes do not reach the input), as in torch.

Example:
    >>> import ember
    >>> x = ember.tensor([[1, 2], [3, 4]])
    >>> x.flip(0).tolist(), x.roll(1, 1).tolist(), x.repeat(1, 2).tolist()
    ([[3, 4], [1, 2]], [[2, 1], [4, 3]], [[1, 2, 1, 2], [3, 4, 3, 4]])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import maybe_out
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .inplace import inplace_method
from .shape import _as_int, _dim_list, _shape_args, flatten, unsqueeze
from .strided import DiagonalScatter

__all__ = [
    "diag",
    "diag_embed",
    "diagflat",
    "flip",
    "fliplr",
    "flipud",
    "repeat_interleave",
    "roll",
    "rot90",
    "tile",
    "tril",
    "triu",
]


# ---------------------------------------------------------------------- repeat
class Repeat(Function):
    _array_forward = True
    _backward_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, a, repeats=()):
        lead = len(repeats) - a.ndim
        padded = a.reshape((1,) * lead + a.shape)
        ctx.in_shape = a.shape
        ctx.padded = padded.shape
        ctx.repeats = repeats
        return xp_of(a).tile(padded, repeats)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.repeats:
            return grad
        # Interleave (repeat, size) pairs, then sum the repeat axes away.
        split = []
        for r, s in zip(ctx.repeats, ctx.padded):
            split += [r, s]
        summed = grad.reshape(tuple(split)).sum(dim=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.in_shape)


def _repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim (leading sizes add dims; a copy).

    Example:
        >>> import ember
        >>> ember.tensor([1, 2]).repeat(2, 2).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    repeats = _shape_args(sizes)
    shape = input._array.shape
    if len(repeats) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    padded = (1,) * (len(repeats) - len(shape)) + shape
    out_shape = tuple(r * s for r, s in zip(repeats, padded))
    if any(r < 0 for r in repeats):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(out_shape)}: {shape_str(out_shape)}"
        )
    return Repeat.apply(input, repeats=repeats)


def tile(input: Tensor, dims) -> Tensor:
    """``repeat`` with ``dims`` padded with leading 1s to the tensor's rank.

    Example:
        >>> import ember
        >>> ember.tile(ember.tensor([[1], [2]]), (2,)).tolist()
        [[1, 1], [2, 2]]
    """
    dims = tuple(_as_int(d) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    dims = (1,) * (input._array.ndim - len(dims)) + dims
    return _repeat(input, dims)


def _tile_method(self: Tensor, *dims) -> Tensor:
    return tile(self, _shape_args(dims))


class IndexSelect(Function):
    _array_forward = True
    _backward_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, a, dim=0, index=None):
        ctx.params = (a.shape, dim, index)
        return xp_of(a).take(a, xp_of(a).asarray(index), axis=dim)

    @staticmethod
    def backward(ctx, grad):
        shape, dim, index = ctx.params
        return IndexAdd.apply(grad, shape=shape, dim=dim, index=index)


class IndexAdd(Function):
    """Zeros of ``shape`` plus ``values`` added at ``index`` along ``dim`` (the adjoint)."""

    _array_forward = True
    _backward_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, values, shape=(), dim=0, index=None):
        ctx.params = (dim, index)
        xp = xp_of(values)
        out = xp.zeros(shape, values.dtype)
        moved = xp.moveaxis(out, dim, 0)  # a view: adding into it fills ``out``
        xp.add.at(moved, xp.asarray(index), xp.moveaxis(values, dim, 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, index = ctx.params
        return IndexSelect.apply(grad, dim=dim, index=index)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``.

    Without ``dim`` the input is flattened first.  ``repeat_interleave(counts)`` alone
    gives ``arange(len(counts))`` with each index repeated ``counts[i]`` times.

    Example:
        >>> import ember
        >>> ember.tensor([1, 2]).repeat_interleave(2).tolist()
        [1, 1, 2, 2]
        >>> ember.repeat_interleave(ember.tensor([2, 1])).tolist()
        [0, 0, 1]
    """
    if repeats is None:
        counts = _repeat_counts(input, None)
        return Tensor._from_array(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input = flatten(input)
        d = 0
    else:
        d = normalize_dim(_as_int(dim, "dim"), input._array.ndim)
    if input._array.ndim == 0:
        input = input.reshape(1)
    if not isinstance(repeats, Tensor):
        repeats = _as_int(repeats, "repeats")
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        # torch's composite: a broadcast copy of each element, merged into the dim
        shape = list(input._array.shape)
        expanded = unsqueeze(input, d + 1).expand(*shape[: d + 1], repeats, *shape[d + 1 :])
        return flatten(expanded.clone(), d, d + 1)
    counts = _repeat_counts(repeats, input._array.shape[d])
    index = np.repeat(np.arange(input._array.shape[d], dtype=np.int64), counts)
    return IndexSelect.apply(input, dim=d, index=index)


def _repeat_counts(repeats: Tensor, size: int | None):
    arr = np.asarray(repeats.__array__())
    if arr.dtype.kind not in "iu":
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_title(repeats.dtype)}'")
    if size is None:
        if arr.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    else:
        if arr.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if arr.size == 1:
            arr = np.full(size, arr.reshape(()))
        elif arr.shape[0] != size:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{arr.shape[0]} and input.size(1) = {size}"
            )
    if (arr < 0).any():
        raise RuntimeError("repeats can not be negative")
    return arr.astype(np.int64)


def _title(dt) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool"}.get(dt._name, dt._name)


# ---------------------------------------------------------------- flip and roll
class Flip(Function):
    _array_forward = True
    _backward_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        key = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(a.ndim))
        return xp_of(a).ascontiguousarray(a[key])

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, dims=ctx.dims)


def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy).

    Example:
        >>> import ember
        >>> ember.flip(ember.tensor([[1, 2], [3, 4]]), [1]).tolist()
        [[2, 1], [4, 3]]
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return Flip.apply(input, dims=_dim_list(tuple(dims), input._array.ndim, "flip"))


def fliplr(input: Tensor) -> Tensor:
    """Flip left-right (dim 1) a tensor of at least 2 dims."""
    if input._array.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Flip up-down (dim 0) a tensor of at least 1 dim."""
    if input._array.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Function):
    _array_forward = True
    _backward_name = "RollBackward0"

    @staticmethod
    def forward(ctx, a, shifts=(), dims=None):
        ctx.shifts, ctx.dims = shifts, dims
        return xp_of(a).roll(a, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        shifts = -ctx.shifts if isinstance(ctx.shifts, int) else tuple(-s for s in ctx.shifts)
        return Roll.apply(grad, shifts=shifts, dims=ctx.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements circularly along ``dims`` (over the flattened tensor without dims).

    Example:
        >>> import ember
        >>> ember.tensor([1, 2, 3, 4]).roll(1).tolist()
        [4, 1, 2, 3]
    """
    shifts = tuple(_as_int(s, "shifts") for s in (shifts if isinstance(shifts, (tuple, list)) else (shifts,)))
    if dims is not None:
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if not shifts:
        raise RuntimeError("`shifts` required")
    n_dims = 0 if dims is None else len(dims)
    if (dims is None and len(shifts) != 1) or (dims is not None and len(shifts) != n_dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{n_dims}")
    if dims is not None:
        dims = tuple(normalize_dim(_as_int(d, "dim"), input._array.ndim) for d in dims)
    return Roll.apply(input, shifts=shifts if dims is not None else shifts[0], dims=dims)


class Rot90(Function):
    _array_forward = True
    _backward_name = "Rot90Backward0"

    @staticmethod
    def forward(ctx, a, k=1, dims=(0, 1)):
        ctx.k, ctx.dims = k, dims
        d0, d1 = dims
        xp = xp_of(a)
        if k == 0:
            return a.copy()
        if k == 2:
            return xp.ascontiguousarray(xp.flip(a, (d0, d1)))
        # torch's layout: a flipped copy seen through a transpose (not contiguous)
        flipped = xp.ascontiguousarray(xp.flip(a, d1 if k == 1 else d0))
        return flipped.swapaxes(d0, d1)

    @staticmethod
    def backward(ctx, grad):
        return Rot90.apply(grad, k=(-ctx.k) % 4, dims=ctx.dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first toward the second).

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).rot90().tolist()
        [[2, 4], [1, 3]]
    """
    dims = tuple(dims)
    ndim = input._array.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = (_as_int(d, "dim") for d in dims)
    if d0 == d1 or abs(d0 - d1) == ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    d0, d1 = normalize_dim(d0, ndim), normalize_dim(d1, ndim)
    return Rot90.apply(input, k=_as_int(k, "k") % 4, dims=(d0, d1))


# ----------------------------------------------------------- triangles, diagonals
class Tril(Function):
    _array_forward = True
    _backward_name = "TrilBackward0"

    @staticmethod
    def forward(ctx, a, diagonal=0):
        ctx.diagonal = diagonal
        return xp_of(a).ascontiguousarray(xp_of(a).tril(a, diagonal))

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, diagonal=ctx.diagonal)


class Triu(Function):
    _array_forward = True
    _backward_name = "TriuBackward0"

    @staticmethod
    def forward(ctx, a, diagonal=0):
        ctx.diagonal = diagonal
        return xp_of(a).ascontiguousarray(xp_of(a).triu(a, diagonal))

    @staticmethod
    def backward(ctx, grad):
        return Triu.apply(grad, diagonal=ctx.diagonal)


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere.

    Example:
        >>> import ember
        >>> ember.ones(2, 2).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    if input._array.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return maybe_out(Tril.apply(input, diagonal=_as_int(diagonal, "diagonal")), out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere.

    Example:
        >>> import ember
        >>> ember.ones(2, 2).triu(1).tolist()
        [[0.0, 1.0], [0.0, 0.0]]
    """
    if input._array.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return maybe_out(Triu.apply(input, diagonal=_as_int(diagonal, "diagonal")), out)


class DiagEmbed(DiagonalScatter):
    """Zeros with the last dim of the input written on a diagonal plane."""

    _backward_name = "DiagEmbedBackward0"


class DiagonalCopy(Function):
    _array_forward = True
    _backward_name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx, a, offset=0):
        ctx.params = (a.shape, offset)
        return xp_of(a).diagonal(a, offset).copy()

    @staticmethod
    def backward(ctx, grad):
        shape, offset = ctx.params
        return DiagonalScatter.apply(grad, shape=shape, offset=offset, dim1=0, dim2=1)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) with the last dim of ``input``
    on their ``offset`` diagonal.

    Example:
        >>> import ember
        >>> ember.diag_embed(ember.tensor([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """
    ndim = input._array.ndim + 1
    d1 = normalize_dim(_as_int(dim1, "dim1"), ndim)
    d2 = normalize_dim(_as_int(dim2, "dim2"), ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _as_int(offset, "offset")
    n = input._array.shape[-1] + abs(offset)
    shape = list(input._array.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return DiagEmbed.apply(input, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """1-D in: a matrix with it on diagonal ``diagonal``; 2-D in: that diagonal (a copy).

    Example:
        >>> import ember
        >>> ember.diag(ember.tensor([[1, 2], [3, 4]])).tolist()
        [1, 4]
    """
    ndim = input._array.ndim
    if ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif ndim == 2:
        result = DiagonalCopy.apply(input, offset=_as_int(diagonal, "diagonal"))
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return maybe_out(result, out)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A matrix with the flattened input on diagonal ``offset``.

    Example:
        >>> import ember
        >>> ember.diagflat(ember.tensor([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return diag_embed(flatten(input), offset, 0, 1)


bind_methods(
    repeat=_repeat,
    tile=_tile_method,
    repeat_interleave=repeat_interleave,
    flip=flip,
    fliplr=fliplr,
    flipud=flipud,
    roll=roll,
    rot90=rot90,
    tril=tril,
    triu=triu,
    tril_=inplace_method(tril, "tril_"),
    triu_=inplace_method(triu, "triu_"),
    diag=diag,
    diag_embed=diag_embed,
    diagflat=diagflat,
)
