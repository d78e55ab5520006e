"""Higher-level autograd: vjp, jvp, jacobian, hessian, vhp and hvp of a whole function.

Every function here calls ``func(*inputs)`` once on copies of the inputs that are wired
into a fresh graph, then asks ``ember.autograd.grad`` for what it needs:

- ``vjp``: one backward pass with ``v`` as the upstream gradient.
- ``jvp``: the double-backward trick (ember has no forward-mode AD).  The backward pass
  is linear in its upstream gradient ``u``, so ``g(u) = J^T u`` is built with a graph
  (``u`` a zero tensor that requires grad) and differentiated with respect to ``u`` in the
  direction ``v``: ``d/du <g(u), v> = J v``.
- ``jacobian``: one backward pass per output element, rows stacked.
- ``hessian``: the jacobian of the jacobian (the inner one built with a graph).
- ``vhp``: backward of the gradient; ``hvp``: the same double-backward trick as ``jvp``.

The return structures are torch's: a Tensor where the user gave a Tensor, a tuple where
they gave a tuple; ``jacobian``/``hessian`` nest tuples as ``[output][input]``.

Example:
    >>> import ember
    >>> from ember.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, ember.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

from .._tensor import Tensor
from . import grad as _autograd_grad_fn
from .function import depends_on_other_leaves
from .grad_mode import enable_grad, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

_STRATEGIES = ("forward-mode", "reverse-mode")


# ----------------------------------------------------------------- argument handling
def _as_tuple(value, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """``(was_a_tuple, value as a tuple of Tensors)``; TypeError naming the bad entry."""
    if isinstance(value, tuple):
        was_tuple, items = True, value
    else:
        was_tuple, items = False, (value,)
    for index, item in enumerate(items):
        if isinstance(item, Tensor):
            continue
        where = (
            f"the value at index {index} has type {type(item)}"
            if was_tuple
            else f"the given {arg_name} has type {type(item)}"
        )
        raise TypeError(
            f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
            f"but {where}."
        )
    return was_tuple, items


def _unpack(result, was_tuple):
    """Undo ``_as_tuple``: ``was_tuple`` is a bool, or ``(outer, inner)`` for nested results."""
    if isinstance(was_tuple, tuple):
        outer, inner = was_tuple
        if not inner:
            result = tuple(row[0] for row in result)
        if not outer:
            result = result[0]
        return result
    return result if was_tuple else result[0]


def _prepare(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh Tensors to differentiate with respect to.

    With ``create_graph`` an input that already requires grad stays connected to its
    graph (a view of it), so the result can be differentiated further with respect to
    the caller's tensors; otherwise it is detached (and made to require grad when the
    function has to be differentiated with respect to it).
    """
    prepared = []
    for t in tensors:
        if create_graph and t.requires_grad:
            prepared.append(t.view_as(t))
        else:
            prepared.append(t.detach().requires_grad_(need_graph))
    return tuple(prepared)


def _finish(values, create_graph: bool):
    """Detach (recursively through nested tuples) unless a graph was asked for."""
    if isinstance(values, Tensor):
        return values if create_graph else values.detach()
    return tuple(_finish(v, create_graph) for v in values)


def _check_v(v: tuple, refs: tuple, refs_were_tuple: bool) -> None:
    if len(v) != len(refs):
        if refs_were_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (vi, ref) in enumerate(zip(v, refs)):
        if vi.size() != ref.size():
            prefix = f"Entry {index} in v" if refs_were_tuple else "v"
            raise RuntimeError(f"{prefix} has invalid size: should be {ref.size()} but got {vi.size()}.")


def _prepare_v(v, refs: tuple, refs_were_tuple: bool, fn_name: str, create_graph: bool, none_message: str):
    """Validate ``v`` against ``refs`` (None only allowed for one single-element ref)."""
    if v is None:
        if len(refs) != 1 or refs[0].nelement() != 1:
            raise RuntimeError(none_message)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    _check_v(v, refs, refs_were_tuple)
    return v


_NONE_V_FOR_INPUTS = (
    "The vector v can only be None if the input to the user-provided function is a single "
    "Tensor with a single element."
)


# ----------------------------------------------------------------- strict-mode checks
_INDEPENDENT = {
    "outputs": (
        "Output {i} of the user-provided function does not require gradients. The outputs must be "
        "computed in a differentiable manner from the input when running in strict mode."
    ),
    "grad_inputs": (
        "The output of the user-provided function is independent of input {i}. This is not allowed "
        "in strict mode."
    ),
    "jacobian": (
        "While computing the hessian, found that the jacobian of the user-provided function with "
        "respect to input {i} is independent of the input. This is not allowed in strict mode. You "
        "should ensure that your function is twice differentiable and that the jacobian depends on "
        "the inputs (this would be violated by a linear function for example)."
    ),
    "hessian": (
        "The hessian of the user-provided function with respect to input {i} is independent of the "
        "input. This is not allowed in strict mode. You should ensure that your function is thrice "
        "differentiable and that the hessian depends on the inputs."
    ),
}


