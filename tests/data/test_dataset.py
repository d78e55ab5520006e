"""Datasets and random_split, compared with torch.utils.data."""

import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from tests.data.helpers import assert_same_tree


def pair(n=6, d=3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n) % 3
    return (
        edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)),
        tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
    )


def test_tensor_dataset_items_match_torch():
    e, t = pair()
    assert len(e) == len(t) == 6
    for i in range(-6, 6):
        assert_same_tree(e[i], t[i])


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        edata.TensorDataset(ember.zeros(3), ember.zeros(4))


def test_subset_and_getitems():
    e, t = pair()
    es, ts = edata.Subset(e, [4, 0, 2]), tdata.Subset(t, [4, 0, 2])
    assert len(es) == 3
    for i in range(3):
        assert_same_tree(es[i], ts[i])
    assert_same_tree(es.__getitems__([2, 0]), ts.__getitems__([2, 0]))
    assert_same_tree(es.__getitems__([1]), [e[0]])


def test_concat_dataset_indexing_and_errors():
    e = edata.ConcatDataset([[1, 2], [3], [4, 5, 6]])
    t = tdata.ConcatDataset([[1, 2], [3], [4, 5, 6]])
    assert len(e) == len(t) == 6
    assert e.cumulative_sizes == t.cumulative_sizes
    assert [e[i] for i in range(-6, 6)] == [t[i] for i in range(-6, 6)]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        e[-7]
    with pytest.raises(IndexError):
        e[6]
    with pytest.raises(AssertionError, match="empty"):
        edata.ConcatDataset([])


class Count(edata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_concat_rejects_iterable_and_add_operators():
    with pytest.raises(AssertionError, match="IterableDataset"):
        edata.ConcatDataset([Count(2)])
    e, _ = pair()
    both = e + e
    assert isinstance(both, edata.ConcatDataset) and len(both) == 12
    chained = Count(2) + Count(3)
    assert isinstance(chained, edata.ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5


def test_chain_dataset_requires_iterables():
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(edata.ChainDataset([Count(1), [1, 2]]))


def test_stack_dataset_tuple_and_dict():
    a, b = [1, 2, 3], ["x", "y", "z"]
    assert edata.StackDataset(a, b)[1] == tdata.StackDataset(a, b)[1] == (2, "y")
    assert edata.StackDataset(n=a, s=b)[2] == tdata.StackDataset(n=a, s=b)[2]
    assert edata.StackDataset(a, b).__getitems__([0, 2]) == tdata.StackDataset(a, b).__getitems__([0, 2])
    assert edata.StackDataset(n=a, s=b).__getitems__([1]) == tdata.StackDataset(n=a, s=b).__getitems__([1])
    assert len(edata.StackDataset(a, b)) == 3
    for args, kwargs in [((a, [1]), {}), ((), {"p": a, "q": [1]}), ((a,), {"q": b})]:
        with pytest.raises(ValueError) as e_info:
            edata.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as t_info:
            tdata.StackDataset(*args, **kwargs)
        assert str(e_info.value) == str(t_info.value)


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        edata.Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(edata.IterableDataset())


@pytest.mark.parametrize(
    "n,fractions",
    [(10, [0.5, 0.5]), (11, [0.8, 0.2]), (7, [0.3, 0.3, 0.4]), (100, [0.7, 0.15, 0.15]), (5, [0.1, 0.9])],
)
def test_random_split_fraction_sizes_match_torch(n, fractions):
    e = edata.random_split(range(n), fractions, generator=ember.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = tdata.random_split(range(n), fractions, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in e] == [len(s) for s in t]
    everything = sorted(i for s in e for i in s)
    assert everything == list(range(n))  # disjoint and complete


def test_random_split_reproducible_and_seed_dependent():
    def split(seed):
        return [list(s.indices) for s in edata.random_split(range(50), [20, 30], generator=ember.Generator().manual_seed(seed))]

    assert split(1) == split(1)
    assert split(1) != split(2)
    ember.manual_seed(3)
    a = [list(s.indices) for s in edata.random_split(range(50), [25, 25])]
    ember.manual_seed(3)
    b = [list(s.indices) for s in edata.random_split(range(50), [25, 25])]
    assert a == b
    # the permutation is ember.randperm's under the same generator state
    ember.manual_seed(3)
    assert a[0] + a[1] == ember.randperm(50).tolist()


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        edata.random_split(range(5), [2, 2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        edata.random_split(range(2), [0.9, 0.1])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        edata.random_split(range(5), [1.5, -0.5])
