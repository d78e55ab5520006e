"""Reductions over dimensions: sums, means, products, statistics and norms.

Every reduction takes ``dim`` as an int, a tuple/list of ints or None (all dims),
accepts negative dims and ``keepdim``, and records torch's grad_fn name (``sum()``
is ``SumBackward0``, ``sum(dim)`` is ``SumBackward1``).  Max/min live in
``extrema.py``, cumulative ops in ``cumulative.py``, order statistics in ``sorting.py``.

Example:
    >>> import ember
    >>> ember.ones(2, 3).sum(dim=-1, keepdim=True).shape
    torch.Size([2, 1])
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ._select import (
    accumulation_dtype,
    constant,
    expand_reduced,
    keep_reduced_dims,
    numpy_names,
    reduction_dims,
    type_name,
    without_derivative,
)
from ._util import as_float_array, bind_methods, xp_of
from .elementwise import where
from .inplace import copy_into_out

__all__ = [
    "all",
    "any",
    "bincount",
    "corrcoef",
    "count_nonzero",
    "cov",
    "histc",
    "logsumexp",
    "mean",
    "nanmean",
    "nansum",
    "norm",
    "prod",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
]

def _numel(shape, dims) -> int:
    return int(math.prod(shape[d] for d in dims))


def _with_out(result, out):
    return result if out is None else copy_into_out(out, result)


def _np_dtype(dtype):
    return None if dtype is None else dtype.numpy_dtype


# ------------------------------------------------------------------------- sum
class Sum(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.in_shape = a.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        if np_dtype is None and type(a) is ndarray and a.dtype.char in "fd":
            # The common case, float32/64 summed in its own dtype: the ufunc directly
            # (ndarray.sum goes through a Python wrapper in NumPy).
            return np.asarray(np.add.reduce(a, axis=dims, keepdims=keepdim))
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.dtype(np.int64)  # torch sums integers and bools as int64
        acc = accumulation_dtype(a) if np_dtype is None or np_dtype == a.dtype else None
        out = a.sum(axis=dims, keepdims=keepdim, dtype=acc or np_dtype)
        if acc is not None:
            out = out.astype(a.dtype if np_dtype is None else np_dtype)
        return xp_of(a).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad, ctx.in_shape, ctx.dims, ctx.keepdim)


class SumAll(Sum):
    _backward_name = "SumBackward0"


@numpy_names
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Sum of elements, over all or over ``dim`` (int or tuple).

    Integer and bool inputs sum to int64 unless ``dtype`` says otherwise.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
        tensor([4, 6])
    """
    dims = reduction_dims(dim, input._array.ndim)
    fn = SumAll if dim is None else Sum
    return _with_out(fn.apply(input, dims=dims, keepdim=keepdim, np_dtype=_np_dtype(dtype)), out)


