"""Small helpers shared by the op families: array modules, promotion, dims, methods."""

from __future__ import annotations

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from .. import _dtype
from .._device import array_module_of
from .._tensor import Tensor

__all__ = [
    "xp_of",
    "promote_arrays",
    "as_float_array",
    "normalize_dim",
    "normalize_dims",
    "bind_methods",
    "to_tensor",
    "shape_str",
    "column_sums",
]

_SCALARS = (int, float, bool, np.number, np.bool_)


def xp_of(*arrays):
    """The array module of the first array among ``arrays`` (NumPy for scalars)."""
    for a in arrays:
        if isinstance(a, ndarray):
            return np
        if hasattr(a, "__cuda_array_interface__"):
            return array_module_of(a)
    return np


def promote_arrays(a, b):
    """Bring two operands (arrays or Python scalars) to torch's common dtype.

    Returns arrays, or Python scalars converted to a NumPy scalar of that dtype.
    """
    a_arr = isinstance(a, ndarray)
    b_arr = isinstance(b, ndarray)
    if a_arr and b_arr:
        if a.dtype == b.dtype:
            return a, b
    elif a_arr and isinstance(b, (int, float)) and a.dtype.kind == "f" and not isinstance(b, bool):
        return a, b  # NumPy's weak scalars give torch's answer here
    elif b_arr and isinstance(a, (int, float)) and b.dtype.kind == "f" and not isinstance(a, bool):
        return a, b
    dt = _dtype.result_type(a, b).numpy_dtype
    return _cast(a, dt), _cast(b, dt)


def result_np_dtype(*operands):
    return _dtype.result_type(*operands).numpy_dtype


def _cast(x, dt):
    if isinstance(x, ndarray) or hasattr(x, "__cuda_array_interface__"):
        return x if x.dtype == dt else x.astype(dt)
    return dt.type(x)


def as_float_array(a):
    """Integer and bool inputs become the default float dtype (``exp(int)`` is float)."""
    if a.dtype.kind in "iub":
        return a.astype(_dtype.get_default_dtype().numpy_dtype)
    return a


def normalize_dim(dim: int, ndim: int, op: str = "") -> int:
    """Wrap a negative dim, raising torch's IndexError when out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op + ': ' if op else ''}Dimension out of range (expected to be in range of "
            f"[{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def normalize_dims(dim, ndim: int, op: str = "") -> tuple:
    """``dim`` as a sorted tuple of non-negative dims; None or () means all dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (normalize_dim(dim, ndim, op),)


def to_tensor(x, like=None) -> Tensor:
    """A Tensor for ``x``: Tensors pass through; scalars and arrays are wrapped."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, ndarray):
        return Tensor._from_array(x)
    if like is not None:
        dt = _dtype.result_type(like, x).numpy_dtype
        return Tensor._from_array(np.asarray(x, dtype=dt))
    from .creation import tensor

    return tensor(x)


def column_sums(rows):
    """``rows.sum(axis=0)`` of a 2-D array; for float32/64 one BLAS matrix-vector product
    (three times faster than NumPy's reduction for gradient-sized arrays).

    Example:
        >>> import numpy as np
        >>> column_sums(np.ones((3, 2), np.float32)).tolist()
        [3.0, 3.0]
    """
    if rows.dtype.char in "fd" and rows.shape[0] > 1:
        return xp_of(rows).ones(rows.shape[0], rows.dtype) @ rows
    return rows.sum(axis=0)


def shape_str(shape) -> str:
    """``(64, 10)`` written torch's way in messages: ``[64, 10]``."""
    return "[" + ", ".join(str(d) for d in shape) + "]"


def bind_methods(**methods) -> None:
    """Attach functions to Tensor as methods: ``bind_methods(exp=exp)``."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
