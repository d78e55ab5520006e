"""Helpers shared by the elementwise op modules (elementwise, unary, rounding, ...).

They decide what torch decides before an elementwise kernel runs: the common dtype of
the operands, which dtypes an op accepts, and the exact wording of its errors.

Example:
    >>> import numpy as np
    >>> a, b = promote(np.array([1, 2]), 2.5)
    >>> a.dtype, b.dtype
    (dtype('float32'), dtype('float32'))
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import promote_arrays, shape_str, xp_of

__all__ = [
    "OPERAND_TYPES",
    "FloatUnary",
    "broadcast_error",
    "cast_operand",
    "check_operand",
    "float_operand",
    "is_array",
    "maybe_out",
    "not_implemented",
    "promote",
    "raw",
    "require_tensor",
    "result_dtype",
    "type_name",
    "unary_function",
]

# What an operator accepts as its other operand; anything else gets NotImplemented.
OPERAND_TYPES = (Tensor, int, float, bool, ndarray, np.generic)

_TYPE_NAMES = {
    "float64": "Double",
    "float32": "Float",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def is_array(x) -> bool:
    """True for a backend array (NumPy or CuPy), False for Python/NumPy scalars."""
    return isinstance(x, ndarray) or hasattr(x, "__cuda_array_interface__")


def raw(x):
    """The backend array of a Tensor; anything else unchanged."""
    return x._array if isinstance(x, Tensor) else x


def type_name(np_dtype) -> str:
    """torch's scalar-type name used in kernel errors: float32 -> ``Float``."""
    return _TYPE_NAMES.get(_dtype.from_numpy_dtype(np_dtype)._name, str(np_dtype))


def not_implemented(kernel: str, np_dtype) -> NotImplementedError:
    """torch's error for a dtype a kernel has no loop for."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(np_dtype)}'")


def check_operand(x, op: str) -> None:
    """Reject operands that are neither arrays nor numbers (torch raises TypeError)."""
    if is_array(x) or isinstance(x, (int, float, bool, np.generic)):
        return
    raise TypeError(f"{op}(): unsupported operand of type {type(x).__name__}; expected a Tensor or a number")


def require_tensor(x, op: str, position: int, name: str) -> None:
    """torch's TypeError for functions whose operand must be a Tensor, not a number."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}"
        )


def result_dtype(*operands):
    """torch's result NumPy dtype for arrays and scalars (0-d arrays rank below n-d)."""
    return _dtype.result_type(*operands).numpy_dtype


def cast_operand(x, np_dtype):
    """``x`` in ``np_dtype``: arrays are cast, scalars become NumPy scalars (ints wrap)."""
    if is_array(x):
        return x if x.dtype == np_dtype else x.astype(np_dtype)
    if np_dtype.kind in "iu" and isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        # torch wraps out-of-range integers (int8 + 1000); np.int8(1000) would raise.
        return np.array(x).astype(np_dtype)[()]
    return np_dtype.type(x)


def promote(a, b, op: str = "op"):
    """Bring two operands to torch's common dtype (see ``_util.promote_arrays``).

    The common cases return at once: same-dtype arrays, and a floating array with a
    Python int/float (NumPy's weak scalars already give torch's answer there).
    """
    type_a, type_b = type(a), type(b)
    if type_a is ndarray:
        if type_b is ndarray:
            if a.dtype == b.dtype:
                return a, b
        elif (type_b is float or type_b is int) and a.dtype.kind == "f":
            return a, b
    elif type_b is ndarray and (type_a is float or type_a is int) and b.dtype.kind == "f":
        return a, b
    # NumPy scalars count as Python numbers in torch (np.float64 must not widen float32)
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    check_operand(a, op)
    check_operand(b, op)
    try:
        return promote_arrays(a, b)
    except OverflowError:
        dt = result_dtype(a, b)
        return cast_operand(a, dt), cast_operand(b, dt)


def float_operand(x):
    """Integer and bool operands compute in the default float dtype (``exp(int)``)."""
    if is_array(x):
        if x.dtype.kind in "iub":
            return x.astype(_dtype.get_default_dtype().numpy_dtype)
        return x
    if isinstance(x, (bool, int, np.integer, np.bool_)):
        return _dtype.get_default_dtype().numpy_dtype.type(x)
    return x


def maybe_out(result: Tensor, out):
    """Support ``out=``: copy ``result`` into ``out`` and return it."""
    if out is None:
        return result
    from .inplace import copy_into_out

    return copy_into_out(out, result)


def broadcast_error(op: str, *shapes) -> RuntimeError:
    """torch's size-mismatch message, followed by the op and every operand's shape."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    letters = "abcdefgh"
    detail = "shapes cannot be broadcast together"
    for dim in range(ndim - 1, -1, -1):
        sizes = [(i, p[dim]) for i, p in enumerate(padded) if p[dim] != 1]
        if len({s for _, s in sizes}) > 1:
            (i, si), (j, sj) = sizes[0], next((k, s) for k, s in sizes if s != sizes[0][1])
            detail = (
                f"The size of tensor {letters[i]} ({si}) must match the size of tensor "
                f"{letters[j]} ({sj}) at non-singleton dimension {dim}"
            )
            break
    listed = " and ".join(shape_str(s) for s in shapes)
    return RuntimeError(f"{detail} ({op} got shapes {listed})")


def shapes_of(*operands) -> list:
    return [np.shape(o) for o in operands]


# ------------------------------------------------------------ one-input float ops
class FloatUnary(Function):
    """One ufunc on a floating (or promoted-to-floating) input.

    Subclasses set ``_ufunc`` (the ``xp`` function's name), ``_saves`` ("input" or
    "output": what backward reads from ``ctx.saved_tensors``) and ``backward``.
    """

    _array_forward = True
    _ufunc = ""
    _saves = "input"

    @classmethod
    def forward(cls, ctx, a):
        xp = xp_of(a)
        x = float_operand(a)
        with np.errstate(all="ignore"):
            out = xp.asarray(getattr(xp, cls._ufunc)(x))
        if out.dtype != x.dtype:  # some ufuncs widen bfloat16
            out = out.astype(x.dtype)
        ctx.save_for_backward(a if cls._saves == "input" else out)
        return out


def unary_function(name: str, cls, doc: str):
    """The public function of a one-input op: ``exp(input, *, out=None)``."""

    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
            )
        return maybe_out(cls.apply(input), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn
