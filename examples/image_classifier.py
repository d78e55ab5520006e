"""Image recognition: a CNN on Fashion-MNIST (or the bundled 8x8 digits when it is absent).

The model, the training loop, the optimizer and the checkpoint are plain PyTorch code
through `import ember as torch`.  The data comes from `ember.vision`, which follows
torchvision's API: with PyTorch, `from torchvision import datasets, transforms` in
`load_datasets` is the only line to change (the bundled `Digits` set is ember's own).

Fashion-MNIST: Debian/Ubuntu's `apt-get install dataset-fashion-mnist` puts the IDX files
in /usr/share/datasets/fashion-mnist; `--data DIR` points elsewhere.

Run:  python examples/image_classifier.py [--epochs 2] [--limit 20000] [--workers 2]
      python examples/image_classifier.py --quick
"""

import argparse
import os
import time

import ember as torch
import ember.nn.functional as F
from ember import nn
from ember.utils.data import DataLoader, Subset

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- data (ember.vision)


def load_datasets(data_dir, limit):
    """(train, test, image size, class names) with torchvision-style transforms."""
    from ember.vision import datasets, transforms  # torchvision: from torchvision import ...

    have_fashion = data_dir is not None and os.path.exists(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) \
        or data_dir is not None and os.path.exists(os.path.join(data_dir, "train-labels-idx1-ubyte"))
    if have_fashion:
        # mean/std of the Fashion-MNIST training pixels
        normalize = transforms.Normalize((0.2860,), (0.3530,))
        train_tf = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize])
        test_tf = transforms.Compose([transforms.ToTensor(), normalize])
        train = datasets.FashionMNIST(data_dir, train=True, transform=train_tf)
        test = datasets.FashionMNIST(data_dir, train=False, transform=test_tf)
        name, size = f"Fashion-MNIST ({data_dir})", 28
    else:
        normalize = transforms.Normalize((0.3050,), (0.3827,))
        train_tf = transforms.Compose([transforms.ToTensor(), transforms.RandomCrop(8, padding=1), normalize])
        test_tf = transforms.Compose([transforms.ToTensor(), normalize])
        train = datasets.Digits(train=True, transform=train_tf)
        test = datasets.Digits(train=False, transform=test_tf)
        name, size = "bundled 8x8 digits (Fashion-MNIST not found)", 8
    classes = train.classes
    if limit is not None:
        train = Subset(train, range(min(limit, len(train))))
        test = Subset(test, range(min(max(limit // 2, 500), len(test))))
    print(f"data: {name}: {len(train)} training / {len(test)} test images")
    return train, test, size, classes


# ---------------------------------------------------------------- the torch-API part


class ConvNet(nn.Module):
    """conv-bn-relu x2 with pooling, then a two-layer classifier head."""

    def __init__(self, image_size: int, num_classes: int = 10):
        super().__init__()
        self.pool_early = image_size >= 16  # 28x28 images pool twice, 8x8 digits once
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        side = image_size // 4 if self.pool_early else image_size // 2
        self.fc1 = nn.Linear(32 * side * side, 128)
        self.dropout = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.pool_early:
            x = F.max_pool2d(x, 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def train_epoch(model, loader, optimizer, scheduler):
    model.train()
    total, correct, count = 0.0, 0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * labels.size(0)
        correct += (logits.argmax(dim=1) == labels).sum().item()
        count += labels.size(0)
    return total / count, correct / count


@torch.no_grad()
def evaluate(model, loader, num_classes: int):
    model.eval()
    correct, count = 0, 0
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for images, labels in loader:
        predicted = model(images).argmax(dim=1)
        correct += (predicted == labels).sum().item()
        count += labels.size(0)
        confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    return correct / count, confusion


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=FASHION_MNIST_DIR, help="folder with Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="write the trained weights to this file")
    parser.add_argument("--quick", action="store_true", help="1 epoch on 1,000 images (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.limit, args.batch_size = 1, args.limit or 1000, 64

    torch.manual_seed(args.seed)
    train_set, test_set, image_size, classes = load_datasets(args.data, args.limit)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.workers)

    model = ConvNet(image_size, len(classes))
    print(model)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=5e-3, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))

    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss, acc = train_epoch(model, train_loader, optimizer, scheduler)
        test_acc, _ = evaluate(model, test_loader, len(classes))
        print(f"epoch {epoch}: train loss {loss:.4f} acc {acc:.3f}, test acc {test_acc:.3f} "
              f"({time.perf_counter() - start:.1f} s)")

    test_acc, confusion = evaluate(model, test_loader, len(classes))
    print("per-class test accuracy:")
    per_class = confusion.diag().float() / confusion.sum(dim=1).clamp(min=1).float()
    for name, value in zip(classes, per_class.tolist()):
        print(f"  {name:<12} {value:.3f}")
    if args.save:
        torch.save(model.state_dict(), args.save)
        model.load_state_dict(torch.load(args.save))
        print(f"weights saved to {args.save}")
    print(f"test accuracy: {test_acc:.3f}")


if __name__ == "__main__":
    main()
