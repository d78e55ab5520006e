"""Elementwise choices between values: where, clamp, maximum/minimum, fmax/fmin, lerp,
nan_to_num, with torch's gradients at ties and bounds.

torch's conventions, checked against torch itself:

* ``clamp``: the input's gradient flows where ``min <= x <= max`` (bounds inclusive);
  a tensor ``min`` gets it where ``x < min < max``, a tensor ``max`` where ``x > max``
  or ``max < min``.
* ``maximum``/``minimum``: a tie splits the gradient half and half.
* ``fmax``/``fmin``: a tie gives the whole gradient to the first input.

Example:
    >>> import ember
    >>> x = ember.tensor([-1.0, 0.5, 1.0], requires_grad=True)
    >>> x.clamp(0, 1).sum().backward(); x.grad
    tensor([0., 1., 1.])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._pointwise import (
    broadcast_error,
    cast_operand,
    maybe_out,
    not_implemented,
    raw,
    require_tensor,
    result_dtype,
)
from ._util import bind_methods, xp_of
from .inplace import inplace_method

__all__ = [
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "fmax",
    "fmin",
    "lerp",
    "maximum",
    "minimum",
    "nan_to_num",
    "where",
]


# ------------------------------------------------------------------------- where
class Where(Function):
    _array_forward = True
    _backward_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        dt = result_dtype(a, b)
        a, b = cast_operand(a, dt), cast_operand(b, dt)
        xp = xp_of(condition, a, b)
        try:
            out = xp.where(condition, a, b)
        except ValueError:
            raise broadcast_error("where", np.shape(condition), np.shape(a), np.shape(b)) from None
        return xp.asarray(out.astype(dt, copy=False))

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[1:]
        grad_a = where(condition, grad, 0.0) if need_a else None
        grad_b = where(condition, 0.0, grad) if need_b else None
        return None, grad_a, grad_b


def where(condition, input=None, other=None, *, out=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other``.

    With only ``condition``, returns ``condition.nonzero(as_tuple=True)``.

    Example:
        >>> import ember
        >>> ember.where(ember.tensor([True, False]), 1.0, 0.0)
        tensor([1., 0.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    cond = raw(condition)
    if getattr(cond, "dtype", None) != np.bool_:
        from ._pointwise import type_name

        got = type_name(cond.dtype) if hasattr(cond, "dtype") else type(cond).__name__
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {got}"
        )
    return maybe_out(Where.apply(condition, input, other), out)


# ------------------------------------------------------------------------- clamp
def _clamp_array(xp, a, lo, hi):
    out = a
    if lo is not None:
        out = xp.maximum(out, lo)
    if hi is not None:
        out = xp.minimum(out, hi)
    return out


class ClampScalarBounds(Function):
    """``clamp`` with number (or missing) bounds."""

    _array_forward = True
    _backward_name = "ClampBackward1"
    _kernel = "clamp_scalar_cpu"

    @classmethod
    def forward(cls, ctx, a, lo=None, hi=None):
        dt = result_dtype(*(v for v in (a, lo, hi) if v is not None))
        if dt.kind == "b":
            raise not_implemented(cls._kernel, dt)
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        a = cast_operand(a, dt)
        lo = None if lo is None else cast_operand(lo, dt)
        hi = None if hi is None else cast_operand(hi, dt)
        xp = xp_of(a)
        return xp.asarray(_clamp_array(xp, a, lo, hi))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return where(_inside(a, ctx.lo, ctx.hi), grad, 0.0)


class ClampMinScalar(ClampScalarBounds):
    _backward_name = "ClampMinBackward0"
    _kernel = "clamp_min_scalar_cpu"


class ClampMaxScalar(ClampScalarBounds):
    _backward_name = "ClampMaxBackward0"
    _kernel = "clamp_max_scalar_cpu"


def _inside(a, lo, hi):
    """Where the input passes through the clamp: ``lo <= a <= hi`` (inclusive)."""
    if lo is None:
        return a <= hi
    if hi is None:
        return a >= lo
    return (a >= lo).logical_and(a <= hi)


class ClampTensorBounds(Function):
    """``clamp`` with at least one tensor bound; the bounds get gradients too."""

    _array_forward = True
    _backward_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        dt = result_dtype(*(v for v in (a, lo, hi) if v is not None))
        if dt.kind == "b" and lo is not None and hi is not None:
            raise not_implemented("clamp_cpu", dt)
        ctx.save_for_backward(a, lo, hi)
        casted = [None if v is None else cast_operand(v, dt) for v in (a, lo, hi)]
        xp = xp_of(*casted)
        try:
            return xp.asarray(_clamp_array(xp, *casted))
        except ValueError:
            raise broadcast_error("clamp", *(np.shape(v) for v in (a, lo, hi) if v is not None)) from None

    @staticmethod
    def backward(ctx, grad):
        a, lo, hi = ctx.saved_tensors
        need_a, need_lo, need_hi = ctx.needs_input_grad
        grad_a = where(_inside(a, lo, hi), grad, 0.0) if need_a else None
        grad_lo = grad_hi = None
        if need_lo:
            below = a < lo if hi is None else (a < lo).logical_and(lo < hi)
            grad_lo = where(below, grad, 0.0)
        if need_hi:
            above = a > hi if lo is None else (a > hi).logical_or(hi < lo)
            grad_hi = where(above, grad, 0.0)
        return grad_a, grad_lo, grad_hi


class ClampMinTensor(ClampTensorBounds):
    _backward_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensorBounds):
    _backward_name = "ClampMaxBackward1"


def _bound(value):
    """A number bound stays a number; a 0-d/n-d tensor or array bound is a tensor."""
    if isinstance(value, np.ndarray):
        return Tensor._from_array(value)
    return value


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit ``input`` to ``[min, max]``; either bound may be a number, a tensor or None.

    The gradient flows where ``min <= input <= max`` (bounds included), as in torch.

    Example:
        >>> import ember
        >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    min, max = _bound(min), _bound(max)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return maybe_out(ClampTensorBounds.apply(input, min, max), out)
    return maybe_out(ClampScalarBounds.apply(input, lo=min, hi=max), out)


clip = clamp


def clamp_min(input: Tensor, min, *, out=None) -> Tensor:
    """``max(input, min)`` elementwise (``min`` a number or a tensor).

    Example:
        >>> import ember
        >>> ember.clamp_min(ember.tensor([-1.0, 2.0]), 0.0)
        tensor([0., 2.])
    """
    min = _bound(min)
    if isinstance(min, Tensor):
        return maybe_out(ClampMinTensor.apply(input, min, None), out)
    return maybe_out(ClampMinScalar.apply(input, lo=min), out)


def clamp_max(input: Tensor, max, *, out=None) -> Tensor:
    """``min(input, max)`` elementwise (``max`` a number or a tensor).

    Example:
        >>> import ember
        >>> ember.clamp_max(ember.tensor([-1.0, 2.0]), 1.0)
        tensor([-1.,  1.])
    """
    max = _bound(max)
    if isinstance(max, Tensor):
        return maybe_out(ClampMaxTensor.apply(input, None, max), out)
    return maybe_out(ClampMaxScalar.apply(input, hi=max), out)


# ------------------------------------------------------- maximum, minimum, fmax, fmin
class _PairwisePick(Function):
    """Elementwise max/min of two tensors; subclasses choose the ufunc and the gradient."""

    _array_forward = True
    _ufunc = ""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = result_dtype(a, b)
        a, b = cast_operand(a, dt), cast_operand(b, dt)
        xp = xp_of(a, b)
        try:
            return xp.asarray(getattr(xp, cls._ufunc)(a, b))
        except ValueError:
            raise broadcast_error(cls._ufunc, np.shape(a), np.shape(b)) from None


def _split_ties(grad, a, b, a_loses):
    """torch's maximum/minimum rule: half the gradient each on ties, none to the loser."""
    return where(a_loses, 0.0, where(a == b, grad / 2, grad))


