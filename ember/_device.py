"""Devices and the array module (``xp``) that holds a device's data.

The CPU keeps data in NumPy arrays.  ``cuda`` keeps it in CuPy arrays when CuPy is
installed; op code calls ``xp.*`` so both take the same path.
"""

from __future__ import annotations

import numpy as np

__all__ = ["device", "get_array_module", "cuda_available"]


class device:
    """Where a tensor's data lives: ``device("cpu")`` or ``device("cuda", 0)``.

    Example:
        >>> import ember
        >>> ember.device("cpu")
        device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type_or_str, index: int | None = None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if isinstance(type_or_str, int):  # torch accepts a bare ordinal for cuda
            type_or_str, index = "cuda", type_or_str
        name = str(type_or_str)
        if ":" in name:
            name, _, idx = name.partition(":")
            if index is not None:
                raise RuntimeError(f"device string {type_or_str!r} already has an index")
            index = int(idx)
        if name not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                f"Expected one of cpu, cuda, meta device type at start of device string: {type_or_str}"
            )
        self.type, self.index = name, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def _cupy():
    try:
        import cupy  # noqa: F401
    except ImportError:
        return None
    return cupy


def cuda_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    cp = _cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # a CuPy without a driver raises several error types
        return False


def get_array_module(dev: device):
    """Return the array module (``numpy`` or ``cupy``) for a device."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        cp = _cupy()
        if cp is None or not cuda_available():
            raise RuntimeError(
                "Torch not compiled with CUDA enabled: ember runs CUDA tensors through CuPy; "
                "install cupy and make sure a GPU is visible"
            )
        return cp
    raise RuntimeError(f"ember cannot hold data on device {dev}")


def device_of_array(arr) -> device:
    """The device an array lives on (NumPy arrays are on the CPU)."""
    if isinstance(arr, np.ndarray):
        return CPU
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return device("cuda", dev.id)
    return CPU


def array_module_of(arr):
    """``numpy`` for NumPy arrays, ``cupy`` for CuPy arrays."""
    if isinstance(arr, np.ndarray):
        return np
    return _cupy() or np
