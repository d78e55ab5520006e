"""erf, erfc and erfinv on arrays, with NumPy only (no SciPy).

How it works, for ``a = |x|``:

* ``a < 1``: ``erf(a) = a * g(a**2)`` where ``g(t) = erf(sqrt t) / sqrt t`` is smooth on
  [0, 1], so a short Chebyshev series in ``t`` is accurate to the last bits, relative.
* ``1 <= a < 8``: ``erfc(a) = exp(-a**2) / a * k(1/a)``; ``k`` is smooth in ``u = 1/a``
  and Chebyshev-fitted on [1/8, 1].
* ``a >= 8``: the asymptotic series of ``a * exp(a**2) * erfc(a)`` in ``1/(2 a**2)``.

The Chebyshev coefficients are fitted once, on first use, at Chebyshev nodes where the
reference values come from Python's ``math.erf``/``math.erfc`` (correctly rounded to a
few ulps).  Two tiers exist: "double" (float64 results, relative error ~1e-14) and
"single" (float32 and smaller, ~1e-8, with much shorter series).  ``erfinv`` starts
from Winitzki's closed form and refines it with Newton steps on ``erf`` (small
arguments) or on ``log(erfc)`` (near +-1, where ``1 - |x|`` carries the information).

Example:
    >>> import numpy as np
    >>> float(erf(np.array([0.5]))[0])  # doctest: +ELLIPSIS
    0.5204998778130...
"""

from __future__ import annotations

import math

import numpy as np

from ._util import xp_of

__all__ = ["erf", "erfc", "erfinv", "normal_cdf_and_density"]

_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI

# per tier: (degree for |x| < 1, degree for 1 <= |x| < 8, asymptotic terms, Newton steps)
_TIERS = {"double": (14, 22, 24, 4), "single": (6, 10, 6, 2)}
_FITTED: dict = {}


def _chebyshev_fit(f, lo: float, hi: float, degree: int) -> np.ndarray:
    """Coefficients of the Chebyshev series interpolating ``f`` on [lo, hi]."""
    k = np.arange(degree + 1)
    nodes = np.cos(np.pi * (k + 0.5) / (degree + 1))
    values = np.array([f((lo + hi) / 2 + (hi - lo) / 2 * t) for t in nodes])
    # Python floats stay "weak" in NumPy arithmetic, so float32 math stays float32
    return np.polynomial.chebyshev.chebfit(nodes, values, degree).tolist()


def _small_ratio(t: float) -> float:
    """``erf(sqrt t) / sqrt t``."""
    if t == 0:
        return _TWO_OVER_SQRT_PI
    r = math.sqrt(t)
    return math.erf(r) / r


def _scaled_tail_reference(u: float) -> float:
    """``a * exp(a**2) * erfc(a)`` at ``a = 1/u``, from Python's math module."""
    a = 1.0 / u
    return a * math.exp(a * a) * math.erfc(a)


def _coefficients(tier: str):
    if tier not in _FITTED:
        small_degree, tail_degree = _TIERS[tier][:2]
        _FITTED[tier] = (
            _chebyshev_fit(_small_ratio, 0.0, 1.0, small_degree),
            _chebyshev_fit(_scaled_tail_reference, 0.125, 1.0, tail_degree),
        )
    return _FITTED[tier]


def _clenshaw(t, coefficients):
    """Evaluate a Chebyshev series at ``t`` in [-1, 1] (stable three-term recurrence).

    Three buffers rotate so that the loop allocates nothing: ``b_k = 2 t b_{k+1} - b_{k+2} + c_k``.
    """
    xp = xp_of(t)
    t = xp.asarray(t)
    t2 = 2 * t
    b1 = xp.zeros_like(t)
    b2 = xp.zeros_like(t)
    scratch = xp.empty_like(t)
    for c in coefficients[:0:-1]:
        xp.multiply(t2, b1, out=scratch)
        scratch -= b2
        scratch += c
        b1, b2, scratch = scratch, b1, b2
    xp.multiply(t, b1, out=scratch)
    scratch -= b2
    scratch += coefficients[0]
    return scratch


