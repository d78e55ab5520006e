"""Comparisons, closeness tests, logical and bitwise ops, and float classification.

None of these has a gradient: they return bool (or integer) tensors directly.

Example:
    >>> import ember
    >>> x = ember.tensor([1, 2, 3])
    >>> (x > 1) & (x != 3), x << 2
    (tensor([False,  True, False]), tensor([ 4,  8, 12]))
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._pointwise import (
    OPERAND_TYPES,
    broadcast_error,
    is_array,
    maybe_out,
    not_implemented,
    promote,
    raw,
    require_tensor,
    type_name,
)
from ._util import bind_methods, xp_of
from .inplace import inplace_method

__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
    "signbit",
]


def _wrap(arr) -> Tensor:
    return Tensor._from_array(arr)


def _binary(op: str, a, b, compute):
    """Promote two operands and apply ``compute`` with a clear broadcasting error."""
    a, b = promote(raw(a), raw(b), op)
    try:
        return xp_of(a, b).asarray(compute(a, b))
    except ValueError:
        raise broadcast_error(op, np.shape(a), np.shape(b)) from None


# -------------------------------------------------------------------- comparisons
def _comparison(name: str, ufunc: str, symbol: str, example: str):
    def compare(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
        require_tensor(input, name, 1, "input")
        return maybe_out(_wrap(_binary(name, input, other, getattr(np, ufunc))), out)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"""``input {symbol} other`` elementwise, with broadcasting; a bool tensor.

    Example:
        >>> import ember
        >>> ember.{name}(ember.tensor([1, 2, 3]), 2)
        {example}
    """
    return compare


eq = _comparison("eq", "equal", "==", "tensor([False,  True, False])")
ne = not_equal = _comparison("ne", "not_equal", "!=", "tensor([ True, False,  True])")
lt = less = _comparison("lt", "less", "<", "tensor([ True, False, False])")
le = less_equal = _comparison("le", "less_equal", "<=", "tensor([ True,  True, False])")
gt = greater = _comparison("gt", "greater", ">", "tensor([False, False,  True])")
ge = greater_equal = _comparison("ge", "greater_equal", ">=", "tensor([False,  True,  True])")


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (infinities equal themselves).

    Example:
        >>> import ember
        >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0 + 1e-7, 2.1]))
        tensor([ True, False])
    """
    require_tensor(input, "isclose", 1, "input")
    require_tensor(other, "isclose", 2, "other")
    a, b = raw(input), raw(other)
    if a.dtype != b.dtype:
        raise RuntimeError(f"{type_name(a.dtype)} did not match {type_name(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    xp = xp_of(a, b)
    try:
        close = a == b
    except ValueError:
        raise broadcast_error("isclose", a.shape, b.shape) from None
    floating = a.dtype.kind in "fV"
    with np.errstate(all="ignore"):
        if equal_nan and floating:
            close = close | (xp.isnan(a) & xp.isnan(b))
        if rtol != 0 or atol != 0:
            if a.dtype == np.bool_:
                from .. import _dtype

                dt = _dtype.get_default_dtype().numpy_dtype
                a, b = a.astype(dt), b.astype(dt)
            # torch: the allowed error is in other's precision (float for integers)
            scaled = rtol * (b if floating else b.astype(np.float32))
            allowed = atol + xp.abs(scaled)
            actual = xp.abs(a - b)
            close = close | (xp.isfinite(actual) & (actual <= allowed))
    return _wrap(xp.asarray(close))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True when :func:`isclose` holds everywhere.

    Example:
        >>> import ember
        >>> ember.allclose(ember.tensor([1.0]), ember.tensor([1.0 + 1e-9]))
        True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values (nan never equals).

    Example:
        >>> import ember
        >>> ember.equal(ember.tensor([1, 2]), ember.tensor([1.0, 2.0]))
        True
    """
    a, b = raw(input), raw(other)
    return a.shape == b.shape and bool(xp_of(a, b).all(a == b))


# ------------------------------------------------------------------ logical ops
def _truth(x):
    return x if x.dtype == np.bool_ else x != 0


def _logical(name: str, ufunc: str, doc: str):
    def logical(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(input, name, 1, "input")
        require_tensor(other, name, 2, "other")
        a, b = _truth(input._array), _truth(other._array)
        xp = xp_of(a, b)
        try:
            result = getattr(xp, ufunc)(a, b)
        except ValueError:
            raise broadcast_error(name, a.shape, b.shape) from None
        return maybe_out(_wrap(xp.asarray(result)), out)

    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = doc
    return logical


logical_and = _logical(
    "logical_and",
    "logical_and",
    """Elementwise AND of the truth values (nonzero is True).

    Example:
        >>> import ember
        >>> ember.logical_and(ember.tensor([1, 0, 2]), ember.tensor([True, True, False]))
        tensor([ True, False, False])
    """,
)
logical_or = _logical(
    "logical_or",
    "logical_or",
    """Elementwise OR of the truth values.

    Example:
        >>> import ember
        >>> ember.logical_or(ember.tensor([1, 0]), ember.tensor([0, 0]))
        tensor([ True, False])
    """,
)
logical_xor = _logical(
    "logical_xor",
    "logical_xor",
    """Elementwise XOR of the truth values.

    Example:
        >>> import ember
        >>> ember.logical_xor(ember.tensor([1, 0]), ember.tensor([1, 1]))
        tensor([False,  True])
    """,
)


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise NOT of the truth values (nan counts as True, so it gives False).

    Example:
        >>> import ember
        >>> ember.logical_not(ember.tensor([0.0, 2.0]))
        tensor([ True, False])
    """
    a = input._array
    return maybe_out(_wrap(xp_of(a).asarray(~a if a.dtype == np.bool_ else a == 0)), out)


# ------------------------------------------------------------------ bitwise ops
def _integral(kernel: str, a, b):
    a, b = promote(raw(a), raw(b), kernel)
    dt = a.dtype if is_array(a) else b.dtype
    if dt.kind not in "biu":
        raise not_implemented(kernel, dt)
    return a, b, dt


def _bitwise(name: str, ufunc: str, doc: str):
    def bitwise(input, other, *, out: Tensor | None = None) -> Tensor:
        a, b, _ = _integral(f"{name}_cpu", input, other)
        xp = xp_of(a, b)
        try:
            result = getattr(xp, ufunc)(a, b)
        except ValueError:
            raise broadcast_error(name, np.shape(a), np.shape(b)) from None
        return maybe_out(_wrap(xp.asarray(result)), out)

    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = doc
    return bitwise


bitwise_and = _bitwise(
    "bitwise_and",
    "bitwise_and",
    """Elementwise ``&`` of integer or bool tensors.

    Example:
        >>> import ember
        >>> ember.bitwise_and(ember.tensor([12, 10]), 6)
        tensor([4, 2])
    """,
)
bitwise_or = _bitwise(
    "bitwise_or",
    "bitwise_or",
    """Elementwise ``|`` of integer or bool tensors.

    Example:
        >>> import ember
        >>> ember.bitwise_or(ember.tensor([12, 10]), 1)
        tensor([13, 11])
    """,
)
bitwise_xor = _bitwise(
    "bitwise_xor",
    "bitwise_xor",
    """Elementwise ``^`` of integer or bool tensors.

    Example:
        >>> import ember
        >>> ember.bitwise_xor(ember.tensor([True, False]), True)
        tensor([False,  True])
    """,
)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``~``: bit inversion for integers, NOT for bools.

    Example:
        >>> import ember
        >>> ember.bitwise_not(ember.tensor([0, 5]))
        tensor([-1, -6])
    """
    a = input._array
    if a.dtype.kind not in "biu":
        raise not_implemented("bitwise_not_cpu", a.dtype)
    xp = xp_of(a)
    return maybe_out(_wrap(xp.asarray(xp.invert(a))), out)


def _shift(name: str, kernel: str, left: bool, doc: str):
    def shift(input, other, *, out: Tensor | None = None) -> Tensor:
        a, s, dt = _integral(kernel, input, other)
        if dt.kind == "b":
            raise not_implemented(kernel, dt)
        xp = xp_of(a, s)
        bits = dt.itemsize * 8
        # torch: shifting by a negative amount or by the width or more empties the value
        valid = (s >= 0) & (s < bits)
        amount = xp.clip(s, 0, bits - 1).astype(dt, copy=False)
        try:
            if left:
                result = xp.where(valid, xp.left_shift(a, amount), 0)
            else:
                fill = xp.where(a < 0, -1, 0) if dt.kind == "i" else 0
                result = xp.where(valid, xp.right_shift(a, amount), fill)
        except ValueError:
            raise broadcast_error(name, np.shape(a), np.shape(s)) from None
        return maybe_out(_wrap(xp.asarray(result).astype(dt, copy=False)), out)

    shift.__name__ = shift.__qualname__ = name
    shift.__doc__ = doc
    return shift


bitwise_left_shift = _shift(
    "bitwise_left_shift",
    "lshift_cpu",
    True,
    """``input << other`` (integers).

    Example:
        >>> import ember
        >>> ember.bitwise_left_shift(ember.tensor([1, 3]), 2)
        tensor([ 4, 12])
    """,
)
bitwise_right_shift = _shift(
    "bitwise_right_shift",
    "rshift_cpu",
    False,
    """``input >> other``, arithmetic for signed integers.

    Example:
        >>> import ember
        >>> ember.bitwise_right_shift(ember.tensor([-8, 8]), 2)
        tensor([-2,  2])
    """,
)


# ------------------------------------------------------------ float classification
def _classify(name: str, float_test, integer_value: bool, doc: str):
    def classify(input: Tensor) -> Tensor:
        a = input._array
        xp = xp_of(a)
        if a.dtype.kind in "fV":
            return _wrap(xp.asarray(float_test(xp, a)))
        return _wrap(xp.full(a.shape, integer_value, dtype=np.bool_))

    classify.__name__ = classify.__qualname__ = name
    classify.__doc__ = doc
    return classify


isnan = _classify(
    "isnan",
    lambda xp, a: xp.isnan(a),
    False,
    """True where the element is nan.

    Example:
        >>> import ember
        >>> ember.isnan(ember.tensor([1.0, float("nan")]))
        tensor([False,  True])
    """,
)
isinf = _classify(
    "isinf",
    lambda xp, a: xp.isinf(a),
    False,
    """True where the element is +inf or -inf.

    Example:
        >>> import ember
        >>> ember.isinf(ember.tensor([1.0, float("-inf")]))
        tensor([False,  True])
    """,
)
isposinf = _classify(
    "isposinf",
    lambda xp, a: a == a.dtype.type(np.inf),
    False,
    """True where the element is +inf.

    Example:
        >>> import ember
        >>> ember.isposinf(ember.tensor([float("inf"), float("-inf")]))
        tensor([ True, False])
    """,
)
isneginf = _classify(
    "isneginf",
    lambda xp, a: a == a.dtype.type(-np.inf),
    False,
    """True where the element is -inf.

    Example:
        >>> import ember
        >>> ember.isneginf(ember.tensor([float("inf"), float("-inf")]))
        tensor([False,  True])
    """,
)
isfinite = _classify(
    "isfinite",
    lambda xp, a: xp.isfinite(a),
    True,
    """True where the element is neither inf nor nan.

    Example:
        >>> import ember
        >>> ember.isfinite(ember.tensor([1.0, float("inf")]))
        tensor([ True, False])
    """,
)
isreal = _classify(
    "isreal",
    lambda xp, a: xp.ones(a.shape, dtype=np.bool_),
    True,
    """True everywhere: ember has no complex tensors.

    Example:
        >>> import ember
        >>> ember.isreal(ember.tensor([1.0]))
        tensor([True])
    """,
)


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """True where the sign bit is set (``-0.0`` and negative nan included).

    Example:
        >>> import ember
        >>> ember.signbit(ember.tensor([-0.0, 0.0, -2.0]))
        tensor([ True, False,  True])
    """
    a = input._array
    xp = xp_of(a)
    if a.dtype.kind == "V":
        a = a.astype(np.float32)
    if a.dtype.kind == "f":
        result = xp.signbit(a)
    elif a.dtype.kind == "i":
        result = a < 0
    else:
        result = xp.zeros(a.shape, dtype=np.bool_)
    return maybe_out(_wrap(xp.asarray(result)), out)


# ------------------------------------------------------------ operators and methods
def _operator(fn, reflected=False):
    def operator(self, other):
        if not isinstance(other, OPERAND_TYPES):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return operator


def _invert(self):
    if self._array.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


_FUNCTIONS = {
    "eq": eq, "ne": ne, "not_equal": ne, "lt": lt, "less": lt, "le": le, "less_equal": le,
    "gt": gt, "greater": gt, "ge": ge, "greater_equal": ge,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
}  # fmt: skip

bind_methods(**_FUNCTIONS)
bind_methods(**{name + "_": inplace_method(fn, name + "_") for name, fn in _FUNCTIONS.items()})
bind_methods(
    isclose=isclose,
    allclose=allclose,
    equal=equal,
    isnan=isnan,
    isinf=isinf,
    isposinf=isposinf,
    isneginf=isneginf,
    isfinite=isfinite,
    isreal=isreal,
    signbit=signbit,
    __eq__=_operator(eq),
    __ne__=_operator(ne),
    __lt__=_operator(lt),
    __le__=_operator(le),
    __gt__=_operator(gt),
    __ge__=_operator(ge),
    __and__=_operator(bitwise_and),
    __or__=_operator(bitwise_or),
    __xor__=_operator(bitwise_xor),
    __lshift__=_operator(bitwise_left_shift),
    __rshift__=_operator(bitwise_right_shift),
    __rand__=_operator(bitwise_and, reflected=True),
    __ror__=_operator(bitwise_or, reflected=True),
    __rxor__=_operator(bitwise_xor, reflected=True),
    __rlshift__=_operator(bitwise_left_shift, reflected=True),
    __rrshift__=_operator(bitwise_right_shift, reflected=True),
    __invert__=_invert,
    __iand__=inplace_method(bitwise_and, "__iand__"),
    __ior__=inplace_method(bitwise_or, "__ior__"),
    __ixor__=inplace_method(bitwise_xor, "__ixor__"),
    __ilshift__=inplace_method(bitwise_left_shift, "__ilshift__"),
    __irshift__=inplace_method(bitwise_right_shift, "__irshift__"),
)
