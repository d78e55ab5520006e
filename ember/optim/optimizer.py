"""Optimizer: the base class every optimizer in ``ember.optim`` builds on.

An optimizer holds ``param_groups`` (a list of dicts, each with its ``'params'`` and its
own hyperparameters) and ``state`` (a dict keyed by parameter tensor).  Its
``state_dict()`` has PyTorch's layout: parameters are replaced by their running index
over all groups, so a state dict saved by one process loads into a freshly built
optimizer in another.

Updates are written straight into each parameter's array (``p._array``) with NumPy
in-place ufuncs: views and shared memory stay intact, no autograd graph is recorded, and
the version counter is bumped so autograd notices the change.  Temporaries come from a
per-optimizer :class:`Workspace` instead of being allocated on every step.

Example:
    >>> import ember
    >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step(); w
    tensor([0.8000, 1.6000], requires_grad=True)
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .._blas import axpy
from .._tensor import Tensor

__all__ = [
    "Optimizer",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "required",
]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (no default value)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods: ``handle.remove()`` unregisters."""

    _next_id = 0

    def __init__(self, hooks_dict: dict):
        self._hooks_dict = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _register(hooks: dict, hook: Callable, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``."""
    return _register(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return _register(_global_step_post_hooks, hook)


class Workspace:
    """Reusable scratch arrays for an optimizer's temporaries, one buffer per slot.

    ``get(slot, like)`` returns an uninitialised array shaped like ``like``; it is only
    valid until the next ``get`` of the same slot, so an optimizer uses different slots
    for temporaries alive at the same time.  Buffers grow to the largest parameter and
    are then reused: a training step allocates nothing.
    """

    def __init__(self):
        self._buffers: dict = {}

    def get(self, slot: int, like):
        key = (slot, like.dtype, type(like))
        flat = self._buffers.get(key)
        n = like.size
        if flat is None or flat.size < n:
            xp = np if isinstance(like, np.ndarray) else _array_module(like)
            flat = xp.empty(n, like.dtype)
            self._buffers[key] = flat
        return flat[:n].reshape(like.shape)


def _array_module(arr):
    from .._device import array_module_of

    return array_module_of(arr)


def bump_version(*tensors: Tensor) -> None:
    """Record an in-place change to each tensor (autograd's saved-tensor checks see it)."""
    for t in tensors:
        t._version_counter[0] += 1


def scalar_state(value: float, dtype=np.float32) -> Tensor:
    """A 0-d tensor for scalar state such as Adam's ``step`` (float32, like torch)."""
    return Tensor._from_array(np.array(value, dtype=dtype))


class Optimizer:
    """Base class for optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts
            (parameter groups, each with a ``'params'`` entry and optional overrides
            of the defaults).
        defaults: the default hyperparameters of every group.

    Example:
        >>> import ember
        >>> a, b = ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)
        >>> opt = ember.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {params.type()}"
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_workspace", None)
        return state

    # Group options added in later torch versions: a state pickled without them gets these.
    _restored_group_defaults: dict = {}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)
        for group in self.__dict__.get("param_groups", ()):
            for key, value in self._restored_group_defaults.items():
                group.setdefault(key, value)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ------------------------------------------------------------- scratch space
    @property
    def workspace(self) -> Workspace:
        """Scratch arrays reused across steps (not part of the state dict)."""
        ws = self.__dict__.get("_workspace")
        if ws is None:
            ws = self.__dict__["_workspace"] = Workspace()
        return ws

    # ---------------------------------------------------------------- step hooks
    @classmethod
    def _wrap_step(cls, step):
        @functools.wraps(step)
        def wrapper(self, *args, **kwargs):
            for hook in chain(_global_step_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            out = step(self, *args, **kwargs)
            self._opt_called = True
            for hook in chain(self._optimizer_step_post_hooks.values(), _global_step_post_hooks.values()):
                hook(self, args, kwargs)
            return out

        wrapper.hooked = True
        return wrapper

    def _patch_step_function(self) -> None:
        # Like torch, the most-derived class's step is wrapped once, so hooks run once
        # per step even when a subclass's step calls ``super().step()``.
        cls = self.__class__
        if not getattr(cls.step, "hooked", False):
            cls.step = Optimizer._wrap_step(cls.step)

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` before ``step``; may return new (args, kwargs)."""
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` after ``step``."""
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` before ``state_dict()`` builds its result."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` after ``state_dict()``; may return a new dict."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` before loading; may return a new dict."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` after ``load_state_dict`` finished."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own hyperparameters) to optimize.

        Example:
            >>> import ember
            >>> opt = ember.optim.SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": ember.zeros(3, requires_grad=True), "lr": 0.01})
            >>> len(opt.param_groups)
            2
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for item in param_group["params"]:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                names.append(item[0])
                tensors.append(item[1])
            else:
                tensors.append(item)
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["params"] = tensors
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(param)
                )
            if not self.defaults.get("differentiable", False) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in param_group) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names.")
        self.param_groups.append(param_group)

    # --------------------------------------------------------------- the step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default).

        Example:
            >>> import ember
            >>> w = ember.ones(2, requires_grad=True); w.sum().backward()
            >>> opt = ember.optim.SGD([w], lr=0.1); opt.zero_grad(); print(w.grad)
            None
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if grad._grad_fn is not None:
                    grad.detach_()
                else:
                    grad._requires_grad = False
                grad._array[...] = 0
                bump_version(grad)

    def step(self, closure: Callable | None = None):
        """Perform one optimization step (subclasses implement it)."""
        raise NotImplementedError

    @staticmethod
    def _evaluate_closure(closure):
        if closure is None:
            return None
        from ..autograd import enable_grad

        with enable_grad():
            return closure()

    # ------------------------------------------------------------- state dicts
    def state_dict(self) -> dict:
        """The optimizer state in PyTorch's layout: ``{'state': {...}, 'param_groups': [...]}``.

        Parameters appear as their index over all groups in order; the state's tensors are
        the live ones (as in torch), so copy or save the result before stepping further.

        Example:
            >>> import ember
            >>> opt = ember.optim.SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt.state_dict()["param_groups"][0]["params"]
            [0]
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        param_mappings: dict = {}
        start_index = 0

        def pack_group(group: dict) -> dict:
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (param_mappings[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param: Tensor, value: Tensor, key=None) -> Tensor:
        # 'step' counters keep their own dtype; other floating state follows the parameter.
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state dict made by :meth:`state_dict` (of this or a torch-shaped optimizer).

        Example:
            >>> import ember
            >>> w = ember.zeros(2, requires_grad=True)
            >>> opt = ember.optim.Adam([w]); w.grad = ember.ones(2); opt.step()
            >>> fresh = ember.optim.Adam([w]); fresh.load_state_dict(opt.state_dict())
            >>> fresh.state[w]["step"]
            tensor(1.)
        """
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(param, value, key)
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group: dict, new_group: dict) -> dict:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


