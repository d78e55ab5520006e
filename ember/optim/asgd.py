"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky).

Per parameter, at step ``t`` (``g`` negated under ``maximize``)::

    g = g + weight_decay * p
    p = p * (1 - lambd * eta) - eta * g
    ax = p                          (mu == 1)
    ax = ax + mu * (p - ax)         (otherwise: the running average of the iterates)
    eta = lr / (1 + lambd * lr * t) ** alpha
    mu = 1 / max(1, t - t0)

``eta`` and ``mu`` are 0-d tensors in the state (float32, like ``step``), so the rate used
by the next step is the float32-rounded one, as in torch.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .adam import increment_step, step_dtype, zeros_state
from .optimizer import (
    Optimizer,
    add_scaled_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
    scalar_state,
)
from .rprop import check_lr

__all__ = ["ASGD"]


def _store_scalar(state_tensor, value: float) -> None:
    """Write a Python float into a 0-d state tensor, rounded first to the scalar dtype.

    torch builds the new value as a default-dtype tensor and copies it in, so a state
    tensor that was cast to float64 on load still receives the float32-rounded number.
    """
    state_tensor._array[...] = step_dtype()(value)
    bump_version(state_tensor)


class ASGD(Optimizer):
    """Averaged stochastic gradient descent, as ``torch.optim.ASGD``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta update (default 0.75).
        t0: the step after which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for torch compatibility (the
            arithmetic is the same; ``differentiable=True`` is not supported).

    The average of the iterates is ``optimizer.state[p]['ax']``.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.ASGD([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([ 0.8000, -0.8000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_lr(lr)
        check_value(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        check_unsupported(defaults)
        super().__init__(params, defaults)

    _restored_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            tensor_schedule = isinstance(group["lr"], Tensor) or bool(group["foreach"])
            for p, parr, garr in grads_of(group, ws, group["maximize"], as_float(group["weight_decay"])):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = scalar_state(0.0, step_dtype())
                    state["eta"] = scalar_state(lr, step_dtype())
                    state["mu"] = scalar_state(1.0, step_dtype())
                    state["ax"] = zeros_state(p)
                step = increment_step(state)
                eta = float(state["eta"]._array)
                tmp = ws.get(1, parr)
                np.multiply(parr, 1 - lambd * eta, out=parr)
                add_scaled_(parr, garr, -eta, tmp)

                ax = state["ax"]._array
                mu = float(state["mu"]._array)
                if mu != 1:
                    np.subtract(parr, ax, out=tmp)
                    np.multiply(tmp, mu, out=tmp)
                    np.add(ax, tmp, out=ax)
                else:
                    np.copyto(ax, parr)
                bump_version(state["ax"], p)

                if tensor_schedule:
                    # torch's foreach path and a tensor lr compute the new eta with
                    # 0-d tensor arithmetic, i.e. rounded to the step's dtype at each op.
                    f = state["step"]._array.dtype.type
                    _store_scalar(state["eta"], f(lr) / ((f(1) + f(lambd) * f(lr) * f(step)) ** f(alpha)))
                else:
                    _store_scalar(state["eta"], lr / ((1 + lambd * lr * step) ** alpha))
                _store_scalar(state["mu"], 1 / max(1, step - t0))
        return loss
