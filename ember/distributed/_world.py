"""The default process group: init_process_group, new_group, destroy, rank queries.

``init_process_group`` initializes MPI (importing mpi4py for the first time), takes
rank and world size from ``MPI.COMM_WORLD`` and exports them the way torchrun does
(``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``,
``MASTER_PORT``) where they are not set already; where they are set they must agree with
MPI.  It then installs the **fail-fast** rule: an uncaught exception on any rank prints
its traceback and calls ``MPI_Abort``, which ends every rank of the job within seconds
(mpiexec kills them), so one rank's crash can never leave the others waiting.

Fork safety: forking a process that initialized MPI is unsafe with several MPI
transports, so once MPI is up the default multiprocessing start method becomes
``forkserver`` (unless the program chose one already).  DataLoader workers and
``multiprocessing`` children then start from a clean server process that never
initialized MPI; tensors reach them through shared memory (``ember.multiprocessing`` is
imported here for that).  The cost is the usual one of ``spawn``/``forkserver``: the
script's main code must sit under ``if __name__ == "__main__":``.  A process that is
forked from a rank anyway (``multiprocessing_context="fork"``) gets its fail-fast hook
removed and cannot use ``ember.distributed``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import time
from datetime import timedelta

from ._mpi import mpi
from ._work import poll
from .process_group import DistBackendError, ProcessGroup

__all__ = [
    "Backend",
    "GroupMember",
    "default_pg_timeout",
    "destroy_process_group",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_initialized",
    "is_torchelastic_launched",
    "new_group",
]

default_pg_timeout = timedelta(minutes=30)

_ACCEPTED_BACKENDS = ("mpi", "gloo", "nccl", "undefined")


class Backend(str):
    """Backend names (``Backend.MPI == "mpi"``); every backend ember accepts runs on MPI."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")  # noqa: TRY004
        return super().__new__(cls, name.lower())


class GroupMember:
    """``GroupMember.WORLD`` is the default group once initialized; non-members of a
    group get ``NON_GROUP_MEMBER`` from ``new_group``."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


group = GroupMember  # torch's ``dist.group.WORLD``


class _State:
    def __init__(self):
        self.default: ProcessGroup | None = None
        self.groups: list = []
        self.pid: int | None = None
        self.abort_pid: int | None = None  # the process whose uncaught exceptions abort the MPI job
        self.original_excepthook = None
        self.fork_hook_registered = False
        self.exit_hook_registered = False


_STATE = _State()


def _seconds(timeout) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _usable_default() -> ProcessGroup | None:
    pg = _STATE.default
    if pg is None or _STATE.pid != os.getpid():
        return None
    return pg


def is_initialized() -> bool:
    """True once ``init_process_group`` ran in this process (False in forked children)."""
    return _usable_default() is not None


def is_torchelastic_launched() -> bool:
    """True under ``python -m ember.distributed.run`` (it sets TORCHELASTIC_RUN_ID)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def default_group() -> ProcessGroup:
    pg = _usable_default()
    if pg is None:
        if _STATE.default is not None:
            raise RuntimeError(
                "ember.distributed cannot be used in a process forked from an MPI rank "
                "(a DataLoader worker or a multiprocessing child): only the rank itself talks MPI"
            )
        raise ValueError(
            "Default process group has not been initialized, please make sure to call init_process_group."
        )
    return pg


def resolve_group(group_or_none) -> ProcessGroup | None:
    """The ProcessGroup to use, or None when this rank is not a member."""
    pg = default_group()
    if group_or_none is None or group_or_none is GroupMember.WORLD:
        return pg
    if isinstance(group_or_none, int) and group_or_none == GroupMember.NON_GROUP_MEMBER:
        return None
    if isinstance(group_or_none, ProcessGroup):
        return group_or_none
    raise TypeError(f"expected a ProcessGroup or None as group, got {type(group_or_none).__name__}")


# ------------------------------------------------------------------ initialization
def _check_backend(backend) -> None:
    if backend is None:
        return
    names = [part.split(":")[-1] for part in str(backend).lower().split(",")]
    for name in names:
        if name not in _ACCEPTED_BACKENDS:
            raise ValueError(
                f"ember.distributed has no backend {backend!r}: it runs every process group on MPI "
                f"(accepted names: {', '.join(_ACCEPTED_BACKENDS[:3])})"
            )


