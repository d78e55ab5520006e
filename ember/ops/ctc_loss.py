"""Connectionist Temporal Classification loss (``F.ctc_loss``).

The forward (alpha) and backward (beta) recursions run in log space, vectorized over
the batch and over the extended label sequence (targets interleaved with blanks);
only the time recursion is a Python loop over T.

Gradient convention: like torch, the gradient returned for ``log_probs`` is
``exp(log_probs) - occupation / exp(log_probs)`` terms, i.e. the gradient with respect
to the *logits* that produced ``log_probs`` through ``log_softmax``.  Composed with
``log_softmax`` (the documented usage) it gives the exact gradient of the logits.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> log_probs = ember.zeros(5, 1, 3).log_softmax(2)
    >>> loss = F.ctc_loss(log_probs, ember.tensor([[1, 2]]), [5], [2])
    >>> round(loss.item(), 4)
    0.9689
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import xp_of

__all__ = ["ctc_loss"]

_NEG_INF = -np.inf


def _logsumexp(*arrays):
    """Elementwise log(sum(exp(a))) of same-shaped arrays, safe when all are -inf."""
    stacked = np.stack(arrays)
    m = stacked.max(axis=0)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(stacked - safe).sum(axis=0)) + safe


def _shift(a, k):
    """Shift along the last axis by ``k`` positions, filling with -inf."""
    out = np.full_like(a, _NEG_INF)
    out[..., k:] = a[..., :-k]
    return out


def _unshift(a, k):
    out = np.full_like(a, _NEG_INF)
    out[..., :-k] = a[..., k:]
    return out


class _CtcLoss(Function):
    _array_forward = True
    _backward_name = "CtcLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, targets=None, input_lengths=None, target_lengths=None, blank=0, zero_infinity=False):
        lp = np.asarray(log_probs, dtype=np.float64)  # (T, N, C), float64 for the recursion
        T, N, C = lp.shape
        S = int(target_lengths.max()) if N else 0
        width = 2 * S + 1
        # Extended labels: blank, t1, blank, t2, ..., blank
        ext = np.full((N, width), blank, dtype=np.int64)
        ext[:, 1::2] = targets[:, :S]
        ext_len = 2 * target_lengths + 1
        position = np.arange(width)[None, :]
        inside = position < ext_len[:, None]
        # A skip from s-2 is allowed onto a non-blank label different from the one at s-2.
        skip_ok = np.zeros((N, width), bool)
        skip_ok[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])

        emit = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, width)), axis=2)  # (T, N, width)
        emit = np.where(inside[None], emit, _NEG_INF)

        alpha = np.full((T, N, width), _NEG_INF)
        first = np.full((N, width), _NEG_INF)
        first[:, 0] = emit[0, :, 0]
        first[:, 1] = np.where(ext_len > 1, emit[0, :, 1], _NEG_INF)
        alpha[0] = first
        for t in range(1, T):
            prev = alpha[t - 1]
            skip = np.where(skip_ok, _shift(prev, 2), _NEG_INF)
            alpha[t] = _logsumexp(prev, _shift(prev, 1), skip) + emit[t]

        last_t = np.clip(input_lengths - 1, 0, None)
        rows = np.arange(N)
        a_last = alpha[last_t, rows]  # (N, width)
        end_blank = a_last[rows, ext_len - 1]
        end_label = np.where(ext_len > 1, a_last[rows, np.maximum(ext_len - 2, 0)], _NEG_INF)
        log_likelihood = _logsumexp(end_blank, end_label)
        nll = -log_likelihood
        nll = np.where(input_lengths > 0, nll, np.where(target_lengths == 0, 0.0, np.inf))

        ctx.saved = (lp, ext, ext_len, skip_ok, emit, alpha, input_lengths, nll, blank, zero_infinity)
        out = nll.copy()
        if zero_infinity:
            out = np.where(np.isinf(out), 0.0, out)
        return xp_of(log_probs).asarray(out, dtype=log_probs.dtype)

    @staticmethod
    def backward(ctx, grad):
        lp, ext, ext_len, skip_ok, emit, alpha, input_lengths, nll, blank, zero_infinity = ctx.saved
        T, N, C = lp.shape
        width = ext.shape[1]
        rows = np.arange(N)
        beta = np.full((T, N, width), _NEG_INF)
        init = np.full((N, width), _NEG_INF)
        init[rows, ext_len - 1] = emit[np.clip(input_lengths - 1, 0, None), rows, ext_len - 1]
        has_label = ext_len > 1
        init[rows[has_label], ext_len[has_label] - 2] = emit[
            np.clip(input_lengths[has_label] - 1, 0, None), rows[has_label], ext_len[has_label] - 2
        ]
        # Skips into s+2 are allowed when they were allowed forward from s to s+2.
        skip_from = np.zeros((N, width), bool)
        skip_from[:, :-2] = skip_ok[:, 2:]
        for t in range(T - 1, -1, -1):
            at_end = (input_lengths - 1 == t)[:, None]
            if t == T - 1:
                following = np.full((N, width), _NEG_INF)
            else:
                nxt = beta[t + 1]
                skip = np.where(skip_from, _unshift(nxt, 2), _NEG_INF)
                following = _logsumexp(nxt, _unshift(nxt, 1), skip) + emit[t]
            active = (t < input_lengths)[:, None]
            beta[t] = np.where(at_end, init, np.where(active, following, _NEG_INF))

        # occupation[t, n, c] = logsumexp over s with ext[s] == c of alpha + beta
        both = alpha + beta
        occupation = np.full((T, N, C), _NEG_INF)
        target_index = np.broadcast_to(ext[None], (T, N, width))
        np.logaddexp.at(occupation, (np.arange(T)[:, None, None], rows[None, :, None], target_index), both)
        with np.errstate(over="ignore", invalid="ignore"):
            g = np.exp(lp) - np.exp(occupation + nll[None, :, None] - lp)
        valid_t = np.arange(T)[:, None] < input_lengths[None, :]
        g = np.where(valid_t[:, :, None], g, 0.0)
        bad = ~np.isfinite(nll)
        if zero_infinity:
            g[:, bad, :] = 0.0
        g = np.nan_to_num(g, nan=0.0) if zero_infinity else g
        dtype = grad._array.dtype
        g_t = Tensor._from_array(g.astype(dtype))
        return g_t * grad.reshape(1, N, 1)


def _as_int_array(values, name: str) -> np.ndarray:
    if isinstance(values, Tensor):
        return np.asarray(values._array).astype(np.int64).reshape(-1)
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.int64).reshape(-1)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """CTC loss of ``log_probs`` (``(T, N, C)`` or unbatched ``(T, C)``, log-softmaxed)
    against ``targets`` (padded ``(N, S)`` or concatenated 1-D).

    ``reduction='mean'`` divides each sequence's loss by its target length, then
    averages over the batch.  Impossible alignments give ``inf`` (0 with
    ``zero_infinity=True``).
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of 2 or 3 dimensions (T, [N,] C), got {log_probs.dim()}")
    T, N, C = lp.shape
    in_len = _as_int_array(input_lengths, "input_lengths")
    tgt_len = _as_int_array(target_lengths, "target_lengths")
    if in_len.shape[0] != N:
        raise RuntimeError(f"input_lengths must be of size batch_size ({N}), got {in_len.shape[0]}")
    if tgt_len.shape[0] != N:
        raise RuntimeError(f"target_lengths must be of size batch_size ({N}), got {tgt_len.shape[0]}")
    if (in_len > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_len.max())}")
    tg = np.asarray(targets._array).astype(np.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if tg.ndim == 1:  # concatenated targets: cut them into a padded (N, S) block
        S = int(tgt_len.max()) if N else 0
        starts = np.concatenate([[0], np.cumsum(tgt_len)[:-1]])
        padded = np.full((N, max(S, 1)), blank, dtype=np.int64)
        cols = np.arange(max(S, 1))[None, :]
        take = cols < tgt_len[:, None]
        src = np.where(take, starts[:, None] + cols, 0)
        padded[take] = tg[src[take]]
        tg = padded
    elif tg.shape[1] < (int(tgt_len.max()) if N else 0):
        raise RuntimeError(
            f"Expected tensor to have size at least {int(tgt_len.max())} at dimension 1, but got size {tg.shape[1]}"
        )
    if tg.size and ((tg < 0) | (tg >= C)).any() and ((tg[np.arange(tg.shape[1])[None, :] < tgt_len[:, None]] >= C).any()):
        raise IndexError(f"ctc_loss: target index out of range for {C} classes")
    losses = _CtcLoss.apply(
        lp, targets=tg, input_lengths=in_len, target_lengths=tgt_len, blank=blank, zero_infinity=zero_infinity
    )
    if reduction == "mean":
        divisor = Tensor._from_array(np.maximum(tgt_len, 1).astype(lp._array.dtype))
        return (losses / divisor).mean()
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(()) if unbatched else losses
