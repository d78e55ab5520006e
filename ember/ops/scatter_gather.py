"""Gather/scatter along a dimension and the ``index_*`` family.

``gather``/``scatter*`` pair every element of an ``index`` tensor (same number of dims
as the input) with a position: along ``dim`` the index value, elsewhere the element's
own coordinate.  ``index_select``/``index_add``/``index_copy``/``index_fill`` take a
1-D ``index`` that picks whole slices along ``dim``.  Backward passes are written
with these same ops, so they are differentiable twice; repeated indices accumulate.

Example:
    >>> import ember
    >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ember.gather(x, 1, ember.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import maybe_out
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .indexing import _type_letter, add_at
from .inplace import inplace_method

__all__ = [
    "gather",
    "index_add",
    "index_copy",
    "index_fill",
    "index_select",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take_along_dim",
]


# ------------------------------------------------------------ shared helpers
def _zeros(shape, like) -> Tensor:
    return Tensor._from_array(xp_of(like).zeros(shape, like.dtype))


def _dim_size(shape, d) -> int:
    return shape[d] if shape else 1


def _check_index_dtype(index, op: str):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    arr = index._array
    if arr.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    return arr


class IndexOutOfRangeError(IndexError, RuntimeError):
    """An index out of range where torch raises IndexError or RuntimeError by case;
    ``except IndexError`` and ``except RuntimeError`` both catch it."""


def _check_bounds(index, size: int, dim: int, error=RuntimeError, prefix: str = "", allow_negative: bool = False) -> None:
    """Raise ``error`` naming the first index outside ``[0, size)`` (or ``[-size, size)``)."""
    if index.size == 0:
        return
    low = -size if allow_negative else 0
    bad = (index >= size) | (index < low)
    if bad.any():
        raise error(
            f"{prefix}index {int(index[bad].ravel()[0])} is out of bounds for dimension {dim} with size {size}"
        )


def _along_dim_key(index, dim: int):
    """The full NumPy key pairing ``index`` (along ``dim``) with each element's coordinates."""
    xp = xp_of(index)
    ndim = index.ndim
    key = []
    for d, n in enumerate(index.shape):
        if d == dim:
            key.append(index)
        else:
            shape = [1] * ndim
            shape[d] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


def _leading_block(shape) -> tuple:
    return tuple(slice(0, n) for n in shape)


def _check_gather_shapes(self_shape, index_shape, dim: int, op: str) -> None:
    if len(index_shape) != len(self_shape) and not (len(index_shape) <= 1 and len(self_shape) <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {op} tensor")
    for d in range(len(index_shape)):
        if d != dim and index_shape[d] > _dim_size(self_shape, d):
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {shape_str(index_shape)} to be no "
                f"larger than self {shape_str(self_shape)} apart from dimension {dim}"
            )


