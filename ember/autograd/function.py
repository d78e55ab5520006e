"""Function: the one interface of every differentiable op, and the graph nodes it records.

An op is a ``Function`` subclass with

* ``forward(ctx, *inputs, **params)``, which computes the result, and
* ``backward(ctx, *grad_outputs)``, which returns one gradient per positional input,
  built from ember ops on Tensors, so that backward itself can be differentiated
  (``create_graph=True``).  When no graph is wanted the engine runs it under no_grad.

Ember's own ops set ``_array_forward = True``: their ``forward`` receives raw ``xp``
arrays and returns arrays (or tuples of them).  A user's subclass receives Tensors, as
in torch.  The object passed as ``ctx`` is the graph node itself (``y.grad_fn``).

Example:
    >>> import ember
    >>> class Square(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = ember.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward(); x.grad
    tensor([6.])
"""

from __future__ import annotations

import itertools
import traceback
import weakref

import numpy as np

from . import anomaly
from .grad_mode import STATE

__all__ = ["Function", "Node", "AccumulateGrad", "FunctionCtx", "once_differentiable"]

_sequence = itertools.count()

# Set by ember._tensor once the Tensor class exists (the two modules need each other).
Tensor = None


def set_tensor_class(cls) -> None:
    global Tensor
    Tensor = cls


