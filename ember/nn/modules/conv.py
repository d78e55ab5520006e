"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, as in ``torch.nn``.

Parameters, their shapes, their initialization (``kaiming_uniform_(a=sqrt(5))`` and a
bias uniform in ``±1/sqrt(fan_in)``) and the printed form are torch's, so weights copied
through ``state_dict`` give the same outputs.

Example:
    >>> import ember, ember.nn as nn
    >>> conv = nn.Conv2d(3, 8, 3, padding=1)
    >>> conv
    Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(ember.randn(2, 3, 16, 16)).shape
    torch.Size([2, 8, 16, 16])
"""

from __future__ import annotations

import math

from ...ops.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from ...ops.creation import empty
from ...ops.resample import pad
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """What the convolution layers share: parameters, checks, init and repr."""

    __constants__ = [
        "stride",
        "padding",
        "dilation",
        "groups",
        "padding_mode",
        "output_padding",
        "in_channels",
        "out_channels",
        "kernel_size",
    ]
    _dims = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride,
        padding,
        dilation,
        output_padding,
        groups: int,
        bias: bool,
        padding_mode: str,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _ntuple(stride, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = stride
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's argument (last dim first) for the non-zero padding modes
        if isinstance(self.padding, str):
            pads = [0, 0] * n
            if self.padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(n - 1, -1, -1)):
                    total = d * (k - 1)
                    pads[2 * i] = total // 2
                    pads[2 * i + 1] = total - total // 2
            self._reversed_padding_repeated_twice = pads
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(self.padding) for _ in range(2))
        self.weight = Parameter(empty(self._weight_shape(), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _weight_shape(self) -> tuple:
        """(out, in / groups, *kernel); transposed: (in, out / groups, *kernel)."""
        if self._transposed:
            return (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch does
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _function = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias, padding_mode,
            device, dtype,
        )

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._function
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)`` (or ``(C_in, L)``).

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, dilation: ints or 1-tuples.
        padding: int, tuple, ``'valid'`` or ``'same'`` (stride 1 only).
        groups: split channels into groups convolved separately.
        bias: learn an additive bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        ``(N, C_in, L_in)`` -> ``(N, C_out, L_out)``,
        ``L_out = floor((L_in + 2p - d(k-1) - 1) / s) + 1``.

    Attributes:
        weight: ``(C_out, C_in/groups, k)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Conv1d(16, 33, 3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 33, 24])
    """

    _dims = 1
    _function = staticmethod(conv1d)


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``).

    Args: as :class:`Conv1d`, with pairs for ``kernel_size``, ``stride``, ``padding``
    and ``dilation``.

    Shape:
        ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)``.

    Attributes:
        weight: ``(C_out, C_in/groups, kH, kW)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))(ember.randn(2, 16, 10, 10)).shape
        torch.Size([2, 33, 8, 10])
    """

    _dims = 2
    _function = staticmethod(conv2d)


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``.

    Attributes:
        weight: ``(C_out, C_in/groups, kD, kH, kW)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.Conv3d(2, 4, 3, padding=1)(ember.randn(1, 2, 4, 4, 4)).shape
        torch.Size([1, 4, 4, 4, 4])
    """

    _dims = 3
    _function = staticmethod(conv3d)


class _ConvTransposeNd(_ConvNd):
    _transposed = True
    _function = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups, bias,
            padding_mode, device, dtype,
        )

    def _output_padding(self, input, output_size) -> tuple:
        """The output padding that makes the output ``output_size`` (torch's rule)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        lead = 2 if input.dim() == n + 2 else 1
        output_size = tuple(output_size)
        if len(output_size) == n + lead:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or {n + lead} elements "
                f"(got {len(output_size)})"
            )
        spatial = tuple(input.shape[lead:])
        smallest = [
            (size - 1) * s - 2 * p + d * (k - 1) + 1
            for size, s, p, d, k in zip(spatial, self.stride, self.padding, self.dilation, self.kernel_size)
        ]
        largest = [lo + s - 1 for lo, s in zip(smallest, self.stride)]
        for want, lo, hi in zip(output_size, smallest, largest):
            if not lo <= want <= hi:
                raise ValueError(
                    f"requested an output size of {list(output_size)}, but valid sizes range from {smallest} to "
                    f"{largest} (for an input of {input.shape[lead:]})"
                )
        return tuple(want - lo for want, lo in zip(output_size, smallest))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        fn = type(self)._function
        return fn(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (the gradient of Conv1d with respect to its input).

    Shape:
        ``L_out = (L_in - 1) s - 2p + d(k - 1) + output_padding + 1``.

    Attributes:
        weight: ``(C_in, C_out/groups, k)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ConvTranspose1d(4, 2, 3, stride=2)(ember.randn(1, 4, 5)).shape
        torch.Size([1, 2, 11])
    """

    _dims = 1
    _function = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution; ``forward(input, output_size=None)`` picks the output padding.

    Attributes:
        weight: ``(C_in, C_out/groups, kH, kW)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> up(ember.randn(1, 16, 6, 6), output_size=[12, 12]).shape
        torch.Size([1, 8, 12, 12])
    """

    _dims = 2
    _function = staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution.

    Attributes:
        weight: ``(C_in, C_out/groups, kD, kH, kW)``; bias: ``(C_out,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ConvTranspose3d(2, 1, 2, stride=2)(ember.randn(1, 2, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _dims = 3
    _function = staticmethod(conv_transpose3d)
