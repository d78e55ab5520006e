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

For float32 the normal CDF (``normal_cdf``) and exact GELU with its derivative
(``gelu_and_slope``) have a faster kernel of their own, ``Phi(x) = (1 + tanh(x P(x**2))) / 2``
with a fitted polynomial ``P``, absolute error below 1.5e-7 (see the comments there).

Example:
    >>> import numpy as np
    >>> float(erf(np.array([0.5]))[0])  # doctest: +ELLIPSIS
    0.5204998778130...
"""

from __future__ import annotations

import math

import numpy as np

from ._util import xp_of

__all__ = ["erf", "erfc", "erfinv", "gelu_and_slope", "normal_cdf"]

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


# Phi(x) = (1 + tanh(x * P(x**2))) / 2 for float32, where P is a degree-6 polynomial
# fitted (weighted least squares with Lawson reweighting, the weight being how much an
# error in P moves Phi) to atanh(2 Phi(x) - 1) / x on [0, 6].  Evaluated in float32
# as below, |error of Phi| < 1.5e-7 everywhere.  Why this form: NumPy's float32 tanh is a fast SIMD loop, and
# P's argument x**2 needs no abs, reciprocal or sign fix-up (every NumPy pass costs).
_PHI_TANH_POLY = (
    0.7978849414677124, 0.03633308453633869, -3.259492812254859e-05, -5.5306216183785875e-05,
    3.964749004591978e-06, -1.3226374169765258e-07, 1.7561829619702309e-09,
)


def _quadratic_factors(coefficients):
    """``P(z) = lead * prod((z - re)**2 + im**2)`` for a real polynomial (lowest
    coefficient first) whose roots are all complex pairs: ``(lead, ((re, im**2), ...))``."""
    roots = np.roots(coefficients[::-1])
    pairs = sorted((float(r.real), float(r.imag) ** 2) for r in roots if r.imag > 0)
    assert 2 * len(pairs) == len(roots), "P has a real root"
    return float(coefficients[-1]), tuple(pairs)


# P's roots are three complex pairs, so P is its leading coefficient times three sums
# (z - re)**2 + im**2, each three passes with a scalar (subtract, square, add) that
# never cancel: fewer passes than Horner's rule, whose every step multiplies two arrays
# (NumPy's two-array passes cost about twice a pass with a scalar).  It also shows
# that P > 0 for every z, so the tanh saturates to exactly +-1 in the tails and at
# +-inf, and overflow of the squares only gives inf there.
_PHI_TANH_LEAD, _PHI_TANH_FACTORS = _quadratic_factors(_PHI_TANH_POLY)
_LOG2_INV_SQRT_2PI = -0.5 * math.log2(2.0 * math.pi)

_CHUNK = 1 << 15  # elements per pass: the few float32 buffers of a chunk stay in L2


def _phi_chunk(xp, x, z, r, f) -> None:
    """``r = Phi(x)`` for one chunk, leaving ``z = x**2`` (``f`` is scratch; all float32)."""
    f32 = np.float32
    xp.square(x, out=z)
    for i, (re, im2) in enumerate(_PHI_TANH_FACTORS):
        factor = r if i == 0 else f
        xp.subtract(z, f32(re), out=factor)
        xp.square(factor, out=factor)
        factor += f32(im2)
        if i:
            r *= factor
    r *= f32(_PHI_TANH_LEAD)
    r *= x
    xp.tanh(r, out=r)
    r *= f32(0.5)
    r += f32(0.5)


def _chunked(xp, x, n_outputs: int, kernel):
    """Run ``kernel(x_chunk, *output_chunks, *three_scratch_chunks)`` over cache-sized
    chunks of ``x`` (as contiguous float32); return the ``n_outputs`` arrays of x's shape.

    Passes over chunks that stay in the CPU's cache are about a third faster than
    whole-array passes over activations of megabytes.
    """
    flat = xp.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    outputs = [xp.empty_like(flat) for _ in range(n_outputs)]
    scratch = [xp.empty(min(flat.size, _CHUNK), np.float32) for _ in range(3)]
    with np.errstate(over="ignore", invalid="ignore"):  # x**k overflows to inf for huge |x|
        for start in range(0, flat.size, _CHUNK):
            stop = min(start + _CHUNK, flat.size)
            n = stop - start
            kernel(flat[start:stop], *(o[start:stop] for o in outputs), *(b[:n] for b in scratch))
    return [o.reshape(x.shape) for o in outputs]


def normal_cdf(x):
    """Phi(x), the standard normal CDF, of a float32 (or lower) array, in float32
    (absolute error below 1.5e-7).

    Example:
        >>> import numpy as np
        >>> [round(float(v), 5) for v in normal_cdf(np.array([0.0, 1.0], np.float32))]
        [0.5, 0.84134]
    """
    xp = xp_of(x)

    def kernel(x, cdf, z, f, _):
        _phi_chunk(xp, x, z, cdf, f)

    return _chunked(xp, x, 1, kernel)[0]


def gelu_and_slope(x, with_slope: bool = True):
    """``(x * Phi(x), Phi(x) + x * pdf(x))``: exact GELU and its derivative, of a float32
    (or lower) array, in float32; the slope is None unless ``with_slope``.

    One pass over cache-sized chunks computes both, so GELU's backward is a single
    product with the saved slope.  +inf gives (inf, nan), -inf (nan, nan), as the
    products ``inf * 1`` and ``-inf * 0`` do (torch's GELU gives nan at +inf).

    Example:
        >>> import numpy as np
        >>> out, slope = gelu_and_slope(np.array([0.0, 1.0], np.float32))
        >>> [round(float(v), 5) for v in out], [round(float(v), 5) for v in slope]
        ([0.0, 0.84134], [0.5, 1.08332])
    """
    xp = xp_of(x)
    f32 = np.float32

    def kernel(x, out, *rest):
        slope, z, cdf, f = rest if with_slope else (None, *rest)
        _phi_chunk(xp, x, z, cdf, f)
        xp.multiply(x, cdf, out=out)
        if with_slope:  # Phi + x * exp(-x**2 / 2) / sqrt(2 pi), in z's buffer
            # as a power of 2: NumPy's float32 exp2 is about twice as fast as its exp
            z *= f32(-0.5 / math.log(2.0))
            z += f32(_LOG2_INV_SQRT_2PI)
            xp.exp2(z, out=z)
            z *= x
            xp.add(cdf, z, out=slope)

    results = _chunked(xp, x, 2 if with_slope else 1, kernel)
    return (results[0], results[1] if with_slope else None)


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
