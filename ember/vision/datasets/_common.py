"""What the vision datasets share: the VisionDataset base and image output."""

from __future__ import annotations

import os

import numpy as np

from ..._tensor import Tensor
from ...utils.data import Dataset
from ..transforms import _image

# Images come out as PIL images when Pillow is installed (torchvision's behaviour) and as
# uint8 NumPy arrays (H, W) otherwise; ToTensor and every ember transform accept both.
PIL_AVAILABLE = _image._PILImage is not None


def as_image(array: np.ndarray):
    """A uint8 (H, W) array as the datasets' image type (PIL 'L' if available)."""
    if PIL_AVAILABLE:
        return _image._PILImage.fromarray(array)
    return array


class VisionDataset(Dataset):
    """Base for vision datasets: ``root``, ``transform``, ``target_transform``, ``transforms``.

    ``transforms`` (a callable on ``(image, target)``) excludes the other two, as in
    torchvision.
    """

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if not has_transforms:
            transforms = _StandardTransform(transform, target_transform)
        self.transforms = transforms

    def _apply(self, image, target):
        return self.transforms(image, target)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [line for line in self.extra_repr().splitlines() if line]
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}".replace("\n", "\n" + " " * self._repr_indent))
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        body = "\n".join(" " * self._repr_indent + line for line in lines)
        return f"Dataset {self.__class__.__name__}\n{body}"


class ImageArrayDataset(VisionDataset):
    """A dataset held in memory: uint8 images ``self._images`` and int labels ``self._targets``."""

    @property
    def data(self) -> Tensor:
        return Tensor._from_array(self._images)

    @property
    def targets(self) -> Tensor:
        return Tensor._from_array(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __getitem__(self, index: int):
        image = as_image(self._images[index])
        return self._apply(image, int(self._targets[index]))


class _StandardTransform:
    def __init__(self, transform=None, target_transform=None) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