def _check_scatter_shapes(self_shape, index_shape, src_shape, dim: int) -> None:
    if len(index_shape) != len(self_shape) and not (len(index_shape) <= 1 and len(self_shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src_shape is not None and len(src_shape) != len(index_shape) and not (len(index_shape) <= 1 and len(src_shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for d in range(len(index_shape)):
        too_big = (d != dim and index_shape[d] > _dim_size(self_shape, d)) or (
            src_shape is not None and index_shape[d] > _dim_size(src_shape, d)
        )
        if too_big:
            raise RuntimeError(
                f"Expected index {shape_str(index_shape)} to be no larger than self {shape_str(self_shape)} "
                f"apart from dimension {dim}"
                + (f" and to be no larger size than src {shape_str(src_shape)}" if src_shape is not None else "")
            )


def _as_1d(arr):
    return arr.reshape(1) if arr.ndim == 0 else arr


# -------------------------------------------------------------------- gather
def _gather_array(a, index, dim: int):
    out = _as_1d(a)[_along_dim_key(_as_1d(index), dim)]
    return xp_of(a).asarray(out).reshape(index.shape)


class Gather(Function):
    _array_forward = True
    _backward_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, a, index, dim=0):
        ctx.shape = a.shape
        ctx.index = index
        ctx.dim = dim
        return _gather_array(a, index, dim)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(_zeros(ctx.shape, grad._array), ctx.index, grad, dim=ctx.dim), None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (for dim=0): values picked along ``dim``.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).gather(1, ember.tensor([[1], [0]]))
        tensor([[2],
                [3]])
    """
    idx = _check_index_dtype(index, "gather")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    _check_gather_shapes(shape, idx.shape, d, "input")
    _check_bounds(idx, _dim_size(shape, d), d)
    return maybe_out(Gather.apply(input, idx, dim=d), out)


# ------------------------------------------------------------------- scatter
class Scatter(Function):
    _array_forward = True
    _backward_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, a, index, src, dim=0):
        ctx.index = index
        ctx.dim = dim
        ctx.src_shape = src.shape
        out = a.copy()
        idx = _as_1d(index)
        _as_1d(out)[_along_dim_key(idx, dim)] = _as_1d(src)[_leading_block(idx.shape)]
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_a = ScatterValue.apply(grad, ctx.index, 0.0, dim=ctx.dim)
        if ctx.needs_input_grad[2]:
            grad_src = _pad_to(Gather.apply(grad, ctx.index, dim=ctx.dim), ctx.src_shape)
        return grad_a, None, grad_src


class ScatterValue(Function):
    _array_forward = True
    _backward_name = "ScatterBackward1"

    @staticmethod
    def forward(ctx, a, index, value=0.0, dim=0):
        ctx.index = index
        ctx.dim = dim
        out = a.copy()
        _as_1d(out)[_along_dim_key(_as_1d(index), dim)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return ScatterValue.apply(grad, ctx.index, 0.0, dim=ctx.dim), None, None


class ScatterWithReduce(Function):
    """The legacy ``scatter(..., reduce='add'|'multiply')``: torch has no derivative for it."""

    _array_forward = True
    _backward_name = "ScatterReduceBackward1"

    @staticmethod
    def forward(ctx, a, index, src, dim=0, reduce="add"):
        out = a.copy()
        idx = _as_1d(index)
        key = _along_dim_key(idx, dim)
        values = src if np.ndim(src) == 0 else _as_1d(src)[_leading_block(idx.shape)]
        values = xp_of(a).broadcast_to(xp_of(a).asarray(values, dtype=a.dtype), idx.shape)
        if reduce == "add":
            add_at(_as_1d(out), key, values)
        else:
            np.multiply.at(_as_1d(out), key, values)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def _check_same_dtype(self: Tensor, src: Tensor, op: str) -> None:
    if self._array.dtype != src._array.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """Write ``src`` (a tensor or a number) into a copy of ``input`` at ``index`` along ``dim``.

    ``reduce='add'`` or ``'multiply'`` combines instead of overwriting.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is None:
        if value is None:
            raise TypeError("scatter() missing required argument 'src' (or 'value')")
        src = value
    idx = _check_index_dtype(index, "scatter")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    src_is_tensor = isinstance(src, Tensor)
    _check_scatter_shapes(shape, idx.shape, src._array.shape if src_is_tensor else None, d)
    _check_bounds(idx, _dim_size(shape, d), d)
    if src_is_tensor:
        _check_same_dtype(input, src, "scatter")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if src_is_tensor:
            import warnings

            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed "
                "in a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                UserWarning,
                stacklevel=2,
            )
        return ScatterWithReduce.apply(input, idx, src, dim=d, reduce=reduce)
    if src_is_tensor:
        return Scatter.apply(input, idx, src, dim=d)
    return ScatterValue.apply(input, idx, src, dim=d)


class ScatterAdd(Function):
    _array_forward = True
    _backward_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, a, index, src, dim=0):
        ctx.index = index
        ctx.dim = dim
        ctx.src_shape = src.shape
        out = a.copy()
        idx = _as_1d(index)
        add_at(_as_1d(out), _along_dim_key(idx, dim), _as_1d(src)[_leading_block(idx.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_src = None
        if ctx.needs_input_grad[2]:
            grad_src = _pad_to(Gather.apply(grad, ctx.index, dim=ctx.dim), ctx.src_shape)
        return grad, None, grad_src


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim`` (repeats accumulate).

    Example:
        >>> import ember
        >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0, 2]), ember.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    idx = _check_index_dtype(index, "scatter_add")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    _check_scatter_shapes(shape, idx.shape, src._array.shape, d)
    _check_bounds(idx, _dim_size(shape, d), d)
    _check_same_dtype(input, src, "scatter_add")
    return ScatterAdd.apply(input, idx, src, dim=d)


# ------------------------------------------------------------ scatter_reduce
_UFUNC_AT = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _scatter_reduce_arrays(a, index, src, dim, reduce, include_self):
    """(result, count of values reduced at each position) for scatter_reduce."""
    xp = xp_of(a)
    idx = _as_1d(index)
    key = _along_dim_key(idx, dim)
    values = _as_1d(src)[_leading_block(idx.shape)]
    out = a.copy()
    flat = _as_1d(out)
    scattered = xp.zeros(flat.shape, bool)
    scattered[key] = True
    if not include_self:
        identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if identity is None:  # amax/amin start from the first scattered value
            fill = _extreme(a.dtype, reduce)
            flat[scattered] = fill
        else:
            flat[scattered] = identity
    ufunc = _UFUNC_AT["sum" if reduce == "mean" else reduce]
    ufunc.at(flat, key, values)
    counts = xp.zeros(flat.shape, np.int64)
    add_at(counts, key, 1)
    if include_self:
        counts += 1
    if reduce == "mean":
        safe = xp.maximum(counts, 1)
        if a.dtype.kind == "f":
            flat[...] = flat / safe
        else:
            flat[...] = flat // safe
    return out, counts.reshape(a.shape), scattered.reshape(a.shape)


def _extreme(np_dtype, reduce):
    if np_dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if np_dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(np_dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Function):
    _array_forward = True
    _backward_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, a, index, src, dim=0, reduce="sum", include_self=True):
        out, counts, scattered = _scatter_reduce_arrays(a, index, src, dim, reduce, include_self)
        ctx.index = index
        ctx.dim = dim
        ctx.reduce = reduce
        ctx.include_self = include_self
        ctx.counts = counts
        ctx.scattered = scattered
        ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, src, out = ctx.saved_tensors
        index, dim, reduce = ctx.index, ctx.dim, ctx.reduce
        dt = grad._array.dtype
        src_block = src if src._array.shape == index.shape else src[_leading_block(index.shape)]
        # without include_self, the original value only survives where nothing was scattered
        kept = None if ctx.include_self else _const(~ctx.scattered, dt)
        if reduce == "sum":
            grad_a, grad_src = grad, Gather.apply(grad, index, dim=dim)
        elif reduce == "mean":
            scaled = grad / _const(np.maximum(ctx.counts, 1), dt)
            grad_a, grad_src = scaled, Gather.apply(scaled, index, dim=dim)
        elif reduce == "prod":
            grad_a, grad_src = _prod_grads(grad, a, src_block, index, dim, ctx.include_self)
        else:  # amax / amin: the gradient is split evenly between the values equal to the result
            # torch counts an excluded self value equal to the result as a tie too
            self_hit = a._array == out._array
            src_hit = src_block._array == _gather_array(out._array, index, dim)
            ties = self_hit.astype(np.int64)
            add_at(_as_1d(ties), _along_dim_key(_as_1d(index), dim), src_hit.astype(np.int64))
            share = grad / _const(np.maximum(ties, 1), dt)
            grad_a = share * _const(self_hit, dt)
            grad_src = Gather.apply(share, index, dim=dim) * _const(src_hit, dt)
        if kept is not None:
            grad_a = grad_a * kept
        grad_src = _pad_to(grad_src, src._array.shape) if ctx.needs_input_grad[2] else None
        return grad_a, None, grad_src


