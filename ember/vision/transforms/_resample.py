"""Resampling: separable resize weights and affine warps, on planar NumPy arrays.

Resize follows ``torch.nn.functional.interpolate`` (which torchvision uses for tensors):

- nearest: ``src = min(floor(dst * in / out), in - 1)`` in float32, as torch;
- nearest-exact: ``src = min(floor((dst + 0.5) * in / out), in - 1)``;
- bilinear / bicubic without antialias: half-pixel centres, ``align_corners=False``,
  bicubic with a = -0.75 and clamped taps;
- with antialias (torchvision's default): a PIL-style filter whose support widens by the
  downscale factor (triangle for bilinear, a = -0.5 cubic for bicubic), truncated at the
  borders and renormalised.

Each axis becomes one (out, in) weight matrix, so a resize is two matrix products.
"""

from __future__ import annotations

import math

import numpy as np

from ._image import cast_back, work_dtype


def _nearest_indices(in_size: int, out_size: int, exact: bool) -> np.ndarray:
    if in_size == out_size:
        return np.arange(out_size)
    scale = np.float32(in_size) / np.float32(out_size)
    dst = np.arange(out_size, dtype=np.float32)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * scale)
    else:
        src = np.floor(dst * scale)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _plain_weights(in_size: int, out_size: int, mode: str) -> np.ndarray:
    """torch's align_corners=False interpolation weights without antialiasing."""
    scale = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    src = (dst + 0.5) * scale - 0.5
    weights = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        i0 = np.minimum(i0, in_size - 1)
        i1 = np.minimum(i0 + 1, in_size - 1)
        frac = src - i0
        np.add.at(weights, (rows, i0), 1.0 - frac)
        np.add.at(weights, (rows, i1), frac)
        return weights
    # bicubic: 4 taps around floor(src), a = -0.75, taps clamped to the image
    i = np.floor(src).astype(np.int64)
    t = src - i
    for k in range(-1, 3):
        w = _cubic(t - k, -0.75)
        np.add.at(weights, (rows, np.clip(i + k, 0, in_size - 1)), w)
    return weights