class Node:
    """A node of the backward graph: what ``tensor.grad_fn`` returns.

    ``next_functions`` holds one ``(node, output_nr)`` pair per positional input: the
    node that receives that input's gradient (``None`` for inputs needing none).
    """

    __slots__ = (
        "next_functions",
        "needs_input_grad",
        "_input_meta",
        "_output_meta",
        "_saved",
        "_seq",
        "_num_outputs",
        "__dict__",
        "__weakref__",
    )

    _fn = None  # the Function subclass whose backward this node runs
    # Rarely used state lives in class-level defaults so creating a node stays cheap.
    _saved_raw = ()
    _freed = False
    _pre_hooks = None
    _hooks = None
    _tensor_hooks = None
    _non_differentiable = None
    _materialize_grads = True
    _dirty = None
    _creation_trace = None

    def __init__(self):
        self._seq = next(_sequence)
        self._saved = None
        self._num_outputs = 1

    @property
    def metadata(self) -> dict:
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self.__dict__["_metadata"] = {}
        return meta

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- what the user's forward calls on ctx -------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep tensors (or arrays, in ember's own ops) for use in backward."""
        self._saved_raw = values

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs that get no gradient (they are returned with requires_grad=False)."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``; raises once the graph was freed."""
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                f"if you need to access saved tensors after calling backward. (in {self.name()})"
            )
        return tuple(entry.unpack(self) for entry in self._saved or ())

    @property
    def saved_values(self) -> tuple:
        return self.saved_tensors

    # -- hooks ------------------------------------------------------------------------
    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward; may return new grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    def _add_tensor_hook(self, output_nr: int, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        hooks = self._tensor_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    # -- what the engine calls ---------------------------------------------------------
    def _release_saved(self) -> None:
        if self._saved:
            self._freed = True
        self._saved = None
        self._saved_raw = ()

    def _run_backward(self, grads: tuple) -> tuple:
        result = self._fn.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        return result


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient to ``variable.grad``.

    The leaf keeps its node for as long as it lives (one node per leaf, as torch); the
    node refers back to the leaf weakly, so the pair forms no reference cycle.
    """

    __slots__ = ("_variable_ref",)

    def __init__(self, variable):
        super().__init__()
        self._variable_ref = weakref.ref(variable)
        self.next_functions = ()
        self.needs_input_grad = ()
        self._input_meta = ()

    @property
    def variable(self):
        return self._variable_ref()


class _SavedEntry:
    """One saved value plus the version it had, so in-place changes are caught."""

    __slots__ = ("kind", "value", "counter", "version", "output_nr")

    def __init__(self, kind, value, counter=None, version=0, output_nr=0):
        self.kind = kind  # "tensor", "output" or "const"
        self.value = value
        self.counter = counter
        self.version = version
        self.output_nr = output_nr

    def unpack(self, node: Node):
        if self.counter is not None and self.counter[0] != self.version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: saved by {node.name()}, it is at version {self.counter[0]}; "
                f"expected version {self.version} instead. Hint: the tensor was changed in place "
                "after it was used; use an out-of-place op (x = x + y, not x += y) or clone() it."
            )
        if self.kind == "tensor":
            return self.value
        if self.kind == "output":  # rebuilt on demand: holding the output would form a cycle
            out = Tensor._from_array(self.value)
            out._requires_grad = True
            out.grad_fn = node
            out._output_nr = self.output_nr
            return out
        if isinstance(self.value, np.ndarray) or hasattr(self.value, "__cuda_array_interface__"):
            return Tensor._from_array(self.value)
        return self.value


class _NoGraphContext:
    """The ``ctx`` given to forward when no graph is recorded: it keeps nothing."""

    __slots__ = ()
    needs_input_grad = ()

    def __setattr__(self, name, value):
        pass

    def save_for_backward(self, *values):
        pass

    def mark_non_differentiable(self, *outputs):
        pass

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


NO_GRAPH_CTX = _NoGraphContext()
FunctionCtx = Node


class _RemovableHandle:
    """Returned by hook registration; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _FunctionMeta(type):
    """Gives each Function subclass its own node class, named like torch's grad_fn."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        node_name = namespace.get("_backward_name") or f"{name}Backward"
        cls._node_cls = type(node_name, (Node,), {"__slots__": (), "_fn": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of differentiable operations (see the module docstring)."""

    _array_forward = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls._array_forward:
            if STATE.enabled:
                # One pass gathers the arrays and, for inputs that need a gradient,
                # the graph edges and the shape/dtype their gradients must have.
                raw = []
                needs = []
                edges = []
                meta = []
                any_needs = False
                for a in args:
                    if isinstance(a, Tensor):
                        arr = a._array
                        raw.append(arr)
                        if a._requires_grad:
                            any_needs = True
                            needs.append(True)
                            fn = a.grad_fn
                            edges.append((fn, a._output_nr) if fn is not None else (grad_accumulator_for(a), 0))
                            meta.append((arr.shape, arr.dtype))
                            continue
                    else:
                        raw.append(a)
                    needs.append(False)
                    edges.append(_NO_EDGE)
                    meta.append(None)
                if any_needs:
                    node = cls._node_cls()
                    if anomaly.STATE.enabled:
                        node._creation_trace = traceback.extract_stack()[:-2]
                    node.needs_input_grad = tuple(needs)
                    node.next_functions = tuple(edges)
                    node._input_meta = tuple(meta)
                    outputs = cls.forward(node, *raw, **kwargs)
                    if type(outputs) is not tuple:
                        return _record_single(node, args, raw, outputs)
                    return _record(node, args, raw, outputs, outputs, False, edges_done=True)
            else:
                raw = [a._array if isinstance(a, Tensor) else a for a in args]
            out = cls.forward(NO_GRAPH_CTX, *raw, **kwargs)
            if type(out) is tuple:
                return tuple(None if o is None else Tensor._from_array(o) for o in out)
            return Tensor._from_array(out)

        # A user's Function: forward sees Tensors, with recording off.
        needs = STATE.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
        node = cls._node_cls()
        node.needs_input_grad = tuple(
            needs and isinstance(a, Tensor) and a._requires_grad for a in args
        )
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outputs = cls.forward(node, *args, **kwargs)
        finally:
            STATE.enabled = prev
        if not needs:
            return outputs
        if anomaly.STATE.enabled:
            node._creation_trace = traceback.extract_stack()[:-2]
        single = not isinstance(outputs, tuple)
        out_arrays = tuple(
            o._array if isinstance(o, Tensor) else None for o in ((outputs,) if single else outputs)
        )
        return _record(node, args, args, outputs, out_arrays, single)


_NO_EDGE = (None, 0)


def _edges_and_meta(node, args) -> None:
    """Set the node's edges to its inputs and the shape/dtype each gradient must have."""
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a.grad_fn
            edges.append((fn, a._output_nr) if fn is not None else (grad_accumulator_for(a), 0))
            arr = a._array
            meta.append((arr.shape, arr.dtype))
        else:
            edges.append((None, 0))
            meta.append(None)
    node.next_functions = tuple(edges)
    node._input_meta = tuple(meta)


def _record_single(node, args, raw, arr):
    """The common case: one output array, an ember op (edges already set by apply)."""
    node._output_meta = ((arr.shape, arr.dtype),)
    out = Tensor._from_array(arr)
    if arr.dtype.kind in "fV" and node._non_differentiable is None:
        out._requires_grad = True
        out.grad_fn = node
    raw_saved = node._saved_raw
    if raw_saved:
        outs = (out,)
        node._saved = [_resolve_saved(v, args, raw, (arr,), outs) for v in raw_saved]
        node._saved_raw = ()
    return out


def _record(node, args, raw, outputs, out_arrays, single, edges_done=False):
    """Attach ``node`` to the graph: edges to the inputs, saved values, output tensors."""
    if not edges_done:
        _edges_and_meta(node, args)
    node._num_outputs = len(out_arrays)
    node._output_meta = tuple(None if a is None else (a.shape, a.dtype) for a in out_arrays)
    non_diff = node._non_differentiable
    dirty = node._dirty

    if dirty:  # a user Function that modified inputs in place returns them
        for t in dirty:
            t._check_inplace_allowed()
            t._bump_version()

    results = []
    for i, arr in enumerate(out_arrays):
        given = outputs if single else outputs[i]
        if arr is None:
            results.append(given if not isinstance(given, Tensor) else None)
            continue
        if dirty and any(given is d for d in dirty):
            out = given
        elif isinstance(given, Tensor) and any(given is a for a in args):
            # forward returned an input unchanged: the output aliases it
            out = Tensor._from_array(arr)
            out._version_counter = given._version_counter
        elif isinstance(given, Tensor) and given.grad_fn is None:
            out = given  # a user's forward made this tensor: it becomes the output itself
        else:
            out = Tensor._from_array(arr)
        differentiable = arr.dtype.kind in "fV"
        if non_diff is not None and any(given is nd for nd in non_diff):
            differentiable = False
        if differentiable:
            out._requires_grad = True
            out.grad_fn = node
            out._output_nr = i
        results.append(out)

    raw_saved = node._saved_raw
    if raw_saved:
        node._saved = [_resolve_saved(v, args, raw, out_arrays, results) for v in raw_saved]
        node._saved_raw = ()
    return results[0] if single else tuple(results)


def _resolve_saved(value, args, raw, out_arrays, results):
    if value is None:
        return _SavedEntry("const", None)
    for i, r in enumerate(raw):
        if value is r and isinstance(args[i], Tensor):
            t = args[i]
            return _SavedEntry("tensor", t, t._version_counter, t._version_counter[0])
    for i, arr in enumerate(out_arrays):
        target = results[i]
        if target is not None and (value is arr or value is target):
            if target.grad_fn is None:  # a non-differentiable output is just data
                return _SavedEntry("tensor", target, target._version_counter, target._version_counter[0])
            return _SavedEntry("output", arr, target._version_counter, target._version_counter[0], i)
    if isinstance(value, Tensor):
        return _SavedEntry("tensor", value, value._version_counter, value._version_counter[0])
    return _SavedEntry("const", value)


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable (runs it under no_grad)."""
    import functools

    from .grad_mode import no_grad

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)

    return wrapper


def grad_accumulator_for(tensor):
    """Return (creating once) the AccumulateGrad node of a leaf tensor."""
    node = tensor._grad_accumulator
    if node is None:
        node = tensor._grad_accumulator = AccumulateGrad(tensor)
    return node
