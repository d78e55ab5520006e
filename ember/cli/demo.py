"""``ember demo``: train a small CNN on the bundled 8x8 digits, end to end.

What it shows, in the order a PyTorch user would write it: a train/validation split
with ``random_split``, normalization and augmentation in the DataLoader, a CNN, AdamW
with a one-cycle learning-rate schedule, a tqdm progress bar per epoch, a checkpoint
saved with ``ember.save`` and reloaded into a fresh model, a PNG of the training curves
(matplotlib, optional) and a picture of the model's computation graph.  The last line
printed is ``test accuracy: 0.XXX``.

With ``--data DIR`` it trains on Fashion-MNIST IDX files instead (28x28; Debian's
``dataset-fashion-mnist`` installs them in /usr/share/datasets/fashion-mnist).

Example:
    $ ember demo --epochs 12 --seed 0 --out ./ember-demo-out
"""

from __future__ import annotations

import os
import sys
import time

from ._args import OneLineParser, UsageError, fail, non_negative_int, positive_int

DEFAULT_OUT = "ember-demo-out"
DEFAULT_EPOCHS = 10
DIGITS_GOAL = 0.97


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="ember demo",
        description="Train a small CNN on the bundled 8x8 digits (or Fashion-MNIST with --data).",
    )
    parser.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS,
                        help=f"training epochs (default {DEFAULT_EPOCHS})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"where the checkpoint and pictures go (default ./{DEFAULT_OUT})")
    parser.add_argument("--data", metavar="PATH",
                        help="a folder with Fashion-MNIST IDX files (train-*/t10k-*, optionally .gz) "
                             "to train on instead of the bundled digits")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="use only N training images (and N/6 test images) for a quick run")
    parser.add_argument("--workers", type=non_negative_int, default=0, metavar="N",
                        help="DataLoader worker processes (default 0: load in the main process)")
    parser.add_argument("--batch-size", type=positive_int, default=64, metavar="N",
                        help="mini-batch size (default 64)")
    return parser


# --------------------------------------------------------------------------- data


class DataError(Exception):
    """The data files asked for are missing or unreadable (exit status 1)."""


class DemoData:
    """The three loaders plus what the model needs to know about the images."""

    def __init__(self, name, train, val, test, image_size, classes):
        self.name, self.train, self.val, self.test = name, train, val, test
        self.image_size, self.classes = image_size, classes


def _mean_std(images) -> tuple[float, float]:
    """Pixel mean and std of uint8 images, in the [0, 1] scale ``ToTensor`` gives."""
    pixels = images.float() / 255.0
    return float(pixels.mean()), float(pixels.std())


def _first(dataset, n):
    from ember.utils.data import Subset

    return dataset if n is None or n >= len(dataset) else Subset(dataset, list(range(n)))


def digits_augmentation():
    """Shifts by up to one pixel, small rotations and zooms: digits stay legible at 8x8."""
    from ember.vision import transforms as T

    return T.RandomAffine(degrees=12, translate=(0.125, 0.125), scale=(0.9, 1.1),
                          interpolation=T.InterpolationMode.BILINEAR)


