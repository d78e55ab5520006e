"""Matrix products: matmul, mm, bmm, mv, dot, vdot, inner, outer, tensordot, kron and
the fused ``add*`` forms (addmm, addmv, addbmm, baddbmm).

Forward and backward of a product are one BLAS call each (NumPy's ``matmul`` takes
transposed, non-contiguous operands without copying them).  As in torch, the operands
of a product must share a dtype.  Einsum lives in ``einsum.py``; inverses, solvers and
decompositions in ``linalg_decompositions.py``.

Example:
    >>> import ember
    >>> (ember.ones(2, 3) @ ember.ones(3, 4)).shape
    torch.Size([2, 4])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import accumulation_dtype, c_type_name, type_name
from ._util import bind_methods, promote_arrays, shape_str, xp_of
from .inplace import copy_into_out, inplace_method

__all__ = [
    "addbmm",
    "addmm",
    "addmv",
    "baddbmm",
    "bmm",
    "chain_matmul",
    "cross",
    "dot",
    "ger",
    "inner",
    "kron",
    "matmul",
    "mm",
    "mv",
    "outer",
    "tensordot",
    "trace",
    "vdot",
]


def _dims_str(shape) -> str:
    return "x".join(str(d) for d in shape)


def _with_out(result, out):
    return result if out is None else copy_into_out(out, result)


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    if a._array.dtype != b._array.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {c_type_name(a._array.dtype)} != "
            f"{c_type_name(b._array.dtype)}"
        )


def _check_not_bool(*arrays) -> None:
    if arrays[0].dtype == np.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _require_tensors(op: str, **arguments) -> None:
    for position, (name, value) in enumerate(arguments.items(), 1):
        if not isinstance(value, Tensor):
            kind = type(value)
            kind = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {kind}")


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._from_array(np.asarray(x))


# ------------------------------------------------------------------------ matmul
def _check_matmul(a_shape, b_shape, op: str = "matmul") -> None:
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"both arguments to {op} need to be at least 1D, but they are {len(a_shape)}D and {len(b_shape)}D"
        )
    k_a = a_shape[-1]
    k_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: ({_dims_str(a_shape)}) @ ({_dims_str(b_shape)}): inner dimensions {k_a} and "
            f"{k_b} differ"
        )
    if len(a_shape) <= 2 and len(b_shape) <= 2:
        return
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"{op}: ({_dims_str(a_shape)}) @ ({_dims_str(b_shape)}): batch dimensions "
            f"{tuple(a_shape[:-2])} and {tuple(b_shape[:-2])} can't be broadcast"
        ) from None


def _matmul_arrays(a, b):
    """``a @ b``; a stack of matrices times one matrix becomes a single 2-D BLAS call."""
    half = accumulation_dtype(a)
    if half is not None:  # no BLAS for half types: multiply in float32, round once at the end
        return _matmul_arrays(a.astype(half), b.astype(half)).astype(a.dtype)
    if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(a.shape[:-1] + (b.shape[-1],))
    xp = xp_of(a, b)
    out = xp.matmul(a, b)
    return out if a.ndim + b.ndim > 2 else xp.asarray(out)  # 1-D @ 1-D gives a NumPy scalar


class MatMul(Function):
    """``a @ b`` for 2-D operands (torch's ``mm``); subclasses name the other cases."""

    _array_forward = True
    _backward_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _matmul_arrays(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return _matmul_backward(grad, a, b, need_a, need_b)


class _Mv(MatMul):
    _backward_name = "MvBackward0"


class _Dot(MatMul):
    _backward_name = "DotBackward0"


class _Vdot(MatMul):
    _backward_name = "VdotBackward0"


class _VecMat(MatMul):
    _backward_name = "SqueezeBackward4"


class _BatchedMatMul(MatMul):
    _backward_name = "UnsafeViewBackward0"


class _Bmm(MatMul):
    _backward_name = "BmmBackward0"


_MATMUL_BY_NDIM = {(1, 1): _Dot, (2, 1): _Mv, (1, 2): _VecMat, (2, 2): MatMul}


class SwapLastDims(Function):
    """``x.transpose(-1, -2)`` for use inside backward passes: a plain strided view,
    without the view bookkeeping user-facing transposes need (nothing writes to it)."""

    _array_forward = True
    _backward_name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.swapaxes(-1, -2)

    @staticmethod
    def backward(ctx, grad):
        return SwapLastDims.apply(grad)


def _matmul_backward(grad, a, b, need_a, need_b):
    """Gradients of ``a @ b`` for every operand rank, each one matrix product."""
    a_nd, b_nd = a._array.ndim, b._array.ndim
    grad_a = grad_b = None
    if a_nd == 1 and b_nd == 1:
        return (grad * b if need_a else None), (grad * a if need_b else None)
    if a_nd == 2 and b_nd == 2:
        if need_a:
            grad_a = _product(grad, SwapLastDims.apply(b))
        if need_b:
            grad_b = _product(SwapLastDims.apply(a), grad)
        return grad_a, grad_b
    if b_nd == 2 and a_nd > 2 and need_b:
        # One matrix shared by a stack: its gradient is a single 2-D product.
        k, m = b._array.shape
        grad_b = _product(SwapLastDims.apply(a.reshape(-1, k)), grad.reshape(-1, m))
        need_b = False
    g = grad
    if a_nd == 1:
        g = g.unsqueeze(-2)
        a = a.unsqueeze(0)
    if b_nd == 1:
        g = g.unsqueeze(-1)
        b = b.unsqueeze(-1)
    if need_a:
        grad_a = _product(g, SwapLastDims.apply(b))
        if a_nd == 1:
            grad_a = grad_a.squeeze(-2)
    if need_b:
        grad_b = _product(SwapLastDims.apply(a), g)
        if b_nd == 1:
            grad_b = grad_b.squeeze(-1)
    return grad_a, grad_b


def _product(x: Tensor, y: Tensor) -> Tensor:
    """``x @ y`` without matmul's argument checks (for backward passes, whose operands fit)."""
    return _MATMUL_BY_NDIM.get((x._array.ndim, y._array.ndim), _BatchedMatMul).apply(x, y)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) inputs.

    Example:
        >>> import ember
        >>> ember.matmul(ember.ones(5, 2, 3), ember.ones(3)).shape
        torch.Size([5, 2])
    """
    _require_tensors("matmul", input=input, other=other)
    a, b = input._array, other._array
    _check_matmul(a.shape, b.shape)
    if a.dtype != b.dtype:
        _check_same_dtype(input, other)
    _check_not_bool(a)
    fn = _MATMUL_BY_NDIM.get((a.ndim, b.ndim), _BatchedMatMul)
    return _with_out(fn.apply(input, other), out)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Product of two matrices (no broadcasting).

    Example:
        >>> import ember
        >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
        torch.Size([2, 4])
    """
    _require_tensors("mm", input=input, mat2=mat2)
    a, b = input._array, mat2._array
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims_str(a.shape)} and {_dims_str(b.shape)})"
        )
    _check_same_dtype(input, mat2)
    _check_not_bool(a)
    return _with_out(MatMul.apply(input, mat2), out)


