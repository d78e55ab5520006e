"""``skip_init``: build a module without running its parameter initialization.

torch builds the module on the ``meta`` device (no memory, no init) and then gives it
fresh uninitialized memory with ``to_empty``.  ember has no ``meta`` device, so it builds
the module normally and then replaces every parameter and buffer with uninitialized
memory: the result is the same (a module whose values must be set by the caller), only
the construction does the (discarded) initialization work.

Example:
    >>> import ember.nn as nn
    >>> lin = nn.utils.skip_init(nn.Linear, 3, 2)
    >>> tuple(lin.weight.shape), lin.weight.requires_grad
    ((2, 3), True)
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from ..modules.module import Module

__all__ = ["skip_init"]

T = TypeVar("T", bound=Module)


def skip_init(module_cls: type[T], *args: Any, **kwargs: Any) -> T:
    """An instance of ``module_cls(*args, **kwargs)`` with uninitialized parameters and buffers.

    The class must accept a ``device`` argument (as torch requires); ``device`` in
    ``kwargs`` says where the result lives (default ``"cpu"``).

    Example:
        >>> import ember, ember.nn as nn
        >>> lin = nn.utils.skip_init(nn.Linear, 4, 4, bias=False)
        >>> with ember.no_grad():
        ...     _ = lin.weight.copy_(ember.eye(4))
        >>> lin(ember.ones(1, 4)).detach()
        tensor([[1., 1., 1., 1.]])
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")  # noqa: TRY004 - torch raises this type
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    module = module_cls(*args, **kwargs)
    return module.to_empty(device=final_device)