def _check_launch(world_size: int, rank: int, size: int, me: int) -> None:
    hint = (
        "start the ranks with `python -m ember.distributed.run --nproc-per-node N script.py` "
        "or `mpiexec -n N python script.py` (ember's backend is MPI: processes started any "
        "other way, e.g. by multiprocessing.spawn, each form a world of their own)"
    )
    if world_size not in (-1, None) and int(world_size) != size:
        raise ValueError(f"init_process_group(world_size={world_size}) but MPI started {size} process(es): {hint}")
    if rank not in (-1, None) and int(rank) != me:
        raise ValueError(f"init_process_group(rank={rank}) but MPI says this process is rank {me}: {hint}")
    env_size, env_rank = os.environ.get("WORLD_SIZE"), os.environ.get("RANK")
    if env_size is not None and env_size.strip() and int(env_size) != size:
        raise ValueError(f"WORLD_SIZE={env_size} in the environment but MPI started {size} process(es): {hint}")
    if env_rank is not None and env_rank.strip() and int(env_rank) != me:
        raise ValueError(f"RANK={env_rank} in the environment but MPI says this process is rank {me}: {hint}")


def _export_environment(world, me: int, size: int) -> None:
    MPI = mpi()
    local = world.Split_type(MPI.COMM_TYPE_SHARED, key=me)
    local_rank, local_size = local.Get_rank(), local.Get_size()
    local.Free()
    master = world.bcast(MPI.Get_processor_name() if me == 0 else None, root=0) if size > 1 else "127.0.0.1"
    for name, value in (
        ("RANK", me),
        ("WORLD_SIZE", size),
        ("LOCAL_RANK", local_rank),
        ("LOCAL_WORLD_SIZE", local_size),
        ("MASTER_ADDR", master),
        ("MASTER_PORT", 29500),
    ):
        if not os.environ.get(name):
            os.environ[name] = str(value)


def _abort_on_uncaught_exception(exc_type, exc, tb) -> None:
    previous = _STATE.original_excepthook or sys.__excepthook__
    try:
        previous(exc_type, exc, tb)
    finally:
        if _STATE.abort_pid == os.getpid():
            rank = os.environ.get("RANK", "?")
            try:
                sys.stderr.write(
                    f"ember.distributed: rank {rank} ended with an uncaught {exc_type.__name__}; "
                    "aborting every rank of the job (MPI_Abort)\n"
                )
                sys.stderr.flush()
                sys.stdout.flush()
                # mpiexec forwards each rank's output through pipes and stops forwarding
                # when the abort kills the job: on a busy machine the traceback was lost
                # unless the launcher got a moment to read it first.
                time.sleep(0.5)
            finally:
                mpi().COMM_WORLD.Abort(1)


def _after_fork_in_child() -> None:
    if sys.excepthook is _abort_on_uncaught_exception:
        sys.excepthook = _STATE.original_excepthook or sys.__excepthook__


def _install_fail_fast() -> None:
    if sys.excepthook is not _abort_on_uncaught_exception:
        _STATE.original_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught_exception
    if not _STATE.fork_hook_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _STATE.fork_hook_registered = True


_FORKSERVER_PRELOAD = ["ember", "ember.nn", "ember.utils.data", "ember.multiprocessing"]


def _prefer_forkserver() -> None:
    if multiprocessing.get_start_method(allow_none=True) is None and (
        "forkserver" in multiprocessing.get_all_start_methods()
    ):
        multiprocessing.set_start_method("forkserver")
        # The server imports ember once; each worker it forks then starts in milliseconds.
        multiprocessing.set_forkserver_preload(_FORKSERVER_PRELOAD)
    import ember.multiprocessing  # noqa: F401  (tensors to workers through shared memory)


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout=None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    """Initialize the default process group over all MPI ranks (``MPI.COMM_WORLD``).

    Args:
        backend: ``"mpi"`` (``"gloo"``/``"nccl"``/None are accepted and also run on MPI).
        init_method, store, group_name, pg_options, device_id: accepted for torch
            compatibility; MPI's launcher already did the rendezvous.
        timeout: how long a collective may wait for the other ranks (``timedelta`` or
            seconds; default 30 minutes).  Past it the operation raises, naming the ranks
            that never arrived.
        world_size, rank: if given (or set as WORLD_SIZE / RANK in the environment) they
            must match what MPI reports.

    Example:
        >>> import ember.distributed as dist          # under mpiexec / ember.distributed.run
        >>> # dist.init_process_group("mpi"); dist.get_rank(), dist.get_world_size()
    """
    if _usable_default() is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if _STATE.default is not None and _STATE.pid != os.getpid():
        raise RuntimeError(
            "init_process_group cannot be called in a process forked from an MPI rank; "
            "only processes started by mpiexec are ranks"
        )
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(
            "init_process_group was called while a multiprocessing child (e.g. a DataLoader "
            "worker started by 'forkserver' or 'spawn') imported the main script: put the "
            "script's main code under `if __name__ == \"__main__\":`"
        )
    _check_backend(backend)
    seconds = _seconds(timeout)
    MPI = mpi()
    _STATE.abort_pid = os.getpid()
    _install_fail_fast()  # from here on, an error on one rank ends the whole job
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    _check_launch(world_size, rank, size, me)
    # Every rank must arrive before the blocking communicator setup below.
    arrival = world.Ibarrier()
    start = time.monotonic()
    if not poll([arrival], start + seconds):
        raise DistBackendError(
            f"ember.distributed: init_process_group timed out after {seconds:g} s on rank {me}: "
            f"not every one of the {size} MPI ranks called init_process_group"
        )
    pg = ProcessGroup(world.Dup(), list(range(size)), seconds, "default")
    _export_environment(world, me, size)
    _STATE.default = pg
    _STATE.groups = []
    _STATE.pid = os.getpid()
    GroupMember.WORLD = pg
    if not _STATE.exit_hook_registered:
        atexit.register(_release_at_exit)
        _STATE.exit_hook_registered = True
    _prefer_forkserver()