def _check_bmm(a, b, first: str = "batch1", second: str = "batch2") -> None:
    if a.ndim != 3:
        raise RuntimeError(f"{first} must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError(f"{second} must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            f"Expected size for first two dimensions of {second} tensor to be: [{a.shape[0]}, {a.shape[2]}] "
            f"but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {type_name(a.dtype)} but found {type_name(b.dtype)}")
    _check_not_bool(a)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched product of ``(b, n, m)`` and ``(b, m, p)`` tensors (no broadcasting).

    Example:
        >>> import ember
        >>> ember.bmm(ember.ones(4, 2, 3), ember.ones(4, 3, 5)).shape
        torch.Size([4, 2, 5])
    """
    _check_bmm(input._array, mat2._array)
    return _with_out(_Bmm.apply(input, mat2), out)


def _check_mv(input_shape, a, v) -> None:
    if a.ndim != 2 or v.ndim != 1 or (input_shape is not None and len(input_shape) > 1):
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {1 if input_shape is None else len(input_shape)}, "
            f"{a.ndim}, {v.ndim}"
        )
    n = a.shape[0] if input_shape is None else (input_shape[0] if input_shape else 1)
    if a.shape[1] != v.shape[0] or (input_shape is not None and n not in (1, a.shape[0])):
        size = a.shape[0] if input_shape is None else n
        raise RuntimeError(
            f"size mismatch, got input ({size}), mat ({_dims_str(a.shape)}), vec ({v.shape[0]})"
        )


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix times vector.

    Example:
        >>> import ember
        >>> ember.mv(ember.ones(2, 3), ember.ones(3))
        tensor([3., 3.])
    """
    _check_mv(None, input._array, vec._array)
    _check_same_dtype(input, vec)
    _check_not_bool(input._array)
    return _with_out(_Mv.apply(input, vec), out)


