"""Work handles: a started non-blocking MPI operation, waited on against a deadline.

MPI (MPICH by default) makes progress only inside MPI calls, so waiting means calling
``Testall`` in a loop: a tight spin at first (the common case, where the peers are
already there and the data is moving), yielding the core after a couple of
milliseconds, and sleeping briefly once the wait is clearly for a late rank.  Past the
deadline, :meth:`ProcessGroup.timeout_error` explains which ranks are missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta

from ._mpi import mpi

__all__ = ["Work", "poll"]

_SPIN_SECONDS = 0.002
_YIELD_SECONDS = 0.2
_SLEEP_SECONDS = 0.0005


def poll(requests: list, deadline: float, statuses: list | None = None) -> bool:
    """Drive ``requests`` until all completed (True) or ``deadline`` passed (False)."""
    testall = mpi().Request.Testall
    if testall(requests, statuses):
        return True
    start = time.monotonic()
    yield_ = getattr(os, "sched_yield", None)
    while True:
        if testall(requests, statuses):
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        waited = now - start
        if waited > _YIELD_SECONDS:
            time.sleep(_SLEEP_SECONDS)
        elif waited > _SPIN_SECONDS and yield_ is not None:
            yield_()


def _seconds(timeout) -> float:
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return float(timeout)


class Work:
    """The handle an ``async_op=True`` call returns (torch.distributed.Work).

    ``wait()`` blocks until the operation finished (raising if it failed or timed out)
    and returns True; ``is_completed()`` checks without blocking.

    Example:
        >>> # work = dist.all_reduce(t, async_op=True); ...; work.wait()
    """

    def __init__(self, group, what: str, seq: int | None, requests: list,
                 on_complete: Callable[[], None] | None = None, result: list | None = None,
                 peer: int | None = None, keep: tuple = (), statuses: list | None = None):
        self._group = group
        self._what = what
        self._seq = seq
        self._requests = requests
        self._on_complete = on_complete
        self._result = result if result is not None else []
        self._peer = peer
        self._keep = keep  # buffers MPI writes into must outlive the operation
        self._started = time.monotonic()
        self._deadline = self._started + group.timeout
        self._done = False
        self._exception: BaseException | None = None
        self._statuses = statuses  # filled by MPI for receives (the source rank)
        self._source = None

    def _finish(self) -> None:
        self._done = True
        self._keep = ()
        if self._on_complete is not None:
            callback, self._on_complete = self._on_complete, None
            callback()

    def is_completed(self) -> bool:
        """True once the operation finished (this call also lets MPI make progress)."""
        if self._done:
            return True
        if self._exception is not None:
            return True
        try:
            done = mpi().Request.Testall(self._requests, self._statuses)
        except mpi().Exception as exc:
            raise self._failed(exc) from exc
        if done:
            self._finish()
            return True
        return False

    def _failed(self, exc) -> BaseException:
        from .process_group import DistBackendError

        MPI = mpi()
        me = self._group.ranks[self._group.rank()]
        reason = str(exc)
        if self._statuses and exc.Get_error_code() == MPI.ERR_IN_STATUS:
            reason = "; ".join(MPI.Get_error_string(st.Get_error()) for st in self._statuses
                               if st.Get_error() != MPI.SUCCESS) or reason
        if "truncated" in reason.lower():
            reason += " (the message is larger than the receiving tensor)"
        self._exception = DistBackendError(f"ember.distributed: {self._what} failed on rank {me}: {reason}")
        return self._exception

    def wait(self, timeout=None) -> bool:
        """Block until done; raises ``DistBackendError`` past the group's timeout
        (or past ``timeout`` seconds / timedelta when given)."""
        if self._exception is not None:
            raise self._exception
        if self._done:
            return True
        deadline = self._deadline
        if timeout is not None:
            deadline = min(deadline, time.monotonic() + _seconds(timeout))
        try:
            completed = poll(self._requests, deadline, self._statuses)
        except mpi().Exception as exc:
            raise self._failed(exc) from exc
        if not completed:
            self._exception = self._group.timeout_error(
                self._what, self._seq, time.monotonic() - self._started, self._peer
            )
            raise self._exception
        self._finish()
        return True

    def is_success(self) -> bool:
        return self._done and self._exception is None

    def exception(self):
        return self._exception

    def result(self) -> list:
        """The tensors the operation wrote (after ``wait``)."""
        return list(self._result)

    def synchronize(self) -> None:
        self.wait()

    def source_rank(self) -> int:
        """For ``irecv`` from any source: the global rank the message came from."""
        if self._source is None:
            raise RuntimeError("source_rank() is only available for a completed recv")
        return self._source

    _source_rank = source_rank

    def get_future(self):
        """A minimal future: ``wait()`` returns ``result()``; ``value()`` too; ``done()``."""
        return _WorkFuture(self)

    def __repr__(self) -> str:
        state = "completed" if self._done else ("failed" if self._exception else "pending")
        return f"<ember.distributed.Work {self._what} {state}>"


class _WorkFuture:
    def __init__(self, work: Work):
        self._work = work

    def wait(self):
        self._work.wait()
        return self._work.result()

    def value(self):
        return self.wait()

    def done(self) -> bool:
        return self._work.is_completed()

    def then(self, callback):
        work = self._work

        class _Chained:
            def wait(self_inner):
                return callback(self)

            value = wait

            def done(self_inner):
                return work.is_completed()

        return _Chained()


class CompletedWork(Work):
    """A Work that is already finished (operations with nothing to send)."""

    def __init__(self, group, what: str, result: list | None = None):
        super().__init__(group, what, None, [], result=result)
        self._done = True