def _release_at_exit() -> None:
    """Free the groups' MPI objects before MPI_Finalize (which waits for every rank anyway).

    Runs only when the program did not call destroy_process_group; a group that failed,
    or whose members do not all arrive within its timeout, is simply dropped.
    """
    if _usable_default() is None:
        return
    for pg in list(_STATE.groups) + [_STATE.default]:
        try:
            if pg.broken is None and pg.comm is not None:
                pg.control_barrier("destroy_process_group")
                pg.free()
            else:
                pg.abandon()
        except Exception:  # noqa: BLE001 - at exit, a group that cannot be freed is dropped
            pg.abandon()
    _STATE.default = None
    _STATE.groups = []
    GroupMember.WORLD = None


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization: bool = False,
              group_desc: str | None = None):
    """Create a group of some ranks; every rank of the default group must call it.

    Returns the new ProcessGroup on members and ``GroupMember.NON_GROUP_MEMBER`` elsewhere.

    Example:
        >>> # evens = dist.new_group([0, 2]); dist.all_reduce(t, group=evens)
    """
    _check_backend(backend)
    default = default_group()
    size = default.size()
    members = sorted(range(size) if ranks is None else {int(r) for r in ranks})
    for r in members:
        if not 0 <= r < size:
            raise ValueError(f"new_group: rank {r} is out of range for a world of size {size}")
    default.control_barrier("new_group")
    MPI = mpi()
    me = default.rank()
    color = 0 if me in members else MPI.UNDEFINED
    comm = default.control.Split(color, key=me)
    if color == MPI.UNDEFINED:
        return GroupMember.NON_GROUP_MEMBER
    name = group_desc or f"group{len(_STATE.groups) + 1}"
    pg = ProcessGroup(comm, members, _seconds(timeout) if timeout is not None else default.timeout, name)
    _STATE.groups.append(pg)
    return pg


def destroy_process_group(group=None) -> None:
    """Destroy one group, or (``group=None``) every group and the default group.

    Every member must call it (MPI frees communicators collectively); after a failure
    the group's MPI objects are dropped without the collective free.
    """
    default = default_group()
    if group is None or group is default:
        targets = [g for g in _STATE.groups] + [default]
    elif isinstance(group, ProcessGroup):
        targets = [group]
    else:
        return
    for pg in targets:
        if pg.broken is None and pg.comm is not None:
            pg.control_barrier("destroy_process_group")
            pg.free()
        else:
            pg.abandon()
        if pg in _STATE.groups:
            _STATE.groups.remove(pg)
    if default in targets:
        _STATE.default = None
        _STATE.groups = []
        GroupMember.WORLD = None


# ------------------------------------------------------------------------ queries
def get_rank(group=None) -> int:
    """This process's rank in ``group`` (the default group if None); -1 if not a member."""
    pg = resolve_group(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None) -> int:
    """The number of ranks in ``group``; -1 if this process is not a member."""
    pg = resolve_group(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None) -> str:
    """The backend of ``group``: always ``"mpi"``."""
    if resolve_group(group) is None:
        raise ValueError("Invalid process group specified")
    return Backend.MPI


def get_process_group_ranks(group) -> list:
    """The global ranks of ``group``'s members, in group-rank order."""
    pg = resolve_group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return list(pg.ranks)


def get_global_rank(group, group_rank: int) -> int:
    """The global rank of ``group``'s member number ``group_rank``."""
    pg = resolve_group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.global_rank(group_rank)


def get_group_rank(group, global_rank: int) -> int:
    """The rank within ``group`` of global rank ``global_rank``."""
    pg = resolve_group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.group_rank(global_rank)
