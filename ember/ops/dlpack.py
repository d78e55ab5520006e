"""DLPack interop: zero-copy exchange of tensors with NumPy, torch, CuPy, JAX, ...

``ember.from_dlpack(obj)`` wraps the memory of any object that implements the DLPack
protocol (``__dlpack__``/``__dlpack_device__``) or of a legacy DLPack capsule, without
copying.  The other direction is ``Tensor.__dlpack__``: ``np.from_dlpack(t)`` and
``torch.from_dlpack(t)`` share an ember tensor's memory.

Example:
    >>> import numpy as np, ember
    >>> a = np.zeros(3, np.float32)
    >>> t = ember.from_dlpack(a); t[0] = 5.0
    >>> a
    array([5., 0., 0.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["from_dlpack"]

_CPU, _CUDA = 1, 2  # DLPack device types


class _CapsuleHolder:
    """Presents a bare (legacy) DLPack capsule through the ``__dlpack__`` protocol."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (_CPU, 0)


def _is_torch_bfloat16(obj) -> bool:
    return type(obj).__module__.startswith("torch") and str(getattr(obj, "dtype", "")) == "torch.bfloat16"


def _import_array(obj):
    """The NumPy (or CuPy) array that shares ``obj``'s memory."""
    if _is_torch_bfloat16(obj):
        # NumPy's DLPack importer has no bfloat16: import the bits as int16, then reinterpret
        import torch

        return np.from_dlpack(obj.view(torch.int16)).view(_dtype.bfloat16.numpy_dtype)
    device_type = obj.__dlpack_device__()[0] if hasattr(obj, "__dlpack_device__") else _CPU
    if int(device_type) == _CUDA:
        import cupy

        return cupy.from_dlpack(obj)
    if int(device_type) != _CPU:
        raise BufferError(f"ember.from_dlpack: unsupported DLPack device type {int(device_type)}")
    return np.from_dlpack(obj)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with ``ext_tensor`` (a DLPack-capable object or capsule).

    Writes through either side are seen by the other.  Raises TypeError for element
    types ember has no dtype for (complex, uint16, ...).

    Example:
        >>> import numpy as np, ember
        >>> ember.from_dlpack(np.arange(3))
        tensor([0, 1, 2])
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise TypeError(
                f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, got {type(ext_tensor).__name__}"
            )
        ext_tensor = _CapsuleHolder(ext_tensor)
    arr = _import_array(ext_tensor)
    if arr.dtype.kind == "c":
        raise TypeError("ember has no complex dtypes: from_dlpack cannot import a complex array")
    try:
        _dtype.from_numpy_dtype(arr.dtype)
    except TypeError:
        raise TypeError(
            f"from_dlpack: ember has no dtype for {arr.dtype} elements; the supported types are "
            "float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool"
        ) from None
    return Tensor._from_array(arr)
