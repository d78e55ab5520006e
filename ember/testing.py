"""``torch.testing`` for ember: :func:`assert_close` and :func:`make_tensor`.

Example:
    >>> import ember
    >>> from ember.testing import assert_close
    >>> assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
"""

from __future__ import annotations

import cmath
import collections.abc
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor

__all__ = ["assert_close", "make_tensor"]

# torch's default (rtol, atol) per dtype; integer and bool types compare exactly.
_DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
}


class _Mismatch(Exception):
    """A failed comparison: the message, and whether ``msg`` may replace it."""

    def __init__(self, message: str, *, exc_type=AssertionError, custom_msg_allowed: bool = True):
        super().__init__(message)
        self.message = message
        self.exc_type = exc_type
        self.custom_msg_allowed = custom_msg_allowed


def _default_tolerances(*dtypes) -> tuple[float, float]:
    pairs = [_DEFAULT_TOLERANCES.get(d._name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _format_number(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _value_report(kind: str, *, equal: bool, lines: list[str], abs_tol, rel_tol) -> str:
    """torch's message body: a title, then difference lines with the allowed amounts."""
    title = f"{kind} are not {'equal' if equal else 'close'}!"
    body = []
    for line, tol in zip(lines[-2:], (abs_tol, rel_tol)):
        body.append(line if equal else f"{line} (up to {_format_number(tol)} allowed)")
    return "\n".join([title, "", *lines[:-2], *body])


# --- Python numbers ----------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_))


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype) -> None:
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if rtol is None:
        tolerances = [
            (0.0, 0.0) if isinstance(v, numbers.Integral) else (1e-7, 1e-7) for v in (actual, expected)
        ]
        rtol, atol = max(t[0] for t in tolerances), max(t[1] for t in tolerances)
    if actual == expected:
        return
    both_nan = _is_nan(actual) and _is_nan(expected)
    if equal_nan and both_nan:
        return
    abs_diff = abs(actual - expected)
    if not both_nan and abs_diff <= atol + rtol * abs(expected):
        return
    if expected == 0:
        rel_diff = math.inf if abs_diff else math.nan
    else:
        rel_diff = abs_diff / abs(expected)
    lines = [
        f"Expected {expected!r} but got {actual!r}.",
        f"Absolute difference: {abs_diff!r}",
        f"Relative difference: {rel_diff!r}",
    ]
    raise _Mismatch(
        _value_report("Scalars", equal=rtol == 0 and atol == 0, lines=lines, abs_tol=atol, rel_tol=rtol)
    )


def _is_nan(value) -> bool:
    return cmath.isnan(value)  # works for int, float and complex alike


# --- tensors -----------------------------------------------------------------------------


def _host_array(t: Tensor) -> np.ndarray:
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    return np.asarray(t.numpy())


def _check_attributes(
    actual: Tensor, expected: Tensor, check_device, check_dtype, check_layout, check_stride
):
    def differ(name, a, b):
        raise _Mismatch(f"The values for attribute '{name}' do not match: {a} != {b}.")

    if actual.shape != expected.shape:
        differ("shape", actual.shape, expected.shape)
    if check_device and actual.device != expected.device:
        differ("device", actual.device, expected.device)
    if check_dtype and actual.dtype is not expected.dtype:
        differ("dtype", actual.dtype, expected.dtype)
    if check_layout and actual.layout != expected.layout:
        differ("layout", actual.layout, expected.layout)
    if check_stride and actual.stride() != expected.stride():
        differ("stride()", actual.stride(), expected.stride())


def _compare_tensors(actual: Tensor, expected: Tensor, rtol, atol, equal_nan, flags) -> None:
    _check_attributes(actual, expected, *flags)
    common = _dtype.promote_types(actual.dtype, expected.dtype)
    if rtol is None:
        rtol, atol = _default_tolerances(actual.dtype, expected.dtype)
    a = _host_array(actual).astype(common.numpy_dtype, copy=False)
    e = _host_array(expected).astype(common.numpy_dtype, copy=False)
    if common.is_floating_point:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            abs_diff = np.abs(a - e)
            rel_diff = abs_diff / np.abs(e)
            # computed in the tensors' own precision, as torch does; infinities match only
            # themselves (inf - x <= atol + rtol * inf would otherwise pass)
            within = abs_diff <= atol + rtol * np.abs(e)
        close = (a == e) | (within & np.isfinite(a) & np.isfinite(e))
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
    else:  # integers and bools: differences in int64 so that int8(-128) - 1 cannot wrap
        a64, e64 = a.astype(np.int64), e.astype(np.int64)
        abs_diff = np.abs(a64 - e64)
        close = abs_diff <= atol + rtol * np.abs(e64)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel_diff = abs_diff.astype(_dtype.get_default_dtype().numpy_dtype) / np.abs(e64)
    if close.all():
        return
    equal = rtol == 0 and atol == 0
    if abs_diff.ndim == 0:
        lines = [
            f"Expected {_format_number(e[()])} but got {_format_number(a[()])}.",
            f"Absolute difference: {_format_number(abs_diff[()])}",
            f"Relative difference: {_format_number(rel_diff[()])}",
        ]
        raise _Mismatch(_value_report("Scalars", equal=equal, lines=lines, abs_tol=atol, rel_tol=rtol))
    # torch reports the greatest differences among the mismatched elements only
    abs_diff = np.where(close, 0, abs_diff)
    rel_diff = np.where(close, 0, rel_diff)
    mismatched, total = int((~close).sum()), close.size

    def greatest(diff):
        flat = int(np.argmax(diff))  # the first NaN if there is one, as torch's max reports
        index = tuple(int(i) for i in np.unravel_index(flat, diff.shape))
        return _format_number(diff.reshape(-1)[flat]), index

    abs_value, abs_index = greatest(abs_diff)
    rel_value, rel_index = greatest(rel_diff)
    lines = [
        f"Mismatched elements: {mismatched} / {total} ({100 * mismatched / total:.1f}%)",
        f"Greatest absolute difference: {abs_value} at index {abs_index}",
        f"Greatest relative difference: {rel_value} at index {rel_index}",
    ]
    raise _Mismatch(_value_report("Tensor-likes", equal=equal, lines=lines, abs_tol=atol, rel_tol=rtol))


# --- containers --------------------------------------------------------------------------


def _is_sequence(value) -> bool:
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, (str, bytes))


def _sorted_keys(keys) -> list:
    try:
        return sorted(keys)
    except TypeError:
        return list(keys)


def _compare(actual, expected, path: str, options: dict) -> None:
    """Compare recursively; raise _Mismatch carrying the path of the failing item."""
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        from .ops.creation import as_tensor

        actual, expected = as_tensor(actual), as_tensor(expected)
    if actual is None and expected is None:
        return
    try:
        if isinstance(actual, Tensor) and isinstance(expected, Tensor):
            if not options["allow_subclasses"] and type(actual) is not type(expected):
                raise _Mismatch(f"Tensor types do not match: {type(actual)} != {type(expected)}.")
            _compare_tensors(
                actual, expected, options["rtol"], options["atol"], options["equal_nan"], options["flags"]
            )
            return
        if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
            if bool(actual) != bool(expected):
                raise _Mismatch(f"Booleans mismatch: {actual} is not {expected}")
            return
        if _is_number(actual) and _is_number(expected):
            check_dtype = options["flags"][1]
            _compare_numbers(
                actual, expected, options["rtol"], options["atol"], options["equal_nan"], check_dtype
            )
            return
    except _Mismatch as mismatch:
        if path and mismatch.custom_msg_allowed:
            mismatch.message += f"\n\nThe failure occurred for item {path}"
        raise
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                custom_msg_allowed=False,
            )
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, f"{path}[{i}]", options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Mismatch(
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {_sorted_keys(expected_keys - actual_keys)}\n"
                f"Additional keys in the actual mapping: {_sorted_keys(actual_keys - expected_keys)}",
                custom_msg_allowed=False,
            )
        for key in _sorted_keys(expected_keys):
            _compare(actual[key], expected[key], f"{path}[{key!r}]", options)
        return
    raise _Mismatch(
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
        exc_type=TypeError,
        custom_msg_allowed=False,
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Tensors must match in shape (and by default device, dtype and layout), then every
    element must satisfy ``|actual - expected| <= atol + rtol * |expected|`` (equal
    infinities pass; NaNs pass only with ``equal_nan``).  Without ``rtol``/``atol`` the
    defaults come from the dtypes: float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5),
    float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7); integers and bools compare exactly.
    Python numbers compare as float64 (floats) or exactly (ints); sequences and mappings
    are compared item by item.  A failure raises AssertionError reporting how many
    elements mismatch and the greatest absolute and relative differences.  ``msg``
    replaces that message, or (a callable) rewrites it.

    Example:
        >>> import ember
        >>> from ember.testing import assert_close
        >>> assert_close([ember.tensor([1.0]), 2], [ember.tensor([1.0]), 2])
        >>> try:
        ...     assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.5]))
        ... except AssertionError as error:
        ...     print(str(error).splitlines()[2])
        Mismatched elements: 1 / 2 (50.0%)
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    options = {
        "allow_subclasses": allow_subclasses,
        "rtol": rtol,
        "atol": atol,
        "equal_nan": equal_nan,
        "flags": (check_device, check_dtype, check_layout, check_stride),
    }
    try:
        _compare(actual, expected, "", options)
    except _Mismatch as mismatch:
        message = mismatch.message
        if mismatch.custom_msg_allowed and isinstance(msg, str):
            message = msg
        elif mismatch.custom_msg_allowed and callable(msg):
            message = msg(message)
        raise mismatch.exc_type(message) from None


