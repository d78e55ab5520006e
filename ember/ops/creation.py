"""Tensor factories: tensor, zeros, ones, full, arange, ... with torch's dtype inference.

``tensor(data)`` infers the dtype as torch does: Python floats give the default dtype,
ints int64, bools bool; NumPy arrays and scalars and 0-d tensors keep their own dtype,
and mixed leaves combine by torch's promotion table.  ``from_numpy``, ``as_tensor``
and ``asarray`` share memory with a NumPy array when they can.

Example:
    >>> import ember
    >>> ember.tensor([1, 2]).dtype, ember.tensor([1.0]).dtype, ember.arange(3.0).dtype
    (torch.int64, torch.float32, torch.float32)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .. import _memory_format as _mf
from .._device import device as _device_cls
from .._device import get_array_module
from .._tensor import Tensor

__all__ = [
    "arange",
    "as_tensor",
    "asarray",
    "empty",
    "empty_like",
    "empty_strided",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "ones",
    "ones_like",
    "range",
    "scalar_tensor",
    "tensor",
    "zeros",
    "zeros_like",
]

_builtin_range = range
_NO_GRAD_MESSAGE = "Only Tensors of floating point and complex dtype can require gradients"
_SUPPORTED = "float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool"


def _finish(arr, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Cast/move a NumPy array as asked and wrap it (the factories' last step)."""
    if dtype is not None and arr.dtype != dtype.numpy_dtype:
        arr = arr.astype(dtype.numpy_dtype)
    if device is not None:
        dev = _device_cls(device)
        if dev.type != "cpu":
            arr = get_array_module(dev).asarray(arr)
    t = Tensor._from_array(arr)
    if requires_grad:
        if arr.dtype.kind not in "fV":
            raise RuntimeError(_NO_GRAD_MESSAGE)
        t._requires_grad = True
    return t


def _complex_error() -> TypeError:
    return TypeError("ember has no complex dtypes: complex numbers and complex arrays are not supported")


# ------------------------------------------------------------- NumPy arrays
def _check_numpy_array(arr: np.ndarray, shares_memory: bool) -> _dtype.dtype:
    """The ember dtype of ``arr``; raises torch's errors for arrays it can't take."""
    if arr.dtype.kind == "c":
        raise _complex_error()
    if not arr.dtype.isnative and arr.dtype.itemsize > 1:
        raise ValueError(
            "given numpy array has byte order different from the native byte order. Conversion "
            "between byte orders is currently not supported."
        )
    if any(s < 0 for s in arr.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().) "
        )
    try:
        return _dtype.from_numpy_dtype(arr.dtype)
    except TypeError:
        widened = _dtype._WIDENED_NP.get(arr.dtype)
        if widened is not None and not shares_memory:
            return widened
        raise TypeError(
            f"can't convert np.ndarray of type {_numpy_type_name(arr.dtype)}. The only supported types "
            f"are: {_SUPPORTED}."
        ) from None


def _numpy_type_name(np_dtype) -> str:
    return f"numpy.{np_dtype.type.__name__}"


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (writes show in both).

    Example:
        >>> import numpy as np, ember
        >>> a = np.zeros(2, np.float32); t = ember.from_numpy(a); a[0] = 7; t
        tensor([7., 0.])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_numpy_array(ndarray, shares_memory=True)
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
            "This means writing to this tensor will result in undefined behavior. You may want to copy "
            "the array to protect its data or make it writable before converting it to a tensor.",
            UserWarning,
            stacklevel=2,
        )
    return Tensor._from_array(ndarray)


# ------------------------------------------------------------ tensor(data)
_PY_SCALARS = (bool, int, float)


def _leaf_dtype(x) -> _dtype.dtype:
    """The dtype torch infers for one leaf of nested data."""
    if isinstance(x, np.generic):  # before float: np.float64 is a float subclass
        if isinstance(x, np.complexfloating):
            raise _complex_error()
        return _check_numpy_array(np.asarray(x), shares_memory=False)
    if isinstance(x, bool):
        return _dtype.bool
    if isinstance(x, int):
        return _dtype.int64
    if isinstance(x, float):
        return _dtype.get_default_dtype()
    if isinstance(x, Tensor):
        if x._array.ndim != 0:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x.dtype
    if isinstance(x, np.ndarray):
        return _check_numpy_array(x, shares_memory=False)
    if isinstance(x, complex):
        raise _complex_error()
    if isinstance(x, str):
        raise ValueError(f"too many dimensions '{type(x).__name__}'")  # noqa: TRY004 - torch's type
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, _builtin_range))


