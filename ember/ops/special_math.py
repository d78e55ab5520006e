"""Special and two-argument math: erf, erfc, erfinv, atan2, hypot, xlogy, copysign,
logaddexp, with torch's gradients (including its conventions at 0).

erf/erfc/erfinv are computed by ``_erf_math`` with NumPy alone.

Example:
    >>> import ember
    >>> ember.erf(ember.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8427])
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from . import _erf_math
from ._pointwise import (
    broadcast_error,
    cast_operand,
    float_operand,
    maybe_out,
    not_implemented,
    require_tensor,
    result_dtype,
)
from ._util import bind_methods, xp_of
from .inplace import inplace_method
from .selection import where

__all__ = [
    "arctan2",
    "atan2",
    "copysign",
    "erf",
    "erfc",
    "erfinv",
    "hypot",
    "logaddexp",
    "xlogy",
]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ------------------------------------------------------------------ error functions
class _ErfFamily(Function):
    _array_forward = True
    _compute = None

    @classmethod
    def forward(cls, ctx, a):
        a = float_operand(a)
        out = xp_of(a).asarray(cls._compute(a).astype(a.dtype, copy=False))
        ctx.save_for_backward(a if cls._saves_input else out)
        return out


class Erf(_ErfFamily):
    _backward_name = "ErfBackward0"
    _compute = staticmethod(_erf_math.erf)
    _saves_input = True

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return _TWO_OVER_SQRT_PI * (-(a * a)).exp() * grad


class Erfc(_ErfFamily):
    _backward_name = "ErfcBackward0"
    _compute = staticmethod(_erf_math.erfc)
    _saves_input = True

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -_TWO_OVER_SQRT_PI * (-(a * a)).exp() * grad


class Erfinv(_ErfFamily):
    _backward_name = "ErfinvBackward0"
    _compute = staticmethod(_erf_math.erfinv)
    _saves_input = False

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (0.5 * math.sqrt(math.pi)) * (out * out).exp() * grad


def erf(input: Tensor, *, out=None) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    Example:
        >>> import ember
        >>> ember.erf(ember.tensor([-1.0, 0.5]))
        tensor([-0.8427,  0.5205])
    """
    return maybe_out(Erf.apply(input), out)


def erfc(input: Tensor, *, out=None) -> Tensor:
    """``1 - erf(input)``, accurate where erf is close to 1.

    Example:
        >>> import ember
        >>> ember.erfc(ember.tensor([5.0]))
        tensor([1.5375e-12])
    """
    return maybe_out(Erfc.apply(input), out)


def erfinv(input: Tensor, *, out=None) -> Tensor:
    """The inverse of erf on [-1, 1] (``+-inf`` at ``+-1``, nan outside).

    Example:
        >>> import ember
        >>> ember.erfinv(ember.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.4769,    inf])
    """
    return maybe_out(Erfinv.apply(input), out)


# ------------------------------------------------------------ two-argument functions
def _float_pair(op: str, a, b):
    dt = result_dtype(a, b)
    if dt.kind in "iub":
        from .. import _dtype

        dt = _dtype.get_default_dtype().numpy_dtype
    return cast_operand(a, dt), cast_operand(b, dt)


def _broadcasting(op: str, a, b, compute):
    try:
        with np.errstate(all="ignore"):
            return xp_of(a, b).asarray(compute(a, b))
    except ValueError:
        raise broadcast_error(op, np.shape(a), np.shape(b)) from None


class Atan2(Function):
    _array_forward = True
    _backward_name = "Atan2Backward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = _float_pair("atan2", a, b)
        return _broadcasting("atan2", a, b, xp_of(a, b).arctan2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        recip = (a * a + b * b).reciprocal()
        recip = where(recip.isinf(), 0.0, recip)  # torch: zero gradient at the origin
        need_a, need_b = ctx.needs_input_grad
        return (grad * b * recip if need_a else None), (grad * -a * recip if need_b else None)


class Hypot(Function):
    _array_forward = True
    _backward_name = "HypotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        dt = result_dtype(a, b)
        if dt.kind in "iub":
            raise not_implemented("hypot_cpu", dt)
        a, b = cast_operand(a, dt), cast_operand(b, dt)
        out = _broadcasting("hypot", a, b, xp_of(a, b).hypot)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * a / out if need_a else None), (grad * b / out if need_b else None)


def _x_log_array(log_name: str, a, b):
    """``a * log(b)`` (or ``log1p``): 0 where ``a == 0``, nan where ``b`` is nan."""
    xp = xp_of(a, b)
    product = a * getattr(xp, log_name)(b)
    return xp.where(xp.isnan(b), b, xp.where(a == 0, 0, product)).astype(product.dtype, copy=False)


