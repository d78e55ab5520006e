"""F.gumbel_softmax (ember/ops/gumbel.py) against torch.

Random draws come from each library's own generator, so values are compared with
torch by giving ember the very Exp(1) draws torch used (re-drawn after re-seeding
torch), and ember's own sampling is checked for reproducibility and its distribution.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.ops.gumbel import gumbel_softmax_from_noise
from tests.oracle import assert_same


def _torch_run(logits, seed, **kw):
    """torch's gumbel_softmax output and the Exp(1) draws it used."""
    torch.manual_seed(seed)
    out = TF.gumbel_softmax(logits, **kw)
    torch.manual_seed(seed)
    draws = torch.empty_like(logits).exponential_()
    return out, draws


@pytest.mark.parametrize(
    "shape,kw",
    [
        ((3, 5), {"tau": 1.0, "hard": False}),
        ((3, 5), {"tau": 0.7, "hard": True}),
        ((4, 2, 3), {"tau": 2.0, "hard": False, "dim": 1}),
        ((4, 2, 3), {"tau": 0.5, "hard": True, "dim": 0}),
        ((6,), {"tau": 0.3, "hard": True}),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_given_the_same_draws(shape, kw, dtype):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(shape).astype(dtype)
    t_logits = torch.from_numpy(logits.copy()).requires_grad_()
    e_logits = ember.from_numpy(logits.copy()).requires_grad_()
    t_out, draws = _torch_run(t_logits, seed=3, **kw)
    e_out = gumbel_softmax_from_noise(e_logits, ember.from_numpy(draws.numpy().copy()), **kw)
    assert_same(e_out, t_out, atol=1e-6, rtol=1e-5)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    upstream = rng.standard_normal(shape).astype(dtype)
    t_out.backward(torch.from_numpy(upstream.copy()))
    e_out.backward(ember.from_numpy(upstream.copy()))
    assert_same(e_logits.grad, t_logits.grad, atol=1e-5, rtol=1e-4, what="grad")


def test_hard_output_is_one_hot_at_argmax_of_perturbed_logits():
    logits = ember.randn(8, 6)
    ember.manual_seed(11)
    y = F.gumbel_softmax(logits, tau=0.4, hard=True)
    ember.manual_seed(11)
    gumbel = -ember.empty(8, 6).exponential_().log()
    expected = ((logits + gumbel) / 0.4).argmax(dim=-1)
    assert y.sum(dim=-1).tolist() == [1.0] * 8
    assert set(np.unique(y.numpy()).tolist()) <= {0.0, 1.0}
    assert y.argmax(dim=-1).tolist() == expected.tolist()


def test_soft_output_is_softmax_of_perturbed_logits():
    logits = ember.randn(5, 4)
    ember.manual_seed(5)
    y = F.gumbel_softmax(logits, tau=1.5, dim=0)
    ember.manual_seed(5)
    gumbel = -ember.empty(5, 4).exponential_().log()
    t_expected = torch.softmax((torch.from_numpy(logits.numpy().copy()) + torch.from_numpy(gumbel.numpy().copy())) / 1.5, dim=0)
    assert_same(y, t_expected, atol=1e-6)


def test_manual_seed_makes_it_reproducible():
    logits = ember.randn(4, 7)
    ember.manual_seed(123)
    a = F.gumbel_softmax(logits, tau=0.5)
    b = F.gumbel_softmax(logits, tau=0.5)
    ember.manual_seed(123)
    c = F.gumbel_softmax(logits, tau=0.5)
    assert np.array_equal(a.numpy(), c.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())


def test_hard_gradient_is_the_soft_gradient():
    logits = ember.randn(3, 5, requires_grad=True)
    upstream = ember.randn(3, 5)
    ember.manual_seed(2)
    F.gumbel_softmax(logits, tau=0.8, hard=True).backward(upstream)
    hard_grad = logits.grad.clone()
    logits.grad = None
    ember.manual_seed(2)
    F.gumbel_softmax(logits, tau=0.8, hard=False).backward(upstream)
    np.testing.assert_allclose(hard_grad.numpy(), logits.grad.numpy(), atol=1e-6)


def test_gradcheck_with_fixed_draws():
    rng = np.random.default_rng(0)
    draws = ember.tensor(rng.exponential(size=(3, 4)))
    logits = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    fn = lambda x: gumbel_softmax_from_noise(x, draws, tau=0.7, dim=1)
    assert ember.autograd.gradcheck(fn, (logits,))
    assert ember.autograd.gradgradcheck(fn, (logits,))


def test_samples_follow_the_softmax_distribution():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    logits = ember.tensor(np.log(probs), dtype=ember.float64).expand(20000, 4)
    ember.manual_seed(0)
    y = F.gumbel_softmax(logits, hard=True)
    freq = y.mean(dim=0).numpy()
    np.testing.assert_allclose(freq, probs, atol=0.015)


def test_dtypes_shapes_and_edge_inputs_match_torch():
    for m, fn in ((torch, TF.gumbel_softmax), (ember, F.gumbel_softmax)):
        assert str(fn(m.ones(3, dtype=m.float64)).dtype) == "torch.float64"
        assert tuple(fn(m.ones(0, 3)).shape) == (0, 3)
        assert fn(m.tensor(1.0), hard=True).item() == 1.0


def test_errors_match_torch():
    for m, fn in ((torch, TF.gumbel_softmax), (ember, F.gumbel_softmax)):
        with pytest.raises(RuntimeError, match="Exponential distribution is a continuous probability distribution"):
            fn(m.ones(3, dtype=m.int64))
        with pytest.raises(IndexError, match="Dimension out of range"):
            fn(m.ones(3, 5), dim=3)


def test_eps_is_deprecated():
    for fn, x in ((TF.gumbel_softmax, torch.ones(3)), (F.gumbel_softmax, ember.ones(3))):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
            fn(x, eps=1e-3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fn(x)
