"""Fractional max pooling layers (2-D and 3-D), thin Modules over ``ember.ops.fractional_pooling``.

The stored arguments, the ``_random_samples`` buffer and the (empty) printed form are torch's.

Example:
    >>> import ember, ember.nn as nn
    >>> pool = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
    >>> pool(ember.randn(20, 16, 50, 32)).shape
    torch.Size([20, 16, 25, 16])
"""

from __future__ import annotations

from ...ops import fractional_pooling as FP
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


def _ntuple(value, n: int):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _FractionalMaxPoolNd(Module):
    __constants__ = ("kernel_size", "return_indices", "output_size", "output_ratio")
    _dims = 2
    _function = None

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices: bool = False,
        _random_samples=None,
    ) -> None:
        super().__init__()
        n = self._dims
        self.kernel_size = _ntuple(kernel_size, n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, n)
        self.output_ratio = _ntuple(output_ratio, n)
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{type(self).__name__} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < self.output_ratio[i] < 1 for i in range(n)):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return type(self)._function(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Max over pseudo-random overlapping windows of ``(N, C, H, W)`` (Graham, 2014).

    Args:
        kernel_size: the window (int or pair); output_size: the target ``(H_out, W_out)``;
        output_ratio: the target as fractions of the input in (0, 1) (give one of the
        two); return_indices: also return the flat argmax positions (for
        ``nn.MaxUnpool2d``); _random_samples: fixed ``(N, C, 2)`` samples in [0, 1).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.FractionalMaxPool2d(3, output_size=(13, 12))(ember.randn(2, 4, 50, 32)).shape
        torch.Size([2, 4, 13, 12])
    """

    _dims = 2
    _function = staticmethod(FP.fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Max over pseudo-random overlapping windows of ``(N, C, T, H, W)``.

    Arguments as :class:`FractionalMaxPool2d`, with triples and ``(N, C, 3)`` samples.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.FractionalMaxPool3d(2, output_ratio=0.5)(ember.randn(1, 2, 8, 8, 8)).shape
        torch.Size([1, 2, 4, 4, 4])
    """

    _dims = 3
    _function = staticmethod(FP.fractional_max_pool3d)
