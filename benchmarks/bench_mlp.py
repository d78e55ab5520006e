"""MLP training step, ember vs torch side by side in one process.

Run: python benchmarks/bench_mlp.py

The model is 784-512-256-10 with ReLU, trained with SGD (momentum 0.9) on a batch of
128 with cross-entropy: the whole step (zero_grad, forward, loss, backward, step) and
its parts are timed best-of-N, interleaved, and printed with the ratio ember/torch
(lower is better).  NumPy's BLAS is pinned to one thread (set before NumPy loads), and
torch runs at 1 thread and then at its default thread count.  The target is a full
step at <= 1.05x torch's time at 1 thread.
"""

from __future__ import annotations

import itertools
import os
import sys

# NumPy's OpenBLAS reads this when it loads (torch does not: it is set per run below).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import classifier_workloads, compare, max_loss_difference, print_row

SIZES = (784, 512, 256, 10)
BATCH = 128


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return weights, x, y


def build(m, data):
    """The model, optimizer and inputs of one framework, with identical weights."""
    weights, x_np, y_np = data
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        layers += [m.nn.Linear(fan_in, fan_out), m.nn.ReLU()]
    model = m.nn.Sequential(*layers[:-1])
    with m.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(m.tensor(w))
    opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = m.tensor(x_np), m.tensor(y_np)
    return model, opt, classifier_workloads(m, model, opt, x, y)


def check_same_losses(ember, torch, data, steps: int = 5) -> float:
    """Both frameworks train identically: the largest relative loss difference over a few steps."""
    return max_loss_difference(build(ember, data)[2], build(torch, data)[2], steps)


def main() -> None:
    import torch

    import ember

    data = make_data()
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, SGD momentum 0.9, batch {BATCH}, cross-entropy")
    print(f"loss agreement over 5 steps: max relative difference {check_same_losses(ember, torch, data):.2e}")
    _, _, ours = build(ember, data)
    _, _, theirs = build(torch, data)
    # Gradients must exist for the optimizer-only timing.
    ours["forward_backward"]()
    theirs["forward_backward"]()
    default_threads = torch.get_num_threads()
    for threads in (1, default_threads):
        torch.set_num_threads(threads)
        print(f"-- torch threads: {threads} (ember: NumPy BLAS at {os.environ['OPENBLAS_NUM_THREADS']} thread)")
        for name, target in (("train_step", "(target <= 1.05x at 1 thread)"), ("forward_no_grad", ""),
                             ("forward_backward", ""), ("optimizer_step", "")):
            if name == "optimizer_step":
                ours["forward_backward"]()
                theirs["forward_backward"]()
            e, t = compare(name, ours[name], theirs[name], rounds=3, repeat=5)
            print_row(name, e, t, target if threads == 1 else "")


if __name__ == "__main__":
    main()
