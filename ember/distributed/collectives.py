"""Collective operations on tensors, each one non-blocking MPI call polled to a deadline.

Every function has torch.distributed's signature.  With ``async_op=True`` it returns a
:class:`Work` handle (call ``wait()``), otherwise it waits and returns None.  Ranks
given as ``src``/``dst`` are global ranks; ``group_src``/``group_dst`` are ranks within
``group``.  A rank that is not a member of ``group`` gets a warning and None, as in torch.

Example (run under ``python -m ember.distributed.run --nproc-per-node 2``):
    >>> # t = ember.tensor([float(dist.get_rank() + 1)]); dist.all_reduce(t)   # t == [3.]
"""

from __future__ import annotations

import warnings

import numpy as np

from ._buffers import ReduceOp, input_array, output_buffer, reduction_for, tensor_array
from ._mpi import as_bytes, mpi
from ._work import Work
from ._world import resolve_group
from .process_group import DistBackendError

__all__ = [
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "all_to_all",
    "all_to_all_single",
    "barrier",
    "broadcast",
    "gather",
    "monitored_barrier",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
]


def _not_member(op: str):
    warnings.warn(f"Running {op} on a rank which does not belong to the given group.", stacklevel=3)


def launch(pg, what: str, start, async_op: bool, on_complete=None, result=None, keep=(), peer=None,
           statuses=None, collective: bool = True):
    """Record the collective on the arrival board, start it, then wait or hand back a Work."""
    seq = pg.begin(what) if collective else None
    if not collective:
        pg.check_usable()
    try:
        requests = start()
    except mpi().Exception as exc:
        raise DistBackendError(f"ember.distributed: {what} failed on rank {pg.ranks[pg.rank()]}: {exc}") from exc
    work = Work(pg, what, seq, requests, on_complete, result, peer, keep, statuses)
    if async_op:
        return work
    work.wait()
    return None


def root_rank(pg, rank, group_rank, what: str, arg: str) -> int:
    """The root's rank within ``pg`` from a global rank or a group rank (default: global 0)."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"{what}: give either {arg} or group_{arg}, not both")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{what}: group_{arg}={group_rank} is out of range for a group of size {pg.size()}")
        return int(group_rank)
    return pg.group_rank(0 if rank is None else int(rank))


def _byte_counts(arrays) -> tuple[list, list]:
    counts = [int(a.nbytes) for a in arrays]
    displacements = list(np.cumsum([0] + counts[:-1]).tolist())
    return counts, displacements


# ------------------------------------------------------------------- collectives
def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of ``group`` reached the barrier."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("barrier")
    return launch(pg, "barrier", lambda: [pg.comm.Ibarrier()], async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False):
    """A barrier with its own timeout whose error names the ranks that did not arrive."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("monitored_barrier")
    work = launch(pg, "monitored_barrier", lambda: [pg.comm.Ibarrier()], True)
    work.wait(timeout)


def broadcast(tensor, src=None, group=None, async_op: bool = False, group_src=None):
    """Copy ``tensor`` from rank ``src`` into ``tensor`` on every other rank."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("broadcast")
    root = root_rank(pg, src, group_src, "broadcast", "src")
    if pg.rank() == root:
        buffer, finish = input_array(tensor, "broadcast"), None
    else:
        buffer, finish = output_buffer(tensor, "broadcast")
    return launch(pg, "broadcast", lambda: [pg.comm.Ibcast(as_bytes(buffer), root)], async_op,
                  finish, [tensor], keep=(buffer,))


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over all ranks with ``op``; every rank gets the result in place."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("all_reduce")
    array = tensor_array(tensor, "all_reduce")
    plan = reduction_for(array.dtype, op, "all_reduce")
    buffer, finish = output_buffer(tensor, "all_reduce", plan.compute_dtype)
    size = pg.size()

    def done():
        plan.finalize(buffer, size)
        finish()

    MPI = mpi()
    return launch(pg, "all_reduce", lambda: [pg.comm.Iallreduce(MPI.IN_PLACE, plan.spec(buffer), plan.mpi_op)],
                  async_op, done, [tensor], keep=(buffer,))


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op: bool = False, group_dst=None):
    """Reduce ``tensor`` over all ranks into ``tensor`` on rank ``dst`` only."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("reduce")
    root = root_rank(pg, dst, group_dst, "reduce", "dst")
    array = tensor_array(tensor, "reduce")
    plan = reduction_for(array.dtype, op, "reduce")
    MPI = mpi()
    if pg.rank() == root:
        buffer, finish = output_buffer(tensor, "reduce", plan.compute_dtype)
        size = pg.size()

        def done():
            plan.finalize(buffer, size)
            finish()

        start = lambda: [pg.comm.Ireduce(MPI.IN_PLACE, plan.spec(buffer), plan.mpi_op, root)]
    else:
        buffer, done = np.ascontiguousarray(array, dtype=plan.compute_dtype), None
        start = lambda: [pg.comm.Ireduce(plan.spec(buffer), None, plan.mpi_op, root)]
    return launch(pg, "reduce", start, async_op, done, [tensor], keep=(buffer,))


