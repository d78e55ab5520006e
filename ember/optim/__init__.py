"""Optimizers and learning-rate schedules, with PyTorch's API and arithmetic.

Example:
    >>> import ember
    >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ember.optim.Adam([w], lr=0.1)
    >>> sched = ember.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    >>> (w * w).sum().backward(); opt.step(); sched.step()
    >>> opt.param_groups[0]["lr"]
    0.05
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]
