"""LeNet-5 training step, ember vs torch side by side in one process.

Run: python benchmarks/bench_lenet.py

The model is LeNet-5 on 28x28 inputs: conv 1->6 5x5, ReLU, 2x2 max-pool, conv 6->16
5x5, ReLU, 2x2 max-pool, fc 256->120->84->10, trained with plain SGD on a batch of 64
with cross-entropy.  The whole step (zero_grad, forward, loss, backward, step) and its
parts are timed best-of-N, interleaved, and printed with the ratio ember/torch (lower
is better).  NumPy's BLAS is pinned to one thread (set before NumPy loads), and torch
runs at 1 thread and then at its default thread count.  The target is a full step at
<= 1.5x torch's time at 1 thread.

With both frameworks on one thread the clock is the thread's CPU time, so that other
processes sharing the machine do not blur the comparison; with torch's default thread
count it is wall time.
"""

from __future__ import annotations

import os
import sys
import time

# NumPy's OpenBLAS reads this when it loads (torch does not: it is set per run below).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import classifier_workloads, compare, max_loss_difference, print_row

BATCH = 64


def make_data(seed: int = 0):
    """Identical initial weights (torch's default init, drawn once) and a batch."""
    import torch

    torch.manual_seed(seed)
    state = {k: v.detach().numpy().copy() for k, v in _lenet(torch).state_dict().items()}
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    return state, x, y


def _lenet(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def build(m, data):
    """The model, optimizer and workloads of one framework, with identical weights."""
    state, x_np, y_np = data
    model = _lenet(m)
    model.load_state_dict({k: m.tensor(v) for k, v in state.items()})
    opt = m.optim.SGD(model.parameters(), lr=0.01)
    x, y = m.tensor(x_np), m.tensor(y_np)
    workloads = classifier_workloads(m, model, opt, x, y)

    conv1, conv2 = model[0], model[3]
    h1 = model[:3](x).detach()

    def conv_layers_forward_backward():
        # the two conv blocks alone: conv1 (input needs no grad), then conv2 (needs both)
        conv2(m.nn.functional.max_pool2d(conv1(x).relu(), 2)).sum().backward()

    def conv2_forward_backward():
        conv2(h1.requires_grad_()).sum().backward()

    return {
        **workloads,
        "conv_blocks_forward_backward": conv_layers_forward_backward,
        "conv2_forward_backward": conv2_forward_backward,
    }


def check_same_losses(ember, torch, data, steps: int = 5) -> float:
    """Both frameworks train identically: the largest relative loss difference over a few steps."""
    return max_loss_difference(build(ember, data), build(torch, data), steps)


def main() -> None:
    import torch

    import ember

    data = make_data()
    print(f"LeNet-5 (conv 1-6-16 5x5, max-pool 2, fc 256-120-84-10), SGD, batch {BATCH}, 28x28, cross-entropy")
    print(f"ember keeps freed memory for reuse (ember/_allocator.py): {ember._allocator.TUNED}")
    print(f"loss agreement over 5 steps: max relative difference {check_same_losses(ember, torch, data):.2e}")
    ours = build(ember, data)
    theirs = build(torch, data)
    ours["forward_backward"]()  # gradients must exist for the optimizer-only timing
    theirs["forward_backward"]()
    default_threads = torch.get_num_threads()
    for threads in dict.fromkeys((1, default_threads)):
        torch.set_num_threads(threads)
        single = threads == 1 and os.environ["OPENBLAS_NUM_THREADS"] == "1"
        clock = time.thread_time if single else time.perf_counter
        print(
            f"-- torch threads: {threads} (ember: NumPy BLAS at {os.environ['OPENBLAS_NUM_THREADS']} thread); "
            f"clock: {'thread CPU time' if single else 'wall time'}"
        )
        for name in ours:
            target = "(target <= 1.5x at 1 thread)" if name == "train_step" and threads == 1 else ""
            e, t = compare(name, ours[name], theirs[name], repeat=5, clock=clock)
            print_row(name, e, t, target)


if __name__ == "__main__":
    main()
