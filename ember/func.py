"""``ember.func``: torch.func's functional API, implemented eagerly on ember's autograd.

- ``functional_call(module, dicts, args, kwargs)``: call a module with some parameters
  and buffers replaced (see ``ember.nn.utils.stateless``).
- ``grad(func, argnums=0, has_aux=False)``: a function returning the gradient of a
  scalar-output ``func`` with respect to some of its positional arguments (Tensors, or
  tuples/lists/dicts of Tensors).  Nesting works (``grad(grad(f))``).
- ``vjp(func, *primals, has_aux=False)``: ``(func(*primals), vjp_fn)``.

There is no vmap or functorch level machinery: each call runs ``func`` once under
autograd and differentiates the recorded graph.

Example:
    >>> import ember
    >>> from ember.func import grad
    >>> grad(lambda x: (x ** 3).sum())(ember.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ._tensor import Tensor
from .autograd import grad as _autograd_grad
from .autograd.function import depends_on_other_leaves
from .autograd.grad_mode import enable_grad, is_grad_enabled

__all__ = ["functional_call", "grad", "grad_and_value", "vjp"]


# ----------------------------------------------------------------- functional_call
def functional_call(
    module,
    parameter_and_buffer_dicts: dict | Sequence[dict],
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced.

    ``parameter_and_buffer_dicts`` maps dotted names (as in ``named_parameters()``) to
    Tensors; several dicts may be given if no name appears twice.  ``args`` that is not a
    tuple is passed as the single positional argument.  With ``tie_weights`` a value
    given for one of several names sharing one Parameter replaces all of them.  With
    ``strict`` every parameter and buffer must be given, and nothing else.  The module's
    own tensors are back in place afterwards, also when the call raises.

    Example:
        >>> import ember
        >>> from ember import nn
        >>> lin = nn.Linear(2, 1)
        >>> params = {k: v.detach().clone().requires_grad_() for k, v in lin.named_parameters()}
        >>> functional_call(lin, params, ember.ones(1, 2)).sum().backward()
        >>> params["bias"].grad, lin.bias.grad
        (tensor([1.]), None)
    """
    from .nn.utils.stateless import _functional_call

    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        merged, repeated = {}, []
        for d in parameter_and_buffer_dicts:
            for key, value in d.items():
                if key in merged and key not in repeated:
                    repeated.append(key)
                merged[key] = value
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous"
            )
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights, strict=strict)


# ----------------------------------------------------------------- pytrees of Tensors
def _flatten(tree) -> tuple[list, Callable]:
    """The Tensors of a (nested) tuple/list/dict, and a function rebuilding the structure."""
    if isinstance(tree, Tensor):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(item) for item in tree]
        kind = type(tree)

        def rebuild_sequence(leaves):
            out, start = [], 0
            for flat, rebuild in parts:
                out.append(rebuild(leaves[start : start + len(flat)]))
                start += len(flat)
            return kind(out) if kind in (tuple, list) else kind(*out)

        return [leaf for flat, _ in parts for leaf in flat], rebuild_sequence
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]

        def rebuild_dict(leaves):
            out, start = {}, 0
            for key, (flat, rebuild) in zip(keys, parts):
                out[key] = rebuild(leaves[start : start + len(flat)])
                start += len(flat)
            return out

        return [leaf for flat, _ in parts for leaf in flat], rebuild_dict
    raise ValueError(f"Thing passed to transform API must be Tensor, got {type(tree)}")


def _normalized_argnums(argnums, n_args: int) -> tuple[tuple[int, ...], bool]:
    """``(positions, was_a_tuple)`` with torch's checks."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        positions, was_tuple = (argnums,), False
    elif isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        positions, was_tuple = argnums, True
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    normalized = []
    for a in positions:
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
        normalized.append(a % n_args)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return tuple(normalized), was_tuple


def _fresh(tensor: Tensor) -> Tensor:
    """A Tensor to differentiate with respect to, still connected to the caller's graph."""
    if tensor.requires_grad:
        return tensor.view_as(tensor)
    return tensor.detach().requires_grad_(True)


def _keep_graph_only_if_needed(values: list, own_leaves: set[int], grad_was_enabled: bool) -> list:
    """Detach results that only depend on this call's own leaves (nothing outside can use the graph)."""
    if grad_was_enabled and depends_on_other_leaves([v for v in values if v.requires_grad], own_leaves):
        return values
    return [v.detach() for v in values]


def _release_aux(aux, own_leaves: set[int], grad_was_enabled: bool):
    """Auxiliary outputs with their Tensors detached as results are (other values unchanged)."""
    if isinstance(aux, Tensor):
        return _keep_graph_only_if_needed([aux], own_leaves, grad_was_enabled)[0]
    if isinstance(aux, (tuple, list)) and type(aux) in (tuple, list):
        return type(aux)(_release_aux(a, own_leaves, grad_was_enabled) for a in aux)
    if isinstance(aux, dict):
        return {k: _release_aux(v, own_leaves, grad_was_enabled) for k, v in aux.items()}
    return aux


