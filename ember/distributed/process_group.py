"""Process groups on MPI communicators, and how a stuck collective is diagnosed.

A :class:`ProcessGroup` owns a private duplicate of an MPI communicator (so a user's own
mpi4py traffic on ``COMM_WORLD`` never matches ember's messages) and an **arrival
board**: a one-sided MPI window holding, for each member, the sequence number and kind
of the last collective that member *started* on this group.  Starting a collective is
two local stores into the member's own window memory -- no message, no extra
synchronization, nothing on the fast path.

Every operation is a non-blocking MPI call polled against a deadline (the group's
``timeout``).  When the deadline passes, the waiting rank reads every member's board
entry with passive-target ``Rget`` (which needs nothing from the target, so a rank that
is busy computing, sleeping or stuck can still be read) and reports which ranks never
reached the collective, where each of them is instead, and whether ranks called
collectives in different orders.  The group is then marked broken: MPI cannot cancel a
started collective, so later operations on it raise at once.

Example:
    >>> import ember.distributed as dist
    >>> dist.is_initialized()
    False
"""

from __future__ import annotations

import os
import time

import numpy as np

from ._mpi import mpi

__all__ = ["OP_NAMES", "DistBackendError", "DistError", "ProcessGroup"]

# Kinds of collectives, as stored on the arrival board (index = code).
OP_NAMES = (
    "none",
    "barrier",
    "broadcast",
    "all_reduce",
    "reduce",
    "all_gather",
    "all_gather_into_tensor",
    "gather",
    "scatter",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "all_to_all",
    "all_to_all_single",
    "new_group",
    "monitored_barrier",
    "broadcast_object_list",
    "all_gather_object",
    "gather_object",
    "scatter_object_list",
    "destroy_process_group",
    "init_process_group",
    "DistributedDataParallel",
)
_OP_CODES = {name: code for code, name in enumerate(OP_NAMES)}

_BOARD_READ_SECONDS = 2.0


class DistError(RuntimeError):
    """Base of ember.distributed's errors (torch.distributed.DistError)."""


class DistBackendError(DistError):
    """A communication failed or timed out (torch.distributed.DistBackendError)."""


