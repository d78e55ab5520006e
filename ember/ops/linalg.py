"""Matrix products.

Example:
    >>> import ember
    >>> (ember.ones(2, 3) @ ember.ones(3, 4)).shape
    torch.Size([2, 4])
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import bind_methods, promote_arrays, xp_of

__all__ = ["matmul"]


def _dims_str(shape) -> str:
    return "x".join(str(d) for d in shape)


def _check_matmul(a_shape, b_shape, op: str = "matmul") -> None:
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got {len(a_shape)}D and {len(b_shape)}D"
        )
    k_a = a_shape[-1]
    k_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: ({_dims_str(a_shape)}) @ ({_dims_str(b_shape)}): inner dimensions {k_a} and "
            f"{k_b} differ"
        )
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise RuntimeError(
            f"{op}: ({_dims_str(a_shape)}) @ ({_dims_str(b_shape)}): batch dimensions "
            f"{tuple(batch_a)} and {tuple(batch_b)} can't be broadcast"
        ) from None


class MatMul(Function):
    _array_forward = True
    _backward_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote_arrays(a, b)
        if a.dtype == np.bool_:
            raise RuntimeError('"addmm_impl_cpu_" not implemented for \'Bool\'')
        return xp_of(a, b).matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        a_1d, b_1d = a.dim() == 1, b.dim() == 1
        g = grad
        if a_1d and b_1d:  # dot product: grad is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        if a_1d:
            g = g.unsqueeze(-2)
            a = a.unsqueeze(0)
        if b_1d:
            g = g.unsqueeze(-1)
            b = b.unsqueeze(-1)
        if need_a:
            grad_a = matmul(g, b.transpose(-1, -2))
            if a_1d:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = matmul(a.transpose(-1, -2), g)
            if b_1d:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) inputs.

    Example:
        >>> import ember
        >>> ember.matmul(ember.ones(5, 2, 3), ember.ones(3)).shape
        torch.Size([5, 2])
    """
    _check_matmul(input._array.shape, other._array.shape)
    result = MatMul.apply(input, other)
    if out is not None:
        from .inplace import copy_into_out

        return copy_into_out(out, result)
    return result


bind_methods(
    matmul=matmul,
    __matmul__=matmul,
    __rmatmul__=lambda self, other: matmul(other if isinstance(other, Tensor) else Tensor._from_array(np.asarray(other)), self),
)
