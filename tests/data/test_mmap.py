"""Memory-mapped .npy datasets: data larger than RAM streams, workers share it without copies."""

import os
import pickle

import numpy as np
import pytest

import ember
import ember.utils.data as edata
from tests.data.helpers import assert_same_batches, no_leaks  # noqa: F401


def write_npy(tmp_path, n=50):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3, 4)).astype(np.float32)
    y = rng.integers(0, 10, n)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), x, y


def test_samples_and_batches_match_in_memory_data(tmp_path):
    xp, yp, x, y = write_npy(tmp_path)
    ds = edata.NpyDataset(xp, yp)
    assert isinstance(ds.arrays[0], np.memmap) and len(ds) == 50
    sx, sy = ds[7]
    np.testing.assert_array_equal(sx.numpy(), x[7])
    assert sy.item() == y[7] and sx.dtype == ember.float32 and sy.dtype == ember.int64
    sx.add_(1)  # a private writable copy: the file is untouched
    assert np.load(xp)[7, 0, 0] == x[7, 0, 0]
    in_memory = edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    assert_same_batches(edata.DataLoader(ds, batch_size=8), edata.DataLoader(in_memory, batch_size=8))
    single = edata.NpyDataset(xp)
    assert_same_batches(edata.DataLoader(single, batch_size=8), edata.DataLoader([ember.from_numpy(row) for row in x], batch_size=8))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_workers_read_the_mapping(tmp_path, context, no_leaks):  # noqa: F811
    xp, yp, _, y = write_npy(tmp_path)
    ds = edata.NpyDataset(xp, yp)
    if context == "fork":  # shuffled: every sample exactly once
        loader = edata.DataLoader(ds, batch_size=8, num_workers=2, shuffle=True)
        assert sorted(i for _, by in loader for i in by.tolist()) == sorted(y.tolist())
    assert_same_batches(
        edata.DataLoader(ds, batch_size=8, num_workers=2, multiprocessing_context=context),
        edata.DataLoader(ds, batch_size=8),
    )


def test_pickles_as_paths_not_data(tmp_path):
    xp, yp, x, _ = write_npy(tmp_path, n=2000)
    ds = edata.NpyDataset(xp, yp)
    blob = pickle.dumps(ds)
    assert len(blob) < 2000  # the arrays are 96 KB; only the paths travel
    again = pickle.loads(blob)
    assert isinstance(again.arrays[0], np.memmap)
    np.testing.assert_array_equal(again[5][0].numpy(), x[5])


def test_transforms_apply_to_fields(tmp_path):
    xp, yp, x, y = write_npy(tmp_path)
    ds = edata.NpyDataset(xp, yp, transform=lambda t: t * 2, target_transform=lambda t: t + 100)
    a, b = ds[3]
    np.testing.assert_allclose(a.numpy(), x[3] * 2)
    assert b.item() == y[3] + 100
    batch = next(iter(edata.DataLoader(ds, batch_size=4)))
    assert batch[1].tolist() == (y[:4] + 100).tolist()


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="first dimensions differ"):
        edata.NpyDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="expects .npy paths"):
        edata.NpyDataset([1, 2, 3])
    with pytest.raises(ValueError, match="at least one"):
        edata.NpyDataset()


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def anonymous_bytes() -> int:
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no Anonymous line")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_file_larger_than_it_is_read_streams(tmp_path):
    # A 4 GiB .npy file that is sparse on disk: opening it and reading samples must touch
    # only those samples' pages, never load the whole array.
    path = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(1 << 20, 1024))
    big[123456] = 7.0
    big.flush()
    del big
    before = rss_bytes()
    ds = edata.NpyDataset(str(path))
    assert len(ds) == 1 << 20
    total = 0.0
    loader = edata.DataLoader(ds, batch_size=16, sampler=list(range(123450, 123450 + 64)))
    for batch in loader:
        total += float(batch.sum())
    assert total == 7.0 * 1024
    assert rss_bytes() - before < 64 << 20  # a few MB, not 4 GiB


class AnonymousGrowth(edata.IterableDataset):
    """Inside a worker: read every row of the mapped array, report anonymous memory growth."""

    def __init__(self, ds):
        self.ds = ds

    def __iter__(self):
        array = edata.get_worker_info().dataset.ds.arrays[0]
        before = anonymous_bytes()
        checksum = 0.0
        for start in range(0, array.shape[0], 256):
            checksum += float(array[start : start + 256].sum(dtype=np.float64))
        yield {"growth": anonymous_bytes() - before, "checksum": checksum, "is_memmap": isinstance(array, np.memmap)}


@pytest.mark.timeout(60)
@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs Linux /proc")
def test_forked_workers_read_the_file_without_private_copies(tmp_path, no_leaks):  # noqa: F811
    data = np.ones((8192, 1024), np.float32)  # 32 MiB
    np.save(tmp_path / "d.npy", data)
    ds = edata.NpyDataset(str(tmp_path / "d.npy"))
    (report,) = list(edata.DataLoader(AnonymousGrowth(ds), batch_size=None, num_workers=1))
    assert report["is_memmap"]
    assert float(report["checksum"]) == 8192 * 1024
    assert int(report["growth"]) < 8 << 20  # page-cache pages, not a private 32 MiB copy
