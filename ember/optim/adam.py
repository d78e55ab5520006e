"""Adam, and its decoupled-weight-decay form (AdamW, in adamw.py).

Per parameter, at step ``t`` (``g`` negated under ``maximize``)::

    g = g + weight_decay * p              (L2; or p *= 1 - lr * weight_decay if decoupled)
    m = lerp(m, g, 1 - beta1)
    v = beta2 * v + (1 - beta2) * g * g
    v_max = max(v_max, v)                 (amsgrad)
    denom = sqrt(v or v_max) / sqrt(1 - beta2^t) + eps
    p = p - lr / (1 - beta1^t) * m / denom
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    addcdiv_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    lerp_,
    scalar_state,
    square_avg_,
)

__all__ = ["Adam"]


def step_dtype():
    """torch keeps scalar step counters in float32 (float64 if that is the default dtype)."""
    from .. import _dtype

    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


def increment_step(state: dict) -> float:
    """``state['step'] += 1`` on the 0-d tensor; return the new value as a Python float."""
    step_t = state["step"]
    step_t._array += 1
    bump_version(step_t)
    return float(step_t._array)


def check_betas(lr, eps, betas, weight_decay) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    check_value(0.0 <= lr, f"Invalid learning rate: {lr}")
    check_value(0.0 <= eps, f"Invalid epsilon value: {eps}")
    check_value(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    check_value(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    check_value(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def zeros_state(p: Tensor) -> Tensor:
    return Tensor._from_array(np.zeros_like(p._array))


def init_state(state: dict, p: Tensor, *buffers: str) -> dict:
    """On a parameter's first step: a ``step`` counter and zero ``buffers`` shaped like ``p``."""
    if len(state) == 0:
        state["step"] = scalar_state(0.0, step_dtype())
        for name in buffers:
            state[name] = zeros_state(p)
    return state


def update_moments_(state: dict, g, beta1: float, beta2: float, tmp) -> tuple:
    """Adam's running mean and mean square of the gradient ``g``, updated in place; both returned."""
    exp_avg, exp_avg_sq = state["exp_avg"]._array, state["exp_avg_sq"]._array
    lerp_(exp_avg, g, 1 - beta1, tmp)
    square_avg_(exp_avg_sq, g, beta2, tmp)
    return exp_avg, exp_avg_sq


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the gradient's running mean and square (0.9, 0.999).
        eps: added to the denominator for stability (1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly, as AdamW does.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        check_betas(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                        "maximize": maximize, "foreach": foreach, "capturable": capturable,
                        "differentiable": differentiable, "fused": fused,
                        "decoupled_weight_decay": decoupled_weight_decay}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    _restored_group_defaults = {"amsgrad": False, "maximize": False, "decoupled_weight_decay": False}

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            beta1, beta2 = (as_float(b) for b in group["betas"])
            eps, amsgrad = group["eps"], group["amsgrad"]
            weight_decay = as_float(group["weight_decay"])
            for p, parr, garr in grads_of(group, ws, group["maximize"], weight_decay,
                                          decoupled=group["decoupled_weight_decay"], lr=lr):
                state = init_state(self.state[p], p, "exp_avg", "exp_avg_sq",
                                   *(("max_exp_avg_sq",) if amsgrad else ()))
                step = increment_step(state)
                tmp = ws.get(1, parr)
                exp_avg, exp_avg_sq = update_moments_(state, garr, beta1, beta2, tmp)

                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5
                second = exp_avg_sq
                if amsgrad:
                    second = state["max_exp_avg_sq"]._array
                    np.maximum(second, exp_avg_sq, out=second)
                    bump_version(state["max_exp_avg_sq"])
                denom = ws.get(2, parr)
                np.sqrt(second, out=denom)
                np.divide(denom, bias_correction2_sqrt, out=denom)
                np.add(denom, eps, out=denom)
                addcdiv_(parr, exp_avg, denom, -step_size, tmp)
                bump_version(state["exp_avg"], state["exp_avg_sq"], p)
        return loss
