"""Special functions: lgamma, digamma, polygamma, mvlgamma, the modified Bessel functions
i0/i0e/i1/i1e, the normal distribution (ndtr, ndtri, log_ndtr), erfcx and the regularized
incomplete gamma functions igamma/igammac, with torch's gradients and special values.

Everything is computed with NumPy alone, vectorized, in float64 working precision and
rounded to the input's dtype at the end (integer inputs compute in the default dtype):

* lgamma: Stirling's series for ``x >= 10``, the recurrence ``Gamma(x+1) = x Gamma(x)``
  below, a Taylor series in ``x - 1`` near the zeros at 1 and 2, and the reflection
  formula ``Gamma(x) Gamma(1-x) = pi / sin(pi x)`` for negative ``x``.
* digamma and polygamma: the asymptotic series (digamma) or the Euler-Maclaurin sum of the
  Hurwitz zeta function ``psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x)``, after shifting the
  argument up by the recurrence; negative arguments by reflection, where the n-th
  derivative of ``cot(pi x)`` is a polynomial in ``cot(pi x)``.
* Bessel: the power series (all terms positive) up to 30, Hankel's asymptotic series above.
* ndtr/log_ndtr/erfcx on ``_erf_math``; ndtri by erfinv in the middle and Newton steps on
  ``log_ndtr`` in the lower tail, so that ``ndtri(1e-300)`` keeps full precision.
* igamma/igammac: the power series of P when ``x < a + 1``, else Lentz's continued
  fraction for Q.

Example:
    >>> import ember
    >>> ember.lgamma(ember.tensor([0.5, 10.0]))
    tensor([ 0.5724, 12.8018])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from . import _erf_math
from ._pointwise import float_operand, maybe_out, not_implemented, require_tensor, result_dtype
from ._util import bind_methods, xp_of
from .inplace import inplace_method
from .selection import where
from .special_math import Xlogy, apply_x_log

__all__ = [
    "digamma",
    "i0",
    "igamma",
    "igammac",
    "lgamma",
    "mvlgamma",
    "polygamma",
]

_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG_PI = math.log(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
# Bernoulli numbers B_2, B_4, ..., B_28
_BERNOULLI_EVEN = [
    1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
    -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6, -23749461029 / 870,
]  # fmt: skip
_SHIFT_TO = 10.0  # the asymptotic series are used from here up


def _riemann_zeta(s: int) -> float:
    """zeta(s) for an integer s >= 2: a direct sum plus its Euler-Maclaurin tail."""
    n = 20
    total = math.fsum(k ** -float(s) for k in range(1, n))
    tail = n ** (1.0 - s) / (s - 1) + 0.5 * n ** -float(s)
    rising = float(s)
    for j, b in enumerate(_BERNOULLI_EVEN[:8], start=1):
        tail += b / math.factorial(2 * j) * rising * n ** (-float(s) - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return total + tail


# lgamma(1 + z) = -gamma z + sum_{k>=2} (-1)^k zeta(k) / k z^k, for |z| < 1 (used |z| < 0.2)
_LGAMMA1P_COEFFS = [0.0, -_EULER_GAMMA] + [(-1) ** k * _riemann_zeta(k) / k for k in range(2, 28)]


def _horner(t, coefficients):
    """``sum c_k t**k`` for coefficients in increasing order."""
    total = np.zeros_like(t) + coefficients[-1]
    for c in reversed(coefficients[:-1]):
        total = total * t + c
    return total


def _working(a):
    """A float64 copy-free view of a floating array (math runs in float64)."""
    return np.asarray(a, dtype=np.float64)


def _finish(result, like_dtype):
    with np.errstate(over="ignore"):  # values beyond the dtype's range round to inf
        return np.asarray(result).astype(like_dtype, copy=False)


def _shift_up(x):
    """Shift positive ``x`` to ``z = x + n >= 10``; returns ``z`` and ``sum log(x + k)``, k < n."""
    z = x.copy()
    log_product = np.zeros_like(x)
    below = z < _SHIFT_TO
    # the first factor alone (it may be tiny), then a product of at most 9 factors in [1, 10)
    log_product[below] = np.log(z[below])
    z[below] += 1
    product = np.ones_like(x)
    for _ in range(int(_SHIFT_TO)):
        below = z < _SHIFT_TO
        if not below.any():
            break
        product[below] *= z[below]
        z[below] += 1
    return z, log_product + np.log(product)


def _sinpi_reduced(x):
    """``r = x - round(x)`` (exact) and the parity of ``round(x)``: sin(pi x) = +-sin(pi r)."""
    nearest = np.round(x)
    return x - nearest, np.remainder(nearest, 2.0)


# -------------------------------------------------------------------- lgamma kernel
def _lgamma_positive(x):
    """lgamma for ``x > 0`` (float64 array)."""
    with np.errstate(all="ignore"):
        z, log_product = _shift_up(x)
        inv = 1.0 / z
        inv2 = inv * inv
        series = _horner(inv2, [b / (2 * k * (2 * k - 1)) for k, b in enumerate(_BERNOULLI_EVEN[:9], 1)])
        out = (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + series * inv - log_product
        out = np.where(np.isinf(x), np.inf, out)
        near_one = np.abs(x - 1) < 0.2
        if near_one.any():
            out[near_one] = _horner(x[near_one] - 1, _LGAMMA1P_COEFFS)
        near_two = np.abs(x - 2) < 0.2
        if near_two.any():
            z2 = x[near_two] - 2
            out[near_two] = _horner(z2, _LGAMMA1P_COEFFS) + np.log1p(z2)
    return out


def lgamma_array(x):
    """``log|Gamma(x)|`` of a float64 array: +inf at the poles 0, -1, -2, ... and at +-inf."""
    x = _working(x)
    out = np.full_like(x, np.inf)
    with np.errstate(all="ignore"):
        positive = x > 0
        out[positive] = _lgamma_positive(x[positive])
        negative = (x < 0) & (x != np.floor(x)) & np.isfinite(x)
        if negative.any():
            xn = x[negative]
            r, _ = _sinpi_reduced(xn)
            out[negative] = _LOG_PI - np.log(np.abs(np.sin(np.pi * r))) - _lgamma_positive(1 - xn)
    out[np.isnan(x)] = np.nan
    return out


# ---------------------------------------------------------- digamma / polygamma kernels
def _digamma_positive(x):
    with np.errstate(all="ignore"):
        z = x.copy()
        correction = np.zeros_like(x)
        for _ in range(int(_SHIFT_TO) + 1):
            below = z < _SHIFT_TO
            if not below.any():
                break
            correction[below] += 1.0 / z[below]
            z[below] += 1
        inv2 = 1.0 / (z * z)
        series = _horner(inv2, [b / (2 * k) for k, b in enumerate(_BERNOULLI_EVEN[:9], 1)]) * inv2
        return np.log(z) - 0.5 / z - series - correction


def digamma_array(x):
    """psi(x) as torch: -inf at +0, +inf at -0, nan at negative integers and -inf."""
    x = _working(x)
    out = np.full_like(x, np.nan)
    with np.errstate(all="ignore"):
        positive = x > 0
        out[positive] = _digamma_positive(x[positive])
        zero = x == 0
        out[zero] = -np.copysign(np.inf, x[zero])
        negative = (x < 0) & (x != np.floor(x)) & np.isfinite(x)
        if negative.any():
            xn = x[negative]
            r, _ = _sinpi_reduced(xn)
            out[negative] = _digamma_positive(1 - xn) - np.pi / np.tan(np.pi * r)
    return out


def _hurwitz_zeta_positive(s: int, q):
    """zeta(s, q) = sum_k (q + k)^-s for integer s >= 2 and q > 0 (Euler-Maclaurin)."""
    with np.errstate(all="ignore"):
        start = _SHIFT_TO + s  # far enough that the correction series converges fast
        total = np.zeros_like(q)
        a = q.copy()
        for _ in range(int(start) + 1):
            below = a < start
            if not below.any():
                break
            total[below] += a[below] ** -float(s)
            a[below] += 1
        a_pow = a ** -float(s)
        total += a * a_pow / (s - 1) + 0.5 * a_pow
        inv2 = 1.0 / (a * a)
        term = a_pow / a  # a^(-s-1), then a^(-s-2j+1) with the rising factorial
        rising = float(s)
        for j, b in enumerate(_BERNOULLI_EVEN[:12], start=1):
            total += (b / math.factorial(2 * j) * rising) * term
            term = term * inv2
            rising *= (s + 2 * j - 1) * (s + 2 * j)
        return np.where(q == np.inf, 0.0, total)


def _cot_derivative_polynomial(n: int) -> list:
    """Integer coefficients of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))."""
    poly = [0, 1]
    for _ in range(n):
        derivative = [k * c for k, c in enumerate(poly)][1:] or [0]
        # -(1 + c^2) * P'
        nxt = [0] * (len(derivative) + 2)
        for k, c in enumerate(derivative):
            nxt[k] -= c
            nxt[k + 2] -= c
        poly = nxt
    return poly


def _polygamma_positive(n: int, x):
    """psi^(n)(x), n >= 1, x > 0, in float64."""
    return (-1.0) ** (n + 1) * math.exp(math.lgamma(n + 1)) * _hurwitz_zeta_positive(n + 1, x)


def polygamma_array(n: int, x, dtype):
    """psi^(n)(x) for n >= 1, rounded to ``dtype``, with torch's conventions.

    torch computes trigamma's reflection with ``sin(pi x)`` in the input's precision (so
    it is finite, not inf, at negative integers), and ``n! * zeta(n+1, x)`` for n >= 2 in
    the input's precision (inf or nan where either factor overflows): both are kept here.
    """
    x = _working(x)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(all="ignore"):
        if n == 1:
            out = np.full_like(x, np.nan)
            positive = x >= 0.5
            out[positive] = _polygamma_positive(1, x[positive])
            low = (x < 0.5) & ~np.isinf(x)
            xl = x[low]
            narrow = xl.astype(dtype)
            sin_pi_x = np.sin(dtype.type(math.pi) * narrow).astype(np.float64)
            out[low] = math.pi**2 / (sin_pi_x * sin_pi_x) - _polygamma_positive(1, 1 - xl)
            return _finish(out, dtype)
        out = np.full_like(x, sign * np.inf)
        positive = x > 0
        factorial = dtype.type(math.exp(math.lgamma(n + 1))) if n < 171 else dtype.type(np.inf)
        zeta = _hurwitz_zeta_positive(n + 1, x[positive]).astype(dtype)
        result = out.astype(dtype)
        result[positive] = sign * factorial * zeta
        negative = (x < 0) & (x != np.floor(x)) & np.isfinite(x)
        if negative.any():
            xn = x[negative]
            r, _ = _sinpi_reduced(xn)
            cot = np.cos(np.pi * r) / np.sin(np.pi * r)
            poly = _horner(cot, [float(c) for c in _cot_derivative_polynomial(n)])
            reflected = -(math.pi ** (n + 1)) * poly + (-1.0) ** n * _polygamma_positive(n, 1 - xn)
            result[negative] = reflected.astype(dtype)
        result[np.isnan(x) | (x == np.inf)] = np.nan
        return result


# ------------------------------------------------------------------ Bessel kernels
_BESSEL_SERIES_LIMIT = 30.0
_BESSEL_TERMS = 50
_I0_SERIES = [1.0 / math.factorial(k) ** 2 for k in range(_BESSEL_TERMS)]
_I1_SERIES = [1.0 / (math.factorial(k) * math.factorial(k + 1)) for k in range(_BESSEL_TERMS)]


def _hankel_coefficients(nu: int, terms: int = 40) -> list:
    """c_k with ``exp(-x) I_nu(x) sqrt(2 pi x) ~ sum_k c_k x^-k`` (large x)."""
    coefficients = [1.0]
    c = 1.0
    for k in range(1, terms):
        c *= -(4 * nu * nu - (2 * k - 1) ** 2) / (k * 8)
        coefficients.append(c)
    return coefficients


_I0_HANKEL = _hankel_coefficients(0)
_I1_HANKEL = _hankel_coefficients(1)


def _bessel_scaled(a, nu: int):
    """``exp(-a) I_nu(a)`` for ``a >= 0`` (float64); also returns the unscaled series part."""
    out = np.empty_like(a)
    unscaled = np.full_like(a, np.nan)
    small = a <= _BESSEL_SERIES_LIMIT
    with np.errstate(all="ignore"):
        s = a[small]
        t = s * s / 4
        series = _horner(t, _I0_SERIES) if nu == 0 else 0.5 * s * _horner(t, _I1_SERIES)
        unscaled[small] = series
        out[small] = series * np.exp(-s)
        big = ~small
        b = a[big]
        out[big] = _horner(1.0 / b, _I0_HANKEL if nu == 0 else _I1_HANKEL) / np.sqrt(2 * np.pi * b)
        out[np.isnan(a)] = np.nan
    return out, unscaled


def bessel_i_array(x, nu: int, scaled: bool):
    """I_nu(x) or exp(-|x|) I_nu(x) for nu in {0, 1} of a float array (float64 math)."""
    x = _working(x)
    a = np.abs(x)
    scaled_value, unscaled = _bessel_scaled(a, nu)
    if scaled:
        out = scaled_value
    else:
        with np.errstate(all="ignore"):
            # exp(a) * (exp(-a) I(a)): inf * 0 = nan at infinity, as torch gives
            out = np.where(a <= _BESSEL_SERIES_LIMIT, unscaled, np.exp(a) * scaled_value)
    if nu == 1:
        out = np.where(x < 0, -out, out)
    return out


# -------------------------------------------------------------- normal distribution
def erfcx_array(x):
    """``exp(x**2) erfc(x)`` (inf for x below about -26.6)."""
    x = _working(x)
    with np.errstate(all="ignore"):
        y = np.abs(x)
        scaled = _erf_math._scaled_erfc(np, y, "double")
        return np.where(x >= 0, scaled, 2 * np.exp(x * x) - scaled)


def log_ndtr_array(x):
    """``log(Phi(x))``, accurate in both tails."""
    x = _working(x)
    with np.errstate(all="ignore"):
        lower = np.log(erfcx_array(-x * _SQRT1_2) / 2) - 0.5 * x * x
        upper = np.log1p(-0.5 * _erf_math.erfc(x * _SQRT1_2, "double"))
        out = np.where(x < -1, lower, upper)
        return np.where(x == -np.inf, -np.inf, out)


def ndtri_array(p):
    """The standard normal quantile: Phi(ndtri(p)) = p; -inf at 0, inf at 1, nan outside."""
    p = _working(p)
    with np.errstate(all="ignore"):
        out = math.sqrt(2) * _erf_math.erfinv(2 * p - 1, "double")
        tail = (p > 0) & (p < 0.15)
        if tail.any():
            q = p[tail]
            log_q = np.log(q)
            # Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Newton on log Phi
            t = np.sqrt(-2 * log_q)
            x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
                  / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3))  # fmt: skip
            for _ in range(5):
                log_phi = log_ndtr_array(x)
                slope = np.exp(-0.5 * x * x - log_phi) / _SQRT_2PI
                x = x - (log_phi - log_q) / slope
            out[tail] = x
        out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))
        return np.where((p < 0) | (p > 1), np.nan, out)


# ------------------------------------------------------------ incomplete gamma kernel
_IGAMMA_MAX_ITERATIONS = 20000
_EPS = np.finfo(np.float64).eps


def _igamma_series(a, x):
    """P(a, x) by its power series (for x < a + 1)."""
    term = np.ones_like(a)
    total = np.ones_like(a)
    denominator = a.copy()
    active = np.arange(a.size)
    for _ in range(_IGAMMA_MAX_ITERATIONS):
        if active.size == 0:
            break
        denominator[active] += 1
        term[active] *= x[active] / denominator[active]
        total[active] += term[active]
        active = active[np.abs(term[active]) > _EPS / 4 * np.abs(total[active])]
    log_prefactor = a * np.log(x) - x - lgamma_array(a + 1)
    return np.exp(log_prefactor) * total


def _igammac_continued_fraction(a, x):
    """Q(a, x) by Lentz's continued fraction (for x >= a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(a, 1 / tiny)
    d = 1 / b
    h = d.copy()
    active = np.arange(a.size)
    for i in range(1, _IGAMMA_MAX_ITERATIONS):
        if active.size == 0:
            break
        an = -i * (i - a[active])
        b[active] += 2
        da = an * d[active] + b[active]
        da = np.where(np.abs(da) < tiny, tiny, da)
        ca = b[active] + an / c[active]
        ca = np.where(np.abs(ca) < tiny, tiny, ca)
        da = 1 / da
        delta = da * ca
        d[active], c[active] = da, ca
        h[active] *= delta
        active = active[np.abs(delta - 1) > _EPS]
    log_prefactor = a * np.log(x) - x - lgamma_array(a)
    return np.exp(log_prefactor) * h


