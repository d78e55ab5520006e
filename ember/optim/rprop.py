"""Rprop: resilient backpropagation, a per-element step size driven by gradient signs.

Per parameter element (``g`` negated under ``maximize``)::

    s = sign(g * prev)
    factor = eta_plus (s > 0), eta_minus (s < 0), 1 (s == 0)
    step_size = clamp(step_size * factor, step_size_min, step_size_max)
    g = 0 where factor == eta_minus      (the sign flipped: skip this element once)
    p = p - sign(g) * step_size
    prev = g
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .adam import increment_step, step_dtype, zeros_state
from .optimizer import (
    Optimizer,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    scalar_state,
)

__all__ = ["Rprop"]


def check_lr(lr) -> None:
    """torch's learning-rate checks: a 1-element tensor or a number, not negative."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    check_value(0.0 <= lr, f"Invalid learning rate: {lr}")


class Rprop(Optimizer):
    """The resilient backpropagation algorithm, as ``torch.optim.Rprop``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: the initial step size of every element (default 1e-2).
        etas: ``(eta_minus, eta_plus)``, the factors that shrink and grow the step size
            (default (0.5, 1.2)); needs ``0 < eta_minus < 1 < eta_plus``.
        step_sizes: ``(min, max)`` bounds of the step size (default (1e-6, 50)).
        capturable, foreach, differentiable: accepted for torch compatibility (the
            arithmetic is the same; ``differentiable=True`` is not supported).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.Rprop([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        check_lr(lr)
        check_value(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    _restored_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            eta_minus, eta_plus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], 0):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = scalar_state(0.0, step_dtype())
                    state["prev"] = zeros_state(p)
                    state["step_size"] = Tensor._from_array(np.full_like(parr, lr))
                increment_step(state)
                prev, step_size = state["prev"]._array, state["step_size"]._array

                factor = ws.get(1, parr)
                np.multiply(garr, prev, out=factor)
                np.sign(factor, out=factor)
                # Sequential masked writes, as torch does: each later mask cannot see the
                # values an earlier one wrote (eta_plus > 0, eta_minus > 0).
                factor[factor > 0] = eta_plus
                factor[factor < 0] = eta_minus
                factor[factor == 0] = 1
                np.multiply(step_size, factor, out=step_size)
                np.maximum(step_size, step_size_min, out=step_size)
                np.minimum(step_size, step_size_max, out=step_size)

                # Where the sign flipped the element is left alone this step, and its
                # stored gradient is zeroed so the next step does not shrink it again.
                np.copyto(prev, garr)
                prev[factor == eta_minus] = 0
                direction = ws.get(2, parr)
                np.sign(prev, out=direction)
                np.multiply(direction, step_size, out=direction)
                np.subtract(parr, direction, out=parr)
                bump_version(state["prev"], state["step_size"], p)
        return loss
