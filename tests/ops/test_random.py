"""Random sampling: shapes/dtypes against torch, distributions by moments, determinism, RNG state.

Ember's streams differ from torch's, so values are never compared with torch: the tests
check shapes, dtypes, errors, statistics over many samples, and reproducibility.
"""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check_error


def _np(t):
    return t.detach().numpy().astype(np.float64)


def _same_meta(fn):
    """``fn(module)`` gives tensors of the same shape, dtype and requires_grad in both."""
    t, e = fn(torch), fn(ember)
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    assert e.requires_grad == t.requires_grad
    return e


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.rand(2, 3),
        lambda m: m.rand((2, 3)),
        lambda m: m.rand(size=(4,)),
        lambda m: m.rand(3, dtype=m.float64),
        lambda m: m.rand(3, dtype=m.float16),
        lambda m: m.rand(3, dtype=m.bfloat16),
        lambda m: m.rand(2, requires_grad=True),
        lambda m: m.rand(()),
        lambda m: m.randn(2, 3),
        lambda m: m.randn(3, dtype=m.float64, requires_grad=True),
        lambda m: m.randn(0, 2),
        lambda m: m.randint(5, (3,)),
        lambda m: m.randint(2, 5, (2, 2)),
        lambda m: m.randint(5, size=(2,)),
        lambda m: m.randint(0, 5, (2,), dtype=m.float32),
        lambda m: m.randint(0, 5, (2,), dtype=m.float32, requires_grad=True),
        lambda m: m.randint(-3, 3, (4,), dtype=m.int8),
        lambda m: m.randperm(5),
        lambda m: m.randperm(4, dtype=m.float32),
        lambda m: m.randperm(0),
        lambda m: m.normal(m.zeros(2, 3), 1.0),
        lambda m: m.normal(2.0, m.ones(3, dtype=m.float64)),
        lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
        lambda m: m.normal(m.zeros(2, dtype=m.float64), m.ones(2)),
        lambda m: m.normal(0.0, 1.0, (2, 3)),
        lambda m: m.normal(0.0, 1.0, size=(2,), dtype=m.float64),
        lambda m: m.normal(m.zeros(3, requires_grad=True), 1.0),
        lambda m: m.bernoulli(m.full((3,), 0.5)),
        lambda m: m.bernoulli(m.zeros(3, dtype=m.float64), 0.5),
        lambda m: m.bernoulli(m.full((3,), 0.5, requires_grad=True)),
        lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 2),
        lambda m: m.multinomial(m.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]), 1),
        lambda m: m.multinomial(m.tensor([0.0, 1.0]), 5, replacement=True),
        lambda m: m.poisson(m.tensor([1.0, 2.0])),
        lambda m: m.rand_like(m.zeros(2, dtype=m.float64)),
        lambda m: m.randn_like(m.zeros(2, 3)),
        lambda m: m.randint_like(m.zeros(2), 5),
        lambda m: m.randint_like(m.zeros(2, dtype=m.int32), 3, 5),
        lambda m: m.empty(3, dtype=m.int64).random_(),
        lambda m: m.empty(3, dtype=m.float16).random_(),
        lambda m: m.empty(2, 2).random_(5),
        lambda m: m.empty(4, dtype=m.uint8).random_(2, 5),
        lambda m: m.empty(3).uniform_(2, 3),
        lambda m: m.empty(3, dtype=m.float64).normal_(2, 3),
        lambda m: m.empty(3).exponential_(2),
        lambda m: m.empty(3).bernoulli_(0.3),
        lambda m: m.empty(3, dtype=m.int64).bernoulli_(m.full((3,), 0.3)),
        lambda m: m.empty(3).geometric_(0.5),
        lambda m: m.empty(3).log_normal_(),
        lambda m: m.empty(3).cauchy_(),
    ],
)
def test_shapes_dtypes_and_requires_grad_match_torch(fn):
    _same_meta(fn)


