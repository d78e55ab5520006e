"""Strided views: expand (and broadcasting), narrow, select, diagonal, as_strided, unfold.

Each result is a view sharing its input's memory (see ``make_view`` in ``shape.py``);
each backward writes the gradient into zeros of the input's shape at the positions the
view reads (a "scatter" Function whose own backward is the view again, so double
backward works).

Example:
    >>> import ember
    >>> x = ember.arange(9.0).view(3, 3)
    >>> x.diagonal().tolist(), x.narrow(1, 1, 2).select(0, 0).tolist()
    ([0.0, 4.0, 8.0], [1.0, 2.0])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .shape import _as_int, _elem_strides, _shape_args, make_view, strided_view

__all__ = ["as_strided", "diagonal", "narrow", "select"]


# ------------------------------------------------------------------- broadcasting
class Expand(Function):
    _array_forward = True
    _backward_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape=()):
        if tuple(shape) == a.shape:
            return a[...]
        lead = len(shape) - a.ndim
        in_strides = _elem_strides(a)
        strides = [0] * lead + [
            st if size == target else 0 for size, st, target in zip(a.shape, in_strides, shape[lead:])
        ]
        # Read-only, as an in-place write would hit one memory location many times.
        return strided_view(a, shape, strides, writeable=False)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast size-1 dims to larger sizes without copying (-1 keeps a size; a view).

    Example:
        >>> import ember
        >>> ember.tensor([[1], [2]]).expand(2, 3).tolist()
        [[1, 1, 1], [2, 2, 2]]
    """
    sizes = _shape_args(sizes)
    in_shape = input._array.shape
    if len(sizes) < len(in_shape):
        raise RuntimeError(
            f"expand({input.type()}{{{shape_str(in_shape)}}}, size={shape_str(sizes)}): the number of "
            f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(in_shape)})"
        )
    lead = len(sizes) - len(in_shape)
    target = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}"
                )
            continue
        cur = in_shape[i - lead]
        if s == -1:
            target[i] = cur
        elif cur != s and (cur != 1 or s < 0):
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {shape_str(sizes)}.  Tensor sizes: "
                f"{shape_str(in_shape)}"
            )
    target = tuple(target)
    out = Expand.apply(input, shape=target)
    return make_view(out, input, lambda x: expand(x, target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other._array.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    """``input.expand(size)``: a broadcast view.

    Example:
        >>> import ember
        >>> ember.broadcast_to(ember.tensor([1, 2]), (2, 2)).tolist()
        [[1, 2], [1, 2]]
    """
    return expand(input, tuple(size))


def broadcast_tensors(*tensors) -> tuple:
    """Expand all tensors to their common broadcast shape (views; unchanged ones as they are).

    Example:
        >>> import ember
        >>> a, b = ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))
        >>> a.shape, b.shape
        (torch.Size([2, 3]), torch.Size([2, 3]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    ndim = max((t._array.ndim for t in tensors), default=0)
    target = [1] * ndim
    for t in tensors:
        shape = t._array.shape
        for i, s in enumerate(shape):
            j = ndim - len(shape) + i
            if target[j] == 1:
                target[j] = s
            elif s != 1 and s != target[j]:
                raise RuntimeError(
                    f"The size of tensor a ({target[j]}) must match the size of tensor b ({s}) at "
                    f"non-singleton dimension {j}"
                )
    target = tuple(target)
    return tuple(t if t._array.shape == target else expand(t, target) for t in tensors)


# ---------------------------------------------------------------------- slicing
class Slice(Function):
    """``a[key]`` for a basic key (slices, ints): a view."""

    _array_forward = True
    _backward_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, a, key=()):
        ctx.key = key
        ctx.in_shape = a.shape
        return a[key + (Ellipsis,)]  # Ellipsis keeps an all-int key a 0-d view

    @staticmethod
    def backward(ctx, grad):
        return SliceScatter.apply(grad, key=ctx.key, shape=ctx.in_shape)


class Select(Slice):
    _backward_name = "SelectBackward0"


class SliceScatter(Function):
    """The gradient of a slice: zeros of the input's shape with ``grad`` at ``key``."""

    _array_forward = True
    _backward_name = "SliceScatterBackward0"

    @staticmethod
    def forward(ctx, grad, key=(), shape=()):
        ctx.key = key
        out = xp_of(grad).zeros(shape, grad.dtype)
        out[key + (Ellipsis,)] = grad
        return out

    @staticmethod
    def backward(ctx, grad):
        return Slice.apply(grad, key=ctx.key)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """Elements ``start .. start+length-1`` along ``dim`` (a view).

    Example:
        >>> import ember
        >>> ember.arange(6).narrow(0, 2, 3).tolist()
        [2, 3, 4]
    """
    shape = input._array.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(_as_int(dim, "dim"), len(shape))
    start = _as_int(start, "start")
    length = _as_int(length, "length")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    out = Slice.apply(input, key=key)
    return make_view(out, input, lambda x: narrow(x, d, start, length))


def select(input: Tensor, dim: int, index) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim (a view): ``x[:, i]``.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).select(1, 0).tolist()
        [1, 3]
    """
    shape = input._array.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(_as_int(dim, "dim"), len(shape))
    index = _as_int(index, "index")
    size = shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {shape_str(shape)} at dimension {d}"
        )
    index %= size
    key = (slice(None),) * d + (index,)
    out = Select.apply(input, key=key)
    return make_view(out, input, lambda x: select(x, d, index))


# ---------------------------------------------------------------------- diagonals
def diagonal_geometry(shape, strides, offset: int, dim1: int, dim2: int):
    """(shape, strides, start) of the diagonal view: other dims first, the diagonal last."""
    n1, n2 = shape[dim1], shape[dim2]
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        start = offset * strides[dim2]
    else:
        length = max(0, min(n1 + offset, n2))
        start = -offset * strides[dim1]
    if length == 0:
        start = 0
    rest = [i for i in range(len(shape)) if i not in (dim1, dim2)]
    return (
        tuple(shape[i] for i in rest) + (length,),
        tuple(strides[i] for i in rest) + (strides[dim1] + strides[dim2],),
        start,
    )


def diagonal_view(arr, offset: int, dim1: int, dim2: int):
    """A writable strided view of ``arr``'s diagonal (NumPy's is read-only)."""
    shape, strides, start = diagonal_geometry(arr.shape, _elem_strides(arr), offset, dim1, dim2)
    return strided_view(arr, shape, strides, start)


class Diagonal(Function):
    _array_forward = True
    _backward_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, a, offset=0, dim1=0, dim2=1):
        ctx.params = (a.shape, offset, dim1, dim2)
        return diagonal_view(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        shape, offset, dim1, dim2 = ctx.params
        return DiagonalScatter.apply(grad, shape=shape, offset=offset, dim1=dim1, dim2=dim2)


class DiagonalScatter(Function):
    """Zeros of ``shape`` with ``grad`` written on a diagonal (the adjoint of diagonal)."""

    _array_forward = True
    _backward_name = "DiagonalScatterBackward0"

    @staticmethod
    def forward(ctx, grad, shape=(), offset=0, dim1=0, dim2=1):
        ctx.params = (offset, dim1, dim2)
        out = xp_of(grad).zeros(shape, grad.dtype)
        diagonal_view(out, offset, dim1, dim2)[...] = grad
        return out

    @staticmethod
    def backward(ctx, grad):
        offset, dim1, dim2 = ctx.params
        return Diagonal.apply(grad, offset=offset, dim1=dim1, dim2=dim2)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, appended as the last dim (a view).

    Example:
        >>> import ember
        >>> ember.arange(9).reshape(3, 3).diagonal(1).tolist()
        [1, 5]
    """
    ndim = input._array.ndim
    d1 = normalize_dim(_as_int(dim1, "dim1"), ndim)
    d2 = normalize_dim(_as_int(dim2, "dim2"), ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _as_int(offset, "offset")
    out = Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2)
    return make_view(out, input, lambda x: diagonal(x, offset, d1, d2))


