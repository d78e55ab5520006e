"""GPT training step, ember vs torch side by side in one process.

Run: python benchmarks/bench_gpt.py [--gelu tanh] [--cpu-time]

A character-level GPT as minimal GPT implementations write it (token and position
embeddings, pre-norm blocks of causal self-attention through
``F.scaled_dot_product_attention(is_causal=True)`` and a GELU MLP, a final LayerNorm and
an untied head): vocabulary 65, block size 64, 4 layers, 4 heads, d_model 128, batch 32,
cross-entropy, AdamW.  The model is written once against the torch API; ``build(m)``
instantiates it with ``m = ember`` or ``m = torch`` and identical weights.  The whole
step (zero_grad, forward, loss, backward, AdamW step) and its parts are timed best-of-N,
interleaved, with the ratio ember/torch (lower is better).  NumPy's BLAS is pinned to one
thread (set before NumPy loads); torch runs at 1 thread and then at its default count.
The target is a full step at <= 1.3x torch's time at 1 thread.

``--cpu-time`` times with the process's CPU time instead of the wall clock, at 1 thread
only: on a machine shared with other work the wall clock counts time spent waiting
for a core, CPU time does not (both frameworks are single-threaded then).
"""

from __future__ import annotations

import os
import sys
import time

# NumPy's OpenBLAS reads this when it loads (torch does not: it is set per run below).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, print_row

VOCAB, BLOCK, LAYERS, HEADS, D_MODEL, BATCH = 65, 64, 4, 4, 128, 32
# ``--gelu tanh`` runs both frameworks with GELU(approximate="tanh") instead (a diagnostic:
# it takes ember's exact-erf GELU, its slowest op here, out of the comparison).
GELU_APPROXIMATE = sys.argv[sys.argv.index("--gelu") + 1] if "--gelu" in sys.argv else "none"
CPU_TIME = "--cpu-time" in sys.argv


def cpu_compare(ember_fn, torch_fn, rounds: int = 3, repeat: int = 5) -> tuple[float, float]:
    """Best per-call process CPU time of each workload, interleaved."""
    def best(fn):
        fn()
        result = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            result = min(result, time.process_time() - t0)
        return result

    e_best = t_best = float("inf")
    for _ in range(rounds):
        e_best = min(e_best, best(ember_fn))
        t_best = min(t_best, best(torch_fn))
    return e_best, t_best


def make_model_class(m):
    """The GPT, written once against the torch API of module ``m``."""
    nn, F = m.nn, m.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(D_MODEL, 3 * D_MODEL)
            self.c_proj = nn.Linear(D_MODEL, D_MODEL)

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(D_MODEL, dim=2)
            q = q.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            k = k.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            v = v.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(D_MODEL)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(D_MODEL)
            self.mlp = nn.Sequential(nn.Linear(D_MODEL, 4 * D_MODEL), nn.GELU(approximate=GELU_APPROXIMATE),
                                     nn.Linear(4 * D_MODEL, D_MODEL))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, D_MODEL)
            self.wpe = nn.Embedding(BLOCK, D_MODEL)
            self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
            self.ln_f = nn.LayerNorm(D_MODEL)
            self.lm_head = nn.Linear(D_MODEL, VOCAB, bias=False)

        def forward(self, idx, targets):
            T = idx.size(1)
            pos = m.arange(T)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.blocks:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))

    return GPT


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, VOCAB, (BATCH, BLOCK + 1)).astype(np.int64)
    return idx[:, :-1].copy(), idx[:, 1:].copy()


def build(m, data, reference=None):
    """Model, optimizer and step functions of one framework (weights copied from ``reference``)."""
    m.manual_seed(0)
    model = make_model_class(m)()
    if reference is not None:
        with m.no_grad():
            for p, (name, ref) in zip(model.parameters(), reference.named_parameters()):
                p.copy_(m.tensor(ref.detach().numpy().copy()))
    opt = m.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = m.tensor(data[0]), m.tensor(data[1])

    def train_step():
        opt.zero_grad()
        loss = model(x, y)
        loss.backward()
        opt.step()
        return loss

    def forward_backward():
        opt.zero_grad()
        model(x, y).backward()

    def forward_no_grad():
        with m.no_grad():
            model(x, y)

    return model, {"train_step": train_step, "forward_no_grad": forward_no_grad,
                   "forward_backward": forward_backward, "optimizer_step": opt.step}


def check_same_losses(ember, torch, data, steps: int = 3) -> float:
    """Both frameworks train identically: the largest relative loss difference over a few steps."""
    tmodel, t = build(torch, data)
    _, e = build(ember, data, reference=tmodel)
    worst = 0.0
    for _ in range(steps):
        le, lt = e["train_step"]().item(), t["train_step"]().item()
        worst = max(worst, abs(le - lt) / abs(lt))
    return worst


def main() -> None:
    import torch

    import ember

    data = make_data()
    print(f"GPT vocab {VOCAB}, block {BLOCK}, {LAYERS} layers, {HEADS} heads, d_model {D_MODEL}, batch {BATCH}, "
          f"GELU(approximate={GELU_APPROXIMATE!r}), AdamW, cross-entropy")
    print(f"loss agreement over 3 steps: max relative difference {check_same_losses(ember, torch, data):.2e}")
    tmodel, theirs = build(torch, data)
    _, ours = build(ember, data, reference=tmodel)
    ours["forward_backward"]()
    theirs["forward_backward"]()
    default_threads = torch.get_num_threads()
    for threads in (1,) if CPU_TIME else (1, default_threads):
        torch.set_num_threads(threads)
        clock = "process CPU time" if CPU_TIME else "wall clock"
        print(f"-- torch threads: {threads} (ember: NumPy BLAS at {os.environ['OPENBLAS_NUM_THREADS']} thread), {clock}")
        for name, target in (("train_step", "(target <= 1.3x at 1 thread)"), ("forward_no_grad", ""),
                             ("forward_backward", ""), ("optimizer_step", "")):
            if name == "optimizer_step":
                ours["forward_backward"]()
                theirs["forward_backward"]()
            if CPU_TIME:
                e, t = cpu_compare(ours[name], theirs[name])
            else:
                e, t = compare(name, ours[name], theirs[name], rounds=2, repeat=3, min_time=0.2)
            print_row(name, e, t, target if threads == 1 else "")


if __name__ == "__main__":
    main()
