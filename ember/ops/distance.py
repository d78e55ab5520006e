"""Distances and normalization: F.normalize, F.cosine_similarity, F.pairwise_distance, F.pdist.

They rest on one p-norm Function (``vector_norm`` below) whose backward follows
torch's conventions: zero gradient where the norm is zero, the max-norm gradient
shared evenly between ties.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.normalize(ember.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import as_float_array, normalize_dims, xp_of
from .elementwise import where

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist", "vector_norm"]


def _expand_reduced(t: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    if not keepdim:
        shape = list(in_shape)
        for d in dims:
            shape[d] = 1
        t = t.reshape(tuple(shape))
    return t


class _VectorNorm(Function):
    _array_forward = True
    _backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, ord=2.0, dims=(), keepdim=False):
        xp = xp_of(a)
        a = as_float_array(a)
        absolute = xp.abs(a)
        if ord == math.inf:
            out = absolute.max(axis=dims, keepdims=keepdim, initial=0)
        elif ord == -math.inf:
            out = absolute.min(axis=dims, keepdims=keepdim)
        elif ord == 0:
            out = (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        elif ord == 1:
            out = absolute.sum(axis=dims, keepdims=keepdim)
        elif ord == 2:
            out = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        else:
            with np.errstate(divide="ignore", over="ignore"):
                out = (absolute**ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = xp.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        ctx.params = (ord, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, norm = ctx.saved_tensors
        ord, dims, keepdim = ctx.params
        shape = a.shape
        g = _expand_reduced(grad, shape, dims, keepdim)
        n = _expand_reduced(norm, shape, dims, keepdim)
        arr = a._array
        xp = xp_of(arr)
        sign = Tensor._from_array(xp.sign(arr).astype(arr.dtype))
        if ord == 0:
            return g * 0 * a
        if ord == 1:
            return g * sign
        if ord in (math.inf, -math.inf):
            hits = (xp.abs(arr) == n._array).astype(arr.dtype)
            counts = hits.sum(axis=dims, keepdims=True)
            share = Tensor._from_array(hits / xp.maximum(counts, 1))
            return g * sign * share
        if ord == 2:
            return where(n == 0, 0.0, g * a / n)
        scaled = sign * a.abs() ** (ord - 1) / n ** (ord - 1)
        return where(n == 0, 0.0, g * scaled)


def vector_norm(input: Tensor, ord: float = 2.0, dim=None, keepdim: bool = False) -> Tensor:
    """The ``ord``-norm over ``dim`` (all dims if None), like ``torch.linalg.vector_norm``.

    Example:
        >>> import ember
        >>> from ember.ops.distance import vector_norm
        >>> vector_norm(ember.tensor([3.0, -4.0]), 1)
        tensor(7.)
    """
    dims = normalize_dims(dim, input.dim(), "vector_norm")
    return _VectorNorm.apply(input, ord=float(ord), dims=dims, keepdim=keepdim)


def _clamp_min(t: Tensor, low: float) -> Tensor:
    return where(t < low, low, t)


def _clamp_min_forward_only(t: Tensor, low: float) -> Tensor:
    """Clamp the value but let the gradient pass as if unclamped (torch clamps under no_grad)."""
    arr = t._array
    shift = xp_of(arr).maximum(arr, low) - arr
    return t + Tensor._from_array(xp_of(arr).asarray(shift, dtype=arr.dtype))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.normalize(ember.tensor([1.0, 1.0]), p=1, dim=0)
        tensor([0.5000, 0.5000])
    """
    norm = vector_norm(input, p, dim, keepdim=True)
    result = input / _clamp_min(norm, eps).expand(*input.shape)
    if out is not None:
        from .inplace import copy_into_out

        return copy_into_out(out, result)
    return result


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcasting).

    Each norm is clamped below at ``eps``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.cosine_similarity(ember.tensor([[1.0, 0.0]]), ember.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(*shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(*shape)
    n1 = _clamp_min_forward_only(vector_norm(x1, 2, dim, keepdim=True), eps)
    n2 = _clamp_min_forward_only(vector_norm(x2, 2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.pairwise_distance(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]]), eps=0)
        tensor([5.])
    """
    ndim = max(x1.dim(), x2.dim())
    if ndim == 0:
        raise RuntimeError("pairwise_distance: expected inputs with at least 1 dimension")
    return vector_norm(x1 - x2 + eps, p, ndim - 1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distances between all pairs of rows ``i < j`` of a 2-D input.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.pdist(ember.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    n = input.shape[0]
    rows, cols = np.triu_indices(n, k=1)
    diff = input[Tensor._from_array(rows)] - input[Tensor._from_array(cols)]
    return vector_norm(diff, p, 1)
