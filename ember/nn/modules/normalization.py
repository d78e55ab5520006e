"""LayerNorm, GroupNorm and LocalResponseNorm, as in ``torch.nn``.

Example:
    >>> import ember, ember.nn as nn
    >>> ln = nn.LayerNorm(10)
    >>> ln
    LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> ln(ember.randn(4, 10)).shape
    torch.Size([4, 10])
"""

from __future__ import annotations

import numbers

from ...ops.creation import empty
from ...ops.normalization import group_norm, layer_norm, local_response_norm, rms_norm
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]


def _as_shape(normalized_shape) -> tuple:
    """``normalized_shape`` (an int or a sequence) as a tuple."""
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


class LayerNorm(Module):
    """Normalize each sample over its last dims (``normalized_shape``), then scale and shift.

    Args:
        normalized_shape: the trailing shape normalized over (int or tuple).
        eps: added to the variance.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape.
        bias: learn the bias (when affine).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LayerNorm([5, 10])(ember.randn(20, 5, 10)).shape
        torch.Size([20, 5, 10])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(
        self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Divide each sample by the root mean square over its last dims, then scale.

    ``y = x / sqrt(mean(x**2) + eps) * weight``.

    Args:
        normalized_shape: the trailing shape normalized over (int or tuple).
        eps: added to the mean square; None means the machine epsilon of the dtype
            computed in.
        elementwise_affine: learn ``weight`` (ones) of that shape.

    Shape:
        input ``(*, *normalized_shape)``; output the same.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.RMSNorm(4)(ember.randn(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype)) if elementwise_affine else None
        self.register_parameter("weight", weight)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input):
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalize each group of ``num_channels / num_groups`` channels of each sample.

    Args:
        num_groups: groups the channels are split into.
        num_channels: C (must be divisible by num_groups).
        eps: added to the variance.
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        bias: (keyword) learn the bias when affine.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.GroupNorm(3, 6)(ember.randn(20, 6, 10, 10)).shape
        torch.Size([20, 6, 10, 10])
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None, dtype=None, *, bias: bool = True
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.weight = Parameter(empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class LocalResponseNorm(Module):
    """Normalize each element by the energy of ``size`` neighbouring channels.

    ``b_c = a_c / (k + alpha/size * sum of a^2 over the neighbours) ** beta``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LocalResponseNorm(2)(ember.randn(32, 5, 24, 24)).shape
        torch.Size([32, 5, 24, 24])
    """

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
