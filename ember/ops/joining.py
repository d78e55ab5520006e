"""Joining and splitting: cat, stack and their variants (copies); split, chunk,
tensor_split, unbind (views); meshgrid (broadcast views).

Like torch, ``split``/``chunk``/``unbind`` return views made by one multi-output
node, and writing into them in place while autograd records raises; ``tensor_split``
returns independent slices, which may be written.

Example:
    >>> import ember
    >>> a, b = ember.arange(6).split([2, 4])
    >>> ember.cat([b, a]).tolist()
    [2, 3, 4, 5, 0, 1]
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import maybe_out
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .shape import (
    MULTI_OUTPUT,
    _as_int,
    _at_least_1d,
    _at_least_2d,
    _at_least_3d,
    array_function_class,
    make_view,
    reshape,
)
from .strided import Slice, expand

__all__ = [
    "cat",
    "chunk",
    "column_stack",
    "concat",
    "concatenate",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "meshgrid",
    "row_stack",
    "split",
    "stack",
    "tensor_split",
    "unbind",
    "vsplit",
    "vstack",
]


# --------------------------------------------------------------------- joining
def _check_tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _common_dtype(tensors):
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = _dtype.promote_types(result, t.dtype)
    return result.numpy_dtype


def _is_legacy_empty(t: Tensor) -> bool:
    """torch's cat skips 1-D empty tensors whatever the other shapes are."""
    return t._array.shape == (0,)


