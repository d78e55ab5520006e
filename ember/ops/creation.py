"""Tensor factories: tensor, zeros, ones, full, arange, ... with torch's dtype inference.

Example:
    >>> import ember
    >>> ember.tensor([1, 2]).dtype, ember.tensor([1.0]).dtype, ember.arange(3.0).dtype
    (torch.int64, torch.float32, torch.float32)
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._device import CPU, device as _device_cls, get_array_module
from .._tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "range",
    "linspace",
    "logspace",
    "eye",
    "scalar_tensor",
]

_builtin_range = range


def _finish(arr, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Cast/move a NumPy array as asked and wrap it."""
    if dtype is not None and arr.dtype != dtype.numpy_dtype:
        arr = arr.astype(dtype.numpy_dtype)
    if device is not None:
        dev = _device_cls(device)
        if dev.type != "cpu":
            arr = get_array_module(dev).asarray(arr)
    t = Tensor._from_array(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data):
    """A NumPy array for nested Python data, typed by torch's inference rules."""
    if isinstance(data, Tensor):
        return np.array(data.__array__())
    if isinstance(data, np.ndarray):
        if data.dtype.kind == "O":
            raise TypeError("can't convert np.ndarray of type numpy.object_.")
        _dtype.from_numpy_dtype(data.dtype) if data.dtype.kind != "u" or data.dtype == np.uint8 else None
        return np.array(data)
    if isinstance(data, (np.generic,)):
        return np.array(data)
    flat_kind = _scan_kind(data)
    if flat_kind == "f":
        return np.array(_unwrap(data), dtype=_dtype.get_default_dtype().numpy_dtype)
    if flat_kind == "i":
        return np.array(_unwrap(data), dtype=np.int64)
    if flat_kind == "b":
        return np.array(_unwrap(data), dtype=np.bool_)
    if flat_kind == "t":  # nested tensors or arrays keep their dtype
        arr = np.array(_unwrap(data))
        return arr
    if flat_kind == "empty":
        return np.array(data, dtype=_dtype.get_default_dtype().numpy_dtype)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _scan_kind(data) -> str:
    """The widest kind among the leaves: 'b' < 'i' < 'f'; 't' when tensors/arrays appear."""
    kinds = set()
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(x, (int, np.integer)):
            kinds.add("i")
        elif isinstance(x, (float, np.floating)):
            kinds.add("f")
        elif isinstance(x, (Tensor, np.ndarray)):
            kinds.add("t")
        elif isinstance(x, complex):
            raise TypeError("ember has no complex dtypes")
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    if not kinds:
        return "empty"
    if "t" in kinds:
        return "t"
    for k in ("f", "i", "b"):
        if k in kinds:
            return k
    return "empty"


