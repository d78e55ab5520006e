"""Pruning: zero out entries of a parameter through a mask, as ``torch.nn.utils.prune``.

Pruning ``module.<name>`` moves the parameter to ``<name>_orig`` (still a Parameter, the one
the optimizer updates), registers the mask as the buffer ``<name>_mask``, and makes
``<name>`` a plain attribute that a forward pre-hook recomputes as ``orig * mask`` before
every forward.  Pruning the same parameter again combines the masks in a
:class:`PruningContainer` (the new method only sees the entries still unpruned);
:func:`remove` makes the pruning permanent (``<name>`` is a Parameter again, with the
pruned values).

Example:
    >>> import ember.nn as nn
    >>> from ember.nn.utils import prune
    >>> lin = prune.l1_unstructured(nn.Linear(4, 3), "weight", amount=0.5)
    >>> int((lin.weight_mask == 0).sum())
    6
    >>> sorted(lin.state_dict().keys())
    ['bias', 'weight_mask', 'weight_orig']
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

import ember

from ..._tensor import Tensor
from ..modules.module import Module
from .convert_parameters import parameters_to_vector

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


class BasePruningMethod(ABC):
    """Base of every pruning method: a forward pre-hook that sets ``module.<name>`` to
    ``<name>_orig * <name>_mask``.  Subclasses define ``compute_mask`` and
    ``PRUNING_TYPE`` (``"unstructured"``, ``"structured"`` with a ``dim``, or ``"global"``).

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> prune.L1Unstructured(amount=1).prune(ember.tensor([3.0, -1.0, 2.0]))
        tensor([3., -0., 2.])
    """

    _tensor_name: str
    PRUNING_TYPE: str

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The new mask for ``t`` (same shape), given the mask ``default_mask`` already applied."""

    def apply_mask(self, module: Module) -> Tensor:
        """``<name>_orig * <name>_mask`` (the pruned tensor) for ``module``."""
        assert getattr(self, "_tensor_name", None) is not None, f"Module {module} has to be pruned"
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module: Module, name: str, *args, importance_scores: Tensor | None = None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, combining with any earlier
        pruning of the same parameter; returns the hook installed on the module."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            assert importance_scores.shape == orig.shape, (
                f"importance_scores should have the same shape as parameter {name} of {module}"
            )
        else:
            importance_scores = orig
        if not isinstance(method, PruningContainer):
            # First pruning of this parameter: it moves to <name>_orig.
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = ember.ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone(memory_format=ember.contiguous_format)
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if not isinstance(method, PruningContainer):
                orig = getattr(module, name + "_orig")
                module.register_parameter(name, orig)
                del module._parameters[name + "_orig"]
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None, importance_scores: Tensor | None = None) -> Tensor:
        """``t`` times the mask computed from ``importance_scores`` (default: ``t`` itself)."""
        if importance_scores is not None:
            assert importance_scores.shape == t.shape, "importance_scores should have the same shape as tensor t"
        else:
            importance_scores = t
        default_mask = default_mask if default_mask is not None else ember.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` is a Parameter again holding ``orig * mask``."""
        assert getattr(self, "_tensor_name", None) is not None, (
            f"Module {module} has to be pruned before pruning can be removed"
        )
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.data = weight.data
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


def _pruning_hooks(module: Module, name: str) -> list:
    """``(hook id, method)`` of the pruning hooks of ``module.<name>``."""
    return [
        (k, hook)
        for k, hook in module._forward_pre_hooks.items()
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
    ]


def _composite_method(cls, module: Module, name: str, *args, **kwargs) -> BasePruningMethod:
    """The method to install: a new ``cls``, or the earlier method(s) plus it in a container."""
    hooks = _pruning_hooks(module, name)
    assert len(hooks) <= 1, (
        f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. Use a PruningContainer."
    )
    old_method = hooks[0][1] if hooks else None
    for k, _ in hooks:
        del module._forward_pre_hooks[k]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if old_method is not None:
        if isinstance(old_method, PruningContainer):
            old_method.add_pruning_method(method)
            method = old_method
        else:
            container = PruningContainer(old_method)
            container.add_pruning_method(method)
            method = container
    return method


class PruningContainer(BasePruningMethod):
    """A sequence of pruning methods applied one after the other to one parameter; each new
    method prunes only among the entries (or channels) the earlier ones kept.

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> method = prune.L1Unstructured(amount=1)
        >>> method._tensor_name = "weight"
        >>> len(prune.PruningContainer(method))
        1
    """

    def __init__(self, *args) -> None:
        self._pruning_methods: tuple = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method`` (it must act on the same parameter name as the container)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and getattr(self, "_tensor_name", None) != method._tensor_name:
            raise ValueError(
                "Can only add pruning methods acting on the parameter named "
                f"'{getattr(self, '_tensor_name', None)}' to PruningContainer {self}. "
                f"Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """Apply the latest method to the part of ``t`` left unpruned by ``default_mask``."""
        return _combine_masks(self._pruning_methods[-1], t, default_mask)


def _combine_masks(method: BasePruningMethod, t: Tensor, mask: Tensor) -> Tensor:
    new_mask = mask.to(dtype=t.dtype)
    if method.PRUNING_TYPE == "unstructured":
        slc: Any = mask == 1  # only the entries still kept
    elif method.PRUNING_TYPE == "structured":
        if not hasattr(method, "dim"):
            raise AttributeError("Pruning methods of PRUNING_TYPE 'structured' need to have the attribute `dim` defined.")
        n_dims = t.dim()
        dim = method.dim
        if dim < 0:
            dim = n_dims + dim
        if dim < 0:
            raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
        # Only the channels along dim that still have a kept entry.
        keep_channel = mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
        index = [slice(None)] * n_dims
        index[dim] = keep_channel
        slc = tuple(index)
    elif method.PRUNING_TYPE == "global":
        slc = tuple([slice(None)] * len(t.shape))
    else:
        raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
    partial_mask = method.compute_mask(t[slc], default_mask=mask[slc])
    new_mask[slc] = partial_mask.to(dtype=new_mask.dtype)
    return new_mask


class Identity(BasePruningMethod):
    """Prune nothing (the mask is all ones); useful to add the pruning re-parametrization.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> bool(prune.identity(nn.Linear(2, 2), "weight").weight_mask.all())
        True
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str):  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prune ``amount`` entries (a count, or a fraction of the tensor) chosen at random.

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> m = prune.RandomUnstructured(amount=2).compute_mask(ember.ones(5), ember.ones(5))
        >>> int((m == 0).sum())
        2
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        tensor_size = t.nelement()
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        mask = default_mask.clone(memory_format=ember.contiguous_format)
        if nparams_toprune != 0:
            prob = ember.rand_like(t)
            topk = ember.topk(prob.view(-1), k=nparams_toprune)
            mask.view(-1)[topk.indices] = 0
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float):  # type: ignore[override]
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prune the ``amount`` entries of smallest absolute value.

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> prune.L1Unstructured(amount=0.5).compute_mask(ember.tensor([1.0, -4.0, 0.5, 2.0]), ember.ones(4))
        tensor([0., 1., 0., 1.])
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        tensor_size = t.nelement()
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        mask = default_mask.clone(memory_format=ember.contiguous_format)
        if nparams_toprune != 0:
            topk = ember.topk(ember.abs(t).view(-1), k=nparams_toprune, largest=False)
            mask.view(-1)[topk.indices] = 0
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None):  # type: ignore[override]
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune ``amount`` whole channels along ``dim``, chosen at random.

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> m = prune.RandomStructured(amount=1, dim=0).compute_mask(ember.ones(3, 2), ember.ones(3, 2))
        >>> int((m.sum(1) == 0).sum())
        1
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _validate_structured_pruning(t, self.dim)
        tensor_size = t.shape[self.dim]
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        if nparams_toprune == 0:
            mask = default_mask
        else:
            prob = ember.rand(tensor_size)
            # Keep the channels whose random score is above the nparams_toprune-th smallest.
            threshold = ember.kthvalue(prob, k=nparams_toprune).values
            mask = _channel_mask(t, self.dim, prob > threshold)
        mask = mask * default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, dim: int = -1):  # type: ignore[override]
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` channels along ``dim`` of smallest ``n``-norm.

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> t = ember.tensor([[1.0, 1.0], [3.0, 0.0], [0.5, 0.5]])
        >>> prune.LnStructured(amount=1, n=2, dim=0).compute_mask(t, ember.ones(3, 2))
        tensor([[1., 1.],
                [1., 1.],
                [0., 0.]])
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: int | float | str, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _validate_structured_pruning(t, self.dim)
        tensor_size = t.shape[self.dim]
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        nparams_tokeep = tensor_size - nparams_toprune
        if nparams_toprune == 0:
            mask = default_mask
        else:
            norm = _compute_norm(t, self.n, self.dim)
            kept = ember.topk(norm, k=nparams_tokeep, largest=True).indices
            mask = _channel_mask(t, self.dim, kept)
        mask = mask * default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, n: int | float | str, dim: int,
        importance_scores: Tensor | None = None,
    ):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune with a given mask (combined with any mask already applied).

    Example:
        >>> import ember
        >>> from ember.nn.utils import prune
        >>> prune.CustomFromMask(ember.tensor([1.0, 0.0])).compute_mask(ember.ones(2), ember.ones(2))
        tensor([1., 0.])
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        assert default_mask.shape == self.mask.shape
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor):  # type: ignore[override]
        return super().apply(module, name, mask=mask)