def _check_vectors(a, b, op: str) -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the "
            f"same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op} : expected both vectors to have same dtype, but found {type_name(a.dtype)} and "
            f"{type_name(b.dtype)}"
        )


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors.

    Example:
        >>> import ember
        >>> ember.dot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
        tensor(11.)
    """
    _check_vectors(input._array, other._array, "dot")
    return _with_out(_Dot.apply(input, other), out)


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors (conjugating the first; real tensors: ``dot``).

    Example:
        >>> import ember
        >>> ember.vdot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
        tensor(11.)
    """
    _check_vectors(input._array, other._array, "vdot")
    return _with_out(_Vdot.apply(input, other), out)


def chain_matmul(*matrices, out=None) -> Tensor:
    """Product of a chain of matrices, left to right (deprecated in torch: use ``linalg.multi_dot``).

    Example:
        >>> import ember
        >>> ember.chain_matmul(ember.ones(2, 3), ember.ones(3, 4), ember.ones(4, 1))
        tensor([[12.],
                [12.]])
    """
    result = matrices[0]
    for m in matrices[1:]:
        result = mm(result, m)
    return _with_out(result, out)


# ------------------------------------------------------------- outer, inner, tensordot
def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two 1-D tensors.

    Example:
        >>> import ember
        >>> ember.outer(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 10.0]))
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    for name, t in (("self", input), ("vec2", vec2)):
        if t._array.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._array.ndim}-D")
    return _with_out(input.reshape(-1, 1) * vec2, out)


ger = outer


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Sum products over the given dims of ``a`` and ``b``.

    ``dims`` is a count (the last ``dims`` of ``a`` with the first of ``b``) or a pair
    of dim lists.

    Example:
        >>> import ember
        >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(3, 4, 5), dims=2).shape
        torch.Size([2, 5])
    """
    a_shape, b_shape = a._array.shape, b._array.shape
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(len(a_shape), len(b_shape)):
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}"
            )
        dims_a = list(range(len(a_shape) - dims, len(a_shape)))
        dims_b = list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
    dims_a = [d % max(len(a_shape), 1) for d in dims_a]
    dims_b = [d % max(len(b_shape), 1) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a_shape[da] != b_shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a_shape[da]} in dim {da} and "
                f"second has size {b_shape[db]} in dim {db}"
            )
    if a._array.dtype != b._array.dtype:
        raise RuntimeError("both inputs should have same dtype")
    free_a = [d for d in range(len(a_shape)) if d not in dims_a]
    free_b = [d for d in range(len(b_shape)) if d not in dims_b]
    k = int(np.prod([a_shape[d] for d in dims_a]))
    left = a.permute(free_a + dims_a).reshape(-1, k)
    right = b.permute(dims_b + free_b).reshape(k, -1)
    result = mm(left, right).reshape([a_shape[d] for d in free_a] + [b_shape[d] for d in free_b])
    return _with_out(result, out)


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum of products over the last dim of both; with a 0-d operand, a product.

    Example:
        >>> import ember
        >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
        torch.Size([2, 4])
    """
    a, b = input._array, other._array
    if a.ndim == 0 or b.ndim == 0:
        return _with_out(input * other, out)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{shape_str(a.shape)} and {shape_str(b.shape)}"
        )
    return _with_out(tensordot(input, other, dims=([-1], [-1])), out)


# -------------------------------------------------------------------------- kron
class Kron(Function):
    _array_forward = True
    _backward_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote_arrays(a, b)
        return np.kron(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        nd = max(a._array.ndim, b._array.ndim)
        a_shape = (1,) * (nd - a._array.ndim) + a._array.shape
        b_shape = (1,) * (nd - b._array.ndim) + b._array.shape
        # out[i*B + j] = a[i] * b[j]: view the gradient with a's and b's dims interleaved.
        interleaved = grad.reshape([s for pair in zip(a_shape, b_shape) for s in pair])
        a_axes = tuple(range(0, 2 * nd, 2))
        b_axes = tuple(range(1, 2 * nd, 2))
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            b_spread = b.reshape([s for d in b_shape for s in (1, d)])
            grad_a = (interleaved * b_spread).sum(b_axes).reshape(a._array.shape)
        if ctx.needs_input_grad[1]:
            a_spread = a.reshape([s for d in a_shape for s in (d, 1)])
            grad_b = (interleaved * a_spread).sum(a_axes).reshape(b._array.shape)
        return grad_a, grad_b


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product (any ranks; the smaller is padded with leading 1s).

    Example:
        >>> import ember
        >>> ember.kron(ember.eye(2), ember.ones(2, 2)).shape
        torch.Size([4, 4])
    """
    return _with_out(Kron.apply(input, other), out)


# ------------------------------------------------------------------- fused add*
def _check_expandable(input_shape, target) -> None:
    """torch's error when the added ``input`` can't be broadcast to the product's shape."""
    lead = len(target) - len(input_shape)
    ok = lead >= 0 and all(s in (1, t) for s, t in zip(input_shape, target[lead:]))
    if not ok:
        for i in range(len(input_shape)):
            j = i + lead
            if j < 0 or input_shape[i] not in (1, target[j]):
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[j] if j >= 0 else 1}) must match the existing "
                    f"size ({input_shape[i]}) at non-singleton dimension {j}.  Target sizes: "
                    f"{shape_str(target)}.  Tensor sizes: {shape_str(input_shape)}"
                )


