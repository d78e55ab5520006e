"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, mode, unique.

Sorts are stable, NaN sorts as the largest value (last ascending, first descending),
and every op that returns ``(values, indices)`` sends its gradient back to the
indices it picked.

Example:
    >>> import ember
    >>> ember.tensor([3.0, 1.0, 2.0]).sort(descending=True)
    torch.return_types.sort(
    values=tensor([3., 2., 1.]),
    indices=tensor([0, 2, 1]))
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import constant, numpy_names, put_along_dim, return_type, single_dim, without_derivative
from ._util import bind_methods

__all__ = [
    "argsort",
    "bucketize",
    "kthvalue",
    "median",
    "mode",
    "msort",
    "nanmedian",
    "searchsorted",
    "sort",
    "topk",
    "unique",
    "unique_consecutive",
]

SortResult = return_type("sort", ("values", "indices"))
TopkResult = return_type("topk", ("values", "indices"))
KthvalueResult = return_type("kthvalue", ("values", "indices"))
MedianResult = return_type("median", ("values", "indices"))
NanmedianResult = return_type("nanmedian", ("values", "indices"))
ModeResult = return_type("mode", ("values", "indices"))


def stable_argsort(a: np.ndarray, dim: int, descending: bool = False) -> np.ndarray:
    """Indices that sort ``a`` along ``dim``, ties in their original order, NaN largest."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    # Sorting the reversed array ascending and reading it backwards gives descending
    # order with ties still in original order (and NaN, last ascending, first).
    n = a.shape[dim]
    reversed_order = np.argsort(np.flip(a, axis=dim), axis=dim, kind="stable")
    return np.flip(n - 1 - reversed_order, axis=dim)


def stable_kth_index(a: np.ndarray, dim: int, kth: int) -> np.ndarray:
    """Index (keepdim shape) of the element a stable ascending sort puts at ``kth`` along
    ``dim``, found with a partition (linear time) instead of a full sort."""
    value = np.take(np.partition(a, kth, axis=dim), [kth], axis=dim)
    if a.dtype.kind == "f":
        nan_a, nan_v = np.isnan(a), np.isnan(value)
        equal = (a == value) | (nan_a & nan_v)
        less = np.where(nan_v, ~nan_a, a < value)  # NaN sorts after every number
    else:
        equal, less = a == value, a < value
    # Among the elements equal to the value, a stable sort keeps original order: pick the
    # (kth - #smaller)-th of them.
    rank = kth - less.sum(axis=dim, keepdims=True)
    seen = np.cumsum(equal, axis=dim)
    return np.argmax(equal & (seen == rank + 1), axis=dim, keepdims=True)


def _top_indices(a: np.ndarray, dim: int, k: int, largest: bool) -> np.ndarray:
    """Indices of the ``k`` largest (smallest) elements along ``dim``, in sorted order."""
    n = a.shape[dim]
    if 2 * k >= n or k == 0:
        return np.take(stable_argsort(a, dim, descending=largest), np.arange(k), axis=dim)
    # Few of many: partition so that only the k candidates get sorted.
    if largest:
        candidates = np.take(np.argpartition(a, n - k, axis=dim), np.arange(n - k, n), axis=dim)
    else:
        candidates = np.take(np.argpartition(a, k - 1, axis=dim), np.arange(k), axis=dim)
    candidates = np.sort(candidates, axis=dim)  # ties then keep their original order
    order = stable_argsort(np.take_along_axis(a, candidates, axis=dim), dim, descending=largest)
    return np.take_along_axis(candidates, order, axis=dim)


class SelectAlongDim(Function):
    """Values of ``a`` at precomputed ``indices`` along ``dim``; grad goes back to them.

    The ops here find their indices with NumPy and then call this with the name of
    torch's grad_fn (``SortBackward0``, ``TopkBackward0``, ...).
    """

    _array_forward = True
    _backward_name = "SortBackward0"

    @staticmethod
    def forward(ctx, a, indices=None, dim=0, keepdim=True):
        ctx.dim, ctx.keepdim, ctx.in_shape = dim, keepdim, a.shape
        if a.ndim == 0:
            return a.copy(), np.zeros((), np.int64)
        values = np.take_along_axis(a, indices, axis=dim)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        # Saving the returned indices themselves lets autograd notice in-place changes to them.
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if not ctx.in_shape:
            return grad
        (indices,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad, indices = grad.unsqueeze(ctx.dim), indices.unsqueeze(ctx.dim)
        return put_along_dim(grad, indices, ctx.dim, ctx.in_shape)


def _select_fn(grad_name: str):
    return type(grad_name.replace("Backward0", "").replace("Backward1", "") + "Select", (SelectAlongDim,), {"_backward_name": grad_name})


_Sort = _select_fn("SortBackward0")
_Topk = _select_fn("TopkBackward0")
_Kthvalue = _select_fn("KthvalueBackward0")
_MedianDim = _select_fn("MedianBackward1")
_NanmedianDim = _select_fn("NanmedianBackward1")
_Mode = _select_fn("ModeBackward0")


def _select(fn, input: Tensor, indices: np.ndarray, dim: int, keepdim: bool = True):
    return fn.apply(input, indices=indices.astype(np.int64, copy=False), dim=dim, keepdim=keepdim)


# ------------------------------------------------------------------------- sort
@numpy_names
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """Sort along ``dim``: ``(values, indices)``.  Always stable; NaN sorts as largest.

    Example:
        >>> import ember
        >>> ember.tensor([2.0, 3.0, 1.0]).sort().indices
        tensor([2, 0, 1])
    """
    a = input._array
    d = single_dim(dim, a.ndim)
    indices = stable_argsort(a, d, descending) if a.ndim else np.zeros((), np.int64)
    result = SortResult(*_select(_Sort, input, indices, d))
    return _with_out(result, out)


@numpy_names
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable).

    Example:
        >>> import ember
        >>> ember.argsort(ember.tensor([3, 1, 3, 2]), descending=True)
        tensor([0, 2, 3, 1])
    """
    a = input._array
    if a.ndim == 0:
        single_dim(dim, 0)
        return Tensor._from_array(np.zeros((), np.int64))
    return Tensor._from_array(stable_argsort(a, single_dim(dim, a.ndim), descending).astype(np.int64))


