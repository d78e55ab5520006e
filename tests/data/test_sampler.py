"""Samplers: sequential/batch behaviour exactly as torch, random ones by their properties."""

import collections

import pytest
import torch.utils.data as tdata

import ember
import ember.utils.data as edata


def test_sequential_sampler_matches_torch():
    assert list(edata.SequentialSampler(range(7))) == list(tdata.SequentialSampler(range(7)))
    assert len(edata.SequentialSampler("abc")) == 3


@pytest.mark.parametrize("n,batch,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (1, 5, False), (0, 2, False)])
def test_batch_sampler_matches_torch(n, batch, drop):
    e = edata.BatchSampler(edata.SequentialSampler(range(n)), batch, drop)
    t = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch, drop)
    assert list(e) == list(t)
    assert len(e) == len(t)


@pytest.mark.parametrize("args", [(range(3), 0, False), (range(3), True, False), (range(3), 2.0, False), (range(3), 2, 1)])
def test_batch_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as t_info:
        tdata.BatchSampler(*args)
    with pytest.raises(ValueError) as e_info:
        edata.BatchSampler(*args)
    assert str(e_info.value) == str(t_info.value)


def test_random_sampler_is_a_permutation_each_epoch():
    s = edata.RandomSampler(range(20), generator=ember.Generator().manual_seed(0))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second  # a new order every epoch
    assert all(type(i) is int for i in first)
    assert len(s) == 20


def test_random_sampler_num_samples_without_replacement_repeats_permutations():
    s = edata.RandomSampler(range(5), num_samples=12, generator=ember.Generator().manual_seed(1))
    out = list(s)
    assert len(out) == len(s) == 12
    assert sorted(out[:5]) == sorted(out[5:10]) == list(range(5))
    assert len(set(out[10:])) == 2


def test_random_sampler_with_replacement():
    s = edata.RandomSampler(range(4), replacement=True, num_samples=4000, generator=ember.Generator().manual_seed(2))
    out = list(s)
    assert len(out) == 4000 and set(out) == {0, 1, 2, 3}
    counts = collections.Counter(out)
    assert all(800 < c < 1200 for c in counts.values())


def test_random_sampler_reproducible_under_manual_seed_and_generator():
    ember.manual_seed(5)
    a = list(edata.RandomSampler(range(30)))
    ember.manual_seed(5)
    b = list(edata.RandomSampler(range(30)))
    ember.manual_seed(6)
    c = list(edata.RandomSampler(range(30)))
    assert a == b and a != c
    g1, g2 = ember.Generator().manual_seed(9), ember.Generator().manual_seed(9)
    assert list(edata.RandomSampler(range(30), generator=g1)) == list(edata.RandomSampler(range(30), generator=g2))


@pytest.mark.parametrize("kwargs", [{"num_samples": 0}, {"num_samples": -1}, {"num_samples": 2.0}, {"replacement": 1}])
def test_random_sampler_errors_match_torch(kwargs):
    with pytest.raises((ValueError, TypeError)) as t_info:
        tdata.RandomSampler(range(3), **kwargs)
    with pytest.raises((ValueError, TypeError)) as e_info:
        edata.RandomSampler(range(3), **kwargs)
    assert type(e_info.value) is type(t_info.value)
    assert str(e_info.value) == str(t_info.value)


def test_subset_random_sampler():
    idx = [10, 20, 30, 40, 50]
    s = edata.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(0))
    out = list(s)
    assert sorted(out) == idx and len(s) == 5
    again = list(edata.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(0)))
    assert out == again


def test_weighted_random_sampler_follows_weights():
    w = [0.0, 1.0, 3.0, 0.0]
    out = list(edata.WeightedRandomSampler(w, 8000, generator=ember.Generator().manual_seed(0)))
    counts = collections.Counter(out)
    assert set(counts) == {1, 2}
    assert 0.7 < counts[2] / 8000 < 0.8
    no_repl = list(edata.WeightedRandomSampler([1, 1, 1, 5], 4, replacement=False, generator=ember.Generator().manual_seed(0)))
    assert sorted(no_repl) == [0, 1, 2, 3]
    assert len(edata.WeightedRandomSampler(w, 7)) == 7


def test_weighted_random_sampler_accepts_tensor_weights():
    s = edata.WeightedRandomSampler(ember.tensor([0.0, 2.0]), 5)
    assert list(s) == [1] * 5
    assert s.weights.dtype == ember.float64


@pytest.mark.parametrize("args", [([[1.0, 2.0]], 2), ([1.0, 2.0], 0), ([1.0, 2.0], 2, "a")])
def test_weighted_random_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as t_info:
        tdata.WeightedRandomSampler(*args)
    with pytest.raises(ValueError) as e_info:
        edata.WeightedRandomSampler(*args)
    assert str(e_info.value) == str(t_info.value)


def test_weighted_random_sampler_too_many_without_replacement():
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        list(edata.WeightedRandomSampler([1.0, 2.0], 3, replacement=False))
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        list(edata.WeightedRandomSampler([-1.0, 2.0], 3))


def test_custom_sampler_subclass():
    class EvensFirst(edata.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))

        def __len__(self):
            return self.n

    loader = edata.DataLoader(list(range(5)), sampler=EvensFirst(5), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 2], [4, 1], [3]]