def _unwrap(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap(x) for x in data]
    if isinstance(data, Tensor):
        return data.__array__()
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays).

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        tensor([[1., 2.],
                [3., 4.]], requires_grad=True)
    """
    return _finish(_infer_array(data), dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with Tensors and NumPy arrays when it can."""
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.numpy_dtype):
        _dtype.from_numpy_dtype(data.dtype)
        return _finish(data, None, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (writes show in both).

    Example:
        >>> import numpy as np, ember
        >>> a = np.zeros(2, np.float32); t = ember.from_numpy(a); a[0] = 7; t
        tensor([7., 0.])
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._from_array(array)


def _size_args(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"expected a sequence of integers as size, but got an element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _float_dtype(dtype):
    return (dtype or _dtype.get_default_dtype()).numpy_dtype


def _factory(fill):
    def factory(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, memory_format=None):
        shape = _size_args(size)
        np_dtype = _float_dtype(dtype)
        arr = fill(shape, np_dtype)
        result = _finish(arr, None, device, requires_grad)
        if out is not None:
            from .inplace import copy_into_out

            return copy_into_out(out, result)
        return result

    return factory


zeros = _factory(np.zeros)
zeros.__name__ = "zeros"
zeros.__doc__ = """A tensor filled with 0 (default float dtype).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).shape
        torch.Size([2, 3])
    """
ones = _factory(np.ones)
ones.__name__ = "ones"
ones.__doc__ = "A tensor filled with 1 (default float dtype).\n\n    Example:\n        >>> import ember\n        >>> ember.ones(2)\n        tensor([1., 1.])\n    "
empty = _factory(np.empty)
empty.__name__ = "empty"
empty.__doc__ = "An uninitialized tensor of the given size."


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (2 -> int64).

    Example:
        >>> import ember
        >>> ember.full((2,), 7).dtype
        torch.int64
    """
    shape = _size_args((size,) if not isinstance(size, (tuple, list)) else (tuple(size),))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dtype._scalar_dtype(fill_value)
    arr = np.full(shape, fill_value, dtype=dtype.numpy_dtype)
    result = _finish(arr, None, device, requires_grad)
    if out is not None:
        from .inplace import copy_into_out

        return copy_into_out(out, result)
    return result


def _like(fill_name):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        np_dtype = dtype.numpy_dtype if dtype is not None else input._array.dtype
        arr = getattr(np, fill_name)(input._array.shape, np_dtype)
        return _finish(arr, None, device, requires_grad)

    like.__name__ = fill_name + "_like"
    like.__doc__ = f"``{fill_name}`` with the shape (and by default dtype) of ``input``."
    return like


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("empty")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """A tensor shaped like ``input`` filled with ``fill_value``."""
    np_dtype = dtype.numpy_dtype if dtype is not None else input._array.dtype
    return _finish(np.full(input._array.shape, fill_value, dtype=np_dtype), None, device, requires_grad)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    Example:
        >>> import ember
        >>> ember.arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
    """
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    count = max(0, math.ceil((end - start) / step))
    # Computed in float64 then cast, as torch computes start + i * step.
    arr = (start + np.arange(count, dtype=np.float64) * step) if dtype.is_floating_point or any(
        isinstance(v, float) for v in (start, end, step)
    ) else np.arange(start, end, step, dtype=np.int64)
    return _finish(np.asarray(arr).astype(dtype.numpy_dtype), None, device, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated torch.range: like arange but includes ``end``."""
    if end is None:
        start, end = 0, start
    count = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    arr = start + np.arange(count, dtype=np.float64) * step
    return _finish(arr.astype(dtype.numpy_dtype), None, device, requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import ember
        >>> ember.linspace(0, 1, 3)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    start, end = _number(start), _number(end)
    arr = np.linspace(start, end, int(steps), dtype=np.float64)
    return _finish(arr.astype(_float_dtype(dtype)), None, device, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if steps < 0:
        raise RuntimeError("logspace(): number of steps must be non-negative")
    arr = np.power(float(base), np.linspace(_number(start), _number(end), int(steps), dtype=np.float64))
    return _finish(arr.astype(_float_dtype(dtype)), None, device, requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """The identity matrix (``n x m``).

    Example:
        >>> import ember
        >>> ember.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    return _finish(np.eye(n, m if m is not None else n, dtype=_float_dtype(dtype)), None, device, requires_grad)


def scalar_tensor(value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.asarray(value, dtype=_float_dtype(dtype)), None, device, requires_grad)


def _new_factory(fill_name):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        shape = _size_args(size)
        np_dtype = dtype.numpy_dtype if dtype is not None else self._array.dtype
        return _finish(getattr(np, fill_name)(shape, np_dtype), None, device, requires_grad)

    new.__name__ = "new_" + fill_name
    return new


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    np_dtype = dtype.numpy_dtype if dtype is not None else self._array.dtype
    return _finish(np.full(_size_args((size,) if isinstance(size, int) else (tuple(size),)), fill_value, np_dtype), None, device, requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    arr = _infer_array(data)
    np_dtype = dtype.numpy_dtype if dtype is not None else self._array.dtype
    return _finish(arr.astype(np_dtype), None, device, requires_grad)


Tensor.new_zeros = _new_factory("zeros")
Tensor.new_ones = _new_factory("ones")
Tensor.new_empty = _new_factory("empty")
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
