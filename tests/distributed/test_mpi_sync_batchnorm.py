"""SyncBatchNorm on 2 real MPI ranks (jobs/sync_batchnorm.py): each rank holds part of a
batch; outputs, input gradients, weight/bias gradients summed over ranks, running stats
and a DDP + convert_sync_batchnorm training run equal one process on the full batch
(ember's BatchNorm and torch's)."""

import pytest

from tests.distributed.mpi_helpers import report, requires_mpi, run_ranks

pytestmark = [requires_mpi, pytest.mark.timeout(150)]


def test_sync_batchnorm_on_two_ranks_matches_full_batch_batchnorm():
    result = run_ranks("sync_batchnorm.py", 2, timeout=120)
    assert result.returncode == 0, report(result)
    for rank in range(2):
        assert f"SYNCBN OK rank {rank}" in result.stdout, report(result)
