"""Distributed benchmarks: ember.distributed against raw mpi4py, and DDP against one process.

Run: python benchmarks/bench_distributed.py [--quick]

It starts its own MPI jobs (``mpiexec -n 2``, the one next to the running Python) and
prints two tables:

1. ``all_reduce`` of a 4 MB float32 tensor (2 ranks): ember's ``dist.all_reduce(t)``
   (non-blocking MPI call polled against its deadline) against mpi4py's raw blocking
   ``comm.Allreduce(MPI.IN_PLACE, buffer)`` on the same NumPy buffer, timed interleaved,
   best of several rounds.  Target: ember reaches >= 80% of the raw bandwidth.
2. Training the 784-512-256-10 MLP of bench_mlp.py (SGD momentum, cross-entropy): one
   process on a global batch B against 2 DDP ranks on B/2 each, samples per second.
   Every process runs NumPy's BLAS on one thread (OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1),
   so 2 ranks use 2 cores.  Target: >= 1.5x the samples per second of one process.

Timings on a shared machine are noisy: each number is the best of several rounds (for
training, the best single step, so that a step where a rank lost its core to another
program does not count), and every configuration is measured twice, alternating,
keeping the best.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

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
    for _ in range(rounds):  # interleaved, so machine noise hits all alike
        for name, fn in (("raw", raw), ("ember", ours), ("ember_async", ours_async)):
            best[name] = min(best[name], _best_seconds(fn, 1, number, sync=comm.Barrier))
    dist.destroy_process_group()
    return {"bytes": buffer.nbytes, **best}


def _mlp(m):
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        layers += [m.nn.Linear(fan_in, fan_out), m.nn.ReLU()]
    return m.nn.Sequential(*layers[:-1])


def role_training(global_batch: int, rounds: int, number: int, distributed: bool) -> dict:
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

    sync = (lambda: dist.barrier()) if distributed else (lambda: None)
    for _ in range(5):
        step()
    # The best single step: on a busy machine, the steps during which every rank had its
    # core are the ones that show what the code does (the same rule for both sides).
    seconds = _best_seconds(step, rounds * number, 1, sync=sync)
    if distributed:
        dist.destroy_process_group()
    return {"global_batch": global_batch, "world": world, "step_s": seconds,
            "samples_per_s": global_batch / seconds}


# ------------------------------------------------------------------------ driver
def _mpiexec() -> str:
    from ember.distributed.run import find_mpiexec

    return find_mpiexec()


def _run(args: list, ranks: int | None) -> dict:
    command = [sys.executable, os.path.abspath(__file__)] + args
    if ranks is not None:
        command = [_mpiexec(), "-n", str(ranks)] + command
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    for line in out.stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT):])
    raise RuntimeError(f"benchmark job failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--role", choices=["allreduce", "train", "train-ddp"], help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--number", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "allreduce":
        result = role_allreduce(args.rounds, args.number)
    elif args.role in ("train", "train-ddp"):
        result = role_training(args.batch, args.rounds, args.number, args.role == "train-ddp")
    else:
        return drive(args.quick)
    if os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0")) == "0":
        print(RESULT + json.dumps(result), flush=True)
    return None


def drive(quick: bool) -> None:
    repeats = 1 if quick else 2
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
    number = "5" if quick else "10"
    print("\nMLP 784-512-256-10 training (SGD momentum, cross-entropy): 1 process vs 2 DDP ranks, same global batch")
    print(f"  {'global batch':>12} {'1 process':>14} {'2 DDP ranks':>14} {'speed-up':>9}")
    for batch in batches:
        single = ddp = None
        for _ in range(repeats):
            s = _run(["--role", "train", "--batch", str(batch), "--rounds", rounds, "--number", number], ranks=None)
            d = _run(["--role", "train-ddp", "--batch", str(batch), "--rounds", rounds, "--number", number], ranks=2)
            single = s if single is None or s["samples_per_s"] > single["samples_per_s"] else single
            ddp = d if ddp is None or d["samples_per_s"] > ddp["samples_per_s"] else ddp
        ratio = ddp["samples_per_s"] / single["samples_per_s"]
        print(f"  {batch:>12} {single['samples_per_s']:>10.0f} /s {ddp['samples_per_s']:>10.0f} /s {ratio:>8.2f}x")
    print("  target: >= 1.5x samples/s with 2 ranks")


if __name__ == "__main__":
    main()