def igamma_array(a, x, upper: bool):
    """Regularized lower (P) or upper (Q) incomplete gamma of float arrays, as torch."""
    a, x = np.broadcast_arrays(_working(a), _working(x))
    a, x = a.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    with np.errstate(all="ignore"):
        general = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        by_series = general & (x < a + 1)
        by_fraction = general & ~by_series
        p = _igamma_series(a[by_series], x[by_series])
        q = _igammac_continued_fraction(a[by_fraction], x[by_fraction])
        out[by_series] = 1 - p if upper else p
        out[by_fraction] = q if upper else 1 - q
        lower_one = ((a == 0) & (x > 0)) | ((x == np.inf) & (a >= 0) & (a < np.inf))
        lower_zero = (x == 0) & (a > 0) | ((a == np.inf) & (x >= 0) & (x < np.inf))
        out[lower_one] = 0.0 if upper else 1.0
        out[lower_zero] = 1.0 if upper else 0.0
    return out


# ==================================================================== Functions
class _UnaryKernel(Function):
    """A one-input op computed by a float64 kernel and rounded to the input's dtype."""

    _array_forward = True
    _kernel = None

    @classmethod
    def forward(cls, ctx, a):
        x = float_operand(a)
        out = xp_of(x).asarray(_finish(cls._kernel(x), x.dtype))
        ctx.save_for_backward(a, out)
        return out


