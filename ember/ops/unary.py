"""Unary math: the exp and log families, roots, reciprocal, sigmoid/logit, abs and sign,
with their gradients.

Most of these are one ufunc: a ``FloatUnary`` subclass names it (``_ufunc``), says
whether backward needs the input or the output, and writes the derivative as torch
defines it.  Integer and bool inputs compute in the default float dtype (``exp(int)``
is float32).  Trigonometric functions live in ``trigonometric.py``.

Example:
    >>> import ember
    >>> x = ember.tensor([0.0, 1.0], requires_grad=True)
    >>> x.exp().sum().backward(); x.grad
    tensor([1.0000, 2.7183])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import FloatUnary, float_operand, maybe_out, not_implemented, unary_function
from ._util import bind_methods, xp_of
from .inplace import inplace_method
from .selection import where

__all__ = [
    "abs",
    "absolute",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "logit",
    "reciprocal",
    "rsqrt",
    "sgn",
    "sigmoid",
    "sign",
    "sqrt",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


# ------------------------------------------------------------------ exp and log
class Exp(FloatUnary):
    _backward_name = "ExpBackward0"
    _ufunc = "exp"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Exp2(FloatUnary):
    _backward_name = "Exp2Backward0"
    _ufunc = "exp2"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * _LN2


class Expm1(FloatUnary):
    _backward_name = "Expm1Backward0"
    _ufunc = "expm1"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log(FloatUnary):
    _backward_name = "LogBackward0"
    _ufunc = "log"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Log2(FloatUnary):
    _backward_name = "Log2Backward0"
    _ufunc = "log2"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * _LN2)


class Log10(FloatUnary):
    _backward_name = "Log10Backward0"
    _ufunc = "log10"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * _LN10)


class Log1p(FloatUnary):
    _backward_name = "Log1PBackward0"
    _ufunc = "log1p"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a + 1)


# ------------------------------------------------------------------------- roots
class Sqrt(FloatUnary):
    _backward_name = "SqrtBackward0"
    _ufunc = "sqrt"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Rsqrt(FloatUnary):
    _backward_name = "RsqrtBackward0"
    _saves = "output"

    @classmethod
    def forward(cls, ctx, a):
        xp = xp_of(a)
        a = float_operand(a)
        with np.errstate(all="ignore"):
            out = xp.asarray(a.dtype.type(1) / xp.sqrt(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -0.5 * grad * out**3


class Reciprocal(FloatUnary):
    _backward_name = "ReciprocalBackward0"
    _saves = "output"

    @classmethod
    def forward(cls, ctx, a):
        xp = xp_of(a)
        a = float_operand(a)
        with np.errstate(all="ignore"):
            out = xp.asarray(a.dtype.type(1) / a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * (out * out)


# ------------------------------------------------------------- sigmoid and logit
class Sigmoid(FloatUnary):
    _backward_name = "SigmoidBackward0"
    _saves = "output"

    @classmethod
    def forward(cls, ctx, a):
        xp = xp_of(a)
        a = float_operand(a)
        compute = a.astype(np.float32) if a.dtype.itemsize < 4 else a  # half: float32 math
        # exp(-|a|) never overflows; the two branches are the same function.
        e = xp.exp(-xp.abs(compute))
        out = xp.asarray(xp.where(compute >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out) * out


class Logit(FloatUnary):
    _backward_name = "LogitBackward0"

    @classmethod
    def forward(cls, ctx, a, eps=None):
        xp = xp_of(a)
        a = float_operand(a)
        ctx.save_for_backward(a)
        ctx.eps = eps
        x = a if eps is None else xp.clip(a, a.dtype.type(eps), a.dtype.type(1 - eps))
        with np.errstate(all="ignore"):
            return xp.asarray(xp.log(x / (1 - x)))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        slope = grad / (a * (1 - a))
        if ctx.eps is None:  # torch: nan outside [0, 1], no clamping
            return where((a < 0).logical_or(a > 1), math.nan, slope)
        outside = (a < ctx.eps).logical_or(a > 1 - ctx.eps)
        return where(outside, 0.0, slope)


# ------------------------------------------------------------------- abs and sign
class Abs(Function):
    _array_forward = True
    _backward_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise not_implemented("abs_cpu", a.dtype)
        ctx.save_for_backward(a)
        xp = xp_of(a)
        return xp.asarray(xp.abs(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # torch: sgn(0) = 0, so the gradient at 0 is 0
        return grad * a.sgn()


def _sign_array(a):
    if a.dtype == np.bool_:
        return a.copy()
    xp = xp_of(a)
    # (0 < a) - (a < 0): 0 for nan and for both zeros, as torch gives
    return xp.asarray((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype))


class Sign(Function):
    _array_forward = True
    _backward_name = "SignBackward0"

    @staticmethod
    def forward(ctx, a):
        return _sign_array(a)

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros_like

        return zeros_like(grad)


class Sgn(Sign):
    _backward_name = "SgnBackward0"


# ------------------------------------------------------------ public functions
exp = unary_function(
    "exp",
    Exp,
    """``e ** input``.

    Example:
        >>> import ember
        >>> ember.exp(ember.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
    """,
)
exp2 = unary_function(
    "exp2",
    Exp2,
    """``2 ** input``.

    Example:
        >>> import ember
        >>> ember.exp2(ember.tensor([3]))
        tensor([8.])
    """,
)
expm1 = unary_function(
    "expm1",
    Expm1,
    """``exp(input) - 1``, accurate near 0.

    Example:
        >>> import ember
        >>> ember.expm1(ember.tensor([1e-10], dtype=ember.float64))
        tensor([1.0000e-10], dtype=torch.float64)
    """,
)
log = unary_function(
    "log",
    Log,
    """Natural logarithm (``-inf`` at 0, ``nan`` below).

    Example:
        >>> import ember
        >>> ember.log(ember.tensor([1.0, 0.0]))
        tensor([0., -inf])
    """,
)
log2 = unary_function(
    "log2",
    Log2,
    """Base-2 logarithm.

    Example:
        >>> import ember
        >>> ember.log2(ember.tensor([8.0]))
        tensor([3.])
    """,
)
log10 = unary_function(
    "log10",
    Log10,
    """Base-10 logarithm.

    Example:
        >>> import ember
        >>> ember.log10(ember.tensor([100.0]))
        tensor([2.])
    """,
)
log1p = unary_function(
    "log1p",
    Log1p,
    """``log(1 + input)``, accurate near 0.

    Example:
        >>> import ember
        >>> ember.log1p(ember.tensor([0.0]))
        tensor([0.])
    """,
)
sqrt = unary_function(
    "sqrt",
    Sqrt,
    """Square root (``nan`` for negative inputs).

    Example:
        >>> import ember
        >>> ember.sqrt(ember.tensor([4.0, 9.0]))
        tensor([2., 3.])
    """,
)
rsqrt = unary_function(
    "rsqrt",
    Rsqrt,
    """``1 / sqrt(input)``.

    Example:
        >>> import ember
        >>> ember.rsqrt(ember.tensor([4.0]))
        tensor([0.5000])
    """,
)
reciprocal = unary_function(
    "reciprocal",
    Reciprocal,
    """``1 / input`` (integers give floats).

    Example:
        >>> import ember
        >>> ember.reciprocal(ember.tensor([2, 4]))
        tensor([0.5000, 0.2500])
    """,
)
sigmoid = unary_function(
    "sigmoid",
    Sigmoid,
    """``1 / (1 + exp(-input))``, computed without overflow.

    Example:
        >>> import ember
        >>> ember.sigmoid(ember.tensor([0.0]))
        tensor([0.5000])
    """,
)
abs = absolute = unary_function(
    "abs",
    Abs,
    """Absolute value; its gradient at 0 is 0.

    Example:
        >>> import ember
        >>> ember.abs(ember.tensor([-2, 3]))
        tensor([2, 3])
    """,
)
sign = unary_function(
    "sign",
    Sign,
    """-1, 0 or 1 by the sign of each element (0 for nan); zero gradient.

    Example:
        >>> import ember
        >>> ember.sign(ember.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """,
)
sgn = unary_function(
    "sgn",
    Sgn,
    """The sign, as :func:`sign` (they differ only for complex numbers).

    Example:
        >>> import ember
        >>> ember.sgn(ember.tensor([-2.0]))
        tensor([-1.])
    """,
)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to [eps, 1 - eps].

    Example:
        >>> import ember
        >>> ember.logit(ember.tensor([0.5, 0.0]), eps=0.1)
        tensor([ 0.0000, -2.1972])
    """
    return maybe_out(Logit.apply(input, eps=eps), out)


_UNARY = {
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "reciprocal": reciprocal,
    "sigmoid": sigmoid, "logit": logit, "abs": abs, "absolute": abs, "sign": sign, "sgn": sgn,
}  # fmt: skip

bind_methods(**_UNARY)
bind_methods(**{name + "_": inplace_method(fn, name + "_") for name, fn in _UNARY.items()})
bind_methods(__abs__=abs)
