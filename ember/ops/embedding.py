"""Embedding lookups: F.embedding, F.embedding_bag and F.one_hot.

``embedding`` gathers rows of a weight matrix; its backward scatter-adds the
gradient rows back (one ``add.at`` over all indices, no Python loop), skipping the
``padding_idx`` row.  ``embedding_bag`` reduces each bag (sum, mean or max) with
segment reductions over a bag id per index.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> w = ember.arange(6.0).reshape(3, 2)
    >>> F.embedding(ember.tensor([[2, 0]]), w)
    tensor([[[4., 5.],
             [0., 1.]]])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ._util import shape_str, xp_of
from .indexing import add_at

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(indices: Tensor, num_embeddings: int, op: str = "embedding") -> None:
    arr = indices._array
    if arr.dtype.kind not in "iu":
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {indices.type()} instead (while checking arguments for {op})"
        )
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= num_embeddings):
        bad = arr[(arr < 0) | (arr >= num_embeddings)].ravel()[0]
        raise IndexError(
            f"index out of range in self: {op} index {int(bad)} is outside [0, {num_embeddings - 1}] "
            f"for a weight with {num_embeddings} rows"
        )


class _EmbeddingDenseBackward(Function):
    """Scatter-add gradient rows into a (num_embeddings, dim) zero matrix."""

    _array_forward = True
    _backward_name = "EmbeddingDenseBackward0"

    @staticmethod
    def forward(ctx, grad, indices=None, num_weights=0, padding_idx=-1, scale_grad_by_freq=False):
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        xp = xp_of(grad)
        flat_idx = indices.reshape(-1)
        rows = grad.reshape(flat_idx.size, -1)
        if scale_grad_by_freq:
            counts = xp.bincount(flat_idx, minlength=num_weights)
            rows = rows / counts[flat_idx][:, None].astype(grad.dtype)
            ctx.scale = counts
        else:
            ctx.scale = None
        out = xp.zeros((num_weights, rows.shape[1]), grad.dtype)
        if padding_idx >= 0:
            keep = flat_idx != padding_idx
            flat_idx, rows = flat_idx[keep], rows[keep]
        add_at(out, flat_idx, rows)
        return out

    @staticmethod
    def backward(ctx, grad_grad):
        # The adjoint of a scatter-add is a gather (padding rows received nothing).
        result = _Embedding.apply(grad_grad, indices=ctx.indices, padding_idx=-1, scale_grad_by_freq=False)
        arr = ctx.indices
        mult = xp_of(arr).ones(arr.shape, grad_grad._array.dtype)
        if ctx.padding_idx >= 0:
            mult = mult * (arr != ctx.padding_idx)
        if ctx.scale is not None:
            mult = mult / ctx.scale[arr]
        return result * Tensor._from_array(mult[..., None].astype(grad_grad._array.dtype))


class _Embedding(Function):
    _array_forward = True
    _backward_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices=None, padding_idx=-1, scale_grad_by_freq=False):
        ctx.meta = (indices, weight.shape[0], padding_idx, scale_grad_by_freq)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        indices, num_weights, padding_idx, by_freq = ctx.meta
        return _EmbeddingDenseBackward.apply(
            grad, indices=indices, num_weights=num_weights, padding_idx=padding_idx, scale_grad_by_freq=by_freq
        )


def _renorm_rows_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Rescale in place the referenced rows whose ``norm_type``-norm exceeds ``max_norm``."""
    arr = weight._array
    xp = xp_of(arr)
    rows = xp.unique(indices._array.reshape(-1))
    selected = arr[rows]
    if norm_type == np.inf:
        norms = xp.abs(selected).max(axis=1)
    else:
        norms = (xp.abs(selected) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(arr.dtype)
        arr[rows[over]] = selected[over] * scale[:, None]
        weight._bump_version()


def check_padding_idx(padding_idx, num_embeddings: int) -> int | None:
    """``padding_idx`` made non-negative (None stays None); out of range fails as in torch."""
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num_embeddings + padding_idx
    return padding_idx


def _resolve_padding_idx(padding_idx, num_embeddings: int) -> int:
    """As ``check_padding_idx``, with -1 for "no padding row" (what the kernels take)."""
    checked = check_padding_idx(padding_idx, num_embeddings)
    return -1 if checked is None else checked


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input`` (any shape).

    ``padding_idx``'s row receives no gradient.  With ``max_norm``, the referenced
    rows are first renormalized in place so that their norm is at most ``max_norm``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.embedding(ember.tensor([1]), ember.tensor([[0.0], [7.0]]))
        tensor([[7.]])
    """
    if weight.dim() != 2:
        raise RuntimeError(f"'weight' must be 2-D, got a weight of shape {shape_str(weight.shape)}")
    num_embeddings = weight.shape[0]
    padding_idx = _resolve_padding_idx(padding_idx, num_embeddings)
    _check_indices(input, num_embeddings)
    if max_norm is not None:
        with no_grad():
            _renorm_rows_(weight, input, max_norm, norm_type)
    return _Embedding.apply(
        weight, indices=input._array, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )


class _SegmentSum(Function):
    """Sum the rows of ``values`` (M, D) into ``num_segments`` rows by segment id."""

    _array_forward = True
    _backward_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, values, segments=None, num_segments=0):
        ctx.segments = segments
        xp = xp_of(values)
        out = xp.zeros((num_segments, values.shape[1]), values.dtype)
        xp.add.at(out, segments, values)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[Tensor._from_array(ctx.segments)]


class _SegmentMax(Function):
    """Per-segment, per-column max of ``values``; empty segments give 0."""

    _array_forward = True
    _backward_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, values, segments=None, num_segments=0):
        xp = xp_of(values)
        m, d = values.shape
        out = xp.full((num_segments, d), -xp.inf, values.dtype)
        xp.maximum.at(out, segments, values)
        # The first row reaching the max of its segment gets the gradient.
        position = xp.broadcast_to(xp.arange(m)[:, None], (m, d))
        candidate = xp.where(values == out[segments], position, m)
        winner = xp.full((num_segments, d), m, np.int64)
        xp.minimum.at(winner, segments, candidate)
        ctx.route = (segments, (position == winner[segments]).astype(values.dtype))
        ctx.winner = winner
        out[winner == m] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        segments, chosen = ctx.route
        return grad[Tensor._from_array(segments)] * Tensor._from_array(chosen)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxes of bags of embeddings, without building the per-index rows' tensor
    for each bag separately.

    ``input`` is 2-D ``(B, N)`` (B bags of N indices) or 1-D with ``offsets`` giving
    where each bag starts.  Indices equal to ``padding_idx`` are left out (also from the
    mean's count); empty bags give zeros.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> w = ember.tensor([[1.0], [2.0], [4.0]])
        >>> F.embedding_bag(ember.tensor([0, 1, 2]), w, ember.tensor([0, 2]), mode="sum")
        tensor([[3.],
                [4.]])
    """
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it "
                f"must have the same shape as the input ({tuple(input.shape)})"
            )
    num_embeddings = weight.shape[0]
    _check_indices(input, num_embeddings, "embedding_bag")
    padding_idx = _resolve_padding_idx(padding_idx, num_embeddings)
    idx = input._array
    xp = xp_of(idx)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences.")
        num_bags, bag_len = idx.shape
        bag_of = xp.repeat(xp.arange(num_bags), bag_len)
        flat = idx.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets._array.astype(np.int64)
        if include_last_offset:
            starts = starts[:-1]
        num_bags = starts.shape[0]
        if num_bags and int(starts[0]) != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got {int(starts[0])}")
        flat = idx
        bag_of = xp.searchsorted(starts, xp.arange(flat.shape[0]), side="right") - 1
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if max_norm is not None:
        with no_grad():
            _renorm_rows_(weight, Tensor._from_array(flat), max_norm, norm_type)
    keep = flat != padding_idx if padding_idx >= 0 else xp.ones(flat.shape, bool)
    flat_kept, bags_kept = flat[keep], bag_of[keep]
    rows = _Embedding.apply(weight, indices=flat_kept, padding_idx=-1, scale_grad_by_freq=scale_grad_by_freq)
    if psw is not None:
        rows = rows * psw[Tensor._from_array(xp.nonzero(keep)[0])].unsqueeze(1)
    if mode == "max":
        return _SegmentMax.apply(rows, segments=bags_kept, num_segments=num_bags)
    out = _SegmentSum.apply(rows, segments=bags_kept, num_segments=num_bags)
    if mode == "mean":
        counts = xp.bincount(bags_kept, minlength=num_bags).astype(weight._array.dtype)
        out = out / Tensor._from_array(xp.maximum(counts, 1)[:, None])
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dimension (``num_classes=-1``: max + 1).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.one_hot(ember.tensor([0, 2]))
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    arr = tensor._array
    if arr.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = xp_of(arr)
    if num_classes == -1:
        if arr.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(arr.max()) + 1
    if arr.size:
        if int(arr.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(arr.max()) >= num_classes:
            raise RuntimeError(
                f"Class values must be smaller than num_classes (got class {int(arr.max())} for num_classes={num_classes})."
            )
    out = (arr[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._from_array(out)


def embedding_from_weight(
    weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False
) -> Tensor:
    """``torch.embedding(weight, indices, ...)``: the top-level form, weight first."""
    return embedding(indices, weight, None if padding_idx < 0 else padding_idx, None, 2.0, scale_grad_by_freq, sparse)
