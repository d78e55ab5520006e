"""Indexing: ``x[key]`` and ``x[key] = value``, with torch's view and gradient rules.

A key is read in two steps, as torch does.  The *basic* part (ints, slices, None,
Ellipsis) selects a view that shares memory; the *advanced* part (integer arrays,
boolean masks) then gathers a copy from that view.  Integers are applied first, so
``x[0, :, [0, 1]]`` has shape ``(x.shape[1], 2)`` (NumPy would give ``(2, x.shape[1])``),
and the advanced dims land where NumPy puts them among the remaining dims: in place
when the index arrays are adjacent, first otherwise.  The backward of an advanced
index accumulates repeated indices (``x[[0, 0]].sum()`` gives 2 at position 0).

Example:
    >>> import ember
    >>> x = ember.arange(6.0).reshape(2, 3)
    >>> x[:, 1], x[x > 3]
    (tensor([1., 4.]), tensor([4., 5.]))
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._pointwise import _TYPE_NAMES, maybe_out
from ._util import bind_methods, shape_str, xp_of
from .inplace import apply_inplace
from .shape import make_view

__all__ = [
    "argwhere",
    "getitem",
    "index_put",
    "masked_fill",
    "masked_scatter",
    "masked_select",
    "nonzero",
    "put",
    "setitem",
    "take",
]


# ------------------------------------------------------------------ reading keys
class _NewAxisIndex:
    """A Python bool in a key: a new dim of size 1 indexed by ``[0]`` (True) or ``[]``."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value


def _sequence_is_tuple(seq: list) -> bool:
    """torch (like NumPy before 1.23) reads a short list holding slices, None,
    Ellipsis, tensors or sequences as a tuple of indices, not as one index array."""
    if len(seq) >= 32:
        return False
    for item in seq:
        if item is None or item is Ellipsis or isinstance(item, (slice, Tensor, np.ndarray, list, tuple)):
            return True
    return False


def _index_array(k):
    """``k`` as an index: int, slice, None, Ellipsis, _NewAxisIndex or an ndarray."""
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, slice):
        if k.step is not None:
            step = operator.index(k.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
        return k
    if isinstance(k, (bool, np.bool_)):
        return _NewAxisIndex(bool(k))
    if isinstance(k, int):
        return k
    if isinstance(k, Tensor):
        arr = k._array
    elif isinstance(k, np.ndarray):
        arr = k
    elif isinstance(k, (list, range)):
        arr = np.asarray(k)
        if arr.size == 0:
            arr = arr.astype(np.int64)
    elif isinstance(k, np.integer):
        return int(k)
    elif isinstance(k, str) or not hasattr(k, "__index__"):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(k).__name__})"
        )
    else:
        return operator.index(k)
    kind = arr.dtype.kind
    if kind == "b":
        return _NewAxisIndex(bool(arr)) if arr.ndim == 0 else arr
    if arr.dtype == np.uint8:
        warnings.warn(
            "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
            UserWarning,
            stacklevel=4,
        )
        return arr.astype(np.bool_) if arr.ndim else _NewAxisIndex(bool(arr))
    if kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.ndim == 0:  # a 0-d integer tensor indexes like a Python int
        return int(arr)
    return arr


def _out_of_bounds(index: int, dim: int, size: int) -> IndexError:
    return IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")


def _check_array_bounds(arr, size: int, dim: int, error=_out_of_bounds) -> None:
    """Raise ``error(first bad index, dim, size)`` if any entry of ``arr`` is out of range."""
    if arr.size == 0:
        return
    bad = (arr >= size) | (arr < -size)
    if bad.any():
        first = int(arr[bad].ravel()[0])
        raise error(first, dim, size)


class ParsedKey:
    """A key split into a basic NumPy key (giving a view) and an advanced one.

    ``basic`` applied to the array gives the view; ``advanced`` (a tuple of slices and
    int arrays, or None) applied to that view gives the result.  ``view_name`` is the
    torch grad_fn name of the basic part.
    """

    __slots__ = ("advanced", "basic", "view_name")

    def __init__(self, basic, advanced, view_name):
        self.basic = basic
        self.advanced = advanced
        self.view_name = view_name


