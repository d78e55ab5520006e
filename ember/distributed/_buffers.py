"""From tensors to the NumPy buffers MPI reads and writes, and how each reduction maps to MPI.

Data goes to MPI in place whenever the tensor's array is contiguous and writable; other
tensors (non-contiguous views, float16/bfloat16 that MPI cannot reduce) go through a
contiguous temporary that is copied back when the operation completes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor
from ._mpi import datatype_of, mpi

__all__ = ["ReduceOp", "Reduction", "bump_version", "input_array", "output_buffer", "reduction_for", "tensor_array"]


class _RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"


_RedOpType.__name__ = "RedOpType"
_RedOpType.__qualname__ = "ReduceOp.RedOpType"


class ReduceOp:
    """Reduction operations for ``all_reduce``, ``reduce`` and ``reduce_scatter``.

    ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``
    (members of ``ReduceOp.RedOpType``, as in torch).

    Example:
        >>> import ember.distributed as dist
        >>> dist.ReduceOp.SUM
        <RedOpType.SUM: 0>
    """

    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
    PREMUL_SUM = _RedOpType.PREMUL_SUM
    UNUSED = _RedOpType.UNUSED


def tensor_array(tensor, op: str, arg: str = "tensor") -> np.ndarray:
    """The NumPy array behind a CPU tensor (torch's TypeError for anything else)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{arg}` of type torch.Tensor\n"
            f"             but got {type(tensor)} instead."
        )
    array = tensor._array
    if not isinstance(array, np.ndarray):
        raise RuntimeError(f"{op}: ember.distributed sends CPU tensors only; got a tensor on {tensor.device}")  # noqa: TRY004
    return array


def input_array(tensor, op: str, arg: str = "tensor") -> np.ndarray:
    """A contiguous array of the tensor's values (the tensor's own memory when possible)."""
    return np.ascontiguousarray(tensor_array(tensor, op, arg))


def output_buffer(tensor, op: str, dtype=None, arg: str = "tensor") -> tuple[np.ndarray, Callable[[], None]]:
    """``(buffer MPI writes into, finish)``; ``finish()`` moves the result into the tensor."""
    array = tensor_array(tensor, op, arg)
    if not array.flags.writeable:
        raise RuntimeError(
            f"{op}: the output tensor's memory is read-only (an expanded or broadcast view?); "
            "pass a tensor that owns its memory, e.g. .clone()"
        )
    want = array.dtype if dtype is None else np.dtype(dtype)
    if array.flags.c_contiguous and array.dtype == want:
        return array, lambda: bump_version(tensor)
    buffer = np.ascontiguousarray(array, dtype=want)

    def finish():
        np.copyto(array, buffer.reshape(array.shape), casting="unsafe")
        bump_version(tensor)

    return buffer, finish


def bump_version(tensor) -> None:
    tensor._version_counter[0] += 1


_LOGICAL = {"SUM": "LOR", "MAX": "LOR", "BOR": "LOR", "MIN": "LAND", "PRODUCT": "LAND", "BAND": "LAND", "BXOR": "LXOR"}
_ARITHMETIC = {"SUM": "SUM", "AVG": "SUM", "PRODUCT": "PROD", "MIN": "MIN", "MAX": "MAX",
               "BAND": "BAND", "BOR": "BOR", "BXOR": "BXOR"}


class Reduction:
    """How one ReduceOp runs on one dtype: MPI datatype and op, the dtype to compute in,
    and the division that turns SUM into AVG."""

    def __init__(self, op_name: str, compute_dtype: np.dtype, datatype, mpi_op):
        self.op_name = op_name
        self.compute_dtype = compute_dtype
        self.datatype = datatype
        self.mpi_op = mpi_op

    def spec(self, buffer: np.ndarray) -> list:
        return [buffer, self.datatype]

    def finalize(self, buffer: np.ndarray, world: int) -> None:
        if self.op_name != "AVG":
            return
        if buffer.dtype.kind in "fc":
            np.divide(buffer, world, out=buffer)
        else:
            np.floor_divide(buffer, world, out=buffer)


def _op_name(op) -> str:
    if isinstance(op, _RedOpType):
        return op.name
    if isinstance(op, int):
        return _RedOpType(op).name
    name = getattr(op, "name", None)
    if isinstance(name, str) and name in _RedOpType.__members__:
        return name
    raise TypeError(f"expected a ReduceOp, got {op!r}")


def reduction_for(np_dtype, op, what: str) -> Reduction:
    """The :class:`Reduction` for reducing ``np_dtype`` with ``op`` (torch's errors otherwise)."""
    MPI = mpi()
    name = _op_name(op)
    np_dtype = np.dtype(np_dtype)
    if name in ("PREMUL_SUM", "UNUSED"):
        raise ValueError(f"{what}: ReduceOp.{name} is not supported by ember's MPI backend")
    if np_dtype.kind == "b":
        if name == "AVG":
            raise RuntimeError(f"{what}: Cannot use ReduceOp.AVG with boolean tensors")
        return Reduction(name, np_dtype, MPI.C_BOOL, getattr(MPI, _LOGICAL[name]))
    integral = np_dtype.kind in "iu"
    if name in ("BAND", "BOR", "BXOR") and not integral:
        raise RuntimeError(f"Cannot use ReduceOp.{name} with non-integral dtype")
    datatype = datatype_of(np_dtype)
    compute = np_dtype
    if datatype is None:
        if np_dtype.kind not in "fV":
            raise RuntimeError(f"{what}: cannot reduce tensors of dtype {np_dtype}")
        compute = np.dtype(np.float32)  # float16 / bfloat16: reduce in float32, round once
        datatype = MPI.FLOAT
    return Reduction(name, compute, datatype, getattr(MPI, _ARITHMETIC[name]))
