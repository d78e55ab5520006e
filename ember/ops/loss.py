"""Loss functions (``F.mse_loss``, ``F.cross_entropy``, ...) with torch's reductions.

Most losses are short compositions of differentiable ember ops, so their second
derivatives come for free.  ``nll_loss`` is one Function (a vectorized pick of one
log-probability per row, no Python loops), and ``cross_entropy`` is ``log_softmax``
followed by it.  ``binary_cross_entropy`` clamps its logs at -100 as torch does.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> logits = ember.tensor([[2.0, 0.5, -1.0]])
    >>> F.cross_entropy(logits, ember.tensor([0]))
    tensor(0.2413)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._util import shape_str, xp_of
from .activation import log_softmax, logsigmoid, relu
from .elementwise import exp, log, sqrt, where

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ------------------------------------------------------------------ reductions
def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """torch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if emit_warning:
        warnings.warn(
            "size_average and reduce args will be deprecated, please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def _resolve_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _as_tensor_like(value, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._from_array(xp_of(like._array).asarray(value, dtype=like._array.dtype))


def _warn_size_mismatch(input: Tensor, target: Tensor, stacklevel: int = 3) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=stacklevel,
        )


# ----------------------------------------------------------------- regression
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error ``(input - target) ** 2``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.mse_loss(ember.tensor([1.0, 3.0]), ember.tensor([0.0, 0.0]))
        tensor(5.)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    _warn_size_mismatch(input, target)
    diff = input - target
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean absolute error ``|input - target|``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    _warn_size_mismatch(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """``0.5 d**2 / beta`` where ``d = |input - target| < beta``, else ``d - beta / 2``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    _warn_size_mismatch(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight=None
) -> Tensor:
    """``0.5 d**2`` where ``d = |input - target| < delta``, else ``delta * (d - delta / 2)``."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _warn_size_mismatch(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ------------------------------------------------------------- classification
def _class_index_layout(input: Tensor, target: Tensor, op: str):
    """Check shapes of (N, C, d1, ...) input and (N, d1, ...) target; return C and class dim."""
    if input.dim() == 0:
        raise ValueError(f"{op}: expected input with at least 1 dimension (classes), got a 0-d tensor")
    if input.dim() == 1:  # unbatched: (C,) with a 0-d target
        if target.dim() != 0:
            raise RuntimeError(
                f"{op}: for a 1-D input of shape {shape_str(input.shape)} the target must be a 0-d class index, "
                f"got shape {shape_str(target.shape)}"
            )
        return input.shape[0], 0
    in_shape, t_shape = input._array.shape, target._array.shape
    if in_shape[0] != (t_shape[0] if t_shape else -1):
        raise ValueError(
            f"Expected input batch_size ({in_shape[0]}) to match target batch_size "
            f"({t_shape[0] if t_shape else 0})."
        )
    expected = (in_shape[0],) + in_shape[2:]
    if t_shape != expected:
        raise RuntimeError(f"Expected target size {shape_str(expected)}, got {shape_str(target.shape)}")
    return input.shape[1], 1


def _check_class_targets(t, num_classes: int, ignore_index: int) -> None:
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= num_classes))
    if bad.any():
        first = int(t[bad].ravel()[0])
        raise IndexError(
            f"Target {first} is out of bounds (expected a class index in [0, {num_classes - 1}] "
            f"for {num_classes} classes)."
        )


