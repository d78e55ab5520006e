"""Rank 2 never reaches the second all_reduce; ranks 0 and 1 must fail after the timeout.

Each waiting rank raises DistBackendError naming the collective and rank 2 (which the
arrival board shows still at collective #1); the error is uncaught, so the job aborts.
"""

import sys
import time

import ember
import ember.distributed as dist

if __name__ == "__main__":
    dist.init_process_group("mpi", timeout=float(sys.argv[1]))
    dist.all_reduce(ember.ones(2))
    if dist.get_rank() == 2:
        time.sleep(100)  # busy elsewhere: never calls the collective
    dist.all_reduce(ember.ones(2))
    print("UNREACHABLE: the all_reduce completed", flush=True)
