"""Moving batches from worker processes to the main process through shared memory.

A worker builds each batch's arrays directly inside shared-memory segments (files in
``/dev/shm``, mapped with ``mmap``), then pickles the batch with a pickler that replaces
every tensor by a small reference ``(segment, offset, shape, dtype, strides)``.  Only
that metadata crosses the pipe.  The main process maps the segments, wraps the arrays as
tensors and **unlinks the segment files at once**: the memory then lives exactly as long
as the tensors that use it, and no name is left behind in ``/dev/shm``.

Segment names start with a per-iterator prefix (``ember-dl-<pid>-<id>-w<worker>-``), so
whatever a worker wrote but the main process never consumed (a prefetched batch when the
loop breaks, a worker killed mid-batch) is removed by :func:`remove_segments` when the
workers shut down.
"""

from __future__ import annotations

import glob
import io
import mmap
import os
import pickle
import tempfile

import numpy as np

from ..._tensor import Tensor

__all__ = ["SHM_DIR", "SegmentWriter", "discard_segments", "dump_batch", "load_batch", "remove_segments"]

SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()

_ALIGN = 64
_MIN_SEGMENT = 4096
# Arrays smaller than this travel inside the pickle; a shared segment costs a few syscalls.
_SMALL_NDARRAY = 1 << 14


def _round_up(n: int, k: int) -> int:
    return (n + k - 1) // k * k


class _Segment:
    __slots__ = ("address", "buffer", "name", "size", "used")

    def __init__(self, name: str, size: int):
        path = os.path.join(SHM_DIR, name)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, size)
            self.buffer = mmap.mmap(fd, size)
        except BaseException:
            os.close(fd)
            os.unlink(path)
            raise
        os.close(fd)
        self.name = name
        self.size = size
        self.used = 0
        self.address = np.frombuffer(self.buffer, dtype=np.uint8, count=1).__array_interface__["data"][0]


class SegmentWriter:
    """Bump-allocates one batch's arrays in shared-memory segments (worker side).

    The first segment of a batch is sized from the previous batch, so a steady stream of
    equal batches costs one segment (a handful of syscalls) per batch.  tmpfs files are
    sparse: capacity that is not written costs no memory.
    """

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._counter = 0
        self._segments: list[_Segment] = []
        self._size_hint = 0

    def allocate(self, shape: tuple, np_dtype) -> np.ndarray:
        np_dtype = np.dtype(np_dtype)
        count = 1
        for d in shape:
            count *= int(d)
        nbytes = count * np_dtype.itemsize
        segment = self._segments[-1] if self._segments else None
        if segment is None or segment.used + nbytes > segment.size:
            capacity = max(nbytes, self._size_hint - (segment.used if segment else 0), _MIN_SEGMENT)
            segment = self._new_segment(_round_up(capacity, mmap.PAGESIZE))
        offset = segment.used
        segment.used = _round_up(offset + nbytes, _ALIGN)
        return np.ndarray(shape, dtype=np_dtype, buffer=segment.buffer, offset=offset)

    def _new_segment(self, size: int) -> _Segment:
        name = f"{self.prefix}{self._counter}"
        self._counter += 1
        segment = _Segment(name, size)
        self._segments.append(segment)
        return segment

    def locate(self, array: np.ndarray):
        """``(segment index, byte offset)`` if ``array`` lies inside this batch's segments."""
        if array.size == 0:
            return None
        start = array.__array_interface__["data"][0]
        low = high = start
        for n, stride in zip(array.shape, array.strides):
            span = (n - 1) * stride
            if span < 0:
                low += span
            else:
                high += span
        high += array.itemsize
        for i, seg in enumerate(self._segments):
            if seg.address <= low and high <= seg.address + seg.size:
                return i, start - seg.address
        return None

    def finish_batch(self) -> list:
        """The ``(name, size)`` of the batch's segments; the writer starts a fresh batch."""
        segments = self._segments
        self._size_hint = max(sum(s.used for s in segments), self._size_hint // 2)
        self._segments = []
        return [(s.name, s.size) for s in segments]

    def abandon_batch(self) -> None:
        """Remove the segments of a batch that will not be sent (its build failed)."""
        for seg in self._segments:
            _unlink_quietly(seg.name)
        self._segments = []


class _BatchPickler(pickle.Pickler):
    """Pickles a batch, replacing tensors by references into shared segments."""

    def __init__(self, file, writer: SegmentWriter):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer = writer

    def persistent_id(self, obj):
        if isinstance(obj, Tensor):
            array = obj._array
            if not isinstance(array, np.ndarray):
                array = obj.__array__()
            return ("tensor", type(obj), obj.requires_grad) + self._share(array)
        if type(obj) is np.ndarray and obj.nbytes >= _SMALL_NDARRAY and obj.dtype.kind not in "OV":
            return ("ndarray", None, False) + self._share(obj)
        return None

    def _share(self, array: np.ndarray) -> tuple:
        if array.size == 0:
            return (None, 0, array.shape, array.dtype.str, None)
        where = self.writer.locate(array)
        if where is None:  # not built in shared memory (a custom collate_fn): copy it there
            copy = self.writer.allocate(array.shape, array.dtype)
            copy[...] = array
            array = copy
            where = self.writer.locate(array)
        segment, offset = where
        return (segment, offset, array.shape, array.dtype.str, array.strides)


def dump_batch(batch, writer: SegmentWriter) -> tuple:
    """Worker side: ``(segments, payload)`` where payload is the reference pickle."""
    buffer = io.BytesIO()
    try:
        _BatchPickler(buffer, writer).dump(batch)
    except BaseException:
        writer.abandon_batch()
        raise
    return writer.finish_batch(), buffer.getvalue()


class _BatchUnpickler(pickle.Unpickler):
    def __init__(self, file, buffers: list):
        super().__init__(file)
        self.buffers = buffers

    def persistent_load(self, pid):
        kind, cls, requires_grad, segment, offset, shape, dtype, strides = pid
        if segment is None:
            array = np.empty(shape, dtype=np.dtype(dtype))
        else:
            array = np.ndarray(shape, dtype=np.dtype(dtype), buffer=self.buffers[segment], offset=offset, strides=strides)
        if kind == "ndarray":
            return array
        tensor = cls._from_array(array)
        if requires_grad:
            tensor.requires_grad_(True)
        return tensor


def _map_and_unlink(name: str, size: int) -> mmap.mmap:
    path = os.path.join(SHM_DIR, name)
    fd = os.open(path, os.O_RDWR)
    try:
        buffer = mmap.mmap(fd, size)
    finally:
        os.close(fd)
        os.unlink(path)  # the mapping keeps the memory alive; the name is gone
    return buffer


def load_batch(segments: list, payload: bytes):
    """Main side: map the segments (unlinking them) and rebuild the batch around them."""
    buffers = []
    try:
        for name, size in segments:
            buffers.append(_map_and_unlink(name, size))
    except BaseException:
        discard_segments(segments)
        raise
    return _BatchUnpickler(io.BytesIO(payload), buffers).load()


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(os.path.join(SHM_DIR, name))
    except OSError:
        pass


def discard_segments(segments: list) -> None:
    """Remove segments of a batch that will not be used (stale or never consumed)."""
    for name, _ in segments:
        _unlink_quietly(name)


def remove_segments(prefix: str) -> int:
    """Remove every segment whose name starts with ``prefix``; returns how many."""
    removed = 0
    for path in glob.glob(os.path.join(SHM_DIR, glob.escape(prefix) + "*")):
        try:
            os.unlink(path)
            removed += 1
        except OSError:
            pass
    return removed