def parse_key(shape: tuple, key) -> ParsedKey:
    """Check ``key`` against ``shape`` and split it (see ParsedKey)."""
    bare_slice = isinstance(key, slice)
    if isinstance(key, tuple):
        items = key
    elif isinstance(key, list) and _sequence_is_tuple(key):
        items = tuple(key)
    else:
        items = (key,)
    items = [_index_array(k) for k in items]
    ndim = len(shape)
    consumed = 0
    for k in items:
        if isinstance(k, (int, slice)):
            consumed += 1
        elif isinstance(k, np.ndarray):
            consumed += k.ndim if k.dtype == np.bool_ else 1
    if consumed > ndim:
        if ndim == 0 and any(isinstance(k, int) for k in items) and consumed == 1 and len(items) == 1:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic = []
    advanced = []  # (view dim, int array)
    in_dim = out_dim = 0
    view_name = "AliasBackward0"
    ellipsis_seen = False
    full = slice(None)
    for k in items:
        if k is Ellipsis:
            n = 0 if ellipsis_seen else ndim - consumed
            ellipsis_seen = True
            basic.extend([full] * n)
            in_dim += n
            out_dim += n
        elif k is None:
            basic.append(None)
            out_dim += 1
            view_name = "UnsqueezeBackward0"
        elif isinstance(k, _NewAxisIndex):
            basic.append(None)
            advanced.append((out_dim, np.zeros(1 if k.value else 0, np.int64)))
            out_dim += 1
            view_name = "UnsqueezeBackward0"
        elif isinstance(k, int):
            size = shape[in_dim]
            if not -size <= k < size:
                raise _out_of_bounds(k, in_dim, size)
            basic.append(k)
            in_dim += 1
            view_name = "SelectBackward0"
        elif isinstance(k, slice):
            size = shape[in_dim]
            if bare_slice or k.indices(size) != (0, size, 1):
                view_name = "SliceBackward0"
            basic.append(k)
            in_dim += 1
            out_dim += 1
        elif k.dtype == np.bool_:
            _check_mask_shape(k.shape, shape, in_dim)
            basic.extend([full] * k.ndim)
            for j, nz in enumerate(k.nonzero()):
                advanced.append((out_dim + j, nz))
            in_dim += k.ndim
            out_dim += k.ndim
        else:
            advanced.append((out_dim, k, shape[in_dim]))
            basic.append(full)
            in_dim += 1
            out_dim += 1
    basic.append(Ellipsis)  # keeps an all-int key a 0-d view instead of a scalar
    if not advanced:
        return ParsedKey(tuple(basic), None, view_name)
    adv_key = [full] * (out_dim + ndim - in_dim)
    for ordinal, entry in enumerate(advanced):
        if len(entry) == 3:
            _check_array_bounds(entry[1], entry[2], ordinal)
        adv_key[entry[0]] = entry[1]
    return ParsedKey(tuple(basic), tuple(adv_key), "IndexBackward0")


def _check_mask_shape(mask_shape, shape, in_dim) -> None:
    for j, size in enumerate(mask_shape):
        if shape[in_dim + j] != size:
            raise IndexError(
                f"The shape of the mask {shape_str(mask_shape)} at index {j} does not match the shape "
                f"of the indexed tensor {shape_str(shape)} at index {in_dim + j}"
            )


def add_at(target, key, values) -> None:
    """``target[key] += values`` with repeated indices accumulated (NumPy or CuPy)."""
    if isinstance(target, np.ndarray):
        if isinstance(key, np.ndarray):
            key = (key,)
        if _rows_key(target, key):
            _add_rows(target, key[0], values)
        else:
            np.add.at(target, key, values)
    else:  # pragma: no cover - needs CuPy
        import cupyx

        cupyx.scatter_add(target, key, values)


