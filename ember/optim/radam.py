"""RAdam: Adam with a rectified adaptive learning rate (Liu et al.).

While the variance of the adaptive rate is intractable (``rho_t <= 5``) the update is
plain momentum SGD with bias correction; afterwards the adaptive term is switched in,
scaled by the rectification factor ``r_t``.
"""

from __future__ import annotations

import numpy as np

from .adam import check_betas, increment_step, init_state, update_moments_
from .optimizer import (
    Optimizer,
    as_float,
    bump_version,
    check_unsupported,
    grads_of,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the running mean and square (0.9, 0.999).
        eps: added to the denominator (1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW does).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.8000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        check_betas(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                        "foreach": foreach, "capturable": capturable,
                        "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"],
                                          decoupled=group["decoupled_weight_decay"], lr=lr):
                state = init_state(self.state[p], p, "exp_avg", "exp_avg_sq")
                step = increment_step(state)
                tmp = ws.get(1, parr)
                exp_avg, exp_avg_sq = update_moments_(state, garr, beta1, beta2, tmp)

                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                update = ws.get(2, parr)
                np.divide(exp_avg, bias_correction1, out=update)
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                np.multiply(update, lr, out=update)
                if rho_t > 5.0:
                    # torch: bias_corrected * lr * (sqrt(bc2) / (sqrt(v) + eps)) * rect, where a
                    # scalar divided by a tensor is computed as reciprocal(tensor) * scalar.
                    adaptive = tmp
                    np.sqrt(exp_avg_sq, out=adaptive)
                    np.add(adaptive, eps, out=adaptive)
                    np.reciprocal(adaptive, out=adaptive)
                    np.multiply(adaptive, bias_correction2**0.5, out=adaptive)
                    rect = (
                        (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                    np.multiply(update, adaptive, out=update)
                    np.multiply(update, rect, out=update)
                np.subtract(parr, update, out=parr)
                bump_version(state["exp_avg"], state["exp_avg_sq"], p)
        return loss
