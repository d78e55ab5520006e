"""Rounding and integer-style division: floor, ceil, round, trunc, frac,
``div(rounding_mode=...)``, floor_divide, remainder and fmod.

Rounding has a zero gradient everywhere (torch's convention), ``frac`` passes it
through.  ``remainder`` follows Python's sign rule (the result has the divisor's sign),
``fmod`` C's (the dividend's).  Integer division by zero raises, as in torch.

Example:
    >>> import ember
    >>> ember.remainder(ember.tensor([-3, 3]), 2), ember.fmod(ember.tensor([-3, 3]), 2)
    (tensor([1, 1]), tensor([-1,  1]))
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import broadcast_error, is_array, maybe_out, not_implemented, promote
from ._util import bind_methods, xp_of
from .inplace import inplace_method

__all__ = [
    "ceil",
    "fix",
    "floor",
    "floor_divide",
    "fmod",
    "frac",
    "remainder",
    "round",
    "rounded_div",
    "trunc",
]


def _common(a, b, op: str, kernel: str):
    a, b = promote(a, b, op)
    dt = a.dtype if is_array(a) else b.dtype
    if dt.kind == "b":
        raise not_implemented(kernel, dt)
    if dt.kind in "iu" and bool(xp_of(b).any(b == 0)):
        raise RuntimeError("ZeroDivisionError")
    return a, b, dt


def _broadcasting(op: str, a, b, compute):
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return xp_of(a, b).asarray(compute(a, b))
    except ValueError:
        raise broadcast_error(op, np.shape(a), np.shape(b)) from None


def _trunc_div(a, b, dt):
    xp = xp_of(a, b)
    if dt.kind in "iu":
        q = a // b
        # floor and trunc differ where the division is inexact and the signs differ
        inexact = (a % b) != 0
        return xp.where(inexact & ((a < 0) != (b < 0)), q + 1, q).astype(dt, copy=False)
    return xp.trunc(a / b)


def _floor_div(a, b, dt):
    # NumPy's floor division follows Python's algorithm, as torch's does, also for floats
    return a // b


def _python_mod(a, b, dt):
    """torch's remainder: fmod, moved into the divisor's sign (``-0.0 % 2`` stays -0.0)."""
    xp = xp_of(a, b)
    if dt.kind in "iu":
        return a % b
    mod = xp.fmod(a, b)
    shift = (mod != 0) & ((b < 0) != (mod < 0))
    return xp.where(shift, mod + b, mod)


class RoundedDiv(Function):
    """``div(a, b, rounding_mode='trunc'|'floor')``: its gradient is zero."""

    _array_forward = True
    _backward_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode="trunc"):
        a, b, dt = _common(a, b, "div", f"div_{mode}_cpu")
        kernel = _trunc_div if mode == "trunc" else _floor_div
        return _broadcasting("div", a, b, lambda x, y: kernel(x, y, dt))

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros_like

        zero = zeros_like(grad)
        return zero, zero


class FloorDivide(Function):
    _array_forward = True
    _backward_name = "torch::autograd::NotImplemented"  # torch's name: no derivative

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = _common(a, b, "floor_divide", "div_floor_cpu")
        return _broadcasting("floor_divide", a, b, lambda x, y: _floor_div(x, y, dt))

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Function):
    """``remainder(tensor, tensor)``."""

    _array_forward = True
    _backward_name = "RemainderBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b, dt = _common(a, b, "remainder", "remainder_cpu")
        return _broadcasting("remainder", a, b, lambda x, y: _python_mod(x, y, dt))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_b = ctx.needs_input_grad[1]
        return grad, (-grad * a.div(b, rounding_mode="floor") if need_b else None)


class RemainderScalarDivisor(Remainder):
    _backward_name = "RemainderBackward0"


class RemainderScalarDividend(Remainder):
    """``number % tensor``: torch has no derivative for it."""

    _backward_name = "torch::autograd::NotImplemented"

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::remainder is not implemented")


class Fmod(Function):
    """``fmod(tensor, tensor)``."""

    _array_forward = True
    _backward_name = "FmodBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b, _ = _common(a, b, "fmod", "fmod_cpu")
        return _broadcasting("fmod", a, b, lambda x, y: xp_of(x, y).fmod(x, y))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_b = ctx.needs_input_grad[1]
        return grad, (-grad * a.div(b, rounding_mode="trunc") if need_b else None)


class FmodScalarDivisor(Fmod):
    _backward_name = "FmodBackward0"


def rounded_div(input, other, rounding_mode: str) -> Tensor:
    """``div`` with ``rounding_mode`` 'trunc' or 'floor' (called by :func:`ember.div`).

    Example:
        >>> import ember
        >>> rounded_div(ember.tensor([-7, 7]), 2, "trunc")
        tensor([-3,  3])
    """
    return RoundedDiv.apply(input, other, mode=rounding_mode)


def floor_divide(input, other, *, out=None) -> Tensor:
    """``input // other``, rounding toward negative infinity (no gradient, as in torch).

    Example:
        >>> import ember
        >>> ember.floor_divide(ember.tensor([-7.0, 7.0]), 2)
        tensor([-4.,  3.])
    """
    return maybe_out(FloorDivide.apply(input, other), out)


def remainder(input, other, *, out=None) -> Tensor:
    """Python's modulus: the result takes the sign of ``other``.

    Example:
        >>> import ember
        >>> ember.remainder(ember.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    if not isinstance(input, Tensor):
        return maybe_out(RemainderScalarDividend.apply(input, other), out)
    if not isinstance(other, Tensor):
        return maybe_out(RemainderScalarDivisor.apply(input, other), out)
    return maybe_out(Remainder.apply(input, other), out)


def fmod(input, other, *, out=None) -> Tensor:
    """C's modulus: the result takes the sign of ``input``.

    Example:
        >>> import ember
        >>> ember.fmod(ember.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected (Tensor input, Tensor other) or (Tensor input, Number other)"
        )
    if not isinstance(other, Tensor):
        return maybe_out(FmodScalarDivisor.apply(input, other), out)
    return maybe_out(Fmod.apply(input, other), out)


# --------------------------------------------------------------- rounding to integers
class _RoundToInteger(Function):
    """floor/ceil/trunc/round: integers pass through unchanged; the gradient is zero."""

    _array_forward = True
    _ufunc = ""
    _kernel = ""

    @classmethod
    def forward(cls, ctx, a):
        if a.dtype == np.bool_:
            raise not_implemented(cls._kernel, a.dtype)
        if a.dtype.kind in "iu":
            return a.copy()
        return xp_of(a).asarray(getattr(xp_of(a), cls._ufunc)(a))

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros_like

        return zeros_like(grad)


class Floor(_RoundToInteger):
    _backward_name = "FloorBackward0"
    _ufunc = "floor"
    _kernel = "floor_vml_cpu"


class Ceil(_RoundToInteger):
    _backward_name = "CeilBackward0"
    _ufunc = "ceil"
    _kernel = "ceil_vml_cpu"


class Trunc(_RoundToInteger):
    _backward_name = "TruncBackward0"
    _ufunc = "trunc"
    _kernel = "trunc_vml_cpu"


class Round(_RoundToInteger):
    """Round half to even, as torch's ``nearbyint``."""

    _backward_name = "RoundBackward0"
    _ufunc = "rint"
    _kernel = "round_vml_cpu"


class RoundDecimals(_RoundToInteger):
    _backward_name = "RoundBackward1"

    @classmethod
    def forward(cls, ctx, a, decimals=0):
        if a.dtype.kind not in "fV":
            raise not_implemented("round_cpu", a.dtype)
        xp = xp_of(a)
        compute = a.astype(np.float32) if a.dtype.itemsize < 4 else a  # half: float32 math
        scale = compute.dtype.type(10.0 ** builtin_abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals < 0:
                out = xp.rint(compute / scale) * scale
            else:
                out = xp.rint(compute * scale) / scale
        return xp.asarray(out.astype(a.dtype, copy=False))


class Frac(Function):
    _array_forward = True
    _backward_name = "FracBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind not in "fV":
            raise not_implemented("frac_cpu", a.dtype)
        xp = xp_of(a)
        with np.errstate(invalid="ignore"):  # inf - inf is nan, as torch gives
            return xp.asarray(a - xp.trunc(a))

    @staticmethod
    def backward(ctx, grad):
        return grad


builtin_abs = abs


def floor(input: Tensor, *, out=None) -> Tensor:
    """Largest integer not above each element (integers are returned unchanged).

    Example:
        >>> import ember
        >>> ember.floor(ember.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    return maybe_out(Floor.apply(input), out)


def ceil(input: Tensor, *, out=None) -> Tensor:
    """Smallest integer not below each element.

    Example:
        >>> import ember
        >>> ember.ceil(ember.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    return maybe_out(Ceil.apply(input), out)


def trunc(input: Tensor, *, out=None) -> Tensor:
    """Round toward zero.

    Example:
        >>> import ember
        >>> ember.trunc(ember.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    return maybe_out(Trunc.apply(input), out)


fix = trunc


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:
    """Round half to even, optionally to ``decimals`` places (negative: tens, hundreds...).

    Example:
        >>> import ember
        >>> ember.round(ember.tensor([0.5, 1.5, 1.234]), decimals=0), ember.round(ember.tensor([1.234]), decimals=2)
        (tensor([0., 2., 1.]), tensor([1.2300]))
    """
    if decimals == 0:
        return maybe_out(Round.apply(input), out)
    return maybe_out(RoundDecimals.apply(input, decimals=decimals), out)


def frac(input: Tensor, *, out=None) -> Tensor:
    """The fractional part ``input - trunc(input)`` (floating inputs only).

    Example:
        >>> import ember
        >>> ember.frac(ember.tensor([-1.25, 2.5]))
        tensor([-0.2500,  0.5000])
    """
    return maybe_out(Frac.apply(input), out)


def _rfloordiv(self, other):
    return FloorDivide.apply(other, self)


def _rmod(self, other):
    return RemainderScalarDividend.apply(other, self)


def _operand_ok(other) -> bool:
    from ._pointwise import OPERAND_TYPES

    return isinstance(other, OPERAND_TYPES)


bind_methods(
    floor_divide=floor_divide,
    remainder=remainder,
    fmod=fmod,
    floor=floor,
    ceil=ceil,
    trunc=trunc,
    fix=trunc,
    round=round,
    frac=frac,
    floor_divide_=inplace_method(floor_divide, "floor_divide_"),
    remainder_=inplace_method(remainder, "remainder_"),
    fmod_=inplace_method(fmod, "fmod_"),
    floor_=inplace_method(floor, "floor_"),
    ceil_=inplace_method(ceil, "ceil_"),
    trunc_=inplace_method(trunc, "trunc_"),
    fix_=inplace_method(trunc, "fix_"),
    round_=inplace_method(round, "round_"),
    frac_=inplace_method(frac, "frac_"),
    __floordiv__=lambda self, other: FloorDivide.apply(self, other) if _operand_ok(other) else NotImplemented,
    __rfloordiv__=lambda self, other: _rfloordiv(self, other) if _operand_ok(other) else NotImplemented,
    __mod__=lambda self, other: remainder(self, other) if _operand_ok(other) else NotImplemented,
    __rmod__=lambda self, other: _rmod(self, other) if _operand_ok(other) else NotImplemented,
    __ifloordiv__=inplace_method(floor_divide, "__ifloordiv__"),
    __imod__=inplace_method(remainder, "__imod__"),
)