# ------------------------------------------------------------------------ mean
class Mean(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.in_shape = a.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        ctx.count = count = _numel(a.shape, dims)
        out_dtype = np_dtype or a.dtype
        acc = accumulation_dtype(np.empty(0, out_dtype)) or out_dtype
        with np.errstate(invalid="ignore", divide="ignore"):
            out = a.sum(axis=dims, keepdims=keepdim, dtype=acc) / acc.type(count)
        return xp_of(a).asarray(out).astype(out_dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad, ctx.in_shape, ctx.dims, ctx.keepdim) / ctx.count


class MeanAll(Mean):
    _backward_name = "MeanBackward0"


@numpy_names
def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Mean of elements (floating inputs, or an integer input with a floating ``dtype``).

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=1)
        tensor([1.5000, 3.5000])
    """
    check_dtype = dtype.numpy_dtype if dtype is not None else input._array.dtype
    if check_dtype.kind not in "fV":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {type_name(check_dtype)}"
        )
    dims = reduction_dims(dim, input._array.ndim)
    fn = MeanAll if dim is None else Mean
    return _with_out(fn.apply(input, dims=dims, keepdim=keepdim, np_dtype=_np_dtype(dtype)), out)


# ------------------------------------------------------------------------ prod
class Prod(Function):
    _array_forward = True
    _backward_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.dims = dims
        ctx.keepdim = keepdim
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.dtype(np.int64)
        acc = accumulation_dtype(a) if np_dtype is None else None
        out = a.prod(axis=dims, keepdims=keepdim, dtype=acc or np_dtype)
        if acc is not None:
            out = out.astype(a.dtype)
        out = xp_of(a).asarray(out)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        in_shape = x._array.shape
        grad = expand_reduced(grad, in_shape, dims, keepdim)
        return grad * _prod_of_others(x, out, dims, keepdim)


class ProdAll(Prod):
    _backward_name = "ProdBackward0"


def _prod_of_others(x: Tensor, out: Tensor, dims: tuple, keepdim: bool) -> Tensor:
    """For every element, the product of the other elements of its slice, without dividing by 0.

    No zero in a slice: ``out / x``.  Exactly one zero: the product of the rest at the
    zero, 0 elsewhere.  Two or more zeros: 0 everywhere.
    """
    in_shape = x._array.shape
    out_full = expand_reduced(out, in_shape, dims, keepdim)
    is_zero = x._array == 0
    if not is_zero.any():
        return out_full / x
    zeros_per_slice = is_zero.sum(axis=dims, keepdims=True)
    x_no_zeros = where(constant(is_zero), 1.0, x)
    rest = Prod.apply(x_no_zeros, dims=dims, keepdim=True)
    no_zero = constant(np.broadcast_to(zeros_per_slice == 0, in_shape))
    lone_zero = constant(is_zero & (zeros_per_slice == 1))
    return where(no_zero, out_full / x_no_zeros, where(lone_zero, rest, 0.0))


@numpy_names
def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Product of elements, over all or over one ``dim``.

    The gradient is exact with zeros in the input (no division by zero).

    Example:
        >>> import ember
        >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
        tensor([ 2., 12.])
    """
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    if dim is None:
        dims = tuple(range(input._array.ndim))
        result = ProdAll.apply(input, dims=dims, keepdim=False, np_dtype=_np_dtype(dtype))
    else:
        dims = reduction_dims(dim, input._array.ndim)
        result = Prod.apply(input, dims=dims, keepdim=keepdim, np_dtype=_np_dtype(dtype))
    return _with_out(result, out)


# --------------------------------------------------------------- nan-aware sums
class Nansum(Function):
    _array_forward = True
    _backward_name = "NansumBackward0"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False, np_dtype=None):
        ctx.save_for_backward(a)
        ctx.dims = dims
        ctx.keepdim = keepdim
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.dtype(np.int64)
        acc = accumulation_dtype(a) if np_dtype is None else None
        if a.dtype.kind in "fV":
            out = np.nansum(a, axis=dims, keepdims=keepdim, dtype=acc or np_dtype)
        else:
            out = a.sum(axis=dims, keepdims=keepdim, dtype=np_dtype)
        if acc is not None:
            out = out.astype(a.dtype)
        return xp_of(a).asarray(out)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        grad = expand_reduced(grad, x._array.shape, ctx.dims, ctx.keepdim)
        return grad * constant(~np.isnan(x._array))


