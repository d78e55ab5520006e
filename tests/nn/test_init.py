"""nn.init: torch's fans, gains and bounds; sample statistics; generators; errors."""

import math

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


@pytest.mark.parametrize("shape", [(5, 3), (16, 3, 5, 5), (8, 4, 3), (2, 6, 2, 2, 2)])
def test_fan_in_and_fan_out_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == torch.nn.init._calculate_fan_in_and_fan_out(
        torch.empty(*shape)
    )


@pytest.mark.parametrize(
    "args",
    [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",)],
)
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, t: m.nn.init.calculate_gain("swish"),
        lambda m, t: m.nn.init.calculate_gain("leaky_relu", "x"),
        lambda m, t: m.nn.init.calculate_gain("leaky_relu", True),
        lambda m, t: m.nn.init._calculate_fan_in_and_fan_out(t[0]),
        lambda m, t: m.nn.init.kaiming_uniform_(t, mode="fan_middle"),
        lambda m, t: m.nn.init.eye_(t[0]),
        lambda m, t: m.nn.init.dirac_(t),
        lambda m, t: m.nn.init.orthogonal_(t[0]),
        lambda m, t: m.nn.init.sparse_(t[0], 0.5),
    ],
)
def test_init_errors_match_torch(fn):
    with pytest.raises(Exception) as t_err:
        fn(torch, torch.empty(3, 4))
    with pytest.raises(type(t_err.value)) as e_err:
        fn(ember, ember.empty(3, 4))
    assert str(e_err.value) == str(t_err.value)


def _stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), np.abs(a).max()


def test_uniform_and_normal_statistics():
    w = init.uniform_(ember.empty(200, 200), -2.0, 3.0)
    a = w.numpy()
    assert a.min() >= -2.0 and a.max() < 3.0 and abs(a.mean() - 0.5) < 0.05
    mean, std, _ = _stats(init.normal_(ember.empty(200, 200), mean=1.5, std=0.5))
    assert abs(mean - 1.5) < 0.01 and abs(std - 0.5) < 0.01
    w = init.normal_(ember.empty(10, dtype=ember.float64))
    assert w.dtype == ember.float64


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3)])
def test_xavier_and_kaiming_bounds_and_std(shape):
    t = torch.empty(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    # xavier uniform: bound = gain * sqrt(6 / (fan_in + fan_out))
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    _, std, top = _stats(init.xavier_uniform_(ember.empty(*shape), gain=2.0))
    assert top <= bound and top > 0.95 * bound and abs(std - bound / math.sqrt(3)) < 0.03 * bound
    _, std, _ = _stats(init.xavier_normal_(ember.empty(*shape)))
    assert abs(std - math.sqrt(2.0 / (fan_in + fan_out))) / std < 0.03
    # kaiming: compare the spread with torch's own samples of the same layer
    for mode in ("fan_in", "fan_out"):
        for nonlinearity, a in (("relu", 0), ("leaky_relu", math.sqrt(5)), ("tanh", 0)):
            e_std = _stats(init.kaiming_normal_(ember.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity))[1]
            t_std = torch.nn.init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity).std().item()
            assert abs(e_std - t_std) / t_std < 0.05
            e_top = _stats(init.kaiming_uniform_(ember.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity))[2]
            t_top = torch.nn.init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity).abs().max().item()
            fan = fan_in if mode == "fan_in" else fan_out
            exact = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
            assert e_top <= exact and t_top <= exact + 1e-6 and e_top > 0.97 * exact


def test_trunc_normal_respects_bounds():
    w = init.trunc_normal_(ember.empty(20000), mean=0.5, std=2.0, a=-1.0, b=1.5)
    a = w.numpy()
    assert a.min() >= -1.0 and a.max() <= 1.5
    t = torch.nn.init.trunc_normal_(torch.empty(20000), mean=0.5, std=2.0, a=-1.0, b=1.5).numpy()
    assert abs(a.mean() - t.mean()) < 0.03 and abs(a.std() - t.std()) < 0.03


def test_constant_ones_zeros_eye_dirac_match_torch():
    assert init.constant_(ember.empty(2, 3), 0.3).tolist() == torch.nn.init.constant_(torch.empty(2, 3), 0.3).tolist()
    assert init.ones_(ember.empty(2)).tolist() == [1.0, 1.0]
    assert init.zeros_(ember.empty(2)).tolist() == [0.0, 0.0]
    assert init.eye_(ember.empty(3, 5)).tolist() == torch.nn.init.eye_(torch.empty(3, 5)).tolist()
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((4, 4, 1, 3, 3), 2)):
        assert init.dirac_(ember.empty(*shape), groups).tolist() == torch.nn.init.dirac_(torch.empty(*shape), groups).tolist()


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(ember.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


def test_sparse_zeroes_a_fraction_of_each_column():
    w = init.sparse_(ember.empty(10, 6), sparsity=0.3, std=0.5).numpy()
    zeros_per_column = (w == 0).sum(axis=0)
    assert (zeros_per_column == 3).all()
    assert 0.2 < w[w != 0].std() < 0.9


def test_generator_makes_fills_reproducible():
    g = ember.Generator().manual_seed(7)
    a = init.kaiming_uniform_(ember.empty(4, 4), generator=g).tolist()
    g.manual_seed(7)
    b = init.kaiming_uniform_(ember.empty(4, 4), generator=g).tolist()
    assert a == b
    ember.manual_seed(3)
    c = init.normal_(ember.empty(3)).tolist()
    ember.manual_seed(3)
    assert init.normal_(ember.empty(3)).tolist() == c


def test_fills_keep_identity_dtype_and_bump_version_without_graph():
    p = ember.nn.Parameter(ember.empty(3, 3))
    v = p._version
    out = init.xavier_uniform_(p)
    assert out is p and p.requires_grad and p.grad_fn is None and p._version > v
    assert init.zeros_(ember.empty(2, dtype=ember.float64)).dtype == ember.float64


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning):
        init.xavier_uniform(ember.empty(2, 2))
