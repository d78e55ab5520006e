"""``ember.finfo`` and ``ember.iinfo``: the numerical limits of a dtype, as torch's.

Example:
    >>> import ember
    >>> ember.finfo(ember.float16).max, ember.iinfo(ember.int8).min
    (65504.0, -128)
"""

from __future__ import annotations

import numpy as np

from . import _dtype

__all__ = ["finfo", "iinfo"]

# bfloat16 is a fixed format (8 exponent bits, 7 stored mantissa bits): its limits need
# no ml_dtypes.
_BFLOAT16 = {
    "bits": 16,
    "eps": 2.0**-7,
    "max": float.fromhex("0x1.fep127"),
    "tiny": 2.0**-126,
    "resolution": 0.01,
}


class finfo:
    """Limits of a floating dtype: ``bits``, ``eps``, ``max``, ``min``, ``tiny``
    (= ``smallest_normal``), ``resolution`` and ``dtype`` (its name).

    ``finfo()`` describes the default dtype.

    Example:
        >>> import ember
        >>> ember.finfo(ember.float32).eps
        1.1920928955078125e-07
    """

    __hash__ = None  # torch's finfo objects are unhashable, and compare by value

    def __init__(self, type: _dtype.dtype | None = None):
        type = _dtype.get_default_dtype() if type is None else type
        if not isinstance(type, _dtype.dtype) or not type.is_floating_point:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"
            )
        name = repr(type).replace("torch.", "")
        if name == "bfloat16":
            limits = _BFLOAT16
        else:
            info = np.finfo(type.numpy_dtype)
            limits = {
                "bits": int(info.bits),
                "eps": float(info.eps),
                "max": float(info.max),
                "tiny": float(info.smallest_normal),
                "resolution": 10.0 ** -int(info.precision),
            }
        self.bits = limits["bits"]
        self.eps = limits["eps"]
        self.max = limits["max"]
        self.min = -limits["max"]
        self.tiny = self.smallest_normal = limits["tiny"]
        self.resolution = limits["resolution"]
        self.dtype = name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """Limits of an integer dtype: ``bits``, ``min``, ``max`` and ``dtype`` (its name).

    Example:
        >>> import ember
        >>> ember.iinfo(ember.uint8).max
        255
    """

    __hash__ = None

    def __init__(self, type: _dtype.dtype):
        if type is _dtype.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, _dtype.dtype) or type.is_floating_point:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"
            )
        info = np.iinfo(type.numpy_dtype)
        self.bits = int(info.bits)
        self.min = int(info.min)
        self.max = int(info.max)
        self.dtype = repr(type).replace("torch.", "")

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"  # %g, as torch
