"""Datasets over a directory tree ``root/<class>/<file>``: DatasetFolder and ImageFolder.

Example:
    >>> import os, tempfile
    >>> from ember.vision.datasets import DatasetFolder
    >>> root = tempfile.mkdtemp()
    >>> for cls in ("cat", "dog"):
    ...     os.makedirs(os.path.join(root, cls))
    ...     open(os.path.join(root, cls, "a.txt"), "w").write(cls)
    >>> ds = DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",))
    >>> ds.classes, ds[1]
    (['cat', 'dog'], ('dog', 1))
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..transforms._image import require_pil
from ._common import VisionDataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "find_classes", "make_dataset", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions) -> bool:
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def find_classes(directory: str) -> tuple[list, dict]:
    """The sorted sub-directory names of ``directory`` and their indices."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory: str, class_to_idx: dict, extensions=None, is_valid_file=None, allow_empty: bool = False) -> list:
    """``[(path, class_index)]`` for every valid file, classes and files in sorted order."""
    directory = os.path.expanduser(directory)
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, extensions)

    instances, available = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    available.add(target_class)
    empty = set(class_to_idx) - available
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(message)
    return instances


def pil_loader(path: str):
    """Open an image file with Pillow and convert it to RGB."""
    image_module = require_pil("ImageFolder's default loader")
    with open(path, "rb") as f:
        image = image_module.open(f)
        return image.convert("RGB")


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Samples ``(loader(path), class_index)`` from ``root/<class>/**/<file>``.

    Attributes: classes, class_to_idx, samples (list of (path, index)), targets.
    """

    def __init__(self, root, loader: Callable, extensions=None, transform=None, target_transform=None, is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.targets = [s[1] for s in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty: bool = False) -> list:
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory: str) -> tuple[list, dict]:
        return find_classes(directory)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)

    def __len__(self) -> int:
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/<file>`` (PNG, JPEG, ...), loaded as RGB PIL images.

    Needs Pillow (``pip install ember[vision]``) unless a ``loader`` is given.

    Example:
        >>> from ember.vision.datasets import ImageFolder
        >>> # ImageFolder("photos", transform=transforms.ToTensor())[0] -> (tensor (3, H, W), 0)
    """

    def __init__(self, root, transform=None, target_transform=None, loader: Callable = default_loader, is_valid_file=None, allow_empty: bool = False) -> None:
        if loader is default_loader:
            require_pil("ImageFolder")
        super().__init__(
            root,
            loader,
            IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform,
            target_transform=target_transform,
            is_valid_file=is_valid_file,
            allow_empty=allow_empty,
        )
        self.imgs = self.samples