class ProcessGroup:
    """A set of ranks that run collectives together, on its own MPI communicator.

    ``ranks`` are the members' global ranks in group-rank order.  Use ``rank()`` and
    ``size()`` for this process's place in the group.
    """

    def __init__(self, comm, ranks: list, timeout: float, name: str):
        MPI = mpi()
        self.comm = comm
        self.ranks = list(ranks)
        self.timeout = float(timeout)
        self.name = name
        self.seq = 0
        self.broken: str | None = None
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._group_rank_of = {g: i for i, g in enumerate(self.ranks)}
        # The control plane (arrival board, group creation, teardown) has its own
        # communicator, so its collectives can never be matched with a data collective
        # that another rank issued on ``comm``.
        self.control = comm.Dup()
        self._win = MPI.Win.Allocate(2 * 8, 8, comm=self.control)
        self._board = np.ndarray((2,), np.int64, buffer=self._win.tomemory())
        self._board[:] = 0
        # One passive-target epoch for the group's whole life: reading a board entry
        # never waits on a lock, and never needs the target to call MPI.
        self._win.Lock_all()
        self._pid = os.getpid()

    # ----------------------------------------------------------------- identity
    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def group_rank(self, global_rank: int) -> int:
        try:
            return self._group_rank_of[global_rank]
        except KeyError:
            raise ValueError(f"rank {global_rank} is not part of {self.describe()}") from None

    def global_rank(self, group_rank: int) -> int:
        if not 0 <= group_rank < self._size:
            raise ValueError(f"group rank {group_rank} is out of range for {self.describe()} of size {self._size}")
        return self.ranks[group_rank]

    def describe(self) -> str:
        return "the default process group" if self.name == "default" else f"process group {self.name!r}"

    def __repr__(self) -> str:
        return f"<ember.distributed.ProcessGroup {self.name} ranks={self.ranks} rank={self._rank}>"

    # ----------------------------------------------------------- arrival board
    def begin(self, op_name: str) -> int:
        """Record that this rank starts collective ``op_name``; returns its sequence number."""
        self.check_usable()
        self.seq += 1
        board = self._board
        board[1] = _OP_CODES[op_name]
        board[0] = self.seq
        return self.seq

    def check_usable(self) -> None:
        if self.broken is not None:
            raise DistBackendError(
                f"{self.describe()} cannot be used after an earlier failure on this rank: {self.broken}"
            )
        if self._pid != os.getpid():
            raise RuntimeError(
                "ember.distributed cannot be used in a process forked from an MPI rank "
                "(a DataLoader worker or a multiprocessing child): only the rank itself talks MPI"
            )

    def read_boards(self) -> dict:
        """``{group rank: (seq, op name)}`` for every member whose entry could be read."""
        MPI = mpi()
        entries = {}
        requests = {}
        for member in range(self._size):
            if member == self._rank:
                entries[member] = (int(self._board[0]), OP_NAMES[int(self._board[1])])
                continue
            out = np.zeros(2, np.int64)
            requests[member] = (self._win.Rget([out, MPI.INT64_T], member), out)
        deadline = time.monotonic() + _BOARD_READ_SECONDS
        pending = dict(requests)
        while pending and time.monotonic() < deadline:
            for member, (request, out) in list(pending.items()):
                if request.Test():
                    code = int(out[1])
                    entries[member] = (int(out[0]), OP_NAMES[code] if 0 <= code < len(OP_NAMES) else "?")
                    del pending[member]
            if pending:
                time.sleep(0.001)
        return entries

    # ------------------------------------------------------------- diagnosis
    def timeout_error(self, what: str, seq: int | None, waited: float, peer: int | None = None) -> DistBackendError:
        """Build (and remember) the error for an operation that missed its deadline.

        ``what`` names the operation; ``seq`` is its collective sequence number (None for
        point-to-point, where ``peer`` is the other side's group rank).
        """
        entries = self.read_boards()
        me = self.ranks[self._rank]
        head = f"ember.distributed: {what} timed out after {waited:.1f} s on rank {me}"
        if seq is not None:
            head += f" (collective #{seq} on {self.describe()}, timeout {self.timeout:g} s)"
        else:
            head += f" (timeout {self.timeout:g} s)"

        def where(member: int) -> str:
            entry = entries.get(member)
            if entry is None:
                return f"rank {self.ranks[member]}'s state could not be read"
            last_seq, last_op = entry
            if last_seq == 0:
                return f"rank {self.ranks[member]} has not started any collective on this group"
            return f"rank {self.ranks[member]} is at collective #{last_seq} ({last_op})"

        if seq is None and peer is None:
            detail = "no matching message arrived from any rank"
        elif seq is None:
            detail = f"rank {self.ranks[peer]} did not post the matching operation; {where(peer)}"
        else:
            my_op = OP_NAMES[int(self._board[1])]
            missing = [m for m in range(self._size) if m in entries and entries[m][0] < seq]
            unknown = [m for m in range(self._size) if m not in entries]
            mismatched = [m for m in range(self._size) if m in entries and entries[m][0] == seq and entries[m][1] != my_op]
            parts = []
            if missing:
                parts.append(
                    f"ranks {[self.ranks[m] for m in missing]} did not reach it ("
                    + "; ".join(where(m) for m in missing)
                    + ")"
                )
            if unknown:
                parts.append(f"the state of ranks {[self.ranks[m] for m in unknown]} could not be read")
            if mismatched:
                parts.append(
                    "ranks called different collectives in the same position: "
                    + "; ".join(f"rank {self.ranks[m]} called {entries[m][1]}" for m in mismatched)
                    + f" where rank {me} called {my_op}"
                )
            if not parts:
                parts.append("every rank reached it, but it did not complete (a rank may have died inside MPI)")
            detail = "; ".join(parts)
        message = f"{head}: {detail}."
        self.broken = message
        return DistBackendError(message)

    # --------------------------------------------------------------- teardown
    def control_barrier(self, what: str) -> None:
        """A barrier on the control communicator, with the group's deadline and diagnosis."""
        from ._work import poll

        seq = self.begin(what)
        started = time.monotonic()
        if not poll([self.control.Ibarrier()], started + self.timeout):
            raise self.timeout_error(what, seq, time.monotonic() - started)

    def free(self) -> None:
        """Release the window and communicators (collective over the members: call
        :meth:`control_barrier` first so that every member is here)."""
        if self._win is not None:
            try:
                self._win.Unlock_all()
                self._win.Free()
            finally:
                self._win = None
                self._board = None
        for comm in (self.control, self.comm):
            if comm is not None:
                comm.Free()
        self.control = self.comm = None
        if self.broken is None:
            self.broken = "the process group was destroyed"

    def abandon(self) -> None:
        """Drop the MPI objects without the collective free (after a failure)."""
        self._win = self._board = self.control = self.comm = None
        if self.broken is None:
            self.broken = "the process group was destroyed"
