"""ember.distributions against torch.distributions: values and parameter gradients of
log_prob / entropy / moments / cdf / icdf / kl_divergence, sample shapes, support and
moment statistics of samples, validate_args errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)


def _pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def _real(*shape):
    return RNG.uniform(-1.5, 1.5, shape)


def _unit(*shape):
    return RNG.uniform(0.1, 0.9, shape)


def _simplex(*shape):
    x = RNG.uniform(0.1, 1.0, shape)
    return x / x.sum(-1, keepdims=True)


def _spd(n, *batch):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _as(module, arrays, grad):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            t = module.tensor(a, dtype=module.float64)
            out.append(t.requires_grad_(grad and a.dtype.kind == "f"))
        else:
            out.append(a)
    return out


def compare(fn, params, *, values=(), atol=1e-7, grad=True):
    """fn(m, *params, *values) on ember and torch (float64): same result and same grads."""
    results, grads = [], []
    for module in (ember, torch):
        ps = _as(module, params, grad)
        vs = _as(module, values, False)
        out = fn(module, *ps, *vs)
        results.append(out)
        if grad and out.requires_grad:
            upstream = np.random.default_rng(1).normal(size=tuple(out.shape))
            out.backward(module.tensor(upstream, dtype=out.dtype))
            grads.append([p.grad for p in ps if isinstance(p, module.Tensor) and p.requires_grad])
    e, t = results
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-6, equal_nan=True)
    if grads:
        assert len(grads) == 2, "only one framework built a graph"
        for ge, gt in zip(*grads):
            if gt is None:
                assert ge is None or np.allclose(ge.numpy(), 0)
                continue
            np.testing.assert_allclose(ge.numpy(), gt.numpy(), atol=atol * 10, rtol=1e-5)


# --- distributions and the quantities to compare ----------------------------------------
CASES = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), [_real(3, 2), _pos(2)], _real(4, 3, 2)),
    "LogNormal": (lambda m, a, b: m.distributions.LogNormal(a, b), [_real(3), _pos(3)], _pos(2, 3)),
    "Laplace": (lambda m, a, b: m.distributions.Laplace(a, b), [_real(3), _pos(3)], _real(2, 3)),
    "Uniform": (lambda m, a, b: m.distributions.Uniform(a, a + b), [_real(3), _pos(3)], None),
    "Exponential": (lambda m, a: m.distributions.Exponential(a), [_pos(3)], _pos(2, 3)),
    "Gamma": (lambda m, a, b: m.distributions.Gamma(a, b), [_pos(3), _pos(3)], _pos(2, 3)),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), [_pos(3), _pos(3)], _unit(2, 3)),
    "Dirichlet": (lambda m, a: m.distributions.Dirichlet(a), [_pos(2, 3)], _simplex(4, 2, 3)),
    "Poisson": (lambda m, a: m.distributions.Poisson(a), [_pos(3)], RNG.integers(0, 5, (2, 3)).astype(np.float64)),
    "BernoulliProbs": (lambda m, a: m.distributions.Bernoulli(probs=a), [_unit(3)], RNG.integers(0, 2, (2, 3)).astype(np.float64)),
    "BernoulliLogits": (lambda m, a: m.distributions.Bernoulli(logits=a), [_real(3)], RNG.integers(0, 2, (2, 3)).astype(np.float64)),
    "CategoricalProbs": (lambda m, a: m.distributions.Categorical(probs=a), [_pos(2, 4)], RNG.integers(0, 4, (3, 2))),
    "CategoricalLogits": (lambda m, a: m.distributions.Categorical(logits=a), [_real(2, 4)], RNG.integers(0, 4, (3, 2))),
    "OneHotCategorical": (lambda m, a: m.distributions.OneHotCategorical(logits=a), [_real(2, 4)],
                          np.eye(4)[RNG.integers(0, 4, (3, 2))]),
    "MVNCov": (lambda m, a, b: m.distributions.MultivariateNormal(a, covariance_matrix=b), [_real(2, 3), _spd(3)], _real(4, 2, 3)),
    "MVNTril": (lambda m, a, b: m.distributions.MultivariateNormal(a, scale_tril=m.linalg.cholesky(b)), [_real(3), _spd(3, 2)], _real(4, 2, 3)),
    "MVNPrecision": (lambda m, a, b: m.distributions.MultivariateNormal(a, precision_matrix=b), [_real(3), _spd(3)], _real(2, 3)),
    "Independent": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1), [_real(2, 3), _pos(2, 3)], _real(4, 2, 3)),
}
CASES["Cauchy"] = (lambda m, a, b: m.distributions.Cauchy(a, b), [_real(3), _pos(3)], _real(2, 3))
CASES["HalfNormal"] = (lambda m, a: m.distributions.HalfNormal(a), [_pos(3)], _pos(2, 3))
CASES["Geometric"] = (lambda m, a: m.distributions.Geometric(probs=a), [_unit(3)], RNG.integers(0, 5, (2, 3)).astype(np.float64))
CASES["GeometricLogits"] = (lambda m, a: m.distributions.Geometric(logits=a), [_real(3)], RNG.integers(0, 5, (2, 3)).astype(np.float64))
CASES["Binomial"] = (lambda m, a: m.distributions.Binomial(5, probs=a), [_unit(3)], RNG.integers(0, 6, (2, 3)).astype(np.float64))
CASES["BinomialLogits"] = (lambda m, a: m.distributions.Binomial(m.tensor([3.0, 4.0, 5.0], dtype=a.dtype), logits=a), [_real(3)],
                           RNG.integers(0, 4, (2, 3)).astype(np.float64))
CASES["Uniform"] = (CASES["Uniform"][0], CASES["Uniform"][1], CASES["Uniform"][1][0] + 0.5 * CASES["Uniform"][1][1])

NO_ENTROPY = {"Poisson", "BinomialLogits"}
NO_MODE = {"Uniform", "CategoricalProbs", "CategoricalLogits"}  # nan in both; compared without grad
NO_CDF = {"Poisson", "BernoulliProbs", "BernoulliLogits", "CategoricalProbs", "CategoricalLogits", "OneHotCategorical",
          "MVNCov", "MVNTril", "MVNPrecision", "Independent", "Beta", "Dirichlet", "Geometric", "GeometricLogits",
          "Binomial", "BinomialLogits"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob(name):
    build, params, value = CASES[name]
    compare(lambda m, *a: build(m, *a[:-1]).log_prob(a[-1]), params, values=[value])


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_ENTROPY))
def test_entropy(name):
    build, params, _ = CASES[name]
    compare(lambda m, *a: build(m, *a).entropy(), params)


@pytest.mark.parametrize("quantity", ["mean", "variance", "stddev", "mode"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_moments(name, quantity):
    build, params, _ = CASES[name]
    grad = quantity != "mode" and not name.startswith("Categorical")
    compare(lambda m, *a: getattr(build(m, *a), quantity), params, grad=grad)


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_CDF))
def test_cdf_icdf(name):
    build, params, value = CASES[name]
    # torch has no derivative of igamma w.r.t. its first argument: Gamma.cdf compared without grads
    compare(lambda m, *a: build(m, *a[:-1]).cdf(a[-1]), params, values=[value], grad=name != "Gamma")
    if name != "Gamma":
        compare(lambda m, *a: build(m, *a[:-1]).icdf(a[-1]), params, values=[_unit(*value.shape)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_shapes_and_expand(name):
    build, params, _ = CASES[name]
    for module in (ember, torch):
        module.manual_seed(0)
    e = build(ember, *_as(ember, params, False))
    t = build(torch, *_as(torch, params, False))
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    for shape in [(), (5,), (2, 3)]:
        se, st = e.sample(shape), t.sample(shape)
        assert tuple(se.shape) == tuple(st.shape) and str(se.dtype) == str(st.dtype)
        assert bool(t.support.check(torch.from_numpy(se.numpy())).all())
        if t.has_rsample:
            assert e.has_rsample
            assert tuple(e.rsample(shape).shape) == tuple(st.shape)
    new_batch = (4,) + tuple(t.batch_shape)
    ee, te = e.expand(new_batch), t.expand(new_batch)
    assert ee.batch_shape == te.batch_shape and ee.event_shape == te.event_shape
    assert tuple(ee.sample((2,)).shape) == tuple(te.sample((2,)).shape)
    np.testing.assert_allclose(ee.mean.detach().numpy(), te.mean.detach().numpy(), equal_nan=True)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Exponential", "Laplace", "Poisson", "BernoulliProbs",
                                  "Dirichlet", "MVNCov", "Uniform", "CategoricalProbs", "HalfNormal", "Geometric", "Binomial"])
def test_sample_moments_and_reproducibility(name):
    build, params, _ = CASES[name]
    d = build(ember, *_as(ember, params, False))
    ember.manual_seed(3)
    s = d.sample((40000,))
    ember.manual_seed(3)
    assert np.array_equal(s.numpy(), d.sample((40000,)).numpy())
    x = s.numpy().astype(np.float64)
    if name.startswith("Categorical"):
        probs = d.probs.numpy()
        freq = np.stack([(x == k).mean(0) for k in range(probs.shape[-1])], -1)
        np.testing.assert_allclose(freq, probs, atol=0.015)
        return
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    np.testing.assert_allclose(x.mean(0), mean, atol=0.05 * np.sqrt(var).max() + 1e-3)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-3)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Exponential", "Laplace", "Dirichlet", "MVNTril", "LogNormal", "Uniform"])
def test_rsample_gradient_matches_mean_gradient(name):
    """d/dθ of the sample average ≈ d/dθ of the mean (pathwise gradient is unbiased)."""
    build, params, _ = CASES[name]
    ember.manual_seed(5)
    ps = _as(ember, params, True)
    build(ember, *ps).rsample((40000,)).mean(0).sum().backward()
    sampled = [p.grad.numpy().copy() for p in ps]
    ps2 = _as(ember, params, True)
    build(ember, *ps2).mean.sum().backward()
    for g_sample, p in zip(sampled, ps2):
        expected = p.grad.numpy() if p.grad is not None else np.zeros_like(g_sample)
        np.testing.assert_allclose(g_sample, expected, atol=0.06 * max(1.0, np.abs(expected).max()))


KL_PAIRS = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), lambda: [_real(3), _pos(3)]),
    "LogNormal": (lambda m, a, b: m.distributions.LogNormal(a, b), lambda: [_real(3), _pos(3)]),
    "Laplace": (lambda m, a, b: m.distributions.Laplace(a, b), lambda: [_real(3), _pos(3)]),
    "Bernoulli": (lambda m, a: m.distributions.Bernoulli(probs=a), lambda: [_unit(3)]),
    "Categorical": (lambda m, a: m.distributions.Categorical(logits=a), lambda: [_real(2, 4)]),
    "OneHotCategorical": (lambda m, a: m.distributions.OneHotCategorical(probs=a), lambda: [_simplex(2, 4)]),
    "Exponential": (lambda m, a: m.distributions.Exponential(a), lambda: [_pos(3)]),
    "Gamma": (lambda m, a, b: m.distributions.Gamma(a, b), lambda: [_pos(3), _pos(3)]),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), lambda: [_pos(3), _pos(3)]),
    "Dirichlet": (lambda m, a: m.distributions.Dirichlet(a), lambda: [_pos(2, 3)]),
    "Poisson": (lambda m, a: m.distributions.Poisson(a), lambda: [_pos(3)]),
    "Cauchy": (lambda m, a, b: m.distributions.Cauchy(a, b), lambda: [_real(3), _pos(3)]),
    "HalfNormal": (lambda m, a: m.distributions.HalfNormal(a), lambda: [_pos(3)]),
    "Geometric": (lambda m, a: m.distributions.Geometric(a), lambda: [_unit(3)]),
    "Binomial": (lambda m, a: m.distributions.Binomial(4, a), lambda: [_unit(3)]),
    "MVN": (lambda m, a, b: m.distributions.MultivariateNormal(a, covariance_matrix=b), lambda: [_real(2, 3), _spd(3)]),
    "Independent": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1), lambda: [_real(2, 3), _pos(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(KL_PAIRS))
def test_kl_divergence(name):
    build, make = KL_PAIRS[name]
    p_params, q_params = make(), make()
    n = len(p_params)
    compare(lambda m, *a: m.distributions.kl_divergence(build(m, *a[:n]), build(m, *a[n:])), p_params + q_params)


def test_kl_uniform_and_infinite_cases():
    compare(lambda m, a, b, c, d: m.distributions.kl_divergence(m.distributions.Uniform(a, b), m.distributions.Uniform(c, d)),
            [np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([-1.0, 0.5]), np.array([2.0, 2.0])], grad=False)
    compare(lambda m, a, b: m.distributions.kl_divergence(m.distributions.Bernoulli(a), m.distributions.Bernoulli(b)),
            [np.array([0.0, 0.3, 1.0]), np.array([0.5, 0.0, 0.2])], grad=False)


def test_register_kl_and_missing_pair():
    D = ember.distributions

    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _my_kl(p, q):
        return ember.tensor(42.0)

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == pytest.approx(0.5)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Gamma(1.0, 1.0))


@pytest.mark.parametrize("build", [
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([-1.0])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([1.5])),
    lambda m: m.distributions.Categorical(probs=m.tensor([-0.1, 1.1])),
    lambda m: m.distributions.Gamma(m.tensor([1.0]), m.tensor([0.0])),
    lambda m: m.distributions.Beta(m.tensor([-1.0]), m.tensor([1.0])),
    lambda m: m.distributions.Exponential(m.tensor([-2.0])),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, -1.0])),
    lambda m: m.distributions.Uniform(m.tensor([1.0]), m.tensor([0.0])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), covariance_matrix=m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.Bernoulli(),
    lambda m: m.distributions.Geometric(m.tensor([0.0])),
    lambda m: m.distributions.Cauchy(m.tensor([0.0]), m.tensor([0.0])),
])
def test_bad_parameters_raise_value_error(build):
    with pytest.raises(ValueError):
        build(torch)
    with pytest.raises(ValueError) as info:
        build(ember)
    assert str(info.value)


@pytest.mark.parametrize("build,value", [
    (lambda m: m.distributions.Exponential(m.tensor([1.0])), [-1.0]),
    (lambda m: m.distributions.Bernoulli(probs=m.tensor([0.3])), [0.5]),
    (lambda m: m.distributions.Categorical(probs=m.tensor([0.3, 0.7])), [2.0]),
    (lambda m: m.distributions.Beta(m.tensor([1.0]), m.tensor([1.0])), [1.5]),
    (lambda m: m.distributions.Poisson(m.tensor([1.0])), [1.5]),
    (lambda m: m.distributions.Normal(m.zeros(3), 1.0), [[0.0, 0.0]]),
    (lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)), [0.0, 0.0, 0.0]),
])
def test_out_of_support_value_raises(build, value):
    with pytest.raises(ValueError):
        build(torch).log_prob(torch.tensor(value))
    with pytest.raises(ValueError) as info:
        build(ember).log_prob(ember.tensor(value))
    assert str(info.value)
    # validate_args=False skips the check
    e = build(ember)
    e._validate_args = False


def test_validate_args_false_and_message():
    d = ember.distributions.Normal(0.0, -1.0, validate_args=False)
    assert d.scale.item() == -1.0
    with pytest.raises(ValueError, match="Expected parameter scale"):
        ember.distributions.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="to be within the support"):
        ember.distributions.Exponential(1.0).log_prob(ember.tensor(-1.0))
    assert ember.distributions.Exponential(1.0, validate_args=False).log_prob(ember.tensor(-1.0)).item() == pytest.approx(1.0)


def test_float32_dtypes_and_scalar_params():
    d = ember.distributions.Normal(0.0, 1.0)
    t = torch.distributions.Normal(0.0, 1.0)
    assert d.batch_shape == t.batch_shape == ()
    assert str(d.sample().dtype) == str(t.sample().dtype)
    np.testing.assert_allclose(d.log_prob(ember.tensor(0.3)).numpy(), t.log_prob(torch.tensor(0.3)).numpy(), rtol=1e-6)
    c = ember.distributions.Categorical(logits=ember.zeros(3))
    assert str(c.sample().dtype) == "torch.int64" and str(c.mode.dtype) == "torch.int64"
    assert str(ember.distributions.Bernoulli(0.3).sample((2,)).dtype) == "torch.float32"


CROSS_KL = {
    "Normal": lambda m, a, b: m.distributions.Normal(a, b),
    "Laplace": lambda m, a, b: m.distributions.Laplace(a, b),
    "Gamma": lambda m, a, b: m.distributions.Gamma(a, b),
    "Exponential": lambda m, a, b: m.distributions.Exponential(a),
    "Uniform": lambda m, a, b: m.distributions.Uniform(a, a + b),
    "UniformUnit": lambda m, a, b: m.distributions.Uniform(a * 0.2, 1 - b * 0.2),
    "Beta": lambda m, a, b: m.distributions.Beta(a, b),
}


@pytest.mark.parametrize("pair", [
    ("Gamma", "Normal"), ("Exponential", "Normal"), ("Laplace", "Normal"), ("Uniform", "Normal"), ("Normal", "Laplace"),
    ("Gamma", "Exponential"), ("Exponential", "Gamma"), ("Uniform", "Exponential"), ("Uniform", "Gamma"),
    ("UniformUnit", "Beta"), ("Beta", "Uniform"),
])
def test_kl_between_families(pair):
    name_p, name_q = pair
    params = [_pos(3), _pos(3) * 0.4, _real(3), _pos(3)]
    if name_q == "Uniform":  # q must cover [0, 1] for a finite KL
        params[2], params[3] = -_pos(3) * 0.1, 1.2 + _pos(3)
    if name_q != "Uniform" and name_q not in ("Normal", "Laplace"):
        params[2] = _pos(3)
    compare(lambda m, a, b, c, d: m.distributions.kl_divergence(CROSS_KL[name_p](m, a, b), CROSS_KL[name_q](m, c, d)),
            params)
    if name_p.startswith("Uniform") and name_q in ("Exponential", "Gamma", "Beta"):  # p outside q's support: inf
        compare(lambda m, a, b, c, d: m.distributions.kl_divergence(m.distributions.Uniform(a - 3, b), CROSS_KL[name_q](m, c, d)),
                params, grad=False)


def test_enumerate_support_and_repr():
    for build in [lambda m: m.distributions.Bernoulli(probs=m.tensor([0.2, 0.7])),
                  lambda m: m.distributions.Categorical(logits=m.zeros(2, 3))]:
        e, t = build(ember), build(torch)
        for expand in (True, False):
            assert e.enumerate_support(expand).tolist() == t.enumerate_support(expand).tolist()
        assert repr(e) == repr(t)
    assert repr(ember.distributions.Normal(0.0, 1.0)) == repr(torch.distributions.Normal(0.0, 1.0))
    assert repr(ember.distributions.Normal(ember.zeros(2), 1.0)) == repr(torch.distributions.Normal(torch.zeros(2), 1.0))


def test_dirichlet_and_beta_mode_edge_cases():
    compare(lambda m, c: m.distributions.Dirichlet(c).mode, [np.array([[.5, .7, .3], [2., .5, 3.], [.9, 1.5, .2]])], grad=False)
    compare(lambda m, a, b: m.distributions.Beta(a, b).mode,
            [np.array([.5, 2., .3, 1., 3.]), np.array([.7, .5, .2, 1., 2.])], grad=False)


@pytest.mark.parametrize("build", [
    lambda m: m.distributions.Normal(m.tensor(0.0), m.tensor(1.0)),
    lambda m: m.distributions.Normal(m.tensor([0.0]), 1.0),
    lambda m: m.distributions.Uniform(m.tensor([0.0]), 1.0),
    lambda m: m.distributions.Uniform(0.0, 2.0),
    lambda m: m.distributions.Gamma(m.ones(2, 3), 2.0),
])
def test_repr(build):
    assert repr(build(ember)) == repr(build(torch))


@pytest.mark.parametrize("name", ["Gamma", "Exponential", "Laplace", "Uniform"])
def test_kl_to_normal(name):
    build, make = CASES[name][0], lambda: [p.copy() for p in CASES[name][1]]
    p_params = make()
    n = len(p_params)
    compare(lambda m, *a: m.distributions.kl_divergence(build(m, *a[:n]), m.distributions.Normal(a[n], a[n + 1])),
            p_params + [_real(3), _pos(3)])
