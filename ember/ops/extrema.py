"""Max and min: ``max``/``min`` (three forms), ``amax``/``amin``, ``argmax``/``argmin``, ``aminmax``.

Gradients follow torch: a full ``max()`` and ``amax``/``amin`` split the gradient evenly
among tied extrema; ``max(dim)`` sends it to the one returned index.

Example:
    >>> import ember
    >>> x = ember.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max(dim=1)
    torch.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import (
    constant,
    expand_reduced,
    keep_reduced_dims,
    numpy_names,
    put_along_dim,
    reduction_dims,
    return_type,
    single_dim,
)
from ._util import bind_methods, promote_arrays, xp_of

__all__ = ["amax", "amin", "aminmax", "argmax", "argmin", "max", "min"]

MaxResult = return_type("max", ("values", "indices"))
MinResult = return_type("min", ("values", "indices"))
AminmaxResult = return_type("aminmax", ("min", "max"))


def _tie_share(x: np.ndarray, value: np.ndarray, dims: tuple) -> np.ndarray:
    """Each element's share of the gradient: 1/k for each of the k elements equal to the extremum."""
    hits = (x == value) | (np.isnan(x) & np.isnan(value)) if x.dtype.kind == "f" else x == value
    counts = hits.sum(axis=dims, keepdims=True)
    return (hits / np.maximum(counts, 1)).astype(x.dtype)


def _check_not_empty(a, dims, name: str, dim_given: bool) -> None:
    if not dim_given and a.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )
    for d in dims:
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


