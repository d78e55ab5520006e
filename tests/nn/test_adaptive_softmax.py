"""nn.AdaptiveLogSoftmaxWithLoss against torch, with weights copied through state_dict."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module, copy_state
from tests.oracle import check_error

RNG = np.random.default_rng(0)


def features(*shape, dtype=np.float32):
    return RNG.uniform(-2, 2, size=shape).astype(dtype)


def classes(*values):
    return np.array(values, dtype=np.int64)


CONFIGS = {
    "two_clusters": {"in_features": 8, "n_classes": 10, "cutoffs": [3, 6], "div_value": 2.0},
    "head_bias": {"in_features": 16, "n_classes": 10, "cutoffs": [3, 6], "head_bias": True},
    "three_clusters": {"in_features": 16, "n_classes": 20, "cutoffs": [4, 9, 15], "div_value": 2.0},
    "one_cluster_of_one": {"in_features": 6, "n_classes": 5, "cutoffs": [4], "div_value": 1.5},
}


def make(config):
    return lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(**CONFIGS[config])


@pytest.mark.parametrize("config", list(CONFIGS))
def test_forward_output_loss_and_gradients_match_torch(config):
    cfg = CONFIGS[config]
    target = RNG.integers(0, cfg["n_classes"], size=12).astype(np.int64)
    target[:3] = [0, cfg["cutoffs"][0], cfg["n_classes"] - 1]  # the shortlist and the tails all in use
    em, _ = check_module(make(config), inputs=[features(12, cfg["in_features"]), target])
    out = em(ember.tensor(features(12, cfg["in_features"])), ember.tensor(target))
    assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
    assert isinstance(out, tuple) and out.output is out[0] and out.loss is out[1]


@pytest.mark.parametrize(
    "target",
    [classes(0, 1, 2, 2), classes(7, 8, 9, 6), classes(3, 3, 4, 5), classes(9, 0, 5, 1)],
    ids=["shortlist_only", "last_cluster_only", "first_cluster_only", "mixed"],
)
def test_forward_with_clusters_left_empty(target):
    check_module(make("two_clusters"), inputs=[features(4, 8), target])


@pytest.mark.parametrize("target", [0, 4, 9])
def test_forward_unbatched(target):
    em, _ = check_module(make("head_bias"), inputs=[features(16), np.array(target, np.int64)])
    assert em(ember.randn(16), ember.tensor(target)).output.shape == ()


def test_forward_float64_and_int32_targets():
    check_module(make("three_clusters"), inputs=[features(5, 16, dtype=np.float64), classes(0, 5, 10, 19, 3)], dtype="float64")
    check_module(make("two_clusters"), inputs=[features(4, 8), classes(0, 5, 9, 3).astype(np.int32)])


def test_forward_empty_batch_gives_nan_loss():
    em, _ = check_module(make("two_clusters"), inputs=[features(0, 8), classes()], grad=False)
    out = em(ember.zeros(0, 8), ember.zeros(0, dtype=ember.int64))
    assert tuple(out.output.shape) == (0,) and bool(ember.isnan(out.loss))


@pytest.mark.parametrize("config", list(CONFIGS))
def test_log_prob_matches_torch_and_normalizes(config):
    cfg = CONFIGS[config]
    em, _ = check_module(make(config), inputs=[features(5, cfg["in_features"])], call=lambda mod, x: mod.log_prob(x))
    total = em.log_prob(ember.tensor(features(3, cfg["in_features"]))).exp().sum(1)
    np.testing.assert_allclose(total.detach().numpy(), 1.0, rtol=1e-5)


def test_forward_output_is_log_prob_of_target():
    torch.manual_seed(0)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])
    copy_state(tm, em)
    x, target = ember.tensor(features(6, 16)), ember.tensor(classes(0, 3, 6, 9, 2, 5))
    full = em.log_prob(x)
    picked = full.gather(1, target.unsqueeze(1)).squeeze(1)
    np.testing.assert_allclose(em(x, target).output.detach().numpy(), picked.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "column,bias",
    [(3, 1.0), (0, 50.0), (3, 50.0), (4, 50.0)],
    ids=["mixed", "all_shortlist", "all_cluster_0", "all_cluster_1"],
)
def test_predict_matches_torch_on_every_path(column, bias):
    torch.manual_seed(1)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], head_bias=True)
    with torch.no_grad():
        tm.head.bias.zero_()
        tm.head.bias[column] = bias  # 50 puts every row's head argmax on this column
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], head_bias=True)
    copy_state(tm, em)
    x = np.random.default_rng(5).uniform(-2, 2, size=(16, 16)).astype(np.float32)
    t_pred = tm.predict(torch.from_numpy(x.copy()))
    e_pred = em.predict(ember.tensor(x))
    assert e_pred.dtype == ember.int64
    np.testing.assert_array_equal(e_pred.numpy(), t_pred.numpy())
    np.testing.assert_array_equal(e_pred.numpy(), em.log_prob(ember.tensor(x)).argmax(1).numpy())
    if bias == 1.0:
        assert 0 < int((t_pred >= 3).sum()) < 16, "the mixed case must mix shortlist and tail predictions"


def test_parameters_state_dict_attributes_and_repr_match_torch():
    for cfg in CONFIGS.values():
        tm = torch.nn.AdaptiveLogSoftmaxWithLoss(**cfg)
        em = ember.nn.AdaptiveLogSoftmaxWithLoss(**cfg)
        assert repr(em) == repr(tm)
        t_state, e_state = tm.state_dict(), em.state_dict()
        assert list(e_state) == list(t_state)
        assert all(tuple(e_state[k].shape) == tuple(t_state[k].shape) for k in t_state)
        assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
        for name in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters", "head_size"):
            assert getattr(em, name) == getattr(tm, name), name
        assert isinstance(em.tail, ember.nn.ModuleList) and isinstance(em.tail[0], ember.nn.Sequential)


def test_dtype_argument_reaches_every_linear():
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], dtype=ember.float64)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], dtype=torch.float64)
    assert [str(p.dtype) for p in em.parameters()] == [str(p.dtype) for p in tm.parameters()]
    assert all(p.dtype == ember.float64 for p in em.parameters())


def test_reset_parameters_and_training_step():
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])
    before = {k: v.clone() for k, v in em.state_dict().items()}
    em.reset_parameters()
    assert all(not bool((em.state_dict()[k] == v).all()) for k, v in before.items())
    opt = ember.optim.SGD(em.parameters(), lr=0.5)
    x, target = ember.tensor(features(20, 16)), ember.tensor(RNG.integers(0, 10, size=20).astype(np.int64))
    first = float(em(x, target).loss)
    for _ in range(30):
        opt.zero_grad()
        em(x, target).loss.backward()
        opt.step()
    assert float(em(x, target).loss) < first * 0.8


@pytest.mark.parametrize("cutoffs", [[3, 6, 6], [6, 3], [0, 3], [3, 10], [3.5, 6], [-1, 3], []])
def test_bad_cutoffs(cutoffs):
    check_error(lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs), [], ValueError, "cutoffs should be")


def test_cutoffs_accept_tuples_and_the_last_class():
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(16, 10, (3, 9))
    assert em.cutoffs == torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, (3, 9)).cutoffs == [3, 9, 10]


@pytest.mark.parametrize(
    "x,target,match",
    [
        (features(5, 16), classes(0, 4, 10, 2, 7), r"Target values should be in \[0, 9\], but values in range \[0, 10\]"),
        (features(5, 16), classes(0, 4, -1, 2, 7), r"in range \[-1, 7\]"),
        (features(5, 16), classes(0, 4, 2, 7), "same size in the batch dimension"),
        (features(16), classes(1), "same size in the batch dimension"),
        (features(5, 16), classes(0, 4, 2, 7, 1).reshape(1, 5), "multi-target not supported"),
        (features(5, 16), np.array(1, np.int64), "0D target tensor expects 1D input"),
        (features(2, 5, 16), classes(1, 2), "1D target tensor expects 2D input"),
        (features(5, 16), np.array([0, 4, 2, 7, 1], np.float32), "Expected dtype int32/int64 for index"),
    ],
)
def test_forward_errors(x, target, match):
    def run(m, x, t):
        torch.manual_seed(0)
        return m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])(x, t)

    check_error(run, [x, target], RuntimeError, match)


def test_log_prob_of_unbatched_input_is_an_index_error_as_in_torch():
    check_error(lambda m, x: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6]).log_prob(x), [features(16)], IndexError)
