"""A dataset over memory-mapped ``.npy`` files: data larger than RAM streams from disk.

``np.load(path, mmap_mode="r")`` maps the file instead of reading it: a sample's bytes
are read (into the page cache) only when the sample is used, and the operating system
evicts them again under memory pressure.  Forked DataLoader workers inherit the mapping
(no copy), spawned workers reopen the file (the dataset pickles as its paths), and the
page cache is shared by all of them.

Example:
    >>> import os, tempfile, numpy as np
    >>> from ember.utils.data import NpyDataset, DataLoader
    >>> d = tempfile.mkdtemp()
    >>> np.save(os.path.join(d, "x.npy"), np.arange(12, dtype=np.float32).reshape(6, 2))
    >>> np.save(os.path.join(d, "y.npy"), np.arange(6))
    >>> ds = NpyDataset(os.path.join(d, "x.npy"), os.path.join(d, "y.npy"))
    >>> len(ds), ds[1]
    (6, (tensor([2., 3.]), tensor(1)))
    >>> next(iter(DataLoader(ds, batch_size=4)))[1]
    tensor([0, 1, 2, 3])
"""

from __future__ import annotations

import os

import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from .dataset import Dataset

__all__ = ["NpyDataset"]


def _open(source) -> tuple:
    """``(memmap or array, how to reopen it in another process or None)``."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        return np.load(path, mmap_mode="r"), path
    if isinstance(source, np.memmap) and source.filename is not None and source.base is not None:
        return source, None
    if isinstance(source, np.ndarray):
        return source, None
    raise TypeError(f"NpyDataset expects .npy paths or NumPy arrays, got {type(source).__name__}")


class NpyDataset(Dataset):
    """Rows of one or more ``.npy`` files (or arrays), memory-mapped read-only.

    Args:
        *sources: paths of ``.npy`` files (or NumPy arrays / memmaps) with the same
            first dimension.  One source gives samples that are tensors, several give
            tuples of tensors.
        transform: applied to the first field of each sample.
        target_transform: applied to the second field.

    Each sample is copied out of the mapping (a small, writable array), so the data
    file is never modified and no tensor keeps a whole file alive.

    Example:
        >>> import numpy as np
        >>> from ember.utils.data import NpyDataset
        >>> NpyDataset(np.eye(3, dtype=np.float32))[2]
        tensor([0., 0., 1.])
    """

    def __init__(self, *sources, transform=None, target_transform=None) -> None:
        if not sources:
            raise ValueError("NpyDataset needs at least one .npy path or array")
        opened = [_open(s) for s in sources]
        self.arrays = [a for a, _ in opened]
        self.paths = [p for _, p in opened]
        lengths = {a.shape[0] if a.ndim else None for a in self.arrays}
        if None in lengths:
            raise ValueError("NpyDataset: every array needs a first (sample) dimension")
        if len(lengths) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"NpyDataset: the arrays' first dimensions differ: {shapes}")
        for a in self.arrays:
            _dtype.from_numpy_dtype(a.dtype)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        fields = [Tensor._from_array(np.array(a[index])) for a in self.arrays]
        if self.transform is not None:
            fields[0] = self.transform(fields[0])
        if self.target_transform is not None and len(fields) > 1:
            fields[1] = self.target_transform(fields[1])
        return fields[0] if len(fields) == 1 else tuple(fields)

    def _ember_collated_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return NotImplemented
        if type(self).__getitem__ is not NpyDataset.__getitem__:
            return NotImplemented
        from ._fetch import gather_rows

        out = gather_rows(self.arrays, indices)
        if out is NotImplemented:
            return out
        return out[0] if len(out) == 1 else out

    def __getstate__(self):
        # Pickle paths, not data: a spawned worker reopens the files.
        state = dict(self.__dict__)
        state["arrays"] = [None if p is not None else a for a, p in zip(self.arrays, self.paths)]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.arrays = [np.load(p, mmap_mode="r") if p is not None else a for a, p in zip(self.arrays, self.paths)]
