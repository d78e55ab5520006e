"""Character-level text data for language modelling.

:class:`CharDataset` cuts a text into overlapping windows: sample ``i`` is
``(x, y)`` with ``x = codes[i : i + block_size]`` and ``y = codes[i + 1 : i + block_size + 1]``
(the next character at every position), both int64 tensors.  Without a text it uses the
bundled tiny-Shakespeare corpus (about 1.1 MB of public-domain plays, 65 characters).

Example:
    >>> from ember.text import CharDataset
    >>> ds = CharDataset("hello world", block_size=4)
    >>> len(ds), ds.vocab_size
    (7, 8)
    >>> x, y = ds[0]
    >>> ds.decode(x), ds.decode(y)
    ('hell', 'ello')
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import numpy as np

from ._tensor import Tensor
from .utils.data import Dataset

__all__ = ["CharDataset", "load_tinyshakespeare"]


def load_tinyshakespeare() -> str:
    """The bundled tiny-Shakespeare text."""
    return resources.files("ember").joinpath("data", "tinyshakespeare.txt").read_text(encoding="utf-8")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class CharDataset(Dataset):
    """Next-character prediction windows over a text.

    Args:
        text: the corpus (default: the bundled tiny Shakespeare).
        block_size: window length (context size).
        vocab: the characters to use, in index order (default: the sorted distinct
            characters of ``text``); characters of ``text`` outside it raise ValueError.

    Attributes:
        chars: the vocabulary; stoi / itos: char <-> index maps; data: the whole text as
        an int64 tensor of indices; vocab_size.

    Example:
        >>> from ember.text import CharDataset
        >>> from ember.utils.data import DataLoader
        >>> ds = CharDataset(block_size=64)
        >>> ds.vocab_size
        65
        >>> x, y = next(iter(DataLoader(ds, batch_size=8, shuffle=True)))
        >>> tuple(x.shape), bool((x[:, 1:] == y[:, :-1]).all())
        ((8, 64), True)
    """

    def __init__(self, text: str | None = None, block_size: int = 128, vocab: Sequence[str] | None = None) -> None:
        if text is None:
            text = load_tinyshakespeare()
        if not isinstance(block_size, int) or block_size <= 0:
            raise ValueError(f"block_size should be a positive integer, got {block_size!r}")
        if len(text) <= block_size:
            raise ValueError(f"the text ({len(text)} characters) must be longer than block_size={block_size}")
        points = _code_points(text)
        if vocab is None:
            vocab_points = np.unique(points)
        else:
            vocab_points = _code_points("".join(vocab))
            if len(np.unique(vocab_points)) != len(vocab_points):
                raise ValueError("vocab has repeated characters")
        order = np.argsort(vocab_points, kind="stable")
        sorted_points = vocab_points[order]
        where = np.searchsorted(sorted_points, points)
        where = np.minimum(where, len(sorted_points) - 1)
        unknown = sorted_points[where] != points
        if unknown.any():
            missing = sorted({chr(c) for c in points[unknown][:1000].tolist()})
            raise ValueError(f"the text has characters outside vocab: {missing!r}")
        self.chars = [chr(c) for c in vocab_points.tolist()]
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        self.itos = dict(enumerate(self.chars))
        self.block_size = block_size
        self._codes = order[where].astype(np.int64)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    @property
    def data(self) -> Tensor:
        return Tensor._from_array(self._codes)

    def __len__(self) -> int:
        return len(self._codes) - self.block_size

    def __getitem__(self, index: int):
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"index {index} is out of range for a CharDataset of length {n}")
        window = self._codes[index : index + self.block_size + 1]
        return Tensor._from_array(window[:-1].copy()), Tensor._from_array(window[1:].copy())

    def _ember_collated_batch(self, indices):
        """A batch of windows in one gather (same result as collating the samples)."""
        if type(self).__getitem__ is not CharDataset.__getitem__:
            return NotImplemented
        try:
            starts = np.asarray(indices, dtype=np.int64)
        except (TypeError, ValueError):
            return NotImplemented
        n = len(self)
        if starts.ndim != 1 or starts.size == 0 or starts.min() < -n or starts.max() >= n:
            return NotImplemented
        starts = np.where(starts < 0, starts + n, starts)
        from .utils.data.collate import allocate

        offsets = np.arange(self.block_size + 1)
        windows = self._codes[starts[:, None] + offsets[None, :]]
        x = allocate((starts.size, self.block_size), np.int64)
        y = allocate((starts.size, self.block_size), np.int64)
        x[...] = windows[:, :-1]
        y[...] = windows[:, 1:]
        return [Tensor._from_array(x), Tensor._from_array(y)]

    def encode(self, text: str) -> Tensor:
        """The indices of ``text``'s characters as an int64 tensor."""
        return Tensor._from_array(np.array([self.stoi[c] for c in text], dtype=np.int64))

    def decode(self, indices) -> str:
        """The text for a sequence (list or 1-d tensor) of indices."""
        if isinstance(indices, Tensor):
            indices = indices.tolist()
        return "".join(self.itos[int(i)] for i in indices)
