"""Adamax: Adam with the infinity norm in place of the second moment.

Per parameter, at step ``t``::

    g = g + weight_decay * p
    m = lerp(m, g, 1 - beta1)
    u = max(beta2 * u, |g| + eps)
    p = p - lr / (1 - beta1^t) * m / u
"""

from __future__ import annotations

import numpy as np

from .adam import check_betas, increment_step, init_state
from .optimizer import (
    Optimizer,
    addcdiv_,
    as_float,
    bump_version,
    check_unsupported,
    grads_of,
    lerp_,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (a variant of Adam based on the infinity norm), as ``torch.optim.Adamax``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the running mean and the infinity norm (0.9, 0.999).
        eps: added to ``|g|`` for stability (1e-8).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_betas(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                        "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
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
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"]):
                state = init_state(self.state[p], p, "exp_avg", "exp_inf")
                step = increment_step(state)
                exp_avg, exp_inf = state["exp_avg"]._array, state["exp_inf"]._array
                tmp = ws.get(1, parr)
                lerp_(exp_avg, garr, 1 - beta1, tmp)
                np.multiply(exp_inf, beta2, out=exp_inf)
                np.abs(garr, out=tmp)
                np.add(tmp, eps, out=tmp)
                np.maximum(exp_inf, tmp, out=exp_inf)
                clr = lr / (1 - beta1**step)
                addcdiv_(parr, exp_avg, exp_inf, -clr, tmp)
                bump_version(state["exp_avg"], state["exp_inf"], p)
        return loss
