"""The seed's three snippets, complete: tensor ops, a 10-20-10 network, a DataLoader loop.

Everything below is plain PyTorch code; the only change is the import line.

Run:  python examples/seed_examples.py            (python examples/seed_examples.py --quick)
"""

import argparse

import ember as torch
import ember.nn.functional as F
from ember import nn, optim
from ember.utils.data import DataLoader, TensorDataset


def tensor_ops() -> None:
    """1. Tensors, broadcasting, matrix products and autograd."""
    print("== 1. tensor operations and autograd ==")
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.ones(2, 2)
    print("a + b =", a + b)
    print("a @ b =", a @ b)
    print("a * 10 (broadcast) =", a * 10)
    print("mean of each row:", a.mean(dim=1))
    print("reshape to (4,):", a.reshape(4))

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()  # y = x1^2 + x2^2 + x3^2
    y.backward()
    print("x.grad (dy/dx = 2x):", x.grad)

    w = torch.randn(3, 2, requires_grad=True)
    out = torch.relu(torch.randn(4, 3) @ w).sum()
    out.backward()
    print("grad_fn of the output:", out.grad_fn.name(), "| w.grad shape:", tuple(w.grad.shape))


class Net(nn.Module):
    """The seed's small network: 10 inputs, 20 hidden units, 10 outputs."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def train_net(steps: int) -> float:
    """2. The Net fitted to a fixed random target with MSELoss and SGD."""
    print("== 2. a 10-20-10 Net trained with MSELoss and SGD ==")
    net = Net()
    print(net)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)

    inputs = torch.randn(64, 10)
    # A target the network can learn: a fixed linear map of the inputs.
    target = inputs @ torch.randn(10, 10) * 0.5

    first = None
    for step in range(steps):
        optimizer.zero_grad()
        output = net(inputs)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    print(f"loss went from {first:.4f} to {loss.item():.4f}")
    return loss.item()


def dataloader_loop(epochs: int) -> float:
    """3. The TensorDataset / DataLoader loop: mini-batches, shuffling, an epoch loop."""
    print("== 3. TensorDataset + DataLoader training loop ==")
    features = torch.randn(512, 10)
    true_w = torch.randn(10, 1)
    labels = features @ true_w + 0.1 * torch.randn(512, 1)

    dataset = TensorDataset(features, labels)
    loader = DataLoader(dataset, batch_size=32, shuffle=True)

    model = nn.Linear(10, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()

    for epoch in range(epochs):
        total = 0.0
        for batch_x, batch_y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
        print(f"epoch {epoch + 1}: mean loss {total / len(dataset):.4f}")
    error = (model.weight.detach().t() - true_w).abs().max().item()
    print(f"largest error in the learned weights: {error:.3f}")
    return total / len(dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (for CI)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    tensor_ops()
    net_loss = train_net(steps=50 if args.quick else 300)
    loader_loss = dataloader_loop(epochs=3 if args.quick else 10)
    # A run that did not learn is a failed run: the tests rely on the exit status.
    if net_loss > 0.5 or loader_loss > 0.1:
        raise SystemExit(f"training did not converge (net loss {net_loss:.3f}, loader loss {loader_loss:.3f})")
    print("done")


if __name__ == "__main__":
    main()
