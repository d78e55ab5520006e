"""Reductions over dimensions: sum, mean, ... with torch's dim/keepdim conventions.

Example:
    >>> import ember
    >>> ember.ones(2, 3).sum(dim=-1, keepdim=True).shape
    torch.Size([2, 1])
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import bind_methods, normalize_dims, xp_of

__all__ = ["sum", "mean"]


def _expand_grad(grad: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        shape = list(in_shape)
        for d in dims:
            shape[d] = 1
        grad = grad.reshape(tuple(shape))
    return grad.expand(in_shape)


class Sum(Function):
    _array_forward = True
    _backward_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.in_shape = a.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.dtype(np.int64)  # torch sums integers and bools as int64
        out = a.sum(axis=dims, keepdims=keepdim, dtype=np_dtype)
        return xp_of(a).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad, ctx.in_shape, ctx.dims, ctx.keepdim)


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Sum of elements, over all or over ``dim`` (int or tuple).

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
        tensor([4, 6])
    """
    dims = normalize_dims(dim, input._array.ndim, "sum")
    np_dtype = dtype.numpy_dtype if dtype is not None else None
    result = Sum.apply(input, dims=dims, keepdim=keepdim, np_dtype=np_dtype)
    if out is not None:
        from .inplace import copy_into_out

        return copy_into_out(out, result)
    return result


class Mean(Function):
    _array_forward = True
    _backward_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.in_shape = a.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        ctx.count = int(np.prod([a.shape[d] for d in dims])) if dims else 1
        if np_dtype is not None:
            a = a.astype(np_dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = a.mean(axis=dims, keepdims=keepdim)
        return xp_of(a).asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad, ctx.in_shape, ctx.dims, ctx.keepdim) / ctx.count


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Mean of elements (floating inputs only, as torch requires).

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=1)
        tensor([1.5000, 3.5000])
    """
    if dtype is None and input._array.dtype.kind not in "fV":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype_name(input.dtype)}"
        )
    dims = normalize_dims(dim, input._array.ndim, "mean")
    np_dtype = dtype.numpy_dtype if dtype is not None else None
    result = Mean.apply(input, dims=dims, keepdim=keepdim, np_dtype=np_dtype)
    if out is not None:
        from .inplace import copy_into_out

        return copy_into_out(out, result)
    return result


def _dtype_name(d: _dtype.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(
        d._name, d._name
    )


bind_methods(sum=sum, mean=mean)