# ---------------------------------------------------------- as_strided and unfold
def _positions(shape, strides, offset: int):
    """Storage index of every element of a strided layout (an int64 array of ``shape``)."""
    pos = np.full(shape, offset, np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        idx = np.arange(n, dtype=np.int64) * s
        pos = pos + idx.reshape((n,) + (1,) * (len(shape) - d - 1))
    return pos


class Gather(Function):
    """``flat[index]``: pick elements of a 1-D tensor by an index array."""

    _array_forward = True
    _backward_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, flat, index=None):
        ctx.index = index
        ctx.size = flat.shape[0]
        return flat[xp_of(flat).asarray(index)]

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, index=ctx.index, size=ctx.size)


class ScatterAdd(Function):
    """A 1-D tensor of ``size`` zeros to which ``values[i]`` is added at ``index[i]``."""

    _array_forward = True
    _backward_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, values, index=None, size=0):
        ctx.index = index
        xp = xp_of(values)
        out = xp.bincount(
            xp.asarray(index).ravel(), weights=values.ravel().astype(np.float64), minlength=size
        )
        return out.astype(values.dtype)

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, index=ctx.index)


class AsStrided(Function):
    _array_forward = True
    _backward_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, a, size=(), stride=(), offset=0, in_geometry=None):
        in_strides, in_offset = in_geometry
        ctx.geometry = (a.shape, in_strides, in_offset, size, stride, offset)
        return strided_view(a, size, stride, offset - in_offset)

    @staticmethod
    def backward(ctx, grad):
        in_shape, in_strides, in_offset, size, stride, offset = ctx.geometry
        # Map storage positions read by the output onto the input's elements.
        out_pos = _positions(size, stride, offset).ravel()
        in_pos = _positions(in_shape, in_strides, in_offset).ravel()
        uniq, inverse = np.unique(np.concatenate([in_pos, out_pos]), return_inverse=True)
        in_index = inverse[: in_pos.size].reshape(in_shape)
        out_index = inverse[in_pos.size :]
        storage_grad = ScatterAdd.apply(grad.reshape(-1), index=out_index, size=uniq.size)
        return Gather.apply(storage_grad, index=in_index)


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given sizes, strides and offset (in elements).

    Example:
        >>> import ember
        >>> ember.arange(6).as_strided((2, 2), (1, 2)).tolist()
        [[0, 2], [1, 3]]
    """
    size = tuple(_as_int(s) for s in size)
    stride = tuple(_as_int(s, "stride") for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {shape_str(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {shape_str(size)}")
    in_offset = input.storage_offset()
    offset = in_offset if storage_offset is None else _as_int(storage_offset, "storage_offset")
    arr = input._array
    item = arr.dtype.itemsize
    storage_bytes = input.untyped_storage().nbytes()
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed * item > storage_bytes:
        raise RuntimeError(
            f"setStorage: sizes {shape_str(size)}, strides {shape_str(stride)}, storage offset "
            f"{offset}, and itemsize {item} requiring a storage size of {needed * item} are out of "
            f"bounds for storage of size {storage_bytes}"
        )
    geometry = (input.stride(), in_offset)
    out = AsStrided.apply(input, size=size, stride=stride, offset=offset, in_geometry=geometry)
    return make_view(out, input, lambda x: as_strided(x, size, stride, offset))


class Unfold(Function):
    _array_forward = True
    _backward_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, a, dim=0, size=1, step=1):
        ctx.params = (a.shape, dim, size, step)
        if a.ndim == 0:
            return strided_view(a, (size,), (1,))
        strides = _elem_strides(a)
        windows = (a.shape[dim] - size) // step + 1
        shape = a.shape[:dim] + (windows,) + a.shape[dim + 1 :] + (size,)
        new_strides = strides[:dim] + (strides[dim] * step,) + strides[dim + 1 :] + (strides[dim],)
        return strided_view(a, shape, new_strides)

    @staticmethod
    def backward(ctx, grad):
        in_shape, dim, size, step = ctx.params
        if not in_shape:
            return grad.sum()
        return UnfoldScatter.apply(grad, shape=in_shape, dim=dim, size=size, step=step)


class UnfoldScatter(Function):
    """The adjoint of unfold: each window's values are added back where they came from."""

    _array_forward = True
    _backward_name = "UnfoldBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, shape=(), dim=0, size=1, step=1):
        ctx.params = (dim, size, step)
        out = xp_of(grad).zeros(shape, grad.dtype)
        windows = grad.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):  # a loop over the window length, not over elements
            out[lead + (slice(k, k + step * (windows - 1) + 1, step),)] += grad[..., k]
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, size, step = ctx.params
        return Unfold.apply(grad, dim=dim, size=size, step=step)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements along ``dimension``, ``step`` apart (a view).

    The windows index the old dimension; their elements form a new last dimension.

    Example:
        >>> import ember
        >>> ember.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    shape = input._array.shape
    d = normalize_dim(_as_int(dimension, "dimension"), len(shape))
    size = _as_int(size, "size")
    step = _as_int(step, "step")
    length = shape[d] if shape else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    out = Unfold.apply(input, dim=d, size=size, step=step)
    return make_view(out, input, lambda x: unfold(x, d, size, step))


bind_methods(
    expand=expand,
    expand_as=expand_as,
    broadcast_to=broadcast_to,
    narrow=narrow,
    select=select,
    diagonal=diagonal,
    as_strided=as_strided,
    unfold=unfold,
)
