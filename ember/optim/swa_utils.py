"""Stochastic Weight Averaging and EMA of weights, as ``torch.optim.swa_utils``.

* :class:`AveragedModel` keeps a running average (SWA, or EMA with
  :func:`get_ema_multi_avg_fn`) of a model's parameters (and buffers, with
  ``use_buffers=True``); its state_dict keys are the model's, prefixed ``module.``,
  plus the ``n_averaged`` counter.
* :class:`SWALR` anneals each group's rate to a fixed ``swa_lr``.
* :func:`update_bn` recomputes BatchNorm running statistics with one pass over data.

Example:
    >>> import ember
    >>> model = ember.nn.Linear(2, 1)
    >>> swa = ember.optim.swa_utils.AveragedModel(model)
    >>> swa.update_parameters(model); int(swa.n_averaged)
    1
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from copy import deepcopy

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..ops.creation import tensor as _tensor
from .lr_scheduler import LRScheduler, _format_param

__all__ = [
    "AveragedModel",
    "SWALR",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def _is_float_or_complex(t: Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An ``multi_avg_fn`` for :class:`AveragedModel`: ``ema = lerp(ema, current, 1 - decay)``.

    Example:
        >>> import ember
        >>> ema = [ember.tensor([0.0])]
        >>> get_ema_multi_avg_fn(0.5)(ema, [ember.tensor([1.0])], None); ema[0]
        tensor([0.5000])
    """

    def ema_update(ema_param_list, current_param_list, _num_averaged) -> None:
        with no_grad():
            if _is_float_or_complex(ema_param_list[0]):
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.lerp_(p_model, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """A ``multi_avg_fn`` for the equal-weight (SWA) running average.

    Example:
        >>> import ember
        >>> avg = [ember.tensor([1.0])]
        >>> get_swa_multi_avg_fn()(avg, [ember.tensor([3.0])], 1); avg[0]
        tensor([2.])
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        with no_grad():
            if _is_float_or_complex(averaged_param_list[0]):
                weight = 1 / (num_averaged + 1)
                if isinstance(weight, Tensor):
                    weight = weight.item()
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.lerp_(p_model, weight)
            else:
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    diff = p_model - p_avg
                    if isinstance(num_averaged, Tensor):
                        p_avg.addcdiv_(diff, num_averaged + 1)
                    else:
                        p_avg.add_(diff, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """An ``avg_fn`` returning ``decay * ema + (1 - decay) * current``.

    Example:
        >>> import ember
        >>> get_ema_avg_fn(0.5)(ember.tensor([0.0]), ember.tensor([1.0]), 1)
        tensor([0.5000])
    """

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """An ``avg_fn`` returning ``avg + (current - avg) / (num_averaged + 1)``.

    Example:
        >>> import ember
        >>> get_swa_avg_fn()(ember.tensor([1.0]), ember.tensor([3.0]), 1)
        tensor([2.])
    """

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose weights are a running average of ``model``'s.

    ``update_parameters(model)`` folds the model's current weights into the average:
    the first call copies them; later calls apply ``multi_avg_fn`` (a list of averaged
    tensors, a list of current ones, ``n_averaged``) or ``avg_fn`` (one tensor at a
    time, returning the new average); the default is the equal-weight SWA average.
    Buffers are averaged too with ``use_buffers=True``; otherwise they are copied from
    ``model``.

    Example:
        >>> import ember
        >>> model = ember.nn.Linear(2, 1)
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
        >>> ema.update_parameters(model)
        >>> sorted(ema.state_dict())
        ['module.bias', 'module.weight', 'n_averaged']
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device=None,
        avg_fn: Callable | None = None,
        multi_avg_fn: Callable | None = None,
        use_buffers: bool = False,
    ):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _tensor(0, dtype=_dtype.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the average."""
        if self.use_buffers:
            own = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            own = self.parameters()
            theirs = model.parameters()
        first = int(self.n_averaged) == 0
        averaged, current = [], []
        with no_grad():
            for p_avg, p_model in zip(own, theirs):
                p_model_ = p_model.detach().to(p_avg.device)
                averaged.append(p_avg.detach())
                current.append(p_model_)
                if first:
                    p_avg.detach().copy_(p_model_)
            if not first:
                self._average(averaged, current)
            if not self.use_buffers:
                # buffers that are not averaged follow the source model
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1

    def _average(self, averaged: list, current: list) -> None:
        avg_fn = self.avg_fn
        if avg_fn is None and self.multi_avg_fn is None:
            # torch's CPU path: the per-tensor SWA formula (not lerp), for equal rounding
            avg_fn = get_swa_avg_fn()
        if avg_fn is not None:
            for p_avg, p_model in zip(averaged, current):
                p_avg.copy_(avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            return
        # group by (device, dtype) as torch does, so a multi_avg_fn sees uniform lists
        groups: dict = {}
        for p_avg, p_model in zip(averaged, current):
            avg_list, model_list = groups.setdefault((str(p_avg.device), p_avg.dtype), ([], []))
            avg_list.append(p_avg)
            model_list.append(p_model)
        for (device, _), (avg_list, model_list) in groups.items():
            self.multi_avg_fn(avg_list, model_list, self.n_averaged.to(device))


def update_bn(loader: Iterable, model: Module, device=None) -> None:
    """Recompute the running statistics of every BatchNorm in ``model`` over ``loader``.

    Statistics are reset and then averaged with equal weight over all batches
    (``momentum=None`` for the pass); a batch that is a list or tuple contributes its
    first element.  The model's training flag and the momenta are restored.

    Example:
        >>> import ember
        >>> model = ember.nn.BatchNorm1d(2)
        >>> update_bn([ember.ones(4, 2)], model); model.running_mean
        tensor([1., 1.])
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``.

    ``anneal_strategy`` is ``"cos"`` or ``"linear"``; after the annealing the rate stays
    at ``swa_lr``.  ``swa_lr`` may be one value per parameter group.

    Example:
        >>> import ember
        >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
        >>> opt.step(); sched.step(); round(sched.get_last_lr()[0], 4)
        0.55
    """

    def __init__(
        self,
        optimizer,
        swa_lr,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha: float):
        # invert one annealing step: the rate before the last step was taken
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        self._warn_get_lr_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
            for group in self.optimizer.param_groups
        ]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, prev_lrs)
        ]
