"""Automatic differentiation: backward, grad, Function, grad modes, anomaly detection.

Example:
    >>> import ember
    >>> x = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = ember.autograd.grad((x ** 2).sum(), x)
    >>> g
    tensor([2., 4.])
"""

from __future__ import annotations

import numpy as np

from . import anomaly, function, grad_mode  # noqa: F401
from .anomaly import detect_anomaly, set_detect_anomaly
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "detect_anomaly",
    "set_detect_anomaly",
    "gradcheck",
    "gradgradcheck",
]


def __getattr__(name):
    # ``ember.autograd.functional`` is imported on first use (it needs the ops).
    if name == "functional":
        import importlib

        module = importlib.import_module(".functional", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _as_tuple(x):
    from .._tensor import Tensor

    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs, is_backward: bool):
    """The gradients to start from: ones for scalars, else the given ones (checked)."""
    from .._tensor import Tensor

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
            f"{len(outputs)} outputs"
        )
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and out._array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._array.dtype.kind not in "fV":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            arr = out._array
            grads.append(Tensor._from_array(np.ones(arr.shape, arr.dtype)))
            continue
        if not isinstance(g, Tensor):
            from ..ops.creation import tensor

            g = tensor(g, dtype=out.dtype)
        if g._array.shape != out._array.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has "
                f"a shape of {out.shape}."
            )
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate into ``.grad`` of the leaves the gradient of ``tensors``.

    Example:
        >>> import ember
        >>> w = ember.ones(2, requires_grad=True)
        >>> ember.autograd.backward([(w * 3).sum()]); w.grad
        tensor([3., 3.])
    """
    tensors = _as_tuple(tensors)
    if grad_tensors is None and grad_variables is not None:
        grad_tensors = grad_variables
    grad_tensors = _as_tuple(grad_tensors) if grad_tensors is not None else None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, True)
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused=None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing accumulates).

    Example:
        >>> import ember
        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> (dx,) = ember.autograd.grad(x ** 3, x, create_graph=True)
        >>> (ddx,) = ember.autograd.grad(dx, x)
        >>> dx.item(), ddx.item()
        (27.0, 18.0)
    """
    from ..ops.creation import zeros_like

    outputs = _as_tuple(outputs)
    single_input = not isinstance(inputs, (tuple, list))
    inputs = _as_tuple(inputs)
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported by ember")
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, _as_tuple(grad_outputs), False)
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    for i, g in enumerate(result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                result[i] = zeros_like(inputs[i])
    del single_input
    return tuple(result)