def _require_grads(tensors, kind: str, strict: bool) -> None:
    """In strict mode, every entry must be a Tensor that requires grad."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None or not t.requires_grad:
            raise RuntimeError(_INDEPENDENT[kind].format(i=i))


_MISSING_IN_STAGE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict mode.",
    "back_trick": (
        "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
        "using the double backward trick to compute forward mode gradients. This is not allowed in "
        "strict mode."
    ),
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed in strict mode.",
    "double_back_trick": (
        "The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. "
        "This is not allowed in strict mode as it prevents from using the double backward trick to "
        "replace forward mode AD."
    ),
}


def _zeros_for_missing(grads, refs, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Replace ``None`` gradients by zeros shaped like ``refs`` (errors in strict mode)."""
    from ..ops.creation import zeros_like

    filled = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING_IN_STAGE[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not "
                "allowed in strict mode when create_graph=True."
            )
        filled.append(g)
    return tuple(filled)


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None) -> tuple:
    """``autograd.grad`` over the outputs that require grad; all None when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _autograd_grad_fn(
        tuple(o for o, _ in pairs),
        inputs,
        tuple(g for _, g in pairs),
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _call(func, inputs, fn_name: str, strict: bool):
    was_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _require_grads(outputs, "outputs", strict)
    return was_tuple, outputs


# ----------------------------------------------------------------- public API
def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(*inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    ``v`` matches the outputs (it may be None for a single-element output).  The product
    has the structure of ``inputs``.

    Example:
        >>> import ember
        >>> from ember.autograd.functional import vjp
        >>> out, g = vjp(lambda x: x ** 2, ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]))
        >>> g
        tensor([2., 4.])
    """
    from .grad_mode import is_grad_enabled

    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_were_tuple, outputs = _call(func, inputs, "vjp", strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _prepare(v, create_graph, need_graph=False)
            _check_v(v, outputs, outputs_were_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single Tensor "
                "with a single element."
            )
        with set_grad_enabled(True if create_graph else is_grad_enabled()):
            grads = _grad(outputs, inputs, v, create_graph=create_graph)
            product = _zeros_for_missing(grads, inputs, strict, create_graph, "back")
    return (
        _unpack(_finish(outputs, create_graph), outputs_were_tuple),
        _unpack(_finish(product, create_graph), inputs_were_tuple),
    )


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(*inputs), J v)``: the Jacobian-vector product at ``inputs``.

    Computed with the double-backward trick (two reverse passes), as torch does.  ``v``
    matches the inputs; the product has the structure of the outputs.

    Example:
        >>> import ember
        >>> from ember.autograd.functional import jvp
        >>> out, t = jvp(lambda x: x ** 2, ember.tensor([1.0, 2.0]), ember.tensor([1.0, 0.0]))
        >>> t
        tensor([2., 0.])
    """
    from ..ops.creation import zeros_like

    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, inputs_were_tuple, "jvp", create_graph, _NONE_V_FOR_INPUTS)
        outputs_were_tuple, outputs = _call(func, inputs, "jvp", strict)
        # The backward pass is linear in its upstream gradient, so any finite value works
        # here; zeros keep the graph free of the actual numbers.
        upstream = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, upstream, create_graph=True)
        _require_grads(grad_inputs, "grad_inputs", strict)
        with set_grad_enabled(True) if create_graph else nullcontext():
            grads = _grad(grad_inputs, upstream, v, create_graph=create_graph)
            product = _zeros_for_missing(grads, outputs, strict, create_graph, "back_trick")
    return (
        _unpack(_finish(outputs, create_graph), outputs_were_tuple),
        _unpack(_finish(product, create_graph), outputs_were_tuple),
    )


def jacobian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
    _keep_forward_graph: bool = False,
):
    """The Jacobian of ``func`` at ``inputs``.

    Entry ``[i][j]`` (tuples only where torch has them) has shape
    ``outputs[i].shape + inputs[j].shape``.  ``vectorize=True`` and
    ``strategy="forward-mode"`` are accepted with torch's argument checks but compute the
    same result with the plain loop over output elements (ember has no vmap or
    forward-mode AD), so the values are those of ``vectorize=False``.

    Example:
        >>> import ember
        >>> from ember.autograd.functional import jacobian
        >>> jacobian(lambda x, y: x * y, (ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])))[1]
        tensor([[1., 0.],
                [0., 2.]])
    """
    from ..ops.creation import zeros_like
    from ..ops.joining import stack

    if strategy not in _STRATEGIES:
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
            'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
            'prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` "
                "are not supported together (yet). Please either set `create_graph=False` or "
                "`strategy=\"reverse-mode\"`."
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`."
            )
    # Forward mode would push tangents through the caller's graph, so its result stays
    # connected to inputs that require grad: build the graph here and detach afterwards
    # only what does not reach outside this call.
    forward_mode = strategy == "forward-mode"
    build_graph = create_graph or forward_mode
    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        originals = inputs
        inputs = _prepare(inputs, build_graph, need_graph=True)
        own_leaves = {id(p) for p, o in zip(inputs, originals) if not o.requires_grad}
        outputs_were_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                "supported together. Please either set `strict=False` or `vectorize=False`."
            )
        rows_per_output = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)  # rows[j]: d out.flat[k] / d inputs[j], k = 0..
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                grads = _grad((flat[k],), inputs, retain_graph=True, create_graph=build_graph)
                for j, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {j}. "
                                "This is not allowed in strict mode."
                            )
                        g = zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            "The jacobian of the user-provided function is independent of input "
                            f"{j}. This is not allowed in strict mode when create_graph=True."
                        )
                    rows[j].append(g)
            rows_per_output.append(
                tuple(
                    _stack_rows(stack, rows[j], out, inp)
                    for j, inp in enumerate(inputs)
                )
            )
        if forward_mode:
            result = tuple(
                tuple(j if _keep_forward_graph or depends_on_other_leaves([j], own_leaves) else j.detach() for j in row)
                for row in rows_per_output
            )
        else:
            result = _finish(tuple(rows_per_output), create_graph)
    result = _unpack(result, (outputs_were_tuple, inputs_were_tuple))
    if forward_mode and inputs_were_tuple:
        # torch's forward-mode path hands back lists where it was given a tuple of inputs.
        result = [list(row) for row in result] if outputs_were_tuple else list(result)
    return result


def _stack_rows(stack, rows, out, inp):
    """The gradient rows of one output/input pair as a ``out.shape + inp.shape`` Tensor."""
    shape = tuple(out.shape) + tuple(inp.shape)
    if not rows:  # an empty output: no rows to stack
        from ..ops.creation import zeros

        return zeros(shape, dtype=inp.dtype)
    return stack(rows, dim=0).view(shape)


def hessian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a single-element-output ``func`` at ``inputs``.

    For several inputs the result is a tuple of tuples: entry ``[i][j]`` has shape
    ``inputs[i].shape + inputs[j].shape``.  ``vectorize`` and
    ``outer_jacobian_strategy="forward-mode"`` compute the same values without
    vectorization (see ``jacobian``).

    Example:
        >>> import ember
        >>> from ember.autograd.functional import hessian
        >>> hessian(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        out_was_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _require_grads(outs, "outputs", strict)
        if out_was_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def gradient(*inp):
        jac = jacobian(single_output, inp, create_graph=True)
        _require_grads(jac, "jacobian", strict)
        return jac

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
        # torch's forward-over-reverse Hessian stays attached to its internal graph.
        _keep_forward_graph=True,
    )
    return _unpack(result, (inputs_were_tuple, inputs_were_tuple))


def _scalar_function_gradient(func, inputs, v, fn_name: str, create_graph: bool, strict: bool):
    """Shared start of vhp/hvp: prepared inputs and v, the output, and its gradient (with graph)."""
    inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _prepare_v(v, inputs, inputs_were_tuple, fn_name, create_graph, _NONE_V_FOR_INPUTS)
    outputs_were_tuple, outputs = _call(func, inputs, fn_name, strict)
    if outputs_were_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    gradient = _grad(outputs, inputs, create_graph=True)
    _require_grads(gradient, "jacobian", strict)
    return inputs_were_tuple, inputs, v, outputs, gradient


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(*inputs), v^T H)``: vector-Hessian product of a scalar function.

    Example:
        >>> import ember
        >>> from ember.autograd.functional import vhp
        >>> vhp(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]))[1]
        tensor([ 6., 12.])
    """
    from .grad_mode import is_grad_enabled

    with enable_grad():
        inputs_were_tuple, inputs, v, outputs, gradient = _scalar_function_gradient(
            func, inputs, v, "vhp", create_graph, strict
        )
        with set_grad_enabled(True if create_graph else is_grad_enabled()):
            grads = _grad(gradient, inputs, v, create_graph=create_graph)
            product = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back")
    return _finish(outputs[0], create_graph), _unpack(_finish(product, create_graph), inputs_were_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(*inputs), H v)``: Hessian-vector product of a scalar function.

    Computed with the double-backward trick, as torch does (for a twice-differentiable
    function ``H`` is symmetric, so this equals ``vhp`` up to rounding).

    Example:
        >>> import ember
        >>> from ember.autograd.functional import hvp
        >>> hvp(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]), ember.tensor([1.0, 0.0]))[1]
        tensor([6., 0.])
    """
    from ..ops.creation import zeros_like
    from .grad_mode import is_grad_enabled

    with enable_grad():
        inputs_were_tuple, inputs, v, outputs, gradient = _scalar_function_gradient(
            func, inputs, v, "hvp", create_graph, strict
        )
        upstream = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _grad(gradient, inputs, upstream, create_graph=True)
        _require_grads(gradient, "hessian", strict)
        with set_grad_enabled(True if create_graph else is_grad_enabled()):
            grads = _grad(double_back, upstream, v, create_graph=create_graph)
            product = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs[0], create_graph), _unpack(_finish(product, create_graph), inputs_were_tuple)
