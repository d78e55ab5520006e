"""Cumulative ops along one dim: ``cumsum``, ``cumprod``, ``cummax``, ``cummin``.

``cumprod``'s gradient is exact with zeros in the input: it never divides by an
element at or after the first zero of its slice.

Example:
    >>> import ember
    >>> ember.tensor([1, 2, 3]).cumsum(0)
    tensor([1, 3, 6])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import constant, numpy_names, put_along_dim, return_type, single_dim, type_name
from ._util import bind_methods, xp_of
from .elementwise import where
from .inplace import copy_into_out, inplace_method

__all__ = [
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "logcumsumexp",
]

CummaxResult = return_type("cummax", ("values", "indices"))
CumminResult = return_type("cummin", ("values", "indices"))


def _scan(ufunc, a, dim, np_dtype=None):
    """``ufunc`` accumulated along ``dim`` (``np.add`` gives cumsum); a 0-d tensor is its own scan."""
    if a.ndim == 0:
        return xp_of(a).asarray(a.astype(np_dtype or a.dtype, copy=True))
    n = a.shape[dim]
    trailing = math.prod(a.shape[dim + 1:])
    if trailing < 32 or n < 2:
        return ufunc.accumulate(a, axis=dim, dtype=np_dtype)
    # NumPy scans a non-last axis one strided column at a time, which is many times slower
    # than adding whole contiguous rows: step along the axis, each step one vectorized op.
    out = np.array(a, dtype=np_dtype or a.dtype, order="C", copy=True)
    rows = out.reshape(math.prod(a.shape[:dim]), n, trailing)
    for i in range(1, n):
        ufunc(rows[:, i], rows[:, i - 1], out=rows[:, i])
    return out


def _result_dtype(a, np_dtype):
    if np_dtype is None and a.dtype.kind in "biu":
        return np.dtype(np.int64)  # torch accumulates integers and bools as int64
    return np_dtype


class Flip(Function):
    """Reverse one dim (a copy); used to run a scan from the end."""

    _array_forward = True
    _backward_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, a, dim=0):
        ctx.dim = dim
        return a.copy() if a.ndim == 0 else np.flip(a, axis=dim).copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, dim=ctx.dim)


def _reverse_cumsum(t: Tensor, dim: int) -> Tensor:
    """``out[i] = sum(t[j] for j >= i)`` along ``dim``."""
    return Flip.apply(cumsum(Flip.apply(t, dim=dim), dim), dim=dim)


class Cumsum(Function):
    _array_forward = True
    _backward_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, a, dim=0, np_dtype=None):
        ctx.dim = dim
        return _scan(np.add, a, dim, _result_dtype(a, np_dtype))

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim)


@numpy_names
def cumsum(input, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running sum along ``dim``; integer and bool inputs accumulate as int64.

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum(dim=1)
        tensor([[1., 3.],
                [3., 7.]])
    """
    d = single_dim(dim, input._array.ndim)
    result = Cumsum.apply(input, dim=d, np_dtype=None if dtype is None else dtype.numpy_dtype)
    return result if out is None else copy_into_out(out, result)


class Cumprod(Function):
    _array_forward = True
    _backward_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, a, dim=0, np_dtype=None):
        ctx.dim = dim
        out = _scan(np.multiply, a, dim, _result_dtype(a, np_dtype))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        xa = x._array
        if xa.ndim == 0:
            return grad
        is_zero = xa == 0
        if not is_zero.any():
            return _reverse_cumsum(grad * out, dim) / x
        # Per slice, z is the first zero.  Before z: the usual sum(g*out)/x.  At z: the
        # products skip x[z], i.e. cumprod of x with x[z] set to 1.  After z: every
        # product through x[z] is zero, and so is the gradient.
        seen = np.cumsum(is_zero, axis=dim)
        before = constant(seen == 0)
        at_first = constant(is_zero & (seen == 1))
        x_before = where(before, x, 1.0)
        before_part = _reverse_cumsum(grad * out, dim) / x_before
        skip_zero = cumprod(where(at_first, 1.0, x), dim)
        at_part = _reverse_cumsum(grad * skip_zero, dim)
        return where(before, before_part, where(at_first, at_part, 0.0))


