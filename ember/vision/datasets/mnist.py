"""MNIST-format datasets read from local IDX files (no downloading).

Files are looked for, in this order, in ``root/<ClassName>/raw`` (torchvision's
layout), ``root/<ClassName>`` and ``root`` itself (e.g. Debian's
``dataset-fashion-mnist`` package: ``root="/usr/share/datasets/fashion-mnist"``), each
name plain or gzipped (``train-images-idx3-ubyte`` or ``train-images-idx3-ubyte.gz``).

Example:
    >>> import os
    >>> from ember.vision.datasets import FashionMNIST
    >>> root = "/usr/share/datasets/fashion-mnist"
    >>> if os.path.exists(root):
    ...     ds = FashionMNIST(root, train=False)
    ...     assert len(ds) == 10000 and ds.classes[9] == "Ankle boot"
"""

from __future__ import annotations

import gzip
import os
import warnings

import numpy as np

from ..._tensor import Tensor
from ._common import ImageArrayDataset

__all__ = ["KMNIST", "MNIST", "FashionMNIST", "read_idx"]

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a NumPy array of its declared shape.

    Example:
        >>> import gzip, os, tempfile, numpy as np
        >>> from ember.vision.datasets import read_idx
        >>> p = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte.gz")
        >>> with gzip.open(p, "wb") as f:
        ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
        >>> read_idx(p).tolist()
        [7, 8, 9]
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise RuntimeError(f"{path}: header says shape {shape} ({expected} bytes) but the file has {len(raw)} bytes")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


class MNIST(ImageArrayDataset):
    """MNIST from local IDX files, with torchvision's arguments and attributes.

    Args:
        root: directory holding the files (see the module docstring for the layouts).
        train: training files (``train-*``) or test files (``t10k-*``).
        transform: applied to each image (PIL 'L' image if Pillow is installed, else a
            uint8 (28, 28) NumPy array).
        target_transform: applied to each label (an int).
        download: ember never downloads; True raises (with where to put the files) when
            the files are missing, and is ignored when they are present.

    Attributes:
        data: uint8 tensor (N, 28, 28); targets: int64 tensor (N,); classes; class_to_idx.
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    _files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        images_path, labels_path = self._locate(download)
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise RuntimeError(
                f"{self.__class__.__name__}: images {images_path} have shape {images.shape} but labels "
                f"{labels_path} have shape {labels.shape}"
            )
        self._images = images.astype(np.uint8, copy=False)
        self._targets = labels.astype(np.int64)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    def _candidate_dirs(self) -> list:
        return [self.raw_folder, os.path.join(self.root, self.__class__.__name__), self.root]

    def _locate(self, download: bool) -> tuple[str, str]:
        names = self._files[bool(self.train)]
        for folder in self._candidate_dirs():
            found = []
            for name in names:
                for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".gz")):
                    if os.path.isfile(candidate):
                        found.append(candidate)
                        break
            if len(found) == len(names):
                return found[0], found[1]
        where = "\n".join(f"  {d}" for d in self._candidate_dirs())
        wanted = " and ".join(f"{n}(.gz)" for n in names)
        hint = ""
        if self.__class__.__name__ == "FashionMNIST":
            hint = (
                "\nOn Debian/Ubuntu, `apt-get install dataset-fashion-mnist` installs them in "
                "/usr/share/datasets/fashion-mnist (pass that as root)."
            )
        first = "ember does not download datasets (download=True cannot fetch anything). " if download else ""
        raise RuntimeError(
            f"{self.__class__.__name__} not found: {first}Put {wanted} in one of:\n{where}{hint}"
        )

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando, MIT license): 28x28 grey images of 10 kinds of clothing.

    Same files, layout and arguments as :class:`MNIST`.

    Example:
        >>> import os
        >>> from ember.vision import datasets, transforms
        >>> root = "/usr/share/datasets/fashion-mnist"   # apt-get install dataset-fashion-mnist
        >>> if os.path.exists(root):
        ...     x, y = datasets.FashionMNIST(root, train=False, transform=transforms.ToTensor())[0]
        ...     assert tuple(x.shape) == (1, 28, 28) and y == 9
    """

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: same format as MNIST."""

    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
