"""Shared machinery of the reductions that pick elements: dims, gathers, result tuples.

``max(dim)``, ``sort``, ``topk``, ``median``, ``cummax``, ... all return values chosen
at some indices along a dimension; their gradient puts the incoming gradient back at
those indices.  ``take_along_dim`` / ``put_along_dim`` are that pair of operations as
Functions, each the other's backward, so higher-order gradients work too.

Example:
    >>> import ember
    >>> x = ember.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    >>> idx = ember.tensor([[1], [0]])
    >>> take_along_dim(x, idx, 1).sum().backward(); x.grad
    tensor([[0., 1.],
            [1., 0.]])
"""

from __future__ import annotations

import collections
import functools

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import NO_GRAPH_CTX, Function
from ._util import xp_of

__all__ = [
    "accumulation_dtype",
    "c_type_name",
    "constant",
    "expand_reduced",
    "keep_reduced_dims",
    "put_along_dim",
    "reduction_dims",
    "return_type",
    "single_dim",
    "take_along_dim",
    "type_name",
]


def numpy_names(fn):
    """Accept NumPy's ``axis=`` / ``keepdims=`` for ``dim=`` / ``keepdim=``, as torch does."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return wrapper


def reduction_dims(dim, ndim: int) -> tuple:
    """``dim`` (None, int, tuple or list) as a sorted tuple of non-negative dims.

    None and an empty tuple mean every dim.  A 0-d tensor accepts dims 0 and -1 and
    reduces nothing, as in torch.

    Example:
        >>> reduction_dims((-1, 0), 3)
        (0, 2)
    """
    if dim is None:
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(ndim))
    wrapped = tuple(single_dim(d, ndim) for d in dims)
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(wrapped)) if ndim else ()


def single_dim(dim, ndim: int) -> int:
    """One dim wrapped into ``[0, ndim)``; IndexError with torch's message when out of range."""
    if isinstance(dim, Tensor):
        dim = int(dim.item())
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def keep_reduced_dims(shape: tuple, dims: tuple) -> tuple:
    """The shape of a ``keepdim=True`` result: reduced dims become 1."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


_MATERIALIZE_BELOW = 1 << 14


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


class ExpandReduced(Function):
    """A reduction's gradient broadcast back over the dims it reduced (a read-only view).

    One op instead of reshape + expand: backward passes are full of these, so they
    stay cheap.  Its own backward is the sum it undoes.
    """

    _array_forward = True
    _backward_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, grad, in_shape=(), dims=(), keepdim=False):
        ctx.dims, ctx.keepdim = dims, keepdim
        if not keepdim:
            grad = grad.reshape(keep_reduced_dims(in_shape, dims))
        xp = xp_of(grad)
        if xp is np and len(in_shape) and _numel(in_shape) <= _MATERIALIZE_BELOW:
            # Small results: one C-level fill is cheaper than broadcast_to's Python code.
            out = np.empty(in_shape, grad.dtype)
            out[...] = grad
            return out
        return xp.broadcast_to(grad, in_shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum(dim=ctx.dims, keepdim=ctx.keepdim)


def expand_reduced(grad, in_shape: tuple, dims: tuple, keepdim: bool):
    """Broadcast a reduction's gradient back over the dims it reduced.

    ``grad`` is a Tensor, or a raw array in a backward that runs on arrays.
    """
    if not dims or tuple(grad.shape) == tuple(in_shape):
        return grad if keepdim or not dims else grad.reshape(tuple(in_shape))
    if not isinstance(grad, Tensor):
        if type(grad) is ndarray and grad.ndim == 0 and _numel(in_shape) <= _MATERIALIZE_BELOW:
            out = np.empty(in_shape, grad.dtype)  # the gradient of a full reduction: one fill
            out[...] = grad
            return out
        return ExpandReduced.forward(NO_GRAPH_CTX, grad, tuple(in_shape), dims, keepdim)
    return ExpandReduced.apply(grad, in_shape=tuple(in_shape), dims=dims, keepdim=keepdim)


def constant(arr) -> Tensor:
    """Wrap an array computed in a backward (a mask, a count) as a graph constant."""
    return Tensor._from_array(np.asarray(arr) if not hasattr(arr, "shape") else arr)


class TakeAlongDim(Function):
    """``out[..., i, ...] = a[..., index[..., i, ...], ...]`` along one dim."""

    _array_forward = True
    _backward_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, a, index, dim=0, unique=True):
        ctx.save_for_backward(index)
        ctx.dim = dim
        ctx.unique = unique
        ctx.in_shape = a.shape
        return np.take_along_axis(a, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return put_along_dim(grad, index, ctx.dim, ctx.in_shape, ctx.unique), None


class PutAlongDim(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` along one dim."""

    _array_forward = True
    _backward_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, values, index, dim=0, shape=(), unique=True):
        ctx.save_for_backward(index)
        ctx.dim = dim
        ctx.unique = unique
        out = xp_of(values).zeros(shape, values.dtype)
        if unique:
            np.put_along_axis(out, index, values, axis=dim)
        else:  # repeated indices (cummax) must add up, not overwrite
            where = list(np.ix_(*[np.arange(s) for s in index.shape]))
            where[dim] = index
            np.add.at(out, tuple(where), values)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return take_along_dim(grad, index, ctx.dim, ctx.unique), None


