"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

Per parameter::

    v = alpha * v + (1 - alpha) * g * g
    avg = sqrt(v - mean_g^2) (centered, mean_g = lerp(mean_g, g, 1 - alpha))  or  sqrt(v)
    avg = avg + eps
    buf = momentum * buf + g / avg;  p -= lr * buf     (momentum > 0)
    p -= lr * g / avg                                   (otherwise)
"""

from __future__ import annotations

import numpy as np

from .adam import increment_step, step_dtype, zeros_state
from .optimizer import (
    Optimizer,
    add_scaled_,
    addcdiv_,
    addcmul_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    lerp_,
    scalar_state,
    square_avg_,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (0.99).
        eps: added to the denominator (1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by the estimated variance instead of the raw second moment.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        check_value(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_value(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_value(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check_value(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check_value(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                        "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                        "maximize": maximize, "differentiable": differentiable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            alpha, eps, momentum, centered = group["alpha"], group["eps"], group["momentum"], group["centered"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"]):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = scalar_state(0.0, step_dtype())
                    state["square_avg"] = zeros_state(p)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_state(p)
                    if centered:
                        state["grad_avg"] = zeros_state(p)
                increment_step(state)
                square_avg = state["square_avg"]._array
                tmp = ws.get(1, parr)
                square_avg_(square_avg, garr, alpha, tmp)
                bump_version(state["square_avg"])
                avg = ws.get(2, parr)
                if centered:
                    grad_avg = state["grad_avg"]._array
                    lerp_(grad_avg, garr, 1 - alpha, tmp)
                    bump_version(state["grad_avg"])
                    np.copyto(avg, square_avg)
                    addcmul_(avg, grad_avg, grad_avg, -1, tmp)
                    np.sqrt(avg, out=avg)
                else:
                    np.sqrt(square_avg, out=avg)
                np.add(avg, eps, out=avg)
                if momentum > 0:
                    buf = state["momentum_buffer"]._array
                    np.multiply(buf, momentum, out=buf)
                    addcdiv_(buf, garr, avg, 1, tmp)
                    bump_version(state["momentum_buffer"])
                    add_scaled_(parr, buf, -lr, tmp)
                else:
                    addcdiv_(parr, garr, avg, -lr, tmp)
                bump_version(p)
        return loss
