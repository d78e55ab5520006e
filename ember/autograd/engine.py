"""The backward pass: walks the recorded graph from the outputs to the leaves.

Reading order: nodes run newest first.  Every node is created after the nodes its inputs
came from, so its sequence number is larger than theirs: when the newest waiting node
is taken, every node that could still send it a gradient is newer and has already run.
So each node runs exactly once, after everything that depends on it, with no pass that
counts edges first (only ``inputs=`` walks the graph beforehand, to skip the parts that
lead to no requested input).  Nothing recurses, so a chain of 100,000 ops is fine.
Incoming gradients are summed down to each input's shape and cast to its dtype here, in
one place, so no op undoes broadcasting itself.
"""

from __future__ import annotations

import heapq
import threading

import numpy as np
from numpy import ndarray  # a global: NumPy's module __getattr__ keeps Python 3.11 from caching np.X

from . import anomaly, function
from .function import AccumulateGrad, grad_accumulator_for
from .grad_mode import set_recording

__all__ = ["queue_callback", "run_backward"]


class _FinalCallbacks(threading.local):
    def __init__(self):
        self.stack = []  # one list per backward pass running in this thread (they can nest)


_FINAL_CALLBACKS = _FinalCallbacks()


def queue_callback(callback) -> None:
    """Run ``callback()`` once the backward pass that is running now has finished.

    torch's ``Variable._execution_engine.queue_callback``: a gradient hook uses it to act
    after every gradient of the pass was computed (DistributedDataParallel waits for its
    gradient all-reduces there).  Callbacks run in the order queued, and may queue more.
    """
    stack = _FINAL_CALLBACKS.stack
    if not stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    stack[-1].append(callback)


def _root_edge(tensor):
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (grad_accumulator_for(tensor), 0)


def _needed_nodes(roots, targets):
    """Nodes reachable from ``roots`` from which some target node can be reached.

    Only those are worth running.
    """
    target_nodes = {node for node, _ in targets}
    needed = set()
    # Post-order over the graph below the roots, without recursion.
    visited = set()
    for start in roots:
        if start is None or start in visited:
            continue
        stack = [(start, iter(start._edges))]
        visited.add(start)
        while stack:
            node, children = stack[-1]
            advanced = False
            for child, _ in children:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child._edges)))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if node in target_nodes or any(
                c is not None and c in needed for c, _ in node._edges
            ):
                needed.add(node)
    return needed


def _fit_gradient(node, index, grad, meta, on_arrays):
    """Sum a gradient down to its input's shape and cast it to the input's dtype.

    ``grad`` is a Tensor, or in array mode a raw array.
    """
    Tensor = function.Tensor
    if on_arrays:
        grad = _as_array(node, index, grad)
    elif not isinstance(grad, Tensor):
        raise _not_a_gradient(node, index, grad)
    shape, np_dtype = meta
    arr = grad if on_arrays else grad._array
    if arr.shape != shape:
        from ..ops.broadcast import sum_to_shape

        summed = sum_to_shape(Tensor._from_array(arr) if on_arrays else grad, shape, node.name(), index)
        grad = summed._array if on_arrays else summed
        arr = summed._array
    if arr.dtype != np_dtype:
        grad = arr.astype(np_dtype) if on_arrays else grad._cast_np(np_dtype)
    return grad


def _not_a_gradient(node, index, grad) -> TypeError:
    return TypeError(
        f"function {node.name()} returned a gradient of type {type(grad).__name__} at index "
        f"{index}; gradients must be Tensors or None"
    )


def _as_array(node, index, value):
    """A backward result in array mode as a raw array (NumPy turns 0-d results into scalars)."""
    if type(value) is ndarray:
        return value
    if isinstance(value, function.Tensor):
        return value._array
    if isinstance(value, np.generic):
        return np.asarray(value)
    if hasattr(value, "__cuda_array_interface__"):
        return value
    raise _not_a_gradient(node, index, value)


def _add(prev, grad):
    """Sum two gradients of one output (arrays or Tensors)."""
    total = prev + grad
    return np.asarray(total) if isinstance(total, np.generic) else total


