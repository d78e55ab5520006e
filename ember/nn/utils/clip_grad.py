"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, in place on ``.grad``.

Example:
    >>> import ember, ember.nn as nn
    >>> lin = nn.Linear(3, 1)
    >>> lin(ember.ones(4, 3) * 100).sum().backward()
    >>> total = nn.utils.clip_grad_norm_(lin.parameters(), max_norm=1.0)
    >>> bool(total > 1.0)
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...ops._util import xp_of

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _array_norm(arr, norm_type: float) -> float:
    xp = xp_of(arr)
    a = xp.abs(arr.astype(np.float64))
    if a.size == 0:
        return 0.0
    if norm_type == math.inf:
        return float(a.max())
    if norm_type == -math.inf:
        return float(a.min())
    if norm_type == 0:
        return float((a != 0).sum())
    if norm_type == 1:
        return float(a.sum())
    if norm_type == 2:
        return float(math.sqrt(float((a * a).sum())))
    return float((a**norm_type).sum() ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated)."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._from_array(np.asarray(0.0, np.float32))
    norms = [_array_norm(t._array, norm_type) for t in tensors]
    total = _array_norm(np.asarray(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot "
            "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    dtype = tensors[0]._array.dtype
    return Tensor._from_array(xp_of(tensors[0]._array).asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    """Scale the gradients by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    coef = min(coef, 1.0)
    for g in grads:
        g._array *= g._array.dtype.type(coef)
        g._bump_version()


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Rescale the gradients so that their total norm is at most ``max_norm``.

    The norm is computed over all gradients together, as if they were concatenated
    into one vector; ``norm_type`` may be ``inf``.  Returns the total norm (before
    clipping) as a tensor.  With ``error_if_nonfinite`` a nan/inf norm raises.

    Example:
        >>> import ember
        >>> from ember.nn.utils import clip_grad_norm_
        >>> p = ember.nn.Parameter(ember.zeros(2)); p.grad = ember.tensor([3.0, 4.0])
        >>> clip_grad_norm_([p], 1.0), p.grad
        (tensor(5.), tensor([0.6000, 0.8000]))
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    if grads:
        clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_`."""
    import warnings

    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place.

    Example:
        >>> import ember
        >>> from ember.nn.utils import clip_grad_value_
        >>> p = ember.nn.Parameter(ember.zeros(3)); p.grad = ember.tensor([-5.0, 0.5, 5.0])
        >>> clip_grad_value_([p], 1.0); p.grad
        tensor([-1.0000,  0.5000,  1.0000])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is None:
            continue
        xp_of(g._array).clip(g._array, -clip_value, clip_value, out=g._array)
        g._bump_version()
