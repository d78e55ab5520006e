"""Transform classes with torchvision's names, arguments and parameter draws.

Random transforms draw from ember's default generator (``ember.manual_seed``; each
DataLoader worker seeds it differently), in the same order and with the same
distributions as torchvision; the numbers themselves differ from torch's stream.

Example:
    >>> import numpy as np, ember
    >>> from ember.vision import transforms as T
    >>> pipeline = T.Compose([T.ToTensor(), T.RandomCrop(4, padding=1), T.Normalize([0.5], [0.25])])
    >>> pipeline(np.zeros((6, 6), dtype=np.uint8)).shape
    torch.Size([1, 4, 4])
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from . import _random
from . import functional as F
from ._image import to_planar
from .functional import InterpolationMode

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "Grayscale",
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
]


def _setup_angle(x, name: str, req_sizes=(2,)) -> list:
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-x, x]
    if not isinstance(x, Sequence) or len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {' or '.join(str(s) for s in req_sizes)}.")
    return [float(d) for d in x]


class _Transform:
    """Base: ``__call__`` runs ``forward``; ``__repr__`` shows the arguments."""

    def __call__(self, img):
        return self.forward(img)

    def forward(self, img):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._repr_args().items())
        return f"{self.__class__.__name__}({args})"

    def _repr_args(self) -> dict:
        return {}


class Compose:
    """Apply transforms one after another.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> T.Compose([T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)])(ember.tensor(1.0))
        tensor(4.)
    """

    def __init__(self, transforms: Sequence) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({lines}\n)"


class ToTensor(_Transform):
    """PIL image or (H, W[, C]) array -> (C, H, W) tensor; uint8 is scaled to [0, 1].

    Example:
        >>> import numpy as np
        >>> from ember.vision import transforms as T
        >>> T.ToTensor()(np.full((1, 2, 3), 255, np.uint8)).shape
        torch.Size([3, 1, 2])
    """

    def __call__(self, pic):
        return F.to_tensor(pic)


class PILToTensor(_Transform):
    """PIL image -> (C, H, W) tensor of the image's dtype (no scaling)."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)


class ToPILImage(_Transform):
    """Tensor (C, H, W) or array (H, W, C) -> PIL image (needs Pillow)."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)


class ConvertImageDtype(_Transform):
    """Convert a tensor image to ``dtype``, rescaling (floats live in [0, 1])."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """``(x - mean[c]) / std[c]`` for each channel of a float image.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> T.Normalize(mean=[1.0], std=[2.0])(ember.full((1, 1, 2), 3.0)).tolist()
        [[[1.0, 1.0]]]
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _repr_args(self):
        return {"mean": self.mean, "std": self.std}


class Resize(_Transform):
    """Resize to (h, w), or the shorter edge to ``size`` keeping the aspect ratio.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> T.Resize(4)(ember.zeros(3, 8, 16)).shape
        torch.Size([3, 4, 8])
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(F._mode(interpolation))

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _repr_args(self):
        return {"size": self.size, "interpolation": self.interpolation.value, "max_size": self.max_size, "antialias": self.antialias}


class CenterCrop(_Transform):
    """The centred region of ``size`` (zero-padded if the image is smaller)."""

    def __init__(self, size) -> None:
        self.size = F._parse_size(size)

    def forward(self, img):
        return F.center_crop(img, self.size)

    def _repr_args(self):
        return {"size": self.size}


class Pad(_Transform):
    """Pad the borders (constant ``fill``, or edge/reflect/symmetric)."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)


class RandomCrop(_Transform):
    """A random region of ``size``, after optional padding.

    Args:
        size: (h, w) or an int for a square.
        padding: padding applied first (int, 2 or 4 values).
        pad_if_needed: pad an image smaller than ``size`` (torchvision pads both sides
            by the deficit).
        fill, padding_mode: as :class:`Pad`.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> T.RandomCrop(28, padding=4)(ember.zeros(1, 28, 28)).shape
        torch.Size([1, 28, 28])
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant") -> None:
        self.size = F._parse_size(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple:
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = _random.randint(0, h - th + 1)
        j = _random.randint(0, w - tw + 1)
        return i, j, th, tw

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def _repr_args(self):
        return {"size": self.size, "padding": self.padding}


class RandomResizedCrop(_Transform):
    """A random region (area fraction ``scale``, aspect ``ratio``) resized to ``size``."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        self.size = F._parse_size(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.scale, self.ratio, self.antialias = scale, ratio, antialias
        self.interpolation = InterpolationMode(F._mode(interpolation))

    @staticmethod
    def get_params(img, scale, ratio) -> tuple:
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _random.uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_random.uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = _random.randint(0, height - h + 1)
                j = _random.randint(0, width - w + 1)
                return i, j, h, w
        in_ratio = float(width) / float(height)  # fall back to a central crop
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)


class RandomHorizontalFlip(_Transform):
    """Mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def forward(self, img):
        return F.hflip(img) if _random.rand() < self.p else img

    def _repr_args(self):
        return {"p": self.p}


class RandomVerticalFlip(_Transform):
    """Mirror top-bottom with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def forward(self, img):
        return F.vflip(img) if _random.rand() < self.p else img

    def _repr_args(self):
        return {"p": self.p}


