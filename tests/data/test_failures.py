"""Failure behaviour: worker exceptions, killed workers, timeouts, early exits, collate errors.

Every test here checks that no worker process and no shared-memory segment is left
behind (the ``no_leaks`` fixture) and runs under a timeout, so a hang fails fast.
"""

import faulthandler
import gc
import os
import signal
import threading
import time

import numpy as np
import pytest

import ember
import ember.utils.data as edata
from tests.data.helpers import no_leaks, shm_segments  # noqa: F401

pytestmark = pytest.mark.timeout(60)


class FailsAt(edata.Dataset):
    def __init__(self, bad, exc=ValueError):
        self.bad, self.exc = bad, exc

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc(f"cannot decode sample {i}")
        return np.full(3, i, np.float32)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_worker_exception_is_reraised_with_traceback_and_index(num_workers, no_leaks):  # noqa: F811
    loader = edata.DataLoader(FailsAt(7), batch_size=4, num_workers=num_workers)
    it = iter(loader)
    assert next(it)[:, 0].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="cannot decode sample 7") as info:
        next(it)
    text = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    if num_workers:
        assert "Caught ValueError in DataLoader worker process 1 while loading dataset index 7" in text
        assert "Original Traceback (most recent call last)" in text
        assert "in __getitem__" in text and "test_failures.py" in text  # the worker's own frames
        assert "[4, 5, 6, 7]" in text
    elif hasattr(info.value, "add_note"):
        assert "dataset index 7" in text
    # like torch, the iterator goes on with the next batch
    assert next(it)[:, 0].tolist() == [8, 9, 10, 11]
    with pytest.raises(StopIteration):
        next(it)
    del it


def test_key_error_and_unpicklable_exception_types(no_leaks):  # noqa: F811
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(edata.DataLoader(FailsAt(1, KeyError), batch_size=2, num_workers=2))

    class LocalError(Exception):  # cannot be pickled by reference
        pass

    with pytest.raises(RuntimeError, match="LocalError.*cannot decode sample 0"):
        list(edata.DataLoader(FailsAt(0, LocalError), batch_size=2, num_workers=2))


def failing_init(worker_id):
    raise OSError(f"no database for worker {worker_id}")


def test_worker_init_fn_error_is_reported(no_leaks):  # noqa: F811
    with pytest.raises(OSError, match="worker_init_fn") as info:
        list(edata.DataLoader(FailsAt(-1), batch_size=2, num_workers=2, worker_init_fn=failing_init))
    assert "no database for worker 0" in str(info.value)


class KilledAt(edata.Dataset):
    def __init__(self, bad, how="signal", sig=signal.SIGKILL):
        self.bad, self.how, self.sig = bad, how, sig

    def __len__(self):
        return 16

    def __getitem__(self, i):
        if i == self.bad and edata.get_worker_info() is not None:
            if self.how == "signal":
                faulthandler.disable()  # pytest's handler would print a dump for SIGBUS
                os.kill(os.getpid(), self.sig)
                time.sleep(5)
            os._exit(3)
        if i < 4:
            time.sleep(0.05)
        return i


def test_worker_killed_by_sigkill_raises_naming_worker_signal_and_cause(no_leaks):  # noqa: F811
    loader = edata.DataLoader(KilledAt(5), batch_size=2, num_workers=2)
    started = time.monotonic()
    with pytest.raises(RuntimeError) as info:
        list(loader)
    assert time.monotonic() - started < 30  # detected at once, no hang
    message = str(info.value)
    assert "DataLoader worker 0" in message  # batch [4, 5] is the third: worker 0
    assert "killed by signal SIGKILL (9)" in message
    assert "out of memory" in message and "/dev/shm" in message
    assert "[4, 5]" in message


def test_sigbus_points_at_shared_memory_first(no_leaks):  # noqa: F811
    loader = edata.DataLoader(KilledAt(2, sig=signal.SIGBUS), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError, match=r"worker 1 .*killed by signal SIGBUS.*shared memory too small") as info:
        list(loader)
    assert "--shm-size" in str(info.value)


def test_worker_exiting_with_a_code_is_reported(no_leaks):  # noqa: F811
    with pytest.raises(RuntimeError, match=r"DataLoader worker 1 \(pid \d+\) exited unexpectedly with exit code 3"):
        list(edata.DataLoader(KilledAt(3, how="exit"), batch_size=2, num_workers=2))


