"""Shared-memory segments that hold tensor data, and moving tensors into them.

A segment is an anonymous memory file (``memfd_create`` on Linux; elsewhere a file in
``/dev/shm`` or the temp directory that is unlinked as soon as it is open) mapped with
``mmap(MAP_SHARED)``.  The segment keeps its file descriptor open: that descriptor is
what another process needs to map the same memory, and it is handed over by
:mod:`ember.multiprocessing.reductions` (``SCM_RIGHTS`` through multiprocessing's
resource sharer, or the spawn/forkserver launcher's inherited descriptors).  A segment
has no name anywhere, so nothing is ever left behind in ``/dev/shm``: the memory is freed
when the last process that maps it drops its last tensor.

Every process keeps a weak table ``(st_dev, st_ino) -> segment`` so that a segment that
arrives twice (or comes back to the process that made it) is mapped once: two tensors
sent separately that shared memory in the sender still share it in the receiver.

Example:
    >>> import ember
    >>> t = ember.zeros(3)
    >>> _ = t.share_memory_()
    >>> t.is_shared()
    True
"""

from __future__ import annotations

import ctypes
import mmap
import os
import tempfile
import threading
import weakref

import numpy as np

__all__ = ["SharedSegment", "is_in_shared_memory", "map_segment", "move_to_shared_memory", "segment_of"]

_HAVE_MEMFD = hasattr(os, "memfd_create")
_SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()

# (st_dev, st_ino) of the memory file -> the live mapping of it in this process
_segments_by_file: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_lock = threading.Lock()


class SharedSegment(mmap.mmap):
    """A ``MAP_SHARED`` mapping of a memory file; ``fd`` stays open for sharing."""

    fd: int
    key: tuple


def _new_memory_file(nbytes: int) -> int:
    if _HAVE_MEMFD:
        fd = os.memfd_create("ember-shared", getattr(os, "MFD_CLOEXEC", 0))
    else:  # pragma: no cover - non-Linux
        fd, path = tempfile.mkstemp(prefix="ember-shared-", dir=_SHM_DIR)
        os.unlink(path)
    try:
        os.ftruncate(fd, nbytes)
    except BaseException:
        os.close(fd)
        raise
    return fd


def map_segment(fd: int, nbytes: int) -> SharedSegment:
    """Map the memory file ``fd`` (taking ownership of the descriptor).

    If this process already maps the same file, the existing mapping is returned and
    ``fd`` is closed, so the memory has one address per process.
    """
    stat = os.fstat(fd)
    key = (stat.st_dev, stat.st_ino)
    with _lock:
        existing = _segments_by_file.get(key)
        if existing is not None and not existing.closed and len(existing) >= nbytes:
            if fd != existing.fd:  # a spawned child may be handed the same inherited fd twice
                os.close(fd)
            return existing
        try:
            segment = SharedSegment(fd, nbytes)
        except BaseException:
            os.close(fd)
            raise
        segment.fd = fd
        segment.key = key
        weakref.finalize(segment, os.close, fd)
        _segments_by_file[key] = segment
        return segment


def new_segment(nbytes: int) -> SharedSegment:
    """A fresh zero-filled segment of at least ``nbytes`` bytes (never empty)."""
    nbytes = max(int(nbytes), 1)
    return map_segment(_new_memory_file(nbytes), nbytes)


def _byte_span(array: np.ndarray) -> tuple[int, int]:
    """``[low, high)`` addresses of the memory an array can touch."""
    low = high = array.__array_interface__["data"][0]
    for n, stride in zip(array.shape, array.strides):
        if n == 0:
            return low, low
        span = (n - 1) * stride
        if span < 0:
            low += span
        else:
            high += span
    return low, high + array.itemsize


def _owner(array: np.ndarray) -> np.ndarray:
    """The array at the bottom of NumPy's ``base`` chain (the one over the raw memory)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def segment_of(array) -> tuple[SharedSegment, int] | None:
    """``(segment, byte offset of array's first element)`` when ``array`` lives in one."""
    if not isinstance(array, np.ndarray):
        return None
    base = _owner(array).base
    if not isinstance(base, SharedSegment) or base.closed:
        return None
    start = array.__array_interface__["data"][0]
    origin = np.ndarray((1,), np.uint8, buffer=base).__array_interface__["data"][0]
    return base, start - origin


def is_in_shared_memory(tensor) -> bool:
    """True when the tensor's data lives in a shared segment."""
    return segment_of(tensor._array) is not None


def _rebased(array: np.ndarray, segment: SharedSegment, old_low: int, new_offset: int) -> np.ndarray:
    start = array.__array_interface__["data"][0]
    moved = np.ndarray(
        array.shape, dtype=array.dtype, buffer=segment, offset=new_offset + (start - old_low), strides=array.strides
    )
    if not array.flags.writeable:
        moved.flags.writeable = False
    return moved


def _tensors_over(tensor) -> list:
    """The tensor, its view base and the live views of that base: all ember knows of one memory."""
    base = tensor._base if tensor._base is not None else tensor
    found = {id(tensor): tensor, id(base): base}
    state = base.__dict__.get("_views")
    if state is not None:
        for ref in state[0]:
            view = ref()
            if view is not None:
                found[id(view)] = view
    return list(found.values())


def move_to_shared_memory(tensor) -> None:
    """Move a tensor's memory into a shared segment, in place (``Tensor.share_memory_``).

    As in torch, the whole memory block the tensor lives in moves, so the tensor's view
    base and the views ember tracks of it keep sharing memory with it.  A no-op when the
    tensor is already shared, empty, or not on the CPU.
    """
    array = tensor._array
    if not isinstance(array, np.ndarray) or array.size == 0 or segment_of(array) is not None:
        return
    owner = _owner(array)
    low, high = _byte_span(owner)
    related = [t for t in _tensors_over(tensor) if isinstance(t._array, np.ndarray)]
    for t in related:  # a view ember tracks may lie outside the owner (rare): widen
        t_low, t_high = _byte_span(t._array)
        if t._array.size and _owner(t._array) is owner:
            low, high = min(low, t_low), max(high, t_high)
    segment = new_segment(high - low)
    source = np.ctypeslib.as_array((ctypes.c_ubyte * (high - low)).from_address(low))
    np.ndarray((high - low,), np.uint8, buffer=segment)[:] = source
    for t in related:
        arr = t._array
        if arr.size and _owner(arr) is owner:
            t._array = _rebased(arr, segment, low, 0)
