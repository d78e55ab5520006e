"""Fold and Unfold (col2im / im2col), as in ``torch.nn``.

Example:
    >>> import ember, ember.nn as nn
    >>> cols = nn.Unfold(kernel_size=(2, 3))(ember.randn(2, 5, 3, 4))
    >>> cols.shape
    torch.Size([2, 30, 4])
    >>> nn.Fold(output_size=(3, 4), kernel_size=(2, 3))(cols).shape
    torch.Size([2, 5, 3, 4])
"""

from __future__ import annotations

from ...ops.resample import fold, unfold
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum sliding blocks ``(N, C*prod(kernel), L)`` into an image ``(N, C, *output_size)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(ember.randn(1, 12, 12)).shape
        torch.Size([1, 3, 4, 5])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """Extract sliding blocks of ``(N, C, H, W)`` as columns ``(N, C*prod(kernel), L)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Unfold(2, padding=1)(ember.randn(1, 3, 4, 4)).shape
        torch.Size([1, 12, 25])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
