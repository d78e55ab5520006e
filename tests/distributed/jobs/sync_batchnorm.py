"""SyncBatchNorm on 2 ranks, each holding part of a batch, against one process on the whole batch.

Run by tests/distributed/test_mpi_sync_batchnorm.py under ``mpiexec -n 2``.  Every rank
builds the same full batch from fixed seeds and takes its slice of it, so it can compute
what one BatchNorm (ember's and torch's) does on the whole batch and compare its slice.
Weight and bias gradients are per rank; summed over ranks they must equal the full-batch
gradients (and DistributedDataParallel's average equals the full-batch gradient of the
mean loss).  Prints ``SYNCBN OK rank R`` at the end.
"""

import numpy as np
import torch

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP


def close(name, got, want, tol=1e-10):
    got = got.detach().numpy() if isinstance(got, (ember.Tensor, torch.Tensor)) else np.asarray(got)
    want = want.detach().numpy() if isinstance(want, (ember.Tensor, torch.Tensor)) else np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=name)


def summed_over_ranks(t, group=None):
    total = t.detach().clone()
    dist.all_reduce(total, group=group)
    return total


def check_module_against_full_batch(rank, shape, split, momentum, group=None, steps=2):
    """Each rank runs its rows ``split[rank]`` of the batch; compare with the full batch."""
    channels = shape[1]
    rows = slice(sum(split[:rank]), sum(split[: rank + 1]))
    rng = np.random.default_rng(sum(shape) + len(shape))
    weight, bias = rng.standard_normal(channels) + 1.5, rng.standard_normal(channels)
    batchnorm = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d, 5: nn.BatchNorm3d}[len(shape)]
    torch_batchnorm = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d,
                       5: torch.nn.BatchNorm3d}[len(shape)]
    sync = nn.SyncBatchNorm(channels, momentum=momentum, process_group=group).double()
    single = batchnorm(channels, momentum=momentum).double()
    oracle = torch_batchnorm(channels, momentum=momentum).double()
    with ember.no_grad():
        for m in (sync, single):
            m.weight.copy_(ember.tensor(weight))
            m.bias.copy_(ember.tensor(bias))
    with torch.no_grad():
        oracle.weight.copy_(torch.tensor(weight))
        oracle.bias.copy_(torch.tensor(bias))
    for step in range(steps):
        full = rng.standard_normal(shape) * (step + 2) + step
        upstream = rng.standard_normal(shape)
        mine = ember.tensor(full[rows], requires_grad=True)
        whole = ember.tensor(full, requires_grad=True)
        whole_torch = torch.tensor(full, requires_grad=True)
        for m in (sync, single, oracle):
            m.zero_grad()
        out = sync(mine)
        out.backward(ember.tensor(upstream[rows]))
        ref = single(whole)
        ref.backward(ember.tensor(upstream))
        ref_torch = oracle(whole_torch)
        ref_torch.backward(torch.tensor(upstream))
        what = f"{shape} split {split} step {step}"
        close(f"output {what}", out, ref.detach().numpy()[rows])
        close(f"output vs torch {what}", out, ref_torch.detach().numpy()[rows])
        close(f"input grad {what}", mine.grad, whole.grad.numpy()[rows], 1e-9)
        close(f"input grad vs torch {what}", mine.grad, whole_torch.grad.numpy()[rows], 1e-9)
        close(f"weight grad summed over ranks {what}", summed_over_ranks(sync.weight.grad, group), single.weight.grad, 1e-9)
        close(f"bias grad summed over ranks {what}", summed_over_ranks(sync.bias.grad, group), single.bias.grad, 1e-9)
        close(f"weight grad vs torch {what}", summed_over_ranks(sync.weight.grad, group), oracle.weight.grad, 1e-9)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            close(f"{name} {what}", getattr(sync, name), getattr(single, name))
            close(f"{name} vs torch {what}", getattr(sync, name), getattr(oracle, name))
    # evaluation mode: running statistics, no collective (a rank-local batch of one row works)
    sync.eval()
    single.eval()
    lone = ember.tensor(rng.standard_normal((1,) + shape[1:]))
    close(f"eval {shape}", sync(lone), single(lone))


def make_net(seed):
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 3), nn.BatchNorm1d(3)).double()


def check_ddp_training_matches_one_process(rank, world):
    """convert_sync_batchnorm + DDP (gradients averaged): two SGD steps == the full batch in one process."""
    reference = make_net(0)
    model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(make_net(0)))
    assert type(model.module[1]).__name__ == "SyncBatchNorm"
    ref_opt = ember.optim.SGD(reference.parameters(), lr=0.5)
    opt = ember.optim.SGD(model.parameters(), lr=0.5)
    rng = np.random.default_rng(7)
    for _ in range(2):
        x = ember.tensor(rng.standard_normal((8, 5)) * 2 + 1)
        target = ember.tensor(rng.standard_normal((8, 3)))
        ref_opt.zero_grad()
        ((reference(x) - target) ** 2).mean().backward()
        ref_opt.step()
        opt.zero_grad()
        part = slice(4 * rank, 4 * rank + 4)
        ((model(x[part]) - target[part]) ** 2).mean().backward()  # DDP averages over the ranks
        opt.step()
    for (name, p), q in zip(model.module.state_dict().items(), reference.state_dict().values()):
        close(f"DDP {name}", p, q, 1e-9)


def main():
    dist.init_process_group("mpi", timeout=60)
    rank, world = dist.get_rank(), dist.get_world_size()
    assert world == 2, world
    check_module_against_full_batch(rank, (6, 3), (3, 3), 0.1)
    check_module_against_full_batch(rank, (8, 3, 5), (3, 5), None)  # unequal parts: counts matter
    check_module_against_full_batch(rank, (4, 2, 3, 3), (2, 2), 0.3, group=dist.new_group([0, 1]))
    check_module_against_full_batch(rank, (3, 2, 2, 2, 2), (1, 2), 0.1)
    check_module_against_full_batch(rank, (2, 4), (1, 1), 0.1, steps=1)  # one row per rank: 2 in all
    check_ddp_training_matches_one_process(rank, world)
    dist.destroy_process_group()
    print(f"SYNCBN OK rank {rank}", flush=True)


if __name__ == "__main__":
    main()