class _NllLoss(Function):
    """``-w[t] * input[..., t, ...]`` per sample, reduced; input is (N, C, d...) or (C,)."""

    _array_forward = True
    _backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, input, target=None, weight=None, ignore_index=-100, reduction="mean", class_dim=1):
        xp = xp_of(input)
        num_classes = input.shape[class_dim]
        # Fast path: all targets are valid classes and ignore_index cannot match any of them.
        in_range = target.size == 0 or (int(target.min()) >= 0 and int(target.max()) < num_classes)
        if in_range and not 0 <= ignore_index < num_classes:
            valid = None
            safe_t = target
        else:
            _check_class_targets(target, num_classes, ignore_index)
            valid = target != ignore_index
            safe_t = xp.where(valid, target, 0)
        if input.ndim == 2 and class_dim == 1:
            rows = xp.arange(input.shape[0])
            picked = input[rows, safe_t]
        else:
            # Move the class axis last so a take along it picks one entry per sample.
            moved = xp.moveaxis(input, class_dim, -1) if input.ndim > 1 else input
            picked = xp.take_along_axis(moved, safe_t[..., None], axis=-1)[..., 0]
        if weight is not None:
            w = weight[safe_t]
            if valid is not None:
                w = w * valid
        elif valid is not None:
            w = valid.astype(input.dtype)
        else:
            w = None  # every weight is 1
        losses = -picked if w is None else -picked * w
        ctx.meta = (input.shape, class_dim, safe_t, w)
        ctx.divisor = None  # the mean divides by the total weight of the counted targets
        if reduction == "none":
            return xp.asarray(losses, dtype=input.dtype)
        if reduction == "sum":
            return xp.asarray(losses.sum(), dtype=input.dtype)
        total_weight = w.sum() if w is not None else input.dtype.type(losses.size)
        ctx.divisor = total_weight
        with np.errstate(invalid="ignore", divide="ignore"):
            return xp.asarray(losses.sum() / total_weight, dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad):
        in_shape, class_dim, safe_t, w = ctx.meta
        xp = xp_of(safe_t)
        dtype = grad._array.dtype
        # d loss_i / d input[i, t_i] = -w_i: a constant tensor, scaled by the incoming grad.
        neg_w = xp.asarray(-1.0, dtype) if w is None else (-w).astype(dtype)
        if ctx.divisor is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                neg_w = neg_w / dtype.type(ctx.divisor)
        if len(in_shape) == 2 and class_dim == 1:
            coef = xp.zeros(in_shape, dtype)
            coef[xp.arange(in_shape[0]), safe_t] = neg_w
        else:
            coef = xp.zeros(in_shape if len(in_shape) == 1 else _moved_shape(in_shape, class_dim), dtype)
            xp.put_along_axis(coef, safe_t[..., None], xp.broadcast_to(neg_w, safe_t.shape)[..., None], axis=-1)
            if len(in_shape) > 1:
                coef = xp.ascontiguousarray(xp.moveaxis(coef, -1, class_dim))
        if grad.dim() == 0 and not STATE.enabled:
            # No graph wanted: scale the constant in place instead of recording a Mul.
            coef *= grad._array
            return Tensor._from_array(coef)
        coef_t = Tensor._from_array(coef)
        if grad.dim() == 0:
            return coef_t * grad
        if len(in_shape) > 1:
            grad = grad.unsqueeze(class_dim)
        return coef_t * grad


def _moved_shape(shape, class_dim):
    shape = list(shape)
    c = shape.pop(class_dim)
    return tuple(shape) + (c,)


def _check_weight(weight, num_classes: int):
    if weight is not None and (weight.dim() != 1 or weight.numel() != num_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {num_classes} classes or no classes but got "
            f"weight tensor of shape: {shape_str(weight.shape)}"
        )


def _check_index_dtype(target: Tensor) -> None:
    if target._array.dtype.kind not in "iu":
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_type_word(target)} (class-index targets must "
            "be integers; floating targets must have the input's shape to be read as class probabilities)"
        )


