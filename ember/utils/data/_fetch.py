"""Fetchers: turn one sampler output (a key or a list of keys) into one batch.

The same fetcher runs in the main process (``num_workers=0``) and in each worker, so
both paths give identical batches.  Two things here go beyond torch:

- a map-style dataset that knows how to build a whole default-collated batch at once
  (``_ember_collated_batch``, e.g. ``TensorDataset``) is asked for it, which replaces a
  Python loop over samples by one NumPy gather per tensor (same values and dtypes);
- failures are annotated with the dataset index being loaded, and collate errors with
  the dataset indices of the samples that do not fit together.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from .collate import CollateError, _short_list, allocate, default_collate

__all__ = ["IterableDatasetFetcher", "MapDatasetFetcher", "annotate_exception", "gather_rows"]


def gather_rows(arrays: list, indices) -> list:
    """``[rows of each array at indices]`` as tensors; NotImplemented if not exact.

    Writes straight into the batch allocator's memory (shared memory in a worker).
    """
    try:
        idx = np.asarray(indices)
    except (TypeError, ValueError):
        return NotImplemented
    if idx.ndim != 1 or idx.dtype.kind not in "iu" or idx.size == 0:
        return NotImplemented
    idx = idx.astype(np.intp, copy=False)
    lo, hi = int(idx.min()), int(idx.max())
    out = []
    for array in arrays:
        n = array.shape[0]
        if lo < -n or hi >= n:
            return NotImplemented  # let the per-sample path raise the usual IndexError
        rows = allocate((idx.size,) + array.shape[1:], array.dtype)
        # mode="wrap" is exact for in-range (incl. negative) indices and, unlike
        # mode="raise", does not gather into a temporary first.
        np.take(array, idx, axis=0, out=rows, mode="wrap")
        out.append(Tensor._from_array(rows))
    return out


def annotate_exception(exc: BaseException, text: str) -> None:
    """Attach a note to an exception (shown under its traceback on Python 3.11+)."""
    if hasattr(exc, "add_note"):
        exc.add_note(text)


class _BaseFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.last_sample_index = None  # set while a sample is loading, for error messages

    def _collate(self, data, indices):
        try:
            return self.collate_fn(data)
        except CollateError as exc:
            exc.args = (exc.describe(indices),)
            raise
        except Exception as exc:
            if indices is not None:
                annotate_exception(exc, f"while collating the samples at dataset indices {_short_list(indices)}")
            raise


class MapDatasetFetcher(_BaseFetcher):
    """Fetch ``dataset[i]`` for each key (or one key when auto-collation is off)."""

    def fetch(self, index):
        dataset = self.dataset
        if not self.auto_collation:
            self.last_sample_index = index
            return self.collate_fn(dataset[index])
        if self.collate_fn is default_collate:
            whole_batch = getattr(dataset, "_ember_collated_batch", None)
            if whole_batch is not None:
                batch = whole_batch(index)
                if batch is not NotImplemented:
                    return batch
        getitems = getattr(dataset, "__getitems__", None)
        if getitems is not None:
            self.last_sample_index = None
            data = getitems(index)
        else:
            data = []
            for key in index:
                self.last_sample_index = key
                data.append(dataset[key])
        self.last_sample_index = None
        return self._collate(data, index)


class IterableDatasetFetcher(_BaseFetcher):
    """Pull ``batch_size`` samples from the dataset's iterator per batch."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in range(len(index)):
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self._collate(data, None)


def create_fetcher(is_iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    cls = IterableDatasetFetcher if is_iterable else MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
