"""Collectives on picklable Python objects (broadcast_object_list, all_gather_object, ...).

Objects are pickled, their sizes exchanged first, then the bytes; both steps are
ordinary ember collectives (deadline and diagnosis included).  As in torch, unpickling
runs code chosen by the sender: use these only between ranks of your own job.

Example (2 ranks):
    >>> # out = [None, None]; dist.all_gather_object(out, {"rank": dist.get_rank()})
"""

from __future__ import annotations

import pickle

import numpy as np

from ._mpi import mpi
from ._world import resolve_group
from .collectives import launch, root_rank

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def _dumps(obj) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj), dtype=np.uint8)


def _loads(data: np.ndarray):
    return pickle.loads(data.tobytes())


def _allgather_bytes(pg, what: str, data: np.ndarray) -> list:
    MPI = mpi()
    sizes = np.zeros(pg.size(), np.int64)
    mine = np.array([data.size], np.int64)
    launch(pg, what, lambda: [pg.comm.Iallgather([mine, MPI.INT64_T], [sizes, MPI.INT64_T])], False)
    counts = [int(n) for n in sizes]
    displacements = list(np.cumsum([0] + counts[:-1]).tolist())
    out = np.empty(sum(counts), np.uint8)
    launch(pg, what, lambda: [pg.comm.Iallgatherv([data, MPI.BYTE], [out, counts, displacements, MPI.BYTE])], False)
    return [out[d:d + n] for d, n in zip(displacements, counts)]


def broadcast_object_list(object_list: list, src=None, group=None, device=None, group_src=None) -> None:
    """Replace ``object_list``'s items on every rank by those of rank ``src``."""
    pg = resolve_group(group)
    if pg is None:
        return
    MPI = mpi()
    root = root_rank(pg, src, group_src, "broadcast_object_list", "src")
    is_root = pg.rank() == root
    blobs = [_dumps(obj) for obj in object_list] if is_root else []
    sizes = np.array([b.size for b in blobs] if is_root else [0] * len(object_list), np.int64)
    launch(pg, "broadcast_object_list", lambda: [pg.comm.Ibcast([sizes, MPI.INT64_T], root)], False)
    data = np.concatenate(blobs) if is_root and blobs else np.empty(int(sizes.sum()), np.uint8)
    launch(pg, "broadcast_object_list", lambda: [pg.comm.Ibcast([data, MPI.BYTE], root)], False)
    if not is_root:
        offset = 0
        for i, n in enumerate(sizes.tolist()):
            object_list[i] = _loads(data[offset:offset + n])
            offset += n


def all_gather_object(object_list: list, obj, group=None) -> None:
    """``object_list[i]`` becomes rank i's ``obj`` on every rank."""
    pg = resolve_group(group)
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise RuntimeError(f"all_gather_object: object_list must have length {pg.size()}, got {len(object_list)}")
    for i, blob in enumerate(_allgather_bytes(pg, "all_gather_object", _dumps(obj))):
        object_list[i] = _loads(blob)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None) -> None:
    """On rank ``dst``, ``object_gather_list[i]`` becomes rank i's ``obj``."""
    pg = resolve_group(group)
    if pg is None:
        return
    root = root_rank(pg, dst, group_dst, "gather_object", "dst")
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError(f"gather_object: object_gather_list must be a list of length {pg.size()} on the destination rank")
    elif object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on non-destination ranks.")
    blobs = _allgather_bytes(pg, "gather_object", _dumps(obj))
    if pg.rank() == root:
        for i, blob in enumerate(blobs):
            object_gather_list[i] = _loads(blob)


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None) -> None:
    """Rank i receives ``scatter_object_input_list[i]`` (given on ``src``) as ``output_list[0]``."""
    pg = resolve_group(group)
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = root_rank(pg, src, group_src, "scatter_object_list", "src")
    holder = [list(scatter_object_input_list) if pg.rank() == root else None]
    broadcast_object_list(holder, group_src=root, group=group)
    scatter_object_output_list[0] = holder[0][pg.rank()]
