"""Hogwild training: several processes update one model in shared memory, lock-free.

Run:
    python examples/hogwild.py            # 4 processes, 6 epochs each
    python examples/hogwild.py --quick    # 2 processes, 2 epochs

The model's parameters are moved to shared memory (``model.share_memory()``); each worker
process gets the same model object, builds its own optimizer over those parameters and
trains on its own shuffle of the bundled digits.  Every optimizer step writes straight
into the shared memory, so each worker trains on the others' progress, as in PyTorch's
mnist_hogwild example.  The main process then evaluates the shared model.
"""

import argparse

import ember as torch
import ember.multiprocessing as mp
import ember.nn.functional as F
from ember import nn
from ember.utils.data import DataLoader, TensorDataset
from ember.vision.datasets import Digits


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def load(train: bool) -> TensorDataset:
    digits = Digits(train=train)
    return TensorDataset(digits.data.float().div(255.0).reshape(len(digits), 64), digits.targets)


def train(rank: int, model: Net, epochs: int, lr: float) -> None:
    torch.manual_seed(1 + rank)  # each worker shuffles differently
    loader = DataLoader(load(train=True), batch_size=32, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.5)
    for _ in range(epochs):
        for images, labels in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()  # in place, into the shared parameters


def accuracy(model: Net) -> float:
    images, labels = load(train=False).tensors
    with torch.no_grad():
        return (model(images).argmax(1) == labels).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=6, help="per process")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--start-method", default="fork", choices=mp.get_all_start_methods())
    parser.add_argument("--quick", action="store_true", help="2 processes, 2 epochs")
    args = parser.parse_args()
    if args.quick:
        args.processes, args.epochs = 2, 2

    torch.manual_seed(0)
    model = Net()
    model.share_memory()  # gradients are allocated per process; the parameters are shared
    print(f"before training: test accuracy {accuracy(model):.3f}")
    context = mp.get_context(args.start_method)
    workers = [context.Process(target=train, args=(rank, model, args.epochs, args.lr))
               for rank in range(args.processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"worker {worker.name} failed with exit code {worker.exitcode}")
    final = accuracy(model)
    print(f"after {args.processes} processes x {args.epochs} epochs of Hogwild: test accuracy {final:.3f}")
    if final < 0.8:
        raise SystemExit(f"the shared model did not learn (accuracy {final:.3f})")


if __name__ == "__main__":
    main()
