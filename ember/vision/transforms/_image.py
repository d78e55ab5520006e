"""Images of three kinds, one working layout.

Transforms work on NumPy arrays laid out (..., C, H, W) ("planar").  ``to_planar``
turns a tensor (..., C, H, W) or (H, W), a NumPy array (H, W, C) or (H, W), or a PIL
image into that layout (a view, no copy) and returns a function that turns a result back
into the caller's kind, layout and (for PIL) mode.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..._tensor import Tensor

try:  # Pillow is optional (pip install ember[vision])
    from PIL import Image as _PILImage
except ImportError:  # pragma: no cover - depends on the environment
    _PILImage = None


def is_pil_image(img) -> bool:
    return _PILImage is not None and isinstance(img, _PILImage.Image)


def require_pil(what: str):
    if _PILImage is None:
        raise ImportError(f"{what} needs Pillow: pip install 'ember[vision]' (or pip install Pillow)")
    return _PILImage


def to_planar(img) -> tuple[np.ndarray, Callable[[np.ndarray], object]]:
    """``(array of shape (..., C, H, W), restore)`` for a tensor, array or PIL image."""
    if isinstance(img, Tensor):
        array = img.numpy(force=True) if img.requires_grad else img.numpy()
        if array.ndim < 2:
            raise TypeError(f"Tensor is not a torch image: expected (..., H, W), got shape {tuple(array.shape)}")
        if array.ndim == 2:
            return array[None], lambda out: Tensor._from_array(np.ascontiguousarray(out[0]))
        return array, lambda out: Tensor._from_array(np.ascontiguousarray(out))
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], lambda out: np.ascontiguousarray(out[0])
        if img.ndim == 3:
            return img.transpose(2, 0, 1), lambda out: np.ascontiguousarray(out.transpose(1, 2, 0))
        raise ValueError(f"a NumPy image must be (H, W) or (H, W, C), got shape {img.shape}")
    if is_pil_image(img):
        mode = img.mode
        array = np.asarray(img)

        def restore(out, mode=mode):
            hwc = out[0] if out.shape[0] == 1 else out.transpose(1, 2, 0)
            hwc = np.ascontiguousarray(hwc.astype(array.dtype, copy=False))
            return _PILImage.fromarray(hwc, mode=mode) if mode in ("L", "RGB", "RGBA", "1", "F", "I") else _PILImage.fromarray(hwc)

        return (array[None] if array.ndim == 2 else array.transpose(2, 0, 1)), restore
    raise TypeError(f"img should be a Tensor, a NumPy array or a PIL Image. Got {type(img)}")


def get_dimensions(img) -> list:
    """``[channels, height, width]`` of an image of any kind."""
    if is_pil_image(img):
        return [len(img.getbands()), img.size[1], img.size[0]]
    array, _ = to_planar(img)
    return [int(array.shape[-3]), int(array.shape[-2]), int(array.shape[-1])]


def max_value(np_dtype) -> float:
    """The value of 'full intensity' for a dtype: 1.0 for floats, the maximum for integers."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind == "f" or np_dtype.kind == "V":
        return 1.0
    if np_dtype.kind == "b":
        return 1
    return int(np.iinfo(np_dtype).max)


def cast_back(result: np.ndarray, np_dtype) -> np.ndarray:
    """Float math results back to an integer image dtype: rounded and clipped, as torchvision."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "iub" and result.dtype.kind == "f":
        info = np.iinfo(np_dtype) if np_dtype.kind != "b" else None
        result = np.round(result)
        if info is not None:
            result = np.clip(result, info.min, info.max)
        return result.astype(np_dtype)
    return result.astype(np_dtype, copy=False)


def work_dtype(np_dtype):
    """The float dtype math on an image of ``np_dtype`` runs in."""
    np_dtype = np.dtype(np_dtype)
    return np_dtype if np_dtype.kind == "f" and np_dtype.itemsize >= 4 else np.dtype(np.float32)
