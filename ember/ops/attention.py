"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward``.

The core is one fused Function, ``softmax(q @ k^T * scale + mask) @ v``: a batched
matmul, a stable softmax on the scores in place, optional dropout of the probabilities
and a second batched matmul, with the closed-form backward on raw arrays (the saved
probabilities make it two matmuls per input).  With ``create_graph=True`` the backward
is written with ember ops on recomputed probabilities, so second derivatives are exact.

Masks follow torch: a *bool* ``attn_mask`` of scaled_dot_product_attention marks the
positions that take part (True = attend); a *bool* ``attn_mask`` or ``key_padding_mask``
of multi-head attention marks the positions to ignore (True = masked out); float masks
are added to the scores.  A query row that can attend to nothing gives zeros in
scaled_dot_product_attention (as torch) and NaN in the explicit-weights path of
multi-head attention (as torch's softmax does).

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> q = k = v = ember.randn(2, 4, 5, 8)  # (batch, heads, sequence, head dim)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    torch.Size([2, 4, 5, 8])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ..random import resolve
from ._util import xp_of
from .activation import softmax
from .creation import zeros
from .joining import cat
from .linear_layer import linear
from .resample import pad
from .selection import where

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
               "bool": "bool"}


def _type_name(np_dtype) -> str:
    return _TYPE_NAMES.get(str(np_dtype), str(np_dtype))


def _swap_last(a):
    return a.swapaxes(-1, -2)


# ------------------------------------------------------------------ fused kernel
class Attention(Function):
    """``P = softmax(q @ k^T * scale + mask [+ causal])``; returns ``(P * keep) @ v`` (and ``P * keep``).

    Inputs: ``q (..., L, E)``, ``k (..., S, E)``, ``v (..., S, Ev)`` and an additive float
    ``mask`` broadcastable to ``(..., L, S)`` or None.  Params: ``scale``; ``causal`` (top-left
    aligned lower triangle); ``keep``: dropout multipliers of the probabilities or None;
    ``safe``: rows with no allowed position give zeros instead of NaN; ``with_weights``:
    also return the (dropped-out) probabilities as a second, differentiable output.

    The big ``(..., L, S)`` array is touched as few times as possible: the row sums are
    one BLAS product with a ones vector, and without ``with_weights`` the probabilities
    are never normalized in place (the ``1 / row sum`` factor is applied to the small
    output instead, and backward folds it into the small gradient).
    """

    _array_forward = True
    _backward_name = "ScaledDotProductAttentionBackward0"

    @staticmethod
    def forward(ctx, q, k, v, mask=None, scale=1.0, causal=False, keep=None, safe=True, with_weights=False):
        xp = xp_of(q)
        exps, inv_total, dead = _exp_scores(xp, q, k, mask, scale, causal, safe)
        if with_weights:
            with np.errstate(invalid="ignore"):  # a dead row is NaN here, as in torch
                exps *= inv_total  # the weights are an output: normalize them
            inv_total = None
        dropped = exps * keep if keep is not None else exps
        out = dropped @ v
        if inv_total is not None:
            out *= inv_total
        ctx.save_for_backward(q, k, v, mask, out)
        ctx.params = (scale, causal, keep, dead, with_weights)
        ctx.exps, ctx.inv_total = exps, inv_total
        if with_weights:
            ctx.set_materialize_grads(False)  # an unused output's gradient stays None, not zeros
            return out, dropped
        return out

    @staticmethod
    def backward(ctx, grad_out, grad_weights=None):
        q, k, v, mask, out = ctx.saved_tensors
        if grad_out is None:
            grad_out = Tensor._from_array(xp_of(q._array).zeros(ctx._output_meta[0][0], q._array.dtype))
        if STATE.enabled:
            return _attention_backward_graph(ctx, grad_out, grad_weights, q, k, v, mask)
        with np.errstate(invalid="ignore"):  # NaN rows (unsafe softmax) stay NaN, silently
            return _attention_backward_arrays(ctx, grad_out, grad_weights, q, k, v, out)