def _type_word(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool"}.get(t.dtype._name, str(t.dtype))


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities.

    ``input`` is ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``; ``target`` holds class
    indices of shape ``(N,)``, ``(N, d1, ...)`` or ``()``.  With ``reduction='mean'``
    the sum is divided by the total weight of the non-ignored targets.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.nll_loss(ember.tensor([[-0.5, -1.0]]), ember.tensor([1]))
        tensor(1.)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    num_classes, class_dim = _class_index_layout(input, target, "nll_loss")
    _check_index_dtype(target)
    _check_weight(weight, num_classes)
    w = None if weight is None else weight._array.astype(input._array.dtype)
    return _NllLoss.apply(
        input,
        target=target._array,
        weight=w,
        ignore_index=ignore_index,
        reduction=reduction,
        class_dim=class_dim,
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits and class indices or class probabilities.

    ``input``: logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.  ``target``: class
    indices (integer, the shape of ``input`` without the class dim) or probabilities
    (floating, the shape of ``input``).  Computed as ``log_softmax`` then ``nll_loss``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.cross_entropy(ember.zeros(2, 4), ember.tensor([0, 3]))
        tensor(1.3863)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    if input.dim() == 0:
        raise ValueError("cross_entropy: expected input with at least 1 dimension (classes), got a 0-d tensor")
    num_classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    probability_target = target._array.dtype.kind == "f" and tuple(target.shape) == tuple(input.shape)
    if probability_target:
        _check_weight(weight, num_classes)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / num_classes
        if weight is not None:
            logp = logp * weight.reshape((num_classes,) + (1,) * (input.dim() - class_dim - 1))
        losses = -(logp * target).sum(dim=class_dim)
        if reduction == "mean":
            count = input.numel() // num_classes if num_classes else 0
            return losses.sum() / count
        return _reduce(losses, reduction)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return nll
    # Label smoothing: mix in the mean negative log-probability over all classes.
    ignored = Tensor._from_array(target._array == ignore_index)
    if weight is not None:
        w_b = weight.reshape((num_classes,) + (1,) * (input.dim() - class_dim - 1))
        smooth = -(logp * w_b).sum(dim=class_dim)
    else:
        smooth = -logp.sum(dim=class_dim)
    smooth = where(ignored, 0.0, smooth)
    if reduction == "mean":
        keep = target._array != ignore_index
        if weight is not None:
            denom = float(weight._array[target._array[keep]].sum())
        else:
            denom = float(keep.sum())
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / num_classes)


# ---------------------------------------------------------------- binary
class _BinaryCrossEntropy(Function):
    _array_forward = True
    _backward_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, input, target, weight=None):
        ctx.save_for_backward(input, target, weight)
        xp = xp_of(input)
        if ((input < 0) | (input > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(input), -100)
            log_1mx = xp.maximum(xp.log1p(-input), -100)
        loss = -(target * log_x + (1 - target) * log_1mx)
        if weight is not None:
            loss = loss * weight
        return xp.asarray(loss, dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, t, w = ctx.saved_tensors
        need_x, need_t, _ = ctx.needs_input_grad
        grad_x = grad_t = None
        if need_x:
            denom = x * (1 - x)
            denom = where(denom < 1e-12, 1e-12, denom)
            grad_x = grad * (x - t) / denom
            if w is not None:
                grad_x = grad_x * w
        if need_t:
            # d/dt = log(1 - x) - log(x), each log clamped at -100 like the forward
            log_x = log(where(x > 0, x, 1.0))
            log_x = where(log_x < -100, -100.0, where(x > 0, log_x, -100.0))
            log_1mx = log(where(x < 1, 1 - x, 1.0))
            log_1mx = where(log_1mx < -100, -100.0, where(x < 1, log_1mx, -100.0))
            grad_t = grad * (log_1mx - log_x)
            if w is not None:
                grad_t = grad_t * w
        return grad_x, grad_t, None


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``-(t * log(x) + (1 - t) * log(1 - x))`` with each log clamped at -100.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0]))
        tensor(0.6931)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}) "
            "is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        weight = weight.expand(*np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    loss = _BinaryCrossEntropy.apply(input, target, weight)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross entropy in one stable formula:
    ``(1 - t) * x - (1 + (pos_weight - 1) * t) * logsigmoid(x)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.binary_cross_entropy_with_logits(ember.tensor([100.0]), ember.tensor([0.0]))
        tensor(100.)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input - log_weight * log_sig
    else:
        loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ----------------------------------------------------------- divergences
