"""Numerical helpers: differences, membership, quantiles, histograms, integer and float
bit-level functions, the trapezoid rule, renorm, addr, vander and unravel_index.

Most ops here are composed of ember ops (as torch composes them), so their gradients
and double gradients come from the parts; the few elementwise kernels with their own
derivative (logaddexp2, frexp, ldexp, nextafter, addr) are Functions.

Example:
    >>> import ember
    >>> ember.diff(ember.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    >>> ember.quantile(ember.tensor([0.0, 1.0, 2.0, 3.0]), 0.5)
    tensor(1.5000)
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import (
    broadcast_error,
    cast_operand,
    maybe_out,
    not_implemented,
    promote,
    require_tensor,
    result_dtype,
)
from ._select import return_type, without_derivative
from ._util import bind_methods, normalize_dim, shape_str, xp_of
from .inplace import inplace_method
from .selection import where
from .special_math import _broadcasting

__all__ = [
    "addr",
    "cumulative_trapezoid",
    "diff",
    "frexp",
    "gcd",
    "heaviside",
    "histogram",
    "isin",
    "lcm",
    "ldexp",
    "logaddexp2",
    "nanquantile",
    "nextafter",
    "quantile",
    "renorm",
    "trapezoid",
    "trapz",
    "unravel_index",
    "vander",
]

_histogram_result = return_type("histogram", ("hist", "bin_edges"))
_frexp_result = return_type("frexp", ("mantissa", "exponent"))


def _wrap(array) -> Tensor:
    return Tensor._from_array(array)


def _default_float():
    return _dtype.get_default_dtype().numpy_dtype


def _fmt(value) -> str:
    """A number written as torch's C++ messages write it: ``1``, ``-1``, ``0.5``, ``inf``."""
    return f"{float(value):g}"