def _accumulate(node: AccumulateGrad, grad, create_graph: bool, stolen: set, on_arrays: bool) -> bool:
    """Add ``grad`` to the leaf's ``.grad`` in the common case (no hooks, no graph).

    Returns False, having done nothing, where the general path is needed: the engine
    then switches grad mode and calls ``_accumulate_with_hooks``.
    """
    ref = node._variable_ref
    variable = ref()  # node.variable, inlined
    if variable is None:  # the leaf no longer exists: nobody can read its gradient
        return True
    if variable._hooks is None and variable._post_accumulate_hooks is None and not create_graph:
        arr = grad if on_arrays else grad._array
        current = variable._grad
        if current is None:
            if id(arr) in stolen or arr.base is not None or not arr.flags.writeable:
                # The same gradient may reach several leaves (a + b), be a view, or come
                # from code outside ember's ops (a user's backward or hook may return a
                # tensor it keeps): copy it.  A fresh array from ember's own ops becomes
                # the .grad without a copy.
                arr = arr.copy()
            stolen.add(id(arr))
            variable._grad = function.Tensor._from_array(arr)
            return True
        if not current._requires_grad:
            current._accumulate_inplace(arr)
            return True
    return False


def _accumulate_with_hooks(node: AccumulateGrad, grad, create_graph: bool, on_arrays: bool) -> None:
    """The general case: the leaf's hooks, a recorded sum (create_graph), post hooks."""
    variable = node._variable_ref()
    if variable is None:
        return
    if on_arrays:
        grad = function.Tensor._from_array(grad)
    for hook in variable._hooks or ():
        new = hook(grad)
        if new is not None:
            grad = new
    if variable.grad is None:
        if create_graph:
            variable.grad = grad
        else:
            # A copy: the same gradient tensor may reach several leaves (a + b).
            variable.grad = grad._detached_copy()
    elif create_graph or variable.grad._requires_grad:
        variable.grad = variable.grad + grad
    else:
        variable.grad._accumulate_inplace(grad)
    for hook in variable._post_accumulate_hooks or ():
        hook(variable)


