"""``ember.nn.parallel``: DataParallel (threads in one process) and DistributedDataParallel
(one process per rank, on ``ember.distributed``).

Example:
    >>> import ember.nn as nn
    >>> from ember.nn.parallel import DataParallel, DistributedDataParallel
    >>> DataParallel is nn.DataParallel
    True
"""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import gather, scatter

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel", "gather", "parallel_apply", "replicate", "scatter"]
