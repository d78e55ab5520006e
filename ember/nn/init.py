"""Parameter initialization, as ``torch.nn.init``: fills a tensor in place and returns it.

The fan computations and bounds are torch's; the random streams are ember's own
(``generator=`` takes an ``ember.Generator``).  Fills run outside autograd.

Example:
    >>> import ember
    >>> from ember.nn import init
    >>> w = ember.empty(64, 32)
    >>> _ = init.kaiming_uniform_(w, a=5 ** 0.5)
    >>> bool(w.abs().max() <= 1 / 32 ** 0.5)
    True
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..random import resolve

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


# ------------------------------------------------------------------ raw writing
def _write(tensor: Tensor, values) -> Tensor:
    """Write NumPy ``values`` into ``tensor``'s memory (no graph) and bump its version."""
    arr = tensor._array
    if isinstance(arr, np.ndarray):
        np.copyto(arr, np.asarray(values), casting="unsafe")
    else:  # CuPy: move the host values over
        arr[...] = _to_device(arr, values)
    tensor._bump_version()
    return tensor


def _to_device(arr, values):
    import cupy

    return cupy.asarray(np.asarray(values), dtype=arr.dtype)


def _sample_dtype(tensor: Tensor):
    return np.float64 if tensor._array.dtype == np.float64 else np.float32


def _uniform(tensor: Tensor, low: float, high: float, generator=None) -> Tensor:
    rng = resolve(generator)
    values = rng.uniform(low, high, size=tuple(tensor.shape))
    return _write(tensor, values.astype(_sample_dtype(tensor)))


def _normal(tensor: Tensor, mean: float, std: float, generator=None) -> Tensor:
    rng = resolve(generator)
    values = mean + std * rng.standard_normal(size=tuple(tensor.shape))
    return _write(tensor, values.astype(_sample_dtype(tensor)))


# ------------------------------------------------------------------ fan and gain
def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (torch's table).

    ========================== ====================================
    linear / conv / sigmoid    1
    tanh                       5/3
    relu                       sqrt(2)
    leaky_relu                 sqrt(2 / (1 + negative_slope ** 2))
    selu                       3/4
    ========================== ====================================

    Example:
        >>> from ember.nn import init
        >>> round(init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    linear_fns = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)``: dims 1 and 0 times the receptive field (dims 2 on).

    Example:
        >>> import ember
        >>> from ember.nn import init
        >>> init._calculate_fan_in_and_fan_out(ember.empty(16, 3, 5, 5))
        (75, 400)
    """
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.shape[1]
    num_output_fmaps = tensor.shape[0]
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ------------------------------------------------------------------ fills
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn from U(a, b).

    Example:
        >>> import ember
        >>> from ember.nn import init
        >>> w = init.uniform_(ember.empty(100), -1, 1)
        >>> bool((w >= -1).all() and (w < 1).all())
        True
    """
    return _uniform(tensor, a, b, generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn from N(mean, std**2)."""
    return _normal(tensor, mean, std, generator)


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None
) -> Tensor:
    """Fill with N(mean, std**2) values conditioned on lying in [a, b].

    Example:
        >>> import ember
        >>> from ember.nn import init
        >>> w = init.trunc_normal_(ember.empty(1000), std=1.0, a=-0.5, b=0.5)
        >>> bool(w.abs().max() <= 0.5)
        True
    """
    rng = resolve(generator)
    n = tensor.numel()
    lo = (a - mean) / std if std > 0 else -math.inf
    hi = (b - mean) / std if std > 0 else math.inf
    values = np.empty(n, dtype=np.float64)
    filled = 0
    # Rejection sampling: redraw only what fell outside; fine for the usual bounds.
    attempts = 0
    while filled < n:
        need = n - filled
        draw = rng.standard_normal(max(need * 2, 16))
        keep = draw[(draw >= lo) & (draw <= hi)][:need]
        values[filled : filled + keep.size] = keep
        filled += keep.size
        attempts += 1
        if attempts > 1000:  # a tiny interval far in the tail: fall back to uniform inside it
            values[filled:] = rng.uniform(max(lo, -1e6), min(hi, 1e6), n - filled)
            filled = n
    values = np.clip(mean + std * values, a, b)
    return _write(tensor, values.reshape(tuple(tensor.shape)).astype(_sample_dtype(tensor)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _write(tensor, np.full(tuple(tensor.shape), val))


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tuple(tensor.shape)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3/4/5-D conv weight so that the convolution is the identity (per group).

    Example:
        >>> import ember
        >>> from ember.nn import init
        >>> w = init.dirac_(ember.empty(2, 2, 3))
        >>> w[0, 0].tolist(), w[0, 1].tolist()
        ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    values = np.zeros(sizes)
    centers = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            values[(g * out_per_group + d, d) + centers] = 1
    return _write(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _uniform(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """He uniform: U(-bound, bound), ``bound = gain * sqrt(3 / fan)``.

    Example:
        >>> import ember, math
        >>> from ember.nn import init
        >>> w = init.kaiming_uniform_(ember.empty(256, 100), nonlinearity="relu")
        >>> bool(w.abs().max() <= math.sqrt(6 / 100))
        True
    """
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return _uniform(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """He normal: N(0, std**2), ``std = gain / sqrt(fan)``."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return _normal(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (trailing dims flattened), times ``gain``.

    Example:
        >>> import ember
        >>> from ember.nn import init
        >>> q = init.orthogonal_(ember.empty(3, 3))
        >>> bool(((q @ q.t()) - ember.eye(3)).abs().max() < 1e-5)
        True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = resolve(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Make Q unique (and uniformly distributed) by fixing the signs of R's diagonal.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tuple(tensor.shape)))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D tensor with N(0, std**2) values, zeroing a ``sparsity`` fraction of
    each column."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tuple(tensor.shape)
    num_zeros = int(math.ceil(sparsity * rows))
    rng = resolve(generator)
    values = std * rng.standard_normal((rows, cols))
    # One random permutation per column, vectorized: the rows ranked first are zeroed.
    ranks = np.argsort(rng.random((rows, cols)), axis=0)
    zero_rows = ranks[:num_zeros]
    values[zero_rows, np.arange(cols)[None, :]] = 0
    return _write(tensor, values)


def _deprecated(new_fn):
    old_name = new_fn.__name__[:-1]

    def deprecated(*args, **kwargs):
        warnings.warn(
            f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_fn.__name__}`.",
            FutureWarning,
            stacklevel=2,
        )
        return new_fn(*args, **kwargs)

    deprecated.__name__ = old_name
    deprecated.__doc__ = f"Deprecated alias of :func:`{new_fn.__name__}`."
    return deprecated


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