def _check_list(tensors, size: int, what: str, arg: str) -> None:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: {arg} must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) != size:
        raise RuntimeError(f"{what}: invalid {arg} (expected length {size}, got {len(tensors)})")


def _check_dtypes(tensors, dtype, what: str) -> None:
    for i, t in enumerate(tensors):
        if tensor_array(t, what).dtype != dtype:
            raise RuntimeError(f"{what}: tensor at index {i} has dtype {t.dtype}, expected the input's dtype")


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """``tensor_list[i]`` receives rank i's ``tensor`` (sizes may differ between ranks)."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("all_gather")
    _check_list(tensor_list, pg.size(), "all_gather", "output tensor list")
    source = input_array(tensor, "all_gather")
    _check_dtypes(tensor_list, source.dtype, "all_gather")
    mine = tensor_list[pg.rank()]
    if mine.numel() != source.size:
        raise RuntimeError(
            f"all_gather: invalid tensor size at index {pg.rank()} (expected {tuple(source.shape)}, "
            f"got {tuple(mine.shape)})"
        )
    outputs = [output_buffer(t, "all_gather") for t in tensor_list]
    counts, displacements = _byte_counts([b for b, _ in outputs])
    gathered = np.empty(sum(counts), np.uint8)
    MPI = mpi()

    def done():
        for (buffer, finish), start, n in zip(outputs, displacements, counts):
            buffer.reshape(-1).view(np.uint8)[:] = gathered[start:start + n]
            finish()

    return launch(
        pg, "all_gather",
        lambda: [pg.comm.Iallgatherv(as_bytes(source), [gathered, counts, displacements, MPI.BYTE])],
        async_op, done, list(tensor_list), keep=(source, gathered),
    )


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Concatenate every rank's ``input_tensor`` into ``output_tensor`` (rank order)."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("all_gather_into_tensor")
    source = input_array(input_tensor, "all_gather_into_tensor", "input_tensor")
    buffer, finish = output_buffer(output_tensor, "all_gather_into_tensor", arg="output_tensor")
    if buffer.dtype != source.dtype:
        raise RuntimeError("all_gather_into_tensor: output and input tensors must have the same dtype")
    if buffer.size != source.size * pg.size():
        raise ValueError(
            f"all_gather_into_tensor: output tensor size must be equal to world_size times input tensor size "
            f"(output {tuple(buffer.shape)}, input {tuple(source.shape)}, world size {pg.size()})"
        )
    return launch(pg, "all_gather_into_tensor",
                  lambda: [pg.comm.Iallgather(as_bytes(source), as_bytes(buffer))],
                  async_op, finish, [output_tensor], keep=(source, buffer))


def gather(tensor, gather_list=None, dst=None, group=None, async_op: bool = False, group_dst=None):
    """On rank ``dst``, ``gather_list[i]`` receives rank i's ``tensor``."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("gather")
    root = root_rank(pg, dst, group_dst, "gather", "dst")
    source = input_array(tensor, "gather")
    MPI = mpi()
    if pg.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return launch(pg, "gather", lambda: [pg.comm.Igatherv(as_bytes(source), None, root)],
                      async_op, None, [], keep=(source,))
    if gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    _check_list(gather_list, pg.size(), "gather", "output list")
    _check_dtypes(gather_list, source.dtype, "gather")
    outputs = [output_buffer(t, "gather") for t in gather_list]
    counts, displacements = _byte_counts([b for b, _ in outputs])
    gathered = np.empty(sum(counts), np.uint8)

    def done():
        for (buffer, finish), start, n in zip(outputs, displacements, counts):
            buffer.reshape(-1).view(np.uint8)[:] = gathered[start:start + n]
            finish()

    return launch(
        pg, "gather",
        lambda: [pg.comm.Igatherv(as_bytes(source), [gathered, counts, displacements, MPI.BYTE], root)],
        async_op, done, list(gather_list), keep=(source, gathered),
    )


