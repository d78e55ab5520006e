"""Flatten and Unflatten: reshape a range of dimensions into one, and back.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.Flatten()(ember.zeros(2, 3, 4)).shape
    torch.Size([2, 12])
    >>> nn.Unflatten(1, (3, 4))(ember.zeros(2, 12)).shape
    torch.Size([2, 3, 4])
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops._util import normalize_dim
from .module import Module

__all__ = ["Flatten", "Unflatten", "flatten_dims", "unflatten_dim"]


def flatten_dims(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input`` with dims ``start_dim..end_dim`` merged (a view when possible)."""
    if input.dim() == 0:
        return input.reshape(1)
    start = normalize_dim(start_dim, input.dim(), "flatten")
    end = normalize_dim(end_dim, input.dim(), "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(input.shape)
    merged = 1
    for s in shape[start : end + 1]:
        merged *= s
    return input.reshape(shape[:start] + (merged,) + shape[end + 1 :])


def unflatten_dim(input: Tensor, dim: int, sizes) -> Tensor:
    """``input`` with dim ``dim`` split into ``sizes`` (one entry may be -1)."""
    d = normalize_dim(dim, input.dim(), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = input.shape[d]
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 in sizes:
        if sizes.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if known == 0 or size % known:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({size}) in the input tensor"
            )
        sizes = tuple(size // known if s == -1 else s for s in sizes)
    elif known != size:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({size}) in the input tensor"
        )
    shape = tuple(input.shape)
    return input.reshape(shape[:d] + sizes + shape[d + 1 :])


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: all but the batch dim)."""

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return flatten_dims(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``."""

    __constants__ = ["dim", "unflattened_size"]

    def __init__(self, dim, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, int):
            self._require_tuple_int(unflattened_size)
        else:
            raise TypeError("invalid argument type for dim parameter (ember has no named tensors)")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def _require_tuple_int(self, value) -> None:
        if isinstance(value, (tuple, list)):
            for idx, elem in enumerate(value):
                if not isinstance(elem, int):
                    raise TypeError(
                        f"unflattened_size must be tuple of ints, but found element of type {type(elem).__name__} at pos {idx}"
                    )
            return
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(value).__name__}")

    def forward(self, input):
        return unflatten_dim(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
