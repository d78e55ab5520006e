"""What mpiexec starts for each rank under ``ember.distributed.run``; never imported.

Run as a plain file (``python .../_rank_entry.py [-m] TARGET ARGS``) so it starts in
milliseconds without importing ember.  It reads this process's rank from the variables
the MPI launcher sets (MPICH/Intel MPI's hydra, Open MPI, PMIx, Slurm), exports the
torchrun variables (``RANK``, ``LOCAL_RANK``, ``ROLE_RANK``, ...) and replaces itself
with ``python TARGET ARGS`` (or ``python -m TARGET ARGS``), so the user's script runs as
an ordinary ``__main__`` with its own argv and tracebacks.  MPI is not initialized here;
the script's ``init_process_group`` does that, and checks these variables against MPI.
"""

import os
import sys

_RANK = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID")
_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")
_LOCAL_RANK = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")
_LOCAL_SIZE = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")


def _first(names):
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def main() -> None:
    args = sys.argv[1:]
    rank = _first(_RANK)
    size = _first(_SIZE)
    local_rank = _first(_LOCAL_RANK)
    local_size = _first(_LOCAL_SIZE)
    if rank is not None:
        os.environ["RANK"] = rank
        os.environ["ROLE_RANK"] = rank
        if local_rank is None and size is not None and os.environ.get("LOCAL_WORLD_SIZE") == size:
            local_rank = rank  # a single node
    if size is not None:
        os.environ["WORLD_SIZE"] = size
        os.environ["ROLE_WORLD_SIZE"] = size
    if local_rank is not None:
        os.environ["LOCAL_RANK"] = local_rank
    if local_size is not None:
        os.environ["LOCAL_WORLD_SIZE"] = local_size
    os.execv(sys.executable, [sys.executable] + args)


if __name__ == "__main__":
    main()