def _rows_key(target, key) -> bool:
    """True for ``(int array, :, :, ...)`` keys into a contiguous tensor of 2+ dims."""
    if not isinstance(key, tuple) or not key or target.ndim < 2 or not target.flags.c_contiguous:
        return False
    first = key[0]
    if not (isinstance(first, np.ndarray) and first.dtype.kind in "iu"):
        return False
    return all(isinstance(k, slice) and k == slice(None) for k in key[1:])


def _add_rows(target, index, values) -> None:
    """``target[index] += values`` for whole rows, repeats summed.

    ``np.add.at`` loops over rows slowly; on flat element indices it takes its fast
    1-D path instead (several times faster for embedding-like gradients).
    """
    row_shape = target.shape[1:]
    row = int(np.prod(row_shape))
    values = np.broadcast_to(values, index.shape + row_shape)
    index = index.reshape(-1)
    if index.size == 0 or row == 0:
        return
    index = np.where(index < 0, index + target.shape[0], index)
    if target.shape[0] <= _ONE_HOT_ROWS and target.dtype.kind == "f" and values.dtype == target.dtype:
        # Few target rows (a vocabulary, positions): one BLAS product with a one-hot
        # matrix sums the repeats three times faster than any scatter.
        # (A NaN or inf value would spread to every row through 0 * NaN: then scatter.)
        one_hot = np.zeros((target.shape[0], index.size), target.dtype)
        one_hot[index, np.arange(index.size)] = 1
        summed = one_hot @ values.reshape(index.size, row)
        if np.isfinite(summed).all():
            target.reshape(target.shape[0], row)[...] += summed
            return
    flat = (index[:, None] * row + np.arange(row)).reshape(-1)
    np.add.at(target.reshape(-1), flat, values.reshape(-1))


_ONE_HOT_ROWS = 128  # beyond this, the product's V multiply-adds per value cost more than a scatter


# ---------------------------------------------------------------- x[key] (reading)
class BasicIndex(Function):
    """A view selected by ints, slices and None."""

    _array_forward = True
    _backward_name = "AliasBackward0"

    @staticmethod
    def forward(ctx, a, key=()):
        ctx.key = key
        ctx.in_shape = a.shape
        return a[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardPut.apply(grad, basic=ctx.key, advanced=None, shape=ctx.in_shape)


class _SelectView(BasicIndex):
    _backward_name = "SelectBackward0"


class _SliceView(BasicIndex):
    _backward_name = "SliceBackward0"


class _UnsqueezeView(BasicIndex):
    _backward_name = "UnsqueezeBackward0"


_VIEW_FUNCTIONS = {
    "AliasBackward0": BasicIndex,
    "SelectBackward0": _SelectView,
    "SliceBackward0": _SliceView,
    "UnsqueezeBackward0": _UnsqueezeView,
}


class AdvancedIndex(Function):
    """A copy gathered by integer arrays (after the basic part of the key)."""

    _array_forward = True
    _backward_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, basic=(), advanced=()):
        ctx.basic = basic
        ctx.advanced = advanced
        ctx.in_shape = a.shape
        return xp_of(a).asarray(a[basic][advanced])

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardPut.apply(grad, basic=ctx.basic, advanced=ctx.advanced, shape=ctx.in_shape)


