"""DistributedSampler against torch's: identical index lists without shuffling; with
shuffling (ember's permutation differs from torch's) a deterministic partition per epoch."""

import pytest
from torch.utils.data.distributed import DistributedSampler as TorchSampler

from ember.utils.data import DataLoader, TensorDataset
from ember.utils.data.distributed import DistributedSampler

CONFIGS = [
    (10, 2, False), (10, 3, False), (10, 3, True), (7, 3, True), (7, 4, False),
    (2, 5, False), (1, 3, False), (12, 4, True), (13, 1, False), (5, 5, True),
]


@pytest.mark.parametrize("size,replicas,drop_last", CONFIGS)
def test_unshuffled_indices_equal_torchs(size, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(size), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(size), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == ours.num_samples == theirs.num_samples
        assert ours.total_size == theirs.total_size


@pytest.mark.parametrize("size,replicas,drop_last", CONFIGS)
def test_shuffled_indices_partition_the_dataset_per_epoch(size, replicas, drop_last):
    def epoch_lists(epoch, seed=0):
        lists = []
        for rank in range(replicas):
            sampler = DistributedSampler(range(size), num_replicas=replicas, rank=rank, seed=seed, drop_last=drop_last)
            sampler.set_epoch(epoch)
            lists.append(list(sampler))
        return lists

    torch_lengths = [len(TorchSampler(range(size), num_replicas=replicas, rank=r, drop_last=drop_last))
                     for r in range(replicas)]
    first = epoch_lists(0)
    assert [len(x) for x in first] == torch_lengths
    together = sorted(i for x in first for i in x)
    if drop_last:
        assert len(set(together)) == len(together)  # nobody sees a sample twice
    else:
        assert set(together) == set(range(size))  # everything is seen, padding repeats a few
        assert len(together) - len(set(together)) == first[0].__len__() * replicas - size
    assert epoch_lists(0) == first  # deterministic for an epoch
    if size > 3:
        assert epoch_lists(1) != first  # a new order each epoch
        assert epoch_lists(0, seed=5) != first


def test_rank_checks_and_loader_integration():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(3), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(3))
    ds = TensorDataset(torch_free_range(9))
    sampler = DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    batches = [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=sampler)]
    assert batches == [[1.0, 3.0], [5.0, 7.0], [0.0]]


def torch_free_range(n):
    import ember

    return ember.arange(float(n))


