"""PixelShuffle and PixelUnshuffle, as in ``torch.nn``.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.PixelShuffle(3)(ember.randn(1, 9, 4, 4)).shape
    torch.Size([1, 1, 12, 12])
"""

from __future__ import annotations

from ...ops.resample import pixel_shuffle, pixel_unshuffle
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C*r*r, H, W)`` -> ``(*, C, H*r, W*r)`` (sub-pixel convolution's rearrangement).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.PixelShuffle(2)
        PixelShuffle(upscale_factor=2)
    """

    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H*r, W*r)`` -> ``(*, C*r*r, H, W)``, the inverse of :class:`PixelShuffle`.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.PixelUnshuffle(3)(ember.randn(1, 1, 12, 12)).shape
        torch.Size([1, 9, 4, 4])
    """

    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