class IndexBackwardPut(Function):
    """The gradient of an index: ``grad`` added into zeros at the indexed places."""

    _array_forward = True
    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, basic=(), advanced=None, shape=()):
        ctx.basic = basic
        ctx.advanced = advanced
        out = xp_of(grad).zeros(shape, grad.dtype)
        view = out[basic]
        if advanced is None:
            view[...] = grad
        else:
            add_at(view, advanced, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.advanced is None:
            return BasicIndex.apply(grad, key=ctx.basic)
        return AdvancedIndex.apply(grad, basic=ctx.basic, advanced=ctx.advanced)


def getitem(self: Tensor, key) -> Tensor:
    """``self[key]``: a view for basic keys, a copy for advanced ones.

    Example:
        >>> import ember
        >>> x = ember.arange(12).reshape(3, 4)
        >>> x[1:, [0, 3]]
        tensor([[ 4,  7],
                [ 8, 11]])
    """
    parsed = parse_key(self._array.shape, key)
    if parsed.advanced is None:
        out = _VIEW_FUNCTIONS[parsed.view_name].apply(self, key=parsed.basic)
        return make_view(out, self, lambda t: getitem(t, key))
    return AdvancedIndex.apply(self, basic=parsed.basic, advanced=parsed.advanced)


# ---------------------------------------------------------------- x[key] = value
class IndexPut(Function):
    """``out = a.clone(); out[key] = values`` (``+=`` with accumulate, repeats summed)."""

    _array_forward = True
    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, values, basic=(), advanced=(), accumulate=False):
        ctx.basic = basic
        ctx.advanced = advanced
        ctx.accumulate = accumulate
        xp = xp_of(a)
        out = a.copy()
        _write(out, basic, advanced, xp.asarray(values).astype(a.dtype, copy=False), accumulate)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_values = None
        if ctx.needs_input_grad[0]:
            grad_a = grad if ctx.accumulate else IndexPut.apply(
                grad, 0.0, basic=ctx.basic, advanced=ctx.advanced
            )
        if ctx.needs_input_grad[1]:
            if ctx.advanced is None:
                grad_values = BasicIndex.apply(grad, key=ctx.basic)
            else:
                grad_values = AdvancedIndex.apply(grad, basic=ctx.basic, advanced=ctx.advanced)
        return grad_a, grad_values


def _write(out, basic, advanced, values, accumulate=False) -> None:
    """``out[basic][advanced] = values`` (or ``+=``), raising torch's shape error."""
    view = out[basic]
    try:
        if advanced is None:
            view[...] = values
        elif accumulate:
            add_at(view, advanced, values)
        else:
            view[advanced] = values
    except ValueError as exc:
        if "read-only" in str(exc):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to "
                "a single memory location (an expand()ed tensor). Please clone() the tensor "
                "before performing the operation."
            ) from None
        target = view.shape if advanced is None else view[advanced].shape
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {shape_str(np.shape(values))} cannot be "
            f"broadcast to indexing result of shape {shape_str(target)}"
        ) from None


def _type_letter(np_dtype) -> str:
    """torch's scalar-type name (``Float``, ``Long``, ...); other dtypes by their NumPy name."""
    return _TYPE_NAMES.get(str(np_dtype), str(np_dtype))


def _check_put_dtype(dst, src) -> None:
    if dst.dtype != src.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_type_letter(dst.dtype)} for the destination and {_type_letter(src.dtype)} for the source."
        )


def _value_for_setitem(self: Tensor, value):
    """torch takes only a Tensor or a number on the right of ``x[key] = ...``."""
    if isinstance(value, (Tensor, bool, int, float, np.number, np.bool_)):
        return value
    kind = type(value)
    name = f"numpy.{kind.__name__}" if kind is np.ndarray else kind.__name__
    raise TypeError(f"can't assign a {name} to a {self.type()}")


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value`` in place; under autograd the graph records the write.

    ``value`` is a Tensor (broadcast to the indexed shape) or a Python number.  With an
    advanced key a Tensor value must have ``self``'s dtype (as in torch).

    Example:
        >>> import ember
        >>> x = ember.zeros(2, 3)
        >>> x[0, [0, 2]] = 1.0; x[1] = ember.tensor([4.0, 5.0, 6.0]); x
        tensor([[1., 0., 1.],
                [4., 5., 6.]])
    """
    value = _value_for_setitem(self, value)
    parsed = parse_key(self._array.shape, key)
    if parsed.advanced is None:
        _check_inplace_allowed_view(self)
    else:
        self._check_inplace_allowed()
        if isinstance(value, Tensor):
            _check_put_dtype(self._array, value._array)
    tracked = STATE.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    if not tracked:
        raw = value._array if isinstance(value, Tensor) else value
        _write(self._array, parsed.basic, parsed.advanced, _cast_value(raw, self._array.dtype))
        self._bump_version()
        return
    if parsed.advanced is None:
        target = getitem(self, key)
        target.copy_(value)
        return
    result = IndexPut.apply(self, value, basic=parsed.basic, advanced=parsed.advanced)
    apply_inplace(self, result, "index_put_")


def _cast_value(raw, np_dtype):
    if isinstance(raw, np.ndarray) or hasattr(raw, "__cuda_array_interface__"):
        return raw.astype(np_dtype, copy=False)
    return np.asarray(raw).astype(np_dtype)


def _check_inplace_allowed_view(self: Tensor) -> None:
    """Writing through a basic key writes through a view: torch's message says so."""
    if STATE.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    self._check_inplace_allowed()


