"""Functional image transforms (torchvision's ``transforms.functional``).

Every function takes a tensor (..., C, H, W), a NumPy array (H, W, C) / (H, W), or a PIL
image, and returns the same kind.  Integer images stay integer (results are rounded and
clipped, or truncated where torchvision truncates).

Example:
    >>> import ember
    >>> from ember.vision.transforms import functional as F
    >>> img = ember.arange(6.0).reshape(1, 2, 3)
    >>> F.hflip(img).tolist()
    [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]
    >>> F.resize(img, [4, 6], interpolation=F.InterpolationMode.NEAREST).shape
    torch.Size([1, 4, 6])
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from enum import Enum

import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from . import _resample
from ._image import get_dimensions, is_pil_image, max_value, require_pil, to_planar, work_dtype

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "affine",
    "center_crop",
    "convert_image_dtype",
    "crop",
    "erase",
    "get_dimensions",
    "hflip",
    "normalize",
    "pad",
    "pil_to_tensor",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "to_pil_image",
    "to_tensor",
    "vflip",
]


class InterpolationMode(Enum):
    """Interpolation modes, with torchvision's names and values."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _mode(interpolation) -> str:
    if isinstance(interpolation, InterpolationMode):
        return interpolation.value
    if isinstance(interpolation, int):  # PIL's integer constants
        for name, code in _PIL_FILTERS.items():
            if code == interpolation:
                return name
    if isinstance(interpolation, str) and interpolation in {m.value for m in InterpolationMode}:
        return interpolation
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def _tensor_only(img, name: str) -> np.ndarray:
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return img


# ------------------------------------------------------------------- conversion
def to_tensor(pic) -> Tensor:
    """A PIL image or (H, W[, C]) array as a (C, H, W) tensor; uint8 scales to [0, 1].

    Other dtypes keep their values (torchvision's rule); mode "1" images become 0/1.
    """
    if is_pil_image(pic):
        mode = pic.mode
        nptype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(mode, np.uint8)
        array = np.array(pic, dtype=nptype, copy=True)
        if mode == "1":
            array = array * np.uint8(255)
        array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        default = _dtype.get_default_dtype().numpy_dtype
        return Tensor._from_array(chw.astype(default) / default.type(255))
    _dtype.from_numpy_dtype(chw.dtype)
    return Tensor._from_array(chw)


