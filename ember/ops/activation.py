"""Activation functions: the math behind nn.ReLU & co., F.gelu, softmax, ...

Each activation is a Function whose forward runs on raw arrays and whose backward is
written with ember ops on the saved input, so second derivatives work.  Piecewise-
linear ones multiply the gradient by a constant mask; smooth ones multiply it by
their derivative, itself built from differentiable ember ops.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.gelu(ember.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from . import _erf_math
from ._util import as_float_array, bind_methods, normalize_dim, xp_of
from .elementwise import exp, sigmoid, tanh, where
from .inplace import apply_inplace

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _mask(tensor_like_array, condition) -> Tensor:
    """A constant (non-differentiable) 0/1 tensor in the dtype of the gradient."""
    return Tensor._from_array(condition.astype(tensor_like_array.dtype))


def _inplace(input: Tensor, result: Tensor, name: str) -> Tensor:
    input._check_inplace_allowed()
    return apply_inplace(input, result, name)


# ------------------------------------------------------------ normal CDF (for gelu)
def _normal_cdf_array(a):
    """Phi(a) as an array: exact erf for float64, else the fast float32 kernel."""
    if a.dtype == np.float64:
        cdf = _erf_math.erf(a * (1.0 / math.sqrt(2.0)))
        cdf += 1
        cdf *= 0.5
        return cdf
    return _erf_math.normal_cdf(a)


def _gelu_and_slope_arrays(a, with_slope: bool):
    """``(a * Phi(a), Phi(a) + a * pdf(a))`` as arrays (the slope None unless wanted);
    exact erf for float64, else the fused float32 kernel."""
    if a.dtype != np.float64:
        return _erf_math.gelu_and_slope(a, with_slope)
    cdf = _normal_cdf_array(a)
    slope = None
    if with_slope:
        slope = xp_of(a).exp(a * a * -0.5)
        slope *= a * (1.0 / math.sqrt(2.0 * math.pi))
        slope += cdf
    cdf *= a
    return cdf, slope


class _NormalCdf(Function):
    """Phi(x) = P(N(0,1) <= x), differentiable to any order (Phi' = pdf)."""

    _array_forward = True
    _backward_name = "ErfBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp_of(a).asarray(_normal_cdf_array(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _normal_pdf(a)


def _normal_pdf(x: Tensor) -> Tensor:
    return exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))


# ------------------------------------------------------------- piecewise linear
class _LeakyRelu(Function):
    _array_forward = True
    _backward_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        a = as_float_array(a)
        return xp_of(a).where(a > 0, a, a * a.dtype.type(negative_slope))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        arr = a._array
        slopes = xp_of(arr).where(arr > 0, 1.0, ctx.slope).astype(grad._array.dtype)
        return grad * Tensor._from_array(slopes)


class _Hardtanh(Function):
    _array_forward = True
    _backward_name = "HardtanhBackward0"

    @staticmethod
    def forward(ctx, a, min_val=-1.0, max_val=1.0):
        ctx.save_for_backward(a)
        ctx.bounds = (min_val, max_val)
        a = as_float_array(a)
        return xp_of(a).clip(a, a.dtype.type(min_val), a.dtype.type(max_val))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        arr = a._array
        return grad * _mask(grad._array, (arr > lo) & (arr < hi))


class _Threshold(Function):
    _array_forward = True
    _backward_name = "ThresholdBackward0"

    @staticmethod
    def forward(ctx, a, threshold=0.0, value=0.0):
        ctx.save_for_backward(a)
        ctx.threshold = threshold
        return xp_of(a).where(a > threshold, a, a.dtype.type(value))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(grad._array, a._array > ctx.threshold)


class _Shrink(Function):
    """softshrink (``soft=True``) and hardshrink."""

    _array_forward = True
    _backward_name = "SoftshrinkBackward0"

    @staticmethod
    def forward(ctx, a, lambd=0.5, soft=True):
        ctx.save_for_backward(a)
        ctx.lambd = lambd
        xp = xp_of(a)
        keep = xp.abs(a) > lambd
        if soft:
            shifted = a - xp.sign(a).astype(a.dtype) * a.dtype.type(lambd)
            return xp.where(keep, shifted, a.dtype.type(0))
        return xp.where(keep, a, a.dtype.type(0))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(grad._array, xp_of(a._array).abs(a._array) > ctx.lambd)


