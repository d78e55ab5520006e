"""Helpers shared by the benchmarks: interleaved runs, best-of-N, ratio tables, and the
training workloads of a classifier."""

from __future__ import annotations

import time


def best_time(fn, repeat: int = 7, number: int | None = None, min_time: float = 0.05,
              clock=time.perf_counter) -> float:
    """Best per-call time in seconds over ``repeat`` rounds of ``number`` calls.

    ``number`` is chosen so one round lasts about ``min_time`` on ``clock`` unless given.
    """
    fn()  # warm up
    if number is None:
        number = 1
        while True:
            t0 = clock()
            for _ in range(number):
                fn()
            if clock() - t0 >= min_time:
                break
            number *= 2
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - t0) / number)
    return best


def compare(name: str, ember_fn, torch_fn, rounds: int = 3, **kwargs) -> tuple[float, float]:
    """Time two workloads interleaved (so machine noise hits both alike); best of rounds."""
    e_best = t_best = float("inf")
    for _ in range(rounds):
        e_best = min(e_best, best_time(ember_fn, **kwargs))
        t_best = min(t_best, best_time(torch_fn, **kwargs))
    return e_best, t_best


def classifier_workloads(m, model, opt, x, y) -> dict:
    """The timed workloads of a classifier trained with cross-entropy, for either framework ``m``."""
    F = m.nn.functional

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def forward_backward():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()

    def forward_no_grad():
        with m.no_grad():
            F.cross_entropy(model(x), y)

    return {"train_step": train_step, "forward_backward": forward_backward,
            "forward_no_grad": forward_no_grad, "optimizer_step": opt.step}


def max_loss_difference(ours: dict, theirs: dict, steps: int = 5) -> float:
    """Train both frameworks' workloads side by side: the largest relative loss difference."""
    worst = 0.0
    for _ in range(steps):
        le, lt = ours["train_step"]().item(), theirs["train_step"]().item()
        worst = max(worst, abs(le - lt) / abs(lt))
    return worst


def print_row(name: str, ember_s: float, torch_s: float | None, target: str = "") -> None:
    if torch_s is None:
        print(f"{name:<44} ember {ember_s * 1e3:9.4f} ms")
        return
    ratio = ember_s / torch_s
    print(f"{name:<44} ember {ember_s * 1e3:9.4f} ms  torch {torch_s * 1e3:9.4f} ms  ratio {ratio:5.2f}x {target}")
