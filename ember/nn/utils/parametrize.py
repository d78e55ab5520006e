"""Parametrizations: express a parameter or buffer as a function of other tensors.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` to
``module.parametrizations.weight.original`` and turns ``module.weight`` into a property
that returns ``P(original)`` on every access.  As in torch, the module's class is swapped
for a generated subclass (``Linear`` becomes ``ParametrizedLinear``) that holds the
property, the state-dict keys become ``parametrizations.weight.original`` and assigning
to ``module.weight`` goes through ``P.right_inverse`` when it has one.

Example:
    >>> import ember, ember.nn as nn
    >>> from ember.nn.utils import parametrize
    >>> class Symmetric(nn.Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).mT
    >>> lin = nn.Linear(3, 3)
    >>> _ = parametrize.register_parametrization(lin, "weight", Symmetric())
    >>> type(lin).__name__, bool((lin.weight == lin.weight.mT).all())
    ('ParametrizedLinear', True)
    >>> list(lin.state_dict())
    ['bias', 'parametrizations.weight.original']
"""

from __future__ import annotations

import copy
import copyreg
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "transfer_parametrizations_and_params",
    "type_before_parametrizations",
]

# While inside ``cached()``, each parametrized tensor is computed once per (module, name).
_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside this context and reuse it.

    Useful when a parametrized weight is used several times in one forward (e.g. a
    recurrent layer), or when the parametrization is expensive.

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> lin = nn.Linear(2, 2)
        >>> _ = parametrize.register_parametrization(lin, "weight", nn.Identity())
        >>> with parametrize.cached():
        ...     lin.weight is lin.weight
        True
    """
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_data(dest: Tensor, src: Tensor) -> None:
    """Make ``dest`` hold ``src``'s data (torch's ``set_``): keeps ``dest``'s identity, so an
    optimizer that holds the Parameter keeps working."""
    dest.data = src
    dest._bump_version()


def _check_same(kind_of_check: str, got: Tensor, dtype, shape, what: str) -> None:
    if got.dtype != dtype:
        raise ValueError(
            f"{kind_of_check} may not change the dtype of the tensor, unless the `unsafe` flag is enabled.\n"
            f"unparametrized dtype: {dtype}\n{what} dtype: {got.dtype}"
        )
    if got.shape != shape:
        raise ValueError(
            f"{kind_of_check} may not change the shape of the tensor, unless the `unsafe` flag is enabled.\n"
            f"unparametrized shape: {shape}\n{what} shape: {got.shape}"
        )


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its unparametrized
    ``original`` (or ``original0``, ``original1``, ... when the first parametrization's
    ``right_inverse`` returns a sequence of tensors).

    Not built directly: :func:`register_parametrization` makes it.
    """

    original: Tensor
    unsafe: bool

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype

        # The stored originals are right_inverse(original), so that forward() gives back
        # the tensor the user had (parametrizations without right_inverse act as identity).
        with no_grad():
            new = original
            for module in reversed(self):  # type: ignore[call-overload]
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, Tensor) and not isinstance(new, Sequence):
            raise ValueError(  # noqa: TRY004 - torch raises this type
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)

        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            with no_grad():
                _set_data(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, original_i in enumerate(new):
                if not isinstance(original_i, Tensor):
                    raise ValueError(  # noqa: TRY004 - torch raises this type
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(original_i).__name__}."
                    )
                if isinstance(original, Parameter):
                    original_i = Parameter(original_i, original.requires_grad)
                original_i.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", original_i)

        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            _check_same("Registering a parametrization", Z, original_dtype, original_shape, "parametrized")

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the parametrized tensor: run every ``right_inverse`` in reverse
        order and copy the result into the originals (called by ``module.weight = value``)."""
        with no_grad():
            for module in reversed(self):  # type: ignore[call-overload]
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if not self.unsafe:
                    if value.dtype != self.original.dtype:
                        raise ValueError(
                            f"The tensor returned by `right_inverse` has dtype {value.dtype} while "
                            f"`original` has dtype {self.original.dtype}"
                        )
                    if value.shape != self.original.shape:
                        raise ValueError(
                            f"The tensor returned by `right_inverse` has shape {value.shape} while "
                            f"`original` has shape {self.original.shape}"
                        )
                _set_data(self.original, value)
            else:
                if not isinstance(value, Sequence):
                    raise ValueError(
                        f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}."
                    )
                if len(value) != self.ntensors:
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors of length "
                        f"{self.ntensors}. Got a sequence of length {len(value)}."
                    )
                for i, tensor in enumerate(value):
                    original_i = getattr(self, f"original{i}")
                    if not isinstance(tensor, Tensor):
                        raise ValueError(f"`right_inverse` must return a sequence of tensors. Got element {i} of type {type(tensor).__name__}")  # noqa: TRY004 - torch raises this type
                    if original_i.dtype != tensor.dtype:
                        raise ValueError(
                            f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} while "
                            f"`original{i}` has dtype {original_i.dtype}"
                        )
                    if original_i.shape != tensor.shape:
                        raise ValueError(
                            f"Tensor {i} returned by `right_inverse` has shape {tensor.shape} while "
                            f"`original{i}` has shape {original_i.shape}"
                        )
                    _set_data(original_i, tensor)

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            originals = (getattr(self, f"original{i}") for i in range(self.ntensors))
            x = self[0](*originals)
        # Not a for loop over self: that would also work, but indexing keeps the order explicit.
        index = 1
        while hasattr(self, str(index)):
            x = self[index](x)
            index += 1
        return x


def _inject_new_class(module: Module) -> None:
    """Swap ``module``'s class for ``Parametrized<Class>``, a fresh subclass that will hold
    the properties (so other instances of the class are untouched)."""
    cls = module.__class__

    def default_deepcopy(self, memo):
        # Like Python's own deepcopy, but the class is the generated one (copied as is).
        obj = memo.get(id(self), None)
        if obj is not None:
            return obj
        replica = self.__new__(self.__class__)
        memo[id(self)] = replica
        replica.__dict__ = copy.deepcopy(self.__dict__, memo)
        slots_to_save = copyreg._slotnames(self.__class__)  # type: ignore[attr-defined]
        for slot in slots_to_save:
            if hasattr(self, slot):
                setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
        return replica

    def getstate(self):
        raise RuntimeError(
            "Serialization of parametrized modules is only "
            "supported through state_dict(). See:\n"
            "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
            "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training"
        )

    namespace = {"__getstate__": getstate}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_property(module: Module, tensor_name: str) -> None:
    """Make ``module.<tensor_name>`` a property computing the parametrized tensor."""
    assert not hasattr(module, tensor_name)

    def get_parametrized(self) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            tensor = _cache.get(key)
            if tensor is None:
                tensor = parametrization()
                _cache[key] = tensor
            return tensor
        return parametrization()

    def set_original(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Parametrize ``module.<tensor_name>`` by ``parametrization`` (a Module).

    The tensor is stored as ``module.parametrizations[tensor_name].original`` (after
    ``parametrization.right_inverse``, if it has one) and every access to
    ``module.<tensor_name>`` returns ``parametrization(original)``.  Registering a second
    parametrization on the same name chains it after the first.  Unless ``unsafe``, the
    parametrization may not change the tensor's shape or dtype.

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> class Double(nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        ...     def right_inverse(self, X):
        ...         return X / 2
        >>> lin = nn.Linear(2, 2)
        >>> w = lin.weight.detach().clone()
        >>> _ = parametrize.register_parametrization(lin, "weight", Double())
        >>> bool((lin.weight == w).all()), parametrize.is_parametrized(lin, "weight")
        (True, True)
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
            _check_same("Registering a parametrization", X, Y.dtype, Y.shape, "parametrized")
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(Z, Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(Z).__name__}")  # noqa: TRY004 - torch raises this type
                    if Z.dtype != Y.dtype:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the same dtype "
                            f"as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                            f"module.{tensor_name}.dtype: {Y.dtype}\nreturned dtype: {Z.dtype}"
                        )
                    if Z.shape != Y.shape:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the same shape "
                            f"as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                            f"module.{tensor_name}.shape: {Y.shape}\nreturned shape: {Z.shape}"
                        )
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a "
            f"parametrized element with name '{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given).

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> parametrize.is_parametrized(nn.Linear(2, 2))
        False
    """
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo :func:`register_parametrization` on ``tensor_name``.

    With ``leave_parametrized`` the tensor keeps its current parametrized value (written
    into the original Parameter object, so optimizers holding it keep working); otherwise
    it goes back to the unparametrized ``original``.  When the last parametrization goes,
    the module gets its own class back.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> lin = nn.Linear(2, 2)
        >>> _ = parametrize.register_parametrization(lin, "weight", nn.Identity())
        >>> type(parametrize.remove_parametrizations(lin, "weight")).__name__
        'Linear'
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")

    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
                _set_data(original, t)
    else:
        if leave_parametrized:
            t = getattr(module, tensor_name)
            original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
        else:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                "that is parametrized in terms of a sequence of tensors."
            )

    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)

    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations were registered (its class otherwise).

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> lin = nn.Linear(2, 2)
        >>> _ = parametrize.register_parametrization(lin, "weight", nn.Identity())
        >>> parametrize.type_before_parametrizations(lin).__name__
        'Linear'
    """
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Copy the parametrizations (and their originals' values) of ``from_module`` onto
    ``to_module``; all of them, or only those of ``tensor_name``.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import parametrize
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> _ = parametrize.register_parametrization(a, "weight", nn.Identity())
        >>> _ = parametrize.transfer_parametrizations_and_params(a, b)
        >>> bool((a.weight == b.weight).all())
        True
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for param_func in from_module.parametrizations[name]:
            register_parametrization(to_module, name, param_func)
        with no_grad():
            source = from_module.parametrizations[name]
            target = to_module.parametrizations[name]
            if source.is_tensor:
                target.original.copy_(source.original)
            else:
                for i in range(source.ntensors):
                    getattr(target, f"original{i}").copy_(getattr(source, f"original{i}"))
    return to_module
