"""Failure behaviour: a crashing rank ends the job; a missing rank fails the collective."""

import pytest

from tests.distributed.mpi_helpers import report, requires_mpi, run_ranks

pytestmark = [requires_mpi, pytest.mark.timeout(150)]


def test_uncaught_exception_on_one_rank_ends_the_whole_job_with_its_traceback():
    # The collective's timeout is 300 s and the subprocess limit 60 s: only the abort
    # triggered by rank 1's exception can end the job in time.
    result = run_ranks("crash.py", 3, launcher=True, timeout=60)
    assert result.returncode != 0, report(result)
    assert "UNREACHABLE" not in result.stdout, report(result)
    assert "Traceback (most recent call last)" in result.stderr, report(result)
    assert "in fail_on_purpose" in result.stderr and "crash.py" in result.stderr, report(result)
    assert "ValueError: rank one failed on purpose" in result.stderr, report(result)
    assert "rank 1 ended with an uncaught ValueError" in result.stderr, report(result)


def test_collective_that_a_rank_never_reaches_times_out_naming_it():
    result = run_ranks("missing_rank.py", 3, args=(3,), timeout=60)
    assert result.returncode != 0, report(result)
    assert "UNREACHABLE" not in result.stdout, report(result)
    assert "DistBackendError" in result.stderr, report(result)
    assert "all_reduce timed out after 3" in result.stderr, report(result)
    assert "collective #2 on the default process group" in result.stderr, report(result)
    assert "ranks [2] did not reach it (rank 2 is at collective #1 (all_reduce))" in result.stderr, report(result)
