"""``set_num_threads`` and friends: the thread count of NumPy's BLAS, as torch's of its pool.

Ember's multithreaded work is NumPy's BLAS (matrix products, hence linear layers and
convolutions), so ``ember.set_num_threads(n)`` sets the number of threads that library
uses, in this process, at once (``OPENBLAS_NUM_THREADS`` only works before NumPy
loads).  The library is the one NumPy loaded, found in the process's memory map
(Linux) or next to NumPy's own files; OpenBLAS (NumPy's wheels ship scipy-openblas)
and MKL are driven through their C entry points with ctypes.  Where no such library is
found (e.g. Apple's Accelerate), the number is remembered and reported back, and BLAS
keeps its own setting.

Ember has no inter-op thread pool; ``set_num_interop_threads`` keeps torch's rules (a
positive int, settable once) and ``get_num_interop_threads`` reports the value.

Example:
    >>> import ember
    >>> ember.set_num_threads(1)
    >>> ember.get_num_threads()
    1
"""

from __future__ import annotations

import ctypes
import glob
import operator
import os

__all__ = ["get_num_interop_threads", "get_num_threads", "set_num_interop_threads", "set_num_threads"]

# (setter, getter) entry points, tried in order: scipy-openblas (NumPy's wheels), plain
# OpenBLAS with and without the 64-bit-integer suffix, MKL.
_ENTRY_POINTS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
    ("MKL_Set_Num_Threads", "MKL_Get_Max_Threads"),
)
_LIBRARY_NAMES = ("openblas", "mkl_rt")


class _Blas:
    """The BLAS library's thread controls (looked up once, on first use)."""

    def __init__(self):
        self.setter = self.getter = None
        found = first_blas_functions(_ENTRY_POINTS)
        if found is not None:
            setter, getter = found[1]
            setter.argtypes, setter.restype = [ctypes.c_int], None
            getter.argtypes, getter.restype = [], ctypes.c_int
            self.setter, self.getter = setter, getter


def first_blas_functions(name_groups):
    """``(names, functions)`` of the first group of entry points that one BLAS library
    offers in full (libraries in ``loaded_blas_libraries`` order, then groups in order);
    None when none does."""
    for library in loaded_blas_libraries():
        for names in name_groups:
            functions = [getattr(library, name, None) for name in names]
            if all(f is not None for f in functions):
                return names, functions
    return None


def loaded_blas_libraries():
    """The candidate BLAS libraries (see ``_candidate_libraries``), opened with ctypes;
    those that fail to load are skipped."""
    for path in _candidate_libraries():
        try:
            yield ctypes.CDLL(path)
        except OSError:
            continue


def _candidate_libraries() -> list:
    """Paths of BLAS libraries: those mapped into this process first, then NumPy's own."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                name = os.path.basename(path).lower()
                if path.startswith("/") and any(n in name for n in _LIBRARY_NAMES) and path not in found:
                    found.append(path)
    except OSError:
        pass
    import numpy as np

    site = os.path.dirname(os.path.dirname(np.__file__))
    for pattern in ("numpy.libs/*", "numpy/.dylibs/*"):
        for path in sorted(glob.glob(os.path.join(site, pattern))):
            if any(n in os.path.basename(path).lower() for n in _LIBRARY_NAMES) and path not in found:
                found.append(path)
    return found


_blas: _Blas | None = None
_requested: int | None = None  # what set_num_threads was given, where BLAS can't be driven
_interop: int | None = None


def _library() -> _Blas:
    global _blas
    if _blas is None:
        _blas = _Blas()
    return _blas


def blas_is_controllable() -> bool:
    """Whether a BLAS library whose thread count ember can set and read was found."""
    return _library().getter is not None


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise RuntimeError(f"{name} expects an int, but got {type(value).__name__}")
    value = operator.index(value)
    if value <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return value


def set_num_threads(num: int) -> None:
    """Use ``num`` threads for NumPy's BLAS (matrix products, convolutions) from now on.

    Example:
        >>> import ember
        >>> ember.set_num_threads(2); ember.get_num_threads()
        2
    """
    global _requested
    num = _positive_int(num, "set_num_threads")
    _requested = num
    blas = _library()
    if blas.setter is not None:
        blas.setter(num)


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS uses.

    Example:
        >>> import ember
        >>> ember.get_num_threads() >= 1
        True
    """
    blas = _library()
    if blas.getter is not None:
        return int(blas.getter())
    return _requested or os.cpu_count() or 1


def set_num_interop_threads(num: int) -> None:
    """torch's inter-op pool size; ember has no such pool, so the value is only kept.

    As in torch, it can be set once.

    Example:
        >>> import ember
        >>> ember.get_num_interop_threads() >= 1
        True
    """
    global _interop
    num = _positive_int(num, "set_num_interop_threads")
    if _interop is not None:
        raise RuntimeError(
            "Error: cannot set number of interop threads after parallel work has started or "
            "set_num_interop_threads called"
        )
    _interop = num


def get_num_interop_threads() -> int:
    """The value given to ``set_num_interop_threads`` (else the number of CPUs)."""
    return _interop or os.cpu_count() or 1
