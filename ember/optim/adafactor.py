"""Adafactor: Adam-like steps with factored second moments (Shazeer & Stern), as torch's.

Per parameter, at step ``t`` (``g`` negated under ``maximize``; ``eps1`` defaults to the
dtype's machine epsilon)::

    beta2_t = t ** beta2_decay                         (the weight of the new gradient)
    rho = min(lr, 1 / sqrt(t))
    alpha = max(eps2, ||p|| / sqrt(numel)) * rho
    p = p * (1 - lr * weight_decay)
    >= 2-D:  row_var = lerp(row_var, mean(g^2, -1), beta2_t)     (shape [..., R, 1])
             col_var = lerp(col_var, mean(g^2, -2), beta2_t)     (shape [..., 1, C])
             v = row_var @ col_var / max(mean(row_var, -2), eps1)
    else:    variance = lerp(variance, g^2, beta2_t);  v = variance
    u = g / sqrt(max(v, eps1^2))
    p = p - alpha / max(1, ||u|| / (sqrt(numel) * d)) * u

For a matrix the state holds one number per row and per column instead of one per
element; that is the point of the method.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .adam import increment_step, step_dtype
from .optimizer import Optimizer, as_float, bump_version, check_value, lerp_, scalar_state

__all__ = ["Adafactor"]


def _mean_square(g, axis: int, out, scratch) -> None:
    """``norm(g, dim=axis, keepdim=True).square() / g.shape[axis]`` into ``out``.

    Taken through the norm (a square root, then squared again) as torch does, so the
    rounding matches.
    """
    np.multiply(g, g, out=scratch)
    np.sum(scratch, axis=axis, keepdims=True, out=out)
    np.sqrt(out, out=out)
    np.square(out, out=out)
    np.divide(out, g.shape[axis], out=out)


def _norm(a) -> float:
    return float(np.sqrt(np.dot(a.ravel(), a.ravel())))


class Adafactor(Optimizer):
    """Adafactor, as ``torch.optim.Adafactor``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: the largest relative step size (default 1e-2).
        beta2_decay: exponent of the second-moment decay schedule (default -0.8).
        eps: ``(eps1, eps2)``: ``eps1`` floors the second moment (None: the dtype's
            machine epsilon), ``eps2`` floors the parameter scale (default (None, 1e-3)).
        d: clipping threshold of the update's RMS (default 1.0).
        weight_decay: decoupled weight decay coefficient (default 0).
        foreach: accepted for torch compatibility (the arithmetic is the same).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([[1.0, -1.0], [2.0, 0.5]], requires_grad=True)
        >>> opt = ember.optim.Adafactor([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> sorted(opt.state[w])
        ['col_var', 'row_var', 'step']
    """

    def __init__(self, params, lr=1e-2, beta2_decay: float = -0.8, eps: tuple = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach=None, maximize: bool = False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_value(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        check_value(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        check_value(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        check_value(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        check_value(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        check_value(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    _restored_group_defaults = {"foreach": None, "maximize": False}

    @staticmethod
    def _init_state(state: dict, p: Tensor) -> None:
        state["step"] = scalar_state(0.0, step_dtype())
        shape = p._array.shape
        if len(shape) > 1:
            state["row_var"] = Tensor._from_array(np.zeros(shape[:-1] + (1,), p._array.dtype))
            state["col_var"] = Tensor._from_array(np.zeros(shape[:-2] + (1,) + shape[-1:], p._array.dtype))
        else:
            state["variance"] = Tensor._from_array(np.zeros_like(p._array))

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            eps1, eps2 = group["eps"]
            beta2_decay, d = group["beta2_decay"], group["d"]
            weight_decay = as_float(group["weight_decay"])
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Adafactor does not support complex parameters")
                parr, garr = p._array, p._grad._array
                if group["maximize"]:
                    garr = np.negative(garr, out=ws.get(0, garr))
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(state, p)
                step = increment_step(state)
                floor = float(np.finfo(parr.dtype).eps) if eps1 is None else eps1

                beta2_t = step**beta2_decay
                alpha = max(eps2, _norm(parr) / parr.size**0.5)
                # A tensor lr makes torch's scalar arithmetic 0-d tensor arithmetic, rounded
                # to the lr's dtype at each op (while rho = lr, i.e. lr <= 1/sqrt(step)).
                lr_type = group["lr"]._array.dtype.type if isinstance(group["lr"], Tensor) else None
                scalar_lr = lr_type is not None and not (1 / step**0.5 < lr)
                alpha = float(lr_type(alpha) * lr_type(lr)) if scalar_lr else alpha * min(lr, 1 / step**0.5)
                if weight_decay != 0:
                    decay = lr_type(1) - lr_type(lr) * lr_type(weight_decay) if lr_type else 1 - lr * weight_decay
                    np.multiply(parr, float(decay), out=parr)

                update = ws.get(1, parr)
                scratch = ws.get(2, parr)
                if garr.ndim > 1:
                    row_var, col_var = state["row_var"]._array, state["col_var"]._array
                    mean = ws.get(3, row_var)
                    _mean_square(garr, -1, mean, scratch)
                    lerp_(row_var, mean, beta2_t, ws.get(4, row_var))
                    mean = ws.get(3, col_var)
                    _mean_square(garr, -2, mean, scratch)
                    lerp_(col_var, mean, beta2_t, ws.get(4, col_var))
                    np.matmul(row_var, col_var, out=update)
                    row_scale = np.mean(row_var, axis=-2, keepdims=True)
                    np.maximum(row_scale, floor, out=row_scale)
                    np.divide(update, row_scale, out=update)
                    bump_version(state["row_var"], state["col_var"])
                else:
                    variance = state["variance"]._array
                    np.multiply(garr, garr, out=scratch)
                    lerp_(variance, scratch, beta2_t, update)
                    np.copyto(update, variance)
                    bump_version(state["variance"])
                np.maximum(update, floor * floor, out=update)
                np.sqrt(update, out=update)
                np.divide(1, update, out=update)
                np.multiply(update, garr, out=update)

                denom = max(1.0, _norm(update) / (update.size**0.5 * d))
                scale = float(lr_type(-alpha) / lr_type(denom)) if scalar_lr else -alpha / denom
                np.multiply(update, scale, out=update)
                np.add(parr, update, out=parr)
                bump_version(p)
        return loss
