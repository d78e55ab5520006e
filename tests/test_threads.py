"""set_num_threads / get_num_threads drive NumPy's BLAS; interop threads keep torch's rules."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember import _threads
from tests.oracle import check_error

needs_blas = pytest.mark.skipif(not _threads.blas_is_controllable(), reason="NumPy's BLAS is neither OpenBLAS nor MKL")


@pytest.fixture
def restore_threads():
    before = ember.get_num_threads()
    yield
    ember.set_num_threads(before)


@needs_blas
def test_set_num_threads_reaches_numpys_blas(restore_threads):
    for n in (1, 2, 1):
        ember.set_num_threads(n)
        assert ember.get_num_threads() == n  # read back from the library itself
    ember.set_num_threads(np.int64(2))  # any integer type, as torch
    assert ember.get_num_threads() == 2


@pytest.mark.parametrize("value", [0, -1, 2.5, "2", True])
def test_set_num_threads_rejects_what_torch_rejects(value, restore_threads):
    before = ember.get_num_threads()
    exc = check_error(lambda m: m.set_num_threads(value), [], RuntimeError)
    torch_message = None
    try:
        torch.set_num_threads(value)
    except RuntimeError as err:
        torch_message = str(err)
    assert str(exc) == torch_message
    assert ember.get_num_threads() == before


def test_interop_threads_can_be_set_once_like_torch():
    # Process-wide state: checked in a fresh interpreter.
    code = (
        "import ember\n"
        "assert ember.get_num_interop_threads() >= 1\n"
        "ember.set_num_interop_threads(3)\n"
        "assert ember.get_num_interop_threads() == 3\n"
        "try:\n"
        "    ember.set_num_interop_threads(2)\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "cannot set number of interop threads" in out
    check_error(lambda m: m.set_num_interop_threads(0), [], RuntimeError, "expects a positive integer")


class _ThreadCounts(ember.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return ember.get_num_threads()


@needs_blas
def test_dataloader_workers_use_one_blas_thread(restore_threads):
    ember.set_num_threads(2)
    loader = ember.utils.data.DataLoader(_ThreadCounts(), batch_size=2, num_workers=2)
    assert [int(v) for batch in loader for v in batch] == [1, 1, 1, 1]
    assert ember.get_num_threads() == 2  # the main process keeps its setting
