"""Pooling layers: max, average, adaptive, power-average and max-unpooling, 1-D to 3-D.

Thin Modules over ``ember.ops.pooling``; the stored arguments and the printed form
are torch's.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> nn.MaxPool2d(2)(ember.randn(1, 3, 8, 8)).shape
    torch.Size([1, 3, 4, 4])
"""

from __future__ import annotations

from ...ops import pooling as P
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


# ------------------------------------------------------------------------ max
class _MaxPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input):
        return type(self)._function(
            input, self.kernel_size, self.stride, self.padding, self.dilation,
            ceil_mode=self.ceil_mode, return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)``.

    Args:
        kernel_size: window size; stride: step (default ``kernel_size``);
        padding: implicit ``-inf`` padding on both sides (at most half the window);
        dilation: spacing of window elements; return_indices: also return the argmax
        positions (for :class:`MaxUnpool1d`); ceil_mode: round the output size up.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.MaxPool1d(3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 16, 24])
    """

    _function = staticmethod(P.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, H, W)`` (see :class:`MaxPool1d` for the arguments).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.MaxPool2d((3, 2), stride=(2, 1))(ember.randn(20, 16, 50, 32)).shape
        torch.Size([20, 16, 24, 31])
    """

    _function = staticmethod(P.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, D, H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.MaxPool3d(2)(ember.randn(1, 2, 4, 4, 4)).shape
        torch.Size([1, 2, 2, 2, 2])
    """

    _function = staticmethod(P.max_pool3d)


# ---------------------------------------------------------------------- average
class AvgPool1d(Module):
    """Average over sliding windows of ``(N, C, L)``.

    Args:
        kernel_size, stride (default ``kernel_size``), padding: window geometry;
        ceil_mode: round the output size up; count_include_pad: count the zero padding
        in the divisor.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AvgPool1d(3, stride=2)(ember.tensor([[[1.0, 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class _AvgPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]
    _function = None

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True, divisor_override=None
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return type(self)._function(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad, self.divisor_override
        )


class AvgPool2d(_AvgPoolNd):
    """Average over sliding windows of ``(N, C, H, W)``; ``divisor_override`` replaces the window size.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AvgPool2d(2)(ember.ones(1, 1, 4, 4)).shape
        torch.Size([1, 1, 2, 2])
    """

    _function = staticmethod(P.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Average over sliding windows of ``(N, C, D, H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AvgPool3d(2)(ember.ones(1, 1, 4, 4, 4)).shape
        torch.Size([1, 1, 2, 2, 2])
    """

    _function = staticmethod(P.avg_pool3d)


# --------------------------------------------------------------------- adaptive
class _AdaptiveAvgPoolNd(Module):
    __constants__ = ["output_size"]
    _function = None

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input):
        return type(self)._function(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed length, whatever the input length.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveAvgPool1d(5)(ember.randn(1, 64, 8)).shape
        torch.Size([1, 64, 5])
    """

    _function = staticmethod(P.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``(H, W)`` (``None`` keeps that input size).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveAvgPool2d((5, None))(ember.randn(1, 64, 8, 9)).shape
        torch.Size([1, 64, 5, 9])
    """

    _function = staticmethod(P.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``(D, H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveAvgPool3d(1)(ember.randn(1, 2, 3, 4, 5)).shape
        torch.Size([1, 2, 1, 1, 1])
    """

    _function = staticmethod(P.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    __constants__ = ["output_size", "return_indices"]
    _function = None

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input):
        return type(self)._function(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed length.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveMaxPool1d(5)(ember.randn(1, 64, 8)).shape
        torch.Size([1, 64, 5])
    """

    _function = staticmethod(P.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveMaxPool2d(7)(ember.randn(1, 64, 10, 9)).shape
        torch.Size([1, 64, 7, 7])
    """

    _function = staticmethod(P.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(D, H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.AdaptiveMaxPool3d(2)(ember.randn(1, 1, 4, 4, 4)).shape
        torch.Size([1, 1, 2, 2, 2])
    """

    _function = staticmethod(P.adaptive_max_pool3d)


# ------------------------------------------------------------------ power-average
class _LPPoolNd(Module):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]
    _function = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, ceil_mode={self.ceil_mode}"

    def forward(self, input):
        return type(self)._function(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """Power-average pooling ``(sum x**p)**(1/p)`` over windows of ``(N, C, L)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LPPool1d(2, 3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 16, 24])
    """

    _function = staticmethod(P.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over windows of ``(N, C, H, W)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LPPool2d(2, 3, stride=2)(ember.randn(2, 4, 9, 9)).shape
        torch.Size([2, 4, 4, 4])
    """

    _function = staticmethod(P.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over windows of ``(N, C, D, H, W)``."""

    _function = staticmethod(P.lp_pool3d)


# ---------------------------------------------------------------------- unpooling
class _MaxUnpoolNd(Module):
    _dims = 0
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        n = self._dims
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, n)
        self.padding = _ntuple(padding, n)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        return type(self)._function(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """Put pooled maxima back where :class:`MaxPool1d` found them (zeros elsewhere).

    Example:
        >>> import ember, ember.nn as nn
        >>> out, idx = nn.MaxPool1d(2, return_indices=True)(ember.tensor([[[1.0, 2, 3, 4]]]))
        >>> nn.MaxUnpool1d(2)(out, idx)
        tensor([[[0., 2., 0., 4.]]])
    """

    _dims = 1
    _function = staticmethod(P.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d`.

    Example:
        >>> import ember, ember.nn as nn
        >>> out, idx = nn.MaxPool2d(2, return_indices=True)(ember.randn(1, 1, 4, 4))
        >>> nn.MaxUnpool2d(2)(out, idx).shape
        torch.Size([1, 1, 4, 4])
    """

    _dims = 2
    _function = staticmethod(P.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d`."""

    _dims = 3
    _function = staticmethod(P.max_unpool3d)