class Cat(Function):
    _array_forward = True
    _backward_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0, np_dtype=None):
        ctx.dim = dim
        ctx.sizes = [None if a.shape == (0,) else a.shape[dim] for a in arrays]
        parts = [a.astype(np_dtype, copy=False) for a in arrays if a.shape != (0,)]
        xp = xp_of(*arrays)
        if not parts:
            return xp.empty((0,), np_dtype)
        return xp.concatenate(parts, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads = []
        offset = 0
        for size in ctx.sizes:
            if size is None:  # a skipped empty input gets an empty gradient
                grads.append(grad.reshape(-1).narrow(0, 0, 0))
                continue
            grads.append(grad.narrow(ctx.dim, offset, size))
            offset += size
        return tuple(grads)


def cat(tensors, dim: int = 0, *, axis: int | None = None, out=None) -> Tensor:
    """Concatenate tensors along an existing dim, promoting dtypes as torch does.

    Shapes must match except along ``dim``; 1-D empty tensors are skipped.

    Example:
        >>> import ember
        >>> ember.cat([ember.zeros(2, 1), ember.ones(2, 2)], dim=1).tolist()
        [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    if axis is not None:
        dim = axis
    tensors = _check_tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._array.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    shaped = [(i, t) for i, t in enumerate(tensors) if not _is_legacy_empty(t)]
    d = 0
    if shaped:
        ref = shaped[0][1]._array.shape
        d = normalize_dim(_as_int(dim, "dim"), len(ref))
        for i, t in shaped[1:]:
            shape = t._array.shape
            if len(shape) != len(ref):
                raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
            for k, (a, b) in enumerate(zip(ref, shape)):
                if k != d and a != b:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size {a} but "
                        f"got size {b} for tensor number {i} in the list."
                    )
    else:
        normalize_dim(_as_int(dim, "dim"), 1)
    result = Cat.apply(*tensors, dim=d, np_dtype=_common_dtype(tensors))
    return maybe_out(result, out)


concat = concatenate = cat


class Stack(Function):
    _array_forward = True
    _backward_name = "StackBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0, np_dtype=None):
        ctx.dim = dim
        return xp_of(*arrays).stack([a.astype(np_dtype, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return unbind(grad, ctx.dim)


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim ``dim``.

    Example:
        >>> import ember
        >>> ember.stack([ember.zeros(3), ember.ones(3)], dim=1).shape
        torch.Size([3, 2])
    """
    tensors = _check_tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._array.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._array.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {shape_str(ref)} at entry 0 and "
                f"{shape_str(t._array.shape)} at entry {i}"
            )
    d = normalize_dim(_as_int(dim, "dim"), len(ref) + 1)
    return maybe_out(Stack.apply(*tensors, dim=d, np_dtype=_common_dtype(tensors)), out)


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate column-wise: along dim 0 for 1-D tensors, else dim 1.

    Example:
        >>> import ember
        >>> ember.hstack([ember.zeros(2), ember.ones(1)]).tolist()
        [0.0, 0.0, 1.0]
    """
    tensors = [_at_least_1d(t) for t in _check_tensor_list(tensors, "hstack")]
    dim = 0 if tensors and tensors[0]._array.ndim == 1 else 1
    return cat(tensors, dim, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate row-wise (1-D tensors become rows).

    Example:
        >>> import ember
        >>> ember.vstack([ember.zeros(2), ember.ones(2)]).shape
        torch.Size([2, 2])
    """
    tensors = [_at_least_2d(t) for t in _check_tensor_list(tensors, "vstack")]
    return cat(tensors, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate depth-wise, along dim 2 of the tensors made at least 3-D.

    Example:
        >>> import ember
        >>> ember.dstack([ember.zeros(2), ember.ones(2)]).shape
        torch.Size([1, 2, 2])
    """
    tensors = [_at_least_3d(t) for t in _check_tensor_list(tensors, "dstack")]
    return cat(tensors, 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Stack 0-D/1-D tensors as columns (2-D ones as they are) side by side.

    Example:
        >>> import ember
        >>> ember.column_stack([ember.zeros(2), ember.ones(2)]).tolist()
        [[0.0, 1.0], [0.0, 1.0]]
    """
    tensors = _check_tensor_list(tensors, "column_stack")
    cols = [reshape(t, t._array.size, 1) if t._array.ndim <= 1 else t for t in tensors]
    return hstack(cols, out=out)


# ------------------------------------------------------------------- splitting
def _split_function(name: str, backward_name: str):
    """A multi-output view Function cutting ``dim`` into pieces of ``sizes``."""

    def forward(ctx, a, dim=0, sizes=()):
        ctx.dim = dim
        lead = (slice(None),) * dim
        pieces = []
        start = 0
        for size in sizes:
            pieces.append(a[lead + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim)

    return array_function_class(name, backward_name, forward, backward)


SplitEqual = _split_function("SplitEqual", "SplitBackward0")
SplitWithSizes = _split_function("SplitWithSizes", "SplitWithSizesBackward0")


def _split_views(input: Tensor, fn, d: int, sizes: tuple, remake) -> tuple:
    outs = fn.apply(input, dim=d, sizes=sizes)
    return tuple(
        make_view(o, input, (lambda x, i=i: remake(x)[i]), MULTI_OUTPUT) for i, o in enumerate(outs)
    )


def _split_equal(input: Tensor, split_size: int, d: int) -> tuple:
    size = input._array.shape[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
        )
    if split_size == 0:
        sizes = (0,)
    else:
        count = max((size + split_size - 1) // split_size, 1)
        sizes = tuple(min(split_size, size - i * split_size) for i in range(count))
    return _split_views(input, SplitEqual, d, sizes, lambda x: _split_equal(x, split_size, d))


def _split_with_sizes(input: Tensor, sizes: tuple, d: int) -> tuple:
    size = input._array.shape[d]
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={shape_str(sizes)}"
        )
    if sum(sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
            f"dimension {d}), but got split_sizes={shape_str(sizes)}"
        )
    return _split_views(input, SplitWithSizes, d, sizes, lambda x: _split_with_sizes(x, sizes, d))


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size`` (the last may be smaller),
    or of the listed sizes (views).

    Example:
        >>> import ember
        >>> [p.tolist() for p in ember.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    if tensor._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(_as_int(dim, "dim"), tensor._array.ndim)
    if isinstance(split_size_or_sections, (tuple, list)):
        return _split_with_sizes(tensor, tuple(_as_int(s) for s in split_size_or_sections), d)
    return _split_equal(tensor, _as_int(split_size_or_sections, "split_size"), d)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Cut into ``chunks`` nearly equal pieces (fewer when the dim is short; views).

    Example:
        >>> import ember
        >>> [p.shape[0] for p in ember.zeros(5).chunk(3)]
        [2, 2, 1]
    """
    chunks = _as_int(chunks, "chunks")
    if input._array.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(_as_int(dim, "dim"), input._array.ndim)
    size = input._array.shape[d]
    split_size = (size + chunks - 1) // chunks
    if split_size == 0 and size == 0:
        return _split_with_sizes(input, (0,) * chunks, d)
    return _split_equal(input, split_size, d)


def _slice_piece(input: Tensor, d: int, start: int, stop: int) -> Tensor:
    """``input[..., start:stop]`` along ``d`` as an independent view (SliceBackward0)."""
    key = (slice(None),) * d + (slice(start, stop),)
    out = Slice.apply(input, key=key)
    return make_view(out, input, lambda x: _slice_piece(x, d, start, stop))


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Cut into ``n`` nearly equal pieces (the first ones one longer), or at the given indices.

    Unlike ``split``, the pieces are independent views that may be written in place.

    Example:
        >>> import ember
        >>> [p.tolist() for p in ember.arange(5).tensor_split([1, 3])]
        [[0], [1, 2], [3, 4]]
    """
    ndim = input._array.ndim
    if ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    sections = indices_or_sections
    if isinstance(sections, Tensor):
        if sections._array.dtype != np.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{_dtype_title(sections.dtype)}"
            )
        if sections._array.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {sections._array.ndim} dims"
            )
        sections = sections.item() if sections._array.ndim == 0 else sections.tolist()
    d = normalize_dim(_as_int(dim, "dim"), ndim)
    size = input._array.shape[d]
    if isinstance(sections, (tuple, list)):
        bounds = [0] + [_as_int(i, "index") for i in sections] + [size]
        return tuple(_slice_piece(input, d, bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1))
    n = _as_int(sections, "sections")
    if n <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {n}")
    base, extra = divmod(size, n)
    pieces, start = [], 0
    for k in range(n):
        length = base + (1 if k < extra else 0)
        pieces.append(_slice_piece(input, d, start, start + length))
        start += length
    return tuple(pieces)


def _dtype_title(dt) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int", "bool": "Bool"}.get(
        dt._name, dt._name
    )


