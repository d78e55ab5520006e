"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial, ...
and the in-place fills (``uniform_``, ``normal_``, ``random_``, ...).

Every function takes ``generator=`` (an ``ember.Generator``); without it the default
generator seeded by ``ember.manual_seed`` is used.  The streams are NumPy's PCG64, so
they are reproducible but differ from torch's.  Samples carry no gradient: torch
gives ``normal(mean, std)`` and the in-place fills a zero gradient, and so does ember.

Example:
    >>> import ember
    >>> _ = ember.manual_seed(0)
    >>> ember.randint(0, 10, (3,)).dtype
    torch.int64
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .. import _memory_format as _mf
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ..random import resolve
from ._util import bind_methods
from .creation import _finish, _size_args, _write_out

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "poisson",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]

# Mantissa digits (including the implicit bit): a uniform sample is k / 2**digits.
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _type_name(d) -> str:
    from .indexing import _type_letter

    return _type_letter(d.numpy_dtype) if d is not _dtype.bfloat16 else "BFloat16"


def _require_float(d, kernel: str) -> None:
    if not d.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(d)}\'')


def _uniform(gen: np.random.Generator, shape, d) -> np.ndarray:
    """Uniform samples on [0, 1) exactly representable in dtype ``d`` (never 1.0)."""
    if d is _dtype.float32:
        return gen.random(shape, dtype=np.float32)
    if d is _dtype.float64:
        return gen.random(shape, dtype=np.float64)
    digits = _DIGITS[d._name]
    return (gen.integers(0, 1 << digits, shape, dtype=np.int64) * (1.0 / (1 << digits))).astype(d.numpy_dtype)


def _normal(gen: np.random.Generator, shape, d) -> np.ndarray:
    if d is _dtype.float32:
        return gen.standard_normal(shape, dtype=np.float32)
    if d is _dtype.float64:
        return gen.standard_normal(shape, dtype=np.float64)
    return gen.standard_normal(shape, dtype=np.float32).astype(d.numpy_dtype)


def _sizes(size, kwargs, name: str) -> tuple:
    if "size" in kwargs:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return _size_args(size, name)


def _result(arr, dtype, device, requires_grad, out):
    result = _finish(arr, None, device, requires_grad)
    if out is not None:
        return _write_out(out, result, dtype)
    return result


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kwargs) -> Tensor:
    """Uniform samples on [0, 1).

    Example:
        >>> import ember
        >>> ember.rand(2, 3).shape
        torch.Size([2, 3])
    """
    shape = _sizes(size, kwargs, "rand")
    d = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
    _require_float(d, "check_uniform_bounds")
    return _result(_uniform(resolve(generator), shape, d), d, device, requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kwargs) -> Tensor:
    """Standard normal samples.

    Example:
        >>> import ember
        >>> ember.randn(4).dtype
        torch.float32
    """
    shape = _sizes(size, kwargs, "randn")
    d = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
    _require_float(d, "normal_kernel_cpu")
    return _result(_normal(resolve(generator), shape, d), d, device, requires_grad, out)