@pytest.mark.parametrize(
    "name,make,mean,std",
    [
        ("rand", lambda g: ember.rand(200_000, generator=g), 0.5, (1 / 12) ** 0.5),
        ("rand f16", lambda g: ember.rand(200_000, dtype=ember.float16, generator=g), 0.5, (1 / 12) ** 0.5),
        ("randn", lambda g: ember.randn(200_000, generator=g), 0.0, 1.0),
        ("randn f64", lambda g: ember.randn(200_000, dtype=ember.float64, generator=g), 0.0, 1.0),
        ("randint", lambda g: ember.randint(-2, 3, (200_000,), generator=g), 0.0, 2.0**0.5),
        ("normal ff", lambda g: ember.normal(3.0, 2.0, (200_000,), generator=g), 3.0, 2.0),
        ("normal tf", lambda g: ember.normal(ember.full((200_000,), -1.0), 0.5, generator=g), -1.0, 0.5),
        ("normal ft", lambda g: ember.normal(1.0, ember.full((200_000,), 3.0), generator=g), 1.0, 3.0),
        ("normal tt", lambda g: ember.normal(ember.full((200_000,), 2.0), ember.full((200_000,), 0.1), generator=g), 2.0, 0.1),
        ("bernoulli", lambda g: ember.bernoulli(ember.full((200_000,), 0.3), generator=g), 0.3, (0.3 * 0.7) ** 0.5),
        ("poisson", lambda g: ember.poisson(ember.full((200_000,), 4.0), generator=g), 4.0, 2.0),
        ("uniform_", lambda g: ember.empty(200_000).uniform_(-1, 3, generator=g), 1.0, 4 / 12**0.5),
        ("normal_", lambda g: ember.empty(200_000).normal_(5, 0.5, generator=g), 5.0, 0.5),
        ("exponential_", lambda g: ember.empty(200_000).exponential_(2.0, generator=g), 0.5, 0.5),
        ("bernoulli_", lambda g: ember.empty(200_000).bernoulli_(0.8, generator=g), 0.8, 0.4),
        ("geometric_", lambda g: ember.empty(200_000).geometric_(0.25, generator=g), 4.0, (0.75 / 0.0625) ** 0.5),
        ("log_normal_", lambda g: ember.empty(200_000, dtype=ember.float64).log_normal_(0.0, 0.5, generator=g), np.exp(0.125), ((np.exp(0.25) - 1) * np.exp(0.25)) ** 0.5),
        ("random_ to", lambda g: ember.empty(200_000).random_(10, generator=g), 4.5, (99 / 12) ** 0.5),
        ("random_ from to", lambda g: ember.empty(200_000, dtype=ember.int32).random_(-5, 5, generator=g), -0.5, (99 / 12) ** 0.5),
    ],
)
def test_distributions_have_the_right_moments(name, make, mean, std):
    g = ember.Generator().manual_seed(1234)
    x = _np(make(g))
    n = x.size
    assert abs(x.mean() - mean) < 6 * std / n**0.5 + 1e-3, f"{name}: mean {x.mean()} vs {mean}"
    assert abs(x.std() - std) < 0.02 * std + 1e-3, f"{name}: std {x.std()} vs {std}"


def test_supports_and_ranges():
    g = ember.Generator().manual_seed(0)
    for dtype in (ember.float16, ember.bfloat16, ember.float32, ember.float64):
        u = _np(ember.rand(100_000, dtype=dtype, generator=g))
        assert u.min() >= 0 and u.max() < 1
    r = ember.randint(3, 7, (10_000,), generator=g).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert sorted(ember.randperm(50, generator=g).tolist()) == list(range(50))
    b = ember.bernoulli(ember.tensor([0.0, 1.0] * 500), generator=g).numpy()
    assert (b[0::2] == 0).all() and (b[1::2] == 1).all()
    f = ember.empty(10_000).random_(generator=g).numpy()
    assert f.min() >= 0 and f.max() <= 2**24 and (f == np.round(f)).all()
    c = ember.empty(10_000, dtype=ember.uint8).random_(generator=g).numpy()
    assert c.min() == 0 and c.max() == 255
    assert set(np.unique(ember.empty(1000, dtype=ember.bool).random_(generator=g).numpy())) == {False, True}
    geo = ember.empty(10_000).geometric_(0.5, generator=g).numpy()
    assert geo.min() >= 1 and (geo == np.round(geo)).all()


