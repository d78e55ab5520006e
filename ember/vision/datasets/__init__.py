"""Datasets with torchvision's conventions: bundled digits, MNIST-format IDX files, image folders.

Example:
    >>> from ember.vision import datasets
    >>> len(datasets.Digits(train=False))
    297
"""

from ._common import VisionDataset
from .digits import Digits
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader
from .mnist import KMNIST, MNIST, FashionMNIST, read_idx

__all__ = [
    "IMG_EXTENSIONS",
    "KMNIST",
    "MNIST",
    "DatasetFolder",
    "Digits",
    "FashionMNIST",
    "ImageFolder",
    "VisionDataset",
    "default_loader",
    "read_idx",
]
