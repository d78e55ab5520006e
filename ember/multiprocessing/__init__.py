"""``ember.multiprocessing``: Python's multiprocessing, with tensors shared instead of copied.

Everything in :mod:`multiprocessing` is re-exported (``Process``, ``Queue``,
``SimpleQueue``, ``Pipe``, ``Pool``, ``get_context``, ``set_start_method``, ...).  Importing
this module registers reducers so that a tensor put on a ``Queue``, sent through a
``Pipe``, returned from a ``Pool`` or passed to a spawned ``Process`` travels through
shared memory: the receiver's tensor is a view of the sender's memory, and in-place writes
on either side are visible to the other (see ``reductions.py``).  ``Tensor.share_memory_()``
and ``Module.share_memory()`` move data into shared memory ahead of time, which is what
Hogwild training needs with the ``fork`` start method (children inherit the mapping).

Example:
    >>> import ember
    >>> import ember.multiprocessing as mp
    >>> t = ember.zeros(4)
    >>> t.share_memory_().is_shared()
    True
    >>> q = mp.get_context("spawn").SimpleQueue()   # q.put(t) then hands over the memory

Differences from torch: segments are anonymous memory files passed by descriptor whatever
the sharing strategy (there is no name to leak); each shared memory block keeps one file
descriptor open in every process that maps it.  The reducers are registered when this
module is imported (torch registers them when torch is imported).
"""

import multiprocessing
from multiprocessing import *

from . import reductions as _reductions
from ._shared_memory import is_in_shared_memory, move_to_shared_memory  # noqa: F401
from .spawn import (
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = list(multiprocessing.__all__) + [
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "get_all_sharing_strategies",
    "get_sharing_strategy",
    "set_sharing_strategy",
    "spawn",
    "start_processes",
]

_SHARING_STRATEGIES = ("file_descriptor", "file_system")
_sharing_strategy = "file_descriptor"


def get_all_sharing_strategies() -> set:
    """The sharing strategies accepted: ``{'file_descriptor', 'file_system'}``."""
    return set(_SHARING_STRATEGIES)


def get_sharing_strategy() -> str:
    """The current strategy for sharing CPU tensors (``'file_descriptor'`` by default)."""
    return _sharing_strategy


def set_sharing_strategy(new_strategy: str) -> None:
    """Set the sharing strategy.

    torch's ``'file_system'`` strategy exists to dodge open-descriptor limits by passing
    file names.  ember's segments are anonymous memory files with no name, so both
    strategies pass descriptors; the setting is recorded for code that reads it back.
    """
    global _sharing_strategy
    if new_strategy not in _SHARING_STRATEGIES:
        raise ValueError(f"invalid sharing strategy {new_strategy!r}; expected one of {list(_SHARING_STRATEGIES)}")
    _sharing_strategy = new_strategy


_reductions.init_reductions()
