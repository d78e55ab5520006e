"""Elementwise arithmetic: add, sub, mul, div, pow, ... with their gradients and operators.

Each op is a Function on raw arrays whose backward is written with ember ops, plus
the public function users call (``ember.mul``) and the Tensor method/operator.
Broadcasting is undone by the engine, never here.  The rest of the elementwise family
lives next door: ``power`` (pow, square), ``unary`` (exp, log, sqrt, sigmoid, abs, ...),
``trigonometric`` (sin, tanh, ...), ``special_math`` (erf, atan2, xlogy, ...),
``rounding`` (floor, remainder, ...), ``selection`` (where, clamp, maximum, lerp, ...)
and ``logical`` (comparisons, logical and bitwise ops).

Example:
    >>> import ember
    >>> x = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x + 1).exp()
    >>> y.grad_fn.name()
    'ExpBackward0'
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import (
    OPERAND_TYPES,
    broadcast_error,
    cast_operand,
    is_array,
    maybe_out,
    not_implemented,
    promote,
    result_dtype,
)
from ._util import bind_methods, xp_of
from .inplace import inplace_method

__all__ = [
    "add",
    "addcdiv",
    "addcmul",
    "div",
    "divide",
    "mul",
    "multiply",
    "neg",
    "negative",
    "positive",
    "relu",
    "rsub",
    "sub",
    "subtract",
    "true_divide",
]

_BOOL_SUB_BOTH = (
    "Subtraction, the `-` operator, with two bool tensors is not supported. "
    "Use the `^` or `logical_xor()` operator instead."
)
_BOOL_SUB_ONE = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. "
    "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
)


def _is_bool(x) -> bool:
    return x.dtype == np.bool_ if is_array(x) else isinstance(x, (bool, np.bool_))


def _scale_by_alpha(b, alpha, np_dtype):
    """``alpha * b`` with torch's checks: no float alpha for integer results, no bool alpha."""
    if np_dtype.kind in "iub" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, (bool, np.bool_)) and np_dtype.kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    return b * cast_operand(alpha, np_dtype)


def _dtype_of(a, b):
    return a.dtype if is_array(a) else b.dtype