# ---------------------------------------------------------------- shared helpers
def check_value(ok: bool, message: str) -> None:
    """Raise torch's ValueError for an invalid hyperparameter."""
    if not ok:
        raise ValueError(message)


def check_unsupported(defaults: dict) -> None:
    """Reject options whose semantics ember does not implement (rather than ignore them)."""
    if defaults.get("differentiable"):
        raise NotImplementedError(
            "ember optimizers do not support differentiable=True (a step that is part of the autograd graph)"
        )


def as_float(value) -> float:
    """A hyperparameter as a Python float (torch also accepts 0-d tensors for lr)."""
    return float(value) if isinstance(value, Tensor) else value


def grads_of(group: dict, ws: Workspace, maximize: bool, weight_decay: float, decoupled: bool = False,
             lr: float = 0.0) -> Iterable:
    """Yield ``(param, param_array, grad_array)`` for the group's params that have a grad.

    Applies torch's common preamble: ``grad = -grad`` under ``maximize`` and either L2
    ``grad = grad + weight_decay * param`` or (``decoupled``) ``param *= 1 - lr * wd``.
    The returned grad is the parameter's own ``.grad`` array when unchanged, else a
    workspace array (slot 0) valid until the next parameter.
    """
    for p in group["params"]:
        g = p._grad
        if g is None:
            continue
        parr, garr = p._array, g._array
        if maximize:
            buf = ws.get(0, garr)
            np.negative(garr, out=buf)
            garr = buf
        if weight_decay != 0:
            if decoupled:
                np.multiply(parr, 1 - lr * weight_decay, out=parr)
            else:
                buf = ws.get(0, garr)
                tmp = ws.get(1, garr)
                np.multiply(parr, weight_decay, out=tmp)
                np.add(garr, tmp, out=buf)
                garr = buf
        yield p, parr, garr


def lerp_(start, end, weight: float, tmp) -> None:
    """``start.lerp_(end, weight)`` with torch's two-branch formula (float32 weight)."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        np.multiply(tmp, weight, out=tmp)
        np.add(start, tmp, out=start)
    else:
        one_minus = start.dtype.type(1) - start.dtype.type(weight)
        np.multiply(tmp, one_minus, out=tmp)
        np.subtract(end, tmp, out=start)


def addcmul_(target, t1, t2, value: float, tmp) -> None:
    """``target += value * t1 * t2`` evaluated as torch does: ``(value * t1) * t2``."""
    if value == 1:
        np.multiply(t1, t2, out=tmp)
    else:
        np.multiply(t1, value, out=tmp)
        np.multiply(tmp, t2, out=tmp)
    np.add(target, tmp, out=target)


def square_avg_(avg, g, decay: float, tmp) -> None:
    """``avg = decay * avg + (1 - decay) * g * g`` in place (the running mean of squares)."""
    np.multiply(avg, decay, out=avg)
    addcmul_(avg, g, g, 1 - decay, tmp)


def addcdiv_(target, t1, t2, value: float, tmp) -> None:
    """``target += value * t1 / t2`` evaluated as torch does: ``(value * t1) / t2``."""
    if value == 1:
        np.divide(t1, t2, out=tmp)
    else:
        np.multiply(t1, value, out=tmp)
        np.divide(tmp, t2, out=tmp)
    np.add(target, tmp, out=target)


def add_scaled_(target, src, alpha: float, tmp) -> None:
    """``target.add_(src, alpha=alpha)``: one fused BLAS axpy where possible (torch's
    kernel fuses it too, so the result is bitwise the same), else two NumPy passes."""
    if alpha == 1:
        np.add(target, src, out=target)
    elif not axpy(alpha, src, target):
        np.multiply(src, alpha, out=tmp)
        np.add(target, tmp, out=target)
