"""``torch.cuda``'s query functions: ember runs CUDA tensors through CuPy when present.

Example:
    >>> import ember
    >>> ember.cuda.is_available() in (True, False)
    True
"""

from __future__ import annotations

from ._device import _cupy, cuda_available

__all__ = ["is_available", "device_count", "current_device", "synchronize", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    return cuda_available()


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy)."""
    if not cuda_available():
        return 0
    return int(_cupy().cuda.runtime.getDeviceCount())


def current_device() -> int:
    if not cuda_available():
        raise RuntimeError("Torch not compiled with CUDA enabled: ember needs CuPy and a GPU for CUDA tensors")
    return int(_cupy().cuda.runtime.getDevice())


def synchronize(device=None) -> None:
    """Wait for all GPU work to finish (nothing to do without a GPU)."""
    if cuda_available():
        _cupy().cuda.runtime.deviceSynchronize()


def manual_seed(seed: int) -> None:
    """Accepted for compatibility: ember's generators are shared by all devices."""


manual_seed_all = manual_seed