# --------------------------------------------------------------- amax and amin
class Amax(Function):
    _array_forward = True
    _backward_name = "AmaxBackward0"
    _np_reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a, dims=(), keepdim=False):
        ctx.dims, ctx.keepdim = dims, keepdim
        out = xp_of(a).asarray(cls._np_reduce(a, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape = x._array.shape
        value = out._array.reshape(keep_reduced_dims(shape, ctx.dims)) if not ctx.keepdim else out._array
        share = _tie_share(x._array, value, ctx.dims)
        return expand_reduced(grad, shape, ctx.dims, ctx.keepdim) * constant(share)


class Amin(Amax):
    _backward_name = "AminBackward0"
    _np_reduce = staticmethod(np.min)


class MaxAll(Amax):
    """``max()`` without a dim: the value only, gradient split among ties."""

    _backward_name = "MaxBackward1"


class MinAll(Amin):
    _backward_name = "MinBackward1"


@numpy_names
def amax(input, dim=(), keepdim: bool = False, *, out=None):
    """The maximum over ``dim`` (all dims by default); ties share the gradient evenly.

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=0)
        tensor([7., 5.])
    """
    return _amax_amin(Amax, "amax", input, dim, keepdim, out)


@numpy_names
def amin(input, dim=(), keepdim: bool = False, *, out=None):
    """The minimum over ``dim`` (all dims by default); ties share the gradient evenly.

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).amin(dim=1)
        tensor([1., 2.])
    """
    return _amax_amin(Amin, "amin", input, dim, keepdim, out)


def _amax_amin(fn, name, input, dim, keepdim, out):
    a = input._array
    dims = reduction_dims(dim, a.ndim)
    dim_given = dim is not None and dim != () and dim != []
    _check_not_empty(a, dims, name, dim_given)
    return _with_out(fn.apply(input, dims=dims, keepdim=keepdim), out)


def _with_out(result, out):
    if out is None:
        return result
    from .inplace import copy_into_out

    if isinstance(out, (tuple, list)):
        return type(result)(*(copy_into_out(o, r) for o, r in zip(out, result)))
    return copy_into_out(out, result)


# ------------------------------------------------------------ max/min over a dim
class MaxDim(Function):
    _array_forward = True
    _backward_name = "MaxBackward0"
    _np_arg = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, dim=0, keepdim=False):
        ctx.dim, ctx.keepdim, ctx.in_shape = dim, keepdim, a.shape
        if a.ndim == 0:
            return a.copy(), np.zeros((), np.int64)
        index = cls._np_arg(a, axis=dim, keepdims=True).astype(np.int64, copy=False)
        values = np.take_along_axis(a, index, axis=dim)
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
        # Saving the returned indices themselves lets autograd notice in-place changes to them.
        ctx.save_for_backward(index)
        return values, index

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if not ctx.in_shape:
            return grad
        (index,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad, index = grad.unsqueeze(ctx.dim), index.unsqueeze(ctx.dim)
        return put_along_dim(grad, index, ctx.dim, ctx.in_shape)


class MinDim(MaxDim):
    _backward_name = "MinBackward0"
    _np_arg = staticmethod(np.argmin)


def _max_min(name, all_fn, dim_fn, result_type, other_fn, input, dim, keepdim, out):
    if isinstance(dim, Tensor):  # max(input, other): the elementwise form
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        return other_fn(input, dim, out=out) if out is not None else other_fn(input, dim)
    a = input._array
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got (keepdim=bool)")
        _check_not_empty(a, (), name, False)
        return _with_out(all_fn.apply(input, dims=tuple(range(a.ndim)), keepdim=False), out)
    d = single_dim(dim, a.ndim)
    if a.ndim:
        _check_not_empty(a, (d,), name, True)
    values, indices = dim_fn.apply(input, dim=d, keepdim=keepdim)
    return _with_out(result_type(values, indices), out)


@numpy_names
def max(input, dim=None, keepdim: bool = False, *, out=None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``.

    Example:
        >>> import ember
        >>> x = ember.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> x.max(), x.max(dim=0).indices
        (tensor(7.), tensor([1, 0]))
    """
    return _max_min("max", MaxAll, MaxDim, MaxResult, _elementwise("maximum"), input, dim, keepdim, out)


@numpy_names
def min(input, dim=None, keepdim: bool = False, *, out=None):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``.

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).min(dim=1).values
        tensor([1., 2.])
    """
    return _max_min("min", MinAll, MinDim, MinResult, _elementwise("minimum"), input, dim, keepdim, out)


# ------------------------------------------------------- elementwise max(a, b)
def _elementwise(name):
    """``ember.maximum``/``minimum`` (elementwise family), or the fallback here if absent."""

    def call(input, other, out=None):
        import ember

        fn = getattr(ember, name, None)
        if fn is None:
            fn = maximum_fallback if name == "maximum" else _minimum_fallback
        return fn(input, other) if out is None else fn(input, other, out=out)

    return call


class _Maximum(Function):
    _array_forward = True
    _backward_name = "MaximumBackward0"
    _np_fn = staticmethod(np.maximum)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = promote_arrays(a, b)
        return xp_of(a, b).asarray(cls._np_fn(a, b))

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        aa, ba = a._array, b._array
        wins = aa > ba if cls._np_fn is np.maximum else aa < ba
        tie = aa == ba
        share_a = constant(np.where(tie, 0.5, wins).astype(grad._array.dtype))
        return grad * share_a, grad * (1.0 - share_a)


class _Minimum(_Maximum):
    _backward_name = "MinimumBackward0"
    _np_fn = staticmethod(np.minimum)


def maximum_fallback(input, other, *, out=None):
    """Elementwise maximum (used when the elementwise family has none)."""
    return _with_out(_Maximum.apply(input, other), out)


def _minimum_fallback(input, other, *, out=None):
    return _with_out(_Minimum.apply(input, other), out)


# --------------------------------------------------------------- argmax/argmin
def _arg_extremum(name, np_fn, input, dim, keepdim):
    a = input._array
    if a.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        result = np.asarray(np_fn(a.reshape(-1)), dtype=np.int64)
        if keepdim:
            result = result.reshape((1,) * a.ndim)
        return Tensor._from_array(result)
    d = single_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._from_array(np.zeros((), np.int64))
    if a.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._from_array(np.asarray(np_fn(a, axis=d, keepdims=keepdim), dtype=np.int64))


@numpy_names
def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor, or along ``dim``).

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax()
        tensor(2)
    """
    return _arg_extremum("argmax", np.argmax, input, dim, keepdim)


@numpy_names
def argmin(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor, or along ``dim``).

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).argmin(dim=1)
        tensor([0, 1])
    """
    return _arg_extremum("argmin", np.argmin, input, dim, keepdim)


# ---------------------------------------------------------------------- aminmax
class Aminmax(Function):
    _array_forward = True
    _backward_name = "AminmaxBackward0"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False):
        ctx.dims, ctx.keepdim = dims, keepdim
        xp = xp_of(a)
        low = xp.asarray(a.min(axis=dims, keepdims=keepdim))
        high = xp.asarray(a.max(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(a, low, high)
        return low, high

    @staticmethod
    def backward(ctx, grad_min, grad_max):
        x, low, high = ctx.saved_tensors
        shape, dims = x._array.shape, ctx.dims
        kept = keep_reduced_dims(shape, dims)
        share_min = _tie_share(x._array, low._array.reshape(kept), dims)
        share_max = _tie_share(x._array, high._array.reshape(kept), dims)
        return expand_reduced(grad_min, shape, dims, ctx.keepdim) * constant(share_min) + expand_reduced(
            grad_max, shape, dims, ctx.keepdim
        ) * constant(share_max)


@numpy_names
def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over all elements or over ``dim``.

    Example:
        >>> import ember
        >>> ember.aminmax(ember.tensor([3.0, 1.0, 2.0]))
        torch.return_types.aminmax(
        min=tensor(1.),
        max=tensor(3.))
    """
    a = input._array
    dims = tuple(range(a.ndim)) if dim is None else reduction_dims(dim, a.ndim)
    if a.size == 0 and dim is None:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    if a.ndim and dim is not None and a.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    low, high = Aminmax.apply(input, dims=dims, keepdim=keepdim)
    return AminmaxResult(low, high)


bind_methods(
    max=max,
    min=min,
    amax=amax,
    amin=amin,
    argmax=argmax,
    argmin=argmin,
    aminmax=aminmax,
)
