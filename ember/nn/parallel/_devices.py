"""Which devices DataParallel spreads over.

ember runs on the CPU (and on CUDA through CuPy where ``ember.cuda`` reports devices).
When no accelerator is present, ``DataParallel(module)`` runs the module directly, as
torch does on a CPU-only machine.  Explicit ``device_ids`` on such a machine are taken as
CPU *slots*: the batch is still scattered over them, the module replicated and the
replicas run in threads (NumPy releases the GIL inside its kernels), which is the path
ember's tests exercise.
"""

from __future__ import annotations

import importlib

from ..._device import CPU, device

__all__ = ["accelerator_count", "slot_device"]


def accelerator_count() -> int:
    """How many CUDA devices ember can use (0 without ``ember.cuda`` or a GPU)."""
    try:
        cuda = importlib.import_module("ember.cuda")
    except ImportError:
        return 0
    try:
        return int(cuda.device_count()) if cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - a broken CUDA setup means "no GPUs"
        return 0


def slot_device(device_id) -> device:
    """The device behind a DataParallel slot: ``cuda:i`` when GPUs exist, else the CPU."""
    if isinstance(device_id, device):
        return device_id
    if accelerator_count() == 0:
        return CPU
    return device("cuda", int(device_id))


def slot_index(device_id) -> int:
    """The integer id of a slot given as an int, ``"cuda:1"`` or a device."""
    if isinstance(device_id, int):
        return device_id
    if isinstance(device_id, str):
        device_id = device(device_id)
    if isinstance(device_id, device):
        return 0 if device_id.index is None else device_id.index
    return int(device_id)