# ----------------------------------------------------------------------- arithmetic
class Add(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b = promote(a, b, "add")
        if alpha != 1 or alpha is True:
            ctx.alpha = alpha  # backward reads 1 when unset: the common case stays cheap
            b = _scale_by_alpha(b, alpha, _dtype_of(a, b))
        try:
            out = a + b
        except ValueError:
            raise broadcast_error("add", np.shape(a), np.shape(b)) from None
        return out if type(out) is ndarray else xp_of(a, b).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        alpha = getattr(ctx, "alpha", 1)
        return grad, (grad if alpha == 1 else grad * alpha)


class Sub(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if _is_bool(a) or _is_bool(b):
            raise RuntimeError(_BOOL_SUB_BOTH if _is_bool(a) and _is_bool(b) else _BOOL_SUB_ONE)
        a, b = promote(a, b, "sub")
        if alpha != 1 or alpha is True:
            ctx.alpha = alpha
            b = _scale_by_alpha(b, alpha, _dtype_of(a, b))
        try:
            out = a - b
        except ValueError:
            raise broadcast_error("sub", np.shape(a), np.shape(b)) from None
        return out if type(out) is ndarray else xp_of(a, b).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        alpha = getattr(ctx, "alpha", 1)
        return grad, (-grad if alpha == 1 else grad * (-alpha))


class Rsub(Function):
    """``other - alpha * input`` (``torch.rsub``; ``2 - x``), with a tensor ``other``."""

    _array_forward = True
    _array_backward = True
    _backward_name = "RsubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        return Sub.forward(ctx, b, a, alpha)

    @staticmethod
    def backward(ctx, grad):
        alpha = getattr(ctx, "alpha", 1)
        return (-grad if alpha == 1 else grad * (-alpha)), grad


class AddScalar(Add):
    """``tensor + number`` as torch's composite ops write it (``add.Scalar``): ``AddBackward1``."""

    _backward_name = "AddBackward1"


class RsubScalar(Rsub):
    """``number - tensor``: torch names its node ``RsubBackward1``."""

    _backward_name = "RsubBackward1"


class Mul(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote(a, b, "mul")
        try:
            out = a * b
        except ValueError:
            raise broadcast_error("mul", np.shape(a), np.shape(b)) from None
        return out if type(out) is ndarray else xp_of(a, b).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if (a.dtype if is_array(a) else b.dtype).kind in "iub" and result_dtype(a, b).kind in "iub":
            # true division of integers is floating: each operand goes straight to float
            # (uint8 / -2 is -0.5, not a division by the wrapped 254)
            dt = _dtype.get_default_dtype().numpy_dtype
            a, b = cast_operand(a, dt), cast_operand(b, dt)
        else:
            a, b = promote(a, b, "div")
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = a / b
        except ValueError:
            raise broadcast_error("div", np.shape(a), np.shape(b)) from None
        return out if type(out) is ndarray else xp_of(a, b).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b if need_a else None
        grad_b = -grad * a / (b * b) if need_b else None
        return grad_a, grad_b


class Neg(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        xp = xp_of(a)
        return xp.asarray(xp.negative(a))

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Relu(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        xp = xp_of(a)
        # max(0, a) against an array of zeros: NumPy's maximum with a scalar operand
        # runs an unvectorized loop, three times slower than the two-array one even with
        # the allocation (which only costs more below a few hundred elements).  NumPy
        # returns one operand on ties (-0.0 vs 0.0): the second for float32/64, the
        # first for float16; -0.0 must stay -0.0 as in torch (nan stays nan either way).
        if a.size < 256 and a.dtype != np.float16:
            out = xp.maximum(0, a)  # a Python 0 keeps a's dtype
        else:
            # zeros_like keeps a's memory layout (a transposed input gives a transposed
            # output, as in torch); for C-order inputs plain zeros is cheaper.
            zeros = xp.zeros(a.shape, a.dtype) if a.flags.c_contiguous else xp.zeros_like(a)
            out = xp.maximum(a, zeros) if a.dtype == np.float16 else xp.maximum(zeros, a)
        if type(out) is not ndarray:
            out = xp.asarray(out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # torch: the gradient is 0 where out <= 0 (so at +-0) and passes elsewhere, nan
        # included; out is never below 0, so that is out != 0.  A comparison records no
        # graph, so the product stays differentiable in grad alone.
        return grad * (out != 0)


class Addcmul(Function):
    _array_forward = True
    _backward_name = "AddcmulBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        dt = result_dtype(a, t1, t2)
        if dt.kind == "b":
            raise not_implemented("addcmul_cpu_out", dt)
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        a, t1, t2 = (cast_operand(x, dt) for x in (a, t1, t2))
        try:
            return xp_of(a, t1, t2).asarray(a + cast_operand(value, dt) * t1 * t2)
        except ValueError:
            raise broadcast_error("addcmul", np.shape(a), np.shape(t1), np.shape(t2)) from None

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        _, need_1, need_2 = ctx.needs_input_grad
        v = ctx.value
        return grad, (grad * t2 * v if need_1 else None), (grad * t1 * v if need_2 else None)


class Addcdiv(Function):
    _array_forward = True
    _backward_name = "AddcdivBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
                ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
                "float inputs. The future addcdiv behavior is just the latter implementation: "
                "(input + value * tensor1 / tensor2), for all dtypes."
            )
        dt = result_dtype(a, t1, t2)
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        a, t1, t2 = (cast_operand(x, dt) for x in (a, t1, t2))
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return xp_of(a, t1, t2).asarray(a + cast_operand(value, dt) * t1 / t2)
        except ValueError:
            raise broadcast_error("addcdiv", np.shape(a), np.shape(t1), np.shape(t2)) from None

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        _, need_1, need_2 = ctx.needs_input_grad
        v = ctx.value
        grad_1 = grad * v / t2 if need_1 else None
        grad_2 = -grad * v * t1 / (t2 * t2) if need_2 else None
        return grad, grad_1, grad_2


# ------------------------------------------------------------------ public functions
def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion.

    Example:
        >>> import ember
        >>> ember.add(ember.tensor([1, 2]), 1.5)
        tensor([2.5000, 3.5000])
    """
    return maybe_out(Add.apply(input, other, alpha=alpha), out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``.

    Example:
        >>> import ember
        >>> ember.sub(ember.tensor([3.0]), ember.tensor([1.0]), alpha=2)
        tensor([1.])
    """
    return maybe_out(Sub.apply(input, other, alpha=alpha), out)


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (subtraction with the operands swapped).

    Example:
        >>> import ember
        >>> ember.rsub(ember.tensor([1.0, 2.0]), 5)
        tensor([4., 3.])
    """
    fn = Rsub if isinstance(other, Tensor) else RsubScalar
    return fn.apply(input, other, alpha=alpha)


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product.

    Example:
        >>> import ember
        >>> ember.mul(ember.tensor([1.0, 2.0]), 3)
        tensor([3., 6.])
    """
    return maybe_out(Mul.apply(input, other), out)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (always floating), or rounded: ``rounding_mode='trunc'|'floor'``.

    Example:
        >>> import ember
        >>> ember.div(ember.tensor([7, -7]), 2, rounding_mode="floor")
        tensor([ 3, -4])
    """
    if rounding_mode is None:
        return maybe_out(Div.apply(input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    from .rounding import rounded_div

    return maybe_out(rounded_div(input, other, rounding_mode), out)


def true_divide(input, other, *, out=None) -> Tensor:
    """Same as :func:`div` without rounding."""
    return div(input, other, out=out)


def neg(input, *, out=None) -> Tensor:
    """``-input``.

    Example:
        >>> import ember
        >>> ember.neg(ember.tensor([1, -2]))
        tensor([-1,  2])
    """
    return maybe_out(Neg.apply(input), out)


def positive(input) -> Tensor:
    """``+input``: the input itself (bool tensors are refused, as in torch)."""
    if input._array.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def relu(input) -> Tensor:
    """``max(input, 0)``; its gradient at 0 is 0, as in torch.

    Example:
        >>> import ember
        >>> ember.relu(ember.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return Relu.apply(input)


def _value_scalar(value):
    return value.item() if isinstance(value, Tensor) else value


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``.

    Example:
        >>> import ember
        >>> ember.addcmul(ember.ones(2), ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]), value=0.5)
        tensor([2.5000, 5.0000])
    """
    return maybe_out(Addcmul.apply(input, tensor1, tensor2, value=_value_scalar(value)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (integer tensor1/tensor2 are refused).

    Example:
        >>> import ember
        >>> ember.addcdiv(ember.zeros(2), ember.tensor([1.0, 2.0]), ember.tensor([4.0, 4.0]), value=2)
        tensor([0.5000, 1.0000])
    """
    return maybe_out(Addcdiv.apply(input, tensor1, tensor2, value=_value_scalar(value)), out)


subtract = sub
multiply = mul
divide = div
negative = neg


# --------------------------------------------------------- operators and methods
def _binary_operator(fn, reflected=False):
    """An operator method: NotImplemented for foreign operands, so Python can try theirs."""
    if reflected:

        def operator(self, other):
            if not isinstance(other, OPERAND_TYPES):
                return NotImplemented
            return fn(other, self)

    else:

        def operator(self, other):
            if not isinstance(other, OPERAND_TYPES):
                return NotImplemented
            return fn(self, other)

    return operator


def _rtruediv(self, other):
    # torch computes ``number / x`` as ``reciprocal(x) * number`` (a MulBackward0 node)
    from .unary import reciprocal

    return Mul.apply(reciprocal(self), other)


bind_methods(
    add=add,
    sub=sub,
    subtract=sub,
    rsub=rsub,
    mul=mul,
    multiply=mul,
    div=div,
    divide=div,
    true_divide=true_divide,
    neg=neg,
    negative=neg,
    positive=positive,
    relu=relu,
    addcmul=addcmul,
    addcdiv=addcdiv,
    __add__=_binary_operator(Add.apply),
    __radd__=_binary_operator(Add.apply, reflected=True),
    __sub__=_binary_operator(Sub.apply),
    __rsub__=_binary_operator(lambda other, self: RsubScalar.apply(self, other), reflected=True),
    __mul__=_binary_operator(Mul.apply),
    __rmul__=_binary_operator(Mul.apply, reflected=True),
    __truediv__=_binary_operator(Div.apply),
    __rtruediv__=_binary_operator(lambda other, self: _rtruediv(self, other), reflected=True),
    __neg__=lambda self: Neg.apply(self),
    __pos__=positive,
    add_=inplace_method(add),
    sub_=inplace_method(sub),
    subtract_=inplace_method(sub, "subtract_"),
    mul_=inplace_method(mul),
    multiply_=inplace_method(mul, "multiply_"),
    div_=inplace_method(div),
    divide_=inplace_method(div, "divide_"),
    true_divide_=inplace_method(true_divide),
    neg_=inplace_method(neg),
    negative_=inplace_method(neg, "negative_"),
    relu_=inplace_method(relu),
    addcmul_=inplace_method(addcmul),
    addcdiv_=inplace_method(addcdiv),
    __iadd__=inplace_method(add, "__iadd__"),
    __isub__=inplace_method(sub, "__isub__"),
    __imul__=inplace_method(mul, "__imul__"),
    __itruediv__=inplace_method(div, "__itruediv__"),
)

# The sibling modules attach their Tensor methods on import; the names below were
# first defined here, so ``from ember.ops.elementwise import exp`` keeps working.
from . import logical, power, rounding, selection, special_math, trigonometric, unary  # noqa: F401
from .logical import (  # noqa: F401
    eq,
    ge,
    greater,
    greater_equal,
    gt,
    le,
    less,
    less_equal,
    lt,
    ne,
    not_equal,
)
from .power import pow  # noqa: F401
from .selection import where  # noqa: F401
from .trigonometric import tanh  # noqa: F401
from .unary import abs, absolute, exp, log, sigmoid, sqrt  # noqa: F401
