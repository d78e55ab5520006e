"""Small Tensor methods ordinary PyTorch code calls: queries, legacy constructors,
in-place resizing and element callbacks, split variants, and the complex helpers that
are identities (or simple functions) on ember's real dtypes.

Example:
    >>> import ember
    >>> x = ember.zeros(3, 3)
    >>> x.fill_diagonal_(1.0).sum_to_size(3).tolist()
    [1.0, 1.0, 1.0]
    >>> x.get_device(), x.is_conj(), x.real is x
    (-1, False, True)
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .._device import device_of_array
from .._tensor import Size, Tensor, _address, _legacy_type_name
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._pointwise import maybe_out
from ._util import as_float_array, bind_methods, normalize_dim, shape_str, xp_of
from .shape import _as_int, array_function_class, make_view, strided_view

__all__ = [
    "angle",
    "conj",
    "conj_physical",
    "imag",
    "is_conj",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "real",
    "resolve_conj",
    "resolve_neg",
    "split_with_sizes",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
]


def _require_tensor(value, op: str, arg: str, position: int = 1) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{op}(): argument '{arg}' (position {position}) must be Tensor, not {type(value).__name__}"
        )


# ------------------------------------------------------------------------ queries
def get_device(self: Tensor) -> int:
    """The CUDA ordinal of the tensor's device, or -1 for a CPU tensor.

    Example:
        >>> import ember
        >>> ember.ones(2).get_device()
        -1
    """
    dev = device_of_array(self._array)
    if dev.type == "cpu":
        return -1
    return dev.index if dev.index is not None else 0


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape.

    Example:
        >>> import ember
        >>> ember.ones(2, 3).is_same_size(ember.zeros(2, 3))
        True
    """
    _require_tensor(input, "is_same_size", "input", 0)
    _require_tensor(other, "is_same_size", "other")
    return input._array.shape == other._array.shape


def is_nonzero(input: Tensor) -> bool:
    """The truth value of a one-element tensor (errors for empty or larger ones).

    Example:
        >>> import ember
        >>> ember.is_nonzero(ember.tensor([0.5]))
        True
    """
    _require_tensor(input, "is_nonzero", "input")
    size = input._array.size
    if size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


