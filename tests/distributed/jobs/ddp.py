"""DistributedDataParallel on 2 ranks against one process on the full batch (float64).

Run by tests/distributed/test_mpi_ddp.py through ``python -m ember.distributed.run
--nproc-per-node 2``.  The data reaches each rank through a DataLoader with two worker
processes and a DistributedSampler, so this also checks that loader workers and MPI
coexist.  Prints ``DDP OK rank R`` at the end.
"""

import multiprocessing
import os

import numpy as np

import ember
import ember.distributed as dist
import ember.nn.functional as F
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.data.distributed import DistributedSampler

SAMPLES, FEATURES, CLASSES, PER_RANK_BATCH = 48, 6, 3, 4


def make_model(seed):
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(FEATURES, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, CLASSES)).double()


def max_difference(a, b):
    return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


def check_training_matches_one_process(r, n, X, Y):
    """N steps of DDP (data through loader workers) == the same steps on the full batch."""
    reference = make_model(0)
    ref_opt = ember.optim.SGD(reference.parameters(), lr=0.2, momentum=0.9)
    model = DDP(make_model(0 if r == 0 else 7 + r), bucket_cap_mb=0.0005)  # several buckets
    assert len(model._buckets) > 1
    assert max_difference(model.module, reference) == 0.0, "construction must broadcast rank 0's parameters"
    opt = ember.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    sampler = DistributedSampler(TensorDataset(X, Y), shuffle=False)
    loader = DataLoader(TensorDataset(X, Y), batch_size=PER_RANK_BATCH, sampler=sampler, num_workers=2)
    global_batch = PER_RANK_BATCH * n
    steps = 0
    for epoch in range(2):
        sampler.set_epoch(epoch)
        for step, (x, y) in enumerate(loader):
            # rank r's batch is rows r, r+n, r+2n, ...: together the ranks cover this global batch
            rows = slice(step * global_batch, (step + 1) * global_batch)
            assert ember.equal(x, X[rows][r::n])
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            ref_opt.zero_grad()
            F.cross_entropy(reference(X[rows]), Y[rows]).backward()
            ref_opt.step()
            steps += 1
    assert steps == 2 * SAMPLES // global_batch
    difference = max_difference(model.module, reference)
    assert difference < 1e-12, difference
    assert multiprocessing.get_start_method() == "forkserver"
    keys = list(model.state_dict())
    assert keys == ["module." + k for k in reference.state_dict()], keys


def check_no_sync_accumulates_then_averages(r, n, X, Y):
    model = DDP(make_model(1))
    reference = make_model(1)
    halves = [slice(0, 8), slice(8, 16)]
    with model.no_sync():
        F.cross_entropy(model(X[halves[0]][r::n]), Y[halves[0]][r::n]).backward()
    local = [p.grad.clone() for p in model.parameters()]
    everyone = [ember.zeros_like(local[0]) for _ in range(n)]
    dist.all_gather(everyone, local[0])
    assert not all(ember.equal(everyone[0], e) for e in everyone[1:]), "no_sync must not communicate"
    F.cross_entropy(model(X[halves[1]][r::n]), Y[halves[1]][r::n]).backward()
    for half in halves:
        F.cross_entropy(reference(X[half]), Y[half]).backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert float((p.grad - q.grad).abs().max()) < 1e-12


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(FEATURES, 8)
        self.head = nn.Linear(8, CLASSES)
        self.extra = nn.Linear(8, CLASSES)
        self.never = nn.Linear(8, CLASSES)

    def forward(self, x, use_extra):
        h = self.body(x).tanh()
        return self.head(h) + self.extra(h) if use_extra else self.head(h)


def check_unused_parameters(r, n, X, Y):
    ember.manual_seed(3)
    plain = DDP(TwoHeads().double())
    try:
        F.cross_entropy(plain(X[:4], use_extra=False), Y[:4]).backward()
    except RuntimeError as exc:
        message = str(exc)
        for name in ("module.extra.weight", "extra.bias", "never.weight", "never.bias"):
            assert name.replace("module.", "") in message, message
        assert "find_unused_parameters=True" in message, message
        assert "head.weight" not in message, message
    else:
        raise AssertionError("a parameter without gradient must be reported")

    ember.manual_seed(3)
    model = DDP(TwoHeads().double(), find_unused_parameters=True)
    ember.manual_seed(3)
    reference = TwoHeads().double()
    # rank 0 uses the extra head, the others do not: extra is used globally, never is not
    F.cross_entropy(model(X[:4], use_extra=(r == 0)), Y[:4]).backward()
    losses = [F.cross_entropy(reference(X[:4], use_extra=(k == 0)), Y[:4]) for k in range(n)]
    (sum(losses) / n).backward()
    for (name, p), q in zip(model.module.named_parameters(), reference.parameters()):
        if name.startswith("never"):
            assert p.grad is None, name
        else:
            assert float((p.grad - q.grad).abs().max()) < 1e-12, name
    for _ in range(2):  # later iterations work the same
        model.zero_grad()
        F.cross_entropy(model(X[:4], use_extra=(r == 0)), Y[:4]).backward()


def check_gradient_as_bucket_view_and_buffers(r, n, X, Y):
    model = DDP(make_model(2), gradient_as_bucket_view=True)
    reference = make_model(2)
    for step in range(2):
        model.zero_grad(set_to_none=False)
        reference.zero_grad()
        F.cross_entropy(model(X[:8][r::n]), Y[:8][r::n]).backward()
        F.cross_entropy(reference(X[:8]), Y[:8]).backward()
        for p, q in zip(model.parameters(), reference.parameters()):
            assert float((p.grad - q.grad).abs().max()) < 1e-12
    bucket_buffers = [b.buffer for b in model._buckets]
    assert all(any(np.shares_memory(p.grad.numpy(), buf) for buf in bucket_buffers) for p in model.parameters())

    net = nn.Linear(FEATURES, 2).double()
    net.register_buffer("running", ember.full((2,), float(r)))
    synced = DDP(net)
    net.running.fill_(float(10 + r))  # ranks drift apart...
    synced(X[:2])
    assert net.running.tolist() == [10.0, 10.0]  # ...forward broadcasts rank 0's buffers


def main():
    # torchrun's variables are there before init_process_group, as scripts expect
    r, n = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    assert os.environ["LOCAL_RANK"] == str(r) and os.environ["TORCHELASTIC_RUN_ID"]
    dist.init_process_group("gloo", timeout=60)  # a torch script's backend name runs on MPI
    assert (dist.get_rank(), dist.get_world_size()) == (r, n)
    rng = np.random.default_rng(0)
    X = ember.tensor(rng.standard_normal((SAMPLES, FEATURES)))
    Y = ember.tensor(rng.integers(0, CLASSES, SAMPLES))
    check_training_matches_one_process(r, n, X, Y)
    check_no_sync_accumulates_then_averages(r, n, X, Y)
    check_unused_parameters(r, n, X, Y)
    check_gradient_as_bucket_view_and_buffers(r, n, X, Y)
    dist.destroy_process_group()
    print(f"DDP OK rank {r}", flush=True)


if __name__ == "__main__":
    main()