# --- make_tensor -------------------------------------------------------------------------

_INT_DEFAULT_RANGE = (-9, 10)
_FLOAT_DEFAULT_RANGE = (-9, 9)


def _shape_from(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (list, tuple, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _checked_range(low, high, default, lowest, highest):
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if (isinstance(low, float) and math.isnan(low)) or (isinstance(high, float) and math.isnan(high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    return max(low, lowest), min(high, highest)


def make_tensor(
    *shape,
    dtype: _dtype.dtype,
    device,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format=None,
) -> Tensor:
    """A tensor of ``shape`` filled with random values, as ``torch.testing.make_tensor``.

    Floating values are uniform in ``[low, high)`` (default ``[-9, 9)``), integers in
    ``[low, high)`` (default ``[-9, 10)``, clamped to the dtype's range, so uint8 gets
    ``[0, 10)``), bools are random.  Values come from ember's default generator
    (``ember.manual_seed`` makes them repeatable; they are not torch's numbers).
    ``noncontiguous=True`` returns a strided view; ``exclude_zero=True`` replaces zeros
    (by 1 for integers, by the dtype's smallest normal number for floats).

    Example:
        >>> import ember
        >>> from ember.testing import make_tensor
        >>> x = make_tensor(2, 3, dtype=ember.float32, device="cpu", low=0, high=1)
        >>> x.shape, bool((x >= 0).all() and (x < 1).all())
        (torch.Size([2, 3]), True)
    """
    from .ops.creation import full
    from .ops.random_ops import rand, randint

    size = _shape_from(shape)
    if requires_grad and not dtype.is_floating_point:
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={dtype}"
        )
    storage_size = size
    if noncontiguous and math.prod(size) > 1:
        storage_size = size[:-1] + (2 * size[-1],)
    if dtype is _dtype.bool:
        result = randint(0, 2, storage_size, device=device).to(_dtype.bool)
    elif not dtype.is_floating_point:
        info = np.iinfo(dtype.numpy_dtype)
        low, high = _checked_range(low, high, _INT_DEFAULT_RANGE, int(info.min), int(info.max))
        if low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        result = randint(math.ceil(low), math.ceil(high), storage_size, dtype=dtype, device=device)
    else:
        finfo = np.finfo(dtype.numpy_dtype) if dtype is not _dtype.bfloat16 else np.finfo(np.float32)
        low, high = _checked_range(low, high, _FLOAT_DEFAULT_RANGE, float(finfo.min), float(finfo.max))
        if low > high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        if low == high:
            warnings.warn(
                "Passing `low==high` to `make_tensor` for floating types is deprecated in torch; "
                "use `full(...)` instead.",
                FutureWarning,
                stacklevel=2,
            )
            result = full(storage_size, low, dtype=dtype, device=device)
        else:
            uniform = rand(storage_size, dtype=_dtype.float64, device=device)
            result = (uniform * (high - low) + low).to(dtype)
    if exclude_zero:
        replacement = (
            1
            if not dtype.is_floating_point
            else float(np.finfo(np.float32 if dtype is _dtype.bfloat16 else dtype.numpy_dtype).tiny)
        )
        result = result.masked_fill(result == 0, replacement)
    if storage_size != size:
        result = result[..., ::2]
    if requires_grad:
        result.requires_grad_(True)
    return result
