"""ember.nn.utils.prune against torch.nn.utils.prune, with identical weights.

The test data are continuous random values, so absolute values and channel norms have no
ties: torch's CPU ``topk`` breaks ties in an implementation-specific order that ember does
not reproduce, so masks are compared only where the choice is unique.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as tprune

import ember
import ember.nn.utils.prune as eprune
from tests.oracle import assert_same, make_array


def _pair(cls_name: str, *args, seed: int = 0, **kwargs):
    """An ember and a torch module of type ``nn.<cls_name>`` with the same weights."""
    t_mod = getattr(torch.nn, cls_name)(*args, **kwargs)
    e_mod = getattr(ember.nn, cls_name)(*args, **kwargs)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for (name, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
            value = make_array(tuple(tp.shape), rng=rng)
            tp.copy_(torch.from_numpy(value))
            ep.data = ember.from_numpy(value.copy())
    return e_mod, t_mod


def _same_mask(e_mod, t_mod, name="weight"):
    e_mask = getattr(e_mod, name + "_mask")
    t_mask = getattr(t_mod, name + "_mask")
    assert_same(e_mask, t_mask, atol=0, rtol=0, what=name + "_mask")


def _same_forward_backward(e_mod, t_mod, in_shape, names=("weight_orig", "bias")):
    x = make_array(in_shape, seed=7)
    e_out = e_mod(ember.from_numpy(x.copy()))
    t_out = t_mod(torch.from_numpy(x.copy()))
    assert_same(e_out, t_out)
    g = make_array(tuple(t_out.shape), seed=8)
    e_out.backward(ember.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))
    e_params, t_params = dict(e_mod.named_parameters()), dict(t_mod.named_parameters())
    assert list(e_params) == list(t_params)
    for n in names:
        assert_same(e_params[n].grad, t_params[n].grad, what=n + ".grad")


@pytest.mark.parametrize("amount", [0, 3, 0.4, 1.0, 12])
def test_l1_unstructured_mask_layout_forward_and_grads(amount):
    e_mod, t_mod = _pair("Linear", 4, 3)
    assert eprune.l1_unstructured(e_mod, "weight", amount=amount) is e_mod
    tprune.l1_unstructured(t_mod, "weight", amount=amount)
    _same_mask(e_mod, t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert isinstance(e_mod.weight_orig, ember.nn.Parameter)
    assert "weight" not in e_mod._parameters and "weight_mask" in e_mod._buffers
    assert not isinstance(e_mod.weight, ember.nn.Parameter)
    assert_same(e_mod.weight, t_mod.weight)
    _same_forward_backward(e_mod, t_mod, (2, 4))


def test_l1_unstructured_importance_scores_and_bias():
    e_mod, t_mod = _pair("Linear", 5, 4, seed=1)
    scores = make_array((4, 5), seed=3)
    eprune.l1_unstructured(e_mod, "weight", amount=7, importance_scores=ember.from_numpy(scores.copy()))
    tprune.l1_unstructured(t_mod, "weight", amount=7, importance_scores=torch.from_numpy(scores.copy()))
    _same_mask(e_mod, t_mod)
    eprune.l1_unstructured(e_mod, "bias", amount=0.5)
    tprune.l1_unstructured(t_mod, "bias", amount=0.5)
    _same_mask(e_mod, t_mod, "bias")
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    _same_forward_backward(e_mod, t_mod, (3, 5), names=("weight_orig", "bias_orig"))


@pytest.mark.parametrize("n,dim,amount", [(2, 0, 2), (1, 1, 0.5), (float("inf"), -1, 1), (3, 0, 0.25), (2, 1, 0)])
def test_ln_structured_conv(n, dim, amount):
    e_mod, t_mod = _pair("Conv2d", 3, 4, 3, seed=2)
    eprune.ln_structured(e_mod, "weight", amount=amount, n=n, dim=dim)
    tprune.ln_structured(t_mod, "weight", amount=amount, n=n, dim=dim)
    _same_mask(e_mod, t_mod)
    _same_forward_backward(e_mod, t_mod, (1, 3, 5, 5))


def test_iterative_pruning_container_and_remove():
    e_mod, t_mod = _pair("Linear", 6, 5, seed=4)
    steps = [
        lambda p, m: p.l1_unstructured(m, "weight", amount=0.2),
        lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=0),
        lambda p, m: p.l1_unstructured(m, "weight", amount=4),
        lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=1, dim=1),
    ]
    for step in steps:
        step(eprune, e_mod)
        step(tprune, t_mod)
        _same_mask(e_mod, t_mod)
    hooks = [h for h in e_mod._forward_pre_hooks.values() if isinstance(h, eprune.BasePruningMethod)]
    assert len(hooks) == 1 and isinstance(hooks[0], eprune.PruningContainer) and len(hooks[0]) == 4
    assert [type(m).__name__ for m in hooks[0]] == ["L1Unstructured", "LnStructured", "L1Unstructured", "LnStructured"]
    _same_forward_backward(e_mod, t_mod, (2, 6))
    # Updating weight_orig is seen at the next forward through the pre-hook.
    with torch.no_grad():
        t_mod.weight_orig.mul_(2)
    e_mod.weight_orig.data = e_mod.weight_orig.data * 2
    x = make_array((2, 6), seed=9)
    assert_same(e_mod(ember.from_numpy(x.copy())), t_mod(torch.from_numpy(x.copy())))

    assert eprune.is_pruned(e_mod) and tprune.is_pruned(t_mod)
    eprune.remove(e_mod, "weight")
    tprune.remove(t_mod, "weight")
    assert not eprune.is_pruned(e_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["bias", "weight"]
    assert [n for n, _ in e_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]
    assert isinstance(e_mod.weight, ember.nn.Parameter)
    assert_same(e_mod.weight, t_mod.weight)
    assert len(e_mod._forward_pre_hooks) == 0


def test_global_unstructured_and_custom_from_mask():
    e_net, t_net = _pair("Linear", 4, 3, seed=5)
    e2, t2 = _pair("Conv1d", 2, 3, 2, seed=6)
    # Already prune one of them so global pruning combines with an existing mask.
    mask = make_array((3, 2, 2), seed=11) > 0
    eprune.custom_from_mask(e2, "weight", ember.from_numpy(mask.copy()))
    tprune.custom_from_mask(t2, "weight", torch.from_numpy(mask.copy()))
    _same_mask(e2, t2)
    assert e2.weight_mask.dtype == ember.float32
    scores = make_array((3,), seed=12)
    for p, a, b, s in [(eprune, e_net, e2, ember), (tprune, t_net, t2, torch)]:
        p.global_unstructured(
            [(a, "weight"), (b, "weight"), (b, "bias")],
            pruning_method=p.L1Unstructured,
            importance_scores={(b, "bias"): s.from_numpy(scores.copy())},
            amount=0.3,
        )
    _same_mask(e_net, t_net)
    _same_mask(e2, t2)
    _same_mask(e2, t2, "bias")
    hook = next(iter(e2._forward_pre_hooks.values()))
    assert isinstance(hook, eprune.PruningContainer)
    _same_forward_backward(e_net, t_net, (2, 4))
    _same_forward_backward(e2, t2, (1, 2, 5), names=("weight_orig", "bias_orig"))


def test_global_unstructured_errors():
    e_mod, _ = _pair("Linear", 2, 2)
    with pytest.raises(TypeError, match="Only \"unstructured\" PRUNING_TYPE"):
        eprune.global_unstructured([(e_mod, "weight")], eprune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="must be of type dict"):
        eprune.global_unstructured([(e_mod, "weight")], eprune.L1Unstructured, importance_scores=[1], amount=1)
    with pytest.raises(TypeError, match="not an Iterable"):
        eprune.global_unstructured(3, eprune.L1Unstructured, amount=1)


def test_identity_and_method_prune():
    e_mod, t_mod = _pair("Linear", 3, 2)
    eprune.identity(e_mod, "weight")
    tprune.identity(t_mod, "weight")
    _same_mask(e_mod, t_mod)
    assert eprune.is_pruned(ember.nn.Sequential(e_mod))
    x = make_array((3, 4), seed=1)
    mask = make_array((3, 4), seed=2) > 0
    ep = eprune.L1Unstructured(amount=5).prune(ember.from_numpy(x.copy()), default_mask=ember.from_numpy(mask.astype(np.float32)))
    tp = tprune.L1Unstructured(amount=5).prune(torch.from_numpy(x.copy()), default_mask=torch.from_numpy(mask.astype(np.float32)))
    assert_same(ep, tp, atol=0, rtol=0)


@pytest.mark.parametrize(
    "make",
    [
        lambda p, m: p.l1_unstructured(m, "weight", amount=-1),
        lambda p, m: p.l1_unstructured(m, "weight", amount=1.5),
        lambda p, m: p.l1_unstructured(m, "weight", amount="a"),
        lambda p, m: p.l1_unstructured(m, "weight", amount=13),
        lambda p, m: p.random_unstructured(m, "weight", amount=-0.1),
        lambda p, m: p.ln_structured(m, "weight", amount=4, n=2, dim=0),
        lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0),
        lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=2),
        lambda p, m: p.random_structured(m, "bias", amount=1, dim=0),
        lambda p, m: p.remove(m, "weight"),
    ],
)
def test_errors_match_torch(make):
    e_mod, t_mod = _pair("Linear", 4, 3)
    with pytest.raises(Exception) as t_err:
        make(tprune, t_mod)
    with pytest.raises(type(t_err.value)) as e_err:
        make(eprune, e_mod)
    assert str(e_err.value).split(" of module")[0].split(" to PruningContainer")[0] == str(t_err.value).split(" of module")[0].split(" to PruningContainer")[0]
    # A failed first pruning puts the parameter back (last, as torch re-registers it).
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    assert sorted(e_mod.state_dict()) == ["bias", "weight"]
    assert isinstance(e_mod.weight, ember.nn.Parameter)


@pytest.mark.parametrize("amount,expected", [(3, 3), (0.25, 3), (0, 0)])
def test_random_unstructured_count_and_seed(amount, expected):
    masks = []
    for _ in range(2):
        ember.manual_seed(123)
        e_mod, _ = _pair("Linear", 4, 3)
        eprune.random_unstructured(e_mod, "weight", amount=amount)
        mask = e_mod.weight_mask.numpy()
        assert mask.shape == (3, 4)
        assert int((mask == 0).sum()) == expected and int((mask == 1).sum()) == 12 - expected
        masks.append(mask)
    np.testing.assert_array_equal(masks[0], masks[1])
    ember.manual_seed(124)
    other = eprune.RandomUnstructured(amount=6).compute_mask(ember.ones(40), ember.ones(40))
    ember.manual_seed(123)
    first = eprune.RandomUnstructured(amount=6).compute_mask(ember.ones(40), ember.ones(40))
    assert not np.array_equal(other.numpy(), first.numpy())


@pytest.mark.parametrize("dim,amount,pruned", [(0, 2, 2), (1, 0.5, 2), (-1, 1, 1)])
def test_random_structured_channels_and_seed(dim, amount, pruned):
    masks = []
    for _ in range(2):
        ember.manual_seed(7)
        e_mod, _ = _pair("Linear", 4, 5)
        eprune.random_structured(e_mod, "weight", amount=amount, dim=dim)
        mask = e_mod.weight_mask.numpy()
        assert mask.shape == (5, 4)
        other_dim = 1 - (dim % 2)
        channel_sums = mask.sum(axis=other_dim)
        assert int((channel_sums == 0).sum()) == pruned
        assert set(np.unique(channel_sums).tolist()) <= {0.0, float(mask.shape[other_dim])}
        masks.append(mask)
    np.testing.assert_array_equal(masks[0], masks[1])


def test_iterative_random_structured_keeps_earlier_pruning():
    ember.manual_seed(0)
    e_mod, _ = _pair("Linear", 6, 6)
    eprune.random_structured(e_mod, "weight", amount=2, dim=0)
    first = e_mod.weight_mask.numpy().copy()
    eprune.random_structured(e_mod, "weight", amount=2, dim=0)
    second = e_mod.weight_mask.numpy()
    assert np.all(second <= first)
    assert int((second.sum(axis=1) == 0).sum()) == 4


def test_pruning_container_errors_and_shape_assertions():
    for p in (eprune, tprune):
        method = p.L1Unstructured(amount=1)
        method._tensor_name = "weight"
        container = p.PruningContainer(method)
        with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
            container.add_pruning_method(3)
        other = p.RandomUnstructured(amount=1)
        other._tensor_name = "bias"
        with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'weight'"):
            container.add_pruning_method(other)
        with pytest.raises(AttributeError, match="_tensor_name"):
            p.PruningContainer(p.L1Unstructured(amount=1))
    e_mod, t_mod = _pair("Linear", 4, 3)
    with pytest.raises(AssertionError, match="importance_scores should have the same shape"):
        eprune.l1_unstructured(e_mod, "weight", amount=1, importance_scores=ember.ones(4, 3))
    with pytest.raises(AssertionError, match="importance_scores should have the same shape"):
        tprune.l1_unstructured(t_mod, "weight", amount=1, importance_scores=torch.ones(4, 3))
    with pytest.raises(AssertionError, match="importance_scores should have the same shape as tensor t"):
        eprune.L1Unstructured(amount=1).prune(ember.ones(3), importance_scores=ember.ones(2))
