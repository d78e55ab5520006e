"""Distributed benchmarks: ember.distributed against raw mpi4py, and DDP against one process.

Run: python benchmarks/bench_distributed.py [--quick]

It starts its own MPI jobs (``mpiexec -n 2``, the one next to the running Python) and
prints two tables:

1. ``all_reduce`` of a 4 MB float32 tensor (2 ranks): ember's ``dist.all_reduce(t)``
   (non-blocking MPI call polled against its deadline) against mpi4py's raw blocking
   ``comm.Allreduce(MPI.IN_PLACE, buffer)`` on the same NumPy buffer, timed interleaved
   in blocks, the best single call of each.  Target: ember reaches >= 80% of the raw
   bandwidth.
2. Training the 784-512-256-10 MLP of bench_mlp.py (SGD momentum, cross-entropy): one
   process on a global batch B against 2 DDP ranks on B/2 each, samples per second.
   Every process runs NumPy's BLAS on one thread (OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1),
   so 2 ranks use 2 cores.  Target: >= 1.5x the samples per second of one process.
   The "ceiling" column runs two independent single processes (half the batch each, no
   communication) side by side, started at the same moment: the most any data-parallel
   scheme can get from the machine then, which on a shared or memory-bound machine is
   well below 2x.

Timings on a shared machine are noisy.  all_reduce: the best single call of many,
interleaved.  Training: samples per second over about 3 s of steps (a step count fixed
in advance, the same on every rank), each configuration measured three times,
alternating, keeping the best run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time

SIZES = (784, 512, 256, 10)
ALLREDUCE_ELEMENTS = 1 << 20  # 4 MB of float32
RESULT = "BENCH-RESULT "


# ------------------------------------------------------------------ inside a job
def _best_seconds(fn, rounds: int, number: int, sync=lambda: None) -> float:
    best = float("inf")
    for _ in range(rounds):
        sync()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def role_allreduce(rounds: int, number: int) -> dict:
    import ember
    import ember.distributed as dist

    dist.init_process_group("mpi")
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    tensor = ember.zeros(ALLREDUCE_ELEMENTS, dtype=ember.float32)
    buffer = tensor.numpy()  # the very same memory
    raw = lambda: comm.Allreduce(MPI.IN_PLACE, [buffer, MPI.FLOAT])
    ours = lambda: dist.all_reduce(tensor)
    ours_async = lambda: dist.all_reduce(tensor, async_op=True).wait()
    for fn in (raw, ours, ours_async):  # warm up
        for _ in range(3):
            fn()
    best = {"raw": float("inf"), "ember": float("inf"), "ember_async": float("inf")}
    for _ in range(rounds):  # interleaved, so machine noise hits all alike; best single call
        for name, fn in (("raw", raw), ("ember", ours), ("ember_async", ours_async)):
            best[name] = min(best[name], _best_seconds(fn, number, 1, sync=comm.Barrier))
    dist.destroy_process_group()
    return {"bytes": buffer.nbytes, **best}


def _mlp(m):
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        layers += [m.nn.Linear(fan_in, fan_out), m.nn.ReLU()]
    return m.nn.Sequential(*layers[:-1])


def role_training(global_batch: int, window: float, distributed: bool, start_at: float | None) -> dict:
    """Train for about ``window`` seconds; samples per second over the timed steps.

    The step count is fixed before timing (from a short estimate; rank 0's under DDP),
    and ``start_at`` (a wall-clock time) lines up processes that must run side by side.
    """
    import numpy as np

    import ember
    import ember.nn.functional as F

    rank, world = 0, 1
    if distributed:
        import ember.distributed as dist
        from ember.nn.parallel import DistributedDataParallel

        dist.init_process_group("mpi")
        rank, world = dist.get_rank(), dist.get_world_size()
    per_rank = global_batch // world
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((global_batch, SIZES[0])).astype(np.float32)
    y_all = rng.integers(0, SIZES[-1], global_batch)
    x = ember.tensor(x_all[rank * per_rank:(rank + 1) * per_rank])
    y = ember.tensor(y_all[rank * per_rank:(rank + 1) * per_rank])
    ember.manual_seed(0)
    model = _mlp(ember)
    if distributed:
        model = DistributedDataParallel(model)
    opt = ember.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    estimate = _best_seconds(step, 3, 1)
    steps = [max(10, int(window / estimate))]
    if distributed:
        dist.broadcast_object_list(steps, src=0)
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    elif distributed:
        dist.barrier()
    began = time.time()
    start = time.perf_counter()
    for _ in range(steps[0]):
        step()
    seconds = (time.perf_counter() - start) / steps[0]
    if distributed:
        dist.destroy_process_group()
    return {"global_batch": global_batch, "world": world, "step_s": seconds, "steps": steps[0],
            "samples_per_s": global_batch / seconds, "began": began, "ended": began + seconds * steps[0]}


# ------------------------------------------------------------------------ driver
def _mpiexec() -> str:
    from ember.distributed.run import find_mpiexec

    return find_mpiexec()


def _parse(returncode: int, stdout: str, stderr: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT):])
    raise RuntimeError(f"benchmark job failed ({returncode}):\n{stdout}\n{stderr}")


def _run(args: list, ranks: int | None) -> dict:
    command = [sys.executable, os.path.abspath(__file__)] + args
    if ranks is not None:
        command = [_mpiexec(), "-n", str(ranks)] + command
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return _parse(out.returncode, out.stdout, out.stderr)


def _run_side_by_side(args: list, copies: int) -> list:
    """``copies`` independent single processes at once: what the cores give without any
    communication (the ceiling for data parallelism on this machine, right now)."""
    command = [sys.executable, os.path.abspath(__file__)] + args
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(copies)]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        results.append(_parse(proc.returncode, stdout, stderr))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--role", choices=["allreduce", "train", "train-ddp"], help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--number", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--window", type=float, default=3.0, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "allreduce":
        result = role_allreduce(args.rounds, args.number)
    elif args.role in ("train", "train-ddp"):
        result = role_training(args.batch, args.window, args.role == "train-ddp", args.start_at)
    else:
        return drive(args.quick)
    if os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0")) == "0":
        print(RESULT + json.dumps(result), flush=True)
    return None


def drive(quick: bool) -> None:
    repeats = 1 if quick else 3
    rounds = "3" if quick else "7"
    print("ember.distributed benchmarks (MPI through mpi4py; 1 BLAS thread per process)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, mpiexec {_mpiexec()}")

    best: dict = {}
    for _ in range(repeats):
        r = _run(["--role", "allreduce", "--rounds", rounds, "--number", "10"], ranks=2)
        for key in ("raw", "ember", "ember_async"):
            best[key] = min(best.get(key, float("inf")), r[key])
        best["bytes"] = r["bytes"]
    mb = best["bytes"] / 1e6
    print(f"\nall_reduce of a {mb:.1f} MB float32 tensor, 2 ranks (algorithm bandwidth = bytes / time)")
    for key, label in (("raw", "mpi4py comm.Allreduce (raw)"), ("ember", "ember dist.all_reduce"),
                       ("ember_async", "ember all_reduce(async_op=True).wait()")):
        print(f"  {label:<42} {best[key] * 1e3:8.3f} ms  {mb / 1e3 / best[key]:6.2f} GB/s"
              f"  {best['raw'] / best[key] * 100:5.1f}% of raw")
    print(f"  target: ember >= 80% of raw -> {'met' if best['raw'] / best['ember'] >= 0.8 else 'NOT met'}")

    batches = [128, 512] if quick else [128, 256, 512, 1024]
    window = "1.5" if quick else "3"
    print("\nMLP 784-512-256-10 training (SGD momentum, cross-entropy): 1 process vs 2 DDP ranks, same global batch")
    print("  (ceiling: two independent processes on half the batch each, no communication, side by side)")
    print(f"  {'global batch':>12} {'1 process':>12} {'2 DDP ranks':>13} {'speed-up':>9} {'ceiling':>9}")
    for batch in batches:
        single = ddp = pair_total = 0.0
        timing = ["--window", window]
        for _ in range(repeats):
            s = _run(["--role", "train", "--batch", str(batch)] + timing, ranks=None)
            d = _run(["--role", "train-ddp", "--batch", str(batch)] + timing, ranks=2)
            start_at = ["--start-at", f"{time.time() + 8:.3f}"]  # both are past startup by then
            pair = _run_side_by_side(["--role", "train", "--batch", str(batch // 2)] + timing + start_at, copies=2)
            single = max(single, s["samples_per_s"])
            ddp = max(ddp, d["samples_per_s"])
            pair_total = max(pair_total, sum(p["samples_per_s"] for p in pair))
        ratio = ddp / single
        print(f"  {batch:>12} {single:>8.0f} /s {ddp:>9.0f} /s {ratio:>8.2f}x {pair_total / single:>8.2f}x")
    print("  target: >= 1.5x samples/s with 2 ranks")


if __name__ == "__main__":
    # One BLAS thread in this process and in every job it starts (set before NumPy loads).
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = "1"
    main()