def _exp_neg_square(xp, a, tier: str):
    """``exp(-a**2)`` with ``a**2`` split in two, so its rounding error does not grow with a.

    ``high`` keeps few enough bits that ``high**2`` is exact in the working precision.
    """
    steps = 64 if tier == "double" else 16
    a = xp.minimum(a, 30)  # exp(-900) is 0 in every precision; keeps inf out of the split
    high = xp.floor(a * steps) / steps
    low = a - high
    return xp.exp(-high * high) * xp.exp(-low * (a + high))


def _erf_small(a, tier: str):
    """``erf(a)`` for ``|a| <= 1``."""
    small, _ = _coefficients(tier)
    return a * _clenshaw(2 * a * a - 1, small)


def _scaled_tail(xp, a, tier: str):
    """``a * exp(a**2) * erfc(a)`` for ``a >= 1`` (inputs below 1 give meaningless values)."""
    _, tail = _coefficients(tier)
    u = 1 / xp.clip(a, 1, 8)
    scaled = _clenshaw((2 * u - 1.125) / 0.875, tail)
    far = a >= 8
    if far.any():  # rare: the asymptotic series, only where needed
        v = 1 / (2 * a[far] * a[far])
        total = xp.ones_like(v)
        term = xp.ones_like(v)
        for n in range(1, _TIERS[tier][2]):
            term = -term * (2 * n - 1) * v
            total = total + term
        scaled[far] = total / _SQRT_PI
    return scaled


def _erfc_abs(xp, a, tier: str):
    """``erfc(a)`` for ``a = |x| >= 1`` (inf gives 0, nan stays nan)."""
    return _exp_neg_square(xp, a, tier) / xp.minimum(a, 30) * _scaled_tail(xp, a, tier)


def _working(x, tier):
    return x.astype(np.float64 if tier == "double" else np.float32, copy=False)


def _tier(dtype) -> str:
    return "double" if dtype == np.float64 else "single"


def erf(x, tier: str | None = None):
    """The error function of a floating array (float64 math for float64 input, else float32)."""
    xp = xp_of(x)
    tier = tier or _tier(x.dtype)
    x = _working(x, tier)
    a = xp.abs(x)
    with np.errstate(all="ignore"):
        near_zero = _erf_small(xp.clip(x, -1, 1), tier)
        away = xp.copysign(1 - _erfc_abs(xp, a, tier), x)
        return xp.where(a < 1, near_zero, away)


# Abramowitz & Stegun 7.1.26: erfc(z) ~ t * P(t) * exp(-z**2), t = 1 / (1 + p z), for
# z >= 0, with |error| < 1.5e-7.  The coefficients below are those of P halved and p
# divided by sqrt(2), so that they give Phi(-|x|) = erfc(|x| / sqrt 2) / 2 directly.
_AS_P = 0.3275911 / math.sqrt(2.0)
_AS_HALF_COEFFS = tuple(
    c / 2 for c in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
)


_CHUNK = 1 << 15  # elements per pass: a few float32 buffers of this size stay in L2


def normal_cdf_and_density(x):
    """``(Phi(x), exp(-x**2 / 2))`` of a float32 (or lower) array, in float32.

    Phi is the standard normal CDF, to an absolute error below 3e-7 (GELU multiplies it
    by x and compares with torch at 1e-5); the second array is the normal density up to
    the factor 1/sqrt(2 pi), which GELU's gradient needs.  Both come from one exp and
    about twenty in-place passes, run over chunks of the input that stay in the CPU's
    cache (about a quarter faster than whole-array passes for activations of megabytes).

    Example:
        >>> import numpy as np
        >>> cdf, _ = normal_cdf_and_density(np.array([0.0, 1.0], np.float32))
        >>> [round(float(v), 5) for v in cdf]
        [0.5, 0.84134]
    """
    xp = xp_of(x)
    flat = xp.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    cdf = xp.empty_like(flat)
    density = xp.empty_like(flat)
    scratch = xp.empty(min(flat.size, _CHUNK), np.float32)
    for start in range(0, flat.size, _CHUNK):
        stop = min(start + _CHUNK, flat.size)
        _cdf_and_density_chunk(xp, flat[start:stop], cdf[start:stop], density[start:stop], scratch[: stop - start])
    return cdf.reshape(x.shape), density.reshape(x.shape)


