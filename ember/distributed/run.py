"""The torchrun-like launcher: ``python -m ember.distributed.run --nproc-per-node N script.py ARGS``.

It starts ``N`` ranks on this machine through ``mpiexec`` (the one next to the running
Python if there is one, as ``pip install mpich`` puts it, else the first on ``PATH``)
and returns mpiexec's exit status.  Each rank sees the variables torchrun exports:
``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``,
``ROLE_RANK``, ``ROLE_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``,
``TORCHELASTIC_RUN_ID`` (and ``OMP_NUM_THREADS=1`` when unset and N > 1, as torchrun
does).  The script itself can equally be started with ``mpiexec -n N python script.py``;
then ``init_process_group`` fills in those variables.

For several machines, use your MPI's own launcher (``mpiexec -n 8 -f hosts python
script.py``): ``--nnodes`` above 1 is refused here.

Example:
    python -m ember.distributed.run --nproc-per-node 2 examples/ddp_train.py --quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import uuid

__all__ = ["find_mpiexec", "main", "parse_args"]


def find_mpiexec() -> str:
    """The mpiexec to use: beside ``sys.executable`` if present, else on ``PATH``."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise SystemExit(
            "ember.distributed.run: no mpiexec found next to "
            f"{sys.executable} or on PATH; install MPI with: pip install 'ember[mpi]'"
        )
    return found


def _nproc(value: str) -> int:
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    if value == "gpu":
        raise argparse.ArgumentTypeError("--nproc-per-node gpu: ember has no GPUs to count; give a number")
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"--nproc-per-node must be at least 1, got {n}")
    return n


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ember.distributed.run",
        description="Start N ranks of a training script through mpiexec (torchrun's command line).",
    )
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=_nproc, default=1,
                        help="number of ranks to start on this machine (an int, or 'auto'/'cpu')")
    parser.add_argument("--nnodes", type=str, default="1", help="must be 1 (use mpiexec directly for several machines)")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0)
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500)
    parser.add_argument("--standalone", action="store_true", help="accepted (every run here is standalone)")
    parser.add_argument("--max-restarts", "--max_restarts", type=int, default=0)
    parser.add_argument("--rdzv-backend", "--rdzv_backend", default=None, help="accepted and ignored")
    parser.add_argument("--rdzv-endpoint", "--rdzv_endpoint", default=None, help="accepted and ignored")
    parser.add_argument("--rdzv-id", "--rdzv_id", default=None)
    parser.add_argument("--mpiexec", default=None, help="the mpiexec program to use")
    parser.add_argument("--mpiexec-args", default="", help="extra arguments for mpiexec (one string)")
    parser.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    parser.add_argument("--no-python", "--no_python", action="store_true",
                        help="run the target as a program, not through python")
    parser.add_argument("training_script", help="the script (or module with -m) each rank runs")
    parser.add_argument("training_script_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    nnodes = args.nnodes.split(":")
    if any(int(n) != 1 for n in nnodes):
        parser.error("--nnodes must be 1: start multi-machine jobs with your MPI's mpiexec and a host file")
    if args.max_restarts:
        parser.error("--max-restarts is not supported: a failed rank ends the whole job")
    return args


def build_command(args: argparse.Namespace) -> list:
    """The mpiexec command line for ``args``."""
    entry = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_rank_entry.py")
    mpiexec = args.mpiexec or find_mpiexec()
    command = [mpiexec, "-n", str(args.nproc_per_node)] + args.mpiexec_args.split()
    if args.no_python:
        return command + [args.training_script] + args.training_script_args
    target = ["-m", args.training_script] if args.module else [args.training_script]
    return command + [sys.executable, entry] + target + args.training_script_args


def build_environment(args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    n = args.nproc_per_node
    env.update(
        WORLD_SIZE=str(n),
        LOCAL_WORLD_SIZE=str(n),
        ROLE_WORLD_SIZE=str(n),
        GROUP_RANK="0",
        GROUP_WORLD_SIZE="1",
        ROLE_NAME="default",
        MASTER_ADDR=args.master_addr,
        MASTER_PORT=str(args.master_port),
        TORCHELASTIC_RUN_ID=args.rdzv_id or uuid.uuid4().hex[:12],
        TORCHELASTIC_RESTART_COUNT="0",
        TORCHELASTIC_MAX_RESTARTS="0",
    )
    for name in ("RANK", "LOCAL_RANK", "ROLE_RANK"):
        env.pop(name, None)  # set per rank by _rank_entry
    if n > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"
        print(
            "*****************************************\n"
            "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid "
            "your system being overloaded, please further tune the variable for optimal performance in "
            "your application as needed. \n"
            "*****************************************",
            file=sys.stderr,
        )
    return env


def main(argv=None) -> int:
    """Run the job; returns mpiexec's exit status (a failed rank makes it non-zero)."""
    args = parse_args(argv)
    command = build_command(args)
    process = subprocess.Popen(command, env=build_environment(args))

    def forward(signum, frame):
        try:
            process.send_signal(signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return process.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


if __name__ == "__main__":
    sys.exit(main())
