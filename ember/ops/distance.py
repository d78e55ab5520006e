"""Distances and normalization: F.normalize, F.cosine_similarity, F.pairwise_distance, F.pdist.

They rest on the core p-norm, ``ember.linalg.vector_norm`` (re-exported here as
``vector_norm``), whose backward follows torch's conventions: zero gradient where the
norm is zero, the max-norm gradient shared evenly between ties.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.normalize(ember.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._pointwise import maybe_out
from ._util import xp_of
from .elementwise import where
from .reduction import vector_norm

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist", "vector_norm"]


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
    return maybe_out(result, out)


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
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    n = input.shape[0]
    rows, cols = np.triu_indices(n, k=1)
    diff = input[Tensor._from_array(rows)] - input[Tensor._from_array(cols)]
    if input.shape[1] == 0:  # no coordinates: every distance is 0, for any p (as torch)
        return diff.sum(1)
    return vector_norm(diff, p, 1)