def _const(arr, dt) -> Tensor:
    return Tensor._from_array(arr.astype(dt))


def _pad_to(block: Tensor, shape) -> Tensor:
    """Zeros of ``shape`` with ``block`` in its leading corner (differentiably)."""
    from .indexing import IndexPut

    if block._array.shape == tuple(shape):
        return block
    zeros = _zeros(shape, block._array)
    return IndexPut.apply(zeros, block, basic=_leading_block(block._array.shape) + (Ellipsis,), advanced=None)


def _prod_grads(grad, a, src, index, dim, include_self):
    """Gradients of a product reduction, exact when some factors are zero.

    For a factor ``v`` of an output whose other factors multiply to ``q``, the
    gradient is ``q``.  With ``p`` the product of the non-zero factors and ``z`` the
    number of zero factors, ``q = p / v`` when ``v != 0`` and ``z == 0``, ``q = p`` when
    ``v == 0`` and ``z == 1``, and ``q = 0`` otherwise.
    """
    from .indexing import MaskedFill

    dt = grad._array.dtype
    key = _along_dim_key(_as_1d(index), dim)
    a_zero = a._array == 0
    src_zero = src._array == 0
    zero_count = (a_zero if include_self else np.zeros_like(a_zero)).astype(np.int64)
    add_at(_as_1d(zero_count), key, src_zero.astype(np.int64))
    a_safe = MaskedFill.apply(a, a_zero, 1.0)
    src_safe = MaskedFill.apply(src, src_zero, 1.0)
    start = a_safe if include_self else _const(np.ones(a._array.shape), dt)
    product = ScatterReduce.apply(start, index, src_safe, dim=dim, reduce="prod", include_self=True)
    weighted = grad * product
    if include_self:
        self_ok = np.where(a_zero, zero_count == 1, zero_count == 0)
        grad_a = weighted / a_safe * _const(self_ok, dt)
    else:
        grad_a = grad
    count_at_src = _as_1d(zero_count)[key].reshape(index.shape)  # 0-d index: back to 0-d
    src_ok = np.where(src_zero, count_at_src == 1, count_at_src == 0)
    grad_src = Gather.apply(weighted, index, dim=dim) / src_safe * _const(src_ok, dt)
    return grad_a, grad_src


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``.

    ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``; with
    ``include_self=False`` the original values at scattered positions are left out.

    Example:
        >>> import ember
        >>> ember.zeros(2).scatter_reduce(0, ember.tensor([0, 0, 1]), ember.tensor([1.0, 3.0, 2.0]), "amax")
        tensor([3., 2.])
    """
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    idx = _check_index_dtype(index, "scatter_reduce")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    _check_scatter_shapes(shape, idx.shape, src._array.shape, d)
    _check_bounds(idx, _dim_size(shape, d), d)
    _check_same_dtype(input, src, "scatter_reduce")
    return ScatterReduce.apply(input, idx, src, dim=d, reduce=reduce, include_self=include_self)


# ------------------------------------------------------------------ index_*
def _check_vector_index(index, op: str, message_dtype: str | None = None):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    arr = index._array
    if arr.dtype not in (np.int64, np.int32):
        raise RuntimeError(message_dtype or f"{op}(): Expected dtype int32/int64 for index but got: {_type_letter(arr.dtype)}")
    if arr.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return arr.reshape(-1)


class IndexSelect(Function):
    _array_forward = True
    _backward_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, a, index, dim=0):
        ctx.shape = a.shape
        ctx.index = index
        ctx.dim = dim
        if a.ndim == 0:
            return a.reshape(1)[index].reshape(())
        return xp_of(a).take(a, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(_zeros(ctx.shape, grad._array), ctx.index, grad, dim=ctx.dim), None


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index``.

    Example:
        >>> import ember
        >>> ember.arange(6).reshape(2, 3).index_select(1, ember.tensor([2, 0]))
        tensor([[2, 0],
                [5, 3]])
    """
    idx = _check_vector_index(index, "index_select", "index_select(): Expected dtype int32 or int64 for index")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    if not shape and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    _check_bounds(idx, _dim_size(shape, d), d, IndexOutOfRangeError, "index_select(): ")
    return maybe_out(IndexSelect.apply(input, idx, dim=d), out)