def _cdf_and_density_chunk(xp, x, cdf, density, t) -> None:
    """One chunk of ``normal_cdf_and_density``, written into ``cdf`` and ``density``."""
    xp.abs(x, out=t)
    t *= np.float32(_AS_P)
    t += 1
    xp.reciprocal(t, out=t)
    xp.multiply(t, np.float32(_AS_HALF_COEFFS[-1]), out=cdf)
    for c in reversed(_AS_HALF_COEFFS[:-1]):
        cdf += np.float32(c)
        cdf *= t
    xp.multiply(x, x, out=density)
    density *= np.float32(-0.5)
    xp.exp(density, out=density)
    cdf *= density  # q = Phi(-|x|)
    # Phi(x) = 1/2 + sign(x) (1/2 - q).  The sign of x is copied bitwise onto the
    # non-negative 1/2 - q: a masked write or np.where over a random sign pattern costs
    # ten times a plain pass, and np.copysign four times the two integer passes here.
    xp.subtract(np.float32(0.5), cdf, out=cdf)
    sign_bits = t.view(np.int32)
    xp.bitwise_and(x.view(np.int32), np.int32(-(2**31)), out=sign_bits)
    bits = cdf.view(np.int32)
    bits |= sign_bits
    cdf += np.float32(0.5)


def erfc(x, tier: str | None = None):
    """The complementary error function ``1 - erf(x)``, accurate for large ``x``."""
    xp = xp_of(x)
    tier = tier or _tier(x.dtype)
    x = _working(x, tier)
    a = xp.abs(x)
    with np.errstate(all="ignore"):
        near_zero = 1 - _erf_small(xp.clip(x, -1, 1), tier)
        tail = _erfc_abs(xp, a, tier)
        return xp.where(a < 1, near_zero, xp.where(x > 0, tail, 2 - tail))


def _scaled_erfc(xp, y, tier):
    """``exp(y**2) * erfc(y)`` for ``y >= 0`` (finite for every finite ``y``)."""
    s = xp.minimum(y, 1)
    near_zero = xp.exp(s * s) * (1 - _erf_small(s, tier))
    return xp.where(y < 1, near_zero, _scaled_tail(xp, y, tier) / y)


def erfinv(x, tier: str | None = None):
    """The inverse error function: ``erf(erfinv(x)) == x`` on (-1, 1), +-inf at +-1."""
    xp = xp_of(x)
    tier = tier or _tier(x.dtype)
    steps = _TIERS[tier][3]
    x = _working(x, tier)
    a = xp.abs(x)
    y = xp.full_like(a, np.nan)
    with np.errstate(all="ignore"):
        # |x| <= 0.5: Newton on erf(y) = a, from the series' first terms
        central = a <= 0.5
        s = a[central]
        yc = (_SQRT_PI / 2) * (s + (math.pi / 12) * s**3 + (7 * math.pi**2 / 480) * s**5)
        for _ in range(steps):
            yc = yc - (erf(yc, tier) - s) / (_TWO_OVER_SQRT_PI * xp.exp(-yc * yc))
        y[central] = yc
        # 0.5 < |x| < 1: w = 1 - |x| is exact here; solve log(erfc(y)) = log(w)
        tail = (a > 0.5) & (a < 1)
        w = 1 - a[tail]
        log_w = xp.log(w)
        log_1mx2 = log_w + xp.log(2 - w)
        c = 2 / (math.pi * 0.147) + log_1mx2 / 2
        yt = xp.sqrt(xp.sqrt(c * c - log_1mx2 / 0.147) - c)  # Winitzki's approximation
        for _ in range(steps):
            scaled = _scaled_erfc(xp, yt, tier)
            yt = yt + (xp.log(scaled) - yt * yt - log_w) * (_SQRT_PI / 2) * scaled
        y[tail] = yt
    y[a == 1] = np.inf
    return xp.copysign(y, x)