def _index_put_key(self: Tensor, indices) -> ParsedKey:
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    items = []
    for i, idx in enumerate(indices):
        if idx is None:
            items.append(slice(None))  # None means "all of this dim" here
        elif isinstance(idx, Tensor):
            items.append(idx)
        else:
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(idx).__name__}")
    return parse_key(self._array.shape, tuple(items))


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (``+=`` with accumulate=True).

    Example:
        >>> import ember
        >>> ember.index_put(ember.zeros(3), (ember.tensor([0, 0]),), ember.tensor(1.0), accumulate=True)
        tensor([2., 0., 0.])
    """
    parsed = _index_put_key(input, indices)
    values = values if isinstance(values, Tensor) else Tensor._from_array(np.asarray(values, input._array.dtype))
    _check_put_dtype(input._array, values._array)
    return IndexPut.apply(input, values, basic=parsed.basic, advanced=parsed.advanced, accumulate=accumulate)


def _index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    self._check_inplace_allowed()
    return apply_inplace(self, index_put(self, indices, values, accumulate), "index_put_")


# ------------------------------------------------------------------- masked ops
def _bool_mask(mask, op: str):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    arr = mask._array
    if arr.dtype != np.bool_:
        names = {"int64": "long int", "uint8": "unsigned char", "int32": "int", "float32": "float"}
        raise RuntimeError(
            f"{op} only supports boolean masks, but got mask with dtype {names.get(str(arr.dtype), arr.dtype)}"
        )
    return arr


def _broadcast_shape(a, b, op: str = "") -> tuple:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        # torch names the first mismatching dimension, counted from the right
        for i in range(1, min(len(a), len(b)) + 1):
            if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({a[-i]}) must match the size of tensor b ({b[-i]}) at "
                    f"non-singleton dimension {max(len(a), len(b)) - i}"
                ) from None
        raise


class MaskedFill(Function):
    _array_forward = True
    _backward_name = "MaskedFillBackward0"

    @staticmethod
    def forward(ctx, a, mask, value=0.0):
        ctx.mask = mask
        xp = xp_of(a)
        fill = xp.asarray(value).astype(a.dtype)
        return xp.where(mask, fill, a)

    @staticmethod
    def backward(ctx, grad):
        return MaskedFill.apply(grad, ctx.mask, 0.0), None, None


class MaskedFillTensor(Function):
    """masked_fill with a 0-d tensor value, which gets the sum of the masked gradient."""

    _array_forward = True
    _backward_name = "MaskedFillBackward1"

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        xp = xp_of(a)
        return xp.where(mask, value.astype(a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        grad_a = MaskedFill.apply(grad, ctx.mask, 0.0) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[2]:
            grad_value = MaskedFill.apply(grad, ~ctx.mask, 0.0).sum()
        return grad_a, None, grad_value


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere (mask broadcasts).

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 2.0, 3.0]).masked_fill(ember.tensor([True, False, True]), 0.0)
        tensor([0., 2., 0.])
    """
    mask_arr = _bool_mask(mask, "masked_fill_")
    _broadcast_shape(input._array.shape, mask_arr.shape)
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._array.ndim} dimension(s)."
            )
        return MaskedFillTensor.apply(input, mask_arr, value)
    return MaskedFill.apply(input, mask_arr, value)


