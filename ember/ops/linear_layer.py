"""The affine maps behind nn.Linear and nn.Bilinear: ``F.linear`` and ``F.bilinear``.

``linear`` is one fused Function (one BLAS call forward, two backward) rather than a
transpose, a matmul and an add, because it runs in every model's hot path.

Example:
    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.linear(ember.ones(5, 3), ember.ones(2, 3), ember.zeros(2)).shape
    torch.Size([5, 2])
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import column_sums, xp_of
from .indexing import _type_letter as _type_name

__all__ = ["bilinear", "linear"]

class Linear(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        if x.ndim > 2 and x.flags.c_contiguous:
            # One 2-D BLAS product over all leading dims beats NumPy's batched matmul loop.
            out = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
        else:
            out = x @ weight.T
        if bias is not None:
            out += bias
        return out if out.ndim else xp_of(out).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        rows = 1
        for d in x.shape[:-1]:
            rows *= d
        if not isinstance(grad, Tensor):
            # No graph wanted (the engine passes arrays): three BLAS-level array ops.
            g2 = grad.reshape(rows, out_features)
            grad_x = (g2 @ weight).reshape(x.shape) if need_x else None
            grad_w = g2.T @ x.reshape(rows, in_features) if need_w else None
            grad_b = column_sums(g2) if need_b else None
            return grad_x, grad_w, grad_b
        grad_x = grad.matmul(weight) if need_x else None
        grad_w = None
        if need_w:
            grad_w = grad.reshape(rows, out_features).t().matmul(x.reshape(rows, in_features))
        # The engine sums the bias gradient over the leading dims.
        return grad_x, grad_w, (grad if need_b else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dimension of ``input``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Example:
        >>> import ember
        >>> from ember.nn import functional as F
        >>> F.linear(ember.tensor([[1.0, 2.0]]), ember.tensor([[1.0, 1.0]]), ember.tensor([0.5]))
        tensor([[3.5000]])
    """
    x_arr, w_arr = input._array, weight._array
    x_shape, w_shape = x_arr.shape, w_arr.shape
    if len(w_shape) != 2 or not x_shape or x_shape[-1] != w_shape[-1]:
        _raise_shape_error(x_shape, w_shape)
    if x_arr.dtype != w_arr.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_type_name(x_arr.dtype)} and "
            f"{_type_name(w_arr.dtype)}"
        )
    if bias is not None and bias._array.shape not in ((w_shape[0],), (), (1,)):
        raise RuntimeError(
            f"linear: the bias of shape {tuple(bias.shape)} does not match out_features={w_shape[0]}"
        )
    return Linear.apply(input, weight, bias)


def _raise_shape_error(x_shape, w_shape):
    rows = 1
    for d in x_shape[:-1]:
        rows *= d
    mat1 = f"{rows}x{x_shape[-1]}" if x_shape else "0-d"
    mat2 = "x".join(str(d) for d in reversed(tuple(w_shape)))
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1} and {mat2})")


class Bilinear(Function):
    _array_forward = True
    _backward_name = "BilinearBackward0"

    @staticmethod
    def forward(ctx, x1, x2, weight, bias=None):
        ctx.save_for_backward(x1, x2, weight)
        xp = xp_of(x1)
        # out[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j]
        out = xp.einsum("...i,oij,...j->...o", x1, weight, x2, optimize=True)
        if bias is not None:
            out = out + bias
        return xp.asarray(out, dtype=x1.dtype)

    @staticmethod
    def backward(ctx, grad):
        x1, x2, weight = ctx.saved_tensors
        need_1, need_2, need_w, need_b = ctx.needs_input_grad
        out_f, in1, in2 = weight.shape
        flat_w = weight.reshape(out_f, in1 * in2)
        grad_1 = grad_2 = grad_w = None
        if need_1:
            # d/dx1[i] = sum_o g[o] sum_j W[o,i,j] x2[j]
            gw = grad.matmul(flat_w).reshape(*grad.shape[:-1], in1, in2)
            grad_1 = gw.matmul(x2.unsqueeze(-1)).squeeze(-1)
        if need_2:
            gw = grad.matmul(flat_w).reshape(*grad.shape[:-1], in1, in2)
            grad_2 = x1.unsqueeze(-2).matmul(gw).squeeze(-2)
        if need_w:
            outer = x1.unsqueeze(-1).matmul(x2.unsqueeze(-2)).reshape(-1, in1 * in2)
            grad_w = grad.reshape(-1, out_f).t().matmul(outer).reshape(out_f, in1, in2)
        return grad_1, grad_2, grad_w, (grad if need_b else None)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[o] = input1 @ weight[o] @ input2 + bias[o]`` over the last dimension.

    Example:
        >>> import ember
        >>> from ember.nn import functional as F
        >>> F.bilinear(ember.ones(4, 2), ember.ones(4, 3), ember.ones(5, 2, 3)).shape
        torch.Size([4, 5])
    """
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.dim()}-d")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} and "
            f"{tuple(input2.shape[:-1])}"
        )
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
            f"expected {weight.shape[1]}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
            f"expected {weight.shape[2]}"
        )
    return Bilinear.apply(input1, input2, weight, bias)
