"""Recurrent cells as fused Functions: one step of RNN, LSTM and GRU (nn.*Cell).

Each cell takes the already projected input ``gx = x @ W_ih.T + biases`` (so a whole
sequence can be projected with one matmul) and is one graph node doing the single
``h @ W_hh.T`` product and the gate math on raw arrays.  Whole layers over time use
``ops/rnn_layer.py``, which also rebuilds a layer from these cells when a graph of the
backward is wanted.

Each cell's backward has two paths, as ``F.linear`` and the normalization ops do:

* no graph of the backward wanted (the usual ``loss.backward()``): the closed-form
  gradients on raw arrays, from the gate activations kept by forward;
* ``create_graph=True``: the gates are recomputed from the saved inputs with ember ops
  and the same formulas are written with ember ops, so second derivatives are exact.

Gate layouts are torch's: LSTM ``[i, f, g, o]``, GRU ``[r, z, n]``.

Example:
    >>> import ember
    >>> from ember.ops.rnn import lstm_cell
    >>> x, h, c = ember.randn(3, 4), ember.zeros(3, 5), ember.zeros(3, 5)
    >>> w_ih, w_hh = ember.randn(20, 4), ember.randn(20, 5)
    >>> h1, c1 = lstm_cell(x, (h, c), w_ih, w_hh)
    >>> h1.shape
    torch.Size([3, 5])
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._util import xp_of
from .elementwise import sigmoid, tanh
from .joining import cat
from .linear_layer import linear

__all__ = ["gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_tanh_cell"]


# ----------------------------------------------------------------- array helpers
def _sigmoid_(xp, a):
    """Logistic sigmoid in place: ``0.5 + 0.5 * tanh(a / 2)`` never overflows."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _projection(h, w_hh, gx):
    """``gx + h @ w_hh.T`` as a new array (gx may be a view of the whole-sequence projection)."""
    out = h @ w_hh.T
    out += gx
    return out


def _wrap(arr):
    return Tensor._from_array(arr)