def msort(input, *, out=None) -> Tensor:
    """Sort along the first dim (values only).

    Example:
        >>> import ember
        >>> ember.msort(ember.tensor([[3, 1], [1, 2]]))
        tensor([[1, 1],
                [3, 2]])
    """
    return _with_out(sort(input, 0).values, out)


def _with_out(result, out):
    if out is None:
        return result
    from .inplace import copy_into_out

    if isinstance(out, (tuple, list)):
        return type(result)(*(copy_into_out(o, r) for o, r in zip(out, result)))
    return copy_into_out(out, result)


# ------------------------------------------------------------------------- topk
@numpy_names
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim``, in order.

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 4.0, 2.0, 3.0]).topk(2)
        torch.return_types.topk(
        values=tensor([4., 3.]),
        indices=tensor([1, 3]))
    """
    a = input._array
    if a.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = single_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if a.ndim == 0:
        return _with_out(TopkResult(*_select(_Topk, input, np.zeros((), np.int64), d)), out)
    indices = _top_indices(a, d, k, largest)
    return _with_out(TopkResult(*_select(_Topk, input, indices, d)), out)


# -------------------------------------------------------------------- kthvalue
@numpy_names
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index.

    Example:
        >>> import ember
        >>> ember.tensor([3.0, 1.0, 2.0]).kthvalue(2)
        torch.return_types.kthvalue(
        values=tensor(2.),
        indices=tensor(2))
    """
    a = input._array
    _reject_bool(a, "kthvalue_cpu")
    d = single_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    _check_reduced_dim(n, d, "kthvalue")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        return _with_out(KthvalueResult(*_select(_Kthvalue, input, np.zeros((), np.int64), d, keepdim)), out)
    indices = stable_kth_index(a, d, k - 1)
    return _with_out(KthvalueResult(*_select(_Kthvalue, input, indices, d, keepdim)), out)