def take_along_dim(input: Tensor, index: Tensor, dim: int, unique: bool = True) -> Tensor:
    """Differentiable ``np.take_along_axis`` (the gather of index-returning reductions)."""
    return TakeAlongDim.apply(input, index, dim=dim, unique=unique)


def put_along_dim(values: Tensor, index: Tensor, dim: int, shape: tuple, unique: bool = True) -> Tensor:
    """Differentiable scatter of ``values`` into zeros of ``shape`` at ``index`` along ``dim``."""
    return PutAlongDim.apply(values, index, dim=dim, shape=tuple(shape), unique=unique)


class WithoutDerivative(Function):
    """Puts precomputed results in the graph, as torch does for ops it can't differentiate:
    they require grad, and backward through them raises ``error`` (type, message)."""

    _array_forward = True
    _backward_name = "NotImplemented"

    @staticmethod
    def forward(ctx, source, results=(), error=None):
        ctx.error = error
        return tuple(results) if len(results) > 1 else results[0]

    @staticmethod
    def backward(ctx, *grads):
        exc_type, message = ctx.error
        raise exc_type(message)


_WITHOUT_DERIVATIVE = {}


def without_derivative(source: Tensor, results, error, grad_name: str = "NotImplemented"):
    """Tensors for the arrays ``results``, tied to ``source`` by a node whose backward raises."""
    fn = _WITHOUT_DERIVATIVE.get(grad_name)
    if fn is None:
        fn = _WITHOUT_DERIVATIVE[grad_name] = type(grad_name, (WithoutDerivative,), {"_backward_name": grad_name})
    out = fn.apply(source, results=tuple(results), error=error)
    return out if isinstance(out, tuple) else (out,)


def return_type(name: str, fields: tuple):
    """A named tuple printed like torch's ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__module__ = "ember.return_types"
    return cls


def accumulation_dtype(arr):
    """The dtype to accumulate ``arr`` in: half types sum in float32, as torch does."""
    if arr.dtype == np.float16 or arr.dtype.kind == "V":
        return np.dtype(np.float32)
    return None


_C_NAMES = {
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
_TYPE_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def c_type_name(np_dtype) -> str:
    """The C++ name torch prints for a dtype in some messages (``float``, ``long int``)."""
    return _C_NAMES.get(_dtype.from_numpy_dtype(np_dtype)._name, str(np_dtype))


def type_name(np_dtype) -> str:
    """The scalar-type name torch prints in messages (``Float``, ``Long``)."""
    return _TYPE_NAMES.get(_dtype.from_numpy_dtype(np_dtype)._name, str(np_dtype))