def _scan(data):
    """(shape, dtype, holds_tensors) of nested data; raises torch's errors for ragged nesting."""
    shape = []
    probe = data
    while _is_sequence(probe):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    found = None
    holds_tensors = False
    stack = [(data, 0)]
    while stack:
        seq, dim = stack.pop()
        if dim < len(shape):
            if not _is_sequence(seq) and not (isinstance(seq, np.ndarray) and seq.ndim):
                raise TypeError("not a sequence")
            if len(seq) != shape[dim]:
                raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(seq)})")
            kinds = set(map(type, seq))
            if dim + 1 == len(shape) and kinds <= {float, int, bool}:
                if kinds:  # a run of Python numbers: decided without visiting each
                    leaf = _dtype.get_default_dtype() if float in kinds else _dtype.int64 if int in kinds else _dtype.bool
                    found = leaf if found is None else _dtype.promote_types(found, leaf)
                continue
            stack.extend((item, dim + 1) for item in seq)
        else:
            if _is_sequence(seq):
                raise TypeError(f"'{type(seq).__name__}' object cannot be interpreted as a number")
            holds_tensors = holds_tensors or isinstance(seq, Tensor)
            leaf = _leaf_dtype(seq)
            found = leaf if found is None else _dtype.promote_types(found, leaf)
    return tuple(shape), found, holds_tensors


def _unwrap(data):
    if _is_sequence(data):
        return [_unwrap(x) for x in data]
    if isinstance(data, Tensor):
        return data.__array__()
    return data


def _infer_array(data, dtype=None) -> np.ndarray:
    """A new NumPy array for ``data`` with torch's inferred (or the given) dtype."""
    if isinstance(data, Tensor):
        arr = np.array(data.__array__())
        return arr if dtype is None else arr.astype(dtype.numpy_dtype)
    if isinstance(data, np.ndarray):
        inferred = _check_numpy_array(data, shares_memory=False)
        return np.array(data, dtype=(dtype or inferred).numpy_dtype)
    if not _is_sequence(data):
        return _array_of(data, dtype or _leaf_dtype(data))
    _, inferred, holds_tensors = _scan(data)
    if holds_tensors:
        data = _unwrap(data)
    return _array_of(data, dtype or inferred or _dtype.get_default_dtype())


