"""Data-parallel training of an MLP on the bundled 8x8 digits, written as a PyTorch DDP script.

Run (2 ranks on this machine):
    python -m ember.distributed.run --nproc-per-node 2 examples/ddp_train.py
    python -m ember.distributed.run --nproc-per-node 2 examples/ddp_train.py --quick
or, equally, with MPI's own launcher:
    mpiexec -n 2 python examples/ddp_train.py --quick

Each rank reads its share of the training set (DistributedSampler) through a DataLoader
with worker processes, DistributedDataParallel averages the gradients during backward,
and rank 0 evaluates and prints.  Apart from the first import this is plain PyTorch code.
"""

import argparse
import os
import time

import ember as torch
import ember.distributed as dist
import ember.nn.functional as F
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, TensorDataset
from ember.utils.data.distributed import DistributedSampler
from ember.vision.datasets import Digits


def load(train: bool) -> TensorDataset:
    digits = Digits(train=train)
    images = digits.data.float().div(255.0).reshape(len(digits), 64)
    return TensorDataset(images, digits.targets)


def evaluate(model, dataset) -> float:
    model.eval()
    with torch.no_grad():
        images, labels = dataset.tensors
        accuracy = (model(images).argmax(1) == labels).float().mean().item()
    model.train()
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32, help="per rank")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes per rank")
    parser.add_argument("--quick", action="store_true", help="a few epochs, for a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.epochs = 4

    dist.init_process_group(backend="mpi")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ["LOCAL_RANK"])

    torch.manual_seed(0)  # DDP broadcasts rank 0's initial weights anyway
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    model = DDP(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    train_set, test_set = load(train=True), load(train=False)
    sampler = DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, num_workers=args.workers,
                        persistent_workers=args.workers > 0)
    if rank == 0:
        print(f"{world_size} ranks, {len(sampler)} samples per rank per epoch, "
              f"global batch {args.batch_size * world_size}, {args.workers} loader workers per rank "
              f"(rank 0 is local rank {local_rank})")

    start = time.perf_counter()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle every epoch, the same on every rank
        total, batches = torch.zeros(()), 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()  # gradients are averaged over the ranks here
            optimizer.step()
            total += loss.detach()
            batches += 1
        mean_loss = total / batches
        dist.all_reduce(mean_loss, op=dist.ReduceOp.AVG)
        if rank == 0:
            print(f"epoch {epoch + 1:2d}  loss {mean_loss.item():.4f}  test accuracy {evaluate(model.module, test_set):.3f}")
    elapsed = time.perf_counter() - start
    if rank == 0:
        accuracy = evaluate(model.module, test_set)
        print(f"done in {elapsed:.1f} s: test accuracy {accuracy:.3f}")
        if not args.quick and accuracy < 0.9:
            raise SystemExit(f"accuracy {accuracy:.3f} is below the expected 0.9")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