# ----------------------------------------------------------------------- median
class MedianAll(Function):
    """``median()`` without a dim: the lower median; ties share the gradient evenly."""

    _array_forward = True
    _backward_name = "MedianBackward0"

    @staticmethod
    def forward(ctx, a, ignore_nan=False):
        flat = a.reshape(-1)
        if flat.size == 0:
            value = np.asarray(np.nan if a.dtype.kind == "f" else 0, dtype=a.dtype)
        else:
            valid = flat[~np.isnan(flat)] if ignore_nan and a.dtype.kind == "f" else flat
            if valid.size == 0 or (not ignore_nan and a.dtype.kind == "f" and np.isnan(flat).any()):
                value = np.asarray(np.nan, dtype=a.dtype)
            else:
                value = np.asarray(np.partition(valid, (valid.size - 1) // 2)[(valid.size - 1) // 2])
        ctx.save_for_backward(a, value)
        return value

    @staticmethod
    def backward(ctx, grad):
        x, value = ctx.saved_tensors
        xa, v = x._array, value._array
        hits = (xa == v) | (np.isnan(xa) & np.isnan(v))
        share = (hits / max(int(hits.sum()), 1)).astype(xa.dtype)
        return grad.expand(xa.shape) * constant(share)


class NanmedianAll(MedianAll):
    _backward_name = "NanmedianBackward0"


def _median_indices(a: np.ndarray, d: int, ignore_nan: bool) -> np.ndarray:
    """Index (keepdim shape) of the lower median along ``d``, with torch's NaN rules."""
    n = a.shape[d]
    if a.dtype.kind != "f":
        return stable_kth_index(a, d, (n - 1) // 2)
    nans = np.isnan(a)
    if ignore_nan:
        # NaN sorts last, so the lower median of the valid values sits at (count-1)//2,
        # a position that differs per slice: this one needs the full sort.
        valid = n - nans.sum(axis=d, keepdims=True)
        k = np.maximum(valid - 1, 0) // 2
        return np.take_along_axis(stable_argsort(a, d), k, axis=d)
    picked = stable_kth_index(a, d, (n - 1) // 2)
    first_nan = np.argmax(nans, axis=d, keepdims=True)
    return np.where(nans.any(axis=d, keepdims=True), first_nan, picked)


def _check_reduced_dim(size: int, dim: int, name: str) -> None:
    if size == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _reject_bool(a, kernel: str) -> None:
    if a.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _median(name, all_fn, dim_fn, result_type, ignore_nan, input, dim, keepdim, out):
    a = input._array
    _reject_bool(a, f"{name}_cpu" if dim is None else f"{name}_out")
    if dim is None:
        return _with_out(all_fn.apply(input, ignore_nan=ignore_nan), out)
    d = single_dim(dim, a.ndim)
    if a.ndim == 0:
        return _with_out(result_type(*_select(dim_fn, input, np.zeros((), np.int64), d, keepdim)), out)
    _check_reduced_dim(a.shape[d], d, name)
    indices = _median_indices(a, d, ignore_nan)
    values, idx = _select(dim_fn, input, indices, d, keepdim)
    if ignore_nan and a.dtype.kind == "f":
        all_nan = np.isnan(a).all(axis=d, keepdims=keepdim)
        if all_nan.any():  # a slice of only NaN has median NaN at index 0
            idx._array = np.where(all_nan, 0, idx._array)
    return _with_out(result_type(values, idx), out)


@numpy_names
def median(input, dim=None, keepdim: bool = False, *, out=None):
    """The lower median: of all elements (a value), or along ``dim`` (values, indices).

    NaN propagates: a slice holding NaN has median NaN at the first NaN's index.

    Example:
        >>> import ember
        >>> ember.tensor([4.0, 1.0, 3.0, 2.0]).median()
        tensor(2.)
    """
    return _median("median", MedianAll, _MedianDim, MedianResult, False, input, dim, keepdim, out)


@numpy_names
def nanmedian(input, dim=None, keepdim: bool = False, *, out=None):
    """The lower median ignoring NaN.

    Example:
        >>> import ember
        >>> ember.tensor([4.0, float("nan"), 1.0]).nanmedian()
        tensor(1.)
    """
    return _median("nanmedian", NanmedianAll, _NanmedianDim, NanmedianResult, True, input, dim, keepdim, out)


# ------------------------------------------------------------------------- mode
@numpy_names
def mode(input, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent
    ones) and the index of its last occurrence.

    Example:
        >>> import ember
        >>> ember.tensor([3, 1, 3, 1, 2]).mode()
        torch.return_types.mode(
        values=tensor(1),
        indices=tensor(3))
    """
    a = input._array
    d = single_dim(dim, a.ndim)
    if a.ndim == 0:
        return _with_out(ModeResult(*_select(_Mode, input, np.zeros((), np.int64), d, keepdim)), out)
    n = a.shape[d]
    _check_reduced_dim(n, d, "mode")
    order = stable_argsort(a, d)
    ordered = np.take_along_axis(a, order, axis=d)
    # Within each run of equal sorted values, count how far into the run each element is;
    # the first maximum of that count ends the longest run of the smallest such value.
    shape = [1] * a.ndim
    shape[d] = n
    positions = np.arange(n).reshape(shape)
    starts = np.ones(ordered.shape, dtype=bool)
    tail = [slice(None)] * a.ndim
    head = [slice(None)] * a.ndim
    tail[d], head[d] = slice(1, None), slice(None, -1)
    starts[tuple(tail)] = ordered[tuple(tail)] != ordered[tuple(head)]
    run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=d)
    run_length = positions - run_start + 1
    end = np.argmax(run_length, axis=d, keepdims=True)
    indices = np.take_along_axis(order, end, axis=d)
    return _with_out(ModeResult(*_select(_Mode, input, indices, d, keepdim)), out)


# ----------------------------------------------------------------------- unique
def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct elements (sorted), optionally with inverse indices and counts.

    With ``dim``, the distinct slices along that dim.

    Example:
        >>> import ember
        >>> ember.unique(ember.tensor([3, 1, 3, 2]), return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    a = input._array
    d = None if dim is None else single_dim(dim, a.ndim)
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
    if d is None:
        inverse = inverse.reshape(a.shape)
    name = "unique_dim" if d is not None else "_unique2"
    values, inverse, counts = without_derivative(
        input,
        (values, inverse.astype(np.int64), counts.astype(np.int64)),
        (NotImplementedError, f"the derivative for '{name}' is not implemented."),
        "UniqueDimBackward0" if d is not None else "Unique2Backward0",
    )
    if return_inverse and return_counts:
        return values, inverse, counts
    if return_inverse:
        return values, inverse
    if return_counts:
        return values, counts
    return values


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``).

    Example:
        >>> import ember
        >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 1]))
        tensor([1, 2, 1])
    """
    a = input._array
    if dim is None:
        flat = a.reshape(-1)
        changes = np.ones(flat.shape, dtype=bool)
        changes[1:] = flat[1:] != flat[:-1]
        values = flat[changes]
        inverse = (np.cumsum(changes) - 1).reshape(a.shape)
    else:
        d = single_dim(dim, a.ndim)
        moved = np.moveaxis(a, d, 0).reshape(a.shape[d], -1)
        changes = np.ones(moved.shape[0], dtype=bool)
        changes[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        values = np.compress(changes, a, axis=d)
        inverse = np.cumsum(changes) - 1
    starts = np.flatnonzero(changes)
    counts = np.diff(np.append(starts, changes.size))
    values, inverse, counts = without_derivative(
        input,
        (np.ascontiguousarray(values), inverse.astype(np.int64), counts.astype(np.int64)),
        (NotImplementedError, "the derivative for 'unique_consecutive' is not implemented."),
        "UniqueConsecutiveBackward0",
    )
    result = [values]
    if return_inverse:
        result.append(inverse)
    if return_counts:
        result.append(counts)
    return result[0] if len(result) == 1 else tuple(result)


# --------------------------------------------------------- searchsorted, bucketize
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None, out=None):
    """Where ``input`` values would be inserted into ``sorted_sequence`` (along its last dim).

    ``right=False`` gives the first such place (``seq[i-1] < v <= seq[i]``), ``right=True``
    the last.  A batched ``sorted_sequence`` searches each row with the matching row of
    ``input``.

    Example:
        >>> import ember
        >>> ember.searchsorted(ember.tensor([1.0, 3.0, 5.0]), ember.tensor([3.0, 6.0]))
        tensor([1, 3])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    seq = sorted_sequence._array
    values = input._array if isinstance(input, Tensor) else np.asarray(input, dtype=seq.dtype)
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._array, axis=-1)
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            "boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(sorted_sequence._array.shape)} and input value tensor {list(values.shape)}"
        )
    side_name = "right" if right else "left"
    if seq.ndim <= 1:
        result = np.searchsorted(seq, values, side=side_name)
    else:
        # Row by row without a Python loop: count the row's elements before each value.
        before = seq[..., None, :] <= values[..., :, None] if right else seq[..., None, :] < values[..., :, None]
        result = before.sum(axis=-1)
    result = np.asarray(result, dtype=np.int32 if out_int32 else np.int64)
    return _with_out(Tensor._from_array(result), out)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None):
    """The index of the bucket of each element, given sorted 1-D ``boundaries``.

    Example:
        >>> import ember
        >>> ember.bucketize(ember.tensor([1.0, 4.0, 9.0]), ember.tensor([1.0, 3.0, 5.0]))
        tensor([0, 2, 3])
    """
    if boundaries._array.ndim != 1:
        raise RuntimeError(
            f"boundaries tensor must be 1 dimension, but got dim({boundaries._array.ndim})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


bind_methods(
    sort=sort,
    argsort=argsort,
    msort=msort,
    topk=topk,
    kthvalue=kthvalue,
    median=median,
    nanmedian=nanmedian,
    mode=mode,
    unique=unique,
    unique_consecutive=unique_consecutive,
)