def _check_source(self_shape, index, source_shape, dim: int, op: str) -> None:
    if len(source_shape) != len(self_shape) and not (len(source_shape) <= 1 and len(self_shape) <= 1):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {shape_str(self_shape)} source.shape = {shape_str(source_shape)}"
        )
    for d in range(len(self_shape)):
        if d != dim and self_shape[d] != source_shape[d]:
            raise RuntimeError(
                "source tensor shape must match self tensor shape, excluding the specified dimension. "
                f"Got self.shape = {shape_str(self_shape)} source.shape = {shape_str(source_shape)}"
            )
    n_source = _dim_size(source_shape, dim)
    if index.size != n_source:
        raise RuntimeError(
            f"{op}(): Number of indices ({index.size}) should be equal to source.size(dim): "
            f"({n_source}), for dim: {dim}"
        )


def _slices_first(arr, dim):
    """``arr`` with ``dim`` moved to the front (a view), 0-d treated as 1-D."""
    return xp_of(arr).moveaxis(_as_1d(arr), dim, 0)


class IndexAdd(Function):
    _array_forward = True
    _backward_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, a, index, source, dim=0, alpha=1):
        ctx.index = index
        ctx.dim = dim
        ctx.alpha = alpha
        out = a.copy()
        values = _slices_first(source, dim)
        if alpha != 1:
            values = values * alpha
        add_at(_slices_first(out, dim), index, values.astype(a.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_source = None
        if ctx.needs_input_grad[2]:
            grad_source = IndexSelect.apply(grad, ctx.index, dim=ctx.dim)
            if ctx.alpha != 1:
                grad_source = grad_source * ctx.alpha
        return grad, None, grad_source


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1, out=None) -> Tensor:
    """Add ``alpha * source`` into a copy of ``input`` at the slices ``index`` along ``dim``.

    Example:
        >>> import ember
        >>> ember.zeros(3, 2).index_add(0, ember.tensor([0, 0]), ember.ones(2, 2), alpha=2)
        tensor([[4., 4.],
                [0., 0.],
                [0., 0.]])
    """
    idx = _check_vector_index(index, "index_add_")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_type_letter(input._array.dtype)}) and source "
            f"({_type_letter(source._array.dtype)}) must have the same scalar type"
        )
    _check_source(shape, idx, source._array.shape, d, "index_add_")
    _check_bounds(idx, _dim_size(shape, d), d, IndexOutOfRangeError)
    return maybe_out(IndexAdd.apply(input, idx, source, dim=d, alpha=alpha), out)