def _array_of(data, dt: _dtype.dtype) -> np.ndarray:
    try:
        if dt is _dtype.bfloat16:
            return np.array(np.array(data, dtype=np.float64), dtype=dt.numpy_dtype)
        return np.array(data, dtype=dt.numpy_dtype)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, 0-d tensors).

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        tensor([[1., 2.],
                [3., 4.]], requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    return _finish(_infer_array(data, dtype), None, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with Tensors and NumPy arrays when it can.

    Example:
        >>> import numpy as np, ember
        >>> a = np.ones(2); t = ember.as_tensor(a); a[0] = 5; t
        tensor([5., 1.], dtype=torch.float64)
    """
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray):
        inferred = _check_numpy_array(data, shares_memory=dtype is None)
        if dtype is None or dtype is inferred:
            return _finish(data, None, device)
        return _finish(np.array(data, dtype=dtype.numpy_dtype), None, device)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool = False) -> Tensor:
    """Convert ``obj`` (tensor, NumPy array, DLPack object, scalar or sequence) to a tensor.

    Shares memory when possible; ``copy=True`` always copies and ``copy=False`` raises
    instead of copying.

    Example:
        >>> import numpy as np, ember
        >>> a = np.zeros(3, np.float32); ember.asarray(a).data_ptr() == a.ctypes.data
        True
    """
    if isinstance(obj, Tensor):
        out = obj
        if dtype is not None and dtype is not obj.dtype:
            if copy is False:
                raise ValueError(f"can't alias tensor with dtype '{_legacy_name(obj.dtype)}' into dtype '{_legacy_name(dtype)}'.")
            out = obj.to(dtype)
        if device is not None:
            out = out.to(device)
        if copy and out is obj:
            out = Tensor._from_array(obj._array.copy())
        if requires_grad:
            out.requires_grad_(True)
        return out
    if not isinstance(obj, np.ndarray) and hasattr(obj, "__dlpack__") and not _is_sequence(obj):
        from .dlpack import from_dlpack

        return asarray(from_dlpack(obj), dtype=dtype, device=device, copy=copy, requires_grad=requires_grad)
    if isinstance(obj, np.ndarray):
        inferred = _check_numpy_array(obj, shares_memory=not copy)
        target = dtype or inferred
        if target is not inferred and copy is False:
            raise ValueError(
                f"can't alias tensor with dtype '{_legacy_name(inferred)}' into dtype '{_legacy_name(target)}'."
            )
        arr = obj if target is inferred and not copy else np.array(obj, dtype=target.numpy_dtype)
        return _finish(arr, None, device, requires_grad)
    if copy is False:
        raise ValueError(f"can't alias {type(obj).__name__} into a tensor without copying")
    return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)


def _legacy_name(d) -> str:
    from .indexing import _type_letter

    return _type_letter(d.numpy_dtype)


# --------------------------------------------------------------- sizes
def _size_args(size, op: str = "zeros") -> tuple:
    """``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or ``(Size,)`` as a tuple of ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s._array.ndim == 0 and s._array.dtype.kind in "iu":
            s = int(s.item())
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}")
        out.append(int(s))
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _float_dtype(dtype):
    return (dtype or _dtype.get_default_dtype()).numpy_dtype


def _write_out(out: Tensor, result: Tensor, dtype) -> Tensor:
    if dtype is not None and out.dtype is not dtype:
        raise RuntimeError(
            f"dtype {_legacy_name(dtype)} does not match dtype of out parameter ({_legacy_name(out.dtype)})"
        )
    from .inplace import copy_into_out

    return copy_into_out(out, result)


def _fill_factory(name: str, fill):
    def factory(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, memory_format=None):
        shape = _size_args(size, name)
        if dtype is None and out is not None:
            dtype = out.dtype
        arr = fill(shape, _float_dtype(dtype))
        if memory_format is not None:
            arr = _array_in_format(arr, memory_format)
        result = _finish(arr, None, device, requires_grad)
        if out is not None:
            return _write_out(out, result, dtype)
        return result

    return factory


def _with_size_keyword(factory, name: str, doc: str):
    """Allow ``zeros(size=(2, 3))`` besides ``zeros(2, 3)``."""

    def wrapper(*size, **kwargs):
        if "size" in kwargs:
            if size:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            size = (kwargs.pop("size"),)
        if not size:
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        return factory(*size, **kwargs)

    wrapper.__name__ = name
    wrapper.__qualname__ = name
    wrapper.__doc__ = doc
    return wrapper


zeros = _with_size_keyword(
    _fill_factory("zeros", np.zeros),
    "zeros",
    """A tensor filled with 0 (default float dtype).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).shape
        torch.Size([2, 3])
    """,
)
ones = _with_size_keyword(
    _fill_factory("ones", np.ones),
    "ones",
    """A tensor filled with 1 (default float dtype).

    Example:
        >>> import ember
        >>> ember.ones(2)
        tensor([1., 1.])
    """,
)
empty = _with_size_keyword(
    _fill_factory("empty", np.empty),
    "empty",
    """An uninitialized tensor of the given size.

    Example:
        >>> import ember
        >>> ember.empty(2, 3).shape
        torch.Size([2, 3])
    """,
)


def _fill_value(value):
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._array.ndim} dimensions."
            )
        return value.item()
    if isinstance(value, complex):
        raise _complex_error()
    return value


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (2 -> int64).

    Example:
        >>> import ember
        >>> ember.full((2,), 7).dtype
        torch.int64
    """
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    shape = _size_args((tuple(size),), "full")
    fill_value = _fill_value(fill_value)
    if dtype is None:
        dtype = out.dtype if out is not None else _dtype._scalar_dtype(fill_value)
    result = _finish(np.full(shape, fill_value, dtype=dtype.numpy_dtype), None, device, requires_grad)
    if out is not None:
        return _write_out(out, result, dtype)
    return result


def _array_in_format(arr, memory_format):
    """``arr`` (row-major) laid out in an explicit memory format (for ``empty``)."""
    fmt = _mf.check_format_type(memory_format, "empty")
    if fmt is _mf.preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    return _mf.copy_array(arr, fmt)


def _like_array(input, memory_format, np_dtype, make, op: str):
    """``make(shape, dtype)`` (a row-major array) laid out like ``input`` in
    ``memory_format`` (preserve_format by default, as torch's ``*_like``)."""
    fmt = _mf.check_format_type(memory_format, op, allow_none=True)
    src = input._array
    if fmt is _mf.contiguous_format or (
        fmt is _mf.preserve_format and src.flags.c_contiguous and 1 not in src.shape
    ):
        return make(src.shape, np_dtype)  # the common case, without stride analysis
    out = _mf.new_array_like(src, fmt, np_dtype, xp=np)
    if make is not np.empty:
        out[...] = make(src.shape, np_dtype)
    return out


def _like_factory(name: str, fill):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        np_dtype = dtype.numpy_dtype if dtype is not None else input._array.dtype
        dev = device if device is not None else (None if input.device.type == "cpu" else input.device)
        return _finish(_like_array(input, memory_format, np_dtype, fill, name), None, dev, requires_grad)

    like.__name__ = like.__qualname__ = name
    return like


zeros_like = _like_factory("zeros_like", np.zeros)
zeros_like.__doc__ = """Zeros with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import ember
        >>> ember.zeros_like(ember.ones(2, dtype=ember.int32))
        tensor([0, 0], dtype=torch.int32)
    """
ones_like = _like_factory("ones_like", np.ones)
ones_like.__doc__ = """Ones with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import ember
        >>> ember.ones_like(ember.zeros(2))
        tensor([1., 1.])
    """
empty_like = _like_factory("empty_like", np.empty)
empty_like.__doc__ = """An uninitialized tensor with the shape (and by default dtype) of ``input``.

    Example:
        >>> import ember
        >>> ember.empty_like(ember.zeros(2, 3)).shape
        torch.Size([2, 3])
    """


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """A tensor shaped like ``input`` filled with ``fill_value`` (dtype of ``input`` by default).

    Example:
        >>> import ember
        >>> ember.full_like(ember.zeros(2, dtype=ember.int64), 2.7)
        tensor([2, 2])
    """
    np_dtype = dtype.numpy_dtype if dtype is not None else input._array.dtype
    value = _fill_value(fill_value)
    dev = device if device is not None else (None if input.device.type == "cpu" else input.device)
    arr = _like_array(input, memory_format, np_dtype, lambda shape, dt: np.full(shape, value, dtype=dt), "full_like")
    return _finish(arr, None, dev, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """An uninitialized tensor with the given size and strides (in elements).

    Example:
        >>> import ember
        >>> ember.empty_strided((2, 3), (1, 2)).stride()
        (1, 2)
    """
    shape = _size_args((tuple(size),), "empty_strided")
    strides = tuple(int(s) for s in stride)
    if len(strides) != len(shape):
        raise RuntimeError(
            f"mismatch in length of strides and shape: stride has {len(strides)} elements, shape has {len(shape)}"
        )
    np_dtype = np.dtype(_float_dtype(dtype))
    storage = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    buffer = np.empty(storage, np_dtype)
    arr = np.lib.stride_tricks.as_strided(
        buffer, shape, tuple(s * np_dtype.itemsize for s in strides), writeable=True
    )
    return _finish(arr, None, device, requires_grad)


# ------------------------------------------------------------------ ranges
def _number(x):
    if isinstance(x, Tensor):
        return x.item()
    if isinstance(x, np.generic):
        return x.item()
    return x


def _is_float_arg(x) -> bool:
    if isinstance(x, Tensor):
        return x.is_floating_point()
    return isinstance(x, (float, np.floating))


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    The length is ``ceil((end - start) / step)`` computed in double, as torch does;
    element ``i`` is ``start + i * step`` computed in double and then cast.  For int64
    the arguments are truncated to integers first (torch's rule).

    Example:
        >>> import ember
        >>> ember.arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
    """
    is_float = any(_is_float_arg(v) for v in (start, end, step))
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = out.dtype if out is not None else (_dtype.get_default_dtype() if is_float else _dtype.int64)
    if dtype is _dtype.bool:
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if dtype is _dtype.int64:  # torch truncates the arguments to int64 first
        start, end, step = int(start), int(end), int(step)
    _check_arange_step(start, end, step)
    if dtype.is_floating_point:
        count = max(0, math.ceil((end - start) / step))
        values = start + np.arange(count, dtype=np.float64) * step
    elif dtype is _dtype.int64:
        values = start + np.arange(max(0, -((start - end) // step)), dtype=np.int64) * step
    else:  # smaller integer types: the length from the real arguments, then int steps
        count = max(0, math.ceil((end - start) / step))
        values = int(start) + np.arange(count, dtype=np.int64) * int(step)
    result = _finish(values.astype(dtype.numpy_dtype), None, device, requires_grad)
    if out is not None:
        return _write_out(out, result, dtype)
    return result


def _check_arange_step(start, end, step) -> None:
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end > start and step < 0) or (end < start and step > 0):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated torch.range: like ``arange`` but includes ``end`` (default float dtype).

    Example:
        >>> import ember, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     ember.range(0, 2)
        tensor([0., 1., 2.])
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
        "[start, end).",
        UserWarning,
        stacklevel=2,
    )
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    count = math.floor((end - start) / step) + 1
    dtype = dtype or _dtype.get_default_dtype()
    values = start + np.arange(max(count, 0), dtype=np.float64) * step
    result = _finish(values.astype(dtype.numpy_dtype), None, device, requires_grad)
    return _write_out(out, result, dtype) if out is not None else result


def _check_steps(steps) -> int:
    steps = _number(steps)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import ember
        >>> ember.linspace(0, 1, 3)
        tensor([0.0000, 0.5000, 1.0000])
    """
    n = _check_steps(steps)
    dtype = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
    values = np.linspace(float(_number(start)), float(_number(end)), n, dtype=np.float64)
    result = _finish(values.astype(dtype.numpy_dtype), None, device, requires_grad)
    return _write_out(out, result, dtype) if out is not None else result


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    Example:
        >>> import ember
        >>> ember.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    n = _check_steps(steps)
    dtype = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
    exponents = np.linspace(float(_number(start)), float(_number(end)), n, dtype=np.float64)
    values = np.power(float(base), exponents)
    result = _finish(values.astype(dtype.numpy_dtype), None, device, requires_grad)
    return _write_out(out, result, dtype) if out is not None else result


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """The identity matrix (``n x m``).

    Example:
        >>> import ember
        >>> ember.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    for name, value in (("n", n), ("m", m)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
            raise TypeError(f"eye(): argument '{name}' (position 1) must be int, not {type(value).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dtype = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
    result = _finish(np.eye(n, m if m is not None else n, dtype=dtype.numpy_dtype), None, device, requires_grad)
    return _write_out(out, result, dtype) if out is not None else result


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A 0-d tensor holding ``s`` (default float dtype unless ``dtype`` is given).

    Example:
        >>> import ember
        >>> ember.scalar_tensor(3)
        tensor(3.)
    """
    return _finish(np.asarray(_number(s), dtype=_float_dtype(dtype)), None, device, requires_grad)


# ------------------------------------------------------------- new_* methods
def _own_device(self):
    return None if self.device.type == "cpu" else self.device


def _new_fill(name: str, fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, **kwargs):
        if "size" in kwargs:
            size = (kwargs.pop("size"),)
        if kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kwargs))!r}")
        shape = _size_args(size, name)
        np_dtype = dtype.numpy_dtype if dtype is not None else self._array.dtype
        dev = device if device is not None else _own_device(self)
        return _finish(fill(shape, np_dtype), None, dev, requires_grad)

    new.__name__ = new.__qualname__ = name
    new.__doc__ = f"A new tensor of the given size, with this tensor's dtype and device by default ({name[4:]})."
    return new


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype by default."""
    np_dtype = dtype.numpy_dtype if dtype is not None else self._array.dtype
    shape = _size_args((size,) if isinstance(size, int) else (tuple(size),), "new_full")
    dev = device if device is not None else _own_device(self)
    return _finish(np.full(shape, _fill_value(fill_value), np_dtype), None, dev, requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A copy of ``data`` as a tensor with this tensor's dtype (and device) by default."""
    target = dtype or self.dtype
    arr = _infer_array(data)
    dev = device if device is not None else _own_device(self)
    return _finish(arr.astype(target.numpy_dtype), None, dev, requires_grad)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


