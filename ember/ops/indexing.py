"""Indexing: ``x[key]`` and ``x[key] = value``, with torch's view and gradient rules.

Basic keys (ints, slices, None, Ellipsis) give views that share memory; integer-array
and boolean-mask keys copy.  The backward of an advanced index accumulates repeated
indices (``x[[0, 0]].sum()`` gives 2 at position 0).

Example:
    >>> import ember
    >>> x = ember.arange(6.0).reshape(2, 3)
    >>> x[:, 1], x[x > 3]
    (tensor([1., 4.]), tensor([4., 5.]))
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import bind_methods, shape_str
from .inplace import apply_inplace
from .shape import make_view

__all__ = ["getitem", "setitem", "index_put"]

_BASIC = (int, slice, type(None), type(Ellipsis))


def _convert_key(key):
    """Tensors and lists inside ``key`` become NumPy arrays; returns (key, is_basic)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, Tensor):
            arr = k._array
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
            basic = False
        elif isinstance(k, bool) or isinstance(k, np.bool_):
            out.append(np.asarray(k))
            basic = False
        elif isinstance(k, _BASIC):
            out.append(k)
        elif isinstance(k, (np.integer,)):
            out.append(int(k))
        elif isinstance(k, (list, np.ndarray, range)):
            arr = np.asarray([(x.item() if isinstance(x, Tensor) else x) for x in k] if isinstance(k, list) else k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr if arr.size else arr.astype(np.int64))
            basic = False
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                f"valid indices (got {type(k).__name__})"
            )
    return tuple(out), basic


def _check_bounds(arr, key) -> None:
    """Raise torch's IndexError for an integer index out of range."""
    dim = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            dim = arr.ndim - sum(1 for x in key if x is not None and x is not Ellipsis and not (isinstance(x, np.ndarray) and x.dtype == np.bool_)) - sum(x.ndim - 1 for x in key if isinstance(x, np.ndarray) and x.dtype == np.bool_) + dim
            continue
        if isinstance(k, int):
            if dim >= arr.ndim:
                raise IndexError(f"too many indices for tensor of dimension {arr.ndim}")
            size = arr.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
        elif isinstance(k, np.ndarray) and k.dtype != np.bool_ and k.size and dim < arr.ndim:
            size = arr.shape[dim]
            bad = (k >= size) | (k < -size)
            if bad.any():
                raise IndexError(
                    f"index {int(k[bad].flat[0])} is out of bounds for dimension {dim} with size {size}"
                )
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            dim += max(k.ndim, 1) if k.ndim else 0
        else:
            dim += 1
    if dim > arr.ndim:
        raise IndexError(f"too many indices for tensor of dimension {arr.ndim}")


class Index(Function):
    _array_forward = True
    _backward_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, key=(), basic=False):
        ctx.key = key
        ctx.in_shape = a.shape
        ctx.in_dtype = a.dtype
        if basic and Ellipsis not in key:
            key = key + (Ellipsis,)  # keeps a full integer index a 0-d view, not a scalar
            ctx.key = key
        out = a[key]
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        return IndexGrad.apply(grad, key=ctx.key, shape=ctx.in_shape)


class IndexGrad(Function):
    """Scatter-add a gradient into zeros of the indexed tensor's shape."""

    _array_forward = True
    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, key=(), shape=()):
        ctx.key = key
        out = np.zeros(shape, grad.dtype)
        np.add.at(out, key, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, key=ctx.key)


def getitem(self: Tensor, key):
    """``self[key]``: a view for basic keys, a copy for advanced ones."""
    nkey, basic = _convert_key(key)
    _check_bounds(self._array, nkey)
    if basic:
        out = Index.apply(self, key=nkey, basic=True)
        return make_view(out, self, lambda t: getitem(t, key))
    return Index.apply(self, key=nkey)


class IndexPut(Function):
    _array_forward = True
    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, value, key=(), accumulate=False):
        ctx.key = key
        ctx.accumulate = accumulate
        out = a.copy()
        value = np.asarray(value, dtype=a.dtype)
        if accumulate:
            np.add.at(out, key, value)
        else:
            try:
                out[key] = value
            except ValueError:
                raise RuntimeError(
                    f"shape mismatch: value tensor of shape {shape_str(value.shape)} cannot be "
                    f"broadcast to indexing result of shape {shape_str(a[key].shape)}"
                ) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad if ctx.accumulate else IndexPut.apply(grad, 0.0, key=ctx.key)
        grad_value = Index.apply(grad, key=ctx.key) if ctx.needs_input_grad[1] else None
        return grad_a, grad_value


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (``+=`` with accumulate=True)."""
    nkey, _ = _convert_key(tuple(indices))
    return IndexPut.apply(input, values, key=nkey, accumulate=accumulate)


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value`` under autograd: writes in place, records the graph."""
    self._check_inplace_allowed()
    nkey, basic = _convert_key(key)
    _check_bounds(self._array, nkey)
    if basic:
        target = getitem(self, key)
        target.copy_(value)
        return
    result = IndexPut.apply(self, value, key=nkey)
    apply_inplace(self, result, "index_put_")


def _index_put_(self, indices, values, accumulate=False):
    self._check_inplace_allowed()
    return apply_inplace(self, index_put(self, indices, values, accumulate), "index_put_")


bind_methods(
    __getitem__=getitem,
    __setitem__=setitem,
    index_put=index_put,
    index_put_=_index_put_,
)
