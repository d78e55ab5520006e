"""DataLoader throughput, ember vs torch side by side in one process.

Run: python benchmarks/bench_dataloader.py [--rounds N]

Workload (issue 4): one epoch over a 60,000 x 784 float32 TensorDataset with int64
labels, batch_size=128, shuffle=True, at num_workers=0 and num_workers=2, plus the time
from ``iter(loader)`` to the first batch with 2 workers (worker start-up included).
Both libraries get the same data (ember's tensors share the NumPy arrays torch's were
copied from).  Runs are interleaved and the best of ``--rounds`` is kept, so machine
noise hits both alike.  Ratio = ember / torch (lower is better; target <= 1.0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

N, D, BATCH = 60_000, 784, 128


def make_loaders(module, num_workers: int):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, D), dtype=np.float32)
    y = rng.integers(0, 10, size=N)
    data = module.utils.data
    dataset = data.TensorDataset(module.from_numpy(x), module.from_numpy(y))
    return data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=num_workers)


def time_epoch(loader) -> tuple[float, int]:
    t0 = time.perf_counter()
    batches = 0
    for x, y in loader:
        batches += 1
    return time.perf_counter() - t0, batches


def time_first_batch(loader) -> float:
    t0 = time.perf_counter()
    it = iter(loader)
    next(it)
    elapsed = time.perf_counter() - t0
    del it  # shuts the workers down
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import torch

    import ember

    print(f"DataLoader: {N}x{D} float32 TensorDataset, batch {BATCH}, shuffle; best of {args.rounds}")
    print(f"{'workload':<34}{'ember':>10}{'torch':>10}{'ratio':>8}")
    for workers in (0, 2):
        loaders = {"ember": make_loaders(ember, workers), "torch": make_loaders(torch, workers)}
        best = {"ember": float("inf"), "torch": float("inf")}
        counts = {}
        for _ in range(args.rounds):
            for name, loader in loaders.items():
                elapsed, counts[name] = time_epoch(loader)
                best[name] = min(best[name], elapsed)
        assert counts["ember"] == counts["torch"], counts
        ratio = best["ember"] / best["torch"]
        label = f"epoch, num_workers={workers}"
        print(f"{label:<34}{best['ember']:>9.3f}s{best['torch']:>9.3f}s{ratio:>7.2f}x  (target <= 1.0)")
        del loaders

    loaders = {"ember": make_loaders(ember, 2), "torch": make_loaders(torch, 2)}
    best = {"ember": float("inf"), "torch": float("inf")}
    for _ in range(max(args.rounds, 5)):
        for name, loader in loaders.items():
            best[name] = min(best[name], time_first_batch(loader))
    ratio = best["ember"] / best["torch"]
    label = "first batch, num_workers=2"
    print(f"{label:<34}{best['ember'] * 1e3:>8.1f}ms{best['torch'] * 1e3:>8.1f}ms{ratio:>7.2f}x  (target <= 1.0)")


if __name__ == "__main__":
    main()
