"""DistributedSampler: each rank iterates its own share of the dataset, as in torch.

The index list is built exactly as torch builds it: ``range(len(dataset))`` (or, with
``shuffle=True``, a permutation drawn from a generator seeded with ``seed + epoch``),
padded by repeating indices from the start until it divides evenly by the number of
replicas (or, with ``drop_last=True``, cut down to a multiple of it), then rank ``r``
takes every ``num_replicas``-th index starting at ``r``.  With ``shuffle=False`` the
lists equal torch's; with ``shuffle=True`` ember's permutation comes from ember's
generator, so the order differs from torch's, but every rank draws the same permutation
for an epoch (so the ranks partition the dataset) and each epoch draws a new one once
``set_epoch`` is called.

Example:
    >>> from ember.utils.data.distributed import DistributedSampler
    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)) for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Restrict data loading to the part of the dataset this rank should see.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of ranks (default: the default group's world size).
        rank: this rank (default: ``get_rank()``).
        shuffle: draw a new order every epoch (default True).
        seed: the shuffling seed; must be the same on every rank (default 0).
        drop_last: drop the tail so every rank gets the same number of samples without
            padding (default False: pad by repeating indices).

    Call :meth:`set_epoch` at the start of every epoch, before creating the DataLoader
    iterator, or every epoch uses the same order.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # split to the nearest length that is evenly divisible, so every rank gets the same amount
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator:
        if self.shuffle:
            from ...ops.random_ops import randperm
            from ...random import Generator

            generator = Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = randperm(len(self.dataset), generator=generator).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"DistributedSampler: built {len(indices)} indices, expected {self.total_size}")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"DistributedSampler: rank share has {len(indices)} indices, expected {self.num_samples}")
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch; with ``shuffle=True`` it selects that epoch's permutation."""
        self.epoch = epoch
