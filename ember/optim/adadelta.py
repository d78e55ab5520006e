"""Adadelta: step sizes from running averages of squared gradients and squared updates.

Per parameter::

    v = rho * v + (1 - rho) * g * g
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta * delta
    p = p - lr * delta
"""

from __future__ import annotations

import numpy as np

from .adam import increment_step, init_state
from .optimizer import (
    Optimizer,
    add_scaled_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    square_avg_,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as ``torch.optim.Adadelta``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient applied to the delta (default 1.0).
        rho: decay rate of the running averages (0.9).
        eps: added inside the square roots (1e-6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adadelta([w])
        >>> (w * w).sum().backward(); opt.step(); round(w.item(), 5)
        0.99684
    """

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False):
        check_value(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_value(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check_value(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_value(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                        "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            rho, eps = group["rho"], group["eps"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"]):
                state = init_state(self.state[p], p, "square_avg", "acc_delta")
                increment_step(state)
                square_avg, acc_delta = state["square_avg"]._array, state["acc_delta"]._array
                tmp = ws.get(1, parr)
                square_avg_(square_avg, garr, rho, tmp)
                std = ws.get(2, parr)
                np.add(square_avg, eps, out=std)
                np.sqrt(std, out=std)
                delta = ws.get(3, parr)
                np.add(acc_delta, eps, out=delta)
                np.sqrt(delta, out=delta)
                np.divide(delta, std, out=delta)
                np.multiply(delta, garr, out=delta)
                square_avg_(acc_delta, delta, rho, tmp)
                add_scaled_(parr, delta, -lr, tmp)
                bump_version(state["square_avg"], state["acc_delta"], p)
        return loss
