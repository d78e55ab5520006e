"""Collectives, point-to-point and groups against NumPy at 2 and 3 ranks (jobs/collectives.py),
started with a plain ``mpiexec -n N python script.py``."""

import pytest

from tests.distributed.mpi_helpers import report, requires_mpi, run_ranks

pytestmark = [requires_mpi, pytest.mark.timeout(150)]


@pytest.mark.parametrize("nprocs", [2, 3])
def test_collectives_match_numpy(nprocs):
    result = run_ranks("collectives.py", nprocs, timeout=120)
    assert result.returncode == 0, report(result)
    for rank in range(nprocs):
        assert f"COLLECTIVES OK rank {rank}" in result.stdout, report(result)