def _antialias_weights(in_size: int, out_size: int, mode: str) -> np.ndarray:
    """PIL-style weights: the kernel widens by the downscale factor; borders renormalise."""
    scale = in_size / out_size
    support_base = 1.0 if mode == "bilinear" else 2.0
    filter_scale = max(scale, 1.0)
    support = support_base * filter_scale
    centers = scale * (np.arange(out_size) + 0.5)
    lo = np.maximum((centers - support + 0.5).astype(np.int64), 0)
    hi = np.minimum((centers + support + 0.5).astype(np.int64), in_size)
    span = int((hi - lo).max()) if out_size else 0
    taps = lo[:, None] + np.arange(span)[None, :]
    x = (taps - centers[:, None] + 0.5) / filter_scale
    if mode == "bilinear":
        w = np.maximum(0.0, 1.0 - np.abs(x))
    else:
        w = _cubic(x, -0.5)
    w = np.where(taps < hi[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = w / np.where(total == 0, 1.0, total)
    weights = np.zeros((out_size, in_size))
    rows = np.repeat(np.arange(out_size), span)
    np.add.at(weights, (rows, np.minimum(taps, in_size - 1).ravel()), w.ravel())
    return weights


def resize_planar(array: np.ndarray, out_h: int, out_w: int, mode: str, antialias: bool) -> np.ndarray:
    """Resize the last two axes of ``array`` to (out_h, out_w)."""
    in_h, in_w = array.shape[-2:]
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = _nearest_indices(in_h, out_h, exact)
        cols = _nearest_indices(in_w, out_w, exact)
        return array[..., rows[:, None], cols[None, :]]
    if mode not in ("bilinear", "bicubic"):
        raise ValueError(f"interpolation {mode!r} is not supported for arrays; use nearest, bilinear or bicubic")
    make = _antialias_weights if antialias else _plain_weights
    dtype = work_dtype(array.dtype)
    wh = make(in_h, out_h, mode).astype(dtype)
    ww = make(in_w, out_w, mode).astype(dtype)
    out = np.matmul(wh, np.matmul(array.astype(dtype, copy=False), ww.T))
    if array.dtype.kind in "iub":
        return cast_back(out, array.dtype)
    return out.astype(array.dtype, copy=False)


# ----------------------------------------------------------------------------- affine
def inverse_affine_matrix(center, angle: float, translate, scale: float, shear) -> list:
    """The output->input map of torchvision's affine, as a flat 2x3 matrix.

    Forward: ``p_out = T + C + scale * R(angle) @ ShY(shear_y) @ ShX(shear_x) @ (p_in - C)``
    in pixel coordinates with y pointing down (so a positive angle turns clockwise on
    screen); ``ShX = [[1, -tan sx], [0, 1]]`` and ``ShY = [[1, 0], [-tan sy, 1]]``.
    """
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    # the rotation-shear part has determinant 1, so its inverse is the adjugate
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def expanded_size(matrix: list, w: int, h: int) -> tuple[int, int]:
    """(width, height) holding the whole transformed image (torchvision's rule, in float32
    as torchvision computes it, so that e.g. a 90 degree turn of 2x4 gives exactly 4x2)."""
    f32 = np.float32
    pts = np.array(
        [[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=f32
    )
    theta = np.array(matrix, dtype=f32).reshape(2, 3)
    new_pts = pts @ theta.T
    half = np.array([w * 0.5, h * 0.5], dtype=f32)
    min_vals = new_pts.min(axis=0) + half
    max_vals = new_pts.max(axis=0) + half
    tol = f32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def warp_affine(array: np.ndarray, matrix: list, out_w: int, out_h: int, mode: str, fill) -> np.ndarray:
    """Sample ``array`` (..., C, H, W) through the output->input ``matrix``.

    Coordinates are relative to the image centres; sampling is grid_sample's with
    ``align_corners=False`` (nearest rounds half to even).  Outside the input, pixels
    take ``fill`` (None: zeros), blended by coverage for bilinear as torchvision does.
    """
    in_h, in_w = array.shape[-2:]
    ys, xs = np.meshgrid(
        np.arange(out_h, dtype=np.float64) - (out_h - 1) / 2,
        np.arange(out_w, dtype=np.float64) - (out_w - 1) / 2,
        indexing="ij",
    )
    m = matrix
    src_x = m[0] * xs + m[1] * ys + m[2] + (in_w - 1) / 2
    src_y = m[3] * xs + m[4] * ys + m[5] + (in_h - 1) / 2
    channels = array.shape[-3]
    dtype = work_dtype(array.dtype)
    fill_values = None
    if fill is not None:
        values = [float(fill)] if isinstance(fill, (int, float)) else [float(v) for v in fill]
        if len(values) == 1:
            values = values * channels
        if len(values) != channels:
            raise ValueError(
                f"The number of elements in 'fill' does not match the number of channels of the image ({len(values)} != {channels})"
            )
        fill_values = np.array(values, dtype=dtype).reshape(channels, 1, 1)
    if mode == "nearest":
        ix = np.rint(src_x).astype(np.int64)
        iy = np.rint(src_y).astype(np.int64)
        inside = (ix >= 0) & (ix < in_w) & (iy >= 0) & (iy < in_h)
        out = array[..., np.clip(iy, 0, in_h - 1), np.clip(ix, 0, in_w - 1)]
        background = np.zeros((), dtype=array.dtype) if fill_values is None else cast_back(fill_values, array.dtype)
        return np.where(inside, out, background).astype(array.dtype, copy=False)
    if mode != "bilinear":
        raise ValueError(f"interpolation {mode!r} is not supported here; use nearest or bilinear")
    x0 = np.floor(src_x).astype(np.int64)
    y0 = np.floor(src_y).astype(np.int64)
    fx = (src_x - x0).astype(dtype)
    fy = (src_y - y0).astype(dtype)
    data = array.astype(dtype, copy=False)
    sampled = np.zeros(array.shape[:-2] + (out_h, out_w), dtype=dtype)
    coverage = np.zeros((out_h, out_w), dtype=dtype)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            valid = (xi >= 0) & (xi < in_w) & (yi >= 0) & (yi < in_h)
            weight = np.where(valid, wx * wy, 0).astype(dtype)
            sampled += data[..., np.clip(yi, 0, in_h - 1), np.clip(xi, 0, in_w - 1)] * weight
            coverage += weight
    if fill_values is not None:
        sampled = sampled * coverage + (1 - coverage) * fill_values
    return cast_back(sampled, array.dtype) if array.dtype.kind in "iub" else sampled.astype(array.dtype, copy=False)