class Maximum(_PairwisePick):
    _backward_name = "MaximumBackward0"
    _ufunc = "maximum"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_ties(grad, a, b, a < b), _split_ties(grad, a, b, a > b)


class Minimum(_PairwisePick):
    _backward_name = "MinimumBackward0"
    _ufunc = "minimum"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_ties(grad, a, b, a > b), _split_ties(grad, a, b, a < b)


class Fmax(_PairwisePick):
    _backward_name = "FmaxBackward0"
    _ufunc = "fmax"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        first_wins = (a >= b).logical_or(b.isnan())
        return where(first_wins, grad, 0.0), where(first_wins, 0.0, grad)


class Fmin(_PairwisePick):
    _backward_name = "FminBackward0"
    _ufunc = "fmin"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        first_wins = (a <= b).logical_or(b.isnan())
        return where(first_wins, grad, 0.0), where(first_wins, 0.0, grad)


def _pairwise(name: str, cls, doc: str):
    def fn(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(input, name, 1, "input")
        require_tensor(other, name, 2, "other")
        return maybe_out(cls.apply(input, other), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


maximum = _pairwise(
    "maximum",
    Maximum,
    """Elementwise maximum (nan wins); ties split the gradient.

    Example:
        >>> import ember
        >>> ember.maximum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """,
)
minimum = _pairwise(
    "minimum",
    Minimum,
    """Elementwise minimum (nan wins); ties split the gradient.

    Example:
        >>> import ember
        >>> ember.minimum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """,
)
fmax = _pairwise(
    "fmax",
    Fmax,
    """Elementwise maximum ignoring nan (nan only where both are nan).

    Example:
        >>> import ember
        >>> ember.fmax(ember.tensor([float("nan"), 1.0]), ember.tensor([2.0, 0.0]))
        tensor([2., 1.])
    """,
)
fmin = _pairwise(
    "fmin",
    Fmin,
    """Elementwise minimum ignoring nan.

    Example:
        >>> import ember
        >>> ember.fmin(ember.tensor([float("nan"), 1.0]), ember.tensor([2.0, 0.0]))
        tensor([2., 0.])
    """,
)


# -------------------------------------------------------------------------- lerp
def _lerp_array(xp, start, end, weight):
    """torch's two-sided formula: exact at both ends (weight 0 gives start, 1 gives end)."""
    diff = end - start
    low = start + weight * diff
    high = end - diff * (1 - weight)
    return xp.where(xp.abs(weight) < 0.5, low, high)


class Lerp(Function):
    """``lerp`` with a number weight."""

    _array_forward = True
    _backward_name = "LerpBackward0"

    @staticmethod
    def forward(ctx, start, end, weight=0.5):
        ctx.weight = weight
        return _lerp_forward(start, end, weight, "lerp_kernel_scalar")

    @staticmethod
    def backward(ctx, grad):
        w = ctx.weight
        need_start, need_end = ctx.needs_input_grad
        return (grad * (1 - w) if need_start else None), (grad * w if need_end else None)


class LerpTensorWeight(Function):
    _array_forward = True
    _backward_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        return _lerp_forward(start, end, weight, "lerp_kernel_tensor")

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        need_start, need_end, need_weight = ctx.needs_input_grad
        return (
            grad * (1 - weight) if need_start else None,
            grad * weight if need_end else None,
            grad * (end - start) if need_weight else None,
        )


def _lerp_forward(start, end, weight, kernel):
    dt = start.dtype
    if dt.kind not in "fV":
        raise not_implemented(kernel, dt)
    compute = np.dtype(np.float32) if dt.itemsize < 4 else dt  # half precision: float32 math
    s, e = start.astype(compute, copy=False), end.astype(compute, copy=False)
    w = weight.astype(compute, copy=False) if hasattr(weight, "astype") else compute.type(weight)
    xp = xp_of(start, end)
    try:
        out = _lerp_array(xp, s, e, w)
    except ValueError:
        raise broadcast_error("lerp", *(np.shape(v) for v in (start, end, weight))) from None
    return xp.asarray(out.astype(dt, copy=False))


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` a number or tensor.

    Example:
        >>> import ember
        >>> ember.lerp(ember.tensor([0.0, 10.0]), ember.tensor([10.0, 20.0]), 0.25)
        tensor([ 2.5000, 12.5000])
    """
    require_tensor(input, "lerp", 1, "input")
    require_tensor(end, "lerp", 2, "end")
    name = _dtype_word(input._array.dtype)
    if end._array.dtype != input._array.dtype:
        raise RuntimeError(f"expected dtype {name} for `end` but got dtype {_dtype_word(end._array.dtype)}")
    if isinstance(weight, Tensor):
        if weight._array.ndim and weight._array.dtype != input._array.dtype:
            raise RuntimeError(
                f"expected dtype {name} for `weight` but got dtype {_dtype_word(weight._array.dtype)}"
            )
        if weight._array.dtype != input._array.dtype:  # a 0-d weight of another float dtype
            weight = weight._cast_np(input._array.dtype)
        return maybe_out(LerpTensorWeight.apply(input, end, weight), out)
    return maybe_out(Lerp.apply(input, end, weight=weight), out)


def _dtype_word(np_dtype) -> str:
    """torch's lower-case C type word used by lerp's messages: float32 -> ``float``."""
    from .. import _dtype

    name = _dtype.from_numpy_dtype(np_dtype)._name
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}[name]  # fmt: skip


# -------------------------------------------------------------------- nan_to_num
def _finfo(np_dtype):
    try:
        return np.finfo(np_dtype)
    except ValueError:  # bfloat16 lives in ml_dtypes
        import ml_dtypes

        return ml_dtypes.finfo(np_dtype)


class NanToNum(Function):
    _array_forward = True
    _backward_name = "NanToNumBackward0"

    @staticmethod
    def forward(ctx, a, nan=0.0, posinf=None, neginf=None):
        if a.dtype.kind not in "fV":
            return a.copy()
        ctx.save_for_backward(a)
        xp = xp_of(a)
        info = _finfo(a.dtype)
        dt = a.dtype.type
        big = dt(info.max if posinf is None else posinf)
        small = dt(info.min if neginf is None else neginf)
        out = xp.where(xp.isnan(a), dt(nan), a)
        out = xp.where(out == dt(np.inf), big, out)
        return xp.asarray(xp.where(out == dt(-np.inf), small, out))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.isfinite()


def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *, out=None
) -> Tensor:
    """Replace nan, +inf and -inf (by default with 0 and the dtype's largest/smallest value).

    Example:
        >>> import ember
        >>> ember.nan_to_num(ember.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0)
        tensor([0., 9., 1.])
    """
    return maybe_out(NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf), out)


bind_methods(
    where=lambda self, condition, other: where(condition, self, other),
    clamp=clamp,
    clip=clamp,
    clamp_min=clamp_min,
    clamp_max=clamp_max,
    maximum=maximum,
    minimum=minimum,
    fmax=fmax,
    fmin=fmin,
    lerp=lerp,
    nan_to_num=nan_to_num,
    clamp_=inplace_method(clamp, "clamp_"),
    clip_=inplace_method(clamp, "clip_"),
    clamp_min_=inplace_method(clamp_min, "clamp_min_"),
    clamp_max_=inplace_method(clamp_max, "clamp_max_"),
    lerp_=inplace_method(lerp, "lerp_"),
    nan_to_num_=inplace_method(nan_to_num, "nan_to_num_"),
)