# ----------------------------------------------------------- fill_ / zero_
def _fill_forward_array(a, value):
    out = np.empty_like(a) if isinstance(a, np.ndarray) else a.copy()
    out[...] = value
    return out


def _make_fill_functions():
    from ..autograd.function import Function

    class Fill(Function):
        _array_forward = True
        _backward_name = "FillBackward2"

        @staticmethod
        def forward(ctx, a, value=0):
            return _fill_forward_array(a, value)

        @staticmethod
        def backward(ctx, grad):
            return zeros_like(grad), None

    class FillTensor(Function):
        _array_forward = True
        _backward_name = "FillBackward3"

        @staticmethod
        def forward(ctx, a, value):
            return _fill_forward_array(a, value)

        @staticmethod
        def backward(ctx, grad):
            grad_value = grad.sum() if ctx.needs_input_grad[1] else None
            return zeros_like(grad), grad_value

    class Zero(Function):
        _array_forward = True
        _backward_name = "ZeroBackward0"

        @staticmethod
        def forward(ctx, a):
            return _fill_forward_array(a, 0)

        @staticmethod
        def backward(ctx, grad):
            return zeros_like(grad)

    return Fill, FillTensor, Zero


Fill, FillTensor, Zero = _make_fill_functions()


def _tracked(self: Tensor, *others) -> bool:
    from ..autograd.grad_mode import STATE

    return STATE.enabled and (self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))


