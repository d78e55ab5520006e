"""Hook plumbing for Module: removable handles and full backward hooks.

A full backward hook needs the gradients with respect to a module's inputs and
outputs.  ``BackwardHook`` gets them by passing the inputs and the outputs through an
identity autograd Function: the gradient arriving at the output identity is
``grad_output``; the one arriving at the input identity is ``grad_input``.  Node
pre-hooks on those identities call the user's hooks and may replace the gradients.

Example:
    >>> import ember
    >>> lin = ember.nn.Linear(2, 1)
    >>> seen = []
    >>> h = lin.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].shape))
    >>> lin(ember.ones(3, 2, requires_grad=True)).sum().backward()
    >>> seen
    [torch.Size([3, 1])]
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections import OrderedDict

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import STATE

__all__ = ["BackwardHook", "RemovableHandle"]


class RemovableHandle:
    """What hook registration returns: ``handle.remove()`` unregisters the hook.

    ``extra_dict`` names further dicts holding the same id (e.g. the set of hooks
    that take keyword arguments), so removal cleans all of them.
    """

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        if extra_dict is None:
            extra_dict = ()
        elif not isinstance(extra_dict, (list, tuple)):
            extra_dict = (extra_dict,)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self) -> None:
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None and self.id in extra:
                del extra[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _IdentityForHooks(Function):
    """Returns its inputs unchanged; its graph node is where backward hooks attach."""

    _backward_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, *tensors):
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _pack_with_none(indices, values, size):
    out = [None] * size
    for idx, val in zip(indices, values):
        out[idx] = val
    return tuple(out)


def _unpack_none(indices, values):
    return tuple(values[idx] for idx in indices)


class BackwardHook:
    """Connects a module's full backward (pre-)hooks to one forward call."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = -1
        self.input_tensors_index = None
        self.n_outputs = -1
        self.output_tensors_index = None

    def _wrap_tensors(self, values, on_node):
        """Pass the tensors among ``values`` through the identity; returns new values."""
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in index]
        if not (STATE.enabled and any(t.requires_grad for t in tensors)):
            return values, None
        wrapped = _IdentityForHooks.apply(*tensors)
        if not isinstance(wrapped, tuple):
            wrapped = (wrapped,)
        nodes = [t._grad_fn for t in wrapped if t._grad_fn is not None]
        on_node(nodes[0])
        values = list(values)
        for i, t in zip(index, wrapped):
            values[i] = t
        return tuple(values), index

    def setup_input_hook(self, args):
        def attach(node):
            node.register_prehook(self._input_grads_ready)

        self.n_inputs = len(args)
        new_args, index = self._wrap_tensors(tuple(args), attach)
        self.input_tensors_index = index
        return new_args

    def setup_output_hook(self, result):
        def attach(node):
            node.register_prehook(self._output_grads_ready)

        single = not isinstance(result, tuple)
        values = (result,) if single else result
        self.n_outputs = len(values)
        new_values, index = self._wrap_tensors(values, attach)
        self.output_tensors_index = index
        return new_values[0] if single else new_values

    def _output_grads_ready(self, grads):
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grads, self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            out = out if isinstance(out, tuple) else (out,)
            if len(out) != len(self.grad_outputs):
                raise RuntimeError(
                    f"Backward pre hook returned an invalid number of grad_output, got {len(out)}, "
                    f"but expected {len(self.grad_outputs)}"
                )
            self.grad_outputs = out
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            # No input needs a gradient: the hooks run now, with grad_input all None.
            if self.user_hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to module "
                    "outputs since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                    "#torch.nn.Module.register_full_backward_hook for more details.",
                    stacklevel=2,
                )
            grad_inputs = (None,) * max(self.n_inputs, 0)
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients."
                    )
            self.grad_outputs = None
        return _unpack_none(self.output_tensors_index, local_grad_outputs)

    def _input_grads_ready(self, grads):
        res = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            out = out if isinstance(out, tuple) else (out,)
            if len(out) != len(res):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, but "
                    f"expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return _unpack_none(self.input_tensors_index, res)


def new_hook_dict() -> OrderedDict:
    return OrderedDict()