def _scaled_sum(product, input_arr, beta, alpha):
    """``beta * input + alpha * product`` in place on the fresh product array."""
    if alpha != 1:
        product *= product.dtype.type(alpha) if product.dtype.kind != "f" else alpha
    if beta != 0:  # beta == 0 ignores input entirely (NaN in it does not propagate)
        product += input_arr if beta == 1 else input_arr * beta
    return product


class Addmm(Function):
    """``beta * input + alpha * (mat1 @ mat2)`` (also the batched ``baddbmm``)."""

    _array_forward = True
    _backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, input, a, b, beta=1, alpha=1):
        ctx.save_for_backward(a, b)
        ctx.beta, ctx.alpha = beta, alpha
        return _scaled_sum(_matmul_arrays(a, b), input, beta, alpha)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_input, need_a, need_b = ctx.needs_input_grad
        grad_input = (grad * ctx.beta if ctx.beta != 1 else grad) if need_input else None
        scaled = grad * ctx.alpha if ctx.alpha != 1 else grad
        grad_a, grad_b = _matmul_backward(scaled, a, b, need_a, need_b)
        return grad_input, grad_a, grad_b


class _Addmv(Addmm):
    _backward_name = "AddmvBackward0"


class _Baddbmm(Addmm):
    _backward_name = "BaddbmmBackward0"


class Addbmm(Function):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``, as one 2-D BLAS call."""

    _array_forward = True
    _backward_name = "AddbmmBackward0"

    @staticmethod
    def forward(ctx, input, a, b, beta=1, alpha=1):
        ctx.save_for_backward(a, b)
        ctx.beta, ctx.alpha = beta, alpha
        batch, n, k = a.shape
        m = b.shape[2]
        # sum_i a[i] @ b[i] == [a[0] a[1] ...] @ [b[0]; b[1]; ...]
        wide = a.transpose(1, 0, 2).reshape(n, batch * k)
        return _scaled_sum(_matmul_arrays(wide, b.reshape(batch * k, m)), input, beta, alpha)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_input, need_a, need_b = ctx.needs_input_grad
        grad_input = (grad * ctx.beta if ctx.beta != 1 else grad) if need_input else None
        scaled = grad * ctx.alpha if ctx.alpha != 1 else grad
        grad_a = matmul(scaled.unsqueeze(0), b.transpose(1, 2)) if need_a else None
        grad_b = matmul(a.transpose(1, 2), scaled.unsqueeze(0)) if need_b else None
        return grad_input, grad_a, grad_b


def _check_input_dtype(input: Tensor, mat: Tensor) -> None:
    if input._array.dtype != mat._array.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {type_name(input._array.dtype)} and "
            f"{type_name(mat._array.dtype)}"
        )


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product.

    Example:
        >>> import ember
        >>> ember.addmm(ember.zeros(3), ember.ones(2, 4), ember.ones(4, 3), alpha=0.5)
        tensor([[2., 2., 2.],
                [2., 2., 2.]])
    """
    input = _as_tensor(input)
    a, b = mat1._array, mat2._array
    if a.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got " + f"{a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix, got " + f"{b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims_str(a.shape)} and {_dims_str(b.shape)})"
        )
    _check_expandable(input._array.shape, (a.shape[0], b.shape[1]))
    _check_input_dtype(input, mat2)
    _check_same_dtype(mat1, mat2)
    _check_not_bool(a)
    return _with_out(Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``.

    Example:
        >>> import ember
        >>> ember.addmv(ember.ones(2), ember.ones(2, 3), ember.ones(3))
        tensor([4., 4.])
    """
    input = _as_tensor(input)
    _check_mv(input._array.shape, mat._array, vec._array)
    _check_input_dtype(input, mat)
    _check_same_dtype(mat, vec)
    _check_not_bool(mat._array)
    return _with_out(_Addmv.apply(input, mat, vec, beta=beta, alpha=alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``.

    Example:
        >>> import ember
        >>> ember.addbmm(ember.zeros(2, 5), ember.ones(4, 2, 3), ember.ones(4, 3, 5))[0, 0]
        tensor(12.)
    """
    input = _as_tensor(input)
    a, b = batch1._array, batch2._array
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and {b.shape[1]}x{b.shape[2]})"
            if a.shape[0] == b.shape[0]
            else f"batch1 and batch2 must have same number of batches, got {a.shape[0]} and {b.shape[0]}"
        )
    _check_expandable(input._array.shape, (a.shape[1], b.shape[2]))
    _check_input_dtype(input, batch2)
    _check_same_dtype(batch1, batch2)
    _check_not_bool(a)
    return _with_out(Addbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``.

    Example:
        >>> import ember
        >>> ember.baddbmm(ember.zeros(2, 5), ember.ones(4, 2, 3), ember.ones(4, 3, 5)).shape
        torch.Size([4, 2, 5])
    """
    input = _as_tensor(input)
    a, b = batch1._array, batch2._array
    _check_bmm(a, b)
    _check_expandable(input._array.shape, (a.shape[0], a.shape[1], b.shape[2]))
    _check_input_dtype(input, batch2)
    return _with_out(_Baddbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha), out)


# ------------------------------------------------------------------ trace, cross
class Trace(Function):
    _array_forward = True
    _backward_name = "TraceBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        dtype = np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype
        return xp_of(a).asarray(np.trace(a, dtype=dtype))

    @staticmethod
    def backward(ctx, grad):
        eye = Tensor._from_array(np.eye(*ctx.shape, dtype=grad._array.dtype))
        return grad * eye


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix.

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).trace()
        tensor(5.)
    """
    if input._array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._array.ndim}")
    return Trace.apply(input)


