"""``F.multilabel_margin_loss``: the multi-class multi-label hinge loss.

For one sample ``x`` of ``C`` scores and a target row ``y`` of class indices padded
with ``-1`` (only the entries before the first ``-1`` count), the loss is

    sum over targets j, non-target classes i of  max(0, 1 - (x[y[j]] - x[i])) / C

A target listed twice counts twice, as in torch.  The whole batch is one vectorized
``(N, J, C)`` comparison (J = the longest label list): no Python loop over samples.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> F.multilabel_margin_loss(x, ember.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import shape_str, xp_of
from .loss import _resolve_reduction

__all__ = ["multilabel_margin_loss"]


class _MultilabelMarginLoss(Function):
    """Forward on (N, C) scores and (N, C) int64 targets; backward scales a constant."""

    _array_forward = True
    _backward_name = "MultilabelMarginLossBackward0"

    @staticmethod
    def forward(ctx, input, target=None, reduction="mean", out_shape=()):
        xp = xp_of(input)
        n, c = input.shape
        dtype = input.dtype
        # Only the target slots before a row's first -1 are labels.
        active = xp.cumsum(target == -1, axis=1) == 0
        # Slots past the longest label list hold no labels: drop them to keep (N, J, C) small.
        slots = int(active.sum(axis=1).max()) if n else 0
        active = active[:, :slots]
        safe_t = xp.where(active, target[:, :slots], 0)
        rows = xp.arange(n)[:, None]
        is_target = xp.zeros((n, c), dtype=bool)
        is_target[xp.broadcast_to(rows, (n, slots))[active], safe_t[active]] = True
        scores_of_targets = xp.take_along_axis(input, safe_t, axis=1)  # (N, J)
        margins = 1 - scores_of_targets[:, :, None] + input[:, None, :]  # (N, J, C)
        counted = active[:, :, None] & ~is_target[:, None, :]
        hinge = counted & (margins > 0)
        losses = xp.where(hinge, margins, 0).sum(axis=(1, 2)) / dtype.type(c)
        # d loss_n / d x[i] = (#targets j whose hinge with i is on) - (for i a target
        # slot's class: #non-targets it is violated by), all divided by C.
        hinge_f = hinge.astype(dtype)
        per_slot = hinge_f.sum(axis=2) * active  # hinges that pull x[y[j]] down
        flat_index = (rows * c + safe_t).ravel()
        pull = xp.bincount(flat_index, weights=per_slot.ravel(), minlength=n * c).reshape(n, c)
        coef = (hinge_f.sum(axis=1) - pull.astype(dtype)) / dtype.type(c)
        ctx.reduction = reduction
        if reduction == "none":
            ctx.coef = coef.astype(dtype)
            return xp.asarray(losses, dtype=dtype).reshape(out_shape)
        if reduction == "mean":
            ctx.coef = (coef / dtype.type(max(n, 1))).astype(dtype)
            total = losses.sum() / dtype.type(n) if n else dtype.type(0)
            return xp.asarray(total, dtype=dtype)
        ctx.coef = coef.astype(dtype)
        return xp.asarray(losses.sum(), dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        coef = Tensor._from_array(ctx.coef)
        if ctx.reduction == "none":
            return coef * grad.reshape(-1, 1)
        return coef * grad


_LONG_WORDS = {"int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_FLOAT_WORDS = {"float16": "Half", "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "bool": "Bool"}


def _type_word(t: Tensor, table: dict) -> str:
    name = t.dtype._name
    return table.get(name, name.capitalize())


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss of scores ``(C,)`` or ``(N, C)`` against class-index targets.

    ``target`` has the input's shape and holds int64 class indices; each row's labels
    are its entries before the first ``-1``.  ``reduction='mean'`` averages over samples.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.multilabel_margin_loss(ember.tensor([0.1, 0.2, 0.4, 0.8]), ember.tensor([3, 0, -1, 1]))
        tensor(0.8500)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    in_shape, t_shape = tuple(input.shape), tuple(target.shape)
    if input.dim() > 2 or (input.dim() == 2 and in_shape[1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {shape_str(in_shape)}"
        )
    if input.dim() <= 1:
        classes = input.numel()
        consistent = target.dim() <= 1 and target.numel() == classes
    else:
        classes = in_shape[1]
        consistent = t_shape == in_shape
    if not consistent:
        raise RuntimeError(
            f"inconsistent target size: {shape_str(t_shape)} for input of size: {shape_str(in_shape)}"
        )
    if target.dtype._name != "int64":
        raise RuntimeError(f"expected scalar type Long but found {_type_word(target, _LONG_WORDS)}")
    if input.dtype._name not in ("float32", "float64"):
        raise NotImplementedError(
            f'"multilabel_margin_loss_forward_out_frame" not implemented for {_type_word(input, _FLOAT_WORDS)!r}'
        )
    t = target._array
    if t.size and (int(t.min()) < -1 or int(t.max()) >= classes):
        raise RuntimeError(
            f"argument #2 'target' is out of range: multilabel_margin_loss expects class indices in "
            f"[-1, {classes - 1}], got values in [{int(t.min())}, {int(t.max())}]"
        )
    batch = in_shape[0] if input.dim() == 2 else 1
    out_shape = (batch,) if input.dim() == 2 else ()
    return _MultilabelMarginLoss.apply(
        input.reshape(batch, classes),
        target=t.reshape(batch, classes),
        reduction=reduction,
        out_shape=out_shape,
    )
