"""Elementwise math: arithmetic, unary functions, comparisons, with their gradients.

Each op is a Function on raw arrays whose backward is written with ember ops, plus
the public function users call (``ember.mul``) and the Tensor method/operator.
Broadcasting is undone by the engine, never here.

Example:
    >>> import ember
    >>> x = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x + 1).exp()
    >>> y.grad_fn.name()
    'ExpBackward0'
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ._util import as_float_array, bind_methods, promote_arrays, xp_of
from .inplace import inplace_method

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "neg",
    "negative",
    "pow",
    "exp",
    "log",
    "sqrt",
    "relu",
    "sigmoid",
    "tanh",
    "abs",
    "absolute",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "where",
]


# ----------------------------------------------------------------------- arithmetic
class Add(Function):
    _array_forward = True
    _backward_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b = promote_arrays(a, b)
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return xp_of(a, b).asarray(a + b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Function):
    _array_forward = True
    _backward_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b = promote_arrays(a, b)
        if getattr(a, "dtype", None) == np.bool_ and getattr(b, "dtype", None) == np.bool_:
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return xp_of(a, b).asarray(a - b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.alpha == 1 else grad * (-ctx.alpha)


class Mul(Function):
    _array_forward = True
    _backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote_arrays(a, b)
        return xp_of(a, b).asarray(a * b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    _array_forward = True
    _backward_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote_arrays(a, b)
        if (a if hasattr(a, "dtype") else b).dtype.kind in "iub":
            a, b = _to_default_float(a), _to_default_float(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp_of(a, b).asarray(a / b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b if need_a else None
        grad_b = -grad * a / (b * b) if need_b else None
        return grad_a, grad_b


class Neg(Function):
    _array_forward = True
    _backward_name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    _array_forward = True
    _backward_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, b):
        base, exponent = a, b
        a, b = promote_arrays(a, b)
        if hasattr(a, "dtype") and a.dtype.kind in "iu" and np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = xp_of(a, b).asarray(a**b)
        ctx.save_for_backward(base, exponent, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            # d/da a**b = b * a**(b-1); torch defines it as 0 where b == 0
            grad_a = grad * b * a ** (b - 1)
            if isinstance(b, (int, float)):
                if b == 0:
                    grad_a = grad * 0
            else:
                grad_a = where(b == 0, 0.0, grad_a)
        if need_b:
            # d/db a**b = a**b * log(a); torch gives 0 where a == 0 and b >= 0
            if isinstance(a, (int, float)):
                grad_b = grad * out * math.log(a) if a > 0 else grad * 0
            else:
                grad_b = where((a == 0).logical_and(b >= 0), 0.0, grad * out * log(a))
        return grad_a, grad_b


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    Example:
        >>> import ember
        >>> ember.add(ember.tensor([1, 2]), 1.5)
        tensor([2.5000, 3.5000])
    """
    return _maybe_out(Add.apply(input, other, alpha=alpha), out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``.

    Example:
        >>> import ember
        >>> ember.sub(ember.tensor([3.0]), ember.tensor([1.0]), alpha=2)
        tensor([1.])
    """
    return _maybe_out(Sub.apply(input, other, alpha=alpha), out)


def mul(input, other, *, out=None):
    """Elementwise product.

    Example:
        >>> import ember
        >>> ember.mul(ember.tensor([1.0, 2.0]), 3)
        tensor([3., 6.])
    """
    return _maybe_out(Mul.apply(input, other), out)


def div(input, other, *, rounding_mode=None, out=None):
    """True division (always floating), or rounded: ``rounding_mode='trunc'|'floor'``.

    Example:
        >>> import ember
        >>> ember.div(ember.tensor([7, -7]), 2, rounding_mode="floor")
        tensor([ 3, -4])
    """
    if rounding_mode is None:
        return _maybe_out(Div.apply(input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    from .rounding import rounded_div

    return _maybe_out(rounded_div(input, other, rounding_mode), out)


def neg(input, *, out=None):
    """``-input``."""
    return _maybe_out(Neg.apply(input), out)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a scalar).

    Example:
        >>> import ember
        >>> ember.pow(ember.tensor([2.0, 3.0]), 2)
        tensor([4., 9.])
    """
    return _maybe_out(Pow.apply(input, exponent), out)


subtract = sub
multiply = mul
divide = div
negative = neg


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def _to_default_float(x):
    from .. import _dtype

    dt = _dtype.get_default_dtype().numpy_dtype
    return x.astype(dt) if hasattr(x, "astype") else dt.type(x)


def _maybe_out(result, out):
    """Support the ``out=`` argument: copy into ``out`` and return it."""
    if out is None:
        return result
    from .inplace import copy_into_out

    return copy_into_out(out, result)


# ------------------------------------------------------------------- unary functions
class Exp(Function):
    _array_forward = True
    _backward_name = "ExpBackward0"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = xp_of(a).exp(as_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    _array_forward = True
    _backward_name = "LogBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp_of(a).log(as_float_array(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    _array_forward = True
    _backward_name = "SqrtBackward0"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = xp_of(a).sqrt(as_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return grad / (2 * out)


class Relu(Function):
    _array_forward = True
    _backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError('"clamp_min_cpu" not implemented for \'Bool\' (relu)')
        out = xp_of(a).maximum(a, a.dtype.type(0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # torch: the gradient at 0 is 0
        return grad * (out > 0)


class Sigmoid(Function):
    _array_forward = True
    _backward_name = "SigmoidBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        a = as_float_array(a)
        # Two branches keep exp from overflowing for large |a|.
        with np.errstate(over="ignore"):
            out = xp.where(a >= 0, 1 / (1 + xp.exp(-a)), xp.exp(a) / (1 + xp.exp(a))).astype(a.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Tanh(Function):
    _array_forward = True
    _backward_name = "TanhBackward0"

    @staticmethod
    def forward(ctx, a):
        out = xp_of(a).tanh(as_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Abs(Function):
    _array_forward = True
    _backward_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        if a.dtype == np.bool_:
            return a.copy()
        return xp_of(a).abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # torch: sign(0) = 0, so the gradient at 0 is 0
        return grad * a.sign()


def exp(input, *, out=None):
    """``e ** input``."""
    return _maybe_out(Exp.apply(input), out)


def log(input, *, out=None):
    """Natural logarithm (``-inf`` at 0, ``nan`` below)."""
    return _maybe_out(Log.apply(input), out)


def sqrt(input, *, out=None):
    """Square root."""
    return _maybe_out(Sqrt.apply(input), out)


def relu(input):
    """``max(input, 0)``; its gradient at 0 is 0, as in torch."""
    return Relu.apply(input)


def sigmoid(input, *, out=None):
    """``1 / (1 + exp(-input))``, computed without overflow."""
    return _maybe_out(Sigmoid.apply(input), out)


def tanh(input, *, out=None):
    """Hyperbolic tangent."""
    return _maybe_out(Tanh.apply(input), out)


def abs(input, *, out=None):
    """Absolute value; its gradient at 0 is 0."""
    return _maybe_out(Abs.apply(input), out)


absolute = abs


# ------------------------------------------------------------------ comparisons
def _compare(np_fn):
    def compare(input, other, *, out=None):
        from .._tensor import Tensor

        a = input._array if isinstance(input, Tensor) else input
        b = other._array if isinstance(other, Tensor) else other
        a, b = promote_arrays(a, b)
        return _maybe_out(Tensor._from_array(xp_of(a, b).asarray(np_fn(a, b))), out)

    compare.__name__ = np_fn.__name__
    compare.__doc__ = f"Elementwise ``{np_fn.__name__}`` with broadcasting; returns a bool tensor."
    return compare


eq = _compare(np.equal)
ne = not_equal = _compare(np.not_equal)
lt = less = _compare(np.less)
le = less_equal = _compare(np.less_equal)
gt = greater = _compare(np.greater)
ge = greater_equal = _compare(np.greater_equal)


class Where(Function):
    _array_forward = True
    _backward_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        a, b = promote_arrays(a, b)
        xp = xp_of(condition, a, b)
        out = xp.where(condition, a, b)
        if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
            out = out.astype(np.result_type(a, b))
        return xp.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = grad.new_zeros(())
        return None, where(condition, grad, zero), where(condition, zero, grad)


def where(condition, input=None, other=None, *, out=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other``.

    With only ``condition``, returns ``condition.nonzero(as_tuple=True)``.

    Example:
        >>> import ember
        >>> ember.where(ember.tensor([True, False]), 1.0, 0.0)
        tensor([1., 0.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    from .._tensor import Tensor

    if isinstance(condition, Tensor) and condition._array.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from .. import _dtype

        dt = _dtype.result_type(input, other).numpy_dtype
        input = Tensor._from_array(np.asarray(input, dt))
    return _maybe_out(Where.apply(condition, input, other), out)


# --------------------------------------------------------- operators and methods
def _rsub(self, other):
    return Sub.apply(other, self)


def _rdiv(self, other):
    return Div.apply(other, self)


def _rpow(self, other):
    return Pow.apply(other, self)


bind_methods(
    add=add,
    sub=sub,
    subtract=sub,
    mul=mul,
    multiply=mul,
    div=div,
    divide=div,
    true_divide=true_divide,
    neg=neg,
    negative=neg,
    pow=pow,
    exp=exp,
    log=log,
    sqrt=sqrt,
    relu=relu,
    sigmoid=sigmoid,
    tanh=tanh,
    abs=abs,
    absolute=abs,
    eq=eq,
    ne=ne,
    not_equal=ne,
    lt=lt,
    less=lt,
    le=le,
    less_equal=le,
    gt=gt,
    greater=gt,
    ge=ge,
    greater_equal=ge,
    __add__=lambda self, other: Add.apply(self, other),
    __radd__=lambda self, other: Add.apply(other, self),
    __sub__=lambda self, other: Sub.apply(self, other),
    __rsub__=_rsub,
    __mul__=lambda self, other: Mul.apply(self, other),
    __rmul__=lambda self, other: Mul.apply(other, self),
    __truediv__=lambda self, other: Div.apply(self, other),
    __rtruediv__=_rdiv,
    __pow__=lambda self, other: Pow.apply(self, other),
    __rpow__=_rpow,
    __neg__=lambda self: Neg.apply(self),
    __pos__=lambda self: self,
    __abs__=lambda self: Abs.apply(self),
    __eq__=eq,
    __ne__=ne,
    __lt__=lt,
    __le__=le,
    __gt__=gt,
    __ge__=ge,
    add_=inplace_method(add),
    sub_=inplace_method(sub),
    subtract_=inplace_method(sub),
    mul_=inplace_method(mul),
    multiply_=inplace_method(mul),
    div_=inplace_method(div),
    divide_=inplace_method(div),
    true_divide_=inplace_method(true_divide),
    neg_=inplace_method(neg),
    negative_=inplace_method(neg),
    pow_=inplace_method(pow),
    exp_=inplace_method(exp),
    log_=inplace_method(log),
    sqrt_=inplace_method(sqrt),
    relu_=inplace_method(relu),
    sigmoid_=inplace_method(sigmoid),
    tanh_=inplace_method(tanh),
    abs_=inplace_method(abs),
    absolute_=inplace_method(abs),
    eq_=inplace_method(eq),
    ne_=inplace_method(ne),
    lt_=inplace_method(lt),
    le_=inplace_method(le),
    gt_=inplace_method(gt),
    ge_=inplace_method(ge),
    __iadd__=inplace_method(add),
    __isub__=inplace_method(sub),
    __imul__=inplace_method(mul),
    __itruediv__=inplace_method(div),
    __ipow__=inplace_method(pow),
)
