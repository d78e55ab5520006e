"""Random sampling: rand, randn, randint, randperm, normal, ... and in-place fills.

Every function takes ``generator=`` (an ``ember.Generator``); without it the default
generator seeded by ``ember.manual_seed`` is used.

Example:
    >>> import ember
    >>> _ = ember.manual_seed(0)
    >>> ember.randint(0, 10, (3,)).dtype
    torch.int64
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..random import resolve
from .creation import _finish, _float_dtype, _size_args

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like"]


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Uniform samples on [0, 1).

    Example:
        >>> import ember
        >>> ember.rand(2, 3).shape
        torch.Size([2, 3])
    """
    shape = _size_args(size)
    np_dtype = _float_dtype(dtype)
    arr = resolve(generator).random(shape, dtype=np.float64 if np_dtype not in (np.float32, np.float64) else np_dtype)
    return _finish(arr.astype(np_dtype, copy=False), None, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Standard normal samples.

    Example:
        >>> import ember
        >>> ember.randn(4).dtype
        torch.float32
    """
    shape = _size_args(size)
    np_dtype = _float_dtype(dtype)
    arr = resolve(generator).standard_normal(shape, dtype=np_dtype if np_dtype in (np.float32, np.float64) else np.float64)
    return _finish(arr.astype(np_dtype, copy=False), None, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Integers uniform on [low, high); int64 unless ``dtype`` says otherwise.

    Example:
        >>> import ember
        >>> int(ember.randint(3, (1,)).item()) in (0, 1, 2)
        True
    """
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _size_args((tuple(size),))
    arr = resolve(generator).integers(low, high, shape, dtype=np.int64)
    return _finish(arr, dtype or _dtype.int64, device, requires_grad)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of ``0..n-1``.

    Example:
        >>> import ember
        >>> sorted(ember.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    arr = resolve(generator).permutation(int(n)).astype(np.int64)
    return _finish(arr, dtype or _dtype.int64, device, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None):
    return rand(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None):
    return randn(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device, generator=generator)
