"""Building tensors out of others: index grids, products, block diagonals, out-of-place scatters.

``tril_indices``/``triu_indices`` list the coordinates of a triangle; ``cartesian_prod``
and ``combinations`` stack the elements of 1-D tensors into rows; ``block_diag`` lays
matrices along a diagonal; ``diagonal_scatter``/``select_scatter``/``slice_scatter`` are
the out-of-place writes into a view (the adjoints of ``diagonal``/``select``/slicing);
``narrow_copy`` is ``narrow`` as a fresh tensor; ``index_reduce`` reduces whole slices of
``source`` into ``input`` along a dim (``scatter_reduce`` with a 1-D index).

Example:
    >>> import ember
    >>> ember.tril_indices(2, 2).tolist()
    [[0, 1, 1], [0, 0, 1]]
    >>> ember.slice_scatter(ember.zeros(4), ember.ones(2), start=1, end=3).tolist()
    [0.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .creation import _finish
from .indexing import _type_letter, masked_select
from .inplace import inplace_method
from .joining import meshgrid, stack
from .scatter_gather import (
    ScatterReduce,
    _check_bounds,
    _check_source,
    _check_vector_index,
    _dim_size,
)
from .strided import Diagonal, Slice, SliceScatter, diagonal_geometry, diagonal_view

__all__ = [
    "block_diag",
    "cartesian_prod",
    "combinations",
    "diagonal_scatter",
    "index_reduce",
    "narrow_copy",
    "select_scatter",
    "slice_scatter",
    "tril_indices",
    "triu_indices",
]


def _int_arg(value, op: str, name: str, position: int) -> int:
    """``value`` as a Python int, or torch's TypeError for a non-integer argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not {type(value).__name__}")
    return int(value)


def _src_size_error(op: str, src_shape, slice_shape) -> RuntimeError:
    return RuntimeError(
        f"{op}(): expected src to have a size equal to the slice of self. "
        f"src size = {shape_str(src_shape)}, slice size = {shape_str(slice_shape)}"
    )


def _check_tensor(value, op: str, name: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


# ------------------------------------------------------------ triangle indices
def _triangle_indices(op: str, np_fn, row, col, offset, dtype, device) -> Tensor:
    row = _int_arg(row, op, "row", 1)
    col = _int_arg(col, op, "col", 2)
    offset = _int_arg(offset, op, "offset", 3)
    dtype = _dtype.int64 if dtype is None else dtype
    if dtype not in (_dtype.int64, _dtype.int32):  # torch has kernels for these two only
        raise NotImplementedError(f'"{op}" not implemented for \'{_type_letter(dtype.numpy_dtype)}\'')
    if row < 0:
        raise RuntimeError(f"{op}(): row must be non-negative, got {row}")
    if col < 0:
        raise RuntimeError(f"{op}(): col must be non-negative, got {col}")
    rows, cols = np_fn(row, offset, col)  # row-major order, as torch lists them
    coords = np.stack([rows, cols]).astype(np.int64, copy=False).reshape(2, -1)
    return _finish(coords, dtype, device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None, pin_memory=False) -> Tensor:
    """The coordinates of the lower triangle of a ``row x col`` matrix, as a ``(2, N)`` tensor.

    ``offset`` moves the diagonal that bounds the triangle (positive: above the main one).

    Example:
        >>> import ember
        >>> ember.tril_indices(3, 3, -1).tolist()
        [[1, 2, 2], [0, 0, 1]]
    """
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None, pin_memory=False) -> Tensor:
    """The coordinates of the upper triangle of a ``row x col`` matrix, as a ``(2, N)`` tensor.

    Example:
        >>> import ember
        >>> ember.triu_indices(2, 3, 1).tolist()
        [[0, 0, 1], [1, 2, 2]]
    """
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


