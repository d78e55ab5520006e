"""``ember.nn``: modules, parameters, functional ops, initialization and utilities.

Example:
    >>> import ember
    >>> import ember.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(ember.randn(3, 4)).shape
    torch.Size([3, 2])
"""

from . import functional, init, utils  # noqa: F401
from .modules import *
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from . import parallel  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
