"""Spectral normalization, the older hook-based form: ``w = w_orig / sigma(w_orig)``.

``spectral_norm(module)`` renames the parameter ``weight`` to ``weight_orig``, adds the
power-iteration buffers ``weight_u`` and ``weight_v`` and recomputes ``module.weight`` in
a forward pre-hook, doing ``n_power_iterations`` steps of power iteration first when the
module is training.  ``sigma = u . (W v)`` estimates the largest singular value of the
weight viewed as a matrix (``dim`` first, the rest flattened).

The random start of ``u`` and ``v`` comes from ember's generator (not torch's), so to
reproduce torch's numbers copy ``weight_u``/``weight_v`` over from torch.

Example:
    >>> import ember, ember.nn as nn
    >>> lin = nn.utils.spectral_norm(nn.Linear(3, 4))
    >>> sorted(lin.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
"""

from __future__ import annotations

from typing import Any, TypeVar

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.distance import normalize
from ..modules.module import Module, _as_ember_tensor
from ..parameter import Parameter

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]

T_module = TypeVar("T_module", bound=Module)


def default_spectral_dim(module: Module) -> int:
    """Transposed convolutions keep output channels in dim 1, every other module in dim 0."""
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def reshape_weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """``dim`` moved first and the other dims flattened: the matrix whose norm is taken."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.dim()) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def normalize_into(buffer: Tensor, value: Tensor, eps: float) -> Tensor:
    """``F.normalize(value, dim=0, eps=eps, out=buffer)``: the buffer keeps its identity."""
    with no_grad():
        buffer.copy_(normalize(value, dim=0, eps=eps))
    return buffer


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_orig``."""

    # Version 1 of the state dict: ``<name>_v`` is saved (version None saved ``<name>``).
    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return reshape_weight_to_matrix(weight, self.dim)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # u and v are updated in place: they are the buffers, saved in state_dict.
                    normalize_into(v, weight_mat.mT.mv(u), self.eps)
                    normalize_into(u, weight_mat.mv(v), self.eps)
                # Clones, so the in-place updates of the next call do not touch this graph.
                u = u.clone()
                v = v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def _solve_v_and_rescale(self, weight_mat: Tensor, u: Tensor, target_sigma: Tensor) -> Tensor:
        # v with u = normalize(W v) and u . (W v) = target_sigma: v = pinv(W^T W) W^T u, rescaled.
        from ...ops.linalg_functions import pinv

        v = (pinv(weight_mat.mT.mm(weight_mat)) @ weight_mat.mT @ u.unsqueeze(1)).squeeze(1)
        return v.mul_(target_sigma / u.dot(weight_mat.mv(v)))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        with no_grad():
            weight_mat = fn.reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # ``module.weight`` must still exist (code may read it before the first forward),
        # as a plain attribute: assigning the Parameter itself would register it again.
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormLoadStateDictPreHook:
    """Upgrades state dicts of version None (which saved ``<name>`` but not ``<name>_v``):
    v is solved from ``W_orig v ~ u`` and rescaled so that ``sigma = W_orig / W``."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version", None)
        if version is None or version < 1:
            weight_key = prefix + fn.name
            if (
                version is None
                and all(weight_key + s in state_dict for s in ("_orig", "_u", "_v"))
                and weight_key not in state_dict
            ):
                # A current-layout dict that just lacks metadata (e.g. built by hand).
                return
            has_missing_keys = False
            for suffix in ("_orig", "", "_u"):
                key = weight_key + suffix
                if key not in state_dict:
                    has_missing_keys = True
                    if strict:
                        missing_keys.append(key)
            if has_missing_keys:
                return
            with no_grad():
                # The dict may hold torch tensors (a checkpoint read from torch).
                weight_orig = _as_ember_tensor(state_dict[weight_key + "_orig"])
                weight = _as_ember_tensor(state_dict.pop(weight_key))
                sigma = (weight_orig / weight).mean()
                weight_mat = fn.reshape_weight_to_matrix(weight_orig)
                u = _as_ember_tensor(state_dict[weight_key + "_u"])
                state_dict[weight_key + "_v"] = fn._solve_v_and_rescale(weight_mat, u, sigma)


class SpectralNormStateDictHook:
    """Records ``spectral_norm.<name>.version`` in the state dict's metadata."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata) -> None:
        if "spectral_norm" not in local_metadata:
            local_metadata["spectral_norm"] = {}
        key = self.fn.name + ".version"
        if key in local_metadata["spectral_norm"]:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        local_metadata["spectral_norm"][key] = self.fn._version


def spectral_norm(
    module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> T_module:
    """Apply spectral normalization to ``module.<name>`` (hook form).

    ``dim`` defaults to 0, or 1 for transposed convolutions (their output channels).

    Example:
        >>> import ember, ember.nn as nn
        >>> lin = nn.utils.spectral_norm(nn.Linear(5, 3))
        >>> _ = lin(ember.ones(1, 5))
        >>> sigma = lin.weight_u @ lin.weight_orig @ lin.weight_v
        >>> bool(lin.weight.allclose(lin.weight_orig / sigma))
        True
    """
    if dim is None:
        dim = default_spectral_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`spectral_norm`: ``<name>`` becomes one Parameter holding ``W_orig / sigma``.

    Example:
        >>> import ember.nn as nn
        >>> lin = nn.utils.remove_spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2)))
        >>> sorted(lin.state_dict())
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")

    for k, hook in module._state_dict_hooks.items():
        if isinstance(hook, SpectralNormStateDictHook) and hook.fn.name == name:
            del module._state_dict_hooks[k]
            break
    for k, hook in module._load_state_dict_pre_hooks.items():
        if isinstance(hook, SpectralNormLoadStateDictPreHook) and hook.fn.name == name:
            del module._load_state_dict_pre_hooks[k]
            break
    return module
