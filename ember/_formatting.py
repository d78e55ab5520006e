"""Tensor printing that matches torch's ``repr`` character for character.

The rules (torch's defaults): 4 digits after the point; when every finite non-zero
value is integral the values print as ``1.``; scientific notation when the largest and
smallest finite non-zero magnitudes differ by more than 1000x, or the largest exceeds
1e8, or (non-integral values) the smallest is below 1e-4.  All elements share one
width, computed from the finite non-zero values only.  Tensors of more than 1000
elements are summarized with ``...``, keeping 3 items at each edge of every dim, and
rows wrap at 80 columns.  Suffixes follow: ``device=``, ``size=`` (empty tensors),
``dtype=`` (other than the default float, int64 and bool), then ``grad_fn=<...>`` or
``requires_grad=True``.

Example:
    >>> import ember
    >>> ember.tensor([1.0, 2.5, 1e-5])
    tensor([1.0000e+00, 2.5000e+00, 1.0000e-05])
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

__all__ = ["format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTIONS = _Options()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None) -> None:
    """Change how tensors print (same arguments and meaning as torch.set_printoptions).

    Example:
        >>> import ember
        >>> ember.set_printoptions(precision=2); ember.tensor([1.2345])
        tensor([1.23])
        >>> ember.set_printoptions(profile="default")
    """
    if profile is not None:
        for name, value in _PROFILES[profile].items():
            setattr(OPTIONS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode  # torch resets it on every call, too


def get_printoptions() -> dict:
    """The current print options as a dict (for ``set_printoptions(**options)``)."""
    return {
        "precision": OPTIONS.precision,
        "threshold": OPTIONS.threshold,
        "edgeitems": OPTIONS.edgeitems,
        "linewidth": OPTIONS.linewidth,
        "sci_mode": OPTIONS.sci_mode,
    }


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (restored on exit)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """Formats every element of one tensor to a common width (torch's algorithm)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.ravel()
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return  # nothing to measure: torch keeps the defaults (and ignores sci_mode)
        magnitudes = np.abs(finite.astype(np.float64))
        low, high = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8
        else:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        if OPTIONS.sci_mode is not None:
            self.sci_mode = OPTIONS.sci_mode
        # the width comes from the notation finally used
        p = OPTIONS.precision
        items = finite.tolist()
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in items)
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in items)  # + 1 for the trailing "."
        else:
            widths = (len(f"{v:.{p}f}") for v in items)
        self.max_width = max(self.max_width, *widths)

    def format(self, value) -> str:
        if self.floating:
            p = OPTIONS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The elements shown when summarizing (what the widths are computed from)."""
    edge = OPTIONS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        return np.concatenate([arr[:edge], arr[-edge:]]) if arr.shape[0] > 2 * edge else arr
    if not edge:
        return np.empty((0,) * arr.ndim, arr.dtype)
    rows = range(arr.shape[0])
    if arr.shape[0] > 2 * edge:
        rows = [*range(edge), *range(arr.shape[0] - edge, arr.shape[0])]
    return np.stack([_summarized(arr[i]) for i in rows])


def _vector(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    edge = OPTIONS.edgeitems
    per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (fmt.max_width + 2)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        items = [fmt.format(v) for v in arr[:edge].tolist()] + [" ..."] + [fmt.format(v) for v in arr[-edge:].tolist()]
    else:
        items = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _block(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    edge = OPTIONS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        parts = [_block(arr[i], indent + 1, summarize, fmt) for i in range(edge)]
        parts.append("...")
        parts += [_block(arr[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        parts = [_block(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, suffix`` items, starting a new line where one would pass the width."""
    pieces = [text]
    last_line_len = len(text) - text.rfind("\n") + 1  # torch's count, including its quirk
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > OPTIONS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def _host_values(t) -> np.ndarray:
    arr = np.asarray(t.__array__())
    if arr.dtype.kind == "V" or arr.dtype == np.float16:  # torch prints half types via float32
        arr = arr.astype(np.float32)
    elif arr.dtype.kind == "f" and arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float32)  # ml_dtypes' bfloat16 reports kind "f"
    return arr


def format_tensor(t) -> str:
    """``repr(t)`` exactly as torch writes it."""
    from . import _dtype

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dt = t.dtype
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if dt is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if dt not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt}")
        arr = _host_values(t)
        summarize = arr.size > OPTIONS.threshold
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _block(arr, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
