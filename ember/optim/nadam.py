"""NAdam: Adam with Nesterov momentum (Dozat), with the momentum-decay schedule.

Per parameter, at step ``t`` with ``mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))``
and ``mu_product = prod(mu_1..mu_t)`` kept in the state::

    m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
    denom = sqrt(v / (1 - beta2^t)) + eps
    p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom
    p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom
"""

from __future__ import annotations

import numpy as np

from .adam import check_betas, increment_step, step_dtype, update_moments_, zeros_state
from .optimizer import (
    Optimizer,
    addcdiv_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    scalar_state,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the running mean and square (0.9, 0.999).
        eps: added to the denominator (1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: the ``psi`` of the momentum schedule (4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW) instead of adding
            ``weight_decay * p`` to the gradient.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
        0.8944
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        check_betas(lr, eps, betas, weight_decay)
        check_value(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                        "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize, "foreach": foreach,
                        "capturable": capturable, "differentiable": differentiable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps, momentum_decay = group["eps"], group["momentum_decay"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"],
                                          decoupled=group["decoupled_weight_decay"], lr=lr):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = scalar_state(0.0, step_dtype())
                    state["mu_product"] = scalar_state(1.0, step_dtype())
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                step = increment_step(state)
                bias_correction2 = 1 - beta2**step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product_t = state["mu_product"]
                mu_product_t._array *= mu
                bump_version(mu_product_t)
                mu_product = float(mu_product_t._array)

                tmp = ws.get(1, parr)
                exp_avg, exp_avg_sq = update_moments_(state, garr, beta1, beta2, tmp)
                denom = ws.get(2, parr)
                np.divide(exp_avg_sq, bias_correction2, out=denom)
                np.sqrt(denom, out=denom)
                mu_product_next = mu_product * mu_next
                np.add(denom, eps, out=denom)
                addcdiv_(parr, garr, denom, -lr * (1.0 - mu) / (1.0 - mu_product), tmp)
                addcdiv_(parr, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next), tmp)
                bump_version(state["exp_avg"], state["exp_avg_sq"], p)
        return loss
