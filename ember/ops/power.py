"""Powers: ``pow`` (tensor or number on either side), ``float_power`` and ``square``,
with torch's integer rules and its gradients at 0.

torch's conventions, checked against torch itself: the base's gradient is 0 where the
exponent is 0 (even at base 0); the exponent's gradient is 0 where the base is 0 and
the exponent is >= 0.  An integer tensor to a negative *number* raises; to negative
*tensor* exponents it gives 1, +-1 or 0 (``2 ** -1 == 0``).

Example:
    >>> import ember
    >>> x = ember.tensor([0.0, 2.0], requires_grad=True)
    >>> (x ** 2).sum().backward(); x.grad
    tensor([0., 4.])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import OPERAND_TYPES, broadcast_error, is_array, maybe_out, not_implemented, promote
from ._util import bind_methods, xp_of
from .inplace import inplace_method
from .selection import where
from .unary import log

__all__ = ["float_power", "pow", "square"]


def _dtype_of(a, b):
    return a.dtype if is_array(a) else b.dtype


def _integer_pow(xp, a, b):
    """``a ** b`` for integers; torch gives 1, +-1 or 0 for negative exponents."""
    if is_array(b) and b.dtype.kind == "i" and bool((b < 0).any()):
        negative = b < 0
        out = a ** xp.where(negative, 0, b)
        one = xp.ones_like(out)
        odd = (b % 2) != 0
        flip = xp.where(odd, -one, one)
        tiny = xp.where(a == 1, one, xp.where(a == -1, flip, xp.zeros_like(out)))
        return xp.where(negative, tiny, out)
    return a**b


def _pow_forward(a, b):
    exponent = b
    a, b = promote(a, b, "pow")
    dt = _dtype_of(a, b)
    xp = xp_of(a, b)
    if dt.kind == "b":
        if is_array(exponent):
            raise not_implemented("pow", dt)
        # bool ** True is the input, bool ** False is all True
        return xp.asarray(a) if exponent else xp.ones(np.shape(a), dtype=np.bool_)
    if dt.kind in "iu":
        if (
            not is_array(exponent)
            and not isinstance(exponent, (bool, np.bool_))
            and exponent < 0
            and is_array(a)
        ):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        try:
            return xp.asarray(_integer_pow(xp, a, b)).astype(dt, copy=False)
        except ValueError:
            raise broadcast_error("pow", np.shape(a), np.shape(b)) from None
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return xp.asarray(a**b)
    except ValueError:
        raise broadcast_error("pow", np.shape(a), np.shape(b)) from None


class Pow(Function):
    """``tensor ** tensor``."""

    _array_forward = True
    _backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        out = _pow_forward(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:  # torch defines d/da a**0 as 0, even at a == 0
            grad_a = where(b == 0, 0.0, grad * (b * a ** (b - 1)))
        if need_b:  # and d/db 0**b as 0 for b >= 0
            grad_b = grad * where((a == 0).logical_and(b >= 0), 0.0, out * log(a))
        return grad_a, grad_b


class PowScalarExponent(Function):
    """``tensor ** number``."""

    _array_forward = True
    _backward_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _pow_forward(a, exponent)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            from .creation import zeros_like

            return zeros_like(grad), None
        return grad * (e * a ** (e - 1)), None


class PowScalarBase(Function):
    """``number ** tensor``."""

    _array_forward = True
    _backward_name = "PowBackward2"

    @staticmethod
    def forward(ctx, base, b):
        out = _pow_forward(base, b)
        ctx.base = base
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            log_base = float(np.log(np.float64(ctx.base)))
        if ctx.base == 0:
            return None, grad * where(b >= 0, 0.0, out * log_base)
        return None, grad * (out * log_base)


def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` (either may be a number).

    Example:
        >>> import ember
        >>> ember.pow(ember.tensor([2.0, 3.0]), 2)
        tensor([4., 9.])
    """
    if isinstance(exponent, np.ndarray):
        exponent = Tensor._from_array(exponent)
    if not isinstance(input, Tensor):
        return maybe_out(PowScalarBase.apply(input, exponent), out)
    if not isinstance(exponent, Tensor):
        return maybe_out(PowScalarExponent.apply(input, exponent), out)
    return maybe_out(Pow.apply(input, exponent), out)


def float_power(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` computed in float64.

    Example:
        >>> import ember
        >>> ember.float_power(ember.tensor([2]), -1)
        tensor([0.5000], dtype=torch.float64)
    """
    f64 = np.dtype(np.float64)
    base = input._cast_np(f64) if isinstance(input, Tensor) else float(input)
    power = exponent._cast_np(f64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, power, out=out)


def _float_power_(self, exponent) -> Tensor:
    if self._array.dtype != np.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {self.dtype._name.capitalize()} but the "
            "operation's result requires dtype Double"
        )
    return inplace_method(float_power, "float_power_")(self, exponent)


def square(input, *, out=None) -> Tensor:
    """``input ** 2`` (bool becomes int64, as in torch).

    Example:
        >>> import ember
        >>> ember.square(ember.tensor([-3, 2]))
        tensor([9, 4])
    """
    return pow(input, 2, out=out)


def _rpow(self, other):
    return PowScalarBase.apply(other, self)


def _pow_operator(self, other):
    return NotImplemented if not isinstance(other, OPERAND_TYPES) else pow(self, other)


def _rpow_operator(self, other):
    return NotImplemented if not isinstance(other, OPERAND_TYPES) else _rpow(self, other)


bind_methods(
    pow=pow,
    float_power=float_power,
    square=square,
    __pow__=_pow_operator,
    __rpow__=_rpow_operator,
    pow_=inplace_method(pow),
    float_power_=_float_power_,
    square_=inplace_method(square),
    __ipow__=inplace_method(pow, "__ipow__"),
)
