"""``spawn``/``start_processes``: run ``fn(i, *args)`` in ``nprocs`` processes, as torch does.

A child that raises writes its traceback to a private temp file and exits with status 1;
the parent's :meth:`ProcessContext.join` notices the first failure, terminates the other
children and raises :class:`ProcessRaisedException` carrying that traceback (or
:class:`ProcessExitedException` for a child that died without one, e.g. by a signal).
Children get ``SIGINT`` if the parent dies (Linux ``PR_SET_PDEATHSIG``), so none is left
running behind a crashed parent.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "spawn",
    "start_processes",
]


class ProcessException(Exception):
    """Base of the errors ``join`` raises; knows which child failed (``error_index``, ``pid``)."""

    __slots__ = ["error_index", "msg", "pid"]

    def __init__(self, msg: str, error_index: int, pid: int):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A child raised an exception; the message holds its traceback."""

    def __init__(self, msg: str, error_index: int, error_pid: int):
        super().__init__(msg, error_index, error_pid)


class ProcessExitedException(ProcessException):
    """A child exited with a non-zero status or was killed by a signal."""

    __slots__ = ["exit_code"]

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGINT))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wrap(fn: Callable, index: int, args: tuple, error_file: str) -> None:
    _die_with_parent()
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass  # the parent is stopping everything (SIGINT)
    except Exception:  # noqa: BLE001 - any failure is reported to the parent
        with open(error_file, "w") as f:
            f.write(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The started processes; :meth:`join` waits for them and reports the first failure."""

    def __init__(self, processes: list, error_files: list):
        self.processes = processes
        self.error_files = error_files
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self) -> list:
        return [int(process.pid) for process in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True once every process finished successfully.

        Raises :class:`ProcessRaisedException` / :class:`ProcessExitedException` as soon
        as one process failed (after terminating the others).
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            if not self.sentinels:
                self._remove_error_files()
            return not self.sentinels
        self._terminate_others()
        failed = self.processes[error_index]
        text = self._read_error(error_index)
        self._remove_error_files()
        if text:
            msg = f"\n\n-- Process {error_index} terminated with the following error:\n{text}"
            raise ProcessRaisedException(msg, error_index, failed.pid)
        code = failed.exitcode
        if code < 0:
            name = signal.Signals(-code).name
            raise ProcessExitedException(
                f"process {error_index} terminated with signal {name}", error_index, failed.pid, code, name
            )
        raise ProcessExitedException(
            f"process {error_index} terminated with exit code {code}", error_index, failed.pid, code
        )

    def _terminate_others(self, grace: float = 30.0) -> None:
        alive = [p for p in self.processes if p.is_alive()]
        for process in alive:
            process.terminate()
        deadline = time.monotonic() + grace
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        self.sentinels.clear()

    def _read_error(self, index: int) -> str:
        try:
            with open(self.error_files[index]) as f:
                return f.read()
        except OSError:
            return ""

    def _remove_error_files(self) -> None:
        for path in self.error_files:
            try:
                os.unlink(path)
            except OSError:
                pass


def start_processes(
    fn: Callable,
    args: tuple = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> Any:
    """Start ``nprocs`` processes running ``fn(i, *args)`` with the given start method.

    Returns a :class:`ProcessContext` when ``join`` is False, else waits for all of them
    (raising if one fails) and returns None.
    """
    context = multiprocessing.get_context(start_method)
    processes, error_files = [], []
    for index in range(nprocs):
        handle, path = tempfile.mkstemp(prefix="ember-spawn-err-")
        os.close(handle)
        os.unlink(path)  # created again by a failing child only
        process = context.Process(target=_wrap, args=(fn, index, args, path), daemon=daemon)
        process.start()
        processes.append(process)
        error_files.append(path)
    process_context = ProcessContext(processes, error_files)
    if not join:
        return process_context
    while not process_context.join():
        pass
    return None


def spawn(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> Any:
    """``start_processes`` with the ``spawn`` start method (torch.multiprocessing.spawn).

    Example:
        >>> import ember.multiprocessing as mp
        >>> def work(i, scale):  # must be importable by the children (a module-level function)
        ...     pass
        >>> # mp.spawn(work, args=(2.0,), nprocs=2)   # runs work(0, 2.0) and work(1, 2.0)
    """
    if start_method != "spawn":
        warnings.warn(
            f"This method only supports start_method=spawn (got: {start_method}).\n"
            "To use a different start_method use:\n\t\t ember.multiprocessing.start_processes(...)",
            FutureWarning,
            stacklevel=2,
        )
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
