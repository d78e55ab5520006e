"""The bundled 8x8 handwritten digits (1,797 images, UCI / Alpaydin & Kaynak 1998, CC BY 4.0).

Example:
    >>> from ember.vision.datasets import Digits
    >>> train, test = Digits(train=True), Digits(train=False)
    >>> len(train), len(test), train.data.shape
    (1500, 297, torch.Size([1500, 8, 8]))
"""

from __future__ import annotations

import gzip
import os
from importlib import resources

import numpy as np

from ._common import ImageArrayDataset

__all__ = ["Digits", "load_digits_arrays"]

TRAIN_SIZE = 1500
SPLIT_SEED = 0

_cache: dict = {}


def _read_csv(path_or_bytes) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(path_or_bytes, bytes):
        raw = gzip.decompress(path_or_bytes)
    else:
        with gzip.open(path_or_bytes) as f:
            raw = f.read()
    table = np.loadtxt(raw.decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise RuntimeError(f"digits file: expected rows of 64 pixels and a label, got shape {table.shape}")
    return table[:, :64].reshape(-1, 8, 8), table[:, 64]


def load_digits_arrays(path: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: ``(pixels (N, 8, 8) int64 in 0..16, labels (N,) int64)``, file order."""
    key = path or "<bundled>"
    if key not in _cache:
        if path is None:
            data = resources.files("ember").joinpath("data", "digits.csv.gz").read_bytes()
            _cache[key] = _read_csv(data)
        else:
            _cache[key] = _read_csv(path)
    return _cache[key]


def split_indices(n: int) -> np.ndarray:
    """The fixed order behind the split: ``RandomState(0).permutation(n)``.

    NumPy guarantees the legacy RandomState stream stays the same across versions, so
    the split is stable.
    """
    return np.random.RandomState(SPLIT_SEED).permutation(n)


class Digits(ImageArrayDataset):
    """The 1,797 8x8 handwritten digits bundled with ember, as an MNIST-like dataset.

    The split is fixed: the rows are put in the order ``numpy.random.RandomState(0).
    permutation(1797)``; the first 1,500 are the training set, the other 297 the test
    set (both keep that order).  Pixels are scaled from the original 0..16 levels to
    uint8 0..255 (``round(v * 255 / 16)``) so that ``ToTensor`` gives [0, 1] as for MNIST.

    Args:
        root: a directory holding ``digits.csv.gz`` to read instead of the bundled copy
            (default None: the bundled file).
        train: the training split (True) or the test split (False).
        transform: applied to each image (PIL 'L' image if Pillow is installed, else a
            uint8 (8, 8) NumPy array).
        target_transform: applied to each label (an int).
        download: ignored: the data ships with ember.

    Attributes:
        data: uint8 tensor (N, 8, 8); targets: int64 tensor (N,); classes: ``["0", ..., "9"]``.

    Example:
        >>> import ember
        >>> from ember.vision import datasets, transforms
        >>> ds = datasets.Digits(transform=transforms.ToTensor())
        >>> image, label = ds[0]
        >>> image.shape, image.dtype, type(label)
        (torch.Size([1, 8, 8]), torch.float32, <class 'int'>)
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        path = os.path.join(self.root, "digits.csv.gz") if self.root is not None else None
        if path is not None and not os.path.exists(path):
            raise RuntimeError(f"Digits: {path} does not exist (leave root=None to use the copy bundled with ember)")
        pixels, labels = load_digits_arrays(path)
        order = split_indices(len(labels))
        chosen = order[:TRAIN_SIZE] if train else order[TRAIN_SIZE:]
        self._images = np.rint(pixels[chosen] * (255.0 / 16.0)).astype(np.uint8)
        self._targets = labels[chosen].astype(np.int64)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"