class _Hardsigmoid(Function):
    _array_forward = True
    _backward_name = "HardsigmoidBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        a = as_float_array(a)
        return xp_of(a).clip(a / a.dtype.type(6) + a.dtype.type(0.5), 0, 1).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        arr = a._array
        return grad * Tensor._from_array(((arr > -3) & (arr < 3)).astype(grad._array.dtype) / 6)


class _Hardswish(Function):
    _array_forward = True
    _backward_name = "HardswishBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        a = as_float_array(a)
        xp = xp_of(a)
        return (a * xp.clip(a + a.dtype.type(3), 0, 6) / a.dtype.type(6)).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # 0 up to -3, x/3 + 1/2 strictly between, 1 from 3 on (torch's choice at the kinks)
        slope = where(a <= -3, 0.0, where(a < 3, a / 3 + 0.5, 1.0))
        return grad * slope


class _PRelu(Function):
    _array_forward = True
    _backward_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, a, weight):
        ctx.save_for_backward(a, weight)
        return xp_of(a).where(a > 0, a, a * weight).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, weight = ctx.saved_tensors
        need_a, need_w = ctx.needs_input_grad
        positive = _mask(grad._array, a._array > 0)
        grad_a = grad * (positive + (1 - positive) * weight) if need_a else None
        grad_w = grad * a * (1 - positive) if need_w else None
        return grad_a, grad_w


class _RRelu(Function):
    """Leaky ReLU with given per-element negative slopes (random in training)."""

    _array_forward = True
    _backward_name = "RreluWithNoiseBackward0"

    @staticmethod
    def forward(ctx, a, slopes=None):
        ctx.slopes = slopes
        return a * slopes

    @staticmethod
    def backward(ctx, grad):
        return grad * Tensor._from_array(ctx.slopes)


