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
from ...ops.joining import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


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
    return cat([p.reshape(-1) for p in params])


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
