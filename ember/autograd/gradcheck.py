"""Finite-difference checks of gradients (float64), as torch.autograd.gradcheck.

Example:
    >>> import ember
    >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True
"""

from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised when analytical and numerical gradients differ."""


def _as_tuple(x):
    from .._tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _outputs(func, inputs):
    from .._tensor import Tensor

    out = func(*inputs)
    outs = _as_tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o._array.dtype.kind == "f"]


def _numerical_jacobians(func, inputs, eps):
    """jac[i][j]: d output j / d input i, shape (input numel, output numel)."""
    diff_inputs = [i for i, t in enumerate(inputs) if getattr(t, "_requires_grad", False)]
    # Evaluated with grad mode on: gradgradcheck's function itself calls autograd.grad.
    outs = _outputs(func, inputs)
    jac = {i: [np.zeros((inputs[i]._array.size, o._array.size)) for o in outs] for i in diff_inputs}
    for i in diff_inputs:
        arr = inputs[i]._array
        flat = arr.reshape(-1) if arr.flags.c_contiguous else None
        if flat is None:
            raise GradcheckError("gradcheck needs contiguous inputs")
        for k in range(arr.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = [o._array.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
            flat[k] = orig - eps
            minus = [o._array.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
            flat[k] = orig
            for j, (p, m) in enumerate(zip(plus, minus)):
                jac[i][j][k] = (p - m) / (2 * eps)
    return jac, outs


def _analytical_jacobians(func, inputs):
    from .._tensor import Tensor
    from . import grad as autograd_grad

    diff_inputs = [i for i, t in enumerate(inputs) if getattr(t, "_requires_grad", False)]
    outs = _outputs(func, inputs)
    jac = {i: [np.zeros((inputs[i]._array.size, o._array.size)) for o in outs] for i in diff_inputs}
    for j, out in enumerate(outs):
        if not out._requires_grad:
            continue
        for k in range(out._array.size):
            seed = np.zeros(out._array.shape, dtype=out._array.dtype)
            seed.reshape(-1)[k] = 1
            grads = autograd_grad(
                out,
                [inputs[i] for i in diff_inputs],
                Tensor._from_array(seed),
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in zip(diff_inputs, grads):
                if g is not None:
                    jac[i][j][:, k] = g._array.astype(np.float64).ravel()
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, **kwargs) -> bool:
    """Compare backward's gradients with central finite differences.

    Inputs that require grad should be float64.  Returns True, or raises
    GradcheckError naming the input and output whose Jacobians differ.
    """
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if getattr(t, "_requires_grad", False) and t._array.dtype != np.float64:
            import warnings

            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision floating point.",
                stacklevel=2,
            )
    numerical, _ = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    for i in numerical:
        for j, (num, ana) in enumerate(zip(numerical[i], analytical[i])):
            if not np.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{num}\nanalytical:{ana}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, **kwargs) -> bool:
    """Check second derivatives: gradcheck of the function's vector-Jacobian product."""
    from .._tensor import Tensor
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor._from_array(rng.standard_normal(o._array.shape).astype(o._array.dtype), requires_grad=True)
            for o in outs
        ]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if getattr(t, "_requires_grad", False)]

    def vjp(*args):
        ins, gos = args[:n_in], args[n_in:]
        outputs = _outputs(func, ins)
        grads = autograd_grad(
            outputs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
