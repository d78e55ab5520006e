"""A whole recurrent layer (one direction) as one Function, and the stacked time loop.

``RecurrentLayer`` runs the time loop of one layer and direction on raw arrays: per step
one ``h @ W_hh.T`` product plus the gate math, written into preallocated ``(N, ...)``
arrays.  Its backward is backpropagation through time on arrays, and it gathers the
weight gradients of all steps into one large product (``dW_hh = dA^T @ H_prev``) instead
of one small product and one accumulation per step.  The graph holds one node per layer
and direction, not one per step.

Sequences are time-major *packed* data: the rows of step 0, then of step 1, ... with
``batch_sizes[t]`` rows at step ``t`` (non-increasing), so a PackedSequence runs without
padding; a padded ``(T, B, I)`` batch is the case of equal batch sizes.

With ``create_graph=True`` the backward re-runs the layer with the per-step cell
Functions of ``ops/rnn.py`` (whose own backward is written in ember ops) and
differentiates that, so higher derivatives are exact.

Example:
    >>> import ember
    >>> from ember.ops.rnn_layer import run_recurrent_layers
    >>> weights = [(ember.randn(2, 3), ember.randn(2, 2), None, None, None)]  # w_ih, w_hh, b_ih, b_hh, w_hr
    >>> out, h_n, _ = run_recurrent_layers("RNN_TANH", ember.randn(10, 3), [5, 5], ember.zeros(1, 5, 2),
    ...                                    None, weights, False, 0.0, False)
    >>> out.shape, h_n.shape
    (torch.Size([10, 2]), torch.Size([1, 5, 2]))
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._util import xp_of
from .dropout import dropout as _dropout
from .joining import cat, split, stack
from .linear_layer import linear
from .rnn import GRUCellFunction, LSTMCellFunction, RNNCellFunction, _combined_bias, _sigmoid_

__all__ = ["RecurrentLayer", "run_recurrent_layers"]


def _step_slices(batch_sizes, reverse: bool):
    """``(start_row, rows)`` of each step, in the order forward processes them."""
    starts = []
    start = 0
    for rows in batch_sizes:
        starts.append(start)
        start += rows
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    return [(starts[t], batch_sizes[t]) for t in order]


class RecurrentLayer(Function):
    """One layer in one direction: ``(out, h_n[, c_n])`` from the projected inputs ``gx``.

    Inputs: ``gx (N, G)`` (``x @ W_ih.T`` plus the biases that can be folded in), ``h0 (B, H_out)``,
    ``c0 (B, H)`` (LSTM) or None, ``w_hh``, ``b_hh`` (GRU: kept inside the candidate gate)
    or None, ``w_hr`` (projected LSTM) or None.  Params: ``mode``, ``batch_sizes``, ``reverse``.
    """

    _array_forward = True
    _backward_name = "RnnLayerBackward0"

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, b_hh=None, w_hr=None, mode="LSTM", batch_sizes=(), reverse=False):
        saving = bool(ctx.needs_input_grad)
        runner = {"LSTM": _lstm_forward, "GRU": _gru_forward}.get(mode, _elman_forward)
        outputs, saved = runner(xp_of(gx), gx, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse, saving)
        if saving:
            ctx.save_for_backward(gx, h0, c0, w_hh, b_hh, w_hr)
            ctx.params = (mode, batch_sizes, reverse)
            ctx.arrays = saved
            ctx.set_materialize_grads(False)  # unused outputs (often h_n) cost nothing
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        inputs = ctx.saved_tensors
        mode, batch_sizes, reverse = ctx.params
        if STATE.enabled:
            return _backward_graph(ctx, grads, inputs, mode, batch_sizes, reverse)
        runner = {"LSTM": _lstm_backward, "GRU": _gru_backward}.get(mode, _elman_backward)
        return runner(ctx, grads, inputs, mode, batch_sizes, reverse)


# ------------------------------------------------------------------------ LSTM
def _lstm_forward(xp, gx, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse, saving):
    n, dt = gx.shape[0], gx.dtype
    hidden = c0.shape[1]
    h_n, c_n = xp.empty_like(h0), xp.empty_like(c0)
    out = xp.empty((n, h0.shape[1]), dt)
    gates = xp.empty((n, 4 * hidden), dt)
    c_all = xp.empty((n, hidden), dt)
    tanh_all = xp.empty((n, hidden), dt)
    h_prev_all = xp.empty((n, h0.shape[1]), dt) if saving else None
    c_prev_all = xp.empty((n, hidden), dt) if saving else None
    r_all = xp.empty((n, hidden), dt) if saving and w_hr is not None else None
    w_hh_t = w_hh.T
    h, c = _initial_states(h0, c0, batch_sizes, reverse)
    for s, rows in _step_slices(batch_sizes, reverse):
        h, c = _resize_states(xp, h, c, h0, c0, h_n, c_n, rows)
        e = s + rows
        a = gates[s:e]
        xp.matmul(h, w_hh_t, out=a)
        a += gx[s:e]
        _sigmoid_(xp, a[:, : 2 * hidden])
        xp.tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])
        _sigmoid_(xp, a[:, 3 * hidden :])
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c_new = c_all[s:e]
        xp.multiply(f, c, out=c_new)
        c_new += i * g
        tc = tanh_all[s:e]
        xp.tanh(c_new, out=tc)
        if saving:
            h_prev_all[s:e] = h
            c_prev_all[s:e] = c
        if w_hr is None:
            xp.multiply(o, tc, out=out[s:e])
        else:
            r = o * tc
            if saving:
                r_all[s:e] = r
            xp.matmul(r, w_hr.T, out=out[s:e])
        h, c = out[s:e], c_new
    h_n[: h.shape[0]] = h
    c_n[: c.shape[0]] = c
    return (out, h_n, c_n), (gates, c_all, tanh_all, h_prev_all, c_prev_all, r_all)


def _initial_states(h0, c0, batch_sizes, reverse: bool):
    """The states entering the first processed step (reverse: only the rows running at the last step)."""
    if not reverse:
        return h0, c0
    rows = batch_sizes[-1] if batch_sizes else h0.shape[0]
    return h0[:rows], (c0[:rows] if c0 is not None else None)


def _resize_states(xp, h, c, h0, c0, h_n, c_n, rows: int):
    """Shrink the running states to ``rows`` (sequences that ended keep their final state
    in ``h_n``/``c_n``), or grow them with rows of ``h0``/``c0`` (reverse direction)."""
    have = h.shape[0]
    if rows < have:
        h_n[rows:have] = h[rows:]
        h = h[:rows]
        if c is not None:
            c_n[rows:have] = c[rows:]
            c = c[:rows]
    elif rows > have:
        h = xp.concatenate([h, h0[have:rows]])
        if c is not None:
            c = xp.concatenate([c, c0[have:rows]])
    return h, c


def _carries(xp, grads, h0, c0):
    """The running gradients of h (and c), starting from those of h_n (and c_n)."""
    dh = grads[1]._array.copy() if grads[1] is not None else xp.zeros_like(h0._array)
    dc = None
    if c0 is not None:
        dc = grads[2]._array.copy() if len(grads) > 2 and grads[2] is not None else xp.zeros_like(c0._array)
    return dh, dc


def _lstm_backward(ctx, grads, inputs, mode, batch_sizes, reverse):
    _, h0, c0, w_hh, _, w_hr = inputs
    need_gx, need_h0, need_c0, need_w, _, need_hr = ctx.needs_input_grad
    gates, c_all, tanh_all, h_prev_all, c_prev_all, r_all = ctx.arrays
    xp = xp_of(gates)
    hidden = c_all.shape[1]
    w, whr = w_hh._array, (w_hr._array if w_hr is not None else None)
    d_out = grads[0]._array if grads[0] is not None else None
    dh_carry, dc_carry = _carries(xp, grads, h0, c0)
    d_gates = xp.empty_like(gates)
    d_h_all = xp.empty((gates.shape[0], w.shape[1]), gates.dtype) if need_hr else None
    for s, rows in reversed(_step_slices(batch_sizes, reverse)):
        e = s + rows
        dh = dh_carry[:rows]
        if d_out is not None:
            dh += d_out[s:e]
        if whr is not None:
            if need_hr:
                d_h_all[s:e] = dh
            dr = dh @ whr
        else:
            dr = dh
        a = gates[s:e]
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        tc = tanh_all[s:e]
        dct = 1 - tc * tc
        dct *= o
        dct *= dr
        dct += dc_carry[:rows]
        da = d_gates[s:e]
        da_i, da_f, da_g, da_o = (da[:, k * hidden : (k + 1) * hidden] for k in range(4))
        xp.multiply(dct, g, out=da_i)
        da_i *= i * (1 - i)
        xp.multiply(dct, c_prev_all[s:e], out=da_f)
        da_f *= f * (1 - f)
        xp.multiply(dct, i, out=da_g)
        da_g *= 1 - g * g
        xp.multiply(dr, tc, out=da_o)
        da_o *= o * (1 - o)
        xp.matmul(da, w, out=dh_carry[:rows])
        xp.multiply(dct, f, out=dc_carry[:rows])
    grad_w = _wrap(d_gates.T @ h_prev_all) if need_w else None
    grad_hr = _wrap(d_h_all.T @ r_all) if need_hr else None
    return (
        _wrap(d_gates) if need_gx else None,
        _wrap(dh_carry) if need_h0 else None,
        _wrap(dc_carry) if need_c0 else None,
        grad_w,
        None,
        grad_hr,
    )


# ------------------------------------------------------------------------- GRU
def _gru_forward(xp, gx, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse, saving):
    n, dt = gx.shape[0], gx.dtype
    hidden = h0.shape[1]
    h_n = xp.empty_like(h0)
    out = xp.empty((n, hidden), dt)
    rz_all = xp.empty((n, 2 * hidden), dt)
    n_all = xp.empty((n, hidden), dt)
    gh_n_all = xp.empty((n, hidden), dt) if saving else None
    h_prev_all = xp.empty((n, hidden), dt) if saving else None
    w_hh_t = w_hh.T
    h, _ = _initial_states(h0, None, batch_sizes, reverse)
    for s, rows in _step_slices(batch_sizes, reverse):
        h, _ = _resize_states(xp, h, None, h0, None, h_n, None, rows)
        e = s + rows
        gh = h @ w_hh_t
        if b_hh is not None:
            gh += b_hh
        rz = rz_all[s:e]
        xp.add(gx[s:e, : 2 * hidden], gh[:, : 2 * hidden], out=rz)
        _sigmoid_(xp, rz)
        r, z = rz[:, :hidden], rz[:, hidden:]
        cand = n_all[s:e]
        xp.multiply(r, gh[:, 2 * hidden :], out=cand)
        cand += gx[s:e, 2 * hidden :]
        xp.tanh(cand, out=cand)
        if saving:
            gh_n_all[s:e] = gh[:, 2 * hidden :]
            h_prev_all[s:e] = h
        h_new = out[s:e]
        xp.subtract(h, cand, out=h_new)
        h_new *= z
        h_new += cand
        h = h_new
    h_n[: h.shape[0]] = h
    return (out, h_n), (rz_all, n_all, gh_n_all, h_prev_all)


def _gru_backward(ctx, grads, inputs, mode, batch_sizes, reverse):
    _, h0, _, w_hh, _, _ = inputs
    need_gx, need_h0, _, need_w, need_b, _ = ctx.needs_input_grad
    rz_all, n_all, gh_n_all, h_prev_all = ctx.arrays
    xp = xp_of(rz_all)
    hidden = n_all.shape[1]
    w = w_hh._array
    d_out = grads[0]._array if grads[0] is not None else None
    dh_carry, _ = _carries(xp, grads, h0, None)
    d_gx = xp.empty((n_all.shape[0], 3 * hidden), n_all.dtype)
    d_gh = xp.empty_like(d_gx)
    for s, rows in reversed(_step_slices(batch_sizes, reverse)):
        e = s + rows
        dh = dh_carry[:rows]
        if d_out is not None:
            dh += d_out[s:e]
        r, z = rz_all[s:e, :hidden], rz_all[s:e, hidden:]
        cand = n_all[s:e]
        dx = d_gx[s:e]
        da_r, da_z, da_n = (dx[:, k * hidden : (k + 1) * hidden] for k in range(3))
        xp.multiply(dh, 1 - z, out=da_n)
        da_n *= 1 - cand * cand
        xp.multiply(da_n, gh_n_all[s:e], out=da_r)
        da_r *= r * (1 - r)
        xp.subtract(h_prev_all[s:e], cand, out=da_z)
        da_z *= dh
        da_z *= z * (1 - z)
        dg = d_gh[s:e]
        dg[:, : 2 * hidden] = dx[:, : 2 * hidden]
        xp.multiply(da_n, r, out=dg[:, 2 * hidden :])
        prev = dg @ w
        prev += dh * z
        dh_carry[:rows] = prev
    return (
        _wrap(d_gx) if need_gx else None,
        _wrap(dh_carry) if need_h0 else None,
        None,
        _wrap(d_gh.T @ h_prev_all) if need_w else None,
        _wrap(d_gh.sum(axis=0)) if need_b else None,
        None,
    )


# ------------------------------------------------------------------- Elman RNN
def _elman_forward(xp, gx, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse, saving):
    n, dt = gx.shape[0], gx.dtype
    h_n = xp.empty_like(h0)
    out = xp.empty((n, h0.shape[1]), dt)
    h_prev_all = xp.empty_like(out) if saving else None
    w_hh_t = w_hh.T
    h, _ = _initial_states(h0, None, batch_sizes, reverse)
    for s, rows in _step_slices(batch_sizes, reverse):
        h, _ = _resize_states(xp, h, None, h0, None, h_n, None, rows)
        e = s + rows
        a = out[s:e]
        xp.matmul(h, w_hh_t, out=a)
        a += gx[s:e]
        if mode == "RNN_TANH":
            xp.tanh(a, out=a)
        else:
            xp.maximum(a, 0, out=a)
        if saving:
            h_prev_all[s:e] = h
        h = a
    h_n[: h.shape[0]] = h
    return (out, h_n), (out, h_prev_all)


def _elman_backward(ctx, grads, inputs, mode, batch_sizes, reverse):
    _, h0, _, w_hh, _, _ = inputs
    need_gx, need_h0, _, need_w, _, _ = ctx.needs_input_grad
    out, h_prev_all = ctx.arrays
    xp = xp_of(out)
    w = w_hh._array
    d_out = grads[0]._array if grads[0] is not None else None
    dh_carry, _ = _carries(xp, grads, h0, None)
    d_a = xp.empty_like(out)
    for s, rows in reversed(_step_slices(batch_sizes, reverse)):
        e = s + rows
        dh = dh_carry[:rows]
        if d_out is not None:
            dh += d_out[s:e]
        da = d_a[s:e]
        h = out[s:e]
        if mode == "RNN_TANH":
            xp.multiply(h, h, out=da)
            xp.subtract(1, da, out=da)
            da *= dh
        else:
            xp.multiply(dh, h > 0, out=da)
        xp.matmul(da, w, out=dh_carry[:rows])
    return (
        _wrap(d_a) if need_gx else None,
        _wrap(dh_carry) if need_h0 else None,
        None,
        _wrap(d_a.T @ h_prev_all) if need_w else None,
        None,
        None,
    )


def _wrap(arr):
    return Tensor._from_array(arr)


# ------------------------------------------------ create_graph: per-step cells
def _backward_graph(ctx, grads, inputs, mode, batch_sizes, reverse):
    """Re-run the layer with the per-step cell Functions and differentiate it (with a graph)."""
    from ..autograd import grad as autograd_grad

    gx, h0, c0, w_hh, b_hh, w_hr = inputs
    outputs = _run_direction_cells(mode, gx, batch_sizes, h0, c0, w_hh, b_hh, w_hr, reverse)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
    wanted = [(i, t) for i, t in enumerate(inputs) if t is not None and ctx.needs_input_grad[i]]
    result = [None] * len(inputs)
    if not pairs or not wanted:
        return tuple(result)
    found = autograd_grad(
        [o for o, _ in pairs], [t for _, t in wanted], [g for _, g in pairs], create_graph=True, allow_unused=True
    )
    for (i, _), g in zip(wanted, found):
        result[i] = g
    return tuple(result)


def _run_direction_cells(mode, gx, batch_sizes, h0, c0, w_hh, b_hh, w_hr, reverse):
    """The same layer built from one cell Function per step: ``(out, h_n[, c_n])``."""
    steps = split(gx, list(batch_sizes)) if len(batch_sizes) > 1 else (gx,)
    outputs = [None] * len(batch_sizes)
    h, c = h0, c0
    if reverse and batch_sizes[-1] < h0.shape[0]:
        # the reverse direction starts with the sequences running at the last step
        first, rest = batch_sizes[-1], h0.shape[0] - batch_sizes[-1]
        h = split(h0, [first, rest])[0]
        c = split(c0, [first, rest])[0] if c0 is not None else None
    finished_h, finished_c = [], []
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    for t in order:
        rows, have = batch_sizes[t], h.shape[0]
        if rows < have:
            h, done = split(h, [rows, have - rows])
            finished_h.append(done)
            if c is not None:
                c, done = split(c, [rows, have - rows])
                finished_c.append(done)
        elif rows > have:
            h = cat([h, h0[have:rows]])
            if c is not None:
                c = cat([c, c0[have:rows]])
        if mode == "LSTM":
            h, c = LSTMCellFunction.apply(steps[t], h, c, w_hh)
            if w_hr is not None:
                h = linear(h, w_hr)
        elif mode == "GRU":
            h = GRUCellFunction.apply(steps[t], h, w_hh, b_hh)
        else:
            h = RNNCellFunction.apply(steps[t], h, w_hh, nonlinearity="tanh" if mode == "RNN_TANH" else "relu")
        outputs[t] = h
    h_n = cat([h] + finished_h[::-1]) if finished_h else h
    out = cat(outputs) if len(outputs) > 1 else outputs[0]
    if mode == "LSTM":
        c_n = cat([c] + finished_c[::-1]) if finished_c else c
        return out, h_n, c_n
    return out, h_n


# ------------------------------------------------------------------- the stack
def run_recurrent_layers(mode, data, batch_sizes, h0, c0, layer_weights, bidirectional, dropout, training):
    """The stacked (optionally bidirectional) recurrence on time-major packed data.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        data: ``(N, input_size)``: the rows of step 0, then of step 1, ... (a padded
            ``(T, B, I)`` batch flattened, or a PackedSequence's data).
        batch_sizes: list of ints, rows per step (non-increasing).
        h0, c0: ``(num_layers * num_directions, B, H_out)`` / ``(..., B, H)``; c0 None
            unless LSTM.
        layer_weights: per layer, per direction, ``(w_ih, w_hh, b_ih, b_hh, w_hr)``.
        dropout, training: dropout on the outputs of every layer but the last.

    Returns ``(output_data (N, D * H_out), h_n, c_n)``.
    """
    directions = 2 if bidirectional else 1
    num_layers = len(layer_weights) // directions
    batch_sizes = tuple(int(b) for b in batch_sizes)
    final_h, final_c = [], []
    layer_input = data
    for layer in range(num_layers):
        direction_outputs = []
        for d in range(directions):
            w_ih, w_hh, b_ih, b_hh, w_hr = layer_weights[layer * directions + d]
            bias = b_ih if mode == "GRU" else _combined_bias(b_ih, b_hh)
            projected = linear(layer_input, w_ih, bias)  # every step at once: one matmul
            index = layer * directions + d
            results = RecurrentLayer.apply(
                projected,
                h0[index],
                None if c0 is None else c0[index],
                w_hh,
                b_hh if mode == "GRU" else None,
                w_hr,
                mode=mode,
                batch_sizes=batch_sizes,
                reverse=d == 1,
            )
            direction_outputs.append(results[0])
            final_h.append(results[1])
            if mode == "LSTM":
                final_c.append(results[2])
        layer_input = cat(direction_outputs, dim=1) if directions == 2 else direction_outputs[0]
        if dropout and training and layer < num_layers - 1:
            layer_input = _dropout(layer_input, dropout, True)
    h_n = stack(final_h)
    c_n = stack(final_c) if mode == "LSTM" else None
    return layer_input, h_n, c_n