# ------------------------------------------------------------------------ diff
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` are joined first).

    Booleans differ by ``logical_xor``, as in torch.

    Example:
        >>> import ember
        >>> ember.diff(ember.tensor([1.0, 4.0, 9.0]), prepend=ember.tensor([0.0]))
        tensor([1., 3., 5.])
    """
    from .joining import cat
    from .logical import logical_xor

    require_tensor(input, "diff", 1, "input")
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = normalize_dim(dim, input.dim())
    parts = []
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(extra).__name__}")
        if extra.dim() != input.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for d in range(input.dim()):
            if d != dim and extra.shape[d] != input.shape[d]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of input "
                    f"except along the differencing dimension; input.size({d}) = {input.shape[d]}, "
                    f"but got tensor.size({d}) = {extra.shape[d]}"
                )
        parts.append((name, extra))
    x = input
    if parts:
        pieces = [e for name, e in parts if name == "prepend"] + [input] + [e for name, e in parts if name == "append"]
        x = cat(pieces, dim)
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = logical_xor(later, earlier) if x.dtype == _dtype.bool else later - earlier
    return x


# ------------------------------------------------------------------------ isin
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """A bool tensor shaped like ``elements``: is each element among ``test_elements``?

    Either argument may be a number (not both). ``assume_unique`` only allows a faster
    algorithm; the answer is the same.

    Example:
        >>> import ember
        >>> ember.isin(ember.tensor([1, 2, 3]), ember.tensor([2, 5]))
        tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
            f"{type(test_elements).__name__}), but expected at least one Tensor"
        )
    a = elements._array if isinstance(elements, Tensor) else elements
    b = test_elements._array if isinstance(test_elements, Tensor) else test_elements
    for x in (a, b):
        if np.asarray(x).dtype == np.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    dt = result_dtype(a, b)
    a_arr = np.asarray(cast_operand(a, dt))
    b_arr = np.asarray(cast_operand(b, dt))
    xp = xp_of(a_arr, b_arr)
    out = xp.isin(a_arr, b_arr.reshape(-1), assume_unique=assume_unique, invert=invert)
    return _wrap(xp.asarray(out))


# -------------------------------------------------------------------- quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(q, input: Tensor):
    """``q`` as an array in ``input``'s dtype (0-d or 1-d) after torch's checks."""
    np_dtype = input._array.dtype
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qa = q._array
        if qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        return qa
    if isinstance(q, (bool, list, tuple)) or not isinstance(q, (int, float, np.number)):
        raise TypeError(
            f"quantile() received an invalid combination of arguments - got (Tensor, {type(q).__name__}), "
            "but expected (Tensor input, Tensor q or float q, ...)"
        )
    if not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    return np.asarray(q, dtype=np_dtype)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan) -> Tensor:
    from .scatter_gather import gather
    from .selection import lerp

    require_tensor(input, "nanquantile" if ignore_nan else "quantile", 1, "input")
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    qa = _quantile_q(q, input)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    ndim = input.dim()
    if dim is None:
        x = input.reshape(-1)
        out_shape = (1,) * ndim if keepdim else ()
    else:
        dim = normalize_dim(dim, ndim)
        x = input.reshape(1) if ndim == 0 else input.movedim(dim, -1)
        shape = list(input.shape)
        if shape:
            shape[dim] = 1
            if not keepdim:
                del shape[dim]
        out_shape = tuple(shape)
    values = x.sort(-1).values  # NaNs sort last
    arr = values._array
    n = arr.shape[-1]
    xp = xp_of(arr)
    valid = (~xp.isnan(arr)).sum(-1, keepdims=True).astype(arr.dtype)
    # an all-NaN slice (nanquantile) or any NaN (quantile) reads the last, NaN, value
    reads_nan = (valid == 0) if ignore_nan else (valid < n)
    # ranks [..., k] in the input's dtype, as torch computes them; a tensor q keeps its
    # gradient through the linear interpolation weight
    q_row = q.reshape(-1) if isinstance(q, Tensor) else _wrap(qa.reshape(-1))
    ranks_t = where(_wrap(reads_nan), float(n - 1), q_row * _wrap(valid - 1))
    ranks = ranks_t._array
    if interpolation == "lower":
        low = high = xp.floor(ranks)
    elif interpolation == "higher":
        low = high = xp.ceil(ranks)
    elif interpolation == "nearest":
        low = high = xp.round(ranks)  # half to even, as torch's round
    else:
        low, high = xp.floor(ranks), xp.ceil(ranks)
    low_values = gather(values, -1, _wrap(low.astype(np.int64)))
    if interpolation in ("lower", "higher", "nearest"):
        result = low_values
    else:
        if interpolation == "linear":
            weight = ranks_t - _wrap(low.astype(arr.dtype))
        else:
            weight = _wrap(xp.full_like(ranks, 0.5))
        high_values = gather(values, -1, _wrap(high.astype(np.int64)))
        result = lerp(low_values, high_values, weight)
    # [..., k] -> [k, *out_shape], or out_shape for a 0-d q
    if qa.ndim == 0:
        return result.reshape(out_shape)
    return result.movedim(-1, 0).reshape((qa.shape[0],) + out_shape)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear", out=None) -> Tensor:
    """The ``q``-th quantiles of ``input`` along ``dim`` (all elements when ``dim`` is None).

    ``q`` is a float or a 0-d/1-d tensor of the input's dtype in ``[0, 1]``; a 1-d ``q``
    puts its dimension first in the result. A NaN in a slice makes its quantile NaN.

    Example:
        >>> import ember
        >>> ember.quantile(ember.tensor([[0.0, 1.0, 2.0, 3.0]]), 0.25, dim=1)
        tensor([0.7500])
    """
    return maybe_out(_quantile(input, q, dim, keepdim, interpolation, ignore_nan=False), out)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear", out=None) -> Tensor:
    """``quantile`` that ignores NaNs (a slice of NaNs only gives NaN).

    Example:
        >>> import ember
        >>> ember.nanquantile(ember.tensor([1.0, float("nan"), 3.0]), 0.5)
        tensor(2.)
    """
    return maybe_out(_quantile(input, q, dim, keepdim, interpolation, ignore_nan=True), out)


# ------------------------------------------------------------------- histogram
def _histogram_edges(a: np.ndarray, bins, range) -> np.ndarray:
    if isinstance(bins, Tensor):
        if bins.dim() != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins.dim()} dimensions in the bins tensor for dimension 0"
            )
        return bins._array.copy()
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if range is not None:
        low, high = float(range[0]), float(range[1])
    elif a.size:
        low, high = float(a.min()), float(a.max())  # a NaN makes the range NaN: an error below
    else:
        low, high = 0.0, 1.0
    if low > high:
        raise RuntimeError(
            f"torch.histogramdd: min should not exceed max, but got min {_fmt(low)} max {_fmt(high)} for dimension 0"
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_fmt(low)}, {_fmt(high)}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1).astype(a.dtype)


def _dtype_word(np_dtype) -> str:
    return {"float32": "float", "float64": "double"}.get(str(np_dtype), str(np_dtype))


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False, out=None):
    """A histogram of ``input``: ``(hist, bin_edges)``.

    ``bins`` is a count of equal bins over ``range`` (the data's min and max by default)
    or a 1-d tensor of increasing edges. Each bin holds ``edges[i] <= x < edges[i+1]``;
    the last also holds its right edge. ``weight`` weighs each element, ``density``
    normalizes the histogram to integrate to 1.

    Example:
        >>> import ember
        >>> ember.histogram(ember.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0)).hist
        tensor([0., 2., 1., 0.])
    """
    require_tensor(input, "histogram", 1, "input")
    a = input._array
    if a.dtype.kind != "f" or a.dtype.itemsize < 4:
        raise not_implemented("histogramdd", a.dtype)
    if isinstance(bins, Tensor) and bins.dim() == 1 and bins._array.dtype != a.dtype:
        raise RuntimeError(
            "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input "
            f"with dtype {_dtype_word(a.dtype)} and bins for dimension 0 with dtype {_dtype_word(bins._array.dtype)}"
        )
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input "
                "tensor excluding its innermost dimension, but got input with shape "
                f"{shape_str(tuple(input.shape) + (1,))} and weight with shape {shape_str(weight.shape)}"
            )
        if weight._array.dtype != a.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have "
                f"the same dtype, but got input({_dtype_word(a.dtype)}), and weight({_dtype_word(weight._array.dtype)})"
            )
    edges = _histogram_edges(a, bins, range)
    flat = a.reshape(-1)
    nbins = edges.shape[0] - 1
    inside = (flat >= edges[0]) & (flat <= edges[-1])  # NaN is never inside
    values = flat[inside]
    position = np.searchsorted(edges, values, side="right") - 1
    position = np.clip(position, 0, max(nbins - 1, 0))  # the right edge belongs to the last bin
    w = None if weight is None else weight._array.reshape(-1)[inside].astype(np.float64)
    hist = np.bincount(position, weights=w, minlength=nbins)[:nbins].astype(np.float64)
    if density:
        hist = hist / (hist.sum() * np.diff(edges.astype(np.float64)))
    hist, edges = hist.astype(a.dtype), edges.astype(a.dtype)
    if input.requires_grad or (weight is not None and weight.requires_grad):
        error = (RuntimeError, "derivative for aten::histogram is not implemented")
        hist_t, edges_t = without_derivative(input, (hist, edges), error)
    else:
        hist_t, edges_t = _wrap(hist), _wrap(edges)
    if out is not None:
        from .inplace import copy_into_out

        hist_t, edges_t = copy_into_out(out[0], hist_t), copy_into_out(out[1], edges_t)
    return _histogram_result(hist_t, edges_t)


# ------------------------------------------------------- elementwise: no gradient
def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """The step function: 0 where ``input < 0``, ``values`` where it is 0, 1 where ``> 0``.

    Example:
        >>> import ember
        >>> ember.heaviside(ember.tensor([-1.0, 0.0, 2.0]), ember.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    require_tensor(input, "heaviside", 1, "input")
    require_tensor(values, "heaviside", 2, "values")
    a, v = input._array, values._array
    if a.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    xp = xp_of(a, v)
    try:
        result = xp.where(a == 0, v, (a > 0).astype(a.dtype))
    except ValueError:
        raise broadcast_error("heaviside", a.shape, v.shape) from None
    result = xp.asarray(result, dtype=a.dtype)
    if (input.requires_grad or values.requires_grad) and a.dtype.kind == "f":
        error = (RuntimeError, "derivative for aten::heaviside is not implemented")
        (t,) = without_derivative(input if input.requires_grad else values, (result,), error)
    else:
        t = _wrap(result)
    return maybe_out(t, out)


def _integer_pair(op: str, input, other):
    require_tensor(input, op, 1, "input")
    require_tensor(other, op, 2, "other")
    a, b = input._array, other._array
    dt = result_dtype(a, b)
    if dt.kind not in "iu":
        raise not_implemented(f"{op}_cpu", dt)
    a, b = cast_operand(a, dt), cast_operand(b, dt)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None
    return xp_of(a, b), a, b


def gcd(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) == 0``).

    Example:
        >>> import ember
        >>> ember.gcd(ember.tensor([4, -6, 0]), ember.tensor([6, 4, 0]))
        tensor([2, 2, 0])
    """
    xp, a, b = _integer_pair("gcd", input, other)
    return maybe_out(_wrap(xp.asarray(xp.gcd(a, b))), out)


def lcm(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The least common multiple of integer tensors (it wraps around on overflow, as torch).

    Example:
        >>> import ember
        >>> ember.lcm(ember.tensor([4, -6, 0]), ember.tensor([6, 4, 5]))
        tensor([12, 12,  0])
    """
    xp, a, b = _integer_pair("lcm", input, other)
    with np.errstate(all="ignore"):
        g = xp.gcd(a, b)
        safe = xp.where(g == 0, 1, g).astype(a.dtype)
        result = xp.abs((a // safe) * b).astype(a.dtype)
        result = xp.where(g == 0, 0, result).astype(a.dtype)
    return maybe_out(_wrap(xp.asarray(result)), out)


# ------------------------------------------------ elementwise with a derivative
def _float_pair(op: str, a, b):
    """Both operands in their floating result dtype (integer operands are refused here)."""
    dt = result_dtype(a, b)
    if dt.kind not in "fV":
        raise not_implemented(f"{op}_cpu", dt)
    return cast_operand(a, dt), cast_operand(b, dt)


class Logaddexp2(Function):
    _array_forward = True
    _backward_name = "Logaddexp2Backward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = _float_pair("logaddexp2", a, b)
        return _broadcasting("logaddexp2", a, b, xp_of(a, b).logaddexp2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            grad / (1 + (b - a).exp2()) if need_a else None,
            grad / (1 + (a - b).exp2()) if need_b else None,
        )


def logaddexp2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow.

    Example:
        >>> import ember
        >>> ember.logaddexp2(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([2.])
    """
    require_tensor(input, "logaddexp2", 1, "input")
    require_tensor(other, "logaddexp2", 2, "other")
    return maybe_out(Logaddexp2.apply(input, other), out)


class Frexp(Function):
    _array_forward = True
    _backward_name = "FrexpBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        mantissa, exponent = xp.frexp(a)
        exponent = exponent.astype(np.int32)
        ctx.scale = xp.ldexp(xp.ones((), a.dtype), -exponent).astype(a.dtype)  # 2**-exponent
        ctx.mark_non_differentiable(exponent)
        return xp.asarray(mantissa).astype(a.dtype, copy=False), xp.asarray(exponent)

    @staticmethod
    def backward(ctx, grad, grad_exponent=None):
        return grad * _wrap(ctx.scale)


def frexp(input: Tensor, *, out=None):
    """``input = mantissa * 2**exponent`` with ``0.5 <= |mantissa| < 1``: ``(mantissa, exponent)``.

    The exponent is int32.

    Example:
        >>> import ember
        >>> ember.frexp(ember.tensor([8.0, -3.0])).exponent
        tensor([4, 2], dtype=torch.int32)
    """
    require_tensor(input, "frexp", 1, "input")
    if input._array.dtype.kind not in "fV":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = Frexp.apply(input)
    if out is not None:
        from .inplace import copy_into_out

        mantissa, exponent = copy_into_out(out[0], mantissa), copy_into_out(out[1], exponent)
    return _frexp_result(mantissa, exponent)


class Ldexp(Function):
    _array_forward = True
    _backward_name = "LdexpBackward0"

    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a, b)
        b_float = b.astype(_default_float()) if b.dtype.kind in "iub" else b
        with np.errstate(all="ignore"):
            power = xp.asarray(xp.exp2(b_float))  # 2.0 ** other, as torch's mul(input, pow(2, other))
            x, p = promote(a, power, "ldexp")
            out = _broadcasting("ldexp", x, p, lambda u, v: u * v)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if not b.is_floating_point():
            # torch's backward takes pow(2, other) in the integer dtype: 2**-k is 0 there
            exponent = b._array
            power = Tensor._from_array(
                xp_of(exponent).where(exponent >= 0, 2 ** np.clip(exponent, 0, 62), 0).astype(exponent.dtype)
            )
            return grad * power, None
        power = (b * math.log(2.0)).exp()
        return (
            grad * power if need_a else None,
            grad * a * power * math.log(2.0) if need_b else None,
        )


def ldexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``input * 2**other`` (floating result).

    Example:
        >>> import ember
        >>> ember.ldexp(ember.tensor([1.0, 2.0]), ember.tensor([3, 4]))
        tensor([ 8., 32.])
    """
    require_tensor(input, "ldexp", 1, "input")
    require_tensor(other, "ldexp", 2, "other")
    return maybe_out(Ldexp.apply(input, other), out)


class Nextafter(Function):
    _array_forward = True
    _backward_name = "NextafterBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a, b = _float_pair("nextafter", a, b)
        return _broadcasting("nextafter", a, b, xp_of(a, b).nextafter)

    @staticmethod
    def backward(ctx, grad):
        # torch's convention: the identity for input where it moves (input != other),
        # zero where it stays put, and zero for other
        a, b = ctx.saved_tensors
        return where(a != b, grad, 0.0), grad * 0


def nextafter(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The next representable float after ``input`` in the direction of ``other``.

    Example:
        >>> import ember
        >>> ember.nextafter(ember.tensor([1.0], dtype=ember.float64), ember.tensor([2.0], dtype=ember.float64)) - 1
        tensor([2.2204e-16], dtype=torch.float64)
    """
    require_tensor(input, "nextafter", 1, "input")
    require_tensor(other, "nextafter", 2, "other")
    return maybe_out(Nextafter.apply(input, other), out)


# ------------------------------------------------------------------ trapezoid
def _trapezoid_dim(y: Tensor, dim: int, op: str) -> int:
    if y.dtype == _dtype.bool:
        raise RuntimeError(f"{op}: received a bool input for `y`, but bool is not supported")
    if y.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, y.dim())


def _sample_spacing(y: Tensor, x: Tensor, dim: int, op: str) -> Tensor:
    """The spacing ``x[i+1] - x[i]`` shaped to broadcast against ``y``'s intervals."""
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = max(x.shape[0] - 1, 0)
        return diff(x).reshape(shape)
    return diff(x, dim=dim)


def _check_overloads(op: str, x, dx) -> None:
    if x is not None and dx is not None:
        raise TypeError(
            f"{op}() received an invalid combination of arguments - got (Tensor, Tensor, dx={type(dx).__name__}), "
            f"but expected one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n * (Tensor y, *, Number dx = 1, int dim = -1)"
        )
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(
            f"{op}() received an invalid combination of arguments - got (Tensor, {type(x).__name__}), "
            f"but expected one of:\n * (Tensor y, *, float dx = 1, int dim = -1)\n * (Tensor y, Tensor x, *, int dim = -1)"
        )


def _zeros_without(y: Tensor, dim: int) -> Tensor:
    from .creation import zeros

    shape = tuple(s for i, s in enumerate(y.shape) if i != dim)
    dt = y.dtype if y.is_floating_point() else _dtype.get_default_dtype()
    return zeros(shape, dtype=dt)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoid rule along ``dim``: sample points ``x`` (1-d or shaped like ``y``) or a
    constant spacing ``dx`` (default 1).

    Example:
        >>> import ember
        >>> ember.trapezoid(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([1.0, 3.0, 4.0]))
        tensor(5.5000)
    """
    require_tensor(y, "trapezoid", 1, "y")
    _check_overloads("trapezoid", x, dx)
    dim = _trapezoid_dim(y, dim, "trapezoid")
    n = y.shape[dim]
    if x is not None:
        spacing = _sample_spacing(y, x, dim, "trapezoid")
        if n == 0:
            return _zeros_without(y, dim)
        return (spacing * (y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1))).sum(dim) / 2.0
    if n == 0:
        return _zeros_without(y, dim)
    dx = 1 if dx is None else dx
    return (y.sum(dim) - (y.select(dim, 0) + y.select(dim, -1)) * 0.5) * dx


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """An alias of :func:`trapezoid` (``trapz(y, x, dim=...)`` or ``trapz(y, dx=..., dim=...)``).

    Example:
        >>> import ember
        >>> ember.trapz(ember.tensor([1.0, 2.0, 3.0]), dx=2.0)
        tensor(8.)
    """
    _check_overloads("trapz", x, dx)
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral along ``dim`` (one element shorter than ``y``).

    Example:
        >>> import ember
        >>> ember.cumulative_trapezoid(ember.tensor([1.0, 2.0, 3.0]))
        tensor([1.5000, 4.0000])
    """
    require_tensor(y, "cumulative_trapezoid", 1, "y")
    _check_overloads("cumulative_trapezoid", x, dx)
    dim = _trapezoid_dim(y, dim, "cumulative_trapezoid")
    n = y.shape[dim]
    if x is not None:
        spacing = _sample_spacing(y, x, dim, "cumulative_trapezoid")
    if n == 0:
        result = y.narrow(dim, 0, 0)
        return result if y.is_floating_point() else result.to(_dtype.get_default_dtype())
    pair_sums = y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)
    if x is not None:
        areas = spacing * pair_sums / 2.0
    else:
        areas = pair_sums * ((1 if dx is None else dx) / 2.0)
    return areas.cumsum(dim)


# ---------------------------------------------------------------------- renorm
def renorm(input: Tensor, p: float, dim: int, maxnorm: float, *, out=None) -> Tensor:
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` down to ``maxnorm``.

    Example:
        >>> import ember
        >>> ember.renorm(ember.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    from .reduction import vector_norm

    require_tensor(input, "renorm", 1, "input")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {_fmt(maxnorm)}")
    if input.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    dim = normalize_dim(dim, input.dim())
    others = tuple(d for d in range(input.dim()) if d != dim)
    norm = vector_norm(input, p, others, keepdim=True)
    factor = where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return maybe_out(input * factor, out)


def _renorm_of_copy(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """renorm of a copy, for ``renorm_``: the norm's backward keeps the old values."""
    return renorm(input.clone(), p, dim, maxnorm)


# ------------------------------------------------------------------------ addr
def _check_scalar(name: str, value, np_dtype) -> None:
    if np_dtype.kind in "iu" and isinstance(value, (float, np.floating)):
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    if isinstance(value, (bool, np.bool_)) and np_dtype.kind != "b":
        raise RuntimeError(f"Boolean {name} only supported for Boolean results.")


class Addr(Function):
    _array_forward = True
    _backward_name = "AddrBackward0"

    @staticmethod
    def forward(ctx, input, vec1, vec2, beta=1, alpha=1):
        xp = xp_of(input, vec1, vec2)
        dt = result_dtype(input, vec1, vec2)
        _check_scalar("beta", beta, dt)
        _check_scalar("alpha", alpha, dt)
        a, v1, v2 = input.astype(dt, copy=False), vec1.astype(dt, copy=False), vec2.astype(dt, copy=False)
        target = (v1.shape[0], v2.shape[0])
        if not _expandable(a.shape, target):
            raise RuntimeError(
                f"addr: the input of shape {shape_str(a.shape)} can't be expanded to the outer "
                f"product's shape {shape_str(target)}"
            )
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(vec1, vec2)
        if dt == np.bool_:
            outer = xp.logical_and.outer(v1, v2) & bool(alpha)
            result = outer | (a & bool(beta)) if beta else outer
        else:
            outer = xp.multiply.outer(v1, v2)
            if alpha != 1:
                outer = outer * cast_operand(alpha, dt)
            result = outer if beta == 0 else outer + a * cast_operand(beta, dt)  # beta=0 ignores NaN in input
        return xp.asarray(xp.broadcast_to(result, target), dtype=dt).copy()

    @staticmethod
    def backward(ctx, grad):
        vec1, vec2 = ctx.saved_tensors
        need_input, need_1, need_2 = ctx.needs_input_grad
        beta, alpha = ctx.beta, ctx.alpha
        return (
            (grad if beta == 1 else grad * beta) if need_input else None,
            (grad.matmul(vec2) * alpha) if need_1 else None,
            (grad.mT.matmul(vec1) * alpha) if need_2 else None,
        )


def _expandable(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    padded = (1,) * (len(target) - len(shape)) + tuple(shape)
    return all(s in (1, t) for s, t in zip(padded, target))


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)`` (``input`` broadcasts to the outer shape).

    With ``beta=0`` the input is ignored, NaNs included.

    Example:
        >>> import ember
        >>> ember.addr(ember.zeros(2, 2), ember.tensor([1.0, 2.0]), ember.tensor([1.0, 3.0]))
        tensor([[1., 3.],
                [2., 6.]])
    """
    require_tensor(input, "addr", 1, "input")
    require_tensor(vec1, "addr", 2, "vec1")
    require_tensor(vec2, "addr", 3, "vec2")
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.dim()}-D")
    return maybe_out(Addr.apply(input, vec1, vec2, beta=beta, alpha=alpha), out)


# ---------------------------------------------------------------------- vander
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-d ``x``: columns ``x**(N-1), ..., x, 1``
    (``1, x, ..., x**(N-1)`` when ``increasing``). Integer and bool inputs give int64.

    Example:
        >>> import ember
        >>> ember.vander(ember.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    from .creation import ones
    from .joining import cat

    require_tensor(x, "vander", 1, "x")
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0]
    N = n if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if x._array.dtype.kind in "iub":
        x = x.to(_dtype.int64)
    if N == 0:
        return ones((n, 0), dtype=x.dtype)
    columns = [ones((n, 1), dtype=x.dtype)]
    if N > 1:
        columns.append(x.unsqueeze(1).expand(n, N - 1).cumprod(1))
    result = cat(columns, 1) if len(columns) > 1 else columns[0]
    return result if increasing else result.flip(1)


# --------------------------------------------------------------- unravel_index
def unravel_index(indices: Tensor, shape) -> tuple:
    """Flat indices into a tensor of ``shape`` as a tuple of coordinate tensors (int64).

    Indices wrap around as Python's floor division does (``-1`` is the last element).

    Example:
        >>> import ember
        >>> ember.unravel_index(ember.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be a Tensor, but got {type(indices).__name__}")
    if indices._array.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    flat = indices._array.astype(np.int64)
    xp = xp_of(flat)
    coords = []
    if 0 in shape:
        raise RuntimeError(f"unravel_index: shape {shape} has a dimension of size 0 (ZeroDivisionError)")
    for size in reversed(shape):  # one step per dimension of ``shape``, not per element
        coords.append(xp.mod(flat, size))
        flat = xp.floor_divide(flat, size)
    return tuple(_wrap(xp.asarray(c)) for c in reversed(coords))


bind_methods(
    diff=diff,
    quantile=quantile,
    nanquantile=nanquantile,
    histogram=histogram,
    heaviside=heaviside,
    heaviside_=inplace_method(heaviside, "heaviside_"),
    gcd=gcd,
    gcd_=inplace_method(gcd, "gcd_"),
    lcm=lcm,
    lcm_=inplace_method(lcm, "lcm_"),
    logaddexp2=logaddexp2,
    frexp=frexp,
    ldexp=ldexp,
    ldexp_=inplace_method(ldexp, "ldexp_"),
    nextafter=nextafter,
    nextafter_=inplace_method(nextafter, "nextafter_"),
    renorm=renorm,
    renorm_=inplace_method(_renorm_of_copy, "renorm_"),
    addr=addr,
    addr_=inplace_method(addr, "addr_"),
)