class IndexCopy(Function):
    _array_forward = True
    _backward_name = "IndexCopyBackward0"

    @staticmethod
    def forward(ctx, a, index, source, dim=0):
        ctx.index = index
        ctx.dim = dim
        out = a.copy()
        _slices_first(out, dim)[index] = _slices_first(source, dim)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = IndexFill.apply(grad, ctx.index, 0.0, dim=ctx.dim) if ctx.needs_input_grad[0] else None
        grad_source = IndexSelect.apply(grad, ctx.index, dim=ctx.dim) if ctx.needs_input_grad[2] else None
        return grad_a, None, grad_source


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """Copy the slices of ``source`` into a copy of ``input`` at ``index`` along ``dim``.

    Example:
        >>> import ember
        >>> ember.zeros(3).index_copy(0, ember.tensor([2]), ember.tensor([5.0]))
        tensor([0., 0., 5.])
    """
    idx = _check_vector_index(index, "index_copy_", "index_copy_(): Expected a long tensor for index")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_type_letter(input._array.dtype)} and (source) {_type_letter(source._array.dtype)}"
        )
    src_shape = source._array.shape
    if len(src_shape) == len(shape):
        for k in range(len(shape)):
            if k != d and shape[k] != src_shape[k]:
                raise RuntimeError(
                    "index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                    f"slice shape: {shape[k]} at dimension {k} and source slice shape: {src_shape[k]} at dimension {k}."
                )
    elif not (len(src_shape) <= 1 and len(shape) <= 1):
        raise RuntimeError(
            "index_copy_(): When source and destination are not scalars, their dimensionality must match. "
            f"Source dimensionality ({len(src_shape)}), destination dimensionality ({len(shape)})"
        )
    if idx.size != _dim_size(src_shape, d):
        raise IndexError(
            f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
            f"({_dim_size(src_shape, d)})"
        )
    _check_bounds(idx, _dim_size(shape, d), d, IndexError, "index_copy_(): ")
    return IndexCopy.apply(input, idx, source, dim=d)