def _attention_backward_arrays(ctx, grad_out, grad_weights, q, k, v, out):
    """Closed-form backward on raw arrays.

    With ``P = E * inv`` (E: the kept exponentials, inv: 1 / row sums) and ``O = (P * keep) @ v``:
    ``dV = (P * keep)^T dO``, ``dP = (dO v^T + dW) * keep`` and the softmax backward
    ``dS = P * (dP - rowsum(dP * P))``, where ``rowsum(dP * P) = rowsum(dO * O) + rowsum(dW * P * keep)``
    needs only the small arrays.
    """
    scale, _, keep, _, _ = ctx.params
    need_q, need_k, need_v, need_mask = ctx.needs_input_grad
    xp = xp_of(q._array)
    exps, inv = ctx.exps, ctx.inv_total
    g = grad_out._array
    qa, ka, va = q._array, k._array, v._array
    if inv is not None:
        g = g * inv  # dP and the row term both carry the 1/row-sum factor of P
    grad_v = None
    if need_v:
        dropped = exps * keep if keep is not None else exps
        grad_v = Tensor._from_array(_swap_last(dropped) @ g)
    row = (grad_out._array * out._array).sum(axis=-1, keepdims=True)
    if inv is not None:
        row *= inv
    if grad_weights is not None:
        weights = exps * keep if keep is not None else exps
        row += (grad_weights._array * weights).sum(axis=-1, keepdims=True)
    if keep is None and grad_weights is None:
        # dP - row in one product: [g, -row] @ [v, 1]^T
        ones = xp.ones(va.shape[:-1] + (1,), va.dtype)
        d_scores = xp.concatenate([g, -row], axis=-1) @ _swap_last(xp.concatenate([va, ones], axis=-1))
    else:
        d_scores = g @ _swap_last(va)
        if grad_weights is not None:
            d_scores += grad_weights._array
        if keep is not None:
            d_scores *= keep
        d_scores -= row
    d_scores *= exps
    typed_scale = d_scores.dtype.type(scale)
    grad_q = grad_k = None
    if need_q:
        grad_q = d_scores @ ka
        grad_q *= typed_scale
        grad_q = Tensor._from_array(grad_q)
    if need_k:
        grad_k = _swap_last(d_scores) @ qa
        grad_k *= typed_scale
        grad_k = Tensor._from_array(grad_k)
    grad_mask = Tensor._from_array(d_scores) if need_mask else None
    return grad_q, grad_k, grad_v, grad_mask


def _causal_bias(xp, rows: int, cols: int, dtype):
    """0 on and below the diagonal (top-left aligned), -inf above."""
    bias = xp.zeros((rows, cols), dtype)
    bias[xp.triu_indices(rows, 1, cols)] = -xp.inf
    return bias


def _scores(xp, q, k, mask, scale: float, causal: bool):
    """``q @ k^T * scale + mask (+ causal bias)`` as a new array."""
    scores = (q * q.dtype.type(scale)) @ _swap_last(k)
    if mask is not None:
        if np.broadcast_shapes(mask.shape, scores.shape) == scores.shape:
            scores += mask
        else:
            scores = scores + mask
    if causal:
        scores += _causal_bias(xp, scores.shape[-2], scores.shape[-1], scores.dtype)
    return scores


def _exp_scores(xp, q, k, mask, scale: float, causal: bool, safe: bool):
    """The softmax numerators ``E`` (in a new array), ``1 / rowsum(E)`` and the dead rows.

    A dead row (no allowed position) gets zeros when ``safe`` (else NaN, like a plain
    softmax).  Fast path: one max per (L, S) matrix rather than per row (a per-row
    reduction and broadcast are the slowest passes here); rows whose sum then underflows
    are redone with per-row maxima.
    """
    scores = _scores(xp, q, k, mask, scale, causal)
    top = scores.max(axis=(-2, -1), keepdims=True) if scores.ndim >= 2 else scores.max()
    if xp.isfinite(top).all():
        scores -= top
        xp.exp(scores, out=scores)
        ones = xp.ones((scores.shape[-1], 1), scores.dtype)
        total = scores @ ones
        if not (total < _UNDERFLOW[scores.dtype.char]).any():
            return scores, 1 / total, None
        scores = _scores(xp, q, k, mask, scale, causal)
    top = scores.max(axis=-1, keepdims=True)
    dead = top == -xp.inf
    if dead.any():
        top = xp.where(dead, 0, top)
    else:
        dead = None
    with np.errstate(invalid="ignore"):
        scores -= top
    xp.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    if dead is not None and safe:
        total[dead] = 1  # all-zero rows stay zero
    with np.errstate(divide="ignore"):
        inv = 1 / total
    return scores, inv, dead if safe else None


# Row sums below these (after subtracting the matrix max) may have lost precision to underflow.
_UNDERFLOW = {"f": 1e-25, "d": 1e-250, "e": 1e-3}


