"""Memory formats: how a tensor's elements are laid out in memory.

Ember arrays may have any strides, so torch's formats are real layouts here: a
``channels_last`` tensor keeps its NCHW shape and has NHWC strides, exactly as
torch's ``stride()`` reports them.

Example:
    >>> import ember
    >>> x = ember.zeros(2, 3, 4, 5).contiguous(memory_format=ember.channels_last)
    >>> x.stride()
    (60, 1, 15, 3)
    >>> x.is_contiguous(memory_format=ember.channels_last)
    True
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "memory_format",
    "preserve_format",
]


class memory_format:
    """The type of ``ember.contiguous_format``, ``channels_last``, ``channels_last_3d``
    and ``preserve_format``: four singletons, compared by identity, pickled by name.

    Example:
        >>> import ember
        >>> ember.channels_last
        torch.channels_last
    """

    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'torch.memory_format' instances")

    @classmethod
    def _singleton(cls, name: str) -> memory_format:
        obj = object.__new__(cls)
        obj._name = name
        return obj

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    __str__ = __repr__

    def __reduce__(self) -> str:
        # A string makes pickle (and copy) refer to the module-level singleton.
        return self._name


contiguous_format = memory_format._singleton("contiguous_format")
channels_last = memory_format._singleton("channels_last")
channels_last_3d = memory_format._singleton("channels_last_3d")
preserve_format = memory_format._singleton("preserve_format")

# Dimensions from innermost to outermost in memory, for the channels-last formats.
_INNER_TO_OUTER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}
_RANK = {channels_last: 4, channels_last_3d: 5}


def check_format_type(fmt, op: str, allow_none: bool = False) -> memory_format:
    """``fmt`` if it is a memory format (``None`` means preserve where allowed)."""
    if fmt is None and allow_none:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(
            f"{op}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}"
        )
    return fmt


def check_rank(fmt: memory_format, ndim: int) -> None:
    """torch's error for a channels-last format on a tensor of the wrong rank."""
    rank = _RANK.get(fmt)
    if rank is not None and ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")


def element_strides(arr) -> tuple:
    item = arr.dtype.itemsize
    return tuple(s // item for s in arr.strides)


def format_strides(shape, fmt: memory_format) -> tuple:
    """The strides (in elements) of a dense tensor of ``shape`` in ``fmt``.

    Example:
        >>> format_strides((2, 3, 4, 5), channels_last)
        (60, 1, 15, 3)
    """
    if fmt in _INNER_TO_OUTER:
        strides = [0] * len(shape)
        step = 1
        for d in _INNER_TO_OUTER[fmt]:
            strides[d] = step
            step *= shape[d]
        return tuple(strides)
    strides = [0] * len(shape)
    step = 1
    for d in reversed(range(len(shape))):
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)


def is_contiguous_in(shape, strides, fmt: memory_format) -> bool:
    """torch's ``is_contiguous(memory_format=fmt)``: size-1 dims' strides are ignored."""
    if fmt in _INNER_TO_OUTER:
        if len(shape) != _RANK[fmt]:
            return False
        order = _INNER_TO_OUTER[fmt]
    else:
        if 0 in shape:
            return True
        order = range(len(shape) - 1, -1, -1)
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def is_non_overlapping_and_dense(shape, strides) -> bool:
    """True when the elements fill a block of memory exactly, in some dim order."""
    if 0 in shape:
        return True
    dims = sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: strides[d])
    expected = 1
    for d in dims:
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def dense_strides_like(shape, strides) -> tuple:
    """Dense strides that keep the dim order of ``strides`` (torch's rule for
    preserve_format on a tensor that is not dense: ties and zero strides keep the
    row-major order)."""
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))  # innermost first

    def should_swap(d0: int, d1: int) -> int:
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return 1 if s0 > s1 else -1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            cmp = should_swap(perm[d0], perm[d1])
            if cmp > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif cmp < 0:
                break
    out = [0] * ndim
    step = 1
    for d in perm:
        out[d] = step
        step *= max(shape[d], 1)
    return tuple(out)


def _is_strides_like(shape, strides, fmt: memory_format) -> bool:
    """Whether strides order the dims as ``fmt`` does (torch's suggestion rule)."""
    if len(shape) != _RANK[fmt] or strides[1] == 0:
        return False
    smallest = 0
    for d in _INNER_TO_OUTER[fmt]:
        if shape[d] == 0 or strides[d] < smallest:
            return False
        # N and C with equal strides (e.g. N*1x1 images) read as contiguous
        if d == 0 and smallest == strides[1]:
            return False
        smallest = strides[d]
        if shape[d] > 1:
            smallest *= shape[d]
    return True


def suggest_memory_format(shape, strides) -> memory_format:
    """The format a tensor's strides resemble: channels_last(_3d) or contiguous."""
    for fmt in (channels_last, channels_last_3d):
        if _is_strides_like(shape, strides, fmt):
            return fmt
    return contiguous_format


def target_strides(src, fmt: memory_format):
    """Strides (elements) for a new array like ``src`` in ``fmt``; None means row-major."""
    shape = src.shape
    if fmt is preserve_format:
        strides = element_strides(src)
        if not is_non_overlapping_and_dense(shape, strides):
            strides = dense_strides_like(shape, strides)
    elif fmt in _INNER_TO_OUTER:
        check_rank(fmt, len(shape))
        strides = format_strides(shape, fmt)
    else:
        return None
    if strides == format_strides(shape, contiguous_format) or 0 in shape and fmt is preserve_format:
        return None
    return strides


def empty_strided_array(xp, shape, strides, dtype):
    """An uninitialized ``xp`` array with the given strides (in elements)."""
    dtype = np.dtype(dtype)
    size = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    buffer = xp.empty(size, dtype)
    byte_strides = tuple(s * dtype.itemsize for s in strides)
    return xp.lib.stride_tricks.as_strided(buffer, tuple(shape), byte_strides)


def new_array_like(src, fmt: memory_format, dtype=None, xp=None):
    """An uninitialized array of ``src``'s shape laid out in ``fmt``."""
    xp = xp if xp is not None else _xp_of(src)
    dtype = src.dtype if dtype is None else dtype
    if fmt is contiguous_format or (fmt is preserve_format and src.flags.c_contiguous and 1 not in src.shape):
        return xp.empty(src.shape, dtype)  # the common case, without stride analysis
    strides = target_strides(src, fmt)
    if strides is None:
        return xp.empty(src.shape, dtype)
    return empty_strided_array(xp, src.shape, strides, dtype)


def copy_array(src, fmt: memory_format):
    """A copy of ``src`` laid out in ``fmt``."""
    out = new_array_like(src, fmt)
    out[...] = src
    return out


def fill_in_memory_order(out, values):
    """Write the row-major ``values`` into ``out`` in ``out``'s memory order (torch
    fills a channels_last tensor's random values in that order)."""
    order = sorted(range(out.ndim), key=lambda d: -abs(out.strides[d]))
    in_memory = out.transpose(order)
    in_memory[...] = values.reshape(in_memory.shape)
    return out


def _xp_of(arr):
    if isinstance(arr, np.ndarray):
        return np
    import importlib

    return importlib.import_module(type(arr).__module__.split(".")[0])