class Lgamma(_UnaryKernel):
    _backward_name = "LgammaBackward0"
    _kernel = staticmethod(lgamma_array)

    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        return grad * digamma(x)


class Digamma(_UnaryKernel):
    _backward_name = "DigammaBackward0"
    _kernel = staticmethod(digamma_array)

    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        return grad * polygamma(1, x)


class Polygamma(Function):
    _array_forward = True
    _backward_name = "PolygammaBackward0"

    @staticmethod
    def forward(ctx, a, n=1):
        x = float_operand(a)
        ctx.n = n
        ctx.save_for_backward(a)
        if n == 0:
            return xp_of(x).asarray(_finish(digamma_array(x), x.dtype))
        return xp_of(x).asarray(polygamma_array(n, x, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x)


class Mvlgamma(Function):
    _array_forward = True
    _backward_name = "MvlgammaBackward0"

    @staticmethod
    def forward(ctx, a, p=1):
        x = float_operand(a)
        ctx.p = p
        ctx.save_for_backward(a)
        w = _working(x)
        total = np.full_like(w, p * (p - 1) / 4 * _LOG_PI)
        for i in range(p):
            total += lgamma_array(w - i / 2)
        return xp_of(x).asarray(_finish(total, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        total = digamma(x)
        for i in range(1, ctx.p):
            total = total + digamma(x - i / 2)
        return grad * total


class _BesselFunction(_UnaryKernel):
    _nu = 0
    _scaled = False

    @classmethod
    def forward(cls, ctx, a):
        x = float_operand(a)
        values = bessel_i_array(x, cls._nu, cls._scaled)
        if not cls._scaled and x.dtype != np.float64:
            # torch multiplies by exp(|x|) in the input's precision: inf once that overflows
            overflow = np.isfinite(x) & (np.abs(x) > math.log(float(np.finfo(x.dtype).max)))
            values = np.where(overflow, np.copysign(np.inf, values), values)
        out = xp_of(x).asarray(_finish(values, x.dtype))
        ctx.save_for_backward(a, out)
        return out


class I0(_BesselFunction):
    _backward_name = "I0Backward0"

    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        return grad * special_i1(x)


class I0e(_BesselFunction):
    _backward_name = "SpecialI0EBackward0"
    _scaled = True

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (special_i1e(x) - x.sgn() * out)


class I1(_BesselFunction):
    _backward_name = "SpecialI1Backward0"
    _nu = 1

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * where(x == 0, 0.5, i0(x) - out / x)


class I1e(_BesselFunction):
    _backward_name = "SpecialI1EBackward0"
    _nu = 1
    _scaled = True

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * where(x == 0, 0.5, special_i0e(x) - out * (x.sgn() + x.reciprocal()))


class Ndtri(_UnaryKernel):
    _backward_name = "SpecialNdtriBackward0"
    _kernel = staticmethod(ndtri_array)

    @staticmethod
    def backward(ctx, grad):
        _, out = ctx.saved_tensors
        return grad * _SQRT_2PI * (out * out * 0.5).exp()


class LogNdtr(_UnaryKernel):
    _backward_name = "SpecialLogNdtrBackward0"
    _kernel = staticmethod(log_ndtr_array)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (-0.5 * x * x - out).exp() / _SQRT_2PI


class Erfcx(_UnaryKernel):
    _backward_name = "SpecialErfcxBackward0"
    _kernel = staticmethod(erfcx_array)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * (2 * x * out - _TWO_OVER_SQRT_PI)


class _IncompleteGamma(Function):
    _array_forward = True
    _upper = False
    _kernel_name = "igamma"

    @classmethod
    def forward(cls, ctx, a, x):
        dt = result_dtype(a, x)
        if dt.kind in "iub":
            raise not_implemented(cls._kernel_name + "_cpu", dt)
        try:
            shape = np.broadcast_shapes(np.shape(a), np.shape(x))
        except ValueError:
            from ._pointwise import broadcast_error

            raise broadcast_error(cls._kernel_name, np.shape(a), np.shape(x)) from None
        a, x = a.astype(dt, copy=False), x.astype(dt, copy=False)
        ctx.save_for_backward(a, x)
        out = igamma_array(a, x, cls._upper).reshape(shape)
        return xp_of(a, x).asarray(_finish(out, dt))

    @classmethod
    def backward(cls, ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls._kernel_name}: input' is not implemented.")
        density = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, grad * (-density if cls._upper else density)


class Igamma(_IncompleteGamma):
    _backward_name = "IgammaBackward0"


class Igammac(_IncompleteGamma):
    _backward_name = "IgammacBackward0"
    _upper = True
    _kernel_name = "igammac"


class Entr(Function):
    _array_forward = True
    _backward_name = "SpecialEntrBackward0"

    @staticmethod
    def forward(ctx, a):
        x = float_operand(a)
        ctx.save_for_backward(a)
        xp = xp_of(x)
        with np.errstate(all="ignore"):
            out = xp.where(x > 0, -x * xp.log(x), xp.where(x == 0, 0.0, -xp.inf))
            out = xp.where(xp.isnan(x), xp.nan, out)
        return xp.asarray(out.astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -(x.log() + 1)


class Xlog1py(Xlogy):
    """``xlog1py(tensor, tensor)``: 0 where x == 0 (unless y is nan)."""

    _backward_name = "SpecialXlog1PyBackward0"
    _op = "special_xlog1py"
    _log = "log1p"


class Xlog1pyScalarSelf(Xlog1py):
    _backward_name = "SpecialXlog1PyBackward1"


class Xlog1pyScalarOther(Xlog1py):
    _backward_name = "SpecialXlog1PyBackward2"


# ============================================================== public functions
def _unary(cls, name: str, input, out):
    require_tensor(input, name, 1, "input")
    return maybe_out(cls.apply(input), out)


def lgamma(input: Tensor, *, out=None) -> Tensor:
    """``log|Gamma(input)|``; +inf at the poles 0, -1, -2, ...; gradient digamma.

    Example:
        >>> import ember
        >>> ember.lgamma(ember.tensor([1.0, 0.5, -0.5]))
        tensor([0.0000, 0.5724, 1.2655])
    """
    return _unary(Lgamma, "lgamma", input, out)


def digamma(input: Tensor, *, out=None) -> Tensor:
    """The logarithmic derivative of Gamma; -inf at 0, nan at negative integers.

    Example:
        >>> import ember
        >>> ember.digamma(ember.tensor([1.0, 0.5]))
        tensor([-0.5772, -1.9635])
    """
    return _unary(Digamma, "digamma", input, out)


def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """The n-th derivative of digamma (``n == 0`` is digamma itself).

    Example:
        >>> import ember
        >>> ember.polygamma(1, ember.tensor([1.0]))
        tensor([1.6449])
    """
    require_tensor(input, "polygamma", 2, "input")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return maybe_out(Polygamma.apply(input, n=int(n)), out)


def mvlgamma(input: Tensor, p: int, *, out=None) -> Tensor:
    """The multivariate log-gamma ``sum_i lgamma(input - i/2) + p(p-1)/4 log(pi)``.

    Example:
        >>> import ember
        >>> ember.mvlgamma(ember.tensor([2.5]), 2)
        tensor([0.8570])
    """
    require_tensor(input, "mvlgamma", 1, "input")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return maybe_out(Mvlgamma.apply(input, p=int(p)), out)


def i0(input: Tensor, *, out=None) -> Tensor:
    """The modified Bessel function of the first kind, order 0.

    Example:
        >>> import ember
        >>> ember.i0(ember.tensor([0.0, 1.0]))
        tensor([1.0000, 1.2661])
    """
    return _unary(I0, "i0", input, out)


def special_i0e(input: Tensor, *, out=None) -> Tensor:
    """``exp(-|x|) * i0(x)`` (``torch.special.i0e``), finite for every finite x.

    Example:
        >>> import ember
        >>> ember.special.i0e(ember.tensor([0.0, 100.0]))
        tensor([1.0000, 0.0399])
    """
    return _unary(I0e, "special_i0e", input, out)


def special_i1(input: Tensor, *, out=None) -> Tensor:
    """The modified Bessel function of the first kind, order 1 (``torch.special.i1``).

    Example:
        >>> import ember
        >>> ember.special.i1(ember.tensor([0.0, 1.0]))
        tensor([0.0000, 0.5652])
    """
    return _unary(I1, "special_i1", input, out)


def special_i1e(input: Tensor, *, out=None) -> Tensor:
    """``exp(-|x|) * i1(x)`` (``torch.special.i1e``).

    Example:
        >>> import ember
        >>> ember.special.i1e(ember.tensor([1.0]))
        tensor([0.2079])
    """
    return _unary(I1e, "special_i1e", input, out)


def special_ndtr(input: Tensor, *, out=None) -> Tensor:
    """The standard normal CDF ``(1 + erf(x / sqrt 2)) / 2``, accurate in the lower tail.

    Example:
        >>> import ember
        >>> ember.special.ndtr(ember.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
    """
    require_tensor(input, "special_ndtr", 1, "input")
    return maybe_out((input * -_SQRT1_2).erfc() * 0.5, out)


def special_ndtri(input: Tensor, *, out=None) -> Tensor:
    """The inverse of ndtr: the standard normal quantile (``-inf`` at 0, ``inf`` at 1).

    Example:
        >>> import ember
        >>> ember.special.ndtri(ember.tensor([0.5, 0.975]))
        tensor([0.0000, 1.9600])
    """
    return _unary(Ndtri, "special_ndtri", input, out)


def special_log_ndtr(input: Tensor, *, out=None) -> Tensor:
    """``log(ndtr(x))`` without underflow for very negative x.

    Example:
        >>> import ember
        >>> ember.special.log_ndtr(ember.tensor([0.0, -40.0]))
        tensor([-6.9315e-01, -8.0461e+02])
    """
    return _unary(LogNdtr, "special_log_ndtr", input, out)


def special_erfcx(input: Tensor, *, out=None) -> Tensor:
    """The scaled complementary error function ``exp(x**2) * erfc(x)``.

    Example:
        >>> import ember
        >>> ember.special.erfcx(ember.tensor([0.0, 10.0]))
        tensor([1.0000, 0.0561])
    """
    return _unary(Erfcx, "special_erfcx", input, out)


def _incomplete_gamma(cls, name: str, input, other, out):
    require_tensor(input, name, 1, "input")
    require_tensor(other, name, 2, "other")
    return maybe_out(cls.apply(input, other), out)


def igamma(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The regularized lower incomplete gamma ``P(input, other)`` (``special.gammainc``).

    Gradients flow only to ``other``, as in torch.

    Example:
        >>> import ember
        >>> ember.igamma(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    return _incomplete_gamma(Igamma, "igamma", input, other, out)


def igammac(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The regularized upper incomplete gamma ``Q(input, other) = 1 - P(input, other)``.

    Example:
        >>> import ember
        >>> ember.igammac(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([0.3679])
    """
    return _incomplete_gamma(Igammac, "igammac", input, other, out)


def special_entr(input: Tensor, *, out=None) -> Tensor:
    """The elementwise entropy ``-x log(x)``: 0 at 0, ``-inf`` for negative x.

    Example:
        >>> import ember
        >>> ember.special.entr(ember.tensor([0.0, 0.5, -1.0]))
        tensor([0.0000, 0.3466,   -inf])
    """
    return _unary(Entr, "special_entr", input, out)


def special_xlog1py(input, other, *, out=None) -> Tensor:
    """``input * log1p(other)``, 0 where ``input == 0`` (nan where other is nan).

    Example:
        >>> import ember
        >>> ember.special.xlog1py(ember.tensor([0.0, 2.0]), ember.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    return apply_x_log("special_xlog1py", (Xlog1py, Xlog1pyScalarSelf, Xlog1pyScalarOther), input, other, out)


Xlog1py._public = staticmethod(special_xlog1py)


def _polygamma_method(self, n: int) -> Tensor:
    return polygamma(n, self)


def _polygamma_inplace(self, n: int) -> Tensor:
    from .inplace import apply_inplace

    self._check_inplace_allowed()
    return apply_inplace(self, polygamma(n, self), "polygamma_")


bind_methods(
    lgamma=lgamma,
    digamma=digamma,
    polygamma=_polygamma_method,
    mvlgamma=mvlgamma,
    i0=i0,
    igamma=igamma,
    igammac=igammac,
    lgamma_=inplace_method(lgamma, "lgamma_"),
    digamma_=inplace_method(digamma, "digamma_"),
    polygamma_=_polygamma_inplace,
    mvlgamma_=inplace_method(mvlgamma, "mvlgamma_"),
    i0_=inplace_method(i0, "i0_"),
    igamma_=inplace_method(igamma, "igamma_"),
    igammac_=inplace_method(igammac, "igammac_"),
)
