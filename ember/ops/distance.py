"""Distances and normalization: F.normalize, F.cosine_similarity, F.pairwise_distance, F.pdist,
ember.cdist and ember.dist.

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
from ._pointwise import broadcast_error, maybe_out, require_tensor, type_name
from ._util import bind_methods, xp_of
from .elementwise import where
from .reduction import vector_norm

__all__ = ["cdist", "cosine_similarity", "dist", "normalize", "pairwise_distance", "pdist", "vector_norm"]

_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


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


def _check_cdist(x1: Tensor, x2: Tensor, p: float, compute_mode) -> None:
    """torch's argument checks for cdist, in torch's order."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {type_name(x._array.dtype)}")
    if x1.dtype != x2.dtype:
        raise RuntimeError(
            f"expected scalar type {type_name(x1._array.dtype)} but found {type_name(x2._array.dtype)}"
        )
    if x1._array.dtype.kind != "f" or x1._array.dtype.itemsize < 4:  # half and bfloat16
        raise NotImplementedError(f"\"cdist\" not implemented for '{type_name(x1._array.dtype)}'")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")


def cdist(
    x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (``[*, P, M]``) and of ``x2`` (``[*, R, M]``).

    The batch dimensions ``*`` broadcast; the result is ``[*, P, R]``. ``p`` may be 0
    (count of differing coordinates), any positive number or ``inf``. ``compute_mode``
    is accepted for compatibility: every mode computes the exact differences here (torch's
    matrix-product shortcut for ``p=2`` only changes rounding).

    Example:
        >>> import ember
        >>> ember.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0], [1.0, 0.0]]))
        tensor([[5., 1.]])
    """
    require_tensor(x1, "cdist", 1, "x1")
    require_tensor(x2, "cdist", 2, "x2")
    _check_cdist(x1, x2, p, compute_mode)
    batch1, batch2 = tuple(x1.shape[:-2]), tuple(x2.shape[:-2])
    try:
        np.broadcast_shapes(batch1, batch2)
    except ValueError:
        raise broadcast_error("cdist", batch1, batch2) from None
    # [*, P, 1, M] - [*, 1, R, M]: every pair of rows, reduced over the coordinates
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, -1)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcasting), as a 0-d tensor.

    Example:
        >>> import ember
        >>> ember.dist(ember.tensor([0.0, 0.0]), ember.tensor([3.0, 4.0]))
        tensor(5.)
    """
    require_tensor(input, "dist", 1, "input")
    require_tensor(other, "dist", 2, "other")
    diff = input - other
    if not diff.is_floating_point():
        raise RuntimeError(
            "norm(): input dtype should be either floating point or complex. "
            f"Got {type_name(diff._array.dtype)} instead."
        )
    return vector_norm(diff, p)


bind_methods(dist=dist)
