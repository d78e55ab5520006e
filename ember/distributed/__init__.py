"""``ember.distributed``: torch.distributed's API on MPI (through mpi4py).

Start the ranks with the torchrun-like launcher or with plain mpiexec::

    python -m ember.distributed.run --nproc-per-node 2 train.py --epochs 3
    mpiexec -n 2 python train.py --epochs 3

then, in the script, ``dist.init_process_group("mpi")`` and use ``get_rank``,
``all_reduce``, ``broadcast``, ... as with torch.  Importing this package does not import
mpi4py; ``init_process_group`` does.  Tensor data always goes through MPI's buffer calls on
the tensors' NumPy memory (nothing is pickled, except by the ``*_object`` collectives).

Failure behaviour (see ``docs/distributed.md``):

* an uncaught exception on any rank prints its traceback and aborts the whole job;
* an operation that some ranks never reach raises ``DistBackendError`` after the process
  group's timeout, naming the operation and the ranks that are missing;
* DataLoader workers start from a ``forkserver`` once MPI is initialized, never by forking
  an MPI process.

Example:
    >>> import ember.distributed as dist
    >>> dist.is_initialized()
    False
"""

from ._buffers import ReduceOp
from ._mpi import is_mpi_available
from ._work import Work
from ._world import (
    Backend,
    GroupMember,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_initialized,
    is_torchelastic_launched,
    new_group,
)
from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    monitored_barrier,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from .process_group import DistBackendError, DistError, ProcessGroup


class DistNetworkError(DistError):
    """A network failure (torch.distributed.DistNetworkError)."""


class DistStoreError(DistError):
    """A store failure (torch.distributed.DistStoreError); ember has no store."""


reduce_op = ReduceOp  # torch's deprecated alias


def is_available() -> bool:
    """True when distributed training can run here (mpi4py is installed)."""
    return is_mpi_available()


def is_gloo_available() -> bool:
    """ember has no gloo; ``init_process_group("gloo")`` runs on MPI."""
    return False


def is_nccl_available() -> bool:
    return False


def is_backend_available(backend: str) -> bool:
    return str(backend).lower() == Backend.MPI and is_mpi_available()


__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "DistNetworkError",
    "DistStoreError",
    "GroupMember",
    "P2POp",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_object",
    "all_reduce",
    "all_to_all",
    "all_to_all_single",
    "barrier",
    "batch_isend_irecv",
    "broadcast",
    "broadcast_object_list",
    "default_pg_timeout",
    "destroy_process_group",
    "gather",
    "gather_object",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "irecv",
    "is_available",
    "is_backend_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "isend",
    "monitored_barrier",
    "new_group",
    "recv",
    "reduce",
    "reduce_op",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "scatter_object_list",
    "send",
]