# --------------------------------------------------------------------- smooth
class _Elu(Function):
    """scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1)): elu, selu, celu."""

    _array_forward = True
    _backward_name = "EluBackward0"

    @staticmethod
    def forward(ctx, a, alpha=1.0, scale=1.0, input_scale=1.0):
        ctx.save_for_backward(a)
        ctx.params = (alpha, scale, input_scale)
        a = as_float_array(a)
        xp = xp_of(a)
        with np.errstate(over="ignore"):
            neg = alpha * xp.expm1(xp.minimum(a, 0) * input_scale)
        return xp.asarray(scale * xp.where(a > 0, a, neg), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        neg_slope = exp(where(a > 0, 0.0, a) * input_scale) * (scale * alpha * input_scale)
        return grad * where(a > 0, float(scale), neg_slope)


class _Gelu(Function):
    _array_forward = True
    _array_backward = True
    _backward_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.approximate = approximate
        a = as_float_array(a)
        xp = xp_of(a)
        if approximate == "tanh":
            ctx.save_for_backward(a)
            inner = math.sqrt(2.0 / math.pi) * (a + 0.044715 * a * a * a)
            return xp.asarray(0.5 * a * (1.0 + xp.tanh(inner)), dtype=a.dtype)
        # The slope Phi(a) + a * pdf(a) comes out of the same pass as the output (while
        # the chunk is in cache) and is kept, so backward is a single product; it is
        # skipped when no graph is recorded.
        out, slope = _gelu_and_slope_arrays(a, with_slope=bool(ctx.needs_input_grad))
        ctx.save_for_backward(a, slope)
        return xp.asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.approximate == "tanh":
            (a,) = ctx.saved_tensors
            k = math.sqrt(2.0 / math.pi)
            inner = (a + a * a * a * 0.044715) * k
            t = tanh(inner) if isinstance(inner, Tensor) else xp_of(inner).tanh(inner)
            slope = (1 + t) * 0.5 + a * (1 - t * t) * (1 + a * a * (3 * 0.044715)) * (0.5 * k)
            return grad * slope
        a, slope = ctx.saved_tensors
        if isinstance(grad, Tensor):  # a graph of the backward is wanted
            return grad * (_NormalCdf.apply(a) + a * _normal_pdf(a))
        # On arrays: the slope saved by forward (float32 for float16 inputs: the
        # engine casts the gradient back to a's dtype).
        return grad * slope


class _Silu(Function):
    _array_forward = True
    _backward_name = "SiluBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        a = as_float_array(a)
        xp = xp_of(a)
        with np.errstate(over="ignore"):
            return xp.asarray(a / (1 + xp.exp(-a)), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        s = sigmoid(a)
        return grad * (s * (1 + a * (1 - s)))


class _Softplus(Function):
    _array_forward = True
    _backward_name = "SoftplusBackward0"

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.save_for_backward(a)
        ctx.params = (beta, threshold)
        a = as_float_array(a)
        xp = xp_of(a)
        scaled = a * beta
        soft = xp.logaddexp(0, scaled) / beta
        return xp.asarray(xp.where(scaled > threshold, a, soft), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        beta, threshold = ctx.params
        linear = _mask(grad._array, a._array * beta > threshold)
        return grad * (linear + (1 - linear) * sigmoid(a * beta))


class _Mish(Function):
    _array_forward = True
    _backward_name = "MishBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        a = as_float_array(a)
        xp = xp_of(a)
        return xp.asarray(a * xp.tanh(xp.logaddexp(0, a)), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        t = tanh(_Softplus.apply(a))
        return grad * (t + a * sigmoid(a) * (1 - t * t))


class _LogSigmoid(Function):
    _array_forward = True
    _backward_name = "LogSigmoidBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        a = as_float_array(a)
        xp = xp_of(a)
        return xp.asarray(-xp.logaddexp(0, -a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sigmoid(-a)


# -------------------------------------------------------------------- softmax
class _Softmax(Function):
    _array_forward = True
    _backward_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim=-1):
        ctx.dim = dim
        if a.dtype.kind in "iub":
            a = as_float_array(a)
        if a.ndim == 0:
            out = xp_of(a).ones_like(a)
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                out = xp_of(a).exp(a - a.max(axis=dim, keepdims=True))
                out /= out.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if out.dim() == 0:
            return grad * 0
        return out * (grad - (grad * out).sum(dim=ctx.dim, keepdim=True))


class _LogSoftmax(Function):
    _array_forward = True
    _backward_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim=-1):
        ctx.dim = dim
        if a.dtype.kind in "iub":
            a = as_float_array(a)
        if a.ndim == 0:
            out = xp_of(a).zeros_like(a)
            ctx.softmax = None
        else:
            xp = xp_of(a)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                # (a - max) - log(sum): subtracting in this order keeps float32 precision.
                out = a - a.max(axis=dim, keepdims=True)
                e = xp.exp(out)
                total = e.sum(axis=dim, keepdims=True)
                out -= xp.log(total)
                if ctx.needs_input_grad:
                    # Kept so that a first-order backward needs no second exp (the costly part).
                    e /= total
                    ctx.softmax = e
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if out.dim() == 0:
            return grad * 0
        if not STATE.enabled and ctx.softmax is not None:
            # No graph wanted (create_graph=False): plain array math, one pass fewer.
            g = grad._array
            result = ctx.softmax * -g.sum(axis=ctx.dim, keepdims=True)
            result += g
            return Tensor._from_array(result.astype(g.dtype, copy=False))
        return grad - exp(out) * grad.sum(dim=ctx.dim, keepdim=True)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prepare_softmax(input: Tensor, dim, dtype, name: str, stacklevel: int):
    if dim is None:
        dim = _softmax_dim(name, input.dim(), stacklevel + 1)
    dim = normalize_dim(dim, input.dim(), name)
    if dtype is not None:
        input = input.to(dtype)
    return input, dim


# ------------------------------------------------------------- public functions
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.relu(ember.tensor([-1.0, 0.5]))
        tensor([0.0000, 0.5000])
    """
    from .elementwise import relu as _relu

    result = _relu(input)
    return _inplace(input, result, "relu_") if inplace else result


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 1 strictly inside, else 0.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.hardtanh(ember.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    result = _Hardtanh.apply(input, min_val=min_val, max_val=max_val)
    return _inplace(input, result, "hardtanh_") if inplace else result


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for positive ``x``, ``negative_slope * x`` otherwise.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.leaky_relu(ember.tensor([-2.0, 2.0]), 0.1)
        tensor([-0.2000,  2.0000])
    """
    result = _LeakyRelu.apply(input, negative_slope=negative_slope)
    return _inplace(input, result, "leaky_relu_") if inplace else result


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for positive ``x``, ``alpha * (exp(x) - 1)`` otherwise."""
    result = _Elu.apply(input, alpha=alpha)
    return _inplace(input, result, "elu_") if inplace else result


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalizing constants."""
    result = _Elu.apply(input, alpha=_SELU_ALPHA, scale=_SELU_SCALE)
    return _inplace(input, result, "selu_") if inplace else result


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    result = _Elu.apply(input, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)
    return _inplace(input, result, "celu_") if inplace else result


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (Phi: the standard normal CDF), or its tanh approximation.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.gelu(ember.tensor([1.0]), approximate="tanh")
        tensor([0.8412])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (a.k.a. swish)."""
    result = _Silu.apply(input)
    return _inplace(input, result, "silu_") if inplace else result


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    result = _Mish.apply(input)
    return _inplace(input, result, "mish_") if inplace else result


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.softplus(ember.tensor([0.0, 100.0]))
        tensor([  0.6931, 100.0000])
    """
    return _Softplus.apply(input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    result = _Hardsigmoid.apply(input)
    return _inplace(input, result, "hardsigmoid_") if inplace else result


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    result = _Hardswish.apply(input)
    return _inplace(input, result, "hardswish_") if inplace else result


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow."""
    return _LogSigmoid.apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    result = _Threshold.apply(input, threshold=threshold, value=value)
    return _inplace(input, result, "threshold_") if inplace else result


def threshold_(input: Tensor, threshold_value: float, value: float) -> Tensor:
    return threshold(input, threshold_value, value, inplace=True)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - tanh(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _Shrink.apply(input, lambd=lambd, soft=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return _Shrink.apply(input, lambd=lambd, soft=False)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope: one for all channels, or one per channel (dim 1).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.prelu(ember.tensor([[-1.0, -1.0]]), ember.tensor([0.1, 0.5]))
        tensor([[-0.1000, -0.5000]])
    """
    n = weight.numel()
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else input.shape[0]
        if channels != n:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {channels}."
            )
        if input.dim() >= 2:
            weight = weight.reshape((n,) + (1,) * (input.dim() - 2))
    else:
        weight = weight.reshape(())
    return _PRelu.apply(input, weight)


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """Randomized leaky ReLU: slopes U(lower, upper) in training, their mean otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ..random import resolve

    arr = input._array
    noise = resolve(None).uniform(lower, upper, size=arr.shape).astype(arr.dtype)
    slopes = np.where(np.asarray(arr) >= 0, np.asarray(1, arr.dtype), noise)
    result = _RRelu.apply(input, slopes=xp_of(arr).asarray(slopes))
    return _inplace(input, result, "rrelu_") if inplace else result


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.dim(), "glu")
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    lead = (slice(None),) * d
    a = input[lead + (slice(0, size // 2),)]
    b = input[lead + (slice(size // 2, size),)]
    return a * sigmoid(b)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, shifted by the max for stability.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.softmax(ember.tensor([1.0, 1.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    input, dim = _prepare_softmax(input, dim, dtype, "softmax", _stacklevel)
    return _Softmax.apply(input, dim=dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``x - logsumexp(x, dim)``: stable for large inputs.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.log_softmax(ember.tensor([1000.0, 1000.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    input, dim = _prepare_softmax(input, dim, dtype, "log_softmax", _stacklevel)
    return _LogSoftmax.apply(input, dim=dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)``."""
    input, dim = _prepare_softmax(input, dim, dtype, "softmin", _stacklevel)
    return _Softmax.apply(-input, dim=dim)


def _softmax_method(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


bind_methods(
    softmax=_softmax_method,
    log_softmax=_log_softmax_method,
    hardshrink=hardshrink,
    prelu=prelu,
)
