"""Padding layers (zero, constant, reflection, replication, circular), as in ``torch.nn``.

``padding`` is an int (the same on every side) or a tuple ``(left, right, top,
bottom, front, back)`` cut to the layer's dimensionality.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.ReflectionPad1d(2)(ember.tensor([[[0.0, 1.0, 2.0, 3.0]]]))
    tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
"""

from __future__ import annotations

from ...ops.resample import pad
from .module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _padding_tuple(padding, n: int) -> tuple:
    if isinstance(padding, (list, tuple)):
        padding = tuple(padding)
        if len(padding) != 2 * n:
            raise ValueError(f"padding must be an int or a tuple of {2 * n} ints, got {padding}")
        return padding
    return (padding,) * (2 * n)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _dims = 0

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding = _padding_tuple(padding, self._dims)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ConstantPad1d((1, 2), 3.5)(ember.zeros(1, 2)).tolist()
        [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant; ``padding = (left, right, top, bottom)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ConstantPad2d(1, 9.0)(ember.zeros(1, 2, 2)).shape
        torch.Size([1, 4, 4])
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ConstantPad3d(1, 0.5)(ember.zeros(1, 2, 2, 2)).shape
        torch.Size([1, 4, 4, 4])
    """

    _dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ZeroPad1d(1)(ember.ones(1, 2))
        tensor([[0., 1., 1., 0.]])
    """

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ZeroPad2d((1, 1, 2, 0))(ember.ones(1, 1, 3, 3)).shape
        torch.Size([1, 1, 5, 5])
    """

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ZeroPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _dims = 3


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _dims = 0
    _mode = ""

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding_tuple(padding, self._dims)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with its reflection (the edge is not repeated).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ReflectionPad1d((1, 1))(ember.tensor([[1.0, 2.0, 3.0]]))
        tensor([[2., 1., 2., 3., 2.]])
    """

    _dims = 1
    _mode = "reflect"


class ReflectionPad2d(_ModePadNd):
    """Pad the last two dims with their reflection.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ReflectionPad2d(1)(ember.ones(1, 1, 3, 3)).shape
        torch.Size([1, 1, 5, 5])
    """

    _dims = 2
    _mode = "reflect"


class ReflectionPad3d(_ModePadNd):
    """Pad the last three dims with their reflection."""

    _dims = 3
    _mode = "reflect"


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim by repeating its edge values.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ReplicationPad1d(2)(ember.tensor([[1.0, 2.0]]))
        tensor([[1., 1., 1., 2., 2., 2.]])
    """

    _dims = 1
    _mode = "replicate"


class ReplicationPad2d(_ModePadNd):
    """Pad the last two dims by repeating their edges.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ReplicationPad2d(1)(ember.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    _dims = 2
    _mode = "replicate"


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dims by repeating their edges."""

    _dims = 3
    _mode = "replicate"


class CircularPad1d(_ModePadNd):
    """Pad the last dim by wrapping around.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.CircularPad1d(1)(ember.tensor([[1.0, 2.0, 3.0]]))
        tensor([[3., 1., 2., 3., 1.]])
    """

    _dims = 1
    _mode = "circular"


class CircularPad2d(_ModePadNd):
    """Pad the last two dims by wrapping around."""

    _dims = 2
    _mode = "circular"


class CircularPad3d(_ModePadNd):
    """Pad the last three dims by wrapping around."""

    _dims = 3
    _mode = "circular"
