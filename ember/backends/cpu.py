"""``torch.backends.cpu``: what the CPU offers.

Example:
    >>> import ember
    >>> ember.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    True
"""

from __future__ import annotations


def _numpy_cpu_features() -> dict:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy < 2
        try:
            from numpy.core._multiarray_umath import __cpu_features__
        except ImportError:  # pragma: no cover - very old NumPy
            return {}
    return dict(__cpu_features__)


def get_cpu_capability() -> str:
    """The SIMD level the CPU supports, named as torch names it: ``"AVX512"``, ``"AVX2"``
    or ``"DEFAULT"``.

    Read from NumPy's runtime CPU detection (the level NumPy's own kernels dispatch to).

    Example:
        >>> import ember
        >>> isinstance(ember.backends.cpu.get_cpu_capability(), str)
        True
    """
    features = _numpy_cpu_features()
    if all(features.get(name) for name in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    return "DEFAULT"
