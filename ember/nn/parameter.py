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

import sys

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]


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


_UNINITIALIZED_USE = (
    "Attempted to use an uninitialized parameter in {}. This error happens when you are using a "
    "`LazyModule` or explicitly manipulating `torch.nn.parameter.{}` objects. When "
    "using LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
    "torch functions"
)
_UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
    "`forward` to initialize the parameters before accessing their attributes."
)
# the storage slot every Tensor keeps its array in; the mixin below guards it
_array_slot = Tensor.__dict__["_array"]


def _public_caller() -> str:
    """The name of the op that read an uninitialized tensor: skips ember's private helpers."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_name
        private = name.startswith("_") and not name.endswith("__")
        if not private and name not in ("apply", "forward", "<lambda>", "<listcomp>", "<genexpr>"):
            return name
        frame = frame.f_back
    return "an ember function"


class UninitializedTensorMixin:
    """A tensor with no shape yet: lazy modules ``materialize`` it on their first forward.

    Until then it holds an empty placeholder (which carries its dtype and device); any
    use of its data raises torch's ValueError, and ``shape`` raises RuntimeError.
    ``materialize`` gives it memory and turns the same object into ``cls_to_become``,
    so optimizers and containers holding it see the real tensor afterwards.
    """

    cls_to_become: type = Tensor

    @property
    def _array(self):
        # every op reads a tensor's array: using an uninitialized tensor is an error
        raise ValueError(_UNINITIALIZED_USE.format(_public_caller(), type(self).__name__))

    @_array.setter
    def _array(self, value) -> None:
        _array_slot.__set__(self, value)

    def _placeholder(self):
        return _array_slot.__get__(self)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor memory of ``shape`` (uninitialized values) and make it a real one.

        Example:
            >>> import ember
            >>> p = ember.nn.parameter.UninitializedParameter()
            >>> p.materialize((2, 3))
            >>> type(p).__name__, tuple(p.shape)
            ('Parameter', (2, 3))
        """
        from ..ops.creation import empty

        placeholder = self.data
        device = placeholder.device if device is None else device
        dtype = placeholder.dtype if dtype is None else dtype
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self._array = empty(shape, device=device, dtype=dtype)._array
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def size(self, dim=None):
        return self.data.size(dim)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return self.data.device

    @property
    def data(self) -> Tensor:
        """The (empty) placeholder that records device and dtype until materialization."""
        return Tensor._from_array(self._placeholder())

    @data.setter
    def data(self, value: Tensor) -> None:
        self._array = value._array

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True):
        raise ValueError(_UNINITIALIZED_USE.format("requires_grad_", type(self).__name__))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def _rebuild_arguments(self) -> tuple:
        placeholder = self.data
        return (self._requires_grad, placeholder.device, placeholder.dtype)

    def __reduce_ex__(self, protocol):
        return (type(self), self._rebuild_arguments())

    def __deepcopy__(self, memo):
        new = type(self)(*self._rebuild_arguments())
        memo[id(self)] = new
        return new


def _uninitialized_placeholder(device, dtype):
    from ..ops.creation import empty

    return empty((0,), device=device, dtype=dtype)._array


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape a lazy module infers from its first input.

    Args:
        requires_grad: whether the materialized parameter requires grad (default True).
        device, dtype: where and of what type it will be materialized.

    Example:
        >>> import ember
        >>> p = ember.nn.parameter.UninitializedParameter()
        >>> p
        <UninitializedParameter>
        >>> p.materialize(3); p.shape
        torch.Size([3])
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return cls._from_array(_uninitialized_placeholder(device, dtype), bool(requires_grad))

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape a lazy module infers from its first input (becomes a Tensor).

    Example:
        >>> import ember
        >>> b = ember.nn.parameter.UninitializedBuffer()
        >>> b.materialize((2,)); type(b).__name__, b.requires_grad
        ('Tensor', False)
    """

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        buf = cls._from_array(_uninitialized_placeholder(device, dtype), bool(requires_grad))
        buf.persistent = persistent
        return buf

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        pass


def is_lazy(param) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer (of a lazy module).

    Example:
        >>> import ember
        >>> ember.nn.parameter.is_lazy(ember.nn.parameter.UninitializedParameter())
        True
    """
    return isinstance(param, UninitializedTensorMixin)
