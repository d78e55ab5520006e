"""Trigonometric and hyperbolic functions, their inverses, degree/radian conversion and
sinc, with their gradients as torch defines them.

Integer and bool inputs compute in the default float dtype (``sin(int)`` is float32).

Example:
    >>> import ember
    >>> x = ember.tensor([0.0, 1.0], requires_grad=True)
    >>> x.sin().sum().backward(); x.grad
    tensor([1.0000, 0.5403])
"""

from __future__ import annotations

import math

from ._pointwise import FloatUnary, unary_function
from ._util import bind_methods
from .inplace import inplace_method
from .selection import where

__all__ = [
    "acos",
    "acosh",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cos",
    "cosh",
    "deg2rad",
    "rad2deg",
    "sin",
    "sinc",
    "sinh",
    "tan",
    "tanh",
]


class Sin(FloatUnary):
    _backward_name = "SinBackward0"
    _ufunc = "sin"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.cos()


class Cos(FloatUnary):
    _backward_name = "CosBackward0"
    _ufunc = "cos"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -a.sin()


class Tan(FloatUnary):
    _backward_name = "TanBackward0"
    _ufunc = "tan"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Asin(FloatUnary):
    _backward_name = "AsinBackward0"
    _ufunc = "arcsin"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (-a * a + 1).rsqrt()


class Acos(FloatUnary):
    _backward_name = "AcosBackward0"
    _ufunc = "arccos"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -(-a * a + 1).rsqrt()


class Atan(FloatUnary):
    _backward_name = "AtanBackward0"
    _ufunc = "arctan"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * a + 1)


class Sinh(FloatUnary):
    _backward_name = "SinhBackward0"
    _ufunc = "sinh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.cosh()


class Cosh(FloatUnary):
    _backward_name = "CoshBackward0"
    _ufunc = "cosh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sinh()


class Tanh(FloatUnary):
    _backward_name = "TanhBackward0"
    _ufunc = "tanh"
    _saves = "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Asinh(FloatUnary):
    _backward_name = "AsinhBackward0"
    _ufunc = "arcsinh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (a * a + 1).rsqrt()


class Acosh(FloatUnary):
    _backward_name = "AcoshBackward0"
    _ufunc = "arccosh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (a * a - 1).rsqrt()


class Atanh(FloatUnary):
    _backward_name = "AtanhBackward0"
    _ufunc = "arctanh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (1 / (1 - a * a))


class Deg2Rad(FloatUnary):
    _backward_name = "Deg2RadBackward0"
    _ufunc = "deg2rad"

    @staticmethod
    def backward(ctx, grad):
        return grad * (math.pi / 180.0)


class Rad2Deg(FloatUnary):
    _backward_name = "Rad2DegBackward0"
    _ufunc = "rad2deg"

    @staticmethod
    def backward(ctx, grad):
        return grad * (180.0 / math.pi)


class Sinc(FloatUnary):
    """Normalized sinc, ``sin(pi x) / (pi x)``, 1 at 0."""

    _backward_name = "SincBackward0"
    _ufunc = "sinc"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        pi_a = a * math.pi
        slope = (pi_a * pi_a.cos() - pi_a.sin()) / (pi_a * a)
        return where(a == 0, 0.0, slope) * grad


# ------------------------------------------------------------ public functions
sin = unary_function(
    "sin",
    Sin,
    """Sine.

    Example:
        >>> import ember
        >>> ember.sin(ember.tensor([0.0]))
        tensor([0.])
    """,
)
cos = unary_function(
    "cos",
    Cos,
    """Cosine.

    Example:
        >>> import ember
        >>> ember.cos(ember.tensor([0.0]))
        tensor([1.])
    """,
)
tan = unary_function(
    "tan",
    Tan,
    """Tangent.

    Example:
        >>> import ember
        >>> ember.tan(ember.tensor([0.0]))
        tensor([0.])
    """,
)
asin = arcsin = unary_function(
    "asin",
    Asin,
    """Inverse sine (``nan`` outside [-1, 1]).

    Example:
        >>> import ember
        >>> ember.asin(ember.tensor([1.0]))
        tensor([1.5708])
    """,
)
acos = arccos = unary_function(
    "acos",
    Acos,
    """Inverse cosine.

    Example:
        >>> import ember
        >>> ember.acos(ember.tensor([1.0]))
        tensor([0.])
    """,
)
atan = arctan = unary_function(
    "atan",
    Atan,
    """Inverse tangent.

    Example:
        >>> import ember
        >>> ember.atan(ember.tensor([1.0]))
        tensor([0.7854])
    """,
)
sinh = unary_function(
    "sinh",
    Sinh,
    """Hyperbolic sine.

    Example:
        >>> import ember
        >>> ember.sinh(ember.tensor([0.0]))
        tensor([0.])
    """,
)
cosh = unary_function(
    "cosh",
    Cosh,
    """Hyperbolic cosine.

    Example:
        >>> import ember
        >>> ember.cosh(ember.tensor([0.0]))
        tensor([1.])
    """,
)
tanh = unary_function(
    "tanh",
    Tanh,
    """Hyperbolic tangent.

    Example:
        >>> import ember
        >>> ember.tanh(ember.tensor([0.0]))
        tensor([0.])
    """,
)
asinh = arcsinh = unary_function(
    "asinh",
    Asinh,
    """Inverse hyperbolic sine.

    Example:
        >>> import ember
        >>> ember.asinh(ember.tensor([0.0]))
        tensor([0.])
    """,
)
acosh = arccosh = unary_function(
    "acosh",
    Acosh,
    """Inverse hyperbolic cosine (``nan`` below 1).

    Example:
        >>> import ember
        >>> ember.acosh(ember.tensor([1.0]))
        tensor([0.])
    """,
)
atanh = arctanh = unary_function(
    "atanh",
    Atanh,
    """Inverse hyperbolic tangent.

    Example:
        >>> import ember
        >>> ember.atanh(ember.tensor([0.0]))
        tensor([0.])
    """,
)
deg2rad = unary_function(
    "deg2rad",
    Deg2Rad,
    """Degrees to radians.

    Example:
        >>> import ember
        >>> ember.deg2rad(ember.tensor([180.0]))
        tensor([3.1416])
    """,
)
rad2deg = unary_function(
    "rad2deg",
    Rad2Deg,
    """Radians to degrees.

    Example:
        >>> import ember
        >>> ember.rad2deg(ember.tensor([3.14159265]))
        tensor([180.])
    """,
)
sinc = unary_function(
    "sinc",
    Sinc,
    """Normalized sinc ``sin(pi x) / (pi x)``, 1 at 0.

    Example:
        >>> import ember
        >>> ember.sinc(ember.tensor([0.0, 1.0]))
        tensor([ 1.0000e+00, -2.7828e-08])
    """,
)

_TRIGONOMETRIC = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "arcsin": asin, "acos": acos,
    "arccos": acos, "atan": atan, "arctan": atan, "sinh": sinh, "cosh": cosh, "tanh": tanh,
    "asinh": asinh, "arcsinh": asinh, "acosh": acosh, "arccosh": acosh, "atanh": atanh,
    "arctanh": atanh, "deg2rad": deg2rad, "rad2deg": rad2deg, "sinc": sinc,
}  # fmt: skip

bind_methods(**_TRIGONOMETRIC)
bind_methods(**{name + "_": inplace_method(fn, name + "_") for name, fn in _TRIGONOMETRIC.items()})