class RandomRotation(_Transform):
    """Rotate counter-clockwise by an angle drawn uniformly from ``degrees``.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> T.RandomRotation((90, 90))(ember.tensor([[[1.0, 2.0], [3.0, 4.0]]])).tolist()
        [[[2.0, 4.0], [1.0, 3.0]]]
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=0) -> None:
        self.degrees = _setup_angle(degrees, "degrees")
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("center should be a sequence of length 2.")
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees) -> float:
        return _random.uniform(float(degrees[0]), float(degrees[1]))

    def forward(self, img):
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, _fill_for(img, self.fill))

    def _repr_args(self):
        return {"degrees": self.degrees, "interpolation": self.interpolation.value, "expand": self.expand}


def _fill_for(img, fill):
    """torchvision's rule: a number fills every channel."""
    if fill is None:
        return None
    if isinstance(fill, (int, float)):
        channels = F.get_dimensions(img)[0]
        return [float(fill)] * channels
    return [float(f) for f in fill]


class RandomAffine(_Transform):
    """A random affine map: rotation, translation, scale and shear (torchvision's draws).

    Args:
        degrees: rotation range (a number d means (-d, d)); clockwise, in degrees.
        translate: (a, b): horizontal shift drawn in [-a*W, a*W], vertical in [-b*H, b*H]
            (rounded to whole pixels).
        scale: (lo, hi) scale range.
        shear: a number s (x-shear in (-s, s)), two values (x range) or four (x and y).
        interpolation, fill, center: as :func:`functional.affine`.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST, fill=0, center=None) -> None:
        self.degrees = _setup_angle(degrees, "degrees")
        if translate is not None:
            if len(translate) != 2:
                raise ValueError("translate should be a sequence of length 2.")
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            if len(scale) != 2:
                raise ValueError("scale should be a sequence of length 2.")
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.shear = _setup_angle(shear, "shear", (2, 4)) if shear is not None else None
        self.translate, self.scale = translate, scale
        self.interpolation = InterpolationMode(F._mode(interpolation))
        self.fill, self.center = fill, center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size) -> tuple:
        angle = _random.uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            translations = (int(round(_random.uniform(-max_dx, max_dx))), int(round(_random.uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = _random.uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _random.uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _random.uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        angle, translations, scale, shear = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, angle, list(translations), scale, list(shear), self.interpolation, _fill_for(img, self.fill), self.center)


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, in a random order.

    Each of brightness/contrast/saturation is a number v (factor drawn from
    [max(0, 1 - v), 1 + v]) or a (min, max) range; hue is h in [0, 0.5] (shift drawn
    from [-h, h]) or a range inside [-0.5, 0.5].  Brightness and contrast work on any
    number of channels; saturation and hue need RGB (others pass through unchanged).
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:
            return None
        return value

    @staticmethod
    def get_params(brightness, contrast, saturation, hue) -> tuple:
        order = _random.randperm(4)
        b = None if brightness is None else _random.uniform(brightness[0], brightness[1])
        c = None if contrast is None else _random.uniform(contrast[0], contrast[1])
        s = None if saturation is None else _random.uniform(saturation[0], saturation[1])
        h = None if hue is None else _random.uniform(hue[0], hue[1])
        return order, b, c, s, h

    def forward(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for fn_id in order:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def _repr_args(self):
        return {"brightness": self.brightness, "contrast": self.contrast, "saturation": self.saturation, "hue": self.hue}


class Grayscale(_Transform):
    """RGB -> grey with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)


class RandomErasing(_Transform):
    """Erase a random rectangle with probability ``p`` (Zhong et al., 2017).

    Args:
        p: probability of erasing.
        scale: range of the erased area as a fraction of the image.
        ratio: range of the rectangle's aspect ratio (drawn log-uniformly).
        value: fill value, per-channel values, or ``"random"`` (standard normal noise).
        inplace: modify the input tensor.

    Example:
        >>> import ember
        >>> from ember.vision import transforms as T
        >>> out = T.RandomErasing(p=1.0, value=0)(ember.ones(3, 32, 32))
        >>> bool((out == 0).any())
        True
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False) -> None:
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None) -> tuple:
        array, _ = to_planar(img)
        img_c, img_h, img_w = array.shape[-3], array.shape[-2], array.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _random.uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_random.uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = _random.normal((img_c, h, w), np.float32)
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            i = _random.randint(0, img_h - h + 1)
            j = _random.randint(0, img_w - w + 1)
            return i, j, h, w, v
        return 0, 0, img_h, img_w, array

    def forward(self, img):
        if _random.rand() < self.p:
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            channels = F.get_dimensions(img)[0]
            if value is not None and len(value) not in (1, channels):
                raise ValueError(
                    "If value is a sequence, it should have either a single value or "
                    f"{channels} (number of input channels)"
                )
            i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value)
            return F.erase(img, i, j, h, w, v, self.inplace)
        return img


class Lambda(_Transform):
    """Wrap a function as a transform.

    Example:
        >>> from ember.vision import transforms as T
        >>> T.Lambda(lambda x: x * 3)(2)
        6
    """

    def __init__(self, lambd) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class RandomApply(_Transform):
    """Apply a list of transforms together with probability ``p``."""

    def __init__(self, transforms, p: float = 0.5) -> None:
        self.transforms, self.p = list(transforms), p

    def forward(self, img):
        if self.p < _random.rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img

