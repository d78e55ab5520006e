"""Modules whose attributes are typed switches, as torch.backends' are.

``FlagModule`` replaces a backend module's class so that ``module.flag = value`` goes
through a property that checks the type (torch raises RuntimeError for a non-bool).
"""

from __future__ import annotations

import types


def bool_flag(attr: str, setter_name: str) -> property:
    """A property storing a bool in ``module._flags[attr]``; other types raise like torch."""

    def get(module):
        return module._flags[attr]

    def set_(module, value):
        if type(value) is not bool:
            raise RuntimeError(f"{setter_name} expects a bool, but got {type(value).__name__}")
        module._flags[attr] = value

    return property(get, set_, doc=f"{attr} (bool; recorded only, no effect on ember's kernels)")


class FlagModule(types.ModuleType):
    """Base class for a backend module with typed flags (subclasses add properties)."""
