"""Process-wide flags that PyTorch scripts set: deterministic algorithms and the float32
matmul precision.

Ember's CPU kernels are NumPy calls that already give the same result on every run, and
its float32 matmuls are always full float32 (there is no TF32 on a CPU), so these flags
change no numbers here.  They are recorded and reported back, with torch's argument
checks, so that scripts which set and read them run unchanged.

Example:
    >>> import ember
    >>> ember.use_deterministic_algorithms(True)
    >>> ember.are_deterministic_algorithms_enabled()
    True
    >>> ember.use_deterministic_algorithms(False)
"""

from __future__ import annotations

import warnings

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]

_MATMUL_PRECISIONS = ("highest", "high", "medium")
_DEBUG_MODE_NAMES = ("default", "warn", "error")


class _Flags:
    """The recorded values (one place, so backends.cuda.matmul can share them)."""

    deterministic = False
    deterministic_warn_only = False
    float32_matmul_precision = "highest"


def _type_name(value) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (``warn_only`` turns errors into warnings in torch).

    Every ember op is deterministic already, so this only records the mode for
    :func:`are_deterministic_algorithms_enabled` and friends.

    Example:
        >>> import ember
        >>> ember.use_deterministic_algorithms(True, warn_only=True)
        >>> ember.is_deterministic_algorithms_warn_only_enabled()
        True
        >>> ember.use_deterministic_algorithms(False)
    """
    if type(mode) is not bool:
        raise TypeError(
            f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {_type_name(mode)}"
        )
    if type(warn_only) is not bool:
        raise TypeError(
            f"use_deterministic_algorithms(): argument 'warn_only' must be bool, not {_type_name(warn_only)}"
        )
    _Flags.deterministic = mode
    _Flags.deterministic_warn_only = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """True after ``use_deterministic_algorithms(True)``.

    Example:
        >>> import ember
        >>> ember.are_deterministic_algorithms_enabled()
        False
    """
    return _Flags.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` given to the last ``use_deterministic_algorithms`` call.

    Example:
        >>> import ember
        >>> ember.is_deterministic_algorithms_warn_only_enabled()
        False
    """
    return _Flags.deterministic_warn_only


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``"default"``/0, ``"warn"``/1 or ``"error"``/2: the same switch as
    :func:`use_deterministic_algorithms` (off, on with warn_only, on).

    Example:
        >>> import ember
        >>> ember.set_deterministic_debug_mode("warn"); ember.get_deterministic_debug_mode()
        1
        >>> ember.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODE_NAMES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        level = _DEBUG_MODE_NAMES.index(debug_mode)
    elif isinstance(debug_mode, int):
        if debug_mode not in (0, 1, 2):
            raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
        level = int(debug_mode)
    else:
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    """0 (off), 1 (warn only) or 2 (on), as set by either API.

    Example:
        >>> import ember
        >>> ember.get_deterministic_debug_mode()
        0
    """
    if not _Flags.deterministic:
        return 0
    return 1 if _Flags.deterministic_warn_only else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"`` as the float32 matmul precision.

    In torch "high"/"medium" let CUDA use TF32 or bfloat16 internally.  Ember's matmuls
    always compute in full float32, so the choice is only recorded.  Like torch, an
    unknown string warns and changes nothing; a non-string raises.

    Example:
        >>> import ember
        >>> ember.set_float32_matmul_precision("high"); ember.get_float32_matmul_precision()
        'high'
        >>> ember.set_float32_matmul_precision("highest")
    """
    if not isinstance(precision, str):
        # torch raises RuntimeError (not TypeError) for a non-string
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")  # noqa: TRY004
    if precision not in _MATMUL_PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _Flags.float32_matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set (``"highest"`` by default).

    Example:
        >>> import ember
        >>> ember.get_float32_matmul_precision()
        'highest'
    """
    return _Flags.float32_matmul_precision
