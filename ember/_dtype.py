"""dtype objects and PyTorch's type-promotion rules.

A dtype wraps a NumPy dtype.  Promotion follows torch, not NumPy: operands are
ranked by *category* (bool < integer < floating) and a lower-priority operand
(a 0-d tensor, then a Python scalar) only changes the result when its category
is higher.  ``int64 tensor + float16 tensor`` is float16 here, float64 in NumPy.
"""

from __future__ import annotations

import numpy as np

try:  # bfloat16 is optional: NumPy has no native bfloat16.
    import ml_dtypes as _ml_dtypes

    _BFLOAT16_NP = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _BFLOAT16_NP = None

__all__ = [
    "dtype",
    "float16",
    "half",
    "bfloat16",
    "float32",
    "float",
    "float64",
    "double",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "uint8",
    "bool",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
]

_BOOL, _INT, _FLOAT = 0, 1, 2  # promotion categories


class dtype:
    """A tensor element type, printed and compared like ``torch.float32``.

    Example:
        >>> import ember
        >>> ember.float32.is_floating_point, ember.float32.itemsize
        (True, 4)
    """

    __slots__ = ("_name", "_np", "_category", "is_signed")

    def __init__(self, name: str, np_dtype, category: int, is_signed: bool):
        self._name = name
        self._np = np_dtype
        self._category = category
        self.is_signed = is_signed

    @property
    def is_floating_point(self) -> bool:
        return self._category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return False

    @property
    def itemsize(self) -> int:
        return self._np.itemsize if self._np is not None else 2

    @property
    def numpy_dtype(self):
        """The NumPy dtype that stores this type's elements."""
        if self._np is None:
            raise TypeError("bfloat16 needs the optional package ml_dtypes (pip install ml_dtypes)")
        return self._np

    def __repr__(self) -> str:
        return "torch." + self._name

    def __reduce__(self):
        return (_dtype_by_name, (self._name,))

    def to_real(self) -> "dtype":
        return self

    def to_complex(self):  # pragma: no cover - complex dtypes are not supported
        raise TypeError("ember has no complex dtypes")


float16 = half = dtype("float16", np.dtype(np.float16), _FLOAT, True)
bfloat16 = dtype("bfloat16", _BFLOAT16_NP, _FLOAT, True)
float32 = float = dtype("float32", np.dtype(np.float32), _FLOAT, True)
float64 = double = dtype("float64", np.dtype(np.float64), _FLOAT, True)
int8 = dtype("int8", np.dtype(np.int8), _INT, True)
int16 = short = dtype("int16", np.dtype(np.int16), _INT, True)
int32 = int = dtype("int32", np.dtype(np.int32), _INT, True)
int64 = long = dtype("int64", np.dtype(np.int64), _INT, True)
uint8 = dtype("uint8", np.dtype(np.uint8), _INT, False)
bool = dtype("bool", np.dtype(np.bool_), _BOOL, False)

_ALL = [float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, bool]
_BY_NAME = {d._name: d for d in _ALL}
_FROM_NP = {d._np: d for d in _ALL if d._np is not None}
# NumPy types ember stores in a wider supported type (torch has no uint16/32/64 tensors
# with full op support, so they widen to int64 like torch.from_numpy refuses to do).
_WIDENED_NP = {
    np.dtype(np.uint16): int32,
    np.dtype(np.uint32): int64,
    np.dtype(np.uint64): int64,
}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """Return the ember dtype that stores ``np_dtype`` (raises TypeError if none)."""
    d = _FROM_NP.get(np_dtype)
    if d is None:
        d = _FROM_NP.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool."
        )
    return d


class _DefaultDtype:
    """The process-wide default floating dtype (float32 unless changed)."""

    value = float32


def get_default_dtype() -> dtype:
    """Return the default floating dtype (``float32`` unless changed).

    Example:
        >>> import ember
        >>> ember.get_default_dtype()
        torch.float32
    """
    return _DefaultDtype.value


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype used by factories and Python floats.

    Example:
        >>> import ember
        >>> ember.set_default_dtype(ember.float64); ember.tensor([1.0]).dtype
        torch.float64
        >>> ember.set_default_dtype(ember.float32)
    """
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _DefaultDtype.value = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to, by torch's table.

    Example:
        >>> import ember
        >>> ember.promote_types(ember.int64, ember.float16)
        torch.float16
    """
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == _FLOAT and (a is bfloat16 or b is bfloat16):
        return float32 if {a, b} == {float16, bfloat16} else (a if a.itemsize > b.itemsize else b)
    return _FROM_NP[np.promote_types(a._np, b._np)]


def _scalar_category(value) -> int:
    if isinstance(value, (np.bool_, type(True))):
        return _BOOL
    if isinstance(value, (np.integer, type(1))):
        return _INT
    return _FLOAT


def _scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python scalar on its own (``tensor(2.5)``)."""
    cat = _scalar_category(value)
    if cat == _FLOAT:
        return _DefaultDtype.value
    return int64 if cat == _INT else bool


def result_type(*operands) -> dtype:
    """torch's result dtype for operands that are arrays/tensors or Python scalars.

    Tensors with dimensions take part fully; 0-d tensors, then Python scalars, only
    raise the result's category (``int tensor * 2.5`` is the default float dtype).
    """
    dim_t = zero_t = None
    scalar_cat = -1
    for op in operands:
        arr = getattr(op, "_array", op)
        if isinstance(arr, np.ndarray) or hasattr(arr, "__cuda_array_interface__"):
            d = from_numpy_dtype(arr.dtype)
            if arr.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        elif isinstance(op, dtype):
            dim_t = op if dim_t is None else promote_types(dim_t, op)
        else:
            scalar_cat = max(scalar_cat, _scalar_category(op))
    result = dim_t
    if zero_t is not None:
        if result is None or zero_t._category > result._category:
            result = zero_t
    if scalar_cat >= 0:
        if result is None or scalar_cat > result._category:
            result = (bool, int64, _DefaultDtype.value)[scalar_cat]
    return result
