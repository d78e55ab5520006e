"""Utilities with torch's layout: ``ember.utils.data`` (datasets, samplers, DataLoader).

Submodules load on first use so that ``import ember.utils`` stays cheap.

Example:
    >>> import ember
    >>> loader = ember.utils.data.DataLoader(list(range(4)), batch_size=2)
    >>> [b.tolist() for b in loader]
    [[0, 1], [2, 3]]
"""

import importlib as _importlib


def __getattr__(name):
    try:
        module = _importlib.import_module("." + name, __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module 'ember.utils' has no attribute {name!r}") from None
    globals()[name] = module
    return module