def _attention_backward_graph(ctx, grad_out, grad_weights, q, k, v, mask):
    """The same backward in ember ops on recomputed probabilities (differentiable)."""
    scale, causal, keep, dead, _ = ctx.params
    need_q, need_k, need_v, need_mask = ctx.needs_input_grad
    scores = (q * scale).matmul(k.transpose(-2, -1))
    if mask is not None:
        scores = scores + mask
    if causal:
        xp = xp_of(q._array)
        scores = scores + Tensor._from_array(_causal_bias(xp, scores.shape[-2], scores.shape[-1], scores._array.dtype))
    if dead is not None:
        dead_t = Tensor._from_array(dead)
        probs = softmax(where(dead_t, 0.0, scores), dim=-1) * Tensor._from_array((~dead).astype(scores._array.dtype))
    else:
        probs = softmax(scores, dim=-1)
    keep_t = Tensor._from_array(keep) if keep is not None else None
    dropped = probs * keep_t if keep_t is not None else probs
    d_probs = grad_out.matmul(v.transpose(-2, -1))
    if grad_weights is not None:
        d_probs = d_probs + grad_weights
    if keep_t is not None:
        d_probs = d_probs * keep_t
    d_scores = probs * (d_probs - (d_probs * probs).sum(dim=-1, keepdim=True))
    return (
        d_scores.matmul(k) * scale if need_q else None,
        d_scores.transpose(-2, -1).matmul(q) * scale if need_k else None,
        dropped.transpose(-2, -1).matmul(grad_out) if need_v else None,
        d_scores if need_mask else None,
    )


def _dropout_keep(shape, p: float, np_dtype, like):
    """Dropout multipliers: 0 with probability p, else 1 / (1 - p)."""
    if p >= 1.0:
        return xp_of(like).zeros(shape, np_dtype)
    keep = resolve(None).random(shape) >= p
    return xp_of(like).asarray(keep.astype(np_dtype) * np_dtype.type(1.0 / (1.0 - p)))


def _scores_shape(q, k, mask) -> tuple:
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2])
    shape = tuple(batch) + (q.shape[-2], k.shape[-2])
    if mask is not None:
        shape = np.broadcast_shapes(shape, tuple(mask.shape))
    return tuple(shape)