def _directional_split(name: str, min_dims: int, dim_for):
    def fn(input: Tensor, indices_or_sections) -> tuple:
        ndim = input._array.ndim
        if ndim < min_dims:
            raise RuntimeError(
                f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                f"with {ndim} dimensions!"
            )
        d = dim_for(ndim)
        if isinstance(indices_or_sections, (int, np.integer)):
            n = int(indices_or_sections)
            size = input._array.shape[d]
            if n == 0 or size % n:
                raise RuntimeError(
                    f"torch.{name} attempted to split along dimension {d}, but the size of the "
                    f"dimension {size} is not divisible by the split_size {n}!"
                )
        return tensor_split(input, indices_or_sections, d)

    fn.__name__ = name
    return fn


hsplit = _directional_split("hsplit", 1, lambda ndim: 0 if ndim == 1 else 1)
hsplit.__doc__ = "``tensor_split`` along dim 1 (dim 0 for 1-D); an int must divide the size."
vsplit = _directional_split("vsplit", 2, lambda ndim: 0)
vsplit.__doc__ = "``tensor_split`` along dim 0 of a tensor of at least 2 dims."
dsplit = _directional_split("dsplit", 3, lambda ndim: 2)
dsplit.__doc__ = "``tensor_split`` along dim 2 of a tensor of at least 3 dims."


class Unbind(Function):
    _array_forward = True
    _backward_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a, dim=0):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along ``dim``, without that dim (views; ``iter(x)`` uses it).

    Example:
        >>> import ember
        >>> [r.tolist() for r in ember.tensor([[1, 2], [3, 4]]).unbind(1)]
        [[1, 3], [2, 4]]
    """
    ndim = input._array.ndim
    if ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(_as_int(dim, "dim"), ndim)
    outs = Unbind.apply(input, dim=d)
    if not isinstance(outs, tuple):
        outs = (outs,)
    return tuple(
        make_view(o, input, (lambda x, i=i: unbind(x, d)[i]), MULTI_OUTPUT) for i, o in enumerate(outs)
    )


# -------------------------------------------------------------------- meshgrid
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors, as broadcast views of them.

    ``indexing='ij'`` gives shape (len(t0), len(t1), ...); ``'xy'`` swaps the first two.

    Example:
        >>> import ember
        >>> xs, ys = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="xy")
        >>> xs.tolist()
        [[0, 1, 2], [0, 1, 2]]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._array.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {shape_str(t._array.shape)}"
            )
    if any(t._array.dtype != tensors[0]._array.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    n = len(tensors)
    # position[i]: the output dim that tensor i varies along
    position = list(range(n))
    if indexing == "xy" and n >= 2:
        position[0], position[1] = 1, 0
    sizes = [0] * n
    for i, t in enumerate(tensors):
        sizes[position[i]] = t._array.size
    grids = []
    for i, t in enumerate(tensors):
        shape = [1] * n
        shape[position[i]] = t._array.size
        grids.append(expand(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(grids)


bind_methods(
    split=split,
    tensor_split=tensor_split,
    hsplit=hsplit,
    vsplit=vsplit,
    dsplit=dsplit,
    chunk=chunk,
    unbind=unbind,
)
