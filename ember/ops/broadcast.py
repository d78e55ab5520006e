"""Undoing broadcasting: the engine's one place that sums a gradient to its input's shape."""

from __future__ import annotations

from .._tensor import Tensor
from ._util import shape_str

__all__ = ["sum_to_shape", "broadcast_shapes"]


def broadcast_shapes(*shapes) -> tuple:
    """The shape all ``shapes`` broadcast to, or RuntimeError naming them.

    Example:
        >>> import ember
        >>> ember.broadcast_shapes((2, 1), (3,))
        torch.Size([2, 3])
    """
    from .._tensor import Size

    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for i, d in enumerate(shape):
            j = ndim - len(shape) + i
            if result[j] == 1:
                result[j] = d
            elif d != 1 and d != result[j]:
                raise RuntimeError(
                    f"shape mismatch: objects cannot be broadcast to a single shape. Mismatch is "
                    f"between {' and '.join(shape_str(s) for s in shapes)} at dimension {i}"
                )
    return Size(result)


def sum_to_shape(grad: Tensor, shape: tuple, op_name: str = "", index: int = 0) -> Tensor:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched.

    Example:
        >>> import ember
        >>> sum_to_shape(ember.ones(2, 3), (3,))
        tensor([2., 2., 2.])
    """
    gshape = grad._array.shape
    if gshape == tuple(shape):
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0 or any(
        s != 1 and s != g for s, g in zip(shape, gshape[lead:])
    ):
        raise RuntimeError(
            f"Function {op_name} returned an invalid gradient at index {index} - got "
            f"{shape_str(gshape)} but expected shape compatible with {shape_str(shape)}"
        )
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
    )
    out = grad.sum(dim=dims, keepdim=True) if dims else grad
    if lead:
        out = out.reshape(tuple(shape))
    return out