class MaskedSelect(Function):
    _array_forward = True
    _backward_name = "MaskedSelectBackward0"

    @staticmethod
    def forward(ctx, a, mask):
        xp = xp_of(a)
        shape = _broadcast_shape(a.shape, mask.shape)
        mask = xp.broadcast_to(mask, shape)
        ctx.mask = mask
        ctx.shape = shape
        return xp.asarray(xp.broadcast_to(a, shape)[mask])

    @staticmethod
    def backward(ctx, grad):
        zeros = Tensor._from_array(xp_of(grad._array).zeros(ctx.shape, grad._array.dtype))
        return MaskedScatter.apply(zeros, ctx.mask, grad), None


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor.

    Example:
        >>> import ember
        >>> ember.arange(4).masked_select(ember.tensor([True, False, True, False]))
        tensor([0, 2])
    """
    mask_arr = _bool_mask(mask, "masked_select")
    return MaskedSelect.apply(input, mask_arr)


class MaskedScatter(Function):
    _array_forward = True
    _backward_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, a, mask, source):
        xp = xp_of(a)
        shape = _broadcast_shape(a.shape, mask.shape)
        mask = xp.broadcast_to(mask, shape)
        count = int(mask.sum())
        if count > source.size:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        ctx.mask = mask
        ctx.count = count
        ctx.source_shape = source.shape
        out = xp.array(xp.broadcast_to(a, shape))
        out[mask] = source.reshape(-1)[:count]
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_source = None
        if ctx.needs_input_grad[0]:
            grad_a = MaskedFill.apply(grad, ctx.mask, 0.0)
        if ctx.needs_input_grad[2]:
            picked = MaskedSelect.apply(grad, ctx.mask)
            size = int(np.prod(ctx.source_shape))
            zeros = Tensor._from_array(xp_of(grad._array).zeros(size, grad._array.dtype))
            positions = np.arange(ctx.count)
            grad_source = IndexPut.apply(zeros, picked, basic=(Ellipsis,), advanced=(positions,)).reshape(
                ctx.source_shape
            )
        return grad_a, None, grad_source


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Copy the first elements of ``source`` (in order) to where ``mask`` is True.

    Example:
        >>> import ember
        >>> ember.zeros(4).masked_scatter(ember.tensor([True, False, True, False]), ember.tensor([1.0, 2.0]))
        tensor([1., 0., 2., 0.])
    """
    mask_arr = _bool_mask(mask, "masked_scatter_")
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{_type_letter(input._array.dtype)} and {_type_letter(source._array.dtype)}"
        )
    return MaskedScatter.apply(input, mask_arr, source)


def _masked_inplace(fn, name):
    def method(self, mask, *args):
        self._check_inplace_allowed()
        mask_arr = _bool_mask(mask, name)
        try:
            ok = np.broadcast_shapes(self._array.shape, mask_arr.shape) == self._array.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"output with shape {shape_str(self._array.shape)} doesn't match the broadcast shape "
                f"{shape_str(_broadcast_shape(self._array.shape, mask_arr.shape))}"
            )
        return apply_inplace(self, fn(self, mask, *args), name)

    method.__name__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


# ------------------------------------------------------------------ take / put
def _flat_index(index: Tensor, numel: int, op: str):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    arr = index._array
    if arr.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {_type_letter(arr.dtype)}")
    if arr.size:
        bad = (arr >= numel) | (arr < -numel)
        if bad.any():
            raise IndexError(
                f"out of range: tried to access index {int(arr[bad].ravel()[0])} on a tensor of {numel} elements."
            )
    return arr


