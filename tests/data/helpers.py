"""Shared helpers for the data-loading tests: comparing batches with torch's, leak checks."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import pytest
import torch

import ember
from ember.utils.data._shared_batch import SHM_DIR


def tree(x):
    """A library-neutral description of a batch: containers kept, tensors as (dtype, array)."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), np.asarray(x.detach().numpy()))
    if isinstance(x, dict):
        return ("dict", {k: tree(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return ("namedtuple", type(x).__name__, [tree(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [tree(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    return ("value", type(x).__name__, x)


def assert_same_tree(a, b, path="batch"):
    """Assert two ``tree`` descriptions are equal: same containers, dtypes, shapes, values."""
    ta, tb = (a if isinstance(a, tuple) and a and a[0] in _KINDS else tree(a)), (
        b if isinstance(b, tuple) and b and b[0] in _KINDS else tree(b)
    )
    assert ta[0] == tb[0], f"{path}: {ta[0]} vs {tb[0]}"
    kind = ta[0]
    if kind == "tensor":
        assert ta[1] == tb[1], f"{path}: dtype {ta[1]} vs {tb[1]}"
        assert ta[2] == tb[2], f"{path}: shape {ta[2]} vs {tb[2]}"
        np.testing.assert_array_equal(ta[3], tb[3], err_msg=path)
    elif kind == "dict":
        assert list(ta[1]) == list(tb[1]), f"{path}: keys {list(ta[1])} vs {list(tb[1])}"
        for key in ta[1]:
            assert_same_tree(ta[1][key], tb[1][key], f"{path}[{key!r}]")
    elif kind == "namedtuple":
        assert ta[1] == tb[1]
        assert len(ta[2]) == len(tb[2])
        for i, (x, y) in enumerate(zip(ta[2], tb[2])):
            assert_same_tree(x, y, f"{path}[{i}]")
    elif kind in ("list", "tuple"):
        assert len(ta[1]) == len(tb[1]), f"{path}: length {len(ta[1])} vs {len(tb[1])}"
        for i, (x, y) in enumerate(zip(ta[1], tb[1])):
            assert_same_tree(x, y, f"{path}[{i}]")
    else:
        assert ta[1:] == tb[1:], f"{path}: {ta[1:]} vs {tb[1:]}"


_KINDS = {"tensor", "dict", "namedtuple", "list", "tuple", "ndarray", "value"}


def assert_same_batches(ember_batches, torch_batches):
    ember_batches, torch_batches = list(ember_batches), list(torch_batches)
    assert len(ember_batches) == len(torch_batches)
    for i, (e, t) in enumerate(zip(ember_batches, torch_batches)):
        assert_same_tree(e, t, f"batch {i}")


def shm_segments() -> set:
    """The DataLoader shared-memory segments of this process present right now."""
    prefix = f"ember-dl-{os.getpid()}-"
    return {name for name in os.listdir(SHM_DIR) if name.startswith(prefix)}


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def no_leaks():
    """Fails the test if it leaves worker processes or shared-memory segments behind."""
    before_children = {p.pid for p in multiprocessing.active_children()}
    before_shm = shm_segments()
    yield
    import gc

    gc.collect()
    assert wait_until(lambda: {p.pid for p in multiprocessing.active_children()} <= before_children), (
        f"leaked worker processes: {multiprocessing.active_children()}"
    )
    # only this process's loader segments: other programs may use /dev/shm meanwhile
    leaked = shm_segments() - before_shm
    assert not leaked, f"leaked shared-memory entries in {SHM_DIR}: {sorted(leaked)}"