def _check_range(low, high, op: str = "random_") -> None:
    if low >= high:
        raise RuntimeError(f"{op} expects 'from' to be less than 'to', but got from={low} >= to={high}")


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    int64 unless ``dtype`` says otherwise.

    Example:
        >>> import ember
        >>> int(ember.randint(3, (1,)).item()) in (0, 1, 2)
        True
    """
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint() takes 1 or 2 bounds (high or low, high), got {len(args)}")
    low, high = int(low), int(high)
    _check_range(low, high)
    shape = _size_args((tuple(size),), "randint")
    d = dtype or (out.dtype if out is not None else _dtype.int64)
    arr = resolve(generator).integers(low, high, shape, dtype=np.int64).astype(d.numpy_dtype)
    return _result(arr, d, device, requires_grad, out)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of ``0..n-1``.

    Example:
        >>> import ember
        >>> sorted(ember.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = dtype or (out.dtype if out is not None else _dtype.int64)
    arr = resolve(generator).permutation(n).astype(d.numpy_dtype)
    return _result(arr, d, device, requires_grad, out)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """``rand`` with the shape (and by default dtype) of ``input``.

    Example:
        >>> import ember
        >>> ember.rand_like(ember.zeros(2, dtype=ember.float64)).dtype
        torch.float64
    """
    result = rand(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, generator=generator)
    return _laid_out_like(result, input, memory_format, "rand_like")


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """``randn`` with the shape (and by default dtype) of ``input``.

    Example:
        >>> import ember
        >>> ember.randn_like(ember.zeros(2, 3)).shape
        torch.Size([2, 3])
    """
    result = randn(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, generator=generator)
    return _laid_out_like(result, input, memory_format, "randn_like")


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """``randint`` with the shape and dtype of ``input``: ``randint_like(x, high)`` or ``(x, low, high)``.

    Example:
        >>> import ember
        >>> ember.randint_like(ember.zeros(2), 5).dtype
        torch.float32
    """
    if high is None:
        low, high = 0, low
    result = randint(
        low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device,
        requires_grad=requires_grad, generator=generator,
    )
    return _laid_out_like(result, input, memory_format, "randint_like")


def _laid_out_like(result: Tensor, input: Tensor, memory_format, op: str) -> Tensor:
    """The fresh sample ``result`` laid out like ``input`` in ``memory_format``
    (preserve_format by default); the samples fill memory in order, as torch's do."""
    fmt = _mf.check_format_type(memory_format, op, allow_none=True)
    src = input._array
    if fmt is _mf.contiguous_format or (
        fmt is _mf.preserve_format and src.flags.c_contiguous and 1 not in src.shape
    ):
        return result
    out = _mf.new_array_like(src, fmt, result._array.dtype, xp=_mf._xp_of(result._array))
    result._array = _mf.fill_in_memory_order(out, result._array)
    return result


# ------------------------------------------------------------------ normal
class _Sampled(Function):
    """A random sample from tensor parameters; its gradient is zero, as in torch."""

    _array_forward = True

    @staticmethod
    def forward(ctx, *params, sample=None):
        ctx.n = len(params)
        return sample

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros_like

        return tuple(zeros_like(grad) for _ in range(ctx.n))


def _sampled(name: str):
    return type(name, (_Sampled,), {"_backward_name": name})


_NormalTensorFloat = _sampled("NormalBackward1")
_NormalFloatTensor = _sampled("NormalBackward2")
_NormalTensorTensor = _sampled("NormalBackward3")
_BernoulliSample = _sampled("BernoulliBackward0")
_PoissonSample = _sampled("PoissonBackward0")


