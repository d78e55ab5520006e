"""The DataLoader iterator with worker processes.

Main process                                   worker w (one per id)
------------                                   ---------------------
task t -> index queue of worker t % W   --->   fetch + collate into shared memory
wait(result pipes + process sentinels)  <---   ("batch", t, (segment names, refs))
map segments, unlink them, keep result until it is batch t's turn; send a new task.

Waiting uses ``multiprocessing.connection.wait`` on every worker's result pipe *and*
its process sentinel, so a worker that dies wakes the main process at once: no polling
interval, no hang.  Tasks carry increasing ids; results are delivered in id order
(sampler order) unless ``in_order=False``.
"""

from __future__ import annotations

import itertools
import os
import pickle
import shutil
import signal
import time
import uuid
import weakref
from multiprocessing import connection as mp_connection

from ._shared_batch import SHM_DIR, discard_segments, load_batch, remove_segments
from ._worker import ResumeIteration, worker_loop
from .collate import _short_list
from .dataloader import _BaseDataLoaderIter

__all__ = ["MultiProcessingDataLoaderIter"]

# Seconds a worker gets to finish its current sample and exit on its own at shutdown
# before it is terminated; shorter after Ctrl-C or a dead worker, when waiting helps no one.
SHUTDOWN_GRACE = 2.0
SHUTDOWN_GRACE_URGENT = 0.2


class _Workers:
    """The processes, queues and pipes of one iterator, and their shutdown.

    Kept apart from the iterator and finalized through ``weakref.finalize``: when an
    iterator dies inside a reference cycle (an exception's traceback holds it), the
    garbage collector runs weakref callbacks *before* any ``__del__``, while every pipe
    and queue here is still intact (they are reachable from the finalizer, so not yet
    collected).  The finalizer also runs at interpreter exit.
    """

    def __init__(self, prefix: str, done_event):
        self.prefix = prefix
        self.done_event = done_event
        self.processes = []
        self.index_queues = []
        self.result_conns = []

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        try:
            self.done_event.set()
            for index_queue in self.index_queues:
                try:
                    index_queue.put(None)
                except Exception:
                    pass
            # Closing our read ends makes a worker blocked on sending exit at once.
            for conn in self.result_conns:
                try:
                    conn.close()
                except OSError:
                    pass
            deadline = time.monotonic() + grace
            for process in self.processes:
                process.join(timeout=max(0.0, deadline - time.monotonic()))
            for process in self.processes:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=1.0)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=1.0)
            for index_queue in self.index_queues:
                index_queue.close()
        finally:
            remove_segments(self.prefix)


class MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Starts ``num_workers`` processes and hands them batches of keys."""

    def __init__(self, loader):
        super().__init__(loader)
        context = loader._worker_context()
        self._prefix = f"ember-dl-{os.getpid()}-{uuid.uuid4().hex[:12]}-"
        state = _Workers(self._prefix, context.Event())
        self._finalizer = weakref.finalize(self, state.shutdown)
        self._workers = state.processes
        self._index_queues = state.index_queues
        self._result_conns = state.result_conns
        self._done_event = state.done_event
        self._failure = None
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                # never block interpreter exit on a queue whose reader died
                index_queue.cancel_join_thread()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=worker_loop,
                    args=(
                        self._is_iterable,
                        self._dataset,
                        index_queue,
                        writer,
                        self._done_event,
                        self._auto_collation,
                        self._collate_fn,
                        self._drop_last,
                        self._base_seed,
                        loader.worker_init_fn,
                        worker_id,
                        self._num_workers,
                        f"{self._prefix}w{worker_id}-",
                        os.getpid(),
                    ),
                    name=f"ember-dataloader-worker-{worker_id}",
                    daemon=True,
                )
                process.start()
                # Our copy of the write end must go, or a dead worker's pipe never reports EOF.
                writer.close()
                self._workers.append(process)
                self._index_queues.append(index_queue)
                self._result_conns.append(reader)
        except BaseException:
            self._shutdown_workers()
            raise
        self._conn_worker = {conn: i for i, conn in enumerate(self._result_conns)}
        self._sentinel_worker = {p.sentinel: i for i, p in enumerate(self._workers)}
        self._next_task = 0
        self._start_epoch()

    # ---------------------------------------------------------------- epochs
    def _start_epoch(self) -> None:
        self._epoch_first_task = self._next_task
        self._rcvd_idx = self._next_task
        self._task_worker = {}
        self._task_index = {}
        self._results = {}
        self._tasks_outstanding = 0
        self._workers_active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _reset(self, loader) -> None:
        """Start another epoch with persistent workers: reseed them, drop stale results."""
        if self._failure is not None or self._shutdown:
            raise RuntimeError("this DataLoader iterator's workers have stopped; create a new iterator")
        super()._reset(loader)
        for index_queue in self._index_queues:
            index_queue.put(ResumeIteration(self._base_seed))
        waiting = set(range(self._num_workers))
        while waiting:
            kind, payload_id, payload = self._get_message(deadline=None)
            if kind == "resumed":
                waiting.discard(payload_id)
            elif kind == "batch":
                discard_segments(payload[0])
        self._start_epoch()

    # ------------------------------------------------------------- sending
    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return
        task = self._next_task
        self._index_queues[worker_id].put((task, index))
        self._task_worker[task] = worker_id
        self._task_index[task] = index
        self._tasks_outstanding += 1
        self._next_task += 1

    # ------------------------------------------------------------ receiving
    def _get_message(self, deadline):
        """The next message from any worker; raises if a worker died or time ran out."""
        while True:
            waitables = [c for c in self._result_conns if not c.closed]
            waitables += [p.sentinel for p in self._workers]
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            ready = mp_connection.wait(waitables, timeout=remaining)
            for obj in ready:  # data first: a worker may have sent results, then died
                worker_id = self._conn_worker.get(obj)
                if worker_id is None:
                    continue
                try:
                    return pickle.loads(obj.recv_bytes())
                except (EOFError, OSError):
                    obj.close()  # the worker is gone; its sentinel tells how
            for obj in ready:
                worker_id = self._sentinel_worker.get(obj)
                if worker_id is None:
                    continue
                conn = self._result_conns[worker_id]
                if not conn.closed and conn.poll():
                    continue  # read what it sent before it exited
                self._worker_died(worker_id)

    def _worker_died(self, worker_id: int) -> None:
        process = self._workers[worker_id]
        process.join(timeout=1.0)
        pending = [t for t, w in sorted(self._task_worker.items()) if w == worker_id and t not in self._results]
        index = self._task_index.get(pending[0]) if pending else None
        message = describe_worker_death(worker_id, process.pid, process.exitcode, index)
        self._failure = message
        self._shutdown_workers(urgent=True)
        raise RuntimeError(message) from None

    def _next_data(self):
        if self._failure is not None:
            raise RuntimeError(self._failure)
        try:
            return self._next_batch()
        except (KeyboardInterrupt, SystemExit):
            self._shutdown_workers(urgent=True)
            raise

    def _next_batch(self):
        deadline = None if self._timeout <= 0 else time.monotonic() + self._timeout
        while True:
            if not self._in_order and self._results:
                task = min(self._results)
                return self._deliver(task)
            while self._rcvd_idx < self._next_task:
                task = self._rcvd_idx
                if task in self._results:
                    break
                worker_id = self._task_worker.get(task)
                if worker_id is not None and self._workers_active[worker_id]:
                    break
                self._forget(task)  # its worker's stream ended: no batch for this task
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if self._rcvd_idx in self._results:
                return self._deliver(self._rcvd_idx)
            self._receive(self._get_message(deadline))

    def _receive(self, message) -> None:
        kind, task, payload = message
        if kind == "resumed" or task < self._epoch_first_task or task not in self._task_worker:
            if kind == "batch":  # stale (an earlier epoch) or already skipped
                discard_segments(payload[0])
            if kind != "resumed" and task >= self._epoch_first_task:
                self._tasks_outstanding -= 1
            return
        self._tasks_outstanding -= 1
        if kind == "end":  # an IterableDataset copy is exhausted: that worker is done
            self._workers_active[self._task_worker[task]] = False
            self._forget(task)
            self._try_put_index()
        elif kind == "batch":
            segments, refs = payload
            self._results[task] = ("batch", load_batch(segments, refs))
        else:
            self._results[task] = ("error", payload)

    def _forget(self, task: int) -> None:
        self._task_worker.pop(task, None)
        self._task_index.pop(task, None)

    def _deliver(self, task: int):
        kind, value = self._results.pop(task)
        self._forget(task)
        if task == self._rcvd_idx:
            self._rcvd_idx += 1
        self._try_put_index()
        if kind == "error":
            value.reraise()
        return value

    # ------------------------------------------------------------- shutdown
    def _shutdown_workers(self, urgent: bool = False) -> None:
        """Stop the workers and remove every shared segment they made (idempotent)."""
        if self._shutdown:
            return
        self._shutdown = True
        self._results = {}
        if urgent and self._finalizer.alive:
            _, func, _, _ = self._finalizer.detach()
            func(SHUTDOWN_GRACE_URGENT)
        else:
            self._finalizer()


def describe_worker_death(worker_id: int, pid: int, exitcode, index) -> str:
    """The error text for a worker that exited while the main process waited on it."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        what = f"was killed by signal {name} ({number})"
    else:
        name = None
        what = f"exited unexpectedly with exit code {exitcode}"
    loading = ""
    if isinstance(index, (list, tuple)) and index and index[0] is not None:
        loading = f" while loading the batch of dataset indices {_short_list(index)}"
    elif index is not None and not isinstance(index, (list, tuple)):
        loading = f" while loading dataset index {index!r}"
    try:
        free_mib = shutil.disk_usage(SHM_DIR).free // (1 << 20)
        shm = f"{SHM_DIR} has {free_mib} MiB free"
    except OSError:
        shm = f"{SHM_DIR} could not be inspected"
    oom = (
        "out of memory: the kernel's OOM killer ends processes with SIGKILL (check `dmesg`); use "
        "fewer workers, a smaller batch_size or prefetch_factor, or avoid copy-on-read growth "
        "(docs/data_loading.md)"
    )
    small_shm = (
        f"shared memory too small for the batches ({shm}): SIGBUS when /dev/shm fills up; "
        "in Docker pass --shm-size (or --ipc=host), or use smaller batches"
    )
    if name == "SIGBUS":
        causes = f"the most likely cause is {small_shm}; otherwise {oom}"
    elif name == "SIGSEGV":
        causes = f"a crash in native code (an extension used by the dataset), or {oom}"
    else:
        causes = f"the most likely cause is {oom}; or {small_shm}"
    return f"DataLoader worker {worker_id} (pid {pid}) {what}{loading}. {causes[0].upper() + causes[1:]}."
