"""Dropout: zero random elements (or whole channels) in training, scale the rest.

The kept elements are scaled by ``1 / (1 - p)`` so the expected value is unchanged;
in eval mode (``training=False``) the input is returned as is.  The random mask
comes from ember's default generator (``ember.manual_seed`` makes it reproducible).

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.ones(1000)
    >>> y = F.dropout(x, p=0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..random import resolve
from ._util import xp_of
from .inplace import apply_inplace

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]

# SELU's negative saturation value: alpha * scale of selu.
_ALPHA_PRIME = 1.7580993408473766


class _ScaleAndShift(Function):
    """``input * scale + shift`` with constant (random) arrays; backward ``grad * scale``."""

    _array_forward = True
    _backward_name = "NativeDropoutBackward0"

    @staticmethod
    def forward(ctx, a, scale=None, shift=None):
        ctx.scale = scale
        out = a * scale
        if shift is not None:
            out = out + shift
        return xp_of(a).asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * Tensor._from_array(ctx.scale)


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float, mask_shape) -> np.ndarray:
    arr = input._array
    keep = resolve(None).random(mask_shape) >= p
    return xp_of(arr).asarray(keep.astype(arr.dtype))


def _apply(input: Tensor, scale, shift, inplace: bool, name: str) -> Tensor:
    result = _ScaleAndShift.apply(input, scale=scale, shift=shift)
    if inplace:
        input._check_inplace_allowed()
        return apply_inplace(input, result, name)
    return result


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` (training only); scale the rest by ``1/(1-p)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> x = ember.ones(3)
        >>> F.dropout(x, training=False) is x
        True
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    keep = _keep_mask(input, p, tuple(input.shape))
    scale = keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p))
    return _apply(input, scale.astype(input._array.dtype), None, inplace, "dropout_")


def _feature_mask_shape(input: Tensor, batched_dims: int) -> tuple:
    """Mask over batch and channel dims, broadcast over the ``batched_dims`` trailing ones."""
    shape = tuple(input.shape)
    return shape[: len(shape) - batched_dims] + (1,) * batched_dims


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, spatial: int, name: str) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    keep = _keep_mask(input, p, _feature_mask_shape(input, spatial))
    scale = keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p))
    scale = xp_of(scale).broadcast_to(scale, tuple(input.shape))
    return _apply(input, scale.astype(input._array.dtype), None, inplace, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
            "and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d_")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) input with probability ``p``."""
    return _spatial_channel_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) input with probability ``p``."""
    return _spatial_channel_dropout(input, p, training, inplace, 3, "dropout3d")


def _spatial_channel_dropout(input: Tensor, p: float, training: bool, inplace: bool, spatial: int,
                             name: str) -> Tensor:
    """dropout2d/dropout3d: other ranks than ``spatial`` + 1 or + 2 only warn (torch deprecates them)."""
    if input.dim() not in (spatial + 1, spatial + 2):
        import warnings

        warnings.warn(
            f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, please use "
            f"dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with {spatial} "
            "spatial dimensions, a channel dimension, and an optional batch dimension "
            f"(i.e. {spatial + 1}D or {spatial + 2}D inputs).",
            stacklevel=3,
        )
    if input.dim() < spatial + 1:
        spatial = max(input.dim() - 1, 0)
    return _feature_dropout(input, p, training, inplace, spatial, name + "_")


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, mask_shape, name: str) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _keep_mask(input, p, mask_shape)
    xp = xp_of(keep)
    keep = xp.broadcast_to(keep, tuple(input.shape))
    a = 1.0 / np.sqrt((_ALPHA_PRIME**2 * p + 1) * (1 - p))
    # kept: a * x + alpha' a p;  dropped: -alpha' a + alpha' a p  (mean and variance kept)
    shift = (keep - 1) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    dtype = input._array.dtype
    return _apply(input, (keep * a).astype(dtype), shift.astype(dtype), inplace, name)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values are set to SELU's saturation value and
    the result is affinely rescaled to keep zero mean and unit variance."""
    return _alpha(input, p, training, inplace, tuple(input.shape), "alpha_dropout_")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dims 0 and 1 are batch and channel)."""
    shape = tuple(input.shape)
    mask_shape = shape[:2] + (1,) * (len(shape) - 2)
    return _alpha(input, p, training, inplace, mask_shape, "feature_alpha_dropout_")
