"""Training curves as a PNG, when matplotlib (the ``plot`` extra) is installed."""

from __future__ import annotations

MISSING_NOTE = "plot: matplotlib is missing, no training-curve PNG (install it with: pip install 'ember[plot]')"


def plot_history(history: dict, path: str) -> str:
    """Draw loss and accuracy per epoch (train and validation) to ``path``.

    ``history`` maps ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc`` to lists of
    per-epoch values.  Returns the one line to print: where the PNG went, or how to get
    matplotlib when it is missing.

    Example:
        >>> line = plot_history({"train_loss": [1.0, 0.5], "val_loss": [0.9, 0.6],
        ...                      "train_acc": [0.6, 0.8], "val_acc": [0.7, 0.8]}, "/tmp/curves.png")
        >>> line.startswith("plot: ")
        True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        return MISSING_NOTE
    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key, title in ((ax_loss, "loss", "cross-entropy loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], marker="o", label="train (augmented)")
        ax.plot(epochs, history[f"val_{key}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"plot: training curves in {path}"