# ---------------------------------------------------------------- functional forms


def identity(module: Module, name: str) -> Module:
    """Add the pruning re-parametrization to ``module.<name>`` with an all-ones mask.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> sorted(prune.identity(nn.Linear(2, 2), "bias").state_dict())
        ['bias_mask', 'bias_orig', 'weight']
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` random entries of ``module.<name>`` (int: a count; float: a fraction).

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> int((prune.random_unstructured(nn.Linear(2, 5), "weight", 3).weight_mask == 0).sum())
        3
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` with the smallest ``|importance_scores|``
    (default: the parameter itself).

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> int((prune.l1_unstructured(nn.Linear(2, 5), "weight", 0.3).weight_mask == 0).sum())
        3
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim``.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> m = prune.random_structured(nn.Linear(2, 4), "weight", 2, dim=0).weight_mask
        >>> int((m.sum(1) == 0).sum())
        2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: Module, name: str, amount: int | float, n: int | float | str, dim: int,
    importance_scores: Tensor | None = None,
) -> Module:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` with the smallest
    ``n``-norm (of ``importance_scores``, default the parameter).

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> m = prune.ln_structured(nn.Linear(2, 4), "weight", 0.5, n=2, dim=0).weight_mask
        >>> int((m.sum(1) == 0).sum())
        2
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores: dict | None = None, **kwargs) -> None:
    """Prune several ``(module, name)`` parameters together as if they were one vector, e.g.
    the globally smallest 20% of weights with ``pruning_method=L1Unstructured, amount=0.2``.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> a, b = nn.Linear(2, 2), nn.Linear(3, 2)
        >>> prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=5)
        >>> int((a.weight_mask == 0).sum() + (b.weight_mask == 0).sum())
        5
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    relevant_importance_scores = parameters_to_vector(
        [importance_scores.get((module, name), getattr(module, name)) for (module, name) in parameters]
    )
    default_mask = parameters_to_vector(
        [getattr(module, name + "_mask", ember.ones_like(getattr(module, name))) for (module, name) in parameters]
    )
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
            f"Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    # prune among the entries every parameter's current mask still keeps
    final_mask = _combine_masks(method, relevant_importance_scores, default_mask)
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        num_param = param.numel()
        param_mask = final_mask[pointer : pointer + num_param].view_as(param)
        custom_from_mask(module, name, mask=param_mask)
        pointer += num_param


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` with the given ``mask`` (0 = pruned).

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> lin = prune.custom_from_mask(nn.Linear(2, 1), "bias", ember.tensor([0.0]))
        >>> lin.bias
        tensor([0.], grad_fn=<MulBackward0>)
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent: ``<name>_orig`` and ``<name>_mask``
    go away and ``<name>`` is a Parameter holding the pruned values.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> lin = prune.remove(prune.l1_unstructured(nn.Linear(2, 2), "weight", 1), "weight")
        >>> sorted(lin.state_dict())
        ['bias', 'weight']
    """
    hooks = _pruning_hooks(module, name)
    if not hooks:
        raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")
    k, hook = hooks[0]
    hook.remove(module)
    del module._forward_pre_hooks[k]
    return module


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any submodule carries a pruning hook.

    Example:
        >>> import ember.nn as nn
        >>> from ember.nn.utils import prune
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> prune.is_pruned(net), prune.is_pruned(prune.identity(net[0], "weight") and net)
        (False, True)
    """
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


# ---------------------------------------------------------------- validation helpers


def _validate_pruning_amount_init(amount) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)
    ):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _validate_pruning_amount(amount, tensor_size: int) -> None:
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}")


def _validate_structured_pruning(t: Tensor, dim: int) -> None:
    """Structured pruning needs a multidimensional tensor and a dim inside it."""
    shape = t.shape
    if len(shape) <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {shape} with {len(shape)} dims"
        )
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _compute_nparams_toprune(amount, tensor_size: int) -> int:
    """``amount`` as a number of entries (a fraction of ``tensor_size`` is rounded), checked."""
    nparams = amount if isinstance(amount, numbers.Integral) else round(amount * tensor_size)
    _validate_pruning_amount(nparams, tensor_size)
    return nparams


def _channel_mask(t: Tensor, dim: int, kept) -> Tensor:
    """Ones on the channels ``kept`` (indices or a bool mask) along ``dim``, zeros elsewhere."""
    mask = ember.zeros_like(t)
    index = [slice(None)] * t.dim()
    index[dim] = kept
    mask[tuple(index)] = 1
    return mask


def _compute_norm(t: Tensor, n, dim: int) -> Tensor:
    """The ``n``-norm of each channel of ``t`` along ``dim``."""
    dims = list(range(t.dim()))
    if dim < 0:
        dim = dims[dim]
    dims.remove(dim)
    return ember.norm(t, p=n, dim=dims)