# ------------------------------------------------------------------------ LSTM
class LSTMCellFunction(Function):
    """``(h', c')`` of one LSTM step from the projected input ``gx = x @ W_ih.T + biases``."""

    _array_forward = True
    _backward_name = "LstmCellBackward0"

    @staticmethod
    def forward(ctx, gx, h, c, w_hh):
        xp = xp_of(gx)
        hidden = c.shape[-1]
        gates = _projection(h, w_hh, gx)
        _sigmoid_(xp, gates[:, : 2 * hidden])
        xp.tanh(gates[:, 2 * hidden : 3 * hidden], out=gates[:, 2 * hidden : 3 * hidden])
        _sigmoid_(xp, gates[:, 3 * hidden :])
        i, f, g, o = (gates[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c_new = f * c
        c_new += i * g
        tanh_c = xp.tanh(c_new)
        h_new = o * tanh_c
        ctx.save_for_backward(gx, h, c, w_hh)
        ctx.gates = gates
        ctx.tanh_c = tanh_c
        return h_new, c_new

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        gx, h, c, w_hh = ctx.saved_tensors
        if STATE.enabled:
            return _lstm_backward_graph(ctx, grad_h, grad_c, gx, h, c, w_hh)
        need_gx, need_h, need_c, need_w = ctx.needs_input_grad
        xp = xp_of(gx._array)
        gates, tanh_c = ctx.gates, ctx.tanh_c
        hidden = tanh_c.shape[-1]
        i, f, g, o = (gates[:, k * hidden : (k + 1) * hidden] for k in range(4))
        dh, dc = grad_h._array, grad_c._array
        # d c' = dc + dh * o * (1 - tanh(c')^2)
        dc_total = 1 - tanh_c * tanh_c
        dc_total *= o
        dc_total *= dh
        dc_total += dc
        da = xp.empty_like(gates)
        da_i, da_f, da_g, da_o = (da[:, k * hidden : (k + 1) * hidden] for k in range(4))
        xp.multiply(dc_total, g, out=da_i)
        da_i *= i * (1 - i)
        xp.multiply(dc_total, c._array, out=da_f)
        da_f *= f * (1 - f)
        xp.multiply(dc_total, i, out=da_g)
        da_g *= 1 - g * g
        xp.multiply(dh, tanh_c, out=da_o)
        da_o *= o * (1 - o)
        grad_gx = _wrap(da) if need_gx else None
        grad_prev_h = _wrap(da @ w_hh._array) if need_h else None
        grad_prev_c = _wrap(dc_total * f) if need_c else None
        grad_w = _wrap(da.T @ h._array) if need_w else None
        return grad_gx, grad_prev_h, grad_prev_c, grad_w


def _lstm_backward_graph(ctx, grad_h, grad_c, gx, h, c, w_hh):
    """The LSTM cell's backward in ember ops on recomputed gates (differentiable)."""
    need_gx, need_h, need_c, need_w = ctx.needs_input_grad
    a_i, a_f, a_g, a_o = (gx + h.matmul(w_hh.t())).chunk(4, dim=-1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)
    tanh_c = tanh(f * c + i * g)
    dc_total = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
    da = cat(
        [
            dc_total * g * i * (1 - i),
            dc_total * c * f * (1 - f),
            dc_total * i * (1 - g * g),
            grad_h * tanh_c * o * (1 - o),
        ],
        dim=-1,
    )
    return (
        da if need_gx else None,
        da.matmul(w_hh) if need_h else None,
        dc_total * f if need_c else None,
        da.t().matmul(h) if need_w else None,
    )


# ------------------------------------------------------------------------- GRU
class GRUCellFunction(Function):
    """``h'`` of one GRU step from the projected input ``gx = x @ W_ih.T + b_ih``.

    ``b_hh`` stays inside the cell: torch's candidate gate is ``tanh(gx_n + r * (W_hn h + b_hn))``.
    """

    _array_forward = True
    _backward_name = "GruCellBackward0"

    @staticmethod
    def forward(ctx, gx, h, w_hh, b_hh=None):
        xp = xp_of(gx)
        hidden = h.shape[-1]
        gh = h @ w_hh.T
        if b_hh is not None:
            gh += b_hh
        rz = gx[:, : 2 * hidden] + gh[:, : 2 * hidden]
        _sigmoid_(xp, rz)
        r, z = rz[:, :hidden], rz[:, hidden:]
        gh_n = gh[:, 2 * hidden :]
        n = r * gh_n
        n += gx[:, 2 * hidden :]
        xp.tanh(n, out=n)
        h_new = h - n
        h_new *= z
        h_new += n
        ctx.save_for_backward(gx, h, w_hh, b_hh)
        ctx.rz, ctx.n, ctx.gh_n = rz, n, gh_n
        return h_new

    @staticmethod
    def backward(ctx, grad):
        gx, h, w_hh, b_hh = ctx.saved_tensors
        if STATE.enabled:
            return _gru_backward_graph(ctx, grad, gx, h, w_hh, b_hh)
        need_gx, need_h, need_w, need_b = ctx.needs_input_grad
        xp = xp_of(gx._array)
        rz, n, gh_n = ctx.rz, ctx.n, ctx.gh_n
        hidden = n.shape[-1]
        r, z = rz[:, :hidden], rz[:, hidden:]
        dh = grad._array
        ha = h._array
        d_gx = xp.empty(gx._array.shape, dh.dtype)
        da_r, da_z, da_n = (d_gx[:, k * hidden : (k + 1) * hidden] for k in range(3))
        xp.multiply(dh, 1 - z, out=da_n)
        da_n *= 1 - n * n
        xp.multiply(da_n, gh_n, out=da_r)
        da_r *= r * (1 - r)
        xp.subtract(ha, n, out=da_z)
        da_z *= dh
        da_z *= z * (1 - z)
        d_gh = d_gx.copy()
        d_gh[:, 2 * hidden :] *= r
        grad_gx = _wrap(d_gx) if need_gx else None
        grad_prev_h = None
        if need_h:
            prev = d_gh @ w_hh._array
            prev += dh * z
            grad_prev_h = _wrap(prev)
        grad_w = _wrap(d_gh.T @ ha) if need_w else None
        grad_b = _wrap(d_gh.sum(axis=0)) if need_b else None
        return grad_gx, grad_prev_h, grad_w, grad_b


def _gru_backward_graph(ctx, grad, gx, h, w_hh, b_hh):
    """The GRU cell's backward in ember ops on recomputed gates (differentiable)."""
    need_gx, need_h, need_w, need_b = ctx.needs_input_grad
    gh = h.matmul(w_hh.t())
    if b_hh is not None:
        gh = gh + b_hh
    gx_r, gx_z, gx_n = gx.chunk(3, dim=-1)
    gh_r, gh_z, gh_n = gh.chunk(3, dim=-1)
    r, z = sigmoid(gx_r + gh_r), sigmoid(gx_z + gh_z)
    n = tanh(gx_n + r * gh_n)
    da_n = grad * (1 - z) * (1 - n * n)
    da_r = da_n * gh_n * r * (1 - r)
    da_z = grad * (h - n) * z * (1 - z)
    d_gx = cat([da_r, da_z, da_n], dim=-1)
    d_gh = cat([da_r, da_z, da_n * r], dim=-1)
    return (
        d_gx if need_gx else None,
        d_gh.matmul(w_hh) + grad * z if need_h else None,
        d_gh.t().matmul(h) if need_w else None,
        d_gh.sum(dim=0) if need_b else None,
    )


# --------------------------------------------------------------------- Elman RNN
class RNNCellFunction(Function):
    """``h' = tanh(gx + h @ W_hh.T)`` (or relu) from the projected input ``gx``."""

    _array_forward = True
    _backward_name = "RnnCellBackward0"

    @staticmethod
    def forward(ctx, gx, h, w_hh, nonlinearity="tanh"):
        xp = xp_of(gx)
        out = _projection(h, w_hh, gx)
        if nonlinearity == "tanh":
            xp.tanh(out, out=out)
        else:
            xp.maximum(out, 0, out=out)
        ctx.save_for_backward(gx, h, w_hh)
        ctx.nonlinearity = nonlinearity
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        gx, h, w_hh = ctx.saved_tensors
        need_gx, need_h, need_w = ctx.needs_input_grad
        if STATE.enabled:
            pre = gx + h.matmul(w_hh.t())
            if ctx.nonlinearity == "tanh":
                out = tanh(pre)
                da = grad * (1 - out * out)
            else:
                da = grad * (pre > 0).to(grad.dtype)
            return (
                da if need_gx else None,
                da.matmul(w_hh) if need_h else None,
                da.t().matmul(h) if need_w else None,
            )
        out = ctx.out
        if ctx.nonlinearity == "tanh":
            da = 1 - out * out
            da *= grad._array
        else:
            da = grad._array * (out > 0)
        return (
            _wrap(da) if need_gx else None,
            _wrap(da @ w_hh._array) if need_h else None,
            _wrap(da.T @ h._array) if need_w else None,
        )


# ----------------------------------------------------------- single-step functions
def _combined_bias(b_ih, b_hh):
    if b_ih is None:
        return b_hh
    if b_hh is None:
        return b_ih
    return b_ih + b_hh


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> tuple:
    """One LSTM step on 2-D ``input (B, I)`` and ``hx = (h, c)``; returns ``(h', c')``.

    Example:
        >>> import ember
        >>> h, c = lstm_cell(ember.ones(2, 3), (ember.zeros(2, 4), ember.zeros(2, 4)),
        ...                  ember.zeros(16, 3), ember.zeros(16, 4))
        >>> c.tolist()[0]
        [0.0, 0.0, 0.0, 0.0]
    """
    gx = linear(input, w_ih, _combined_bias(b_ih, b_hh))
    return LSTMCellFunction.apply(gx, hx[0], hx[1], w_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    """One GRU step on 2-D ``input (B, I)`` and ``hx (B, H)``; returns ``h'``.

    Example:
        >>> import ember
        >>> gru_cell(ember.ones(2, 3), ember.ones(2, 4), ember.zeros(12, 3), ember.zeros(12, 4)).shape
        torch.Size([2, 4])
    """
    gx = linear(input, w_ih, b_ih)
    return GRUCellFunction.apply(gx, hx, w_hh, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    """One Elman step ``tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``.

    Example:
        >>> import ember
        >>> rnn_tanh_cell(ember.ones(2, 3), ember.zeros(2, 4), ember.zeros(4, 3), ember.zeros(4, 4)).sum().item()
        0.0
    """
    gx = linear(input, w_ih, _combined_bias(b_ih, b_hh))
    return RNNCellFunction.apply(gx, hx, w_hh, nonlinearity="tanh")


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    """One Elman step ``relu(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``.

    Example:
        >>> import ember
        >>> rnn_relu_cell(ember.ones(2, 3), ember.zeros(2, 4), ember.ones(4, 3), ember.zeros(4, 4))[0].tolist()
        [3.0, 3.0, 3.0, 3.0]
    """
    gx = linear(input, w_ih, _combined_bias(b_ih, b_hh))
    return RNNCellFunction.apply(gx, hx, w_hh, nonlinearity="relu")