class IndexFill(Function):
    _array_forward = True
    _backward_name = "IndexFillBackward0"

    @staticmethod
    def forward(ctx, a, index, value=0.0, dim=0):
        ctx.index = index
        ctx.dim = dim
        out = a.copy()
        _slices_first(out, dim)[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return IndexFill.apply(grad, ctx.index, 0.0, dim=ctx.dim), None, None


class IndexFillTensor(IndexFill):
    """index_fill with a 0-d tensor value, which gets the sum of the filled gradient."""

    _backward_name = "IndexFillBackward1"

    @staticmethod
    def backward(ctx, grad):
        grad_a = IndexFill.apply(grad, ctx.index, 0.0, dim=ctx.dim) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[2]:
            # every filled element once, even when the index repeats
            unique = xp_of(grad._array).unique(ctx.index % max(_dim_size(grad._array.shape, ctx.dim), 1))
            grad_value = IndexSelect.apply(grad, unique, dim=ctx.dim).sum()
        return grad_a, None, grad_value


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices ``index`` along ``dim`` set to ``value``.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).index_fill(1, ember.tensor([0, 2]), -1.0)
        tensor([[-1.,  0., -1.],
                [-1.,  0., -1.]])
    """
    idx = _check_vector_index(index, "index_fill_")
    shape = input._array.shape
    d = normalize_dim(dim, len(shape))
    _check_bounds(idx, _dim_size(shape, d), d, IndexError, allow_negative=True)
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._array.ndim} dimension(s)."
            )
        return IndexFillTensor.apply(input, idx, value, dim=d)
    return IndexFill.apply(input, idx, value, dim=d)


# ------------------------------------------------------------ take_along_dim
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """``gather`` with broadcasting between ``input`` and ``indices`` (flat when dim=None).

    Example:
        >>> import ember
        >>> x = ember.tensor([[10, 30, 20], [60, 40, 50]])
        >>> ember.take_along_dim(x, ember.tensor([[1], [0]]), dim=1)
        tensor([[30],
                [60]])
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._array.dtype != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_type_letter(indices._array.dtype)}"
        )
    if dim is None:
        result = gather(input.reshape(-1), 0, indices.reshape(-1))
    else:
        in_shape, idx_shape = input._array.shape, indices._array.shape
        if len(in_shape) != len(idx_shape):
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of dimensions, "
                f"but got {len(in_shape)} dimensions for input, and {len(idx_shape)} dimensions for indices"
            )
        d = normalize_dim(dim, len(in_shape))
        common = list(_broadcast_except(in_shape, idx_shape, d))
        in_target = tuple(common[:d]) + (in_shape[d],) + tuple(common[d + 1:])
        idx_target = tuple(common[:d]) + (idx_shape[d],) + tuple(common[d + 1:])
        src = input if in_shape == in_target else input.expand(in_target)
        idx = indices if idx_shape == idx_target else indices.expand(idx_target)
        result = gather(src, d, idx)
    return maybe_out(result, out)


def _broadcast_except(a, b, dim):
    a1 = tuple(1 if i == dim else s for i, s in enumerate(a))
    b1 = tuple(1 if i == dim else s for i, s in enumerate(b))
    try:
        return np.broadcast_shapes(a1, b1)
    except ValueError:
        for i in range(len(a1)):
            if a1[i] != b1[i] and a1[i] != 1 and b1[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({a1[i]}) must match the size of tensor b ({b1[i]}) at "
                    f"non-singleton dimension {i}"
                ) from None
        raise


bind_methods(
    gather=gather,
    scatter=scatter,
    scatter_=inplace_method(scatter, "scatter_"),
    scatter_add=scatter_add,
    scatter_add_=inplace_method(scatter_add, "scatter_add_"),
    scatter_reduce=scatter_reduce,
    scatter_reduce_=inplace_method(scatter_reduce, "scatter_reduce_"),
    index_select=index_select,
    index_add=index_add,
    index_add_=inplace_method(index_add, "index_add_"),
    index_copy=index_copy,
    index_copy_=inplace_method(index_copy, "index_copy_"),
    index_fill=index_fill,
    index_fill_=inplace_method(index_fill, "index_fill_"),
    take_along_dim=take_along_dim,
)
