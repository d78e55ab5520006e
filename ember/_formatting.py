"""Tensor printing that matches torch's layout: ``tensor([1.5000, 2.0000])``.

Rules (torch's defaults): 4 digits after the point; floats that are all integral
print as ``1.``; scientific notation when the largest and smallest magnitudes differ
by more than 1000x, or lie beyond 1e8 or below 1e-4; more than 1000 elements are
summarized with ``...``, showing 3 items at each edge.
"""

from __future__ import annotations

import numpy as np

__all__ = ["format_tensor", "set_printoptions"]


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTIONS = _Options()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None) -> None:
    """Change how tensors print (same arguments as torch.set_printoptions)."""
    if profile == "default":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems, OPTIONS.linewidth = 4, float("inf"), 3, 80
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class _Formatter:
    """Formats every element of one tensor to a common width."""

    def __init__(self, arr: np.ndarray):
        self.kind = arr.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if self.kind == "b":
            self.max_width = max((len(str(bool(v))) for v in arr.ravel()), default=1)
            return
        if self.kind in "iu":
            self.max_width = max((len(str(int(v))) for v in arr.ravel()), default=1)
            return
        values = arr.astype(np.float64).ravel()
        finite = values[np.isfinite(values)]
        nonzero = np.abs(finite[finite != 0])
        if values.size == 0:
            return
        self.int_mode = bool(np.all(np.ceil(finite) == finite)) if finite.size else True
        if nonzero.size:
            lo, hi = nonzero.min(), nonzero.max()
            if self.int_mode:
                self.sci_mode = hi > 1e8
            else:
                self.sci_mode = hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4
        if OPTIONS.sci_mode is not None:
            self.sci_mode = OPTIONS.sci_mode
        self.max_width = max((len(self._raw(v)) for v in values), default=1)

    def _raw(self, v) -> str:
        if self.kind == "b":
            return str(bool(v))
        if self.kind in "iu":
            return str(int(v))
        v = float(v)
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        p = OPTIONS.precision
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def format(self, v) -> str:
        return self._raw(v).rjust(self.max_width)


def _summarized(arr: np.ndarray, edge: int) -> np.ndarray:
    """The elements that are shown when summarizing (for computing widths)."""
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.shape[0] > 2 * edge:
        parts = [arr[:edge], arr[-edge:]]
    else:
        parts = [arr]
    return np.concatenate([_summarized(p[i], edge).ravel() for p in parts for i in range(p.shape[0])]) if arr.ndim > 1 else np.concatenate([p.ravel() for p in parts])


def _format_block(arr, fmt: _Formatter, indent: int, summarize: bool) -> str:
    edge = OPTIONS.edgeitems
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        n = arr.shape[0]
        if summarize and n > 2 * edge:
            items = [fmt.format(v) for v in arr[:edge]] + ["..."] + [fmt.format(v) for v in arr[-edge:]]
        else:
            items = [fmt.format(v) for v in arr]
        # wrap lines at the line width, as torch does
        per_line = max(1, (OPTIONS.linewidth - indent) // (fmt.max_width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = [_format_block(arr[i], fmt, indent + 1, summarize) for i in range(edge)]
        rows += ["..."]
        rows += [_format_block(arr[i], fmt, indent + 1, summarize) for i in range(n - edge, n)]
    else:
        rows = [_format_block(arr[i], fmt, indent + 1, summarize) for i in range(n)]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def format_tensor(t) -> str:
    from . import _dtype
    from .autograd.grad_mode import STATE

    arr = np.asarray(t.__array__())
    if arr.dtype.kind == "V":
        arr = arr.astype(np.float32)
    summarize = arr.size > OPTIONS.threshold
    prefix = "tensor("
    if arr.size == 0:
        body = "[]"
    else:
        shown = _summarized(arr, OPTIONS.edgeitems) if summarize else arr
        fmt = _Formatter(np.asarray(shown))
        body = _format_block(arr, fmt, len(prefix), summarize)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if arr.size == 0 and arr.ndim != 1:
        suffixes.append(f"size={tuple(arr.shape)}")
    d = t.dtype
    default_like = d in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool)
    if not default_like:
        suffixes.append(f"dtype={d}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    del STATE
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