class Cross(Function):
    _array_forward = True
    _backward_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx, a, b, dim=-1):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        a, b = promote_arrays(a, b)
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # g . (da x b) = da . (b x g)  and  g . (a x db) = db . (g x a)
        grad_a = Cross.apply(b, grad, dim=ctx.dim) if need_a else None
        grad_b = Cross.apply(grad, a, dim=ctx.dim) if need_b else None
        return grad_a, grad_b


def _cross(input: Tensor, other: Tensor, dim: int, out=None) -> Tensor:
    a, b = input._array, other._array
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = dim % max(a.ndim, 1)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and {b.shape[d]}"
        )
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(
            f"linalg.cross: the shapes {shape_str(a.shape)} and {shape_str(b.shape)} can't be broadcast"
        ) from None
    return _with_out(Cross.apply(input, other, dim=d), out)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """``torch.linalg.cross``: cross products of 3-vectors along ``dim`` (default last).

    Example:
        >>> import ember
        >>> ember.linalg.cross(ember.tensor([1.0, 0.0, 0.0]), ember.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    return _cross(input, other, dim, out)


def cross(input: Tensor, other: Tensor, dim=None, *, out=None) -> Tensor:
    """Cross products of 3-vectors along ``dim`` (default: the first dim of size 3).

    Example:
        >>> import ember
        >>> ember.cross(ember.tensor([[1.0, 0.0, 0.0]]), ember.tensor([[0.0, 0.0, 1.0]]), dim=1)
        tensor([[ 0., -1.,  0.]])
    """
    if dim is None:
        import warnings

        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
            "explicitly or simply use torch.linalg.cross.",
            UserWarning,
            stacklevel=2,
        )
        sizes = np.broadcast_shapes(input._array.shape, other._array.shape)
        dim = next((i for i, s in enumerate(sizes) if s == 3), -1)
    return _cross(input, other, dim, out)


def _matmul_operator(self, other):
    if not isinstance(other, Tensor):
        if not isinstance(other, np.ndarray):
            return NotImplemented  # Python then raises "unsupported operand type(s) for @"
        other = _as_tensor(other)
    return matmul(self, other)


def _rmatmul(self, other):
    if not isinstance(other, np.ndarray):
        return NotImplemented
    return matmul(_as_tensor(other), self)


bind_methods(
    matmul=matmul,
    __matmul__=_matmul_operator,
    __rmatmul__=_rmatmul,
    mm=mm,
    bmm=bmm,
    mv=mv,
    dot=dot,
    vdot=vdot,
    inner=inner,
    outer=outer,
    ger=ger,
    kron=kron,
    addmm=addmm,
    addmv=addmv,
    addbmm=addbmm,
    baddbmm=baddbmm,
    addmm_=inplace_method(addmm),
    addmv_=inplace_method(addmv),
    addbmm_=inplace_method(addbmm),
    baddbmm_=inplace_method(baddbmm),
    trace=trace,
    cross=cross,
)