def pil_to_tensor(pic) -> Tensor:
    """A PIL image as a (C, H, W) tensor of its own dtype (no scaling)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.asarray(pic)
    array = array[:, :, None] if array.ndim == 2 else array
    return Tensor._from_array(np.ascontiguousarray(array.transpose(2, 0, 1)))


def to_pil_image(pic, mode: str | None = None):
    """A (C, H, W) tensor or (H, W, C) array as a PIL image (floats scale by 255)."""
    image_module = require_pil("to_pil_image")
    if isinstance(pic, Tensor):
        array = pic.numpy(force=True)
        if array.ndim == 2:
            array = array[None]
        array = array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if array.dtype.kind == "f" and mode != "F":
        array = (array * 255).astype(np.uint8)
    if array.shape[2] == 1:
        array = array[:, :, 0]
    return image_module.fromarray(np.ascontiguousarray(array), mode=mode) if mode else image_module.fromarray(np.ascontiguousarray(array))


def convert_image_dtype(image: Tensor, dtype=None) -> Tensor:
    """Convert a tensor image's dtype, rescaling values (float images live in [0, 1])."""
    dtype = dtype or _dtype.float32
    array = _tensor_only(image, "convert_image_dtype").numpy()
    target = np.dtype(dtype.numpy_dtype)
    if array.dtype == target:
        return image
    if array.dtype.kind == "f":
        if target.kind == "f":
            return Tensor._from_array(array.astype(target))
        if (array.dtype == np.float32 and target in (np.int32, np.int64)) or (array.dtype == np.float64 and target == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        scaled = array * (float(max_value(target)) + 1.0 - eps)
        return Tensor._from_array(scaled.astype(target))
    input_max = float(max_value(array.dtype))
    if target.kind == "f":
        return Tensor._from_array(array.astype(target) / target.type(input_max))
    output_max = float(max_value(target))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return Tensor._from_array((array // factor).astype(target))
    factor = int((output_max + 1) // (input_max + 1))
    return Tensor._from_array(array.astype(target) * target.type(factor))


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
    """``(x - mean[c]) / std[c]`` per channel of a float image (tensor (..., C, H, W) or array (H, W, C))."""
    if isinstance(tensor, Tensor):
        array = tensor.numpy(force=True)
        if array.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if array.ndim < 3:
            raise ValueError(
                f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tensor.size()}"
            )
        planar = array
    elif isinstance(tensor, np.ndarray):
        if tensor.dtype.kind != "f":
            raise TypeError(f"Input array should be a float array. Got {tensor.dtype}.")
        planar, _ = to_planar(tensor)
    else:
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    mean_a = np.asarray(mean, dtype=planar.dtype).reshape(-1, 1, 1)
    std_a = np.asarray(std, dtype=planar.dtype).reshape(-1, 1, 1)
    if (std_a == 0).any():
        raise ValueError(
            f"std evaluated to zero after conversion to {_dtype.from_numpy_dtype(planar.dtype)}, leading to division by zero."
        )
    if inplace:
        planar -= mean_a
        planar /= std_a
        if isinstance(tensor, Tensor):
            tensor._bump_version()
        return tensor
    out = (planar - mean_a) / std_a
    if isinstance(tensor, Tensor):
        return Tensor._from_array(out)
    return np.ascontiguousarray(out.transpose(1, 2, 0)) if tensor.ndim == 3 else out[0]


# ------------------------------------------------------------------- geometry
def hflip(img):
    """Mirror left-right."""
    array, restore = to_planar(img)
    return restore(array[..., ::-1])


def vflip(img):
    """Mirror top-bottom."""
    array, restore = to_planar(img)
    return restore(array[..., ::-1, :])


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) region at (top, left); parts outside the image are zeros."""
    array, restore = to_planar(img)
    h, w = array.shape[-2:]
    bottom, right = top + height, left + width
    if top < 0 or left < 0 or bottom > h or right > w:
        pads = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        array = _pad_planar(array, pads, 0, "constant")
        top, left = top + pads[1], left + pads[0]
        bottom, right = top + height, left + width
    return restore(array[..., top:bottom, left:right])


def _parse_size(size, error_msg: str = "Please provide only two dimensions (h, w) for size.") -> tuple:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size[0], size[1]


def center_crop(img, output_size):
    """The centred (h, w) region; the image is zero-padded first if it is smaller."""
    crop_h, crop_w = _parse_size(output_size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        padding = [
            (crop_w - w) // 2 if crop_w > w else 0,
            (crop_h - h) // 2 if crop_h > h else 0,
            (crop_w - w + 1) // 2 if crop_w > w else 0,
            (crop_h - h + 1) // 2 if crop_h > h else 0,
        ]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def _padding_ltrb(padding) -> list:
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    padding = list(padding)
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])]
    if len(padding) == 4:
        return [int(p) for p in padding]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def _pad_planar(array: np.ndarray, ltrb: list, fill, padding_mode: str) -> np.ndarray:
    left, top, right, bottom = ltrb
    if min(ltrb) < 0:  # negative padding crops, as torch.nn.functional.pad does
        h, w = array.shape[-2:]
        array = array[..., max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in ltrb)
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        if isinstance(fill, (tuple, list)):
            channels = array.shape[-3]
            values = list(fill) * channels if len(fill) == 1 else list(fill)
            out = np.empty(array.shape[:-2] + (array.shape[-2] + top + bottom, array.shape[-1] + left + right), array.dtype)
            out[...] = np.asarray(values, dtype=array.dtype).reshape(channels, 1, 1)
            out[..., top : top + array.shape[-2], left : left + array.shape[-1]] = array
            return out
        return np.pad(array, widths, mode="constant", constant_values=np.asarray(fill).astype(array.dtype))
    if padding_mode not in ("edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    return np.pad(array, widths, mode=padding_mode)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: ``padding`` is an int, (left/right, top/bottom) or (l, t, r, b)."""
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    array, restore = to_planar(img)
    return restore(_pad_planar(array, _padding_ltrb(padding), fill, padding_mode))


def _resized_output_size(h: int, w: int, size, max_size) -> tuple[int, int]:
    if isinstance(size, numbers.Number) or (isinstance(size, Sequence) and len(size) == 1):
        requested = int(size) if isinstance(size, numbers.Number) else int(size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested size for the smaller edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return new_h, new_w
    if max_size is not None:
        raise ValueError(
            "max_size should only be passed if size specifies the length of the smaller edge, i.e. size should be an int or a sequence of length 1 in torchscript mode."
        )
    return int(size[0]), int(size[1])


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None, antialias: bool | None = True):
    """Resize to ``size`` (h, w), or make the shorter edge ``size`` keeping the aspect ratio.

    Tensors and arrays follow ``torch.nn.functional.interpolate`` (half-pixel centres;
    antialiased by default like torchvision); PIL images use PIL's own resampling.
    """
    mode = _mode(interpolation)
    _, h, w = get_dimensions(img)
    out_h, out_w = _resized_output_size(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if is_pil_image(img):
        return img.resize((out_w, out_h), _PIL_FILTERS.get(mode, 2) if mode != "nearest-exact" else 0)
    array, restore = to_planar(img)
    return restore(_resample.resize_planar(array, out_h, out_w, mode, bool(antialias)))


def resized_crop(img, top: int, left: int, height: int, width: int, size, interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _center_offset(center, w: int, h: int) -> list:
    if center is None:
        return [0.0, 0.0]
    return [float(c) - s * 0.5 for c, s in zip(center, (w, h))]


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate (clockwise, degrees), translate (pixels), scale and shear about ``center``."""
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number):
        shear = [float(shear), 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    array, restore = to_planar(img)
    h, w = array.shape[-2:]
    matrix = _resample.inverse_affine_matrix(
        _center_offset(center, w, h), float(angle), [float(t) for t in translate], float(scale), [float(s) for s in shear]
    )
    return restore(_resample.warp_affine(array, matrix, w, h, _mode(interpolation), fill))


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre)."""
    array, restore = to_planar(img)
    h, w = array.shape[-2:]
    matrix = _resample.inverse_affine_matrix(_center_offset(center, w, h), -float(angle), [0.0, 0.0], 1.0, [0.0, 0.0])
    out_w, out_h = _resample.expanded_size(matrix, w, h) if expand else (w, h)
    return restore(_resample.warp_affine(array, matrix, out_w, out_h, _mode(interpolation), fill))


# ---------------------------------------------------------------------- colour
def _blend(a: np.ndarray, b, ratio: float, np_dtype) -> np.ndarray:
    bound = max_value(np_dtype)
    out = np.clip(ratio * a + (1.0 - ratio) * b, 0, bound)
    return out.astype(np_dtype)  # torchvision truncates integer results here


def _grayscale_planar(array: np.ndarray) -> np.ndarray:
    r, g, b = array[..., 0, :, :], array[..., 1, :, :], array[..., 2, :, :]
    gray = (0.2989 * r.astype(work_dtype(array.dtype)) + 0.587 * g + 0.114 * b).astype(array.dtype)
    return gray[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` with 1 or 3 output channels."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    array, restore = to_planar(img)
    channels = array.shape[-3]
    if channels not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {channels}")
    gray = _grayscale_planar(array) if channels == 3 else array
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:])
    return restore(gray)


def _check_factor(name: str, value: float) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img, brightness_factor: float):
    """Multiply intensities by the factor (0: black, 1: unchanged), clipped to the range."""
    _check_factor("brightness_factor", brightness_factor)
    array, restore = to_planar(img)
    return restore(_blend(array.astype(work_dtype(array.dtype)), 0.0, brightness_factor, array.dtype))


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean grey level (0: flat grey, 1: unchanged)."""
    _check_factor("contrast_factor", contrast_factor)
    array, restore = to_planar(img)
    dtype = work_dtype(array.dtype)
    source = _grayscale_planar(array) if array.shape[-3] == 3 else array
    mean = source.astype(dtype).mean(axis=(-3, -2, -1), keepdims=True)
    return restore(_blend(array.astype(dtype), mean, contrast_factor, array.dtype))


def adjust_saturation(img, saturation_factor: float):
    """Blend with the greyscale image (0: grey, 1: unchanged, 2: twice as saturated)."""
    _check_factor("saturation_factor", saturation_factor)
    array, restore = to_planar(img)
    if array.shape[-3] == 1:
        return img
    dtype = work_dtype(array.dtype)
    return restore(_blend(array.astype(dtype), _grayscale_planar(array).astype(dtype), saturation_factor, array.dtype))


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc = rgb.max(axis=-3)
    minc = rgb.min(axis=-3)
    flat = maxc == minc
    chroma = maxc - minc
    s = chroma / np.where(flat, 1.0, maxc)
    divisor = np.where(flat, 1.0, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(flat, 0.0, h)
    h = np.fmod(h / 6.0 + 1.0, 1.0)
    return np.stack([h, s, maxc], axis=-3)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    array, restore = to_planar(img)
    if array.shape[-3] == 1:
        return img
    dtype = work_dtype(array.dtype)
    rgb = array.astype(dtype)
    if array.dtype.kind in "iub":
        rgb = rgb / dtype.type(max_value(array.dtype))
    hsv = _rgb_to_hsv(rgb)
    hsv[..., 0, :, :] = np.fmod(hsv[..., 0, :, :] + hue_factor, 1.0) % 1.0
    out = _hsv_to_rgb(hsv).astype(dtype)
    if array.dtype.kind in "iub":
        out = (out * dtype.type(max_value(array.dtype))).astype(array.dtype)  # truncates, as torchvision
    return restore(out)


# ---------------------------------------------------------------------- erasing
def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    """Set the (h, w) region at (i, j) to ``v`` (a value, per-channel values, or an array)."""
    array, restore = to_planar(img)
    target = array if inplace else array.copy()
    value = v.numpy(force=True) if isinstance(v, Tensor) else np.asarray(v)
    target[..., i : i + h, j : j + w] = value.astype(target.dtype) if target.dtype.kind in "iub" else value
    if inplace:
        if isinstance(img, Tensor):
            img._bump_version()
        return img
    return restore(target)