def test_iterator_stays_failed_after_a_worker_death(no_leaks):  # noqa: F811
    it = iter(edata.DataLoader(KilledAt(0), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match="SIGKILL"):
        next(it)
    assert all(not p.is_alive() for p in it._workers)
    with pytest.raises(RuntimeError, match="SIGKILL"):
        next(it)
    del it


class Sleepy(edata.Dataset):
    def __init__(self, slow_index, seconds):
        self.slow_index, self.seconds = slow_index, seconds

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.slow_index:
            time.sleep(self.seconds)
        return i


def test_timeout_raises_instead_of_waiting(no_leaks):  # noqa: F811
    loader = edata.DataLoader(Sleepy(0, 30), batch_size=2, num_workers=2, timeout=0.5)
    it = iter(loader)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(it)
    assert time.monotonic() - started < 10
    workers = list(it._workers)
    del it
    gc.collect()
    assert all(not p.is_alive() for p in workers)


@pytest.mark.parametrize("persistent", [False, True])
def test_breaking_out_of_an_epoch_ends_workers_and_frees_memory(persistent, no_leaks):  # noqa: F811
    ds = edata.TensorDataset(ember.zeros(64, 1000), ember.arange(64))
    loader = edata.DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=4, persistent_workers=persistent)
    for i, (x, _) in enumerate(loader):
        if i == 2:
            break
    it = loader._iterator if persistent else None
    del x, loader, it
    # no_leaks checks: workers gone, the prefetched batches' segments removed


def test_deleting_the_iterator_mid_epoch(no_leaks):  # noqa: F811
    ds = edata.TensorDataset(ember.zeros(64, 1000), ember.arange(64))
    it = iter(edata.DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=4))
    next(it)
    time.sleep(0.2)  # let the workers fill their prefetch queue with unconsumed segments
    assert len(shm_segments()) > 0
    workers = list(it._workers)
    del it
    assert all(not p.is_alive() for p in workers)
    assert shm_segments() == set()


def test_exception_in_the_loop_body_ends_workers(no_leaks):  # noqa: F811
    def train():
        for batch in edata.DataLoader(list(range(40)), batch_size=2, num_workers=2):
            raise ZeroDivisionError("user bug")

    with pytest.raises(ZeroDivisionError):
        train()
    gc.collect()


def test_keyboard_interrupt_while_waiting_ends_workers(no_leaks):  # noqa: F811
    it = iter(edata.DataLoader(Sleepy(0, 30), batch_size=2, num_workers=2))
    workers = list(it._workers)
    # a real SIGINT to the main thread, as Ctrl-C delivers (it interrupts the blocking wait)
    timer = threading.Timer(0.5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            next(it)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 20
    assert all(not p.is_alive() for p in workers)
    assert shm_segments() == set()
    del it


class Ragged(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"image": np.zeros(4 if i == 6 else 3, np.float32), "label": i}


@pytest.mark.parametrize("num_workers", [0, 2])
def test_collate_error_names_indices_field_and_shapes(num_workers, no_leaks):  # noqa: F811
    loader = edata.DataLoader(Ragged(), batch_size=4, num_workers=num_workers, sampler=[0, 1, 2, 3, 7, 6, 5, 4])
    it = iter(loader)
    next(it)
    with pytest.raises(RuntimeError) as info:
        next(it)
    message = str(info.value)
    assert "['image']" in message
    assert "[3] at batch entry 0 (dataset index 7)" in message
    assert "[4] at batch entry 1 (dataset index 6)" in message
    assert "stack expects each tensor to be equal size" in message
    assert "[7, 6, 5, 4]" in message
    del it



PARENT_SCRIPT = """
import os, signal, time
import ember
from ember.utils.data import DataLoader, TensorDataset
ds = TensorDataset(ember.zeros(64, 100), ember.arange(64))
it = iter(DataLoader(ds, batch_size=2, num_workers=2, prefetch_factor=4))
next(it)
time.sleep(0.3)  # prefetched batches now sit in /dev/shm
print(os.getpid(), " ".join(str(p.pid) for p in it._workers), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no cleanup code can run in this process
"""


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux /proc")
def test_workers_exit_and_clean_up_when_the_main_process_dies():
    import subprocess
    import sys

    from ember.utils.data._shared_batch import SHM_DIR
    from tests.data.helpers import wait_until

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-c", PARENT_SCRIPT], capture_output=True, text=True, timeout=60, cwd=repo, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    parent, *workers = (int(p) for p in proc.stdout.split())
    assert len(workers) == 2

    def gone(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie is gone too
        except FileNotFoundError:
            return True

    def segments():
        return [n for n in os.listdir(SHM_DIR) if n.startswith(f"ember-dl-{parent}-")]

    assert wait_until(lambda: all(gone(p) for p in workers), timeout=15)
    assert wait_until(lambda: not segments(), timeout=5), segments()
