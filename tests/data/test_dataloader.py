"""DataLoader in the main process: same batches as torch's DataLoader, same argument checks."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from tests.data.helpers import assert_same_batches


def arrays(n=23):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 3, 2)).astype(np.float32), rng.integers(0, 5, n)


def tensor_datasets(n=23):
    x, y = arrays(n)
    return (
        edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)),
        tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
    )


class RichSamples:
    """A plain map-style dataset (no base class) with mixed sample types."""

    def __init__(self, m, n=11):
        self.m, self.n = m, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {
            "image": np.full((2, 2), i, dtype=np.uint8),
            "value": float(i) / 2,
            "label": i % 3,
            "name": f"s{i}",
            "pair": (self.m.tensor([i, -i]), i > 4),
        }


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"batch_size": 4},
        {"batch_size": 4, "drop_last": True},
        {"batch_size": 23},
        {"batch_size": 50},
        {"batch_size": None},
        {"sampler": [5, 1, 1, 22], "batch_size": 3},
        {"batch_sampler": [[0, 3], [7], [22, 21, 20]]},
    ],
)
def test_tensor_dataset_batches_match_torch(kwargs):
    e, t = tensor_datasets()
    el, tl = edata.DataLoader(e, **kwargs), tdata.DataLoader(t, **kwargs)
    assert len(el) == len(tl)
    assert_same_batches(el, tl)


@pytest.mark.parametrize("kwargs", [{"batch_size": 4}, {"batch_size": None}, {"batch_size": 3, "drop_last": True}])
def test_mixed_samples_match_torch(kwargs):
    assert_same_batches(edata.DataLoader(RichSamples(ember), **kwargs), tdata.DataLoader(RichSamples(torch), **kwargs))


def test_custom_collate_fn_and_list_dataset():
    data = [(i, str(i)) for i in range(7)]
    fn = lambda batch: [x for x, _ in batch]
    assert list(edata.DataLoader(data, batch_size=3, collate_fn=fn)) == list(tdata.DataLoader(data, batch_size=3, collate_fn=fn))
    assert_same_batches(edata.DataLoader(data, batch_size=3), tdata.DataLoader(data, batch_size=3))


class SameAsTensorDataset(edata.TensorDataset):
    """Overrides __getitem__ (to the same thing), which turns the one-gather fast path off."""

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)


def test_whole_batch_fast_path_equals_per_sample_path():
    x, y = arrays()
    fast = edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    slow = SameAsTensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    assert fast._ember_collated_batch([0, 1]) is not NotImplemented
    assert slow._ember_collated_batch([0, 1]) is NotImplemented
    for kwargs in ({"batch_size": 5}, {"batch_size": 5, "sampler": [3, -1, 0, 4, 4, 2]}):
        assert_same_batches(edata.DataLoader(fast, **kwargs), edata.DataLoader(slow, **kwargs))
    subset_fast = edata.Subset(fast, [4, 2, 9, 0])
    subset_slow = edata.Subset(slow, [4, 2, 9, 0])
    assert_same_batches(edata.DataLoader(subset_fast, batch_size=3), edata.DataLoader(subset_slow, batch_size=3))


def test_fast_path_out_of_range_index_raises_like_indexing():
    e, _ = tensor_datasets(5)
    with pytest.raises(IndexError):
        next(iter(edata.DataLoader(e, sampler=[0, 7], batch_size=2)))


class Stream(edata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TorchStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}])
def test_iterable_dataset_matches_torch(kwargs):
    el, tl = edata.DataLoader(Stream(10), **kwargs), tdata.DataLoader(TorchStream(10), **kwargs)
    assert len(el) == len(tl)
    assert_same_batches(el, tl)


def loaders(**kwargs):
    e, t = tensor_datasets()
    out = []
    for module, ds in ((edata, e), (tdata, t)):
        try:
            module.DataLoader(ds, **kwargs)
            out.append(None)
        except Exception as exc:  # noqa: BLE001 - compared below
            out.append(exc)
    return out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "shuffle": True},
        {"sampler": [0], "shuffle": True},
        {"num_workers": -1},
        {"timeout": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"multiprocessing_context": "spawn"},
        {"num_workers": 1, "multiprocessing_context": "bogus"},
        {"num_workers": 1, "multiprocessing_context": 3},
        {"batch_size": None, "drop_last": True},
        {"num_workers": 1, "prefetch_factor": -1},
        {"batch_size": 0},
    ],
)
def test_argument_errors_match_torch(kwargs):
    e_exc, t_exc = loaders(**kwargs)
    assert t_exc is not None and e_exc is not None
    assert type(e_exc) is type(t_exc)
    assert str(e_exc) == str(t_exc)


@pytest.mark.parametrize("option", ["shuffle", "sampler", "batch_sampler"])
def test_iterable_dataset_rejects_sampling_options(option):
    value = {"shuffle": True, "sampler": [0], "batch_sampler": [[0]]}[option]
    with pytest.raises(ValueError) as e_info:
        edata.DataLoader(Stream(3), **{option: value})
    with pytest.raises(ValueError) as t_info:
        tdata.DataLoader(TorchStream(3), **{option: value})
    assert str(e_info.value) == str(t_info.value)


def test_attributes_frozen_after_init_like_torch():
    e, _ = tensor_datasets()
    loader = edata.DataLoader(e, batch_size=3)
    for name in ("batch_size", "sampler", "dataset", "drop_last", "batch_sampler", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is initialized"):
            setattr(loader, name, getattr(loader, name))
    loader.collate_fn = loader.collate_fn  # allowed, as in torch
    assert loader.prefetch_factor is None and loader.timeout == 0 and loader.pin_memory is False
    assert isinstance(loader.batch_sampler, edata.BatchSampler)
    assert isinstance(edata.DataLoader(e).sampler, edata.SequentialSampler)
    assert isinstance(edata.DataLoader(e, shuffle=True).sampler, edata.RandomSampler)
    assert edata.DataLoader(e, batch_size=None).batch_sampler is None
    assert edata.DataLoader(e, num_workers=2).prefetch_factor == 2


def test_shuffle_covers_dataset_and_reproduces_under_manual_seed():
    ds = list(range(40))

    def epochs(**kwargs):
        loader = edata.DataLoader(ds, batch_size=8, shuffle=True, **kwargs)
        return [[b.tolist() for b in loader] for _ in range(2)]

    ember.manual_seed(0)
    a = epochs()
    ember.manual_seed(0)
    b = epochs()
    assert a == b
    for epoch in a:
        assert sorted(i for batch in epoch for i in batch) == ds
    assert a[0] != a[1]
    g = ember.Generator().manual_seed(7)
    c = epochs(generator=g)
    g.manual_seed(7)
    ember.manual_seed(123)  # the default generator does not matter when a generator is given
    assert epochs(generator=g) == c


def test_pin_memory_is_accepted():
    e, _ = tensor_datasets()
    batches = list(edata.DataLoader(e, batch_size=8, pin_memory=True, pin_memory_device=""))
    assert len(batches) == 3


def test_too_many_workers_warns():
    with pytest.warns(UserWarning, match="This DataLoader will create 512 worker processes"):
        edata.DataLoader(list(range(3)), num_workers=512)


def test_main_process_exception_names_sample_index():
    class Bad:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 4:
                raise ValueError("broken sample")
            return i

    with pytest.raises(ValueError, match="broken sample") as info:
        list(edata.DataLoader(Bad(), batch_size=3))
    notes = getattr(info.value, "__notes__", [])
    if hasattr(info.value, "add_note"):
        assert any("dataset index 4" in n for n in notes)


def test_namedtuple_and_dict_batches():
    Sample = collections.namedtuple("Sample", "x y")
    data = [Sample(np.float32(i), {"k": i}) for i in range(4)]
    batch = next(iter(edata.DataLoader(data, batch_size=4)))
    assert isinstance(batch, Sample)
    assert batch.x.dtype == ember.float32 and batch.y["k"].tolist() == [0, 1, 2, 3]


def test_len_of_iterator_and_loader():
    e, t = tensor_datasets()
    for kwargs in ({"batch_size": 5}, {"batch_size": 5, "drop_last": True}, {"batch_size": None}):
        assert len(iter(edata.DataLoader(e, **kwargs))) == len(iter(tdata.DataLoader(t, **kwargs)))
