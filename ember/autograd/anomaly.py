"""Anomaly detection: find the forward op whose backward produced NaN or inf.

With anomaly detection on, every node records the stack where the user's code created
it, and the engine checks each gradient it computes.

Example:
    >>> import ember
    >>> x = ember.tensor([0.0], requires_grad=True)
    >>> with ember.autograd.detect_anomaly():
    ...     y = x.sqrt() * 0          # d sqrt(x)/dx at 0 is inf, inf * 0 is nan
    ...     y.sum().backward()        # doctest: +SKIP
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output ...
"""

from __future__ import annotations

import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        # Instance slots, not class attributes: every recorded op reads ``enabled``, and
        # Python reads a slot faster than a class-level default.
        self.enabled = False
        self.check_nan = True


STATE = _AnomalyState()


def is_anomaly_enabled() -> bool:
    return STATE.enabled


class detect_anomaly:
    """Context manager and decorator turning anomaly detection on."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and "
            "should only be enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off; as a context manager, restores it after."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = bool(mode), check_nan
        self.mode, self.check_nan = bool(mode), check_nan

    def __enter__(self):
        return self


def check_gradients(node, grads) -> None:
    """Raise if a gradient computed by ``node`` holds NaN or inf (anomaly mode only)."""
    import numpy as np

    for i, g in enumerate(grads):
        if g is None:
            continue
        arr = getattr(g, "_array", g)  # a Tensor, or a raw array in array mode
        if arr.dtype.kind != "f":
            continue
        bad = None
        if np.isnan(arr).any():
            bad = "nan"
        elif np.isinf(arr).any():
            bad = "inf"
        if bad:
            where = ""
            if node._creation_trace:
                user_frames = [f for f in node._creation_trace if "/ember/" not in f.filename]
                frames = user_frames[-1:] or node._creation_trace[-1:]
                where = "\nThe forward op was created at:\n" + "".join(traceback.format_list(frames))
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output.{where}"
            )
