"""Worker processes: same batches as num_workers=0, shared memory, order, seeding, sharding."""

import mmap
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import ember
import ember.utils.data as edata
from tests.data.helpers import assert_same_batches, no_leaks, shm_segments  # noqa: F401
from tests.data.worker_datasets import WorkerReport, tag_dataset

pytestmark = pytest.mark.timeout(60)


def flatten(lists):
    return [x for sub in lists for x in sub]


def tensor_dataset(n=37):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 4, 3)).astype(np.float32)
    return edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(np.arange(n)))


class Mixed(edata.Dataset):
    def __len__(self):
        return 19

    def __getitem__(self, i):
        return {"img": np.full((3, 2), i, np.float64), "id": i, "name": f"n{i}", "t": (ember.tensor([i, i + 1]), 0.5 * i)}


@pytest.mark.parametrize(
    "make,kwargs",
    [
        (tensor_dataset, {"batch_size": 5}),
        (tensor_dataset, {"batch_size": 5, "drop_last": True}),
        (tensor_dataset, {"batch_size": None}),
        (Mixed, {"batch_size": 4}),
        (Mixed, {"batch_size": 4, "prefetch_factor": 1}),
    ],
)
def test_two_workers_give_exactly_the_single_process_batches(make, kwargs, no_leaks):  # noqa: F811
    ds = make()
    single = {k: v for k, v in kwargs.items() if k != "prefetch_factor"}
    assert_same_batches(edata.DataLoader(ds, num_workers=2, **kwargs), edata.DataLoader(ds, **single))


def test_batches_are_mapped_shared_memory_not_pickled_copies(no_leaks):  # noqa: F811
    loader = edata.DataLoader(tensor_dataset(), batch_size=8, num_workers=2)
    for x, y in loader:
        for t in (x, y):
            base = t.numpy()
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            assert isinstance(base, mmap.mmap), type(base)
            t.add_(1) if t.is_floating_point() else None  # writable, like a normal tensor
    assert shm_segments() == set()  # every segment was unlinked as soon as it was mapped


class SlowFirst(edata.Dataset):
    """Early samples are slow, so later batches finish first in the other worker."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i < 2:
            time.sleep(0.3)
        return i


def test_batches_arrive_in_sampler_order(no_leaks):  # noqa: F811
    loader = edata.DataLoader(SlowFirst(), batch_size=2, num_workers=2, sampler=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]


def test_in_order_false_yields_every_batch(no_leaks):  # noqa: F811
    loader = edata.DataLoader(SlowFirst(), batch_size=2, num_workers=2, in_order=False)
    got = [b.tolist() for b in loader]
    assert sorted(got) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]


def test_get_worker_info_and_worker_init_fn(no_leaks):  # noqa: F811
    assert edata.get_worker_info() is None
    loader = edata.DataLoader(WorkerReport(), batch_size=2, num_workers=2, worker_init_fn=tag_dataset)
    batches = list(loader)
    ids = [b["id"].tolist() for b in batches]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]]  # round-robin over the workers
    assert all(b["num_workers"].tolist() == [2, 2] for b in batches)
    assert all(all(b["same_dataset_type"].tolist()) for b in batches)
    tags = {(b["id"][0].item(), b["tag"][0].item()) for b in batches}
    assert tags == {(0, 100), (1, 101)}
    seeds = {b["id"][0].item(): b["seed"][0].item() for b in batches}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker_id, as torch
    assert len({b["pid"][0].item() for b in batches}) == 2 and os.getpid() not in {b["pid"][0].item() for b in batches}


def test_worker_info_is_read_only():
    info = edata.WorkerInfo(id=0, num_workers=1, seed=3, dataset=None)
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        info.id = 1
    assert "num_workers=1" in repr(info)


class Sharded(edata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = edata.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Unsharded(edata.IterableDataset):
    def __iter__(self):
        return iter(range(5))


def test_iterable_dataset_sharding_with_get_worker_info(no_leaks):  # noqa: F811
    got = sorted(flatten(b.tolist() for b in edata.DataLoader(Sharded(11), batch_size=2, num_workers=2)))
    assert got == list(range(11))
    # uneven shards: one worker runs dry first, the other keeps going
    got = sorted(flatten(b.tolist() for b in edata.DataLoader(Sharded(3), batch_size=1, num_workers=2)))
    assert got == [0, 1, 2]
    # no sharding: every worker yields the whole stream (torch's documented behaviour)
    got = sorted(flatten(b.tolist() for b in edata.DataLoader(Unsharded(), batch_size=2, num_workers=2)))
    assert got == sorted(list(range(5)) * 2)
    drop = list(edata.DataLoader(Sharded(11), batch_size=2, num_workers=2, drop_last=True))
    assert all(len(b) == 2 for b in drop) and len(drop) == 5  # 6 and 5 samples: 3 + 2 full batches
    single = list(edata.DataLoader(Sharded(4), batch_size=None, num_workers=2))
    assert sorted(int(b) for b in single) == [0, 1, 2, 3]


class RandomDraws(edata.Dataset):
    """Each sample draws from Python's random, NumPy's global generator and ember's."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return [random.random(), float(np.random.rand()), ember.rand(1).item()]