def _check_std_scalar(std) -> None:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Normal samples with the given mean and standard deviation.

    Forms: ``normal(mean_tensor, std_tensor)`` (broadcast), ``normal(mean_tensor, std=1.0)``,
    ``normal(mean_float, std_tensor)`` and ``normal(mean_float, std_float, size)``.

    Example:
        >>> import ember
        >>> ember.normal(ember.zeros(3), 1.0).shape, ember.normal(2.0, 0.5, (2,)).shape
        (torch.Size([3]), torch.Size([2]))
    """
    gen = resolve(generator)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float), but expected "
                "a tensor mean or std, or a size: normal(mean, std, size)"
            )
        _check_std_scalar(std)
        d = dtype or (out.dtype if out is not None else _dtype.get_default_dtype())
        _require_float(d, "normal_kernel_cpu")
        shape = _size_args((tuple(size),), "normal")
        arr = (_normal(gen, shape, d) * d.numpy_dtype.type(std) + d.numpy_dtype.type(mean)).astype(d.numpy_dtype)
        return _result(arr, d, device, requires_grad, out)
    if mean_t and std_t:
        d = _dtype.promote_types(mean.dtype, std.dtype)
        _require_float(d, "normal_kernel_cpu")
        if (std._array < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(mean._array.shape, std._array.shape)
        sample = (_normal(gen, shape, d) * std._array + mean._array).astype(d.numpy_dtype)
        result = _NormalTensorTensor.apply(mean, std, sample=sample)
    elif mean_t:
        d = mean.dtype
        _require_float(d, "normal_kernel_cpu")
        _check_std_scalar(std)
        sample = (_normal(gen, mean._array.shape, d) * d.numpy_dtype.type(std) + mean._array).astype(d.numpy_dtype)
        result = _NormalTensorFloat.apply(mean, sample=sample)
    else:
        d = std.dtype
        _require_float(d, "normal_kernel_cpu")
        if (std._array < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        sample = (_normal(gen, std._array.shape, d) * std._array + d.numpy_dtype.type(mean)).astype(d.numpy_dtype)
        result = _NormalFloatTensor.apply(std, sample=sample)
    if out is not None:
        return _write_out(out, result, None)
    return result


def _check_probabilities(p_arr) -> None:
    if p_arr.size and ((p_arr < 0) | (p_arr > 1) | np.isnan(p_arr)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or ``p`` when given.

    Example:
        >>> import ember
        >>> ember.bernoulli(ember.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    d = input.dtype
    _require_float(d, "bernoulli_tensor_cpu_p_")
    gen = resolve(generator)
    probs = input._array if p is None else np.asarray(p._array if isinstance(p, Tensor) else p, dtype=np.float64)
    _check_probabilities(np.asarray(probs))
    sample = (gen.random(input._array.shape) < probs).astype(d.numpy_dtype)
    result = _BernoulliSample.apply(input, sample=sample)
    if out is not None:
        return _write_out(out, result, None)
    return result


def poisson(input, generator=None) -> Tensor:
    """Poisson samples with the rates in ``input`` (same dtype as ``input``).

    Example:
        >>> import ember
        >>> ember.poisson(ember.zeros(2))
        tensor([0., 0.])
    """
    _require_float(input.dtype, "poisson_cpu")
    rates = input._array
    if (rates < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    sample = resolve(generator).poisson(rates.astype(np.float64)).astype(rates.dtype)
    return _PoissonSample.apply(input, sample=sample)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Indices sampled from the categories weighted by each row of ``input`` (1-D or 2-D).

    Without replacement no row repeats a category (weighted sampling by exponential
    races: the smallest ``E / w`` win, ``E`` standard exponential).

    Example:
        >>> import ember
        >>> sorted(ember.multinomial(ember.tensor([1.0, 2.0, 3.0]), 3).tolist())
        [0, 1, 2]
    """
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_type_name(input.dtype)}")
    weights = input._array.astype(np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = weights.shape[-1]
    if not replacement and n > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = weights.reshape(-1, categories)
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = resolve(generator)
    if replacement:
        # inverse CDF, all rows at once: row r's CDF is shifted into [r, r + 1]
        cdf = np.cumsum(rows / totals[:, None], axis=1)
        cdf[:, -1] = 1.0
        offsets = np.arange(rows.shape[0])[:, None]
        u = gen.random((rows.shape[0], n))
        picks = np.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right")
        picks = picks.reshape(rows.shape[0], n) - offsets * categories
        picks = np.minimum(picks, categories - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = gen.standard_exponential(rows.shape) / rows
        picks = np.argsort(keys, axis=1, kind="stable")[:, :n]
    picks = picks.reshape(weights.shape[:-1] + (n,)).astype(np.int64)
    result = Tensor._from_array(picks)
    if out is not None:
        return _write_out(out, result, None)
    return result


# ------------------------------------------------------------ in-place fills
_UniformFill = _sampled("UniformBackward0")
_NormalFill = _sampled("NormalBackward0")
_RandomFromTo = _sampled("RandomBackward0")
_RandomTo = _sampled("RandomBackward1")
_RandomFill = _sampled("RandomBackward2")
_ExponentialFill = _sampled("ExponentialBackward0")
_BernoulliFillTensor = _sampled("BernoulliBackward1")
_BernoulliFill = _sampled("BernoulliBackward2")
_GeometricFill = _sampled("GeometricBackward0")
_LogNormalFill = _sampled("LogNormalBackward0")
_CauchyFill = _sampled("CauchyBackward0")


def _fill_in_place(self: Tensor, sample, node, name: str) -> Tensor:
    """Write ``sample`` into ``self``; under autograd the write records a zero-gradient node."""
    from .inplace import apply_inplace

    self._check_inplace_allowed()
    sample = np.asarray(sample).astype(self._array.dtype, copy=False)
    if STATE.enabled and self._requires_grad:
        return apply_inplace(self, node.apply(self, sample=sample), name)
    self._array[...] = sample
    self._bump_version()
    return self


def _float_of(self: Tensor, kernel: str):
    d = self.dtype
    _require_float(d, kernel)
    return d


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill with samples uniform on [from, to).

    Example:
        >>> import ember
        >>> bool((ember.empty(100).uniform_(2, 3) >= 2).all())
        True
    """
    from_ = kwargs.pop("from", from_)
    d = _float_of(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    u = _uniform(resolve(generator), self._array.shape, d).astype(np.float64)
    return _fill_in_place(self, from_ + (to - from_) * u, _UniformFill, "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with normal samples of the given mean and standard deviation.

    Example:
        >>> import ember
        >>> ember.empty(3).normal_(0.0, 0.1).shape
        torch.Size([3])
    """
    d = _float_of(self, "normal_kernel_cpu")
    _check_std_scalar(std)
    z = _normal(resolve(generator), self._array.shape, d)
    return _fill_in_place(self, z * d.numpy_dtype.type(std) + d.numpy_dtype.type(mean), _NormalFill, "normal_")


def _random_upper(d) -> int:
    """``random_()``'s exclusive upper bound: every integer the dtype holds exactly."""
    if d.is_floating_point:
        return (1 << _DIGITS[d._name]) + 1
    if d is _dtype.bool:
        return 2
    return int(np.iinfo(d.numpy_dtype).max) + 1


def random_(self: Tensor, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    """Fill with integers: ``random_()`` over the dtype's exact range, ``random_(to)`` on
    [0, to), ``random_(from, to)`` on [from, to).

    Example:
        >>> import ember
        >>> bool((ember.empty(50).random_(3) < 3).all())
        True
    """
    from_ = kwargs.pop("from", from_)
    d = self.dtype
    if from_ is None and to is None:
        low, high, node = 0, _random_upper(d), _RandomFill
    elif to is None:
        low, high, node = 0, int(from_), _RandomTo
    else:
        low, high, node = int(from_), int(to), _RandomFromTo
    _check_range(low, high)
    sample = resolve(generator).integers(low, high, self._array.shape, dtype=np.int64)
    return _fill_in_place(self, sample, node, "random_")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with exponential samples of rate ``lambd``.

    Example:
        >>> import ember
        >>> bool((ember.empty(10).exponential_(2.0) >= 0).all())
        True
    """
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a floating "
            f"point but you specified {_type_name(self.dtype)}"
        )
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    sample = resolve(generator).standard_exponential(self._array.shape) / lambd
    return _fill_in_place(self, sample, _ExponentialFill, "exponential_")


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples that are 1 with probability ``p`` (a number or a tensor).

    Example:
        >>> import ember
        >>> ember.empty(3).bernoulli_(1.0)
        tensor([1., 1., 1.])
    """
    gen = resolve(generator)
    if isinstance(p, Tensor):
        probs = p._array.astype(np.float64)
        _check_probabilities(probs)
        node = _BernoulliFillTensor
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probs, node = p, _BernoulliFill
    sample = gen.random(self._array.shape) < probs
    return _fill_in_place(self, sample, node, "bernoulli_")


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with geometric samples: trials up to the first success (1, 2, ...).

    Example:
        >>> import ember
        >>> bool((ember.empty(10).geometric_(0.5) >= 1).all())
        True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    sample = resolve(generator).geometric(p, self._array.shape)
    return _fill_in_place(self, sample, _GeometricFill, "geometric_")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std))`` samples.

    Example:
        >>> import ember
        >>> bool((ember.empty(10).log_normal_() > 0).all())
        True
    """
    _float_of(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    sample = np.exp(mean + std * resolve(generator).standard_normal(self._array.shape))
    return _fill_in_place(self, sample, _LogNormalFill, "log_normal_")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy samples of the given median and scale.

    Example:
        >>> import ember
        >>> ember.empty(4).cauchy_().shape
        torch.Size([4])
    """
    _float_of(self, "cauchy_cpu")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    sample = median + sigma * resolve(generator).standard_cauchy(self._array.shape)
    return _fill_in_place(self, sample, _CauchyFill, "cauchy_")


bind_methods(
    uniform_=uniform_,
    normal_=normal_,
    random_=random_,
    exponential_=exponential_,
    bernoulli_=bernoulli_,
    geometric_=geometric_,
    log_normal_=log_normal_,
    cauchy_=cauchy_,
    bernoulli=bernoulli,
    multinomial=multinomial,
)
