"""Shape ops and views.

A *view* shares memory with its base, as in torch: writing through it changes the
base, and both share one version counter.  ``make_view`` records that relation plus a
``view_func`` that re-creates the view from any tensor of the base's shape, which the
in-place machinery uses to give the base a new history (see ``inplace.py``).

Example:
    >>> import ember
    >>> x = ember.zeros(2, 3)
    >>> x.t()[0, 1] = 5.0
    >>> x
    tensor([[0., 0., 0.],
            [5., 0., 0.]])
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import bind_methods, normalize_dim, shape_str

__all__ = [
    "make_view",
    "reshape",
    "view",
    "transpose",
    "permute",
    "expand",
    "unsqueeze",
    "squeeze",
    "t",
]


def make_view(out: Tensor, base: Tensor, view_func) -> Tensor:
    """Mark ``out`` as a view of ``base`` (shared version counter, ``_base``)."""
    root = base._base if base._base is not None else base
    out._base = root
    out._version_counter = base._version_counter
    if base._view_func is not None:
        inner = base._view_func
        out._view_func = lambda t: view_func(inner(t))
    else:
        out._view_func = view_func
    return out


def _infer_shape(shape, numel: int, op: str, in_shape) -> tuple:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return shape


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    if len(shape) == 1 and isinstance(shape[0], Tensor):
        return tuple(shape[0].tolist())
    return shape


class Reshape(Function):
    _array_forward = True
    _backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


def _can_view(arr, shape) -> bool:
    """True when NumPy can reshape without copying (torch's view rules agree)."""
    try:
        v = arr.view()
        v.shape = shape
        return True
    except AttributeError:
        return False


def view(input, *shape):
    """The same data with another shape; needs compatible strides (else use reshape).

    Example:
        >>> import ember
        >>> ember.arange(6).view(2, -1).shape
        torch.Size([2, 3])
    """
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and hasattr(shape[0], "numpy_dtype"):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_args(shape), input._array.size, "view", input._array.shape)
    if not _can_view(input._array, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    out = Reshape.apply(input, shape=shape)
    return make_view(out, input, lambda t: t.view(shape))


def _view_dtype(input, dt):
    out = Tensor._from_array(input._array.view(dt.numpy_dtype))
    return make_view(out, input, lambda t: _view_dtype(t, dt))


def reshape(input, *shape):
    """A tensor with the given shape: a view when possible, else a copy.

    Example:
        >>> import ember
        >>> ember.arange(6).reshape(3, 2).tolist()
        [[0, 1], [2, 3], [4, 5]]
    """
    shape = _infer_shape(_shape_args(shape), input._array.size, "reshape", input._array.shape)
    if _can_view(input._array, shape):
        out = Reshape.apply(input, shape=shape)
        return make_view(out, input, lambda t: t.reshape(shape))
    out = Reshape.apply(input, shape=shape)
    out._array = np.ascontiguousarray(out._array) if isinstance(out._array, np.ndarray) else out._array
    return out


class Permute(Function):
    _array_forward = True
    _backward_name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(tuple(np.argsort(ctx.dims)))


def permute(input, *dims):
    """Reorder the dimensions (a view).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
        torch.Size([4, 2, 3])
    """
    dims = _shape_args(dims)
    ndim = input._array.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, ndim, "permute") for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = Permute.apply(input, dims=dims)
    return make_view(out, input, lambda t: t.permute(dims))


class Transpose(Function):
    _array_forward = True
    _backward_name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, dim0=0, dim1=1):
        ctx.dims = (dim0, dim1)
        return a.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims)


def transpose(input, dim0: int, dim1: int):
    """Swap two dimensions (a view).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).transpose(0, 1).shape
        torch.Size([3, 2])
    """
    ndim = input._array.ndim
    d0 = normalize_dim(dim0, ndim, "transpose")
    d1 = normalize_dim(dim1, ndim, "transpose")
    if ndim == 0:
        return make_view(Reshape.apply(input, shape=()), input, lambda t: t.transpose(0, 0))
    out = Transpose.apply(input, dim0=d0, dim1=d1)
    return make_view(out, input, lambda t: t.transpose(d0, d1))


def t(input):
    """Transpose a tensor of at most 2 dimensions."""
    if input._array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._array.ndim}D")
    if input._array.ndim < 2:
        return make_view(Reshape.apply(input, shape=input._array.shape), input, lambda x: x.t())
    return transpose(input, 0, 1)


class Expand(Function):
    _array_forward = True
    _backward_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape=()):
        return np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else a.__array_namespace__().broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


def expand(input, *sizes):
    """Broadcast size-1 dimensions to larger sizes without copying (a read-only view).

    Example:
        >>> import ember
        >>> ember.tensor([[1], [2]]).expand(2, 3).tolist()
        [[1, 1, 1], [2, 2, 2]]
    """
    sizes = tuple(int(s) for s in _shape_args(sizes))
    in_shape = input._array.shape
    if len(sizes) < len(in_shape):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(in_shape)})"
        )
    lead = len(sizes) - len(in_shape)
    target = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"expand: -1 is not allowed in a leading, non-existing dimension {i}"
                )
            continue
        cur = in_shape[i - lead]
        if s == -1:
            target[i] = cur
        elif cur != 1 and cur != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {shape_str(sizes)}.  Tensor sizes: "
                f"{shape_str(in_shape)}"
            )
    target = tuple(target)
    if target == in_shape:
        out = Reshape.apply(input, shape=in_shape)
    else:
        out = Expand.apply(input, shape=target)
    return make_view(out, input, lambda x: x.expand(target))


def unsqueeze(input, dim: int):
    """Insert a dimension of size 1 at ``dim`` (a view).

    Example:
        >>> import ember
        >>> ember.zeros(3).unsqueeze(0).shape
        torch.Size([1, 3])
    """
    ndim = input._array.ndim + 1
    d = normalize_dim(dim, ndim, "unsqueeze")
    shape = list(input._array.shape)
    shape.insert(d, 1)
    shape = tuple(shape)
    out = Reshape.apply(input, shape=shape)
    return make_view(out, input, lambda x: x.unsqueeze(d))


def squeeze(input, dim=None):
    """Remove dimensions of size 1 (all, or those named by ``dim``; a view).

    Example:
        >>> import ember
        >>> ember.zeros(1, 3, 1).squeeze().shape
        torch.Size([3])
    """
    shape = input._array.shape
    if dim is None:
        dims = {i for i, s in enumerate(shape) if s == 1}
    else:
        dims_in = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {normalize_dim(d, len(shape), "squeeze") for d in dims_in if len(shape) > 0}
        dims = {d for d in dims if shape[d] == 1}
    new_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
    out = Reshape.apply(input, shape=new_shape)
    return make_view(out, input, lambda x: x.squeeze(dim))


def _T(self):
    if self._array.ndim not in (0, 2):
        import warnings

        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated",
            UserWarning,
            stacklevel=2,
        )
    return permute(self, tuple(reversed(range(self._array.ndim))))


def _mT(self):
    if self._array.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


bind_methods(
    reshape=reshape,
    view=view,
    transpose=transpose,
    permute=permute,
    expand=expand,
    unsqueeze=unsqueeze,
    squeeze=squeeze,
    t=t,
    T=property(_T),
    mT=property(_mT),
    view_as=lambda self, other: view(self, other._array.shape),
    reshape_as=lambda self, other: reshape(self, other._array.shape),
    expand_as=lambda self, other: expand(self, other._array.shape),
)
