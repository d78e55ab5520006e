"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` without keeping its intermediate activations; in
backward it runs ``fn`` again on the saved inputs, under grad, and backpropagates
through that recomputation.  The random-number state is restored for the rerun
(``preserve_rng_state=True``), so dropout draws the same masks and the gradients equal
those of the plain call.

Two variants, chosen by ``use_reentrant`` (torch 2.13 still defaults to the reentrant
one, with a warning, when it is not given):

* ``use_reentrant=True``: an autograd Function over the tensor arguments; its backward
  runs a nested ``backward`` that accumulates into the ``.grad`` of the parameters the
  function used.  Keyword arguments are refused; outputs require grad only when some
  tensor argument does.
* ``use_reentrant=False``: the segment's graph is built once to find the leaves it
  reaches (parameters, inputs), then dropped; one graph node over all of them stands in
  for it, and its backward recomputes the segment and returns the gradients through the
  engine, so ``autograd.grad``, ``backward(inputs=...)``, keyword arguments and double
  backward work.

Example:
    >>> import ember
    >>> lin = ember.nn.Linear(3, 3)
    >>> x = ember.randn(2, 3, requires_grad=True)
    >>> y = ember.utils.checkpoint.checkpoint(lin, x, use_reentrant=False)
    >>> y.sum().backward(); x.grad.shape
    torch.Size([2, 3])
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable

from .. import random as _random
from .._tensor import Tensor
from ..autograd import grad as _autograd_grad
from ..autograd import backward as _autograd_backward
from ..autograd.function import Function, reachable_leaves
from ..autograd.grad_mode import STATE, enable_grad

__all__ = ["CheckpointError", "CheckpointFunction", "checkpoint", "checkpoint_sequential", "noop_context_fn"]

_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
    "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
    "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
    "you can pass use_reentrant=True. Refer to docs for more details on the differences between the "
    "two variants."
)
_SEQUENTIAL_REENTRANT_WARNING = (
    "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
    "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
    "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
    "you can pass use_reentrant=True. Refer to docs for more details on the differences between the "
    "two variants."
)


def noop_context_fn():
    """The default ``context_fn``: two do-nothing context managers (forward, recompute)."""
    return contextlib.nullcontext(), contextlib.nullcontext()


class _RngSnapshot:
    """The default generator's state at forward, restored around the recomputation."""

    def __init__(self, enabled: bool):
        self.state = _random.get_rng_state() if enabled else None

    @contextlib.contextmanager
    def replay(self):
        """Run the block from the saved state; the generator's own state is back afterwards."""
        with _random.fork_rng(enabled=self.state is not None):
            if self.state is not None:
                _random.set_rng_state(self.state)
            yield


def _detach_like(values: Iterable) -> list:
    """Tensors detached (keeping requires_grad), everything else as is."""
    out = []
    for v in values:
        if isinstance(v, Tensor):
            d = v.detach()
            d.requires_grad_(v.requires_grad)
            out.append(d)
        else:
            out.append(v)
    return out


def _as_tuple(outputs) -> tuple:
    return outputs if isinstance(outputs, tuple) else (outputs,)


class CheckpointFunction(Function):
    """The reentrant checkpoint: ``apply(run_function, preserve_rng_state, *args)``."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        # outputs without a gradient (and non-tensor outputs) reach backward as None
        ctx.set_materialize_grads(False)
        ctx.rng = _RngSnapshot(preserve_rng_state)
        # keep the tensor arguments (saved, so in-place changes are caught) and the rest
        ctx.tensor_indices, ctx.inputs = _split_args(args)
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_indices])
        return run_function(*args)  # apply() runs forward with recording off

    @staticmethod
    def backward(ctx, *grad_outputs):
        detached = _detach_like(_merge_args(ctx.inputs, ctx.tensor_indices, ctx.saved_tensors))
        with ctx.rng.replay(), enable_grad():
            outputs = _as_tuple(ctx.run_function(*detached))
        differentiable, grads = [], []
        for out, g in zip(outputs, grad_outputs):
            if isinstance(out, Tensor) and out.requires_grad and g is not None:
                differentiable.append(out)
                grads.append(g)
        if not differentiable:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _autograd_backward(differentiable, grads)
        input_grads = tuple(d.grad if isinstance(d, Tensor) else None for d in detached)
        return (None, None) + input_grads


def _split_args(args) -> tuple:
    """``(indices of the tensor arguments, the arguments with None in their place)``."""
    tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    return tensor_indices, [None if isinstance(a, Tensor) else a for a in args]


def _merge_args(others: list, tensor_indices: list, tensors) -> list:
    """The arguments again, from ``_split_args``'s list and the tensors."""
    args = list(others)
    for i, t in zip(tensor_indices, tensors):
        args[i] = t
    return args


class _SegmentState:
    """What the non-reentrant node needs to rerun the segment (kept off the saved list)."""

    def __init__(self, function, args, kwargs, rng, outputs, recompute_ctx, determinism_check):
        self.function = function
        self.tensor_indices, self.args = _split_args(args)
        self.kwargs = kwargs
        self.rng = rng
        self.outputs = outputs  # the recorded tensor outputs, until the node takes them
        self.output_differentiable = [o.requires_grad for o in outputs]
        self.output_meta = [(tuple(o.shape), o.dtype) for o in outputs]
        self.recompute_ctx = recompute_ctx
        self.determinism_check = determinism_check