# ---------------------------------------------------------- scaled dot product
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two dims.

    Args:
        query: ``(..., L, E)``; key: ``(..., S, E)``; value: ``(..., S, Ev)`` (batch dims broadcast).
        attn_mask: bool (True = may attend) or float (added to the scores), broadcastable
            to ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights (always applied: pass 0.0
            in evaluation).
        is_causal: mask the upper triangle (position i attends to j <= i); excludes attn_mask.
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: allow fewer key/value heads (dim -3) than query heads (grouped-query attention).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> q, k, v = ember.randn(3, 4), ember.randn(6, 4), ember.randn(6, 2)
        >>> F.scaled_dot_product_attention(q, k, v).shape
        torch.Size([3, 2])
    """
    q_arr, k_arr, v_arr = query._array, key._array, value._array
    if q_arr.ndim < 2 or k_arr.ndim < 2 or v_arr.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{q_arr.ndim} key.dim: {k_arr.ndim} and value.dim: {v_arr.ndim} instead."
        )
    if not q_arr.dtype == k_arr.dtype == v_arr.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_type_name(q_arr.dtype)} key.dtype: {_type_name(k_arr.dtype)} and value.dtype: "
            f"{_type_name(v_arr.dtype)} instead."
        )
    if q_arr.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected a floating query, got {query.dtype}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if q_arr.shape[-1] != k_arr.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key must have the same last dim, got query "
            f"{list(q_arr.shape)} and key {list(k_arr.shape)}"
        )
    if k_arr.shape[-2] != v_arr.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value must have the same sequence length (dim -2), "
            f"got key {list(k_arr.shape)} and value {list(v_arr.shape)}"
        )
    if enable_gqa and q_arr.ndim >= 3 and k_arr.ndim >= 3 and q_arr.shape[-3] != k_arr.shape[-3]:
        heads, kv_heads = q_arr.shape[-3], k_arr.shape[-3]
        if heads % kv_heads or v_arr.shape[-3] != kv_heads:
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in query: got "
                f"{heads} query heads and {kv_heads} key/value heads"
            )
        key = key.repeat_interleave(heads // kv_heads, dim=-3)
        value = value.repeat_interleave(heads // kv_heads, dim=-3)
    mask = _sdpa_mask(attn_mask, q_arr.dtype)
    if mask is not None:
        scores_shape = _scores_shape(q_arr, key._array, None)
        try:
            full_shape = _scores_shape(q_arr, key._array, mask._array)
        except ValueError:
            full_shape = None
        if full_shape != scores_shape:
            raise RuntimeError(
                f"scaled_dot_product_attention: attn_mask of shape {list(mask.shape)} does not broadcast to "
                f"the attention scores' shape {list(scores_shape)}"
            )
    scale = 1.0 / math.sqrt(q_arr.shape[-1]) if scale is None else float(scale)
    keep = None
    if dropout_p > 0.0:
        keep = _dropout_keep(_scores_shape(q_arr, key._array, mask), dropout_p, q_arr.dtype, q_arr)
    return Attention.apply(query, key, value, mask, scale=scale, causal=bool(is_causal), keep=keep, safe=True)


def _sdpa_mask(attn_mask, np_dtype):
    """A bool mask (True = attend) as a constant additive mask; float masks pass through."""
    if attn_mask is None:
        return None
    arr = attn_mask._array
    if arr.dtype == np.bool_:
        xp = xp_of(arr)
        return Tensor._from_array(xp.where(arr, np_dtype.type(0), np_dtype.type(-np.inf)))
    if arr.dtype != np_dtype:
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{_type_name(arr.dtype)} and  query.dtype: {_type_name(np_dtype)} instead."
        )
    return attn_mask


# ------------------------------------------------------------ multi-head attention
def _canonical_mask(mask, name: str, np_dtype):
    """Bool masks (True = ignore) become float masks with -inf; float masks stay."""
    if mask is None:
        return None
    arr = mask._array
    if arr.dtype == np.bool_:
        xp = xp_of(arr)
        return Tensor._from_array(xp.where(arr, np_dtype.type(-np.inf), np_dtype.type(0)))
    if arr.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's checks of the input ranks; returns whether the input is batched."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                f"{key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.dim()}-D tensor instead"
            )
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found "
                f"{key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                    f"{attn_mask.dim()}-D tensor instead"
                )
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(
        f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor"
    )


def _in_projection(query, key, value, weight, bias, separate):
    """q, k, v projections: one matmul for self-attention, as torch's packed in-projection."""
    if separate is not None:
        w_q, w_k, w_v = separate
        b_q = b_k = b_v = None
        if bias is not None:
            b_q, b_k, b_v = bias.chunk(3)
        return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    embed_dim = query.shape[-1]
    if key is value and query is key:
        q, k, v = linear(query, weight, bias).chunk(3, dim=-1)
        return q, k, v
    w_q, w_k, w_v = weight.chunk(3)
    b_q = b_k = b_v = None
    if bias is not None:
        b_q, b_k, b_v = bias.chunk(3)
    if key is value:
        w_kv = weight[embed_dim:]
        b_kv = bias[embed_dim:] if bias is not None else None
        k, v = linear(key, w_kv, b_kv).chunk(2, dim=-1)
        return linear(query, w_q, b_q), k, v
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple:
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched ``(L, E)``).

    Returns ``(attn_output (L, N, E), attn_weights)``; the weights are ``(N, L, S)``
    averaged over heads (``(N, num_heads, L, S)`` with ``average_attn_weights=False``),
    or None when ``need_weights=False``.  Masks: bool True = ignore; float masks are added.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> x = ember.randn(5, 2, 8)
        >>> w, b = ember.randn(24, 8), ember.zeros(24)
        >>> out, weights = F.multi_head_attention_forward(x, x, x, 8, 2, w, b, None, None, False, 0.0,
        ...                                               ember.randn(8, 8), ember.zeros(8))
        >>> out.shape, weights.shape
        (torch.Size([5, 2, 8]), torch.Size([2, 5, 5]))
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        same_kv = key is value
        same_qk = query is key
        query = query.unsqueeze(1)
        key = query if same_qk else key.unsqueeze(1)
        value = key if same_kv else value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    np_dtype = query._array.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", np_dtype)
    causal = False
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the causal flag replaces the (causal) mask
        causal = True
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", np_dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's {tuple(value.shape[:2])}"
            )
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)

    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            expected = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != expected:
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {expected}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be given or both be None")

    heads = bsz * num_heads
    q = q.reshape(tgt_len, heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, heads, head_dim, "static_k")
    v = _heads(v, static_v, heads, head_dim, "static_v")
    if add_zero_attn:
        k = cat([k, zeros((heads, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros((heads, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(bsz, src_len)}, but got {key_padding_mask.shape}"
            )
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0

    keep = None
    if dropout_p > 0.0:
        keep = _dropout_keep((heads, tgt_len, src_len), dropout_p, np_dtype, q._array)
    result = Attention.apply(
        q, k, v, attn_mask, scale=1.0 / math.sqrt(head_dim), causal=causal, keep=keep,
        safe=not need_weights, with_weights=need_weights,
    )
    out, weights = result if need_weights else (result, None)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if weights is not None:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
    if not batched:
        out = out.squeeze(1)
    return out, weights


def _heads(x, static, heads: int, head_dim: int, name: str):
    """``(S, N, E)`` projections as ``(N * num_heads, S, head_dim)``, or the given static tensor."""
    if static is None:
        return x.reshape(x.shape[0], heads, head_dim).transpose(0, 1)
    if static.shape[0] != heads:
        raise AssertionError(f"expecting {name}.size(0) of {heads}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static