# ------------------------------------------------------- products of 1-D tensors
def _check_vectors(tensors, op: str) -> None:
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._array.ndim != 1:
            raise RuntimeError(f"{op}(): Expect a 1D vector, but got shape {shape_str(t._array.shape)}")


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one combination per row.

    With a single tensor the tensor itself is returned (as torch does).

    Example:
        >>> import ember
        >>> ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("cartesian_prod(): meshgrid expects a non-empty TensorList")
    _check_vectors(tensors, "cartesian_prod")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` subsequences of a 1-D tensor (as ``itertools.combinations``), one per row.

    ``with_replacement=True`` lets an element repeat (``combinations_with_replacement``).

    Example:
        >>> import ember
        >>> ember.combinations(ember.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    _check_tensor(input, "combinations", "input")
    _check_vectors([input], "combinations")
    r = _int_arg(r, "combinations", "r", 2)
    if r < 0:
        raise RuntimeError(f"combinations(): Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._from_array(xp_of(input._array).empty((0,), input._array.dtype))
    n = input._array.shape[0]
    # as torch: an r-dim grid of the input, masked to the increasing (non-decreasing) index tuples
    coords = np.indices((n,) * r, sparse=True)
    keep = np.ones((n,) * r, dtype=bool)
    for left, right in itertools.pairwise(coords):
        keep &= (left <= right) if with_replacement else (left < right)
    mask = Tensor._from_array(keep)
    grids = meshgrid(*([input] * r), indexing="ij")
    return stack([masked_select(g, mask) for g in grids], dim=1)


# --------------------------------------------------------------------- block_diag
class BlockDiag(Function):
    _array_forward = True
    _backward_name = "BlockDiagBackward0"

    @staticmethod
    def forward(ctx, *arrays, np_dtype=None):
        ctx.shapes = [a.shape for a in arrays]
        blocks = [a.reshape(_block_shape(a.shape)) for a in arrays]
        rows = sum(b.shape[0] for b in blocks)
        cols = sum(b.shape[1] for b in blocks)
        out = xp_of(*arrays).zeros((rows, cols), np_dtype)
        r = c = 0
        for b in blocks:  # a loop over the inputs, not over elements
            out[r : r + b.shape[0], c : c + b.shape[1]] = b
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    @staticmethod
    def backward(ctx, grad):
        grads = []
        r = c = 0
        for shape in ctx.shapes:
            nr, nc = _block_shape(shape)
            grads.append(grad[r : r + nr, c : c + nc].reshape(shape))
            r, c = r + nr, c + nc
        return tuple(grads)


def _block_shape(shape) -> tuple:
    """A 0-d input is a 1x1 block, a 1-D one a single row."""
    if len(shape) == 2:
        return tuple(shape)
    return (1, shape[0]) if len(shape) == 1 else (1, 1)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block diagonal matrix of the inputs (0-d, 1-D or 2-D), dtypes promoted together.

    Example:
        >>> import ember
        >>> ember.block_diag(ember.tensor([[1, 2]]), ember.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._array.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {i} has {t._array.ndim} dimensions (shape {shape_str(t._array.shape)})"
            )
    if not tensors:  # torch answers an empty (1, 0) matrix of the default dtype
        return Tensor._from_array(np.zeros((1, 0), _dtype.get_default_dtype().numpy_dtype))
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = _dtype.promote_types(result, t.dtype)
    return BlockDiag.apply(*tensors, np_dtype=result.numpy_dtype)


# ----------------------------------------------------- writes into a view, out of place
class DiagonalScatterFunction(Function):
    """``diagonal_scatter``: a copy of ``a`` with ``src`` written on a diagonal."""

    _array_forward = True
    _backward_name = "DiagonalScatterBackward0"

    @staticmethod
    def forward(ctx, a, src, offset=0, dim1=0, dim2=1):
        ctx.params = (offset, dim1, dim2)
        ctx.src_shape = src.shape
        out = a.copy()
        diagonal_view(out, offset, dim1, dim2)[...] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        offset, dim1, dim2 = ctx.params
        grad_a = grad_src = None
        if ctx.needs_input_grad[0]:
            zeros = Tensor._from_array(xp_of(grad._array).zeros(ctx.src_shape, grad._array.dtype))
            grad_a = DiagonalScatterFunction.apply(grad, zeros, offset=offset, dim1=dim1, dim2=dim2)
        if ctx.needs_input_grad[1]:
            grad_src = Diagonal.apply(grad, offset=offset, dim1=dim1, dim2=dim2)
        return grad_a, grad_src


class KeyScatter(Function):
    """A copy of ``a`` with ``src`` written at a basic key (ints and slices)."""

    _array_forward = True
    _backward_name = "SliceScatterBackward0"

    @staticmethod
    def forward(ctx, a, src, key=()):
        ctx.key = key
        ctx.src_shape = src.shape
        out = a.copy()
        out[key + (Ellipsis,)] = src
        return out

    @classmethod
    def _backward(cls, ctx, grad):
        grad_a = grad_src = None
        if ctx.needs_input_grad[0]:
            zeros = Tensor._from_array(xp_of(grad._array).zeros(ctx.src_shape, grad._array.dtype))
            grad_a = cls.apply(grad, zeros, key=ctx.key)
        if ctx.needs_input_grad[1]:
            grad_src = Slice.apply(grad, key=ctx.key)
        return grad_a, grad_src

    @staticmethod
    def backward(ctx, grad):
        return KeyScatter._backward(ctx, grad)


class SelectScatterFunction(KeyScatter):
    _backward_name = "SelectScatterBackward0"

    @staticmethod
    def backward(ctx, grad):
        return SelectScatterFunction._backward(ctx, grad)


def _check_scatter_inputs(input, src, op: str) -> None:
    _check_tensor(input, op, "input")
    _check_tensor(src, op, "src")
    if src.requires_grad and is_grad_enabled() and input._array.dtype.kind not in "fV":
        # the result takes input's dtype, which cannot carry the gradient src asks for
        raise RuntimeError(
            f"{op}(): Autograd not support dtype: {_type_letter(input._array.dtype)} "
            f"(input {shape_str(input._array.shape)} is not floating point but src requires grad)"
        )


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written on the diagonal ``input.diagonal(offset, dim1, dim2)``.

    ``src`` is cast to ``input``'s dtype; gradients flow to both.

    Example:
        >>> import ember
        >>> ember.diagonal_scatter(ember.zeros(2, 2), ember.ones(2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    _check_scatter_inputs(input, src, "diagonal_scatter")
    shape = input._array.shape
    d1 = normalize_dim(operator.index(dim1), len(shape))
    d2 = normalize_dim(operator.index(dim2), len(shape))
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    slice_shape, _, _ = diagonal_geometry(shape, (0,) * len(shape), offset, d1, d2)
    if src._array.shape != slice_shape:
        raise _src_size_error("diagonal_scatter", src._array.shape, slice_shape)
    return DiagonalScatterFunction.apply(input, src, offset=offset, dim1=d1, dim2=d2)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim`` (``out.select(dim, index) = src``).

    Example:
        >>> import ember
        >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 1).tolist()
        [[0.0, 0.0], [1.0, 1.0]]
    """
    _check_scatter_inputs(input, src, "select_scatter")
    shape = input._array.shape
    if not shape:
        raise IndexError("select_scatter(): select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(operator.index(dim), len(shape))
    index = operator.index(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(
            f"select_scatter(): index {index} out of range for tensor of size {shape_str(shape)} at dimension {d}"
        )
    slice_shape = shape[:d] + shape[d + 1 :]
    if src._array.shape != slice_shape:
        raise _src_size_error("select_scatter", src._array.shape, slice_shape)
    key = (slice(None),) * d + (index % shape[d],)
    return SelectScatterFunction.apply(input, src, key=key)


def _optional_int(value):
    return None if value is None else operator.index(value)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``start:end:step`` along ``dim``.

    ``start`` and ``end`` are clamped to the dim as in Python slicing; ``step`` must be positive.

    Example:
        >>> import ember
        >>> ember.slice_scatter(ember.zeros(2, 4), ember.ones(2, 2), 1, step=2).tolist()
        [[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]]
    """
    _check_scatter_inputs(input, src, "slice_scatter")
    shape = input._array.shape
    if not shape:
        raise IndexError("slice_scatter(): slice() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(operator.index(dim), len(shape))
    step = operator.index(step)
    if step <= 0:
        raise RuntimeError(f"slice_scatter(): slice step must be positive, got {step}")
    start, stop, step = slice(_optional_int(start), _optional_int(end), step).indices(shape[d])
    stop = max(stop, start)
    span = slice(start, stop, step)
    slice_shape = shape[:d] + (len(range(start, stop, step)),) + shape[d + 1 :]
    if src._array.shape != slice_shape:
        raise _src_size_error("slice_scatter", src._array.shape, slice_shape)
    key = (slice(None),) * d + (span,)
    return KeyScatter.apply(input, src, key=key)


# --------------------------------------------------------------------- narrow_copy
class NarrowCopy(Function):
    _array_forward = True
    _backward_name = "NarrowCopyBackward0"

    @staticmethod
    def forward(ctx, a, key=()):
        ctx.key = key
        ctx.in_shape = a.shape
        return a[key].copy()

    @staticmethod
    def backward(ctx, grad):
        return SliceScatter.apply(grad, key=ctx.key, shape=ctx.in_shape)


def narrow_copy(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``input.narrow(dim, start, length)`` as a new tensor that shares no memory with ``input``.

    Example:
        >>> import ember
        >>> ember.arange(5).narrow_copy(0, 1, 3).tolist()
        [1, 2, 3]
    """
    _check_tensor(input, "narrow_copy", "input")
    shape = input._array.shape
    if not shape:
        raise RuntimeError("narrow_copy(): narrow() cannot be applied to a 0-dim tensor.")
    dim = operator.index(dim)
    if not -len(shape) <= dim < len(shape):
        raise RuntimeError(
            f"narrow_copy(): dim {dim} is out of range for a tensor of shape {shape_str(shape)}"
        )
    d = dim % len(shape)
    start = operator.index(start)
    length = operator.index(length)
    size = shape[d]
    if not -size <= start <= size:
        raise IndexError(
            f"narrow_copy(): start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(
            f"narrow_copy(): start ({start}) + length ({length}) exceeds dimension size ({size}) "
            f"of a tensor of shape {shape_str(shape)}."
        )
    key = (slice(None),) * d + (slice(start, start + length),)
    return NarrowCopy.apply(input, key=key)


# -------------------------------------------------------------------- index_reduce
class IndexReduce(ScatterReduce):
    """``index_reduce`` is ``scatter_reduce`` with the 1-D index spread over ``source``'s shape."""

    _backward_name = "IndexReduceBackward0"


_INDEX_REDUCE_WARNED = []  # torch warns once per process that the API is in beta


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """Reduce the slices of ``source`` into a copy of ``input`` at the slices ``index`` along ``dim``.

    ``reduce`` is ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``; with
    ``include_self=False`` the original values of the indexed slices are left out.

    Example:
        >>> import ember
        >>> x = ember.ones(3, 2)
        >>> src = ember.tensor([[2.0, 3.0], [4.0, 5.0]])
        >>> x.index_reduce(0, ember.tensor([0, 0]), src, "prod").tolist()
        [[8.0, 15.0], [1.0, 1.0], [1.0, 1.0]]
    """
    if not _INDEX_REDUCE_WARNED:
        _INDEX_REDUCE_WARNED.append(True)
        warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    _check_tensor(input, "index_reduce", "input")
    _check_tensor(source, "index_reduce", "source")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    idx = _check_vector_index(index, "index_reduce_")
    shape = input._array.shape
    d = normalize_dim(operator.index(dim), len(shape))
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(
            f"index_reduce_(): self ({_type_letter(input._array.dtype)}) and source "
            f"({_type_letter(source._array.dtype)}) must have the same scalar type"
        )
    if input._array.dtype == np.bool_:
        raise NotImplementedError("\"index_reduce\" not implemented for 'Bool'")
    src_shape = source._array.shape
    _check_source(shape, idx, src_shape, d, "index_reduce_")
    _check_bounds(idx, _dim_size(shape, d), d, IndexError, "index_reduce_(): ")
    # pair every element of source with its destination slice: the index along dim
    if not src_shape:
        # a 0-d source reduces as a 1-element vector: scatter_reduce's product gradient
        # assumes a source of at least one dim
        source, src_shape = source.reshape(1), (1,)
    xp = xp_of(idx)
    along = [1] * len(src_shape)
    along[d] = -1
    full_index = xp.broadcast_to(idx.astype(np.int64).reshape(along), src_shape).copy()  # 0-d stays 0-d
    return IndexReduce.apply(input, full_index, source, dim=d, reduce=reduce, include_self=include_self)


bind_methods(
    diagonal_scatter=diagonal_scatter,
    select_scatter=select_scatter,
    slice_scatter=slice_scatter,
    narrow_copy=narrow_copy,
    index_reduce=index_reduce,
    index_reduce_=inplace_method(index_reduce, "index_reduce_"),
)