class _NonReentrantCheckpoint(Function):
    """``apply(state, *arg_tensors, *leaves)``: outputs are the segment's tensor outputs."""

    _backward_name = "CheckpointBackward"

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(*tensors)
        outs = tuple(o.detach() for o in state.outputs)
        state.outputs = None  # drop the recorded graph
        nondiff = [o for o, d in zip(outs, state.output_differentiable) if not d]
        if nondiff:
            ctx.mark_non_differentiable(*nondiff)
        return outs

    @staticmethod
    def backward(ctx, *grad_outputs):
        state = ctx.state
        saved = ctx.saved_tensors
        n_args = len(state.tensor_indices)
        arg_tensors, leaves = saved[:n_args], saved[n_args:]
        args = _merge_args(state.args, state.tensor_indices, arg_tensors)
        create_graph = STATE.enabled  # the engine records only when create_graph=True
        if not create_graph:
            # the rerun's graph ends at fresh leaves; with create_graph it must reach the
            # real inputs, so that the returned gradients are functions of them
            args = _detach_like(args)
        with state.rng.replay(), enable_grad(), state.recompute_ctx:
            outputs = _as_tuple(state.function(*args, **state.kwargs))
        tensor_outputs = [o for o in outputs if isinstance(o, Tensor)]
        if state.determinism_check == "default":
            _check_recomputed(state.output_meta, tensor_outputs)
        wanted = [args[i] for i in state.tensor_indices] + list(leaves)
        needs = ctx.needs_input_grad[1:]
        roots, root_grads = [], []
        for out, g in zip(tensor_outputs, grad_outputs):
            if out.requires_grad and g is not None:
                roots.append(out)
                root_grads.append(g)
        asked = [need and t.requires_grad for t, need in zip(wanted, needs)]
        targets = [t for t, ask in zip(wanted, asked) if ask]
        found = iter(
            _autograd_grad(roots, targets, root_grads, create_graph=create_graph, allow_unused=True)
            if roots and targets
            else ()
        )
        grads = [next(found) if ask else None for ask in asked]
        return (None,) + tuple(grads)


class CheckpointError(RuntimeError):
    """The recomputation did not reproduce the forward pass (torch's CheckpointError)."""


def _check_recomputed(expected: list, outputs: list) -> None:
    got = [(tuple(o.shape), o.dtype) for o in outputs]
    if got != expected:
        raise CheckpointError(
            "torch.utils.checkpoint: Recomputed values have different metadata than during "
            f"the forward pass: (shape, dtype) {got} instead of {expected}. The function must "
            "be deterministic and its inputs unchanged (pass determinism_check='none' to skip this check)."
        )


def _graph_leaves(outputs: list, own_leaves: list) -> list:
    """The leaf tensors requiring grad reached from ``outputs``' graph, minus ``own_leaves``."""
    own = {id(t) for t in own_leaves}
    return [leaf for leaf in reachable_leaves(outputs) if leaf is not None and id(leaf) not in own]


def _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs, recompute_ctx, determinism_check):
    if not STATE.enabled:
        return function(*args, **kwargs)
    rng = _RngSnapshot(preserve_rng_state)
    detached = _detach_like(args)
    outputs = function(*detached, **kwargs)
    flat = _as_tuple(outputs)
    tensor_outputs = [o for o in flat if isinstance(o, Tensor)]
    recorded = [o for o in tensor_outputs if o.requires_grad]
    if not recorded:
        return outputs
    state = _SegmentState(function, args, kwargs, rng, tensor_outputs, recompute_ctx, determinism_check)
    arg_tensors = [args[i] for i in state.tensor_indices]
    leaves = _graph_leaves(recorded, [detached[i] for i in state.tensor_indices])
    results = iter(_as_tuple(_NonReentrantCheckpoint.apply(state, *arg_tensors, *leaves)))
    packed = [next(results) if isinstance(o, Tensor) else o for o in flat]
    if not isinstance(outputs, tuple):
        return packed[0]
    return tuple(packed)


def checkpoint(
    function: Callable,
    *args,
    use_reentrant: bool | None = None,
    context_fn: Callable = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs,
):
    """Run ``function(*args)`` keeping only its inputs; recompute it during backward.

    Gradients equal those of calling ``function(*args)`` directly.  ``preserve_rng_state``
    (a keyword, default True) replays the random state so dropout masks match.  Pass
    ``use_reentrant`` explicitly (omitting it warns and selects ``True``, as torch 2.13).

    Example:
        >>> import ember
        >>> w = ember.ones(2, requires_grad=True)
        >>> y = ember.utils.checkpoint.checkpoint(lambda t: (t * w).sin(), ember.ones(2), use_reentrant=False)
        >>> y.sum().backward(); w.grad
        tensor([0.5403, 0.5403])
    """
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning, stacklevel=2)
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    forward_ctx, recompute_ctx = context_fn()
    with forward_ctx:
        return _checkpoint_without_reentrant(
            function, preserve_rng_state, args, kwargs, recompute_ctx, determinism_check
        )


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Split a Sequential (or list of modules/functions) into ``segments`` and checkpoint each
    but the last, which runs normally.

    Example:
        >>> import ember
        >>> net = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU(), ember.nn.Linear(2, 1))
        >>> x = ember.randn(3, 2, requires_grad=True)
        >>> out = ember.utils.checkpoint.checkpoint_sequential(net, 2, x, use_reentrant=False)
        >>> out.shape
        torch.Size([3, 1])
    """
    if use_reentrant is None:
        warnings.warn(_SEQUENTIAL_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input

        return forward

    from ..nn.modules.container import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end, functions), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run_function(end + 1, len(functions) - 1, functions)(input)
