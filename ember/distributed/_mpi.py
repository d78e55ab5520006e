"""The lazy door to mpi4py: nothing here imports it until a process group is created.

``import ember`` and ``import ember.distributed`` never load MPI; the first
``init_process_group`` does (which initializes MPI).  Tensor data always travels
through mpi4py's buffer interface (upper-case methods on NumPy arrays, in place):
:func:`datatype_of` names the MPI datatype of an array, and :func:`as_bytes` is the
typeless view used by operations that only move data.
"""

from __future__ import annotations

import importlib.util

import numpy as np

__all__ = ["as_bytes", "datatype_of", "is_mpi_available", "mpi"]

_MPI = None

_NATIVE = {
    "float32": "FLOAT",
    "float64": "DOUBLE",
    "int8": "INT8_T",
    "int16": "INT16_T",
    "int32": "INT32_T",
    "int64": "INT64_T",
    "uint8": "UINT8_T",
    "uint16": "UINT16_T",
    "uint32": "UINT32_T",
    "uint64": "UINT64_T",
    "bool": "C_BOOL",
    "complex64": "C_FLOAT_COMPLEX",
    "complex128": "C_DOUBLE_COMPLEX",
}


def is_mpi_available() -> bool:
    """True when mpi4py can be imported (checked without importing it)."""
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """The ``mpi4py.MPI`` module, imported (and MPI initialized) on first use."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as exc:
            raise RuntimeError(
                "ember.distributed runs on MPI through mpi4py, which is not installed: "
                "pip install 'ember[mpi]' (installs mpi4py and the MPICH library with its mpiexec)"
            ) from exc
        _MPI = MPI
    return _MPI


def datatype_of(np_dtype):
    """The MPI datatype for reductions over ``np_dtype``, or None (e.g. float16, bfloat16)."""
    name = _NATIVE.get(np.dtype(np_dtype).name)
    return None if name is None else getattr(mpi(), name)


def as_bytes(array: np.ndarray) -> list:
    """A ``[buffer, MPI.BYTE]`` spec over a contiguous array (for data movement only)."""
    return [array.reshape(-1).view(np.uint8), mpi().BYTE]
