"""Weight normalization, the older hook-based form: ``w = g * v / ||v||``.

``weight_norm(module)`` replaces the parameter ``weight`` by two parameters, ``weight_g``
(the magnitude, one per slice along ``dim``) and ``weight_v`` (the direction), and
recomputes ``module.weight`` from them in a forward pre-hook.  torch deprecates this form
in favour of ``nn.utils.parametrizations.weight_norm`` and warns (FutureWarning); so does
ember.

Example:
    >>> import warnings
    >>> import ember.nn as nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     lin = nn.utils.weight_norm(nn.Linear(3, 4))
    >>> tuple(lin.weight_g.shape), tuple(lin.weight_v.shape)
    ((4, 1), (4, 3))
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ..._tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["WeightNorm", "norm_except_dim", "remove_weight_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept with size 1 so it
    broadcasts against ``v``; ``dim=-1`` gives the norm of the whole tensor (0-d).

    Example:
        >>> import ember
        >>> from ember.nn.utils.weight_norm import norm_except_dim
        >>> norm_except_dim(ember.tensor([[3.0, 4.0], [6.0, 8.0]]), 2, 0)
        tensor([[ 5.],
                [10.]])
    """
    if dim == -1:
        return v.norm(pow)
    ndim = v.dim()
    dim = dim % ndim if ndim else 0
    others = tuple(d for d in range(ndim) if d != dim)
    if not others:  # a vector normalised along its only dim: every entry is its own slice
        return v.abs()
    return v.norm(pow, dim=others, keepdim=True)


def weight_norm_value(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / norm_except_dim(v, 2, dim))`` (torch's ``_weight_norm``)."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return weight_norm_value(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        # A plain attribute now (not a parameter), recomputed before every forward.
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Apply weight normalization to ``module.<name>`` (deprecated form; warns as torch).

    ``dim`` is the dim kept separate in the norm (0: one magnitude per output row);
    ``None`` normalizes the whole tensor with a single magnitude.

    Example:
        >>> import warnings
        >>> import ember, ember.nn as nn
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     lin = nn.utils.weight_norm(nn.Linear(2, 2), dim=None)
        >>> lin.weight_g.shape
        torch.Size([])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`weight_norm`: ``<name>`` becomes one Parameter again (its current value).

    Example:
        >>> import warnings
        >>> import ember.nn as nn
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     lin = nn.utils.weight_norm(nn.Linear(2, 2))
        >>> [n for n, _ in nn.utils.remove_weight_norm(lin).named_parameters()]
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