def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence ``target * (log(target) - input)`` with ``input`` in log space.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematically
    correct KL); ``'mean'`` divides by the number of elements (and warns, as torch).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> p = ember.tensor([[0.5, 0.5]])
        >>> F.kl_div(p.log(), p, reduction="batchmean")
        tensor(0.)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = exp(target) * (target - input)
    else:
        positive = target > 0
        safe = where(positive, target, 1.0)
        loss = where(positive, target * log(safe), 0.0) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


# ------------------------------------------------------------- embedding losses
def _cosine_rows(x1: Tensor, x2: Tensor, dim: int) -> Tensor:
    eps = 1e-12
    prod = (x1 * x2).sum(dim=dim)
    mag1 = (x1 * x1).sum(dim=dim) + eps
    mag2 = (x2 * x2).sum(dim=dim) + eps
    return prod / sqrt(mag1 * mag2)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for target -1."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if input1.dim() not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(
            f"cosine_embedding_loss: expected two 1-D or 2-D inputs of the same shape, got "
            f"{shape_str(input1.shape)} and {shape_str(input2.shape)}"
        )
    expected_target = input1.dim() - 1
    if target.dim() != expected_target:
        raise RuntimeError(
            f"{expected_target}D target tensor expects {expected_target + 1}D input tensors, but found inputs "
            f"with sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    cos = _cosine_rows(input1, input2, input1.dim() - 1)
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, relu(cos - margin), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    return _reduce(relu(-target * (input1 - input2) + margin), reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``x`` for target 1, ``max(0, margin - x)`` for target -1."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    margin_part = where(target != 1, relu(margin - input), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    from .distance import pairwise_distance

    return pairwise_distance(x1, x2, p, eps)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not (a_dim == p_dim == n_dim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs"
        )
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = _pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(relu(d_pos - d_neg + margin), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """Triplet loss with a custom distance (default: pairwise Euclidean)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    dist = distance_function if distance_function is not None else (lambda a, b: _pairwise_distance(a, b, 2.0, 1e-6))
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_swap = dist(positive, negative)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(relu(d_pos - d_neg + margin), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    return _reduce(-logsigmoid(target * input), reduction)


def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Per-class binary logistic loss, averaged over classes."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: ``sum_{i != y} max(0, margin - x[y] + x[i]) ** p / C``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    unbatched = input.dim() == 1
    x = input.unsqueeze(0) if unbatched else input
    t = target.reshape(1) if unbatched else target
    num_classes = x.shape[1]
    _check_class_targets(t._array, num_classes, -(10**18))
    x_y = x.gather(1, t.unsqueeze(1))
    z = relu(x - x_y + margin)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, t).unsqueeze(1)
    not_target = Tensor._from_array(np.arange(num_classes)[None, :] != t._array[:, None])
    loss = where(not_target, z, 0.0).sum(dim=1) / num_classes
    if unbatched:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# -------------------------------------------------------------- likelihoods
def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log likelihood: ``exp(x) - t * x`` (log input) or ``x - t * log(x + eps)``."""
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        safe = where(big, target, 2.0)
        stirling = safe * log(safe) - safe + log(safe * (2 * math.pi)) * 0.5
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log likelihood ``0.5 * (log(var) + (input - target)**2 / var)``.

    ``var`` may match ``input``, lack its last dimension, have a last dimension of
    1 (one variance per sample), or be a float.  Values are clamped below at ``eps``
    for the forward only (the gradient passes through unchanged, as in torch).
    """
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _as_tensor_like(np.full(tuple(input.shape), var), input)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    if bool((var._array < 0).any()):
        raise ValueError("var has negative entry/entries")
    clamped = np.maximum(np.asarray(var._array), eps) - np.asarray(var._array)
    var = var + Tensor._from_array(xp_of(var._array).asarray(clamped, dtype=var._array.dtype))
    diff = input - target
    loss = (log(var) + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
