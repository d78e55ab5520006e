"""The DataLoader worker process: seeding, ``get_worker_info`` and the fetch loop.

Each worker:

1. seeds Python's ``random``, NumPy's global generator and ember's default generator
   from the epoch's base seed and its id, so random augmentations differ between
   workers and epochs yet repeat exactly under ``ember.manual_seed``;
2. calls ``worker_init_fn(worker_id)``;
3. loops: take ``(task, keys)`` from its index queue, fetch and collate the batch
   straight into shared memory, send back a few hundred bytes of metadata.

Failures travel back as :class:`ExceptionWrapper` (type, message, traceback, the
dataset index being loaded); the main process re-raises them.  A worker exits when told
to, when the loader's done event is set, or when its parent process has died.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import signal
import sys
import traceback

import numpy as np

from ... import _threads
from ... import random as _ember_random
from . import collate as _collate
from ._fetch import create_fetcher
from ._shared_batch import SegmentWriter, dump_batch, remove_segments
from .collate import _short_list

__all__ = ["ExceptionWrapper", "WorkerInfo", "get_worker_info", "seed_worker", "worker_seeds"]

# How often an idle worker checks that its parent is still alive (seconds).
PARENT_CHECK_INTERVAL = 1.0

_worker_info = None


class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``.

    ``dataset`` is the worker's own copy of the dataset.  Attributes are read-only.

    Example:
        >>> from ember.utils.data import get_worker_info
        >>> get_worker_info() is None   # in the main process
        True
    """

    __initialized = False

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, value):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, value)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """The current worker's :class:`WorkerInfo`, or None in the main process.

    Use it in an ``IterableDataset.__iter__`` to shard the stream between workers, or
    in ``worker_init_fn`` to configure each worker's copy of the dataset.

    Example:
        >>> from ember.utils.data import get_worker_info
        >>> print(get_worker_info())
        None
    """
    return _worker_info


_MASK64 = (1 << 64) - 1


def worker_seeds(base_seed: int, worker_id: int) -> tuple[int, np.ndarray]:
    """``(seed, numpy_seed)`` for a worker: torch's ``base_seed + worker_id`` for Python's
    random and ember, and an independent 128-bit NumPy seed from a SeedSequence."""
    seed = (base_seed + worker_id) & _MASK64
    numpy_seed = np.random.SeedSequence([worker_id, base_seed & _MASK64]).generate_state(4)
    return seed, numpy_seed


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed ``random``, NumPy's global generator and ember's default generator; return the seed."""
    seed, numpy_seed = worker_seeds(base_seed, worker_id)
    random.seed(seed)
    np.random.seed(numpy_seed)
    _ember_random.manual_seed(seed)
    return seed


class ExceptionWrapper:
    """An exception from a worker, ready to be re-raised in the main process."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_type, exc, tb = exc_info or sys.exc_info()
        self.exc_type_name = exc_type.__name__
        try:
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:  # e.g. a class defined inside a function
            self.exc_type = None
        self.where = where
        self.traceback = "".join(traceback.format_exception(exc_type, exc, tb))

    def message(self) -> str:
        return (
            f"Caught {self.exc_type_name} {self.where}.\n"
            f"Original Traceback (most recent call last):\n"
            + self.traceback.split("\n", 1)[-1]
        )

    def reraise(self):
        msg = self.message()
        exc_type = self.exc_type or RuntimeError
        if self.exc_type is None:
            msg = f"({self.exc_type_name} could not be re-created in the main process) " + msg
        if exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = exc_type(msg)
        except Exception:  # an exception type whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    """KeyError quotes its message; this keeps the traceback readable."""

    def __repr__(self):
        return str(self)


class ResumeIteration:
    """Sent to persistent workers at the start of an epoch with that epoch's base seed."""

    def __init__(self, base_seed: int):
        self.base_seed = base_seed


def _describe_failure(worker_id: int, fetcher, index) -> str:
    where = f"in DataLoader worker process {worker_id}"
    sample = getattr(fetcher, "last_sample_index", None)
    if sample is not None:
        where += f" while loading dataset index {sample!r}"
    if isinstance(index, (list, tuple)) and index and index[0] is not None:
        where += f" (batch of dataset indices {_short_list(index)})"
    elif index is not None and not isinstance(index, (list, tuple)):
        where += f" while loading dataset index {index!r}"
    return where


def worker_loop(
    is_iterable: bool,
    dataset,
    index_queue,
    result_conn,
    done_event,
    auto_collation: bool,
    collate_fn,
    drop_last: bool,
    base_seed: int,
    init_fn,
    worker_id: int,
    num_workers: int,
    segment_prefix: str,
    parent_pid: int,
) -> None:
    """The body of a worker process (module level so that 'spawn' can import it)."""
    # Ctrl-C reaches the whole process group; the main process handles it and shuts us down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # As torch's workers: one BLAS thread each, so workers do not oversubscribe the cores.
    _threads.set_num_threads(1)
    writer = SegmentWriter(segment_prefix)
    _collate.set_batch_allocator(writer.allocate)

    def send(message) -> bool:
        try:
            result_conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            return True
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            return False  # the main process is gone

    def start_epoch(seed_base: int):
        global _worker_info
        seed = seed_worker(seed_base, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        return seed

    start_epoch(base_seed)
    init_error = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (worker_init_fn or dataset setup)")

    iteration_ended = False
    try:
        while True:
            try:
                task = index_queue.get(timeout=PARENT_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent_pid:  # orphaned: the main process died
                    break
                continue
            if task is None or done_event.is_set():
                break
            if isinstance(task, ResumeIteration):
                start_epoch(task.base_seed)
                iteration_ended = False
                if init_error is None:
                    try:
                        fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (dataset setup)")
                if not send(("resumed", worker_id, None)):
                    break
                continue
            task_id, index = task
            if init_error is not None:
                message = ("error", task_id, init_error)
            elif iteration_ended:
                message = ("end", task_id, None)
            else:
                try:
                    batch = fetcher.fetch(index)
                    segments, payload = dump_batch(batch, writer)
                    del batch
                    message = ("batch", task_id, (segments, payload))
                except StopIteration:
                    writer.abandon_batch()
                    iteration_ended = True
                    message = ("end", task_id, None)
                except Exception:
                    writer.abandon_batch()
                    message = ("error", task_id, ExceptionWrapper(where=_describe_failure(worker_id, fetcher, index)))
            if not send(message):
                if message[0] == "batch":
                    remove_segments(segment_prefix)
                break
            del message
    except KeyboardInterrupt:
        pass
    finally:
        if os.getppid() != parent_pid:
            remove_segments(segment_prefix)
        try:
            result_conn.close()
        except OSError:
            pass