def load_data(args) -> DemoData:
    """Datasets, the train/validation split and the DataLoaders (augmentation on train only)."""
    import ember
    from ember.utils.data import DataLoader, Subset, random_split
    from ember.vision import datasets
    from ember.vision import transforms as T

    if args.data is None:
        def make(train, transform):
            return datasets.Digits(train=train, transform=transform)
        name, size = "bundled 8x8 digits", 8
        augment = digits_augmentation()
    else:
        def make(train, transform):
            return datasets.FashionMNIST(args.data, train=train, transform=transform)
        name, size = f"Fashion-MNIST from {args.data}", 28
        augment = T.RandomAffine(degrees=0, translate=(0.08, 0.08))

    try:
        plain_train = make(True, None)
        make(False, None)
    except RuntimeError as e:  # the dataset's message lists where it looked
        raise DataError(f"--data {args.data}: {str(e).splitlines()[0]}") from None
    mean, std = _mean_std(plain_train.data)
    normalize = T.Normalize([mean], [std])
    train_tf = T.Compose([T.ToTensor(), augment, normalize])
    eval_tf = T.Compose([T.ToTensor(), normalize])

    # Split indices once; the training subset sees augmented images, validation plain ones.
    n_train = len(plain_train) if args.limit is None else min(args.limit, len(plain_train))
    generator = ember.Generator().manual_seed(args.seed)
    n_val = max(1, n_train // 10 if args.data else n_train * 15 // 100)
    train_part, val_part = random_split(range(n_train), [n_train - n_val, n_val], generator=generator)
    train_set = Subset(make(True, train_tf), list(train_part))
    val_set = Subset(make(True, eval_tf), list(val_part))
    test_full = make(False, eval_tf)
    test_set = _first(test_full, None if args.limit is None else max(1, args.limit // 6))

    loader_generator = ember.Generator().manual_seed(args.seed + 1)
    kwargs = {"batch_size": args.batch_size, "num_workers": args.workers,
              "persistent_workers": args.workers > 0}
    train = DataLoader(train_set, shuffle=True, drop_last=len(train_set) > args.batch_size,
                       generator=loader_generator, **kwargs)
    val = DataLoader(val_set, **kwargs)
    test = DataLoader(test_set, **kwargs)
    return DemoData(name, train, val, test, size, plain_train.classes)


# --------------------------------------------------------------------------- model


def build_model(image_size: int, n_classes: int = 10):
    """Two 3x3 convolutions, max pooling, a small classifier head.

    8x8 digits pool once (to 4x4); 28x28 images pool after each convolution (to 7x7).
    The layers are named so the graph picture says ``conv1.weight``, not ``0.weight``.
    """
    from collections import OrderedDict

    from ember import nn

    pool_twice = image_size >= 16
    layers = [("conv1", nn.Conv2d(1, 16, 3, padding=1)), ("bn1", nn.BatchNorm2d(16)), ("relu1", nn.ReLU())]
    if pool_twice:
        layers.append(("pool1", nn.MaxPool2d(2)))
    layers += [("conv2", nn.Conv2d(16, 32, 3, padding=1)), ("bn2", nn.BatchNorm2d(32)), ("relu2", nn.ReLU()),
               ("pool2", nn.MaxPool2d(2))]
    side = image_size // 4 if pool_twice else image_size // 2
    layers += [("flatten", nn.Flatten()), ("fc1", nn.Linear(32 * side * side, 128)), ("relu3", nn.ReLU()),
               ("dropout", nn.Dropout(0.25)), ("fc2", nn.Linear(128, n_classes))]
    return nn.Sequential(OrderedDict(layers))


# --------------------------------------------------------------------------- training


def train_one_epoch(model, loader, optimizer, scheduler, desc: str) -> tuple[float, float]:
    """One pass over ``loader`` with a progress bar; returns (mean loss, accuracy)."""
    from tqdm import tqdm

    import ember
    import ember.nn.functional as F

    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    with tqdm(loader, desc=desc, unit="batch", leave=True, dynamic_ncols=True, file=sys.stderr) as bar:
        for images, labels in bar:
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            with ember.no_grad():
                n = labels.shape[0]
                total_loss += loss.item() * n
                correct += int((logits.argmax(1) == labels).sum())
                seen += n
            bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
    return total_loss / max(seen, 1), correct / max(seen, 1)


def evaluate(model, loader) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` over ``loader`` in eval mode, without a graph."""
    import ember
    import ember.nn.functional as F

    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with ember.no_grad():
        for images, labels in loader:
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += int((logits.argmax(1) == labels).sum())
            seen += labels.shape[0]
    return total_loss / max(seen, 1), correct / max(seen, 1)


def save_and_reload(model, optimizer, args, data, epochs_done: int, path: str):
    """Checkpoint with ``ember.save``; a fresh model and optimizer restored with ``ember.load``."""
    import ember

    ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epochs_done, "seed": args.seed, "image_size": data.image_size}, path)
    checkpoint = ember.load(path)
    fresh = build_model(checkpoint["image_size"], len(data.classes))
    fresh.load_state_dict(checkpoint["model"])
    fresh_optimizer = ember.optim.AdamW(fresh.parameters())
    fresh_optimizer.load_state_dict(checkpoint["optimizer"])
    return fresh


def draw_model_graph(model, loader, path: str) -> str:
    """The backward graph of the loss on one batch, parameters labelled by module name."""
    import ember.nn.functional as F
    from ember.viz import draw_graph

    images, labels = next(iter(loader))
    model.eval()
    loss = F.cross_entropy(model(images[:4]), labels[:4])
    return draw_graph(loss, path, params=dict(model.named_parameters()))


def run(args) -> float:
    """The whole demo; returns the test accuracy."""
    import ember

    from .plot import plot_history

    start = time.perf_counter()
    ember.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    data = load_data(args)
    print(f"data: {data.name}: {len(data.train.dataset)} train / {len(data.val.dataset)} validation / "
          f"{len(data.test.dataset)} test images ({data.image_size}x{data.image_size}, "
          f"{len(data.classes)} classes)")
    if args.data is not None and args.limit is None:
        print("note: the full set takes minutes per epoch on a CPU; --limit N trains on N images")

    model = build_model(data.image_size, len(data.classes))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params:,} parameters; AdamW + OneCycleLR, {args.epochs} epochs, "
          f"batch {args.batch_size}, {args.workers} loader workers")
    optimizer = ember.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = ember.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1e-2, epochs=args.epochs, steps_per_epoch=len(data.train))

    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    for epoch in range(1, args.epochs + 1):
        loss, acc = train_one_epoch(model, data.train, optimizer, scheduler, f"epoch {epoch}/{args.epochs}")
        val_loss, val_acc = evaluate(model, data.val)
        for key, value in zip(history, (loss, acc, val_loss, val_acc)):
            history[key].append(value)
        print(f"epoch {epoch:>2}: train loss {loss:.4f} acc {acc:.3f} | "
              f"validation loss {val_loss:.4f} acc {val_acc:.3f}", flush=True)
    train_time = time.perf_counter() - start

    _, test_acc = evaluate(model, data.test)
    checkpoint = os.path.join(args.out, "checkpoint.pt")
    reloaded = save_and_reload(model, optimizer, args, data, args.epochs, checkpoint)
    _, reloaded_acc = evaluate(reloaded, data.test)
    same = "same as before saving" if reloaded_acc == test_acc else f"DIFFERS from {test_acc:.3f}"
    print(f"checkpoint: {checkpoint} (model + optimizer); reloaded into a fresh model: "
          f"test accuracy {reloaded_acc:.3f} ({same})")
    if reloaded_acc != test_acc:
        raise RuntimeError("the reloaded checkpoint does not reproduce the test accuracy")

    print(plot_history(history, os.path.join(args.out, "training_curves.png")))
    graph = draw_model_graph(model, data.test, os.path.join(args.out, "model_graph.svg"))
    print(f"computation graph: {graph}")
    print(f"time: {train_time:.1f} s training, {time.perf_counter() - start:.1f} s in all")
    if args.data is None and args.limit is None and test_acc < DIGITS_GOAL:
        print(f"note: below the {DIGITS_GOAL:.0%} goal for the digits; try more --epochs")
    print(f"test accuracy: {test_acc:.3f}")
    return test_acc


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as e:
        return fail(str(e), 2)
    if args.data is not None and not os.path.isdir(args.data):
        return fail(f"ember demo: --data {args.data}: no such directory "
                    "(Fashion-MNIST IDX files: apt-get install dataset-fashion-mnist, "
                    "then --data /usr/share/datasets/fashion-mnist)", 1)
    try:
        run(args)
    except DataError as e:
        return fail(f"ember demo: {e}", 1)
    except OSError as e:  # an output folder that cannot be written, a truncated IDX file
        return fail(f"ember demo: {e}", 1)
    except KeyboardInterrupt:
        return fail("ember demo: interrupted", 130)
    return 0
