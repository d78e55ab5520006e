"""Image transforms with torchvision's names and semantics (``ember.vision.transforms``).

Works on tensors (..., C, H, W), NumPy arrays (H, W, C) or (H, W), and PIL images when
Pillow is installed; random transforms draw from ember's default generator.

Example:
    >>> import ember
    >>> from ember.vision import transforms as T
    >>> T.CenterCrop(2)(ember.arange(16.0).reshape(1, 4, 4)).tolist()
    [[[5.0, 6.0], [9.0, 10.0]]]
"""

from . import functional
from .functional import InterpolationMode
from .transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    ConvertImageDtype,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomAffine,
    RandomApply,
    RandomCrop,
    RandomErasing,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "Grayscale",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomAffine",
    "RandomApply",
    "RandomCrop",
    "RandomErasing",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
    "functional",
]