def epoch_values(loader):
    # one list per batch: [[python...], [numpy...], [ember...]] per batch of 2 samples
    return [[t.tolist() for t in batch] for batch in loader]


def test_workers_draw_different_numbers_and_epochs_differ(no_leaks):  # noqa: F811
    loader = edata.DataLoader(RandomDraws(), batch_size=2, num_workers=2)
    ember.manual_seed(0)
    first, second = epoch_values(loader), epoch_values(loader)
    for source in range(3):  # python, numpy, ember
        worker0 = first[0][source] + first[2][source]
        worker1 = first[1][source] + first[3][source]
        assert not set(worker0) & set(worker1), f"source {source}: workers drew the same numbers"
        assert first[0][source] != second[0][source], f"source {source}: epochs repeat"


def test_worker_randomness_reproducible_under_manual_seed(no_leaks):  # noqa: F811
    loader = edata.DataLoader(RandomDraws(), batch_size=2, num_workers=2, shuffle=True)
    ember.manual_seed(42)
    a = [epoch_values(loader), epoch_values(loader)]
    ember.manual_seed(42)
    b = [epoch_values(loader), epoch_values(loader)]
    ember.manual_seed(43)
    c = [epoch_values(loader), epoch_values(loader)]
    assert a == b
    assert a != c


def test_loader_generator_controls_worker_seeds(no_leaks):  # noqa: F811
    def run(seed):
        g = ember.Generator().manual_seed(seed)
        ember.manual_seed(999 + seed)  # must not matter
        return epoch_values(edata.DataLoader(RandomDraws(), batch_size=4, num_workers=2, generator=g))

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_persistent_workers_keep_processes_and_reseed_like_fresh_workers(no_leaks):  # noqa: F811
    ember.manual_seed(7)
    persistent = edata.DataLoader(RandomDraws(), batch_size=2, num_workers=2, persistent_workers=True)
    p_epochs = [epoch_values(persistent) for _ in range(3)]
    pids = [p.pid for p in persistent._iterator._workers]
    epoch_values(persistent)
    assert [p.pid for p in persistent._iterator._workers] == pids
    assert all(p.is_alive() for p in persistent._iterator._workers)
    ember.manual_seed(7)
    fresh = edata.DataLoader(RandomDraws(), batch_size=2, num_workers=2)
    f_epochs = [epoch_values(fresh) for _ in range(3)]
    assert p_epochs == f_epochs  # epoch k's augmentations do not depend on persistent_workers
    workers = persistent._iterator._workers
    del persistent
    import gc

    gc.collect()
    assert all(not p.is_alive() for p in workers)


def test_persistent_workers_after_a_broken_epoch(no_leaks):  # noqa: F811
    loader = edata.DataLoader(tensor_dataset(), batch_size=2, num_workers=2, persistent_workers=True)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert_same_batches(loader, edata.DataLoader(tensor_dataset(), batch_size=2))
    assert shm_segments() == set()
    del loader


def test_non_persistent_workers_exit_after_epoch(no_leaks):  # noqa: F811
    loader = edata.DataLoader(tensor_dataset(), batch_size=4, num_workers=2)
    it = iter(loader)
    workers = list(it._workers)
    assert all(p.is_alive() for p in workers)
    list(it)
    assert all(not p.is_alive() for p in workers)


def test_prefetch_factor_bounds_tasks_in_flight(no_leaks):  # noqa: F811
    for prefetch in (1, 3):
        it = iter(edata.DataLoader(tensor_dataset(), batch_size=1, num_workers=2, prefetch_factor=prefetch))
        assert it._next_task == 2 * prefetch
        next(it)
        assert it._next_task == 2 * prefetch + 1
        del it


def test_spawn_context(no_leaks):  # noqa: F811
    ds = tensor_dataset(9)
    loader = edata.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert_same_batches(loader, edata.DataLoader(ds, batch_size=4))


def test_context_object_and_worker_seeding_under_spawn(no_leaks):  # noqa: F811
    ctx = multiprocessing.get_context("spawn")
    loader = edata.DataLoader(WorkerReport(), batch_size=4, num_workers=2, multiprocessing_context=ctx)
    batches = list(loader)
    assert [b["id"][0].item() for b in batches] == [0, 1]


class TensorsInObjects:
    def __init__(self, tensor, array, words):
        self.tensor, self.array, self.words = tensor, array, words


def wrap_batch(samples):
    stacked = edata.default_collate(samples)
    return TensorsInObjects(stacked, np.stack([s.numpy() for s in samples]), ["w" * 5000] * 20)


def test_custom_collate_objects_and_large_payloads(no_leaks):  # noqa: F811
    ds = [ember.full((300,), float(i)) for i in range(6)]
    batches = list(edata.DataLoader(ds, batch_size=3, num_workers=2, collate_fn=wrap_batch))
    assert [b.tensor[:, 0].tolist() for b in batches] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert batches[1].array.shape == (3, 300) and float(batches[1].array[2, 0]) == 5.0
    assert batches[0].words == ["w" * 5000] * 20  # > 64 KiB of pickled text per batch


def test_timeout_does_not_fire_when_batches_are_fast(no_leaks):  # noqa: F811
    assert len(list(edata.DataLoader(tensor_dataset(), batch_size=8, num_workers=2, timeout=30))) == 5