def run_backward(
    tensors,
    grad_tensors,
    retain_graph: bool,
    create_graph: bool,
    inputs=None,
    accumulate: bool = True,
):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``inputs``, only the gradients of those tensors are computed; with
    ``accumulate=False`` they are returned instead of added to ``.grad``
    (``autograd.grad``).  Returns the list of gradients for ``inputs`` (None where a
    tensor got no gradient).

    Without ``create_graph`` the gradients flow between nodes as raw arrays ("array
    mode"): ops whose backward works on arrays (``Function._array_backward``) run on them
    directly, and Tensors are made only where other code sees a gradient (hooks, a
    backward written with Tensors, the results of ``autograd.grad``).
    """
    root_edges = []
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        root_edges.append(_root_edge(t))

    targets = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) does not require grad"
                )
            edge = _root_edge(t)
            targets.setdefault(edge, []).append(i)

    needed = _needed_nodes([node for node, _ in root_edges], targets) if inputs is not None else None
    captured = [None] * len(inputs) if inputs is not None else None
    on_arrays = not create_graph
    Tensor = function.Tensor

    buffers = {}  # node -> the gradients it has received so far, one slot per output
    ready = []  # a heap of (-sequence number, node): the newest waiting node runs first
    push = heapq.heappush
    pop = heapq.heappop

    # Arrays already handed to a leaf's .grad (or given by the caller) are copied,
    # never shared, when they reach another leaf.
    stolen = set()
    for g in grad_tensors:
        stolen.add(id(g._array))
    # Grad mode is create_graph during the pass, but it is switched only once code that
    # could record runs: a plain array backward and a hook-free accumulation record
    # nothing, and switching the thread-local mode costs more than such a node.
    switched = create_graph
    prev_mode = set_recording(True) if create_graph else True
    final_callbacks = []
    callback_stack = _FINAL_CALLBACKS.stack
    callback_stack.append(final_callbacks)
    try:
        for (node, nr), g in zip(root_edges, grad_tensors):
            _deliver(node, nr, g._array if on_arrays else g, buffers, ready, needed)
        check_anomaly = anomaly.STATE.enabled
        plain_allowed = on_arrays and not targets  # may nodes run their array backward directly?
        while ready:
            node = pop(ready)[1]
            grads = buffers.pop(node)
            if type(node) is AccumulateGrad and plain_allowed and not node._hooked:
                # A leaf's gradient, without pre-hooks (the leaf's own hooks run in
                # _accumulate_with_hooks).  Handled first, so that the attribute reads below meet op
                # nodes only: Python 3.11 speeds those up only while they see one class.
                if accumulate and grads[0] is not None and not _accumulate(node, grads[0], False, stolen, True):
                    if not switched:  # the leaf's hooks run with grad mode off
                        prev_mode = set_recording(False)
                        switched = True
                    _accumulate_with_hooks(node, grads[0], False, True)
                continue
            plain = node._plain_backward if plain_allowed else None
            if plain is not None and grads[0] is not None:
                # The common case, inlined: an ember op with one output and no hooks,
                # its backward run on arrays.
                node._saved_as_arrays = True
                try:
                    results = plain(node, grads[0])
                except Exception as exc:
                    _name_node_in(exc, node)
                    raise
                finally:
                    node._saved_as_arrays = False
                if type(results) is not tuple:
                    results = (results,)
                if len(results) != len(node._edges):
                    raise _wrong_count(node, results)
                if not retain_graph and node._saved:
                    node._saved = function.FREED  # node._release_saved(), inlined
            else:
                if not switched:  # code that could record runs here (hooks, a backward on Tensors)
                    prev_mode = set_recording(False)
                    switched = True
                run_node = True
                if node._hooked or targets:
                    grads, run_node = _before_node(
                        node, grads, on_arrays, stolen, targets, captured, inputs, needed, accumulate, create_graph
                    )
                if type(node) is AccumulateGrad:
                    if run_node and accumulate and grads[0] is not None:
                        if not _accumulate(node, grads[0], create_graph, stolen, on_arrays):
                            _accumulate_with_hooks(node, grads[0], create_graph, on_arrays)
                    continue
                if not run_node or (grads[0] is None and all(g is None for g in grads)):
                    for child, nr in node._edges:
                        if child is not None:
                            _deliver(child, nr, None, buffers, ready, needed)
                    continue
                results = _call_backward(node, grads, retain_graph, on_arrays)
                if not node._fn._array_forward or node._hooks:
                    # gradients from a user's Function or hook are never stolen by a leaf
                    stolen.update(id(getattr(g, "_array", g)) for g in results if g is not None)
            if check_anomaly:
                anomaly.check_gradients(node, results)
            input_meta = node._input_meta
            i = 0
            for child, nr in node._edges:
                if child is not None:
                    g = results[i]
                    if g is not None:
                        # (no local name for g's array: _accumulate counts its references)
                        meta = input_meta[i]
                        if on_arrays:
                            if type(g) is not ndarray or g.shape != meta[0] or (g.dtype is not meta[1] and g.dtype != meta[1]):
                                g = _fit_gradient(node, i, g, meta, True)
                        elif not isinstance(g, Tensor) or g._array.shape != meta[0] or g._array.dtype != meta[1]:
                            g = _fit_gradient(node, i, g, meta, False)
                    # _deliver(child, nr, g, ...), inlined: this loop is the engine's hot path
                    if needed is None or child in needed:
                        buf = buffers.get(child)
                        if buf is None:
                            buf = buffers[child] = [None] * child._num_outputs
                            push(ready, (-child._seq, child))
                        if g is not None:
                            prev = buf[nr]
                            buf[nr] = g if prev is None else _add(prev, g)
                i += 1
        if final_callbacks and not switched:
            prev_mode = set_recording(False)
            switched = True
        for callback in final_callbacks:  # the list may grow while it is walked
            callback()
    finally:
        callback_stack.pop()
        if switched:
            set_recording(prev_mode)
    return captured


def _deliver(node, output_nr, grad, buffers, ready, needed) -> None:
    """Add ``grad`` to the node's input buffer, queueing the node on its first gradient."""
    if needed is not None and node not in needed:
        return
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._num_outputs
        heapq.heappush(ready, (-node._seq, node))
    if grad is not None:
        prev = buf[output_nr]
        buf[output_nr] = grad if prev is None else _add(prev, grad)


def _before_node(node, grads, on_arrays, stolen, targets, captured, inputs, needed, accumulate, create_graph):
    """The rare work before a node runs: tensor hooks, capturing ``inputs``, pre-hooks.

    Returns the (possibly replaced) gradients and whether the node must still run.
    User code sees Tensors; in array mode they are unwrapped again afterwards.
    """
    if on_arrays:
        grads = _tensors_of(grads)
    if node._tensor_hooks:  # hooks of the tensors this node made
        _run_tensor_hooks(node, grads)
        stolen.update(id(g._array) for g in grads if g is not None)
    run_node = True
    if targets:
        run_node = _capture(node, grads, targets, captured, inputs, needed, accumulate, create_graph)
    if node._pre_hooks:
        for hook in node._pre_hooks:
            new = hook(tuple(grads))
            if new is not None:
                grads = list(new)
                stolen.update(id(g._array) for g in grads if g is not None)
    if on_arrays:
        grads = [None if g is None else g._array for g in grads]  # hooks return Tensors
    return grads, run_node


def _run_tensor_hooks(node, grads) -> None:
    """Hooks registered on non-leaf tensors see (and may replace) their gradient."""
    for nr, hooks in node._tensor_hooks.items():
        if grads[nr] is not None:
            for hook in list(hooks):
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = new


def _capture(node, grads, targets, captured, inputs, needed, accumulate, create_graph) -> bool:
    """Record gradients of requested inputs; returns whether the node must still run."""
    for nr in range(len(grads)):
        idxs = targets.get((node, nr))
        if idxs is None:
            continue
        for i in idxs:
            captured[i] = grads[nr]
            if accumulate and type(node) is not AccumulateGrad:
                _accumulate_into_tensor(inputs[i], grads[nr], create_graph)
    if accumulate and type(node) is AccumulateGrad:
        return True
    # A node only captured (nothing needed below it) is not run.
    return any(c is not None and c in needed for c, _ in node._edges)


def _call_backward(node, grads, retain_graph, on_arrays):
    fn = node._fn
    if node._num_outputs > 1 and node._materialize_grads and any(g is None for g in grads):
        # Multi-output ops receive zeros for outputs nothing used, as in torch.
        grads = [g if g is not None else _zeros_of_output(node, i, on_arrays) for i, g in enumerate(grads)]
    array_call = on_arrays and fn._array_backward
    if on_arrays and not array_call:  # a backward written with Tensors
        grads = _tensors_of(grads)
    try:
        if array_call:
            node._saved_as_arrays = True
            try:
                results = fn.backward(node, *grads)
            finally:
                node._saved_as_arrays = False
        else:
            results = fn.backward(node, *grads)
        if type(results) is not tuple:
            results = (results,)
    except Exception as exc:
        _name_node_in(exc, node)
        raise
    if len(results) != len(node._edges):
        raise _wrong_count(node, results)
    if node._hooks:
        if array_call:  # the hooks see Tensors
            results = _tensors_of([None if r is None else _as_array(node, i, r) for i, r in enumerate(results)])
            grads = _tensors_of(grads)
        for hook in node._hooks:
            new = hook(results, tuple(grads))
            if new is not None:
                results = tuple(new)
    if on_arrays and (node._hooks or not array_call):  # Tensor results back to arrays
        results = tuple(None if r is None else _tensor_to_array(node, i, r) for i, r in enumerate(results))
    if not retain_graph and node._saved is not None:
        node._release_saved()
    return results


def _name_node_in(exc: Exception, node) -> None:
    if hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(f"(raised in the backward of {node.name()})")


def _wrong_count(node, results) -> RuntimeError:
    return RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients "
        f"(expected {len(node._edges)}, got {len(results)})"
    )


def _tensors_of(arrays) -> list:
    """Array-mode gradients (arrays or None) as Tensors, for code written with Tensors."""
    wrap = function.Tensor._from_array
    return [None if a is None else wrap(a) for a in arrays]


def _tensor_to_array(node, index, value):
    """The array of a gradient that Tensor code (a backward, a hook) returned."""
    if not isinstance(value, function.Tensor):
        raise _not_a_gradient(node, index, value)
    return value._array


def _zeros_of_output(node, index, on_arrays):
    if node._output_meta[index] is None:  # a non-tensor output of a user's Function
        return None
    zeros = function.Tensor._zeros_like_output(node, index)
    return zeros._array if on_arrays else zeros


def _accumulate_into_tensor(tensor, grad, create_graph):
    """``backward(inputs=[non_leaf])`` adds the gradient to that tensor's ``.grad``."""
    if grad is None:
        return
    if tensor._grad is None:
        tensor._grad = grad if create_graph else grad._detached_copy()
    else:
        tensor._grad = tensor._grad + grad
