"""DistributedDataParallel on 2 ranks, started by the launcher (jobs/ddp.py): same parameters
as one process on the full batch, no_sync, unused parameters, bucket views, buffers, and
DataLoader workers under MPI."""

import pytest

from tests.distributed.mpi_helpers import report, requires_mpi, run_ranks

pytestmark = [requires_mpi, pytest.mark.timeout(150)]


def test_ddp_on_two_ranks_matches_one_process():
    result = run_ranks("ddp.py", 2, launcher=True, timeout=120)
    assert result.returncode == 0, report(result)
    for rank in range(2):
        assert f"DDP OK rank {rank}" in result.stdout, report(result)
