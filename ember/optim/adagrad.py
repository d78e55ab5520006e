"""Adagrad: per-coordinate learning rates from the running sum of squared gradients.

Per parameter, at step ``t``::

    clr = lr / (1 + (t - 1) * lr_decay)
    sum = sum + g * g
    p = p - clr * g / (sqrt(sum) + eps)
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .adam import increment_step, step_dtype
from .optimizer import (
    Optimizer,
    addcdiv_,
    addcmul_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    scalar_state,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as ``torch.optim.Adagrad``.

    Its state is created at construction (``step`` 0 and ``sum`` filled with
    ``initial_accumulator_value``), as in torch.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the squared-gradient sum (0).
        eps: added to the denominator (1e-10).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        check_value(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_value(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check_value(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check_value(0.0 <= initial_accumulator_value,
                    f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check_value(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                        "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                        "maximize": maximize, "differentiable": differentiable, "fused": fused}
        check_unsupported(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = scalar_state(0.0, step_dtype())
                state["sum"] = Tensor._from_array(np.full_like(p._array, initial_accumulator_value))

    def share_memory(self) -> None:
        """Move the accumulators to shared memory (for Hogwild-style training)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            lr_decay, eps = group["lr_decay"], group["eps"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], group["weight_decay"]):
                state = self.state[p]
                step = increment_step(state)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]._array
                tmp = ws.get(1, parr)
                addcmul_(state_sum, garr, garr, 1, tmp)
                bump_version(state["sum"])
                std = ws.get(2, parr)
                np.sqrt(state_sum, out=std)
                np.add(std, eps, out=std)
                addcdiv_(parr, garr, std, -clr, tmp)
                bump_version(p)
        return loss
