"""Call a module with some of its parameters and buffers temporarily replaced.

``functional_call(module, {"weight": w}, x)`` runs ``module(x)`` as if ``module.weight``
were ``w`` (any Tensor, e.g. one that requires grad, so gradients flow to ``w`` and not
to the module's own Parameter), then puts the originals back, also when the call raises.
This is the older spelling of ``ember.func.functional_call`` (deprecated in torch 2.0,
which warns; so does ember).

Example:
    >>> import ember
    >>> from ember import nn
    >>> from ember.func import functional_call
    >>> lin = nn.Linear(2, 1, bias=False)
    >>> functional_call(lin, {"weight": ember.tensor([[1.0, 2.0]])}, ember.tensor([3.0, 4.0]))
    tensor([11.])
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator

from ..._tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()


def _owner_and_leaf(module, dotted_name: str):
    """The submodule holding ``a.b.c``'s last part, and that part (``c``)."""
    *path, leaf = dotted_name.split(".")
    owner = module
    for part in path:
        child = owner._modules.get(part) if hasattr(owner, "_modules") else None
        if child is None:
            child = getattr(owner, part, None)
        if child is None:
            raise AttributeError(f"{owner._get_name()} has no attribute `{part}`")
        owner = child
    return owner, leaf


def _swap_in(owner, leaf: str, value):
    """Put ``value`` under ``owner.leaf`` (in the registry it lives in); return how to undo it."""
    for registry_name in ("_parameters", "_buffers"):
        registry = owner.__dict__.get(registry_name)
        if registry is not None and leaf in registry:
            previous = registry[leaf]
            registry[leaf] = value  # bypasses the Parameter-only check of __setattr__ on purpose
            return registry_name, previous
    previous = owner.__dict__.get(leaf, _MISSING)
    object.__setattr__(owner, leaf, value)
    return "__dict__", previous


def _swap_out(owner, leaf: str, registry_name: str, previous) -> None:
    if registry_name == "__dict__":
        if previous is _MISSING:
            owner.__dict__.pop(leaf, None)
        else:
            object.__setattr__(owner, leaf, previous)
    else:
        owner.__dict__[registry_name][leaf] = previous


def _tied_groups(module) -> list[list[str]]:
    """Names (of parameters and buffers) that share one Tensor object, groups of 2 or more."""
    by_object: dict[int, list[str]] = {}
    for name, tensor in module.named_parameters(remove_duplicate=False):
        by_object.setdefault(id(tensor), []).append(name)
    for name, tensor in module.named_buffers(remove_duplicate=False):
        by_object.setdefault(id(tensor), []).append(name)
    return [names for names in by_object.values() if len(names) > 1]


def _with_tied_names(module, replacements: dict) -> dict:
    """Give every name tied to a replaced one the same replacement (torch's tie_weights)."""
    replacements = dict(replacements)
    for names in _tied_groups(module):
        given = [n for n in names if n in replacements]
        if not given:
            continue
        value = replacements[given[0]]
        if any(replacements[n] is not value for n in given[1:]):
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                "Consider using tie_weights=False"
            )
        for n in names:
            replacements[n] = value
    return replacements


def _check_strict(module, replacements: dict) -> None:
    known = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    known |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
    unexpected = sorted(set(replacements) - known)
    missing = sorted(known - set(replacements))
    problems = []
    if unexpected:
        problems.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
    if missing:
        problems.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
    if problems:
        raise RuntimeError(
            f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(problems)
        )


@contextlib.contextmanager
def _reparametrize_module(
    module, parameters_and_buffers: dict, *, tie_weights: bool = False, strict: bool = False
) -> Iterator[None]:
    """Within the block, ``module``'s named tensors are the given ones (restored afterwards)."""
    for value in parameters_and_buffers.values():
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"{value} is not an instance of torch.Tensor")
    replacements = _with_tied_names(module, parameters_and_buffers) if tie_weights else dict(parameters_and_buffers)
    if strict:
        _check_strict(module, replacements)
    undo = []
    try:
        for name, value in replacements.items():
            owner, leaf = _owner_and_leaf(module, name)
            undo.append((owner, leaf, *_swap_in(owner, leaf, value)))
        yield
    finally:
        for owner, leaf, registry_name, previous in reversed(undo):
            _swap_out(owner, leaf, registry_name, previous)


def _functional_call(module, parameters_and_buffers: dict, args=None, kwargs=None, *, tie_weights=True, strict=False) -> Any:
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(
    module,
    parameters_and_buffers: dict,
    args=None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the named parameters/buffers replaced (deprecated).

    Warns (FutureWarning) as torch does; use ``ember.func.functional_call``.

    Example:
        >>> import ember, warnings
        >>> from ember import nn
        >>> lin = nn.Linear(1, 1)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     out = nn.utils.stateless.functional_call(
        ...         lin, {"weight": ember.tensor([[2.0]]), "bias": ember.tensor([1.0])}, ember.tensor([3.0]))
        >>> out
        tensor([7.])
    """
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be "
        "removed in a future version of PyTorch. Please use `torch.func.functional_call` instead "
        "which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