def fill_(self: Tensor, value) -> Tensor:
    """Fill this tensor with ``value`` (a number or a 0-d tensor), in place.

    Example:
        >>> import ember
        >>> ember.zeros(2, dtype=ember.int64).fill_(2.7)
        tensor([2, 2])
    """
    from .inplace import apply_inplace

    self._check_inplace_allowed()
    scalar = _fill_value(value)
    if not _tracked(self, value):
        _write_in_place(self, scalar)
        return self
    if isinstance(value, Tensor):
        return apply_inplace(self, FillTensor.apply(self, value), "fill_")
    return apply_inplace(self, Fill.apply(self, scalar), "fill_")


def zero_(self: Tensor) -> Tensor:
    """Fill this tensor with zeros, in place.

    Example:
        >>> import ember
        >>> ember.ones(2).zero_()
        tensor([0., 0.])
    """
    from .inplace import apply_inplace

    self._check_inplace_allowed()
    if not _tracked(self):
        _write_in_place(self, 0)
        return self
    return apply_inplace(self, Zero.apply(self), "zero_")


def _write_in_place(self: Tensor, value) -> None:
    """Write into the tensor's memory without recording a graph (bumps the version)."""
    try:
        self._array[...] = value
    except ValueError as exc:
        if "read-only" in str(exc):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location. Please clone() the tensor before performing the operation."
            ) from None
        raise
    except OverflowError:
        kind, bits = self._array.dtype.kind, self._array.dtype.itemsize * 8
        if kind == "u" and isinstance(value, int) and -(2**bits) < value < 0:
            # torch wraps negative fills of unsigned types (uint8: -1 -> 255, -255 -> 1)
            self._array[...] = value + 2**bits
        else:
            raise RuntimeError(
                f"value cannot be converted to type {_C_TYPE_NAMES.get(self._array.dtype.name, self._array.dtype.name)} "
                "without overflow"
            ) from None
    self._bump_version()


# torch's overflow messages name the C++ scalar type
_C_TYPE_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}


Tensor.new_zeros = _new_fill("new_zeros", np.zeros)
Tensor.new_ones = _new_fill("new_ones", np.ones)
Tensor.new_empty = _new_fill("new_empty", np.empty)
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
Tensor.new_empty_strided = _new_empty_strided
Tensor.fill_ = fill_
Tensor.zero_ = zero_