# ----------------------------------------------------------------- grad / vjp
def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """Like ``grad``, but the returned function gives ``(gradient, value)``.

    With ``has_aux`` it gives ``(gradient, (value, aux))``.

    Example:
        >>> import ember
        >>> from ember.func import grad_and_value
        >>> grad_and_value(lambda x: (x ** 2).sum())(ember.tensor([3.0]))
        (tensor([6.]), tensor(9.))
    """

    def wrapper(*args, **kwargs):
        from .ops.creation import zeros_like

        grad_was_enabled = is_grad_enabled()
        positions, was_tuple = _normalized_argnums(argnums, len(args))
        with enable_grad():
            args = list(args)
            own_leaves: set[int] = set()
            structures = []
            for p in positions:
                flat, rebuild = _flatten(args[p])
                prepared = [_fresh(t) for t in flat]
                own_leaves.update(id(t) for t, orig in zip(prepared, flat) if not orig.requires_grad)
                args[p] = rebuild(prepared)
                structures.append((prepared, rebuild))
            output = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
                        "if has_aux is True"
                    )
                output, aux = output
            if not isinstance(output, Tensor):
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}"
                )
            if output.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                    f"with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            all_inputs = [t for prepared, _ in structures for t in prepared]
            if output.requires_grad:
                grads = list(_autograd_grad(output, all_inputs, create_graph=True, allow_unused=True))
            else:
                grads = [None] * len(all_inputs)
            grads = [zeros_like(t) if g is None else g for g, t in zip(grads, all_inputs)]
        grads = _keep_graph_only_if_needed(grads, own_leaves, grad_was_enabled)
        (value,) = _keep_graph_only_if_needed([output], own_leaves, grad_was_enabled)
        results, start = [], 0
        for prepared, rebuild in structures:
            results.append(rebuild(grads[start : start + len(prepared)]))
            start += len(prepared)
        gradient = tuple(results) if was_tuple else results[0]
        if has_aux:
            return gradient, (value, _release_aux(aux, own_leaves, grad_was_enabled))
        return gradient, value

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """A function computing the gradient of scalar-output ``func`` w.r.t. ``args[argnums]``.

    ``argnums`` may be a tuple (the result is then a tuple).  Arguments may be Tensors or
    tuples/lists/dicts of Tensors; the gradient has the same structure.  With
    ``has_aux``, ``func`` returns ``(output, aux)`` and the result is ``(gradient, aux)``.

    Example:
        >>> import ember
        >>> from ember.func import grad
        >>> grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(ember.tensor([2.0]), ember.tensor([5.0]))
        (tensor([5.]), tensor([2.]))
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradient, value = inner(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal.

    The cotangents have the structure of the output.  With ``has_aux`` the result is
    ``(output, vjp_fn, aux)``.

    Example:
        >>> import ember
        >>> from ember.func import vjp
        >>> out, vjp_fn = vjp(lambda x: x ** 2, ember.tensor([1.0, 3.0]))
        >>> vjp_fn(ember.ones(2))
        (tensor([2., 6.]),)
    """
    from .ops.creation import zeros_like

    grad_was_enabled = is_grad_enabled()
    with enable_grad():
        flat_primals, rebuild_primals = _flatten(list(primals))
        prepared = [_fresh(t) for t in flat_primals]
        own_leaves = {id(t) for t, orig in zip(prepared, flat_primals) if not orig.requires_grad}
        output = func(*rebuild_primals(prepared))
        aux = None
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError(
                    "vjp(f, *primals): output of function f should be a tuple: (output, aux) if has_aux is True"
                )
            output, aux = output
        flat_out, _ = _flatten(output)

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        if create_graph is None:
            create_graph = is_grad_enabled()
        flat_cot, _ = _flatten(cotangents)
        if len(flat_cot) != len(flat_out):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                f"to the function: got {len(flat_cot)} cotangents for {len(flat_out)} outputs"
            )
        for c, o in zip(flat_cot, flat_out):
            if c.shape != o.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] has a shape of {o.shape}."
                )
        pairs = [(o, c) for o, c in zip(flat_out, flat_cot) if o.requires_grad]
        with enable_grad():
            if pairs:
                grads = _autograd_grad(
                    [o for o, _ in pairs],
                    prepared,
                    [c for _, c in pairs],
                    retain_graph=retain_graph,
                    create_graph=True,
                    allow_unused=True,
                )
            else:
                grads = [None] * len(prepared)
            grads = [zeros_like(t) if g is None else g for g, t in zip(grads, prepared)]
        grads = _keep_graph_only_if_needed(grads, own_leaves, create_graph)
        return tuple(rebuild_primals(grads))

    flat_out_values = _keep_graph_only_if_needed(list(flat_out), own_leaves, grad_was_enabled)
    _, rebuild_out = _flatten(output)
    output_value = rebuild_out(flat_out_values)
    if has_aux:
        return output_value, vjp_fn, _release_aux(aux, own_leaves, grad_was_enabled)
    return output_value, vjp_fn
