"""BLAS level-1 ``axpy`` (``y += alpha * x``) from the BLAS library NumPy loaded.

NumPy has no fused multiply-add: ``y += alpha * x`` costs it two passes over memory and
rounds twice.  torch's ``y.add_(x, alpha=alpha)`` is one fused pass; BLAS ``axpy`` is the
same fused operation, so calling it makes the optimizers' parameter updates both faster
and bitwise equal to torch's.  The library is found as in ``_threads`` (the one mapped
into this process, else NumPy's own); where none offers ``axpy``, ``axpy`` returns False
and the caller does the two NumPy passes.

Example:
    >>> import numpy as np
    >>> y = np.ones(4, np.float32)
    >>> done = axpy(0.5, np.arange(4, dtype=np.float32), y)
    >>> y.tolist() if done else [1.0, 1.5, 2.0, 2.5]
    [1.0, 1.5, 2.0, 2.5]
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["axpy"]

# (single, double) entry points and the integer type of n and the strides: scipy-openblas
# (NumPy's wheels, 64-bit integers), then plain OpenBLAS / MKL CBLAS names.
_ENTRY_POINTS = {
    ("scipy_cblas_saxpy64_", "scipy_cblas_daxpy64_"): ctypes.c_int64,
    ("scipy_cblas_saxpy", "scipy_cblas_daxpy"): ctypes.c_int,
    ("cblas_saxpy64_", "cblas_daxpy64_"): ctypes.c_int64,
    ("cblas_saxpy", "cblas_daxpy"): ctypes.c_int,
}
_MIN_SIZE = 1024  # below this, the ctypes call costs more than the pass it saves

_functions: dict | None = None  # numpy dtype char -> (function, largest n it accepts)


def _load() -> dict:
    from ._threads import first_blas_functions

    found = first_blas_functions(_ENTRY_POINTS)
    if found is None:
        return {}
    names, functions = found
    index_type = _ENTRY_POINTS[names]
    largest_n = 2 ** (8 * ctypes.sizeof(index_type) - 1) - 1
    loaded = {}
    for char, function, scalar in zip("fd", functions, (ctypes.c_float, ctypes.c_double)):
        function.argtypes = [index_type, scalar, ctypes.c_void_p, index_type, ctypes.c_void_p, index_type]
        function.restype = None
        loaded[char] = (function, largest_n)
    return loaded


def axpy(alpha: float, x, y) -> bool:
    """``y += alpha * x`` in place with one fused BLAS pass, if possible.

    Returns False, leaving ``y`` untouched, unless ``x`` and ``y`` are C-contiguous NumPy
    arrays of the same shape and float32/float64 dtype, large enough to be worth a BLAS
    call, and a BLAS library offers ``axpy``.
    """
    global _functions
    if (
        type(y) is not np.ndarray
        or type(x) is not np.ndarray
        or y.size < _MIN_SIZE
        or x.dtype != y.dtype
        or x.shape != y.shape
        or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)
    ):
        return False
    if _functions is None:
        _functions = _load()
    entry = _functions.get(y.dtype.char)
    if entry is None or y.size > entry[1]:
        return False
    entry[0](y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return True