def scatter(tensor, scatter_list=None, src=None, group=None, async_op: bool = False, group_src=None):
    """Rank i receives ``scatter_list[i]`` (given on rank ``src``) into ``tensor``."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("scatter")
    root = root_rank(pg, src, group_src, "scatter", "src")
    buffer, finish = output_buffer(tensor, "scatter")
    MPI = mpi()
    if pg.rank() != root:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        return launch(pg, "scatter", lambda: [pg.comm.Iscatterv(None, as_bytes(buffer), root)],
                      async_op, finish, [tensor], keep=(buffer,))
    if scatter_list is None:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    _check_list(scatter_list, pg.size(), "scatter", "input list")
    _check_dtypes(scatter_list, buffer.dtype, "scatter")
    inputs = [input_array(t, "scatter") for t in scatter_list]
    if inputs[root].size != buffer.size:
        raise RuntimeError(
            f"scatter: the tensor for the source rank has {inputs[root].size} elements but the output has {buffer.size}"
        )
    counts, displacements = _byte_counts(inputs)
    packed = np.concatenate([a.reshape(-1).view(np.uint8) for a in inputs]) if inputs else np.empty(0, np.uint8)
    return launch(
        pg, "scatter",
        lambda: [pg.comm.Iscatterv([packed, counts, displacements, MPI.BYTE], as_bytes(buffer), root)],
        async_op, finish, [tensor], keep=(packed, buffer),
    )


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``input_list[i]`` over all ranks into ``output`` on rank i."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("reduce_scatter")
    _check_list(input_list, pg.size(), "reduce_scatter", "input list")
    out_array = tensor_array(output, "reduce_scatter", "output")
    plan = reduction_for(out_array.dtype, op, "reduce_scatter")
    _check_dtypes(input_list, out_array.dtype, "reduce_scatter")
    buffer, finish = output_buffer(output, "reduce_scatter", plan.compute_dtype, "output")
    parts = [np.ascontiguousarray(tensor_array(t, "reduce_scatter"), dtype=plan.compute_dtype).reshape(-1)
             for t in input_list]
    if parts[pg.rank()].size != buffer.size:
        raise RuntimeError(
            f"reduce_scatter: input {pg.rank()} has {parts[pg.rank()].size} elements but the output has {buffer.size}"
        )
    counts = [int(p.size) for p in parts]
    packed = np.concatenate(parts)
    size = pg.size()

    def done():
        plan.finalize(buffer, size)
        finish()

    return launch(
        pg, "reduce_scatter",
        lambda: [pg.comm.Ireduce_scatter(plan.spec(packed), plan.spec(buffer), counts, plan.mpi_op)],
        async_op, done, [output], keep=(packed, buffer),
    )


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``input`` (world_size equal chunks) over all ranks; rank i gets chunk i in ``output``."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("reduce_scatter_tensor")
    out_array = tensor_array(output, "reduce_scatter_tensor", "output")
    plan = reduction_for(out_array.dtype, op, "reduce_scatter_tensor")
    if tensor_array(input, "reduce_scatter_tensor", "input").dtype != out_array.dtype:
        raise RuntimeError("reduce_scatter_tensor: input and output must have the same dtype")
    buffer, finish = output_buffer(output, "reduce_scatter_tensor", plan.compute_dtype, "output")
    source = np.ascontiguousarray(tensor_array(input, "reduce_scatter_tensor"), dtype=plan.compute_dtype)
    if source.size != buffer.size * pg.size():
        raise ValueError(
            f"reduce_scatter_tensor: input tensor size must be equal to world_size times output tensor size "
            f"(input {tuple(source.shape)}, output {tuple(buffer.shape)}, world size {pg.size()})"
        )
    size = pg.size()

    def done():
        plan.finalize(buffer, size)
        finish()

    return launch(
        pg, "reduce_scatter_tensor",
        lambda: [pg.comm.Ireduce_scatter_block(plan.spec(source), plan.spec(buffer), plan.mpi_op)],
        async_op, done, [output], keep=(source, buffer),
    )


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op: bool = False):
    """Split ``input`` along dim 0, send piece i to rank i, concatenate what arrives in ``output``."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("all_to_all_single")
    size = pg.size()
    source = input_array(input, "all_to_all_single", "input")
    buffer, finish = output_buffer(output, "all_to_all_single", arg="output")
    if buffer.dtype != source.dtype:
        raise RuntimeError("all_to_all_single: input and output must have the same dtype")

    def counts_of(array, splits, arg):
        rows = array.shape[0] if array.ndim else 1
        row_bytes = array.nbytes // rows if rows else array.itemsize
        if splits is None:
            if rows % size:
                raise ValueError(f"all_to_all_single: {arg} dim 0 ({rows}) is not divisible by the world size {size}")
            splits = [rows // size] * size
        splits = [int(s) for s in splits]
        if len(splits) != size or sum(splits) != rows:
            raise ValueError(f"all_to_all_single: {arg}_split_sizes {splits} do not split {rows} rows over {size} ranks")
        counts = [s * row_bytes for s in splits]
        return counts, list(np.cumsum([0] + counts[:-1]).tolist())

    send_counts, send_displs = counts_of(source, input_split_sizes, "input")
    recv_counts, recv_displs = counts_of(buffer, output_split_sizes, "output")
    MPI = mpi()
    send = [source.reshape(-1).view(np.uint8), send_counts, send_displs, MPI.BYTE]
    recv = [buffer.reshape(-1).view(np.uint8), recv_counts, recv_displs, MPI.BYTE]
    return launch(pg, "all_to_all_single", lambda: [pg.comm.Ialltoallv(send, recv)], async_op, finish,
                  [output], keep=(source, buffer))


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    """Send ``input_tensor_list[i]`` to rank i; ``output_tensor_list[i]`` receives rank i's piece."""
    pg = resolve_group(group)
    if pg is None:
        return _not_member("all_to_all")
    size = pg.size()
    _check_list(input_tensor_list, size, "all_to_all", "input tensor list")
    _check_list(output_tensor_list, size, "all_to_all", "output tensor list")
    inputs = [input_array(t, "all_to_all") for t in input_tensor_list]
    outputs = [output_buffer(t, "all_to_all") for t in output_tensor_list]
    send_counts, send_displs = _byte_counts(inputs)
    recv_counts, recv_displs = _byte_counts([b for b, _ in outputs])
    packed = np.concatenate([a.reshape(-1).view(np.uint8) for a in inputs])
    received = np.empty(sum(recv_counts), np.uint8)
    MPI = mpi()

    def done():
        for (buffer, finish), start, n in zip(outputs, recv_displs, recv_counts):
            buffer.reshape(-1).view(np.uint8)[:] = received[start:start + n]
            finish()

    return launch(
        pg, "all_to_all",
        lambda: [pg.comm.Ialltoallv([packed, send_counts, send_displs, MPI.BYTE],
                                    [received, recv_counts, recv_displs, MPI.BYTE])],
        async_op, done, list(output_tensor_list), keep=(packed, received),
    )