@numpy_names
def cumprod(input, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running product along ``dim``; the gradient is exact with zeros.

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 2.0, 3.0]).cumprod(0)
        tensor([1., 2., 6.])
    """
    d = single_dim(dim, input._array.ndim)
    result = Cumprod.apply(input, dim=d, np_dtype=None if dtype is None else dtype.numpy_dtype)
    return result if out is None else copy_into_out(out, result)


class Cummax(Function):
    _array_forward = True
    _backward_name = "CummaxBackward0"
    _np_fn = staticmethod(np.maximum)

    @classmethod
    def forward(cls, ctx, a, dim=0):
        ctx.dim, ctx.in_shape = dim, a.shape
        if a.ndim == 0:
            indices = np.zeros((), np.int64)
            ctx.save_for_backward(indices)
            return a.copy(), indices
        values = _scan(cls._np_fn, a, dim)
        # An element takes the lead when it equals the running extremum (ties: the later
        # one, as torch), or is NaN (NaN propagates and each NaN takes the lead).
        leads = a == values
        if a.dtype.kind == "f":
            leads |= np.isnan(a)
        shape = [1] * a.ndim
        shape[dim] = a.shape[dim]
        positions = np.arange(a.shape[dim], dtype=np.int64).reshape(shape)
        indices = _scan(np.maximum, np.where(leads, positions, 0), dim)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        (indices,) = ctx.saved_tensors
        if not ctx.in_shape:
            return grad
        return put_along_dim(grad, indices, ctx.dim, ctx.in_shape, unique=False)


class Cummin(Cummax):
    _backward_name = "CumminBackward0"
    _np_fn = staticmethod(np.minimum)


@numpy_names
def cummax(input, dim: int):
    """Running maximum along ``dim`` and the index where it was found.

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 3.0, 2.0]).cummax(0).values
        tensor([1., 3., 3.])
    """
    d = single_dim(dim, input._array.ndim)
    return CummaxResult(*Cummax.apply(input, dim=d))


@numpy_names
def cummin(input, dim: int):
    """Running minimum along ``dim`` and the index where it was found.

    Example:
        >>> import ember
        >>> ember.tensor([3.0, 1.0, 2.0]).cummin(0).indices
        tensor([0, 1, 1])
    """
    d = single_dim(dim, input._array.ndim)
    return CumminResult(*Cummin.apply(input, dim=d))


class Logcumsumexp(Function):
    _array_forward = True
    _backward_name = "LogcumsumexpBackward0"

    @staticmethod
    def forward(ctx, a, dim=0):
        ctx.dim = dim
        out = _scan(np.logaddexp, a, dim)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x._array.ndim == 0:
            return grad
        dim = ctx.dim
        # dx_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log space (positive and negative
        # parts of g apart) so that nothing overflows.
        result = None
        for sign in (1.0, -1.0):
            part = grad._array * sign > 0
            if not part.any():
                continue
            log_g = where(constant(part), grad * sign, 1.0).log() + constant(np.where(part, 0.0, -np.inf).astype(x._array.dtype))
            later = Flip.apply(logcumsumexp(Flip.apply(log_g - out, dim=dim), dim), dim=dim)
            term = (x + later).exp() * sign
            result = term if result is None else result + term
        return result if result is not None else grad * 0.0


def logcumsumexp(input, dim: int, *, out=None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow.

    Example:
        >>> import ember
        >>> ember.tensor([0.0, 0.0, 0.0]).logcumsumexp(0)
        tensor([0.0000, 0.6931, 1.0986])
    """
    if input._array.dtype.kind not in "fV":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{type_name(input._array.dtype)}'")
    d = single_dim(dim, input._array.ndim)
    result = Logcumsumexp.apply(input, dim=d)
    return result if out is None else copy_into_out(out, result)


bind_methods(
    cumsum=cumsum,
    cumprod=cumprod,
    cummax=cummax,
    cummin=cummin,
    cumsum_=inplace_method(cumsum),
    cumprod_=inplace_method(cumprod),
    logcumsumexp=logcumsumexp,
)
