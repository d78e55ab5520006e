"""Function: the one interface of every differentiable op, and the graph nodes it records.

An op is a ``Function`` subclass with

* ``forward(ctx, *inputs, **params)``, which computes the result, and
* ``backward(ctx, *grad_outputs)``, which returns one gradient per positional input,
  built from ember ops on Tensors, so that backward itself can be differentiated
  (``create_graph=True``).  When no graph is wanted the engine runs it under no_grad.

Ember's own ops set ``_array_forward = True``: their ``forward`` receives raw ``xp``
arrays and returns arrays (or tuples of them).  A user's subclass receives Tensors, as
in torch.  The object passed as ``ctx`` is the graph node itself (``y.grad_fn``).

An op may also set ``_array_backward = True`` when its ``backward`` is written only with
operations that mean the same on Tensors and on raw arrays (operators, ``.mT``,
``.reshape``, the helpers in ``ops/_select.py``).  When no graph of the backward is
wanted (``create_graph=False``, nearly always) the engine then calls that same backward
with raw arrays, and ``ctx.saved_tensors`` gives raw arrays: a small op's backward costs
a NumPy call, not a Tensor op.  With ``create_graph=True`` it receives Tensors as usual.

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

from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from . import anomaly
from .grad_mode import STATE, THREADS_NOT_RECORDING, set_recording

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
        "_edges",  # next_functions, as the engine reads it
        "_fn",  # the Function subclass whose backward this node runs (None for a leaf's)
        "_needs",
        "_input_meta",
        "_output_meta",
        "_to_save",
        "_saved",
        "_seq",
        "_saved_as_arrays",
        "_plain_backward",
        # read for every node by apply or the engine: slots, not class defaults, because
        # Python 3.11 reads a slot faster than a class attribute through an instance
        "_num_outputs",
        "_non_differentiable",
        "_hooked",  # True once a tensor hook or pre-hook is registered
        "__dict__",
        "__weakref__",
    )

    # Rarely used state lives in class-level defaults so creating a node stays cheap.
    _pre_hooks = None
    _hooks = None
    _tensor_hooks = None
    _materialize_grads = True
    _dirty = None
    _creation_trace = None

    def __init__(self):
        _init_node(self)

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` pair per positional input (``(None, 0)``: no gradient)."""
        edges = self._edges
        for child, _ in edges:
            if type(child) is OpNode:
                publish_node(child)
        return edges

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per positional input: does that input need a gradient?"""
        needs = self._needs
        if needs is None:
            needs = self._needs = tuple(m is not None for m in self._input_meta)
        return needs

    @property
    def metadata(self) -> dict:
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self.__dict__["_metadata"] = {}
        return meta

    _qualified_name = None  # torch's name() where it is not the class name

    def _node_class(self) -> type:
        """The class this node shows users (``MulBackward0``; see ``OpNode``)."""
        return self._fn._node_cls if type(self) is OpNode else type(self)

    def name(self) -> str:
        cls = self._node_class()
        return cls._qualified_name or cls.__name__

    def __repr__(self) -> str:
        return f"<{self._node_class().__name__} object at {hex(id(self))}>"

    # -- what the user's forward calls on ctx -------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep tensors (or arrays, in ember's own ops) for use in backward."""
        self._to_save = values

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
        if self._saved is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                f"if you need to access saved tensors after calling backward. (in {self.name()})"
            )
        if self._saved_as_arrays:  # raw arrays (the engine runs an array backward)
            values = []
            for kind, value, counter, version, _ in self._saved or ():
                if counter is not None and counter[0] != version:
                    _check_version((kind, value, counter, version), self)
                values.append(value._array if kind == SAVED_TENSOR else value)
            return tuple(values)
        return tuple([_unpack(entry, self) for entry in self._saved or ()])

    @property
    def saved_values(self) -> tuple:
        return self.saved_tensors

    # -- hooks ------------------------------------------------------------------------
    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
            self._plain_backward = None
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward; may return new grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
            self._hooked = True
            self._plain_backward = None
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    def _add_tensor_hook(self, output_nr: int, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
            self._hooked = True
            self._plain_backward = None
        hooks = self._tensor_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    # -- what the engine calls ---------------------------------------------------------
    def _release_saved(self) -> None:
        if self._saved:
            self._saved = FREED


class OpNode(Node):
    """The class every node of an ember op is made with, until code outside ember sees it.

    Python 3.11 speeds up an attribute access only where it always meets one class:
    ``Function.apply`` and the engine's loop touch every node a dozen times, and with one
    class per op (``MulBackward0``, ``AddBackward0``, ...) none of those accesses could be
    sped up (about 5% of a small op's cost).  So a node is made as an ``OpNode`` and takes
    its op's class (same layout, so ``__class__`` can change) when it is handed out:
    ``tensor.grad_fn`` and ``node.next_functions`` call ``publish_node``.
    """

    __slots__ = ()


def publish_node(node):
    """Give an ``OpNode`` the class of its op before code outside ember sees it."""
    if type(node) is OpNode:
        node.__class__ = node._fn._node_cls
    return node


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient to ``variable.grad``.

    The leaf keeps its node for as long as it lives (one node per leaf, as torch); the
    node refers back to the leaf weakly, so the pair forms no reference cycle.
    """

    __slots__ = ("_variable_ref",)
    _qualified_name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        _init_node(self)
        self._variable_ref = weakref.ref(variable)
        self._edges = ()
        self._input_meta = ()

    @property
    def variable(self):
        return self._variable_ref()


class _Freed(tuple):
    """The type of ``FREED``: what ``node._saved`` holds once backward released it."""


FREED = _Freed()  # empty like "nothing saved", but saved_tensors tells them apart


def _init_node(node) -> None:
    node._fn = None
    node._seq = next(_sequence)
    node._saved = None
    node._to_save = ()
    node._needs = None
    node._saved_as_arrays = False  # the engine sets it around a backward call on arrays
    # The op's backward where the engine may call it directly on arrays (an ember op with
    # one output and no hooks), else None.
    node._plain_backward = None
    node._num_outputs = 1
    node._non_differentiable = None
    node._hooked = False


# A saved value is a tuple (kind, value, version counter, version at save, output_nr):
# plain tuples, because every recorded op makes one or two.
#   SAVED_TENSOR: value is a Tensor (an input, or a tensor the op saved);
#   SAVED_OUTPUT: value is the raw array of the node's own output number output_nr
#                 (holding the output Tensor would form a reference cycle);
#   SAVED_CONST:  value is anything else (a number, an array made in forward, None).
SAVED_TENSOR, SAVED_OUTPUT, SAVED_CONST = 0, 1, 2


def saved_tensor_entry(tensor) -> tuple:
    """The saved-value entry that keeps ``tensor`` and checks its version at backward."""
    counter = tensor._version_counter
    return (SAVED_TENSOR, tensor, counter, counter[0], 0)


def _check_version(entry, node: Node) -> None:
    counter = entry[2]
    if counter is not None and counter[0] != entry[3]:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: saved by {node.name()}, it is at version {counter[0]}; "
            f"expected version {entry[3]} instead. Hint: the tensor was changed in place "
            "after it was used; use an out-of-place op (x = x + y, not x += y) or clone() it."
        )


def _unpack(entry, node: Node):
    """A saved value as backward sees it: Tensors for tensors and arrays."""
    _check_version(entry, node)
    kind, value = entry[0], entry[1]
    if kind == SAVED_TENSOR:
        return value
    if kind == SAVED_OUTPUT:
        out = Tensor._from_array(value)
        out._requires_grad = True
        out._grad_fn = node
        out._output_nr = entry[4]
        return out
    if isinstance(value, ndarray) or hasattr(value, "__cuda_array_interface__"):
        return Tensor._from_array(value)
    return value


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
        node_attributes = {"__slots__": ()}
        if namespace.get("_node_qualified_name"):
            node_attributes["_qualified_name"] = namespace["_node_qualified_name"]
        cls._node_cls = type(node_name, (Node,), node_attributes)
        # What a node of an ember op whose backward also runs on arrays starts with
        # (Node._plain_backward).
        array_op = getattr(cls, "_array_forward", False) and getattr(cls, "_array_backward", False)
        cls._plain_backward = cls.backward if array_op else None


class Function(metaclass=_FunctionMeta):
    """Base class of differentiable operations (see the module docstring)."""

    _array_forward = False
    _array_backward = False  # backward also runs on raw arrays (see the module docstring)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on ``args``, recording its node if some input needs a gradient.

        For ember's own ops this is the hot path of every training step, so it is
        written out flat: one pass over the inputs gathers their arrays, the graph edges
        and the shape/dtype each input's gradient must have; the node and the output
        tensor are filled in place.
        """
        if not cls._array_forward:
            return _apply_user_function(cls, args, kwargs)
        if THREADS_NOT_RECORDING and not STATE.enabled:
            return _run_unrecorded(cls, [a._array if isinstance(a, Tensor) else a for a in args], kwargs)
        raw = []
        edges = []
        meta = []
        needs = []
        recorded = False
        for a in args:
            if isinstance(a, Tensor):
                arr = a._array
                raw.append(arr)
                if a._requires_grad:
                    recorded = True
                    fn = a._grad_fn
                    if fn is not None:
                        edges.append((fn, a._output_nr))
                    else:  # a leaf: its AccumulateGrad node (grad_accumulator_for, inlined)
                        edges.append((a._grad_accumulator or grad_accumulator_for(a), 0))
                    meta.append((arr.shape, arr.dtype))
                    needs.append(True)
                    continue
            else:
                raw.append(a)
            edges.append(_NO_EDGE)
            meta.append(None)
            needs.append(False)
        if not recorded:
            return _run_unrecorded(cls, raw, kwargs)

        node = _new_object(OpNode)  # Node.__init__, inlined
        node._fn = cls
        node._seq = next(_sequence)
        node._saved = None
        node._to_save = ()
        node._needs = tuple(needs)
        node._saved_as_arrays = False
        node._plain_backward = cls._plain_backward
        node._num_outputs = 1
        node._non_differentiable = None
        node._hooked = False
        if anomaly.STATE.enabled:
            node._creation_trace = traceback.extract_stack()[:-2]
        node._edges = tuple(edges)
        node._input_meta = tuple(meta)
        outputs = cls.forward(node, *raw, **kwargs) if kwargs else cls.forward(node, *raw)
        if type(outputs) is tuple:
            return _record(node, args, raw, outputs, outputs, False)

        out = _new_object(Tensor)  # Tensor._from_array, inlined
        out._array = outputs
        out._version_counter = [0]
        if outputs.dtype.kind in "fV" and node._non_differentiable is None:
            out._requires_grad = True
            out._grad_fn = node
        else:
            out._requires_grad = False
            out._grad_fn = None
        to_save = node._to_save
        if to_save:
            node._to_save = ()
            saved = []
            for value in to_save:
                # Ops save their inputs, their output or constants: find which, cheaply.
                if value is outputs and out._grad_fn is node:
                    saved.append((SAVED_OUTPUT, outputs, out._version_counter, 0, 0))
                    continue
                if type(value) is ndarray:
                    for i, r in enumerate(raw):
                        if value is r and r is not args[i]:
                            counter = args[i]._version_counter
                            saved.append((SAVED_TENSOR, args[i], counter, counter[0], 0))
                            break
                    else:
                        saved.append(_saved_entry(value, args, raw, (outputs,), (out,)))
                elif value is None or type(value) in _PLAIN_CONSTANTS:
                    saved.append((SAVED_CONST, value, None, 0, 0))
                else:
                    saved.append(_saved_entry(value, args, raw, (outputs,), (out,)))
            node._saved = saved
        return out


_NO_EDGE = (None, 0)


def _apply_user_function(cls, args, kwargs):
    """``apply`` of a user's Function: forward sees Tensors, with recording off."""
    needs = STATE.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
    node = cls._node_cls()
    node._fn = cls
    node._needs = tuple(needs and isinstance(a, Tensor) and a._requires_grad for a in args)
    prev = set_recording(False)
    try:
        outputs = cls.forward(node, *args, **kwargs)
    finally:
        set_recording(prev)
    if not needs:
        return outputs
    if anomaly.STATE.enabled:
        node._creation_trace = traceback.extract_stack()[:-3]
    _edges_and_meta(node, args)
    # Numbered after its inputs' nodes (a leaf's AccumulateGrad may have been made just
    # now): the engine runs nodes newest first.
    node._seq = next(_sequence)
    single = not isinstance(outputs, tuple)
    out_arrays = tuple(
        o._array if isinstance(o, Tensor) else None for o in ((outputs,) if single else outputs)
    )
    return _record(node, args, args, outputs, out_arrays, single)


def _run_unrecorded(cls, raw, kwargs):
    """Run an ember op's forward on arrays with no graph node; wrap its output(s)."""
    out = cls.forward(NO_GRAPH_CTX, *raw, **kwargs)
    if type(out) is tuple:
        return tuple(None if o is None else Tensor._from_array(o) for o in out)
    return Tensor._from_array(out)


_new_object = object.__new__
_PLAIN_CONSTANTS = frozenset((int, float, bool, tuple))


def _edges_and_meta(node, args) -> None:
    """Set the node's edges to its inputs and the shape/dtype each gradient must have."""
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a._grad_fn
            edges.append((fn, a._output_nr) if fn is not None else (grad_accumulator_for(a), 0))
            arr = a._array
            meta.append((arr.shape, arr.dtype))
        else:
            edges.append(_NO_EDGE)
            meta.append(None)
    node._edges = tuple(edges)
    node._input_meta = tuple(meta)


def _record(node, args, raw, outputs, out_arrays, single):
    """Attach a node with several outputs (or a user Function's node) to the graph."""
    node._num_outputs = len(out_arrays)
    if node._num_outputs != 1:
        node._plain_backward = None
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
        elif isinstance(given, Tensor) and given._grad_fn is None:
            out = given  # a user's forward made this tensor: it becomes the output itself
        else:
            out = Tensor._from_array(arr)
        differentiable = arr.dtype.kind in "fV"
        if non_diff is not None and any(given is nd for nd in non_diff):
            differentiable = False
        if differentiable:
            out._requires_grad = True
            out._grad_fn = node
            out._output_nr = i
        results.append(out)

    to_save = node._to_save
    if to_save:
        node._to_save = ()
        node._saved = [_saved_entry(v, args, raw, out_arrays, results) for v in to_save]
    return results[0] if single else tuple(results)


def _saved_entry(value, args, raw, out_arrays, results) -> tuple:
    """The entry (see SAVED_TENSOR) for one value given to ``save_for_backward``."""
    if value is None:
        return (SAVED_CONST, None, None, 0, 0)
    for i, r in enumerate(raw):
        if value is r and isinstance(args[i], Tensor):
            return saved_tensor_entry(args[i])
    for i, arr in enumerate(out_arrays):
        target = results[i]
        if target is not None and (value is arr or value is target):
            if target._grad_fn is None:  # a non-differentiable output is just data
                return saved_tensor_entry(target)
            counter = target._version_counter
            return (SAVED_OUTPUT, arr, counter, counter[0], i)
    if isinstance(value, Tensor):
        return saved_tensor_entry(value)
    return (SAVED_CONST, value, None, 0, 0)


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable (runs it under no_grad)."""
    import functools

    from .grad_mode import no_grad

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)

    return wrapper


def reachable_leaves(tensors):
    """Yield the leaf tensor of every AccumulateGrad node the tensors' graphs reach, once each.

    A leaf that no longer exists is yielded as None.  Leaves among ``tensors`` themselves
    are not yielded (only what their ``grad_fn`` reaches).
    """
    stack = [t._grad_fn for t in tensors if t._grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if type(node) is AccumulateGrad:
            yield node._variable_ref()
        else:
            stack.extend(child for child, _ in node._edges)


def depends_on_other_leaves(tensors, own_leaves: set) -> bool:
    """Whether some tensor is, or its graph reaches, a leaf requiring grad whose id is not
    in ``own_leaves`` (func/functional transforms keep a result's graph only then)."""
    if any(t._grad_fn is None and t.requires_grad and id(t) not in own_leaves for t in tensors):
        return True
    return any(id(leaf) not in own_leaves for leaf in reachable_leaves(tensors))


def grad_accumulator_for(tensor):
    """Return (creating once) the AccumulateGrad node of a leaf tensor."""
    node = tensor._grad_accumulator
    if node is None:
        node = tensor._grad_accumulator = AccumulateGrad(tensor)
    return node
