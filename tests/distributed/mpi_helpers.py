"""Running small multi-rank scripts under mpiexec from a test.

Each test starts one of the scripts in ``jobs/`` with ``mpiexec -n N`` (or through
``python -m ember.distributed.run``) in a subprocess with a hard timeout, so a hang
fails the test instead of blocking the suite; every rank asserts, and rank output is
checked by the test.  Tests skip, with the reason, where
mpi4py or mpiexec is not installed (``pip install 'ember[mpi]'``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest


def mpiexec_path() -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which("mpiexec")


_MISSING = (
    "mpi4py is not installed (pip install 'ember[mpi]')"
    if importlib.util.find_spec("mpi4py") is None
    else "no mpiexec next to the Python executable or on PATH (pip install mpich)"
    if mpiexec_path() is None
    else None
)

requires_mpi = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = _REPO + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


JOBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs")


def run_ranks(job: str, nprocs: int, *, launcher: bool = False, timeout: float = 120, args: tuple = (),
              cwd=None) -> subprocess.CompletedProcess:
    """Run ``jobs/<job>`` (or a script path) on ``nprocs`` ranks; returns the finished process."""
    script = job if os.path.isabs(str(job)) else os.path.join(JOBS, job)
    if launcher:
        command = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nprocs), str(script)]
    else:
        command = [mpiexec_path(), "-n", str(nprocs), sys.executable, str(script)]
    return subprocess.run(command + [str(a) for a in args], cwd=cwd or _REPO, env=_environment(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def report(result: subprocess.CompletedProcess) -> str:
    return f"exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
