"""SGD: stochastic gradient descent with optional (Nesterov) momentum.

Per parameter, with ``g`` the gradient (negated under ``maximize``, plus
``weight_decay * p``)::

    buf = g                                    (first step)
    buf = momentum * buf + (1 - dampening) * g (later steps)
    g   = g + momentum * buf  (nesterov)  or  buf
    p   = p - lr * g
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    add_scaled_,
    as_float,
    bump_version,
    check_unsupported,
    check_value,
    grads_of,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (default False).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> w
        tensor([0.4600], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0, weight_decay=0,
                 nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_value(lr >= 0.0, f"Invalid learning rate: {lr}")
        check_value(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        check_value(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                        "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                        "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_unsupported(defaults)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._evaluate_closure(closure)
        ws = self.workspace
        for group in self.param_groups:
            lr = as_float(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for p, parr, garr in grads_of(group, ws, group["maximize"], as_float(group["weight_decay"])):
                update = garr
                if momentum != 0:
                    state = self.state[p]
                    buf_t = state.get("momentum_buffer")
                    if buf_t is None:
                        buf_t = state["momentum_buffer"] = Tensor._from_array(garr.copy())
                    else:
                        buf = buf_t._array
                        np.multiply(buf, momentum, out=buf)
                        add_scaled_(buf, garr, 1 - dampening, ws.get(1, buf))
                        bump_version(buf_t)
                    update = buf_t._array
                    if nesterov:  # grad + momentum * buf, fused like torch's add(alpha=)
                        nest = ws.get(2, garr)
                        np.copyto(nest, garr)
                        add_scaled_(nest, update, momentum, ws.get(1, nest))
                        update = nest
                add_scaled_(parr, update, -lr, ws.get(1, parr))
                bump_version(p)
        return loss
