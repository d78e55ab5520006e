"""``ember.compile``: torch.compile's signature on an eager-only framework.

Ember has no graph compiler: every op runs eagerly on NumPy (or CuPy).  ``compile``
therefore checks its arguments as torch does and hands back the very module or function
it was given, so ``model = torch.compile(model)`` and ``@torch.compile`` keep working and
give exactly the eager results.  None of ``fullgraph``, ``dynamic``, ``backend``,
``mode`` or ``options`` changes anything.

Example:
    >>> import ember
    >>> @ember.compile(mode="reduce-overhead")
    ... def double(x):
    ...     return 2 * x
    >>> double(ember.tensor([1.0])).tolist()
    [2.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile"]

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
# torch's registered backend names (torch._dynamo.list_backends(None)); all mean "eager" here.
_BACKENDS = frozenset(
    {
        "inductor",
        "eager",
        "aot_eager",
        "aot_eager_decomp_partition",
        "aot_eager_default_partitioner",
        "aot_ts",
        "cudagraphs",
        "eager_debug",
        "eager_noexcept",
        "openxla",
        "openxla_eval",
        "pre_dispatch_eager",
        "ts",
        "tvm",
    }
)


def _check_arguments(model, backend, mode, options) -> None:
    if not callable(model):
        # torch raises AssertionError here, and scripts may catch that type
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")  # noqa: TRY004
    if mode is not None and options is not None:
        raise RuntimeError(
            "Either mode or options can be specified, but both can't be specified at the same time."
        )
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise RuntimeError(
            f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` for available backends."
        )


def compile(
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Callable:
    """Return ``model`` itself: ember always runs eagerly (see the module docstring).

    Works directly (``compile(model)``) and as a decorator with or without arguments.
    Arguments are validated as torch does (unknown ``mode``/``backend``, both ``mode``
    and ``options``), so a typo still fails here as it would under torch.

    Example:
        >>> import ember
        >>> layer = ember.nn.Linear(2, 2)
        >>> ember.compile(layer) is layer
        True
    """

    def apply(fn):
        _check_arguments(fn, backend, mode, options)
        return fn

    if model is None:
        return apply
    return apply(model)