@numpy_names
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Sum treating NaN as zero.

    Example:
        >>> import ember
        >>> ember.tensor([1.0, float("nan"), 2.0]).nansum()
        tensor(3.)
    """
    dims = reduction_dims(dim, input._array.ndim)
    return _with_out(Nansum.apply(input, dims=dims, keepdim=keepdim, np_dtype=_np_dtype(dtype)), out)


@numpy_names
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Mean of the non-NaN elements (NaN where a slice has none).

    Example:
        >>> import ember
        >>> ember.tensor([1.0, float("nan"), 3.0]).nanmean()
        tensor(2.)
    """
    if input._array.dtype.kind not in "fV":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{type_name(input._array.dtype)}"
        )
    dims = reduction_dims(dim, input._array.ndim)
    count = (~np.isnan(input._array)).sum(axis=dims, keepdims=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    return _with_out(total / constant(np.asarray(count, dtype=total._array.dtype)), out)


# ------------------------------------------------------------- logical and counts
def _logical_reduce(input, dim, keepdim, np_fn, out):
    a = input._array
    dims = reduction_dims(dim, a.ndim)
    result = np.asarray(np_fn(a, axis=dims, keepdims=keepdim))
    result = result.astype(np.uint8) if a.dtype == np.uint8 else result.astype(np.bool_, copy=False)
    return _with_out(Tensor._from_array(result), out)


@numpy_names
def all(input, dim=None, keepdim: bool = False, *, out=None):
    """True where every element (over ``dim``) is nonzero; uint8 in gives uint8 out.

    Example:
        >>> import ember
        >>> ember.tensor([[True, False], [True, True]]).all(dim=1)
        tensor([False,  True])
    """
    return _logical_reduce(input, dim, keepdim, np.all, out)


@numpy_names
def any(input, dim=None, keepdim: bool = False, *, out=None):
    """True where some element (over ``dim``) is nonzero.

    Example:
        >>> import ember
        >>> ember.tensor([0.0, 0.5]).any()
        tensor(True)
    """
    return _logical_reduce(input, dim, keepdim, np.any, out)


@numpy_names
def count_nonzero(input, dim=None) -> Tensor:
    """Number of nonzero elements (int64), over all or over ``dim``.

    Example:
        >>> import ember
        >>> ember.tensor([[0, 1], [2, 3]]).count_nonzero(dim=0)
        tensor([1, 2])
    """
    a = input._array
    dims = reduction_dims(dim, a.ndim)
    return Tensor._from_array(np.asarray(np.count_nonzero(a, axis=dims), dtype=np.int64))


# -------------------------------------------------------------------- logsumexp
class Logsumexp(Function):
    _array_forward = True
    _backward_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, a, dims=(), keepdim=False):
        original = a
        ctx.dims = dims
        ctx.keepdim = keepdim
        a = as_float_array(a)
        xp = xp_of(a)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            # Shifting by the max keeps exp from overflowing; an infinite max is not shifted.
            m = np.max(a, axis=dims, keepdims=True, initial=-np.inf) if a.size else xp.zeros(
                keep_reduced_dims(a.shape, dims), a.dtype
            )
            m = xp.where(xp.isfinite(m), m, 0).astype(a.dtype)
            out = xp.log(xp.exp(a - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(a.shape) if i not in dims))
        out = xp.asarray(out)
        ctx.save_for_backward(original, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape = x._array.shape
        grad = expand_reduced(grad, shape, ctx.dims, ctx.keepdim)
        return grad * (x - expand_reduced(out, shape, ctx.dims, ctx.keepdim)).exp()


@numpy_names
def logsumexp(input, dim, keepdim: bool = False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow.

    Example:
        >>> import ember
        >>> ember.tensor([1000.0, 1000.0]).logsumexp(0)
        tensor(1000.6932)
    """
    dims = reduction_dims(dim, input._array.ndim)
    return _with_out(Logsumexp.apply(input, dims=dims, keepdim=keepdim), out)


# ------------------------------------------------------------- variance and std
def _check_var_dtype(input) -> None:
    if input._array.dtype.kind not in "fV":
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _var_args(dim, unbiased, correction):
    """Sort out torch's overloads: ``var(x, unbiased)``, ``var(x, dim, unbiased)``, ``correction=``."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is not None and unbiased is not None:
        raise RuntimeError("var/std: cannot specify both 'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _centered_square_sum(a, dims):
    acc = accumulation_dtype(a) or a.dtype
    a = a.astype(acc, copy=False)
    mean = a.sum(axis=dims, keepdims=True) / acc.type(_numel(a.shape, dims))  # NaN when empty, as torch
    centered = a - mean
    return (centered * centered).sum(axis=dims, keepdims=True), mean


def _squeeze_dims(arr, dims, keepdim):
    if keepdim:
        return arr
    return arr.reshape(tuple(s for i, s in enumerate(arr.shape) if i not in dims))


class Var(Function):
    """Variance, optionally with the mean (``var_mean``) as a second output."""

    _array_forward = True
    _backward_name = "VarBackward0"

    @staticmethod
    def forward(ctx, a, dims=(), correction=1, keepdim=False, with_mean=False, take_sqrt=False):
        ctx.save_for_backward(a)
        ctx.dims, ctx.keepdim = dims, keepdim
        count = _numel(a.shape, dims)
        ctx.dof = dof = builtins.max(0, count - correction)
        ctx.count = count
        ctx.take_sqrt = take_sqrt
        xp = xp_of(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            squares, mean = _centered_square_sum(a, dims)
            result = squares / dof
            if take_sqrt:
                result = xp.sqrt(result)
        result = xp.asarray(_squeeze_dims(result, dims, keepdim).astype(a.dtype))
        if take_sqrt:
            ctx.save_for_backward(a, result)
        if with_mean:
            return result, xp.asarray(_squeeze_dims(mean, dims, keepdim).astype(a.dtype))
        return result

    @staticmethod
    def backward(ctx, grad, grad_mean=None):
        saved = ctx.saved_tensors
        x = saved[0]
        shape = x._array.shape
        dims, keepdim = ctx.dims, ctx.keepdim
        centered = x - x.mean(dim=dims, keepdim=True) if dims else x - x
        g = expand_reduced(grad, shape, dims, keepdim)
        if ctx.take_sqrt:
            std = expand_reduced(saved[1], shape, dims, keepdim)
            is_zero = std._array == 0
            # torch: a zero standard deviation passes no gradient (not 0/0)
            safe_std = where(constant(is_zero), 1.0, std) if is_zero.any() else std
            result = g * centered / (safe_std * ctx.dof)
            if is_zero.any():
                result = where(constant(np.broadcast_to(is_zero, shape)), 0.0, result)
        else:
            result = g * centered * (2.0 / ctx.dof if ctx.dof else math.inf)
        if grad_mean is not None:
            result = result + expand_reduced(grad_mean, shape, dims, keepdim) / builtins.max(ctx.count, 1)
        return result


class Std(Var):
    _backward_name = "StdBackward0"


class VarMean(Var):
    _backward_name = "VarMeanBackward0"


class StdMean(Var):
    _backward_name = "StdMeanBackward0"


def _var_family(fn, input, dim, unbiased, keepdim, correction, with_mean, take_sqrt):
    _check_var_dtype(input)
    dim, correction = _var_args(dim, unbiased, correction)
    dims = reduction_dims(dim, input._array.ndim)
    if _numel(input._array.shape, dims) - correction <= 0:
        name = {Var: "var", Std: "std", VarMean: "var_mean", StdMean: "std_mean"}[fn]
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
            "factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return fn.apply(
        input, dims=dims, correction=correction, keepdim=keepdim, with_mean=with_mean, take_sqrt=take_sqrt
    )


@numpy_names
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` is 0).

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 2.0, 3.0, 4.0]).var()
        tensor(1.6667)
    """
    return _with_out(_var_family(Var, input, dim, unbiased, keepdim, correction, False, False), out)


@numpy_names
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Standard deviation over ``dim`` (see :func:`var` for ``correction``).

    Example:
        >>> import ember
        >>> ember.tensor([1.0, 3.0]).std()
        tensor(1.4142)
    """
    return _with_out(_var_family(Std, input, dim, unbiased, keepdim, correction, False, True), out)


@numpy_names
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` in one pass.

    Example:
        >>> import ember
        >>> ember.var_mean(ember.tensor([1.0, 3.0]))
        (tensor(2.), tensor(2.))
    """
    return _var_family(VarMean, input, dim, unbiased, keepdim, correction, True, False)


@numpy_names
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` in one pass.

    Example:
        >>> import ember
        >>> ember.std_mean(ember.tensor([1.0, 3.0]))
        (tensor(1.4142), tensor(2.))
    """
    return _var_family(StdMean, input, dim, unbiased, keepdim, correction, True, True)


# ------------------------------------------------------------------------ norms
class VectorNorm(Function):
    _array_forward = True
    _backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, ord=2.0, dims=(), keepdim=False, np_dtype=None):
        original = a
        ctx.ord, ctx.dims, ctx.keepdim, ctx.np_dtype = ord, dims, keepdim, np_dtype
        if np_dtype is not None:
            a = a.astype(np_dtype)
        out_dtype = a.dtype
        acc = accumulation_dtype(a)
        if acc is not None:
            a = a.astype(acc)
        xp = xp_of(a)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if ord == 2:
                out = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
            elif ord == 1:
                out = xp.abs(a).sum(axis=dims, keepdims=keepdim)
            elif ord == math.inf:
                out = xp.abs(a).max(axis=dims, keepdims=keepdim)
            elif ord == -math.inf:
                out = xp.abs(a).min(axis=dims, keepdims=keepdim)
            elif ord == 0:
                out = (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
            else:
                out = (xp.abs(a) ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = xp.asarray(out).astype(out_dtype, copy=False)
        ctx.save_for_backward(original, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if ctx.np_dtype is not None and x._array.dtype != ctx.np_dtype:
            x = x._cast_np(ctx.np_dtype)
        return _vector_norm_grad(x, out, grad, ctx.ord, ctx.dims, ctx.keepdim)


def _vector_norm_grad(x: Tensor, out: Tensor, grad: Tensor, ord, dims, keepdim) -> Tensor:
    shape = x._array.shape
    g = expand_reduced(grad, shape, dims, keepdim)
    norm = expand_reduced(out, shape, dims, keepdim)
    xa = x._array
    sign = constant(np.sign(xa))
    if ord == 0:
        return g * 0.0
    if ord == 1:
        return g * sign
    if ord in (math.inf, -math.inf):
        # ties share the gradient evenly, as in torch
        hits = np.abs(xa) == norm._array
        share = hits / np.maximum(hits.sum(axis=dims, keepdims=True), 1)
        return g * sign * constant(share.astype(xa.dtype))
    norm_is_zero = norm._array == 0
    safe_norm = where(constant(norm_is_zero), 1.0, norm) if norm_is_zero.any() else norm
    if ord == 2:
        return g * x / safe_norm
    abs_x = x * sign
    x_is_zero = xa == 0
    safe_abs = where(constant(x_is_zero), 1.0, abs_x) if x_is_zero.any() else abs_x
    result = g * x * safe_abs ** (ord - 2) / safe_norm ** (ord - 1)
    if norm_is_zero.any():
        result = where(constant(np.broadcast_to(norm_is_zero, shape)), 0.0, result)
    return result


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default).

    ``ord`` may be any real number, ``inf`` or ``-inf``; 0 counts nonzeros.

    Example:
        >>> import ember
        >>> ember.linalg.vector_norm(ember.tensor([3.0, 4.0]))
        tensor(5.)
    """
    if x._array.dtype.kind not in "fV":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{type_name(x._array.dtype)}"
        )
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    ord = float(ord)
    dims = reduction_dims(dim, x._array.ndim)
    if (ord < 0 or ord == math.inf) and _numel(x._array.shape, dims) == 0:
        # max/min-like norms have no identity element to return for nothing
        empty_dim = next((d for d in dims if x._array.shape[d] == 0), 0)
        where = "an empty tensor " if dim is None else f"the dimension {empty_dim}"
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord:g} norm on {where}because "
            f"{'' if dim is None else 'this dimension is empty and '}the operation does not have an identity"
        )
    result = VectorNorm.apply(x, ord=ord, dims=dims, keepdim=keepdim, np_dtype=_np_dtype(dtype))
    return _with_out(result, out)


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """The norm of ``input``: a vector p-norm over ``dim``, or ``'fro'`` / ``'nuc'``.

    Example:
        >>> import ember
        >>> ember.tensor([[3.0, 4.0]]).norm()
        tensor(5.)
    """
    if p is None or p == "fro":
        p = 2
    elif p == "nuc":
        from .linalg_functions import matrix_norm

        return _with_out(matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim, dtype=dtype), out)
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported p '{p}'")
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


# ------------------------------------------------------- covariance, correlation
def cov(input, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns).

    ``fweights`` are integer repeat counts and ``aweights`` relative importances of the
    observations, as in NumPy.

    Example:
        >>> import ember
        >>> ember.cov(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    a = input._array
    if a.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {a.ndim} dimensions")
    x = input.reshape(1, -1) if a.ndim < 2 else input
    if x._array.dtype.kind not in "fV":
        x = x._cast_np(_dtype.get_default_dtype().numpy_dtype)
    observations = x._array.shape[1]
    weights = None
    if fweights is not None:
        weights = fweights
    if aweights is not None:
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = observations
        mean = x.mean(dim=1, keepdim=True)
        dof = total - correction
        centered = x - mean
        product = centered @ centered.transpose(0, 1)
    else:
        weights = weights._cast_np(x._array.dtype)
        total = weights.sum()
        mean = (x * weights).sum(dim=1, keepdim=True) / total
        if correction == 0:
            dof = total
        elif aweights is None:
            dof = total - correction
        else:
            dof = total - correction * (weights * aweights).sum() / total
        centered = x - mean
        product = (centered * weights) @ centered.transpose(0, 1)
    if float(dof) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of observations.",
            UserWarning,
            stacklevel=2,
        )
        dof = 0 if not isinstance(dof, Tensor) else dof * 0
    with np.errstate(divide="ignore", invalid="ignore"):
        result = product / dof
    return result.reshape(()) if a.ndim < 2 else result


def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``.

    Example:
        >>> import ember
        >>> ember.corrcoef(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))[0, 1]
        tensor(-0.9820)
    """
    c = cov(input)
    if c._array.ndim == 0:
        return c / c
    from .einsum import einsum

    std = einsum("ii->i", c).sqrt()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = c / std.reshape(-1, 1) / std.reshape(1, -1)
    # Rounding can push |r| just past 1: clip, as torch does.
    too_high, too_low = r._array > 1, r._array < -1
    if too_high.any() or too_low.any():
        r = where(constant(too_high), 1.0, where(constant(too_low), -1.0, r))
    return r


# --------------------------------------------------------------- histograms
def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, 2, ... occurs in a 1-D non-negative integer tensor
    (or the sum of ``weights`` at those positions).

    Example:
        >>> import ember
        >>> ember.bincount(ember.tensor([0, 1, 1, 3]))
        tensor([1, 2, 0, 1])
    """
    a = input._array
    if a.dtype.kind not in "iu" and a.dtype != np.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{type_name(a.dtype)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._from_array(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._array
    if w.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    counts = np.bincount(a, weights=w, minlength=minlength).astype(out_dtype)
    error = (RuntimeError, "derivative for aten::bincount is not implemented")
    return without_derivative(weights, (counts,), error)[0]


def histc(input, bins: int = 100, min=0, max=0, *, out=None) -> Tensor:
    """Histogram with ``bins`` equal bins over ``[min, max]`` (the data's range when equal).

    Example:
        >>> import ember
        >>> ember.histc(ember.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    a = input._array
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{type_name(a.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low == high and a.size:
        low, high = float(a.min()), float(a.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {low} max {high}")
    counts, _ = np.histogram(a.astype(np.float64).reshape(-1), bins=bins, range=(low, high))
    return _with_out(Tensor._from_array(counts.astype(a.dtype)), out)


bind_methods(
    sum=sum,
    mean=mean,
    prod=prod,
    nansum=nansum,
    nanmean=nanmean,
    all=all,
    any=any,
    count_nonzero=count_nonzero,
    logsumexp=logsumexp,
    var=var,
    std=std,
    norm=norm,
    bincount=bincount,
    histc=histc,
)
