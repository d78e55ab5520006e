"""Rank 1 raises while the other ranks wait in a collective with a long timeout.

The whole job must end at once (MPI_Abort from the fail-fast hook) with rank 1's
traceback, long before the collective's 300 s timeout.
"""

import time

import ember
import ember.distributed as dist


def fail_on_purpose():
    raise ValueError("rank one failed on purpose")


if __name__ == "__main__":
    dist.init_process_group("mpi", timeout=300)
    dist.barrier()
    if dist.get_rank() == 1:
        time.sleep(0.5)
        fail_on_purpose()
    dist.all_reduce(ember.ones(4))
    print("UNREACHABLE: the all_reduce completed", flush=True)