# ----------------------------------------------------------------- size arguments
def _size_args(args, op: str, allow_empty: bool = False) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` or ``f(Size)`` as a tuple of ints, with torch's TypeError."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    elif not args and not allow_empty:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    sizes = []
    for a in args:
        if isinstance(a, (bool, np.bool_)) or not (
            isinstance(a, (int, np.integer)) or (isinstance(a, Tensor) and a._array.dtype.kind in "iu" and a._array.size == 1)
        ):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not {type(a).__name__}")
        sizes.append(operator.index(a))
    return tuple(sizes)


# --------------------------------------------------------------------- sum_to_size
def sum_to_size(self: Tensor, *size, **kwargs) -> Tensor:
    """Sum this tensor down to ``size``, which must broadcast (expand) to its shape.

    Example:
        >>> import ember
        >>> ember.ones(2, 3).sum_to_size(1, 3).tolist()
        [[2.0, 2.0, 2.0]]
    """
    if "size" in kwargs:
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"sum_to_size() got an unexpected keyword argument '{next(iter(kwargs))}'")
    size = _size_args(size, "sum_to_size")
    shape = self._array.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != d for s, d in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{shape_str(size)}}} is not expandable to size {{{shape_str(shape)}}}.")
    if size == shape:
        return self
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    out = self.sum(dim=dims, keepdim=True)
    return out.view(size) if lead else out


# ------------------------------------------------------------------- fill_diagonal_
def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all indices equal) with ``fill_value``, in place.

    With ``wrap=True`` a tall matrix gets the diagonal again every ``ncols + 1`` rows.
    Like torch, this writes through a strided view of the tensor's memory, so autograd
    records it as a view write (``CopySlices``) and the filled places get zero gradient.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).fill_diagonal_(5).tolist()
        [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]]
    """
    if not isinstance(wrap, (bool, np.bool_)):
        raise TypeError(f"fill_diagonal_(): argument 'wrap' must be bool, not {type(wrap).__name__}")
    if not isinstance(fill_value, (int, float, bool, np.number, np.bool_, Tensor)):
        raise TypeError(
            f"fill_diagonal_(): argument 'fill_value' (position 1) must be Number, not {type(fill_value).__name__}"
        )
    shape = self._array.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    is_int_value = isinstance(fill_value, (int, np.integer)) and not isinstance(fill_value, bool)
    if self._array.dtype.kind == "u" and is_int_value and -255 <= fill_value < 0:
        fill_value = int(fill_value) % 256  # torch wraps these into uint8 (ember's fill_ refuses them)
    height, width = shape[0], shape[1]
    size = min(height, width)
    strides = self.stride()
    step = sum(strides)
    offset = self.storage_offset()
    self.as_strided((size,), (step,), offset).fill_(fill_value)
    if wrap and len(shape) == 2 and height > width + 1:
        # torch continues the diagonal in memory order every width + 1 rows
        wrap_size = (self._array.size + width) // (width + 1) - size
        if wrap_size > 0:
            start = offset + strides[0] * (width + 1)
            self.as_strided((wrap_size,), (step,), start).fill_(fill_value)
    return self


# ------------------------------------------------------------------------ splitting
def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Cut ``input`` along ``dim`` into pieces of the listed sizes (views).

    Example:
        >>> import ember
        >>> [p.tolist() for p in ember.arange(5).split_with_sizes([2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    sizes = _split_sizes(split_sizes, "split_with_sizes")
    if input._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    from .joining import _split_with_sizes

    return _split_with_sizes(input, sizes, normalize_dim(_as_int(dim, "dim"), input._array.ndim))


def _split_sizes(split_sizes, op: str) -> tuple:
    if not isinstance(split_sizes, (tuple, list)):
        raise TypeError(f"{op}(): argument 'split_sizes' (position 1) must be tuple of ints, not {type(split_sizes).__name__}")
    return tuple(_as_int(s) for s in split_sizes)


def _unsafe_pieces(a, dim=0, sizes=()):
    """Basic slices of ``a``: pieces that share its memory."""
    lead = (slice(None),) * dim
    pieces = []
    start = 0
    for size in sizes:
        pieces.append(a[lead + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def _unsafe_forward(ctx, a, dim=0, sizes=()):
    ctx.dim = dim
    return _unsafe_pieces(a, dim, sizes)


def _unsafe_backward(ctx, *grads):
    from .joining import cat

    return cat(list(grads), ctx.dim)


# Outputs share memory with the input but are not views of it (no shared version
# counter, no view bookkeeping): that is what "unsafe" means in torch.
UnsafeSplit = array_function_class("UnsafeSplit", "UnsafeSplitBackward0", _unsafe_forward, _unsafe_backward)
UnsafeSplitWithSizes = array_function_class(
    "UnsafeSplitWithSizes", "UnsafeSplitWithSizesBackward0", _unsafe_forward, _unsafe_backward
)


def _check_sizes_sum(sizes: tuple, length: int, d: int) -> None:
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={shape_str(sizes)}"
        )
    if sum(sizes) != length:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size at "
            f"dimension {d}), but got split_sizes={shape_str(sizes)}"
        )


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """``split_with_sizes`` whose pieces are not tracked as views of ``input``.

    Example:
        >>> import ember
        >>> [p.shape[0] for p in ember.zeros(5).unsafe_split_with_sizes([1, 4])]
        [1, 4]
    """
    sizes = _split_sizes(split_sizes, "unsafe_split_with_sizes")
    if input._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(_as_int(dim, "dim"), input._array.ndim)
    _check_sizes_sum(sizes, input._array.shape[d], d)
    return UnsafeSplitWithSizes.apply(input, dim=d, sizes=sizes)


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split`` by an int size whose pieces are not tracked as views of ``input``.

    Example:
        >>> import ember
        >>> [p.tolist() for p in ember.arange(5).unsafe_split(2)]
        [[0, 1], [2, 3], [4]]
    """
    if isinstance(split_size, (tuple, list)):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position 2) must be int, not {type(split_size).__name__}")
    split_size = _as_int(split_size, "split_size")
    if input._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(_as_int(dim, "dim"), input._array.ndim)
    length = input._array.shape[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0 and length != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
    if split_size == 0:
        sizes = (0,)
    else:
        count = max((length + split_size - 1) // split_size, 1)
        sizes = tuple(min(split_size, length - i * split_size) for i in range(count))
    return UnsafeSplit.apply(input, dim=d, sizes=sizes)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk`` whose pieces are not tracked as views of ``input``.

    Example:
        >>> import ember
        >>> [p.shape[0] for p in ember.zeros(5).unsafe_chunk(3)]
        [2, 2, 1]
    """
    chunks = _as_int(chunks, "chunks")
    if input._array.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(_as_int(dim, "dim"), input._array.ndim)
    length = input._array.shape[d]
    split_size = (length + chunks - 1) // chunks
    if split_size == 0 and length == 0:
        return unsafe_split_with_sizes(input, [0] * chunks, d)
    return unsafe_split(input, split_size, d)


# ----------------------------------------------------------------- legacy new(...)
_C_TYPE_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def _options_str(d, dev) -> str:
    return (
        f"TensorOptions(dtype={_C_TYPE_NAMES.get(d._name, d._name)}, device={dev}, layout=Strided, "
        "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))"
    )


class Alias(Function):
    """The same data under a new Tensor (a view): ``x.new(x)``."""

    _array_forward = True
    _array_backward = True
    _backward_name = "AliasBackward0"

    @staticmethod
    def forward(ctx, a):
        return a[...]

    @staticmethod
    def backward(ctx, grad):
        return grad


def _alias(t: Tensor) -> Tensor:
    return make_view(Alias.apply(t), t, _alias)


_NEW_SIGNATURES = (
    " * (*, torch.device device = None)\n"
    " * (torch.Storage storage)\n"
    " * (Tensor other)\n"
    " * (tuple of ints size, *, torch.device device = None)\n"
    " * (object data, *, torch.device device = None)\n"
)


def new(self: Tensor, *args, **kwargs) -> Tensor:
    """The legacy constructor: a tensor of this tensor's dtype and device.

    ``x.new()`` is empty; ``x.new(2, 3)`` or ``x.new(Size)`` is uninitialized memory of
    that size; ``x.new(data)`` copies a sequence; ``x.new(tensor)`` aliases a tensor of
    the same dtype.

    Example:
        >>> import ember
        >>> ember.ones(1, dtype=ember.int32).new([2.7, 3]).tolist()
        [2, 3]
    """
    from .creation import empty, tensor

    dev = kwargs.pop("device", None)
    if "size" in kwargs:
        if args:
            raise TypeError("new() received an invalid combination of arguments: size given twice")
        args = (Size(_size_args((kwargs.pop("size"),), "new")),)
    if kwargs:
        given = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({given}), but expected one of:\n"
            + _NEW_SIGNATURES
        )
    d = self.dtype
    dev = dev if dev is not None else self.device

    def make_empty(sizes):
        bad = [s for s in sizes if s < 0]
        if bad:
            raise RuntimeError(f"Trying to create tensor with negative dimension {bad[0]}: {shape_str(sizes)}")
        return empty(sizes, dtype=d, device=dev)

    if not args:
        return make_empty((0,))
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype != d:
                raise TypeError(f"expected {_options_str(d, self.device)} (got {_options_str(data.dtype, data.device)})")
            return _alias(data)
        if isinstance(data, Size):
            return make_empty(tuple(data))
        if isinstance(data, (bool, np.bool_, float, np.floating, complex)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        if isinstance(data, (int, np.integer)):
            return make_empty((int(data),))
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        return tensor(data, dtype=d, device=dev)
    try:
        sizes = _size_args(args, "new")
    except TypeError:
        given = ", ".join("torch.Size" if isinstance(a, Size) else type(a).__name__ for a in args)
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({given}), but expected one of:\n"
            + _NEW_SIGNATURES
        ) from None
    return make_empty(sizes)


# -------------------------------------------------------------- resize_ / resize_as_
def _contiguous_strides(shape) -> tuple:
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _channels_last_strides(shape) -> tuple:
    """Strides with channels fastest, then the spatial dims from last to first, then N."""
    strides = [0] * len(shape)
    acc = 1
    for d in [1] + list(range(len(shape) - 1, 1, -1)) + [0]:
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


def _strides_for(shape, memory_format) -> tuple:
    name = str(memory_format) if memory_format is not None else "torch.contiguous_format"
    if name.endswith("channels_last"):
        if len(shape) != 4:
            raise RuntimeError("required rank 4 tensor to use channels_last format")
        return _channels_last_strides(shape)
    if name.endswith("channels_last_3d"):
        if len(shape) != 5:
            raise RuntimeError("required rank 5 tensor to use channels_last_3d format")
        return _channels_last_strides(shape)
    if name.endswith("preserve_format"):
        raise RuntimeError("Unsupported memory formatPreserve")
    return _contiguous_strides(shape)


def _reshape_storage(self: Tensor, shape: tuple, strides: tuple) -> None:
    """Point ``self`` at its storage with a new geometry, growing the storage if needed.

    The storage is the memory from the tensor's first element to the end of the
    array that owns it (as torch's storage from ``storage_offset``).  Growing
    allocates new memory holding the old bytes: other tensors that shared the old
    memory keep it (torch would resize the shared storage itself).
    """
    arr = self._array
    item = arr.dtype.itemsize
    numel = math.prod(shape)
    span = (1 + sum((n - 1) * s for n, s in zip(shape, strides))) if numel else 0
    if not isinstance(arr, np.ndarray):  # CuPy: keep the data in a new flat array
        xp = xp_of(arr)
        flat = xp.ravel(arr)
        if flat.size < span:
            flat = xp.concatenate([flat, xp.zeros(span - flat.size, arr.dtype)])
        self._array = strided_view(flat, shape, strides)
        return
    root = self._root_array()
    # the owner's memory in address order (a Fortran-ordered owner is its transpose)
    block = root if root.flags.c_contiguous else (root.T if root.flags.f_contiguous else None)
    if block is not None:
        start = _address(arr) - _address(root)
        if start + span * item <= root.nbytes:
            flat = block.reshape(-1).view(np.uint8)[start : start + span * item].view(arr.dtype)
            self._array = strided_view(flat, shape, strides)
            return
        storage = np.zeros(start + span * item, np.uint8)
        storage[: root.nbytes] = block.reshape(-1).view(np.uint8)
        first = storage[start : start + span * item].view(arr.dtype)
    else:  # memory we can't address as one block: keep the tensor's own elements
        first = np.zeros(span, arr.dtype)
        old = arr.reshape(-1)
        first[: min(span, old.size)] = old[:span]
    self._array = strided_view(first, shape, strides)


def _check_resizable(self: Tensor) -> None:
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give this tensor a new shape over its memory, in place (C-contiguous strides).

    Elements are read from memory in storage order, starting at the tensor's first
    element; growing past the end of the memory allocates more (new elements are
    zero). The same shape leaves the tensor untouched.

    Example:
        >>> import ember
        >>> ember.arange(6.0).resize_(2, 2).tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    shape = _size_args(sizes, "resize_")
    _check_resizable(self)
    if any(n < 0 for n in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    strides = _strides_for(shape, memory_format)
    if shape == self._array.shape and memory_format is None:
        return self
    if shape == self._array.shape and strides == self.stride():
        return self
    _reshape_storage(self, shape, strides)
    self._bump_version()
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """``resize_`` to the shape of ``the_template``.

    Example:
        >>> import ember
        >>> ember.arange(4.0).resize_as_(ember.zeros(2, 2)).shape
        torch.Size([2, 2])
    """
    _require_tensor(the_template, "resize_as_", "the_template")
    return resize_(self, tuple(the_template._array.shape), memory_format=memory_format)


# --------------------------------------------------------------- apply_ and map_
_INT_RANGES = {np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max) for t in (np.int8, np.int16, np.int32, np.int64)}


def _as_element(value, np_dtype):
    """A callback's return value as an element of ``np_dtype``, with torch's checks."""
    kind = np_dtype.kind
    if kind in "fV":
        if value is None or isinstance(value, (str, bytes, complex, np.complexfloating)):
            raise TypeError(f"must be real number, not {type(value).__name__}")
        return float(value)
    if isinstance(value, (float, np.floating)):
        if kind == "b":
            return bool(value)
        if not math.isfinite(value):
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
        number = int(value)
    else:
        number = operator.index(value)
    if kind == "b":
        return bool(number)
    if not -(2**63) <= number < 2**63:
        raise ValueError("Overflow when unpacking long long")
    if kind == "u":  # torch lets a uint8 wrap around from negatives as low as -255
        if not -255 <= number <= 255:
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
        return number % 256
    low, high = _INT_RANGES[np_dtype]
    if not low <= number <= high:
        raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
    return number


def _check_callback_target(self: Tensor, op: str) -> None:
    if self._requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")
    if not isinstance(self._array, np.ndarray):
        raise TypeError(f"{op} is only implemented on CPU tensors")


def _elements(arr) -> list:
    """Python numbers in row-major order (floats, ints or bools, as torch passes them)."""
    if arr.dtype.kind == "V":
        arr = arr.astype(np.float32)
    return arr.reshape(-1).tolist()


def _write_elements(self: Tensor, values: list) -> None:
    arr = self._array
    kind = arr.dtype.kind
    holder = np.float64 if kind in "fV" else (np.bool_ if kind == "b" else np.int64)
    result = np.array(values, dtype=holder).reshape(arr.shape)
    with np.errstate(over="ignore"):
        arr[...] = result.astype(arr.dtype)


def apply_(self: Tensor, callable) -> Tensor:
    """Replace every element by ``callable(element)``, in place (CPU tensors only; slow).

    Example:
        >>> import ember
        >>> ember.tensor([1, 2, 3]).apply_(lambda v: v * 10).tolist()
        [10, 20, 30]
    """
    _check_callback_target(self, "apply_")
    np_dtype = self._array.dtype
    values = [_as_element(callable(v), np_dtype) for v in _elements(self._array)]
    _write_elements(self, values)
    return self


def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """Replace every element by ``callable(element, other_element)``, in place.

    ``tensor`` must have this tensor's dtype and broadcast to its shape.

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 2.0]).map_(ember.tensor([10.0, 20.0]), lambda a, b: a + b).tolist()
        [11.0, 22.0]
    """
    _require_tensor(tensor, "map_", "other")
    _check_callback_target(self, "map_")
    if tensor._requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
    if tensor._array.dtype != self._array.dtype:
        raise TypeError(
            f"map_: expected {_legacy_type_name(self.dtype)} for 'other' (got {_legacy_type_name(tensor.dtype)})"
        )
    other = tensor.detach().expand(self._array.shape)
    np_dtype = self._array.dtype
    values = [
        _as_element(callable(a, b), np_dtype)
        for a, b in zip(_elements(self._array), _elements(np.asarray(other._array)))
    ]
    _write_elements(self, values)
    return self


# -------------------------------------------------------------- complex helpers
def _real_property(self: Tensor) -> Tensor:
    return self


def _set_real(self: Tensor, value) -> None:
    self.copy_(value)


def _imag_error(input: Tensor):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _set_imag(self: Tensor, value) -> None:
    _imag_error(self)


def real(input: Tensor) -> Tensor:
    """The real part: the tensor itself for ember's real dtypes.

    Example:
        >>> import ember
        >>> x = ember.ones(2); ember.real(x) is x
        True
    """
    _require_tensor(input, "real", "input")
    return input


def imag(input: Tensor) -> Tensor:
    """The imaginary part; ember has no complex dtypes, so this is torch's error.

    Example:
        >>> import ember
        >>> try:
        ...     ember.imag(ember.ones(2))
        ... except RuntimeError as e:
        ...     print(e)
        imag is not implemented for tensors with non-complex dtypes.
    """
    _require_tensor(input, "imag", "input")
    _imag_error(input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: the tensor itself for real dtypes.

    Example:
        >>> import ember
        >>> x = ember.ones(2); ember.conj(x) is x
        True
    """
    _require_tensor(input, "conj", "input")
    return input


def conj_physical(input: Tensor) -> Tensor:
    """The conjugate, materialized: the tensor itself for real dtypes (as torch).

    Example:
        >>> import ember
        >>> ember.conj_physical(ember.tensor([1.0, -2.0])).tolist()
        [1.0, -2.0]
    """
    _require_tensor(input, "conj_physical", "input")
    return input


def _conj_physical_(self: Tensor) -> Tensor:
    self._check_inplace_allowed()
    return self


def resolve_conj(input: Tensor) -> Tensor:
    """Materialize a lazy conjugation; real tensors are returned as they are.

    Example:
        >>> import ember
        >>> x = ember.ones(2); ember.resolve_conj(x) is x
        True
    """
    _require_tensor(input, "resolve_conj", "input")
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """Materialize a lazy negation; ember never has one, so this returns ``input``.

    Example:
        >>> import ember
        >>> x = ember.ones(2); ember.resolve_neg(x) is x
        True
    """
    _require_tensor(input, "resolve_neg", "input")
    return input


def is_conj(input: Tensor) -> bool:
    """Whether the conjugate bit is set: always False in ember.

    Example:
        >>> import ember
        >>> ember.ones(2).is_conj()
        False
    """
    _require_tensor(input, "is_conj", "input")
    return False


def is_neg(input: Tensor) -> bool:
    """Whether the negative bit is set: always False in ember.

    Example:
        >>> import ember
        >>> ember.ones(2).is_neg()
        False
    """
    _require_tensor(input, "is_neg", "input")
    return False


class Angle(Function):
    """The argument of a real number: pi for negatives, 0 otherwise, NaN stays NaN."""

    _array_forward = True
    _backward_name = "AngleBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        a = as_float_array(a)
        out = xp.where(a < 0, a.dtype.type(math.pi), a.dtype.type(0))
        return xp.asarray(xp.where(xp.isnan(a), a, out))

    @staticmethod
    def backward(ctx, grad):
        return grad * 0  # the angle of a real number is piecewise constant


def angle(input: Tensor, *, out=None) -> Tensor:
    """The element-wise angle (argument): pi for negative numbers, 0 for the rest.

    Example:
        >>> import ember
        >>> ember.angle(ember.tensor([-1.0, 2.0])).tolist()
        [3.1415927410125732, 0.0]
    """
    _require_tensor(input, "angle", "input")
    if out is not None and input._requires_grad and STATE.enabled:
        raise RuntimeError(
            "angle(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    return maybe_out(Angle.apply(input), out)


bind_methods(
    get_device=get_device,
    is_same_size=is_same_size,
    is_nonzero=is_nonzero,
    sum_to_size=sum_to_size,
    fill_diagonal_=fill_diagonal_,
    split_with_sizes=split_with_sizes,
    unsafe_split=unsafe_split,
    unsafe_split_with_sizes=unsafe_split_with_sizes,
    unsafe_chunk=unsafe_chunk,
    new=new,
    resize_=resize_,
    resize_as_=resize_as_,
    apply_=apply_,
    map_=map_,
    real=property(_real_property, _set_real),
    imag=property(_imag_error, _set_imag),
    conj=conj,
    conj_physical=conj_physical,
    conj_physical_=_conj_physical_,
    resolve_conj=resolve_conj,
    resolve_neg=resolve_neg,
    is_conj=is_conj,
    is_neg=is_neg,
    angle=angle,
)
