"""Flattening parameters into one vector and back.

Example:
    >>> import ember, ember.nn as nn
    >>> lin = nn.Linear(3, 2)
    >>> vec = nn.utils.parameters_to_vector(lin.parameters())
    >>> vec.shape
    torch.Size([8])
    >>> nn.utils.vector_to_parameters(ember.zeros(8), lin.parameters())
    >>> lin.bias.tolist()
    [0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from ...autograd.function import Function
from ...ops._util import xp_of

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class _ConcatFlat(Function):
    """Concatenate flattened tensors; the gradient is split back (differentiable both ways)."""

    _array_forward = True
    _backward_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays):
        ctx.shapes = [a.shape for a in arrays]
        xp = xp_of(*arrays)
        return xp.concatenate([a.reshape(-1) for a in arrays])

    @staticmethod
    def backward(ctx, grad):
        pieces = []
        offset = 0
        for shape in ctx.shapes:
            n = 1
            for s in shape:
                n *= s
            pieces.append(grad[offset : offset + n].reshape(shape))
            offset += n
        return tuple(pieces)


def _check_same_device(param: Tensor, old_device):
    device = param.device
    if old_device is not None and device != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding all ``parameters`` flattened, in order (differentiable)."""
    params = list(parameters)
    device = None
    for p in params:
        device = _check_same_device(p, device)
    return _ConcatFlat.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into ``parameters`` (their ``.data`` becomes views of it)."""
    if not isinstance(vec, Tensor):
        from ..modules.module import _typename

        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        n = param.numel()
        param._array = vec._array[pointer : pointer + n].reshape(param._array.shape)
        pointer += n