class Take(Function):
    _array_forward = True
    _backward_name = "TakeBackward0"

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape = a.shape
        ctx.index = index
        return xp_of(a).asarray(a.reshape(-1)[index])

    @staticmethod
    def backward(ctx, grad):
        size = int(np.prod(ctx.shape))
        zeros = Tensor._from_array(xp_of(grad._array).zeros(size, grad._array.dtype))
        flat = IndexPut.apply(zeros, grad, basic=(Ellipsis,), advanced=(ctx.index,), accumulate=True)
        return flat.reshape(ctx.shape), None


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of ``input`` read as if it were 1-D, at ``index`` (any shape).

    Example:
        >>> import ember
        >>> ember.take(ember.tensor([[1, 2], [3, 4]]), ember.tensor([0, 3]))
        tensor([1, 4])
    """
    idx = _flat_index(index, input._array.size, "take")
    return Take.apply(input, idx)


class Put(Function):
    _array_forward = True
    _backward_name = "PutBackward0"

    @staticmethod
    def forward(ctx, a, index, source, accumulate=False):
        ctx.index = index
        ctx.accumulate = accumulate
        ctx.shape = a.shape
        out = a.copy()
        flat = out.reshape(-1)
        values = source.reshape(-1)
        if accumulate:
            add_at(flat, index.reshape(-1), values)
        else:
            flat[index.reshape(-1)] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_source = None
        if ctx.needs_input_grad[0]:
            grad_a = grad
            if not ctx.accumulate:
                zeros = Tensor._from_array(xp_of(grad._array).zeros(ctx.index.shape, grad._array.dtype))
                grad_a = Put.apply(grad, ctx.index, zeros)
        if ctx.needs_input_grad[2]:
            grad_source = Take.apply(grad, ctx.index)
        return grad_a, None, grad_source


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """Out-of-place ``put_``: write ``source`` at the flat positions ``index``.

    Example:
        >>> import ember
        >>> ember.put(ember.zeros(2, 2), ember.tensor([0, 3]), ember.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [0., 2.]])
    """
    idx = _flat_index(index, input._array.size, "put_")
    if idx.size != source._array.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._array.size}, index.numel() = {idx.size}"
        )
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{input.dtype} and source.dtype = {source.dtype}"
        )
    return Put.apply(input, idx, source, accumulate=accumulate)


# -------------------------------------------------------------------- nonzero
def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or a tuple of
    1-D tensors (one per dim) with ``as_tuple=True``.

    Example:
        >>> import ember
        >>> ember.tensor([[0, 1], [2, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]])
    """
    arr = input._array
    xp = xp_of(arr)
    if as_tuple:
        if arr.ndim == 0:
            return (Tensor._from_array(xp.zeros(1 if bool(arr) else 0, np.int64)),)
        return tuple(Tensor._from_array(xp.asarray(i, dtype=np.int64)) for i in arr.nonzero())
    if arr.ndim == 0:
        result = Tensor._from_array(xp.zeros((1 if bool(arr) else 0, 0), np.int64))
    else:
        result = Tensor._from_array(xp.stack(arr.nonzero(), axis=1).astype(np.int64, copy=False))
    return maybe_out(result, out)


def argwhere(input: Tensor) -> Tensor:
    """Same as ``nonzero(input)``: an ``(n, ndim)`` tensor of indices.

    Example:
        >>> import ember
        >>> ember.argwhere(ember.tensor([0.0, 3.0]))
        tensor([[1]])
    """
    return nonzero(input)


def _put_(self, index, source, accumulate=False):
    self._check_inplace_allowed()
    return apply_inplace(self, put(self, index, source, accumulate), "put_")


bind_methods(
    __getitem__=getitem,
    __setitem__=setitem,
    index_put=index_put,
    index_put_=_index_put_,
    masked_fill=masked_fill,
    masked_fill_=_masked_inplace(masked_fill, "masked_fill_"),
    masked_select=masked_select,
    masked_scatter=masked_scatter,
    masked_scatter_=_masked_inplace(masked_scatter, "masked_scatter_"),
    take=take,
    put=put,
    put_=_put_,
    nonzero=nonzero,
    argwhere=argwhere,
)

from . import scatter_gather  # noqa: F401  (attaches gather/scatter/index_* methods)
