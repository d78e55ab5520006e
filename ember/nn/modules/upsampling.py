"""Upsample (and the deprecated UpsamplingNearest2d/UpsamplingBilinear2d), as in ``torch.nn``.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.Upsample(scale_factor=2, mode="nearest")(ember.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
"""

from __future__ import annotations

from ...ops.resample import interpolate
from .module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize the spatial dims by ``scale_factor`` or to ``size`` (see ``F.interpolate``).

    Args:
        size: output spatial size; scale_factor: multiplier (float or tuple);
        mode: ``'nearest'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``, ``'trilinear'``,
        ``'area'`` or ``'nearest-exact'``; align_corners: for the interpolating modes;
        recompute_scale_factor: map coordinates with the recomputed ratio in/out.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Upsample(size=(4, 6), mode="bilinear")(ember.randn(1, 1, 2, 3)).shape
        torch.Size([1, 1, 4, 6])
    """

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None, recompute_scale_factor=None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def __setstate__(self, state) -> None:
        if "recompute_scale_factor" not in state:
            state["recompute_scale_factor"] = True
        super().__setstate__(state)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Deprecated: ``Upsample(mode='nearest')`` for 2-D inputs.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.UpsamplingNearest2d(scale_factor=2)(ember.randn(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Deprecated: ``Upsample(mode='bilinear', align_corners=True)`` for 2-D inputs.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.UpsamplingBilinear2d(size=4)(ember.randn(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
