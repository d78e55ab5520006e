"""``torch.backends.cuda``: cuBLAS matmul switches and the build query.

``matmul.allow_tf32`` mirrors :func:`ember.set_float32_matmul_precision` as in torch
(True means "high", False "highest"); ``matmul.allow_fp16_reduced_precision_reduction``
and ``matmul.allow_bf16_reduced_precision_reduction`` are recorded.  None of these change
ember's kernels: CuPy and NumPy matmuls are computed in the tensor's own precision.

Example:
    >>> import ember
    >>> ember.backends.cuda.matmul.allow_tf32
    False
"""

from __future__ import annotations

from .. import _runtime_flags


def is_built() -> bool:
    """Whether ember can run CUDA tensors here (CuPy present and a GPU visible).

    torch's answer means "compiled with CUDA"; ember's CUDA support is CuPy at run time,
    so it answers as :func:`ember.cuda.is_available` does.
    """
    from .. import cuda as ember_cuda

    return ember_cuda.is_available()


class _CuBLASSettings:
    """The ``torch.backends.cuda.matmul`` object: typed, recorded flags."""

    __slots__ = ("_bf16_reduction", "_fp16_reduction")

    def __init__(self):
        object.__setattr__(self, "_fp16_reduction", True)
        object.__setattr__(self, "_bf16_reduction", True)

    def __getattr__(self, name):
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            if type(value) is not bool:
                raise RuntimeError(f"set_allow_tf32_cublas expects a bool, but got {type(value).__name__}")
            _runtime_flags._Flags.float32_matmul_precision = "high" if value else "highest"
        elif name in ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
            if type(value) is not bool:
                raise TypeError(f"{name} expects a bool or a tuple/list of bools, but got {type(value)}")
            slot = "_fp16_reduction" if "fp16" in name else "_bf16_reduction"
            object.__setattr__(self, slot, value)
        else:
            raise AttributeError(f"Unknown attribute {name}")

    @property
    def allow_tf32(self) -> bool:
        return _runtime_flags._Flags.float32_matmul_precision != "highest"

    @property
    def allow_fp16_reduced_precision_reduction(self) -> bool:
        return self._fp16_reduction

    @property
    def allow_bf16_reduced_precision_reduction(self) -> bool:
        return self._bf16_reduction


matmul = _CuBLASSettings()
