"""ChannelShuffle (ShuffleNet's channel interleave) and its functional ``channel_shuffle``.

``(N, C, *)`` with ``C = g * k`` is read as ``(N, g, k, *)``, the two group axes are
swapped and the result is flattened back: channel ``i * k + j`` moves to ``j * g + i``.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.ChannelShuffle(2)(ember.arange(4.0).reshape(1, 4, 1)).flatten()
    tensor([0., 2., 1., 3.])
"""

from __future__ import annotations

import operator

from ..._tensor import Tensor
from ...autograd.function import Function
from ...ops._util import xp_of
from .module import Module

__all__ = ["ChannelShuffle", "channel_shuffle"]


def _shuffle_array(x, groups: int):
    xp = xp_of(x)
    n, c = x.shape[0], x.shape[1]
    rest = x.shape[2:]
    grouped = x.reshape((n, groups, c // groups) + rest)
    # A copy, as torch's: the result is contiguous, never a view of the input.
    return xp.ascontiguousarray(xp.swapaxes(grouped, 1, 2)).reshape(x.shape)


class _ChannelShuffle(Function):
    """Permute channels; the gradient is the inverse permutation, a shuffle by ``C // g``."""

    _array_forward = True
    _backward_name = "ChannelShuffleBackward0"

    @staticmethod
    def forward(ctx, input, groups=1):
        ctx.inverse_groups = input.shape[1] // groups
        return _shuffle_array(input, groups)

    @staticmethod
    def backward(ctx, grad):
        if ctx.inverse_groups == 0:  # no channels: nothing to permute
            return grad
        return _ChannelShuffle.apply(grad, groups=ctx.inverse_groups)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``(N, C, *)`` input split into ``groups`` groups.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.channel_shuffle(ember.arange(6.0).reshape(1, 6, 1), 3).flatten()
        tensor([0., 2., 4., 1., 3., 5.])
    """
    try:
        if isinstance(groups, bool):  # torch refuses bools although they are ints
            raise TypeError
        groups = operator.index(groups)
    except TypeError:
        raise TypeError(
            f"channel_shuffle(): argument 'groups' (position 2) must be int, not {type(groups).__name__}"
        ) from None
    if input.dim() <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    return _ChannelShuffle.apply(input, groups=groups)


class ChannelShuffle(Module):
    """Divide the channels of ``(N, C, *)`` input into ``groups`` groups and interleave them.

    Args:
        groups: number of groups; must divide ``C``.

    Shape:
        input ``(N, C, *)``, output the same shape.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.ChannelShuffle(3)
        ChannelShuffle(groups=3)
    """

    __constants__ = ["groups"]

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
