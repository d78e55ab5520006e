"""``torch.backends.cudnn``: cuDNN switches, recorded only.

Ember has no cuDNN (it computes with NumPy, or CuPy's own kernels), so
``is_available()`` is False and ``version()`` is None.  ``enabled``, ``benchmark``,
``deterministic`` and ``allow_tf32`` keep torch's defaults and type checks so scripts can
set and read them; they change nothing in ember's results or speed.

Example:
    >>> import ember.backends.cudnn as cudnn
    >>> cudnn.deterministic = True; cudnn.deterministic
    True
    >>> cudnn.deterministic = False
"""

from __future__ import annotations

import contextlib
import sys

from ._flag_module import FlagModule, bool_flag

_flags = {
    "enabled": True,
    "benchmark": False,
    "deterministic": False,
    "allow_tf32": True,
    "benchmark_limit": 10,
}


def is_available() -> bool:
    """False: ember never calls cuDNN."""
    return False


def version() -> None:
    """None, as torch reports when cuDNN is not available."""
    return


def is_acceptable(tensor) -> bool:
    """False: no tensor is ever handed to cuDNN by ember."""
    return False


@contextlib.contextmanager
def flags(
    enabled: bool = False,
    benchmark: bool = False,
    benchmark_limit: int = 10,
    deterministic: bool = False,
    allow_tf32: bool = True,
):
    """Set the cuDNN flags inside a ``with`` block and restore them after it.

    Example:
        >>> import ember
        >>> with ember.backends.cudnn.flags(enabled=False, benchmark=True):
        ...     ember.backends.cudnn.benchmark
        True
    """
    module = sys.modules[__name__]
    saved = dict(_flags)
    try:
        module.enabled = enabled
        module.benchmark = benchmark
        module.deterministic = deterministic
        module.allow_tf32 = allow_tf32
        _flags["benchmark_limit"] = benchmark_limit
        yield
    finally:
        _flags.update(saved)


class _CudnnModule(FlagModule):
    enabled = bool_flag("enabled", "set_enabled_cudnn")
    benchmark = bool_flag("benchmark", "set_benchmark_cudnn")
    deterministic = bool_flag("deterministic", "set_deterministic_cudnn")
    # torch 2.13 names the cuBLAS setter in this message too; kept for identical errors.
    allow_tf32 = bool_flag("allow_tf32", "set_allow_tf32_cublas")

    @property
    def benchmark_limit(self) -> int:
        return _flags["benchmark_limit"]

    @benchmark_limit.setter
    def benchmark_limit(self, value: int) -> None:
        _flags["benchmark_limit"] = int(value)


sys.modules[__name__].__class__ = _CudnnModule
