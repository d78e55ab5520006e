"""Point-to-point messages: send/recv, isend/irecv, and batches of them (P2POp).

Each message is one MPI ``Isend``/``Irecv`` on the group's communicator with the given
``tag``; the tensor's bytes go straight from/to its NumPy buffer.  ``dst``/``src`` are
global ranks (``group_dst``/``group_src`` ranks within ``group``); ``recv`` without a
source takes the first matching message from any rank and returns that rank.

Example (2 ranks):
    >>> # if dist.get_rank() == 0: dist.send(ember.ones(3), dst=1)
    >>> # else: t = ember.empty(3); dist.recv(t, src=0)
"""

from __future__ import annotations

from ._buffers import input_array, output_buffer
from ._mpi import as_bytes, mpi
from ._world import resolve_group
from .collectives import launch, root_rank

__all__ = ["P2POp", "batch_isend_irecv", "irecv", "isend", "recv", "send"]


def _peer(pg, rank, group_rank, what: str, arg: str) -> int:
    peer = root_rank(pg, rank, group_rank, what, arg)
    if peer == pg.rank():
        raise ValueError(f"Invalid {'destination' if arg == 'dst' else 'source'} rank: should not be the same as "
                         "the rank of the current process.")
    return peer


def isend(tensor, dst=None, group=None, tag: int = 0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a Work (``wait()`` to finish)."""
    pg = resolve_group(group)
    if pg is None:
        return None
    peer = _peer(pg, dst, group_dst, "isend", "dst")
    buffer = input_array(tensor, "isend")
    what = f"send to rank {pg.ranks[peer]} (tag {tag})"
    return launch(pg, what, lambda: [pg.comm.Isend(as_bytes(buffer), peer, tag)], True,
                  keep=(buffer,), peer=peer, collective=False)


def irecv(tensor, src=None, group=None, tag: int = 0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (any rank if None); returns a Work."""
    pg = resolve_group(group)
    if pg is None:
        return None
    MPI = mpi()
    if src is None and group_src is None:
        peer, source, what = None, MPI.ANY_SOURCE, f"recv from any rank (tag {tag})"
    else:
        peer = _peer(pg, src, group_src, "irecv", "src")
        source, what = peer, f"recv from rank {pg.ranks[peer]} (tag {tag})"
    buffer, finish = output_buffer(tensor, "irecv")
    statuses = [MPI.Status()]
    work = None

    def done():
        finish()
        work._source = pg.ranks[statuses[0].Get_source()]

    work = launch(pg, what, lambda: [pg.comm.Irecv(as_bytes(buffer), source, tag)], True, done, [tensor],
                  keep=(buffer,), peer=peer, statuses=statuses, collective=False)
    return work


def send(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> None:
    """Send ``tensor`` to rank ``dst`` and wait until the buffer may be reused."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into ``tensor`` from ``src`` (any rank if None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work.source_rank()


class P2POp:
    """One point-to-point operation for :func:`batch_isend_irecv`.

    Args:
        op: ``isend`` or ``irecv`` (the functions of this module).
        tensor: the tensor to send or receive into.
        peer: the other side's global rank (or ``group_peer`` within ``group``).
    """

    def __init__(self, op, tensor, peer=None, group=None, tag: int = 0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError(
                "Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                "``torch.distributed.irecv``."
            )
        self.op, self.tensor, self.peer, self.group, self.tag, self.group_peer = op, tensor, peer, group, tag, group_peer

    def __repr__(self) -> str:
        return f"P2POp(op={self.op.__name__}, peer={self.peer}, tag={self.tag})"


def batch_isend_irecv(p2p_op_list) -> list:
    """Start every operation of the list; returns their Work handles (wait on each)."""
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type ``torch.distributed.P2POp``.")
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works