def test_multinomial_frequencies_and_no_repeats():
    g = ember.Generator().manual_seed(7)
    w = ember.tensor([1.0, 2.0, 3.0, 4.0])
    draws = ember.multinomial(w.expand(20_000, 4) * 1, 1, replacement=True, generator=g).numpy().ravel()
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    rows = ember.multinomial(ember.ones(1000, 10), 10, generator=g).numpy()
    assert all(sorted(r) == list(range(10)) for r in rows)  # without replacement: a permutation
    first = ember.multinomial(w.expand(20_000, 4) * 1, 2, generator=g).numpy()
    assert (first[:, 0] != first[:, 1]).all()
    np.testing.assert_allclose(np.bincount(first[:, 0], minlength=4) / 20_000, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    zeros_last = ember.multinomial(ember.tensor([1.0, 0.0, 3.0]), 3, generator=g).tolist()
    assert zeros_last[2] == 1  # a zero-weight category only when nothing else is left
    assert ember.multinomial(ember.tensor([0.0, 1.0]), 5, replacement=True).tolist() == [1] * 5


def test_normal_and_bernoulli_have_zero_gradients_like_torch():
    for m in (torch, ember):
        mean = m.zeros(3, requires_grad=True)
        std = m.ones(3, requires_grad=True)
        p = m.full((3,), 0.5, requires_grad=True)
        out = m.normal(mean, std).sum() + m.normal(mean, 1.0).sum() + m.bernoulli(p).sum() + m.poisson(std).sum()
        out.backward()
        assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [0.0] * 3 and p.grad.tolist() == [0.0] * 3
    e = ember.normal(ember.zeros(3, requires_grad=True), 1.0)
    assert e.grad_fn.name() == "NormalBackward1"


def test_in_place_fills_under_autograd():
    for m in (torch, ember):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        y.uniform_()
        assert y.grad_fn.name() == "UniformBackward0"
        (y * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy(), rtol=1e-6)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            m.ones(2, requires_grad=True).normal_()
        with m.no_grad():
            w = m.ones(2, requires_grad=True)
            w.normal_()
        assert w.grad_fn is None and w.requires_grad
    names = {}
    for name, f in [
        ("normal_", lambda y: y.normal_()),
        ("random_", lambda y: y.random_()),
        ("random_ to", lambda y: y.random_(5)),
        ("random_ from to", lambda y: y.random_(2, 5)),
        ("bernoulli_", lambda y: y.bernoulli_(0.3)),
        ("bernoulli_ t", lambda y: y.bernoulli_(ember.full((3,), 0.3) if isinstance(y, ember.Tensor) else torch.full((3,), 0.3))),
        ("exponential_", lambda y: y.exponential_()),
        ("geometric_", lambda y: y.geometric_(0.5)),
        ("log_normal_", lambda y: y.log_normal_()),
        ("cauchy_", lambda y: y.cauchy_()),
    ]:
        names[name] = [f(m.ones(3, requires_grad=True) * 1).grad_fn.name() for m in (torch, ember)]
    for name, (t_name, e_name) in names.items():
        assert t_name == e_name, name


def test_fills_write_through_views():
    x = ember.zeros(3, 4)
    x[1].uniform_(5, 6)
    row = x.numpy()[1]
    assert (row >= 5).all() and (row < 6).all() and (x.numpy()[0] == 0).all()


# -------------------------------------------------------------- determinism
SAMPLERS = [
    lambda g: ember.rand(5, generator=g),
    lambda g: ember.randn(5, generator=g),
    lambda g: ember.randint(0, 100, (5,), generator=g),
    lambda g: ember.randperm(10, generator=g),
    lambda g: ember.normal(ember.zeros(5), 1.0, generator=g),
    lambda g: ember.bernoulli(ember.full((5,), 0.5), generator=g),
    lambda g: ember.multinomial(ember.ones(6), 3, generator=g),
    lambda g: ember.poisson(ember.full((5,), 3.0), generator=g),
    lambda g: ember.empty(5).uniform_(generator=g),
    lambda g: ember.empty(5).random_(generator=g),
]


@pytest.mark.parametrize("sample", SAMPLERS)
def test_same_seed_same_numbers_and_state_restore(sample):
    g = ember.Generator().manual_seed(42)
    a = sample(g).numpy().copy()
    b = sample(g).numpy().copy()
    assert not np.array_equal(a, b) or a.dtype == np.bool_
    g.manual_seed(42)
    np.testing.assert_array_equal(sample(g).numpy(), a)
    state = g.get_state()
    c = sample(g).numpy().copy()
    sample(g)
    g.set_state(state)
    np.testing.assert_array_equal(sample(g).numpy(), c)


def test_default_generator_manual_seed_and_rng_state():
    ember.manual_seed(123)
    a = ember.rand(4).numpy().copy()
    b = ember.randn(3).numpy().copy()
    ember.manual_seed(123)
    np.testing.assert_array_equal(ember.rand(4).numpy(), a)
    np.testing.assert_array_equal(ember.randn(3).numpy(), b)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.dim() == 1
    c = ember.randint(0, 1000, (5,)).numpy().copy()
    ember.set_rng_state(state)
    np.testing.assert_array_equal(ember.randint(0, 1000, (5,)).numpy(), c)
    assert ember.initial_seed() == 123
    before = ember.get_rng_state().numpy().copy()
    with ember.random.fork_rng():
        ember.rand(10)
    np.testing.assert_array_equal(ember.get_rng_state().numpy(), before)


def test_generators_are_independent_and_seedable():
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    ember.rand(100)  # the default generator does not disturb explicit ones
    np.testing.assert_array_equal(ember.rand(3, generator=g1).numpy(), ember.rand(3, generator=g2).numpy())
    g = ember.Generator()
    assert repr(g.device) == "device(type='cpu')"
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert ember.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert ember.manual_seed(3) is ember.default_generator
    assert ember.seed() == ember.initial_seed()


def test_generator_errors_match_torch_types():
    check_error(lambda m: m.Generator().set_state(m.zeros(3)), [], TypeError, "RNG state must be a torch.ByteTensor")
    check_error(lambda m: m.Generator().set_state(m.zeros(3, dtype=m.uint8)), [], RuntimeError)
    check_error(lambda m: m.Generator().manual_seed(1.5), [], RuntimeError, "manual_seed expected a long, but got float")
    check_error(lambda m: m.Generator().manual_seed(2**64), [], ValueError, "Overflow when unpacking long long")


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m: m.rand(2, dtype=m.int64), NotImplementedError, "\"check_uniform_bounds\" not implemented for 'Long'"),
        (lambda m: m.randn(2, dtype=m.int64), NotImplementedError, "\"normal_kernel_cpu\" not implemented for 'Long'"),
        (lambda m: m.rand(-1), RuntimeError, r"Trying to create tensor with negative dimension -1: \[-1\]"),
        (lambda m: m.randint(5, 3, (2,)), RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"),
        (lambda m: m.randperm(-1), RuntimeError, "negative dimension -1"),
        (lambda m: m.normal(0.0, -1.0, (2,)), RuntimeError, "normal expects std >= 0.0, but found std -1"),
        (lambda m: m.normal(m.zeros(2), -1.0), RuntimeError, "normal expects std >= 0.0, but found std -1"),
        (lambda m: m.normal(m.zeros(2), -m.ones(2)), RuntimeError, "normal expects all elements of std >= 0.0"),
        (lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0), NotImplementedError, "not implemented for 'Long'"),
        (lambda m: m.normal(0.0, 1.0), TypeError, None),
        (lambda m: m.bernoulli(m.full((3,), 1.5)), RuntimeError, r"Expected p_in >= 0 && p_in <= 1 to be true, but got false"),
        (lambda m: m.bernoulli(m.ones(3, dtype=m.int64)), NotImplementedError, "not implemented for 'Long'"),
        (lambda m: m.multinomial(m.tensor([1.0, 1.0, 3.0]), 4), RuntimeError, r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
        (lambda m: m.multinomial(m.tensor([1.0, -1.0, 3.0]), 1), RuntimeError, "probability tensor contains either `inf`, `nan` or element < 0"),
        (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError, r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
        (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
        (lambda m: m.multinomial(m.ones(3, dtype=m.int64), 1), RuntimeError, "multinomial only supports floating-point dtypes for input, got: Long"),
        (lambda m: m.multinomial(m.ones(3), 0), RuntimeError, "cannot sample n_sample <= 0 samples"),
        (lambda m: m.poisson(m.tensor([-1.0, 2.0])), RuntimeError, "invalid Poisson rate, expected rate to be non-negative"),
        (lambda m: m.rand_like(m.zeros(2, dtype=m.int64)), NotImplementedError, "not implemented for 'Long'"),
        (lambda m: m.zeros(2, dtype=m.int64).uniform_(), NotImplementedError, "not implemented for 'Long'"),
        (lambda m: m.zeros(2).normal_(0, -1), RuntimeError, "normal expects std >= 0.0, but found std -1"),
        (lambda m: m.zeros(2).random_(5, 2), RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
        (lambda m: m.zeros(2).geometric_(1.5), RuntimeError, r"geometric_ expects p to be in \(0, 1\), but got p=1.5"),
        (lambda m: m.zeros(2).exponential_(-1), RuntimeError, "exponential_ expects lambda > 0.0, but found lambda=-1"),
        (lambda m: m.zeros(2).uniform_(2, 1), RuntimeError, r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"),
        (lambda m: m.zeros(2).bernoulli_(2.0), RuntimeError, r"bernoulli_ expects p to be in \[0, 1\], but got p=2"),
    ],
)
def test_random_errors(fn, exc, match):
    check_error(fn, [], exc, match)


def test_exponential_of_an_integer_tensor_raises_like_torch():
    exc = check_error(lambda m, x: x.exponential_(), [np.zeros(2, np.int64)], RuntimeError)
    assert "dtype must be a floating point but you specified Long" in str(exc)
