"""Datasets: map-style and iterable, their combinations, and ``random_split``.

A map-style :class:`Dataset` answers ``dataset[i]`` and usually ``len(dataset)``; an
:class:`IterableDataset` is a stream.  The DataLoader turns either into batches.

Example:
    >>> import ember
    >>> from ember.utils.data import TensorDataset, random_split
    >>> ds = TensorDataset(ember.arange(10), ember.arange(10) * 2)
    >>> ds[3]
    (tensor(3), tensor(6))
    >>> train, val = random_split(ds, [0.8, 0.2], generator=ember.Generator().manual_seed(0))
    >>> len(train), len(val)
    (8, 2)
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import numpy as np

from ..._tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map from keys (usually ``0..len-1``) to samples.

    Subclasses implement ``__getitem__`` and, for the default samplers, ``__len__``.
    They may also implement ``__getitems__(indices)`` returning a list of samples, which
    the DataLoader then calls once per batch instead of once per sample.

    Example:
        >>> from ember.utils.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return i * i
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream of samples: implement ``__iter__``.

    With several DataLoader workers every worker iterates its own copy; use
    :func:`~ember.utils.data.get_worker_info` inside ``__iter__`` to give each worker a
    different shard, or every sample is yielded once per worker.

    Example:
        >>> from ember.utils.data import IterableDataset, get_worker_info
        >>> class Range(IterableDataset):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
        ...         return iter(range(start, self.n, step))
        >>> list(Range(3))
        [0, 1, 2]
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of tensors that share their first dimension.

    Example:
        >>> import ember
        >>> from ember.utils.data import TensorDataset
        >>> ds = TensorDataset(ember.zeros(5, 2), ember.arange(5))
        >>> len(ds), ds[4][1]
        (5, tensor(4))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if tensors:
            first = tensors[0].size(0)
            if any(t.size(0) != first for t in tensors):
                sizes = ", ".join(str(t.size(0)) for t in tensors)
                raise AssertionError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _ember_collated_batch(self, indices):
        """The default-collated batch for ``indices`` in one gather per tensor.

        Equal to ``default_collate([self[i] for i in indices])`` (torch's per-sample path)
        but without a Python loop over samples.  Returns NotImplemented when the fast path
        would not be exact (a subclass changed ``__getitem__``, a tensor needs grad, ...).
        """
        if type(self).__getitem__ is not TensorDataset.__getitem__ or not self.tensors:
            return NotImplemented
        arrays = []
        for tensor in self.tensors:
            if not isinstance(tensor, Tensor) or tensor.requires_grad or type(tensor) is not Tensor:
                return NotImplemented
            array = tensor._array
            if not isinstance(array, np.ndarray) or array.ndim == 0:
                return NotImplemented
            arrays.append(array)
        from ._fetch import gather_rows

        return gather_rows(arrays, indices)


class StackDataset(Dataset):
    """Zip datasets of equal length: samples are tuples (``*args``) or dicts (``**kwargs``).

    Example:
        >>> from ember.utils.data import StackDataset
        >>> StackDataset([1, 2], ["a", "b"])[1]
        (2, 'b')
        >>> StackDataset(x=[1, 2], label=["a", "b"])[0]
        {'x': 1, 'label': 'a'}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        if args:
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        else:
            values = list(kwargs.values())
            self._length = len(values[0])
            if any(self._length != len(d) for d in values):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: ds[index] for key, ds in self.datasets.items()}
        return tuple(ds[index] for ds in self.datasets)

    def __getitems__(self, indices: list) -> list:
        if isinstance(self.datasets, dict):
            columns = {key: _get_many(ds, indices) for key, ds in self.datasets.items()}
            return [{key: columns[key][i] for key in columns} for i in range(len(indices))]
        columns = [_get_many(ds, indices) for ds in self.datasets]
        return [tuple(col[i] for col in columns) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def _get_many(dataset, indices: list) -> list:
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        items = getitems(indices)
        if len(items) != len(indices):
            raise ValueError(
                f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}"
            )
        return items
    return [dataset[i] for i in indices]


class ConcatDataset(Dataset):
    """Map-style datasets one after another.

    Example:
        >>> from ember.utils.data import ConcatDataset
        >>> ds = ConcatDataset([[1, 2], [3, 4, 5]])
        >>> len(ds), ds[2], ds[-1]
        (5, 3, 5)
    """

    @staticmethod
    def cumsum(sequence) -> list:
        out, total = [], 0
        for item in sequence:
            total += len(item)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def _locate(self, idx: int) -> tuple:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        if which >= len(self.datasets):
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of length {len(self)}")
        return which, idx - start

    def __getitem__(self, idx):
        which, local = self._locate(idx)
        return self.datasets[which][local]

    @property
    def cummulative_sizes(self) -> list:  # torch's old misspelled name
        warnings.warn("cummulative_sizes attribute is renamed to cumulative_sizes", DeprecationWarning, stacklevel=2)
        return self.cumulative_sizes


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (lazily).

    Example:
        >>> from ember.utils.data import ChainDataset, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(self.n))
        >>> list(ChainDataset([Count(2), Count(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> from ember.utils.data import Subset
        >>> s = Subset(["a", "b", "c", "d"], [3, 0])
        >>> len(s), s[0], s[1]
        (2, 'd', 'a')
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        mapped = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(mapped)
        return [self.dataset[i] for i in mapped]

    def __len__(self) -> int:
        return len(self.indices)

    def _ember_collated_batch(self, indices):
        fast = getattr(self.dataset, "_ember_collated_batch", None)
        if fast is None or type(self).__getitem__ is not Subset.__getitem__:
            return NotImplemented
        if type(self).__getitems__ is not Subset.__getitems__:
            return NotImplemented
        # a per-batch lookup: converting all of self.indices each batch would cost more
        mapped = [self.indices[i] for i in indices]
        return fast(mapped)


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list:
    """Split ``dataset`` into non-overlapping random subsets.

    ``lengths`` are either the subset sizes (summing to ``len(dataset)``) or fractions
    summing to 1; fractional sizes are floored and the remainder is handed out one
    sample at a time, round-robin from the first subset, as torch does.  The permutation
    comes from ``generator`` (default: ember's default generator), so a seeded generator
    gives the same split every run.

    Example:
        >>> import ember
        >>> from ember.utils.data import random_split
        >>> parts = random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(1))
        >>> [len(p) for p in parts]
        [5, 3, 2]
    """
    from ...ops.random_ops import randperm

    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        remainder = n - sum(sizes)
        for i in range(remainder):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(sum(lengths), generator=generator).tolist()
    subsets, offset = [], 0
    for size in lengths:
        subsets.append(Subset(dataset, order[offset : offset + size]))
        offset += size
    return subsets