class Xlogy(Function):
    """``xlogy(tensor, tensor)``: 0 where x == 0 (unless y is nan).

    Subclasses set ``_op``, ``_log`` ("log" or "log1p") and ``_public`` (the function
    whose node torch records in a graph of the backward): ``special.xlog1py`` is one.
    """

    _array_forward = True
    _backward_name = "XlogyBackward0"
    _op = "xlogy"
    _log = "log"

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = _float_pair(cls._op, a, b)
        return _broadcasting(cls._op, a, b, functools.partial(_x_log_array, cls._log))

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            nonzero = a != 0 if isinstance(a, Tensor) else float(a != 0)
            grad_a = grad * cls._public(nonzero, b)
        if need_b:
            grad_b = grad * a / (b + 1 if cls._log == "log1p" else b)
        return grad_a, grad_b


class XlogyScalarSelf(Xlogy):
    _backward_name = "XlogyBackward1"


class XlogyScalarOther(Xlogy):
    _backward_name = "XlogyBackward2"


def apply_x_log(name: str, classes: tuple, input, other, out):
    """Apply ``classes`` = (tensor-tensor, scalar-self, scalar-other) the way torch picks them."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected at least one Tensor"
        )
    tensors, scalar_self, scalar_other = classes
    if not isinstance(input, Tensor):
        return maybe_out(scalar_self.apply(input, other), out)
    if not isinstance(other, Tensor):
        return maybe_out(scalar_other.apply(input, other), out)
    return maybe_out(tensors.apply(input, other), out)


class Copysign(Function):
    _array_forward = True
    _backward_name = "CopysignBackward0"

    @staticmethod
    def forward(ctx, a, b):
        a, b = _float_pair("copysign", a, b)
        out = _broadcasting("copysign", a, b, xp_of(a, b).copysign)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros_like

        a, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * where(a == 0, 0.0, out / a) if need_a else None
        return grad_a, (zeros_like(grad) if need_b else None)


class CopysignScalar(Copysign):
    _backward_name = "CopysignBackward1"


class Logaddexp(Function):
    _array_forward = True
    _backward_name = "LogaddexpBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = result_dtype(a, b)
        if dt.kind in "iub":
            raise not_implemented("logaddexp_cpu", dt)
        a, b = cast_operand(a, dt), cast_operand(b, dt)
        return _broadcasting("logaddexp", a, b, xp_of(a, b).logaddexp)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            grad / (1 + (b - a).exp()) if need_a else None,
            grad / (1 + (a - b).exp()) if need_b else None,
        )


def _tensor_pair_op(function, name: str, input, other, out) -> Tensor:
    """A two-tensor op (both arguments must be tensors, as in torch) with ``out=``."""
    require_tensor(input, name, 1, "input")
    require_tensor(other, name, 2, "other")
    return maybe_out(function.apply(input, other), out)


def atan2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant.

    Example:
        >>> import ember
        >>> ember.atan2(ember.tensor([1.0, 1.0]), ember.tensor([1.0, -1.0]))
        tensor([0.7854, 2.3562])
    """
    return _tensor_pair_op(Atan2, "atan2", input, other, out)


arctan2 = atan2


def hypot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow (floating inputs only).

    Example:
        >>> import ember
        >>> ember.hypot(ember.tensor([3.0]), ember.tensor([4.0]))
        tensor([5.])
    """
    return _tensor_pair_op(Hypot, "hypot", input, other, out)


def xlogy(input, other, *, out=None) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (nan where other is nan).

    Example:
        >>> import ember
        >>> ember.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 1.0]))
        tensor([0., 0.])
    """
    return apply_x_log("xlogy", (Xlogy, XlogyScalarSelf, XlogyScalarOther), input, other, out)


Xlogy._public = staticmethod(xlogy)


def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other`` (always floating).

    Example:
        >>> import ember
        >>> ember.copysign(ember.tensor([1.0, -2.0]), -1)
        tensor([-1., -2.])
    """
    require_tensor(input, "copysign", 1, "input")
    fn = Copysign if isinstance(other, Tensor) else CopysignScalar
    return maybe_out(fn.apply(input, other), out)


def logaddexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow.

    Example:
        >>> import ember
        >>> ember.logaddexp(ember.tensor([0.0]), ember.tensor([0.0]))
        tensor([0.6931])
    """
    return _tensor_pair_op(Logaddexp, "logaddexp", input, other, out)


bind_methods(
    erf=erf,
    erfc=erfc,
    erfinv=erfinv,
    atan2=atan2,
    arctan2=atan2,
    hypot=hypot,
    xlogy=xlogy,
    copysign=copysign,
    logaddexp=logaddexp,
    erf_=inplace_method(erf, "erf_"),
    erfc_=inplace_method(erfc, "erfc_"),
    erfinv_=inplace_method(erfinv, "erfinv_"),
    atan2_=inplace_method(atan2, "atan2_"),
    arctan2_=inplace_method(atan2, "arctan2_"),
    hypot_=inplace_method(hypot, "hypot_"),
    xlogy_=inplace_method(xlogy, "xlogy_"),
    copysign_=inplace_method(copysign, "copysign_"),
)
