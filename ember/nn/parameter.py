"""Parameter and Buffer: the tensors a Module registers when they are assigned to it.

A ``Parameter`` is a Tensor that shares its data with the tensor it was made from and
requires grad by default; assigning one to a Module attribute registers it, so it
shows in ``parameters()`` and ``state_dict()``.  A ``Buffer`` marks a tensor to be
registered as a buffer (state that is saved but not trained, like running means).

Example:
    >>> import ember
    >>> p = ember.nn.Parameter(ember.zeros(2))
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["Buffer", "Parameter", "is_lazy"]


class Parameter(Tensor):
    """A Tensor that is a module parameter.

    Args:
        data: the tensor whose memory the parameter shares (an empty tensor if None).
        requires_grad: whether the parameter requires gradient (default True).

    Example:
        >>> import ember
        >>> w = ember.nn.Parameter(ember.ones(2, 2))
        >>> w.requires_grad, w.is_leaf
        (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor._from_array(np.empty((0,), _dtype.get_default_dtype().numpy_dtype))
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): expected data to be a Tensor, got {type(data).__name__}"
            )
        param = cls._from_array(data._array)
        # The parameter and its source are the same memory, so they share one version.
        param._version_counter = data._version_counter
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (np.asarray(self.__array__()), self._requires_grad))


def _rebuild_parameter(arr, requires_grad):
    return Parameter(Tensor._from_array(np.array(arr)), requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module.

    Assigning ``module.name = Buffer(t)`` is ``module.register_buffer(name, t,
    persistent)``; the module stores the plain tensor.

    Example:
        >>> import ember
        >>> m = ember.nn.Module()
        >>> m.running = ember.nn.Buffer(ember.zeros(3))
        >>> list(m.state_dict())
        ['running']
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._from_array(np.empty((0,), _dtype.get_default_dtype().numpy_dtype))
        buf = cls._from_array(data._array, data._requires_grad)
        buf._version_counter = data._version_counter
        buf.persistent = persistent
        return buf

    def __init__(self, data=None, *, persistent: bool = True):
        pass

    def as_tensor(self) -> Tensor:
        """The plain tensor (same memory) that a Module stores."""
        t = Tensor._from_array(self._array, self._requires_grad)
        t._version_counter = self._version_counter
        return t


class UninitializedParameter(Parameter):
    """Placeholder for lazy modules (ember has no lazy modules; kept for isinstance checks)."""


def is_lazy(param) -> bool:
    return isinstance(param, UninitializedParameter)
