"""The backward pass: walks the recorded graph from the outputs to the leaves.

Reading order: ``run_backward`` counts, for every node reachable from the roots, how
many edges lead into it; a node runs once all of them have delivered their gradient
(so each node runs exactly once, after everything that depends on it).  Among ready
nodes the most recently created runs first.  Nothing recurses, so a chain of 100,000
ops is fine.  Incoming gradients are summed down to each input's shape and cast to its
dtype here, in one place, so no op undoes broadcasting itself.
"""

from __future__ import annotations

import heapq

from . import anomaly
from .function import AccumulateGrad, grad_accumulator_for
from .grad_mode import STATE

__all__ = ["run_backward"]


class _GraphRoot:
    """A virtual node whose edges point at the roots (the tensors backward starts from)."""

    _seq = float("inf")


def _root_edge(tensor):
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (grad_accumulator_for(tensor), 0)


def _discover(root_edges):
    """Return {node: number of edges into it} for every node reachable from the roots."""
    dependencies = {}
    stack = []
    for node, _ in root_edges:
        if node is None:
            continue
        if node in dependencies:
            dependencies[node] += 1
        else:
            dependencies[node] = 1
            stack.append(node)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:
                dependencies[child] = 1
                stack.append(child)
    return dependencies


def _needed_nodes(dependencies, targets):
    """Nodes from which some target node can be reached (the only ones worth running)."""
    target_nodes = {node for node, _ in targets}
    needed = set()
    # Post-order over the discovered graph without recursion.
    visited = set()
    for start in list(dependencies):
        if start in visited:
            continue
        stack = [(start, iter(start.next_functions))]
        visited.add(start)
        while stack:
            node, children = stack[-1]
            advanced = False
            for child, _ in children:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_functions)))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if node in target_nodes or any(
                c is not None and c in needed for c, _ in node.next_functions
            ):
                needed.add(node)
    return needed


def _validate_grad(node, index, grad, meta):
    """Sum a gradient down to its input's shape and cast it to the input's dtype."""
    from .._tensor import Tensor
    from ..ops.broadcast import sum_to_shape

    if not isinstance(grad, Tensor):
        raise TypeError(
            f"function {node.name()} returned a gradient of type {type(grad).__name__} at index "
            f"{index}; gradients must be Tensors or None"
        )
    shape, np_dtype = meta
    if grad._array.shape != shape:
        grad = sum_to_shape(grad, shape, node.name(), index)
    if grad._array.dtype != np_dtype:
        grad = grad._cast_np(np_dtype)
    return grad


def _accumulate(node: AccumulateGrad, grad, create_graph: bool) -> None:
    variable = node.variable
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
            edge = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (grad_accumulator_for(t), 0)
            targets.setdefault(edge, []).append(i)

    dependencies = _discover(root_edges)
    needed = _needed_nodes(dependencies, targets) if inputs is not None else None
    captured = [None] * len(inputs) if inputs is not None else None

    buffers = {}
    ready = []

    def deliver(node, output_nr, grad):
        if needed is not None and node not in needed:
            return
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._num_outputs
        if grad is not None:
            prev = buf[output_nr]
            buf[output_nr] = grad if prev is None else prev + grad
        dependencies[node] -= 1
        if dependencies[node] == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))

    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        for (node, nr), g in zip(root_edges, grad_tensors):
            deliver(node, nr, g)
        check_anomaly = anomaly.STATE.enabled
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node)
            if node._tensor_hooks:
                for nr, hooks in node._tensor_hooks.items():
                    if grads[nr] is not None:
                        for hook in list(hooks):
                            new = hook(grads[nr])
                            if new is not None:
                                grads[nr] = new
            run_node = True
            if targets:
                for nr in range(len(grads)):
                    idxs = targets.get((node, nr))
                    if idxs is None:
                        continue
                    for i in idxs:
                        captured[i] = grads[nr]
                        if accumulate and not isinstance(node, AccumulateGrad):
                            _accumulate_into_tensor(inputs[i], grads[nr], create_graph)
                # A node only captured (nothing needed below it) is not run.
                if not accumulate or not isinstance(node, AccumulateGrad):
                    run_node = any(c is not None and c in needed for c, _ in node.next_functions)
            if node._pre_hooks:
                for hook in node._pre_hooks:
                    new = hook(tuple(grads))
                    if new is not None:
                        grads = list(new)
            if isinstance(node, AccumulateGrad):
                if run_node and accumulate and grads[0] is not None:
                    _accumulate(node, grads[0], create_graph)
                continue
            if not run_node or all(g is None for g in grads):
                for child, nr in node.next_functions:
                    if child is not None:
                        deliver(child, nr, None)
                continue
            results = _call_backward(node, grads, retain_graph)
            if check_anomaly:
                anomaly.check_gradients(node, results)
            for i, ((child, nr), g) in enumerate(zip(node.next_functions, results)):
                if child is None:
                    continue
                if g is not None:
                    g = _validate_grad(node, i, g, node._input_meta[i])
                deliver(child, nr, g)
    finally:
        STATE.enabled = prev_mode
    return captured


def _call_backward(node, grads, retain_graph):
    from .._tensor import Tensor

    if node._num_outputs > 1 and node._materialize_grads and any(g is None for g in grads):
        # Multi-output ops receive zeros for outputs nothing used, as in torch.
        grads = [g if g is not None else Tensor._zeros_like_output(node, i) for i, g in enumerate(grads)]
    try:
        results = node._run_backward(tuple(grads))
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note(f"(raised in the backward of {node.name()})")
        raise
    if len(results) != len(node.next_functions):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.next_functions)}, got {len(results)})"
        )
    if node._hooks:
        for hook in node._hooks:
            new = hook(results, tuple(grads))
            if new is not None:
                results = tuple(new)
    if not retain_graph:
        node._release_saved()
    return results


def _accumulate_into_tensor(tensor, grad, create_graph):
    """``backward(inputs=[non_leaf])`` adds the gradient to that tensor's ``.grad``."""
    if grad is None:
        return
    if tensor.grad is None:
        tensor.grad = grad if create_graph else grad._detached_copy()
    else:
        tensor.grad = tensor.grad + grad
