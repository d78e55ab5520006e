"""Losses against torch: values and gradients at every reduction, modules, errors."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

RNG = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]


def floats(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype(np.float32)


def ints(*shape, high=5):
    return RNG.integers(0, high, size=shape).astype(np.int64)


def signs(*shape):
    return np.where(RNG.random(shape) > 0.5, 1.0, -1.0).astype(np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,fn,inputs",
    [
        ("mse", lambda m, x, y, r: m.nn.functional.mse_loss(x, y, reduction=r), [floats(3, 4), floats(3, 4)]),
        ("l1", lambda m, x, y, r: m.nn.functional.l1_loss(x, y, reduction=r), [floats(3, 4), floats(3, 4)]),
        ("smooth_l1", lambda m, x, y, r: m.nn.functional.smooth_l1_loss(x, y, reduction=r, beta=0.7), [floats(3, 4), floats(3, 4)]),
        ("smooth_l1_b0", lambda m, x, y, r: m.nn.functional.smooth_l1_loss(x, y, reduction=r, beta=0.0), [floats(5), floats(5)]),
        ("huber", lambda m, x, y, r: m.nn.functional.huber_loss(x, y, reduction=r, delta=0.5), [floats(3, 4), floats(3, 4)]),
        ("bce", lambda m, x, y, r: m.nn.functional.binary_cross_entropy(x, y, reduction=r), [floats(3, 4, low=0.05, high=0.95), floats(3, 4, low=0, high=1)]),
        ("bce_w", lambda m, x, y, w, r: m.nn.functional.binary_cross_entropy(x, y, weight=w.detach(), reduction=r), [floats(3, 4, low=0.05, high=0.95), floats(3, 4, low=0, high=1), floats(4, low=0, high=2)]),
        ("bce_logits", lambda m, x, y, r: m.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=r), [floats(3, 4, low=-30, high=30), floats(3, 4, low=0, high=1)]),
        ("bce_logits_pw", lambda m, x, y, w, pw, r: m.nn.functional.binary_cross_entropy_with_logits(x, y, weight=w.detach(), pos_weight=pw.detach(), reduction=r), [floats(3, 4), floats(3, 4, low=0, high=1), floats(3, 1, low=0, high=2), floats(4, low=0.5, high=3)]),
        ("kl", lambda m, x, y, r: m.nn.functional.kl_div(x, y.detach(), reduction=r), [floats(3, 4), np.concatenate([floats(3, 3, low=0, high=1), np.zeros((3, 1), np.float32)], 1)]),
        ("kl_log", lambda m, x, y, r: m.nn.functional.kl_div(x, y, reduction=r, log_target=True), [floats(3, 4), floats(3, 4)]),
        ("cos_emb", lambda m, a, b, t, r: m.nn.functional.cosine_embedding_loss(a, b, t, margin=0.2, reduction=r), [floats(4, 5), floats(4, 5), signs(4)]),
        ("margin_rank", lambda m, a, b, t, r: m.nn.functional.margin_ranking_loss(a, b, t, margin=0.3, reduction=r), [floats(6), floats(6), signs(6)]),
        ("hinge", lambda m, x, t, r: m.nn.functional.hinge_embedding_loss(x, t, margin=1.5, reduction=r), [floats(3, 4), signs(3, 4)]),
        ("triplet", lambda m, a, p, n, r: m.nn.functional.triplet_margin_loss(a, p, n, reduction=r), [floats(4, 5), floats(4, 5), floats(4, 5)]),
        ("triplet_swap_p1", lambda m, a, p, n, r: m.nn.functional.triplet_margin_loss(a, p, n, p=1, swap=True, margin=2.0, reduction=r), [floats(4, 5), floats(4, 5), floats(4, 5)]),
        ("soft_margin", lambda m, x, t, r: m.nn.functional.soft_margin_loss(x, t.detach(), reduction=r), [floats(3, 4), signs(3, 4)]),
        ("multilabel_soft", lambda m, x, t, w, r: m.nn.functional.multilabel_soft_margin_loss(x, t, weight=w.detach(), reduction=r), [floats(3, 4), floats(3, 4, low=0, high=1).round(), floats(4, low=0, high=2)]),
        ("multi_margin", lambda m, x, t, r: m.nn.functional.multi_margin_loss(x, t, reduction=r), [floats(4, 5), ints(4)]),
        ("multi_margin_p2", lambda m, x, t, w, r: m.nn.functional.multi_margin_loss(x, t, p=2, margin=0.5, weight=w.detach(), reduction=r), [floats(4, 5), ints(4), floats(5, low=0, high=2)]),
        ("poisson", lambda m, x, t, r: m.nn.functional.poisson_nll_loss(x, t, reduction=r), [floats(3, 4), floats(3, 4, low=0, high=4)]),
        ("poisson_full", lambda m, x, t, r: m.nn.functional.poisson_nll_loss(x, t, log_input=False, full=True, reduction=r), [floats(3, 4, low=0.1, high=3), floats(3, 4, low=0, high=4)]),
        ("gaussian", lambda m, x, t, v, r: m.nn.functional.gaussian_nll_loss(x, t, v, reduction=r), [floats(3, 4), floats(3, 4), floats(3, 4, low=0.1, high=2)]),
        ("gaussian_full_1", lambda m, x, t, v, r: m.nn.functional.gaussian_nll_loss(x, t, v, full=True, reduction=r), [floats(3, 4), floats(3, 4), floats(3, 1, low=0.1, high=2)]),
        ("gaussian_small_var", lambda m, x, t, v, r: m.nn.functional.gaussian_nll_loss(x, t, v, eps=0.5, reduction=r), [floats(3, 4), floats(3, 4), floats(3, low=0.1, high=2)]),
    ],
)
def test_losses_match_torch(name, fn, inputs, reduction):
    check(lambda m, *xs: fn(m, *xs, reduction), inputs=inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"ignore_index": 1},
        {"weight": True},
        {"weight": True, "ignore_index": 2},
        {"label_smoothing": 0.2},
        {"label_smoothing": 0.1, "weight": True, "ignore_index": 0},
    ],
    ids=["plain", "ignore", "weight", "weight_ignore", "smooth", "smooth_weight_ignore"],
)
@pytest.mark.parametrize("layout", ["2d", "kd", "unbatched"])
def test_cross_entropy_and_nll_with_class_indices(kwargs, reduction, layout):
    x_shape, t_shape = {"2d": ((6, 5), (6,)), "kd": ((3, 5, 2, 3), (3, 2, 3)), "unbatched": ((5,), ())}[layout]
    x = floats(*x_shape, low=-3, high=3)
    t = ints(*t_shape)
    if layout == "unbatched" and kwargs.get("ignore_index") == int(t):
        return  # torch's unbatched mean over one ignored target is nan / nan
    w = floats(5, low=0.2, high=2.0)

    def ce(m, x_, t_, w_):
        kw = dict(kwargs, weight=w_.detach() if kwargs.get("weight") else None)
        return m.nn.functional.cross_entropy(x_, t_, reduction=reduction, **kw)

    check(ce, inputs=[x, t, w])
    if "label_smoothing" not in kwargs:
        def nll(m, x_, t_, w_):
            kw = dict(kwargs, weight=w_.detach() if kwargs.get("weight") else None)
            return m.nn.functional.nll_loss(m.nn.functional.log_softmax(x_, 0 if x_.dim() == 1 else 1), t_, reduction=reduction, **kw)

        check(nll, inputs=[x, t, w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_with_probability_targets(reduction, smoothing):
    probs = floats(4, 5, low=0, high=1)
    probs /= probs.sum(1, keepdims=True)
    check(
        lambda m, x, p, w: m.nn.functional.cross_entropy(x, p, weight=w.detach(), reduction=reduction, label_smoothing=smoothing),
        inputs=[floats(4, 5), probs, floats(5, low=0.5, high=1.5)],
    )
    check(lambda m, x, p: m.nn.functional.cross_entropy(x, p, reduction=reduction), inputs=[floats(2, 3, 4), floats(2, 3, 4, low=0, high=1)])


def test_cross_entropy_all_ignored_is_nan_like_torch():
    check(lambda m, x, t: m.nn.functional.cross_entropy(x, t, ignore_index=2), inputs=[floats(3, 4), np.full(3, 2)], grad=False)


def test_ctc_loss_matches_torch():
    T, N, C, S = 12, 3, 5, 4
    logits = floats(T, N, C)
    targets = RNG.integers(1, C, size=(N, S)).astype(np.int64)
    targets[1, 2] = targets[1, 1]  # a repeated label needs a blank between
    in_len = np.array([12, 10, 7], np.int64)
    tg_len = np.array([4, 3, 2], np.int64)
    for reduction in REDUCTIONS:
        check(
            lambda m, x, t, il, tl: m.nn.functional.ctc_loss(x.log_softmax(2), t, il, tl, reduction=reduction),
            inputs=[logits, targets, in_len, tg_len],
        )
    # raw log-probs as the leaf: torch's gradient convention is reproduced too
    check(lambda m, lp, t, il, tl: m.nn.functional.ctc_loss(lp, t, il, tl, reduction="sum"),
          inputs=[np.log(np.full((T, N, C), 1 / C, np.float32)), targets, in_len, tg_len])
    # concatenated 1-D targets, tuple lengths, a nonzero blank
    flat = np.concatenate([targets[i, : tg_len[i]] for i in range(N)]) - 1
    check(
        lambda m, x, t: m.nn.functional.ctc_loss(x.log_softmax(2), t, (12, 10, 7), (4, 3, 2), blank=C - 1),
        inputs=[logits, flat],
    )


def test_ctc_loss_impossible_alignment_and_zero_infinity():
    logits = floats(3, 1, 4)
    targets = np.array([[1, 1, 2]], np.int64)  # needs 4 frames, only 3 given
    for zero_inf in (False, True):
        check(
            lambda m, x, t: m.nn.functional.ctc_loss(x.log_softmax(2), t, [3], [3], reduction="sum", zero_infinity=zero_inf),
            inputs=[logits, targets],
        )


def test_ctc_gradcheck():
    t = ember.tensor([[1, 2]])
    gradcheck(
        lambda m, x: m.nn.functional.ctc_loss(x.log_softmax(2), t, [4], [2], reduction="sum"),
        [(4, 1, 3)],
        second_order=False,
    )


@pytest.mark.parametrize(
    "fn,shapes,kw",
    [
        (lambda m, x, y: m.nn.functional.mse_loss(x, y), [(2, 3), (2, 3)], {}),
        (lambda m, x, y: m.nn.functional.smooth_l1_loss(x, y, beta=0.5), [(2, 3), (2, 3)], {}),
        (lambda m, x, y: m.nn.functional.huber_loss(x, y, delta=0.5), [(2, 3), (2, 3)], {}),
        (lambda m, x, y: m.nn.functional.binary_cross_entropy_with_logits(x, y.sigmoid()), [(2, 3), (2, 3)], {}),
        (lambda m, x, y: m.nn.functional.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(2, 3), (2, 3)], {}),
        (lambda m, x, y: m.nn.functional.kl_div(x, y, reduction="batchmean", log_target=True), [(2, 3), (2, 3)], {}),
        (lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 2]), label_smoothing=0.1), [(2, 3)], {}),
        (lambda m, x: m.nn.functional.nll_loss(x, m.tensor([[0, 2]]), reduction="sum"), [(1, 3, 2)], {}),
        (lambda m, a, b: m.nn.functional.cosine_embedding_loss(a, b, m.tensor([1.0, -1.0])), [(2, 3), (2, 3)], {}),
        (lambda m, a, p, n: m.nn.functional.triplet_margin_loss(a, p, n, margin=3.0), [(2, 3), (2, 3), (2, 3)], {}),
        (lambda m, x, t, v: m.nn.functional.gaussian_nll_loss(x, t, v.exp()), [(2, 3), (2, 3), (2, 3)], {}),
        (lambda m, x, t: m.nn.functional.poisson_nll_loss(x, t.exp()), [(2, 3), (2, 3)], {}),
    ],
)
def test_loss_gradcheck(fn, shapes, kw):
    gradcheck(fn, shapes, **kw)


LOSS_MODULES = [
    (lambda m: m.nn.MSELoss(), 2),
    (lambda m: m.nn.L1Loss(reduction="sum"), 2),
    (lambda m: m.nn.SmoothL1Loss(beta=0.5), 2),
    (lambda m: m.nn.HuberLoss(delta=2.0), 2),
    (lambda m: m.nn.KLDivLoss(reduction="batchmean", log_target=True), 2),
    (lambda m: m.nn.SoftMarginLoss(), 2),
    (lambda m: m.nn.PoissonNLLLoss(), 2),
    (lambda m: m.nn.BCEWithLogitsLoss(pos_weight=m.ones(4) * 2), 2),
]


@pytest.mark.parametrize("make,arity", LOSS_MODULES)
def test_loss_modules_match_torch(make, arity):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [k for k in vars(e) if not k.startswith("_")] == [k for k in vars(t) if not k.startswith("_")]
    check(lambda m, x, y: make(m)(x, y.detach()), inputs=[floats(3, 4), floats(3, 4, low=0, high=1)])


def test_classification_loss_modules():
    for make in (
        lambda m: m.nn.CrossEntropyLoss(weight=m.tensor([1.0, 2.0, 0.5, 1.0, 1.0]), ignore_index=3, label_smoothing=0.1),
        lambda m: m.nn.NLLLoss(reduction="sum"),
        lambda m: m.nn.MultiMarginLoss(p=2),
    ):
        e, t = make(ember), make(torch)
        assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
        check(lambda m, x, y: make(m)(x, y), inputs=[floats(6, 5), ints(6)])
    for make in (lambda m: m.nn.BCELoss(weight=m.ones(4)), lambda m: m.nn.MultiLabelSoftMarginLoss()):
        check(lambda m, x, y: make(m)(x, y), inputs=[floats(3, 4, low=0.1, high=0.9), floats(3, 4, low=0, high=1)])
    check(lambda m, a, b, y: m.nn.CosineEmbeddingLoss(0.1)(a, b, y), inputs=[floats(3, 4), floats(3, 4), signs(3)])
    check(lambda m, a, b, y: m.nn.MarginRankingLoss(0.1)(a, b, y), inputs=[floats(3), floats(3), signs(3)])
    check(lambda m, a, y: m.nn.HingeEmbeddingLoss()(a, y), inputs=[floats(3), signs(3)])
    check(lambda m, a, p, n: m.nn.TripletMarginLoss(p=3)(a, p, n), inputs=[floats(3, 4), floats(3, 4), floats(3, 4)])
    check(lambda m, a, p, n: m.nn.TripletMarginWithDistanceLoss(swap=True)(a, p, n), inputs=[floats(3, 4), floats(3, 4), floats(3, 4)])
    check(lambda m, x, t, v: m.nn.GaussianNLLLoss(full=True)(x, t, v), inputs=[floats(3, 4), floats(3, 4), floats(3, 4, low=0.5, high=1)])
    check(
        lambda m, x, t: m.nn.CTCLoss(blank=0)(x.log_softmax(2), t, [5, 5], [2, 1]),
        inputs=[floats(5, 2, 4), np.array([[1, 2], [3, 0]], np.int64)],
    )
    assert repr(ember.nn.TripletMarginWithDistanceLoss()) == repr(torch.nn.TripletMarginWithDistanceLoss())
    assert repr(ember.nn.CTCLoss()) == repr(torch.nn.CTCLoss())


def test_legacy_size_average_and_reduce_flags():
    with pytest.warns(UserWarning):
        e = ember.nn.MSELoss(size_average=False)
    assert e.reduction == "sum"
    with pytest.warns(UserWarning):
        assert ember.nn.L1Loss(reduce=False).reduction == "none"


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        ember.nn.functional.kl_div(ember.zeros(2, 2), ember.ones(2, 2))


def test_cross_entropy_is_one_log_softmax_and_one_pick():
    x = ember.randn(8, 10, requires_grad=True)
    loss = ember.nn.functional.cross_entropy(x, ember.randint(0, 10, (8,)))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_class_index_errors():
    x = floats(3, 5)
    err = check_error(lambda m, a, t: m.nn.functional.cross_entropy(a, t), [x, np.array([1, 5, 2])], IndexError)
    assert "Target 5 is out of bounds" in str(err) and "5 classes" in str(err)
    err = check_error(lambda m, a, t: m.nn.functional.nll_loss(a, t), [x, np.array([1, -2, 2])], IndexError)
    assert "Target -2" in str(err)
    check_error(lambda m, a, t: m.nn.functional.cross_entropy(a, t), [x, np.array([1, 2])], ValueError, r"batch_size \(3\).*\(2\)")
    check_error(lambda m, a, t: m.nn.functional.cross_entropy(a, t), [x, np.array([1.0, 2.0, 3.0], np.float32)], RuntimeError)
    check_error(
        lambda m, a, t: m.nn.functional.nll_loss(a, t, weight=m.ones(4)),
        [x, np.array([1, 2, 3])],
        RuntimeError,
        "for all 5 classes",
    )
    check_error(lambda m, a, t: m.nn.functional.cross_entropy(a, t), [floats(3, 5, 4), ints(3, 5)], RuntimeError, r"Expected target size \[3, 4\], got \[3, 5\]")
    check_error(lambda m, a, t: m.nn.functional.mse_loss(a, t, reduction="bad"), [x, x], ValueError, "bad is not a valid value for reduction")


def test_shape_mismatch_errors_name_both_shapes():
    check_error(
        lambda m, a, t: m.nn.functional.binary_cross_entropy(a, t),
        [floats(3, low=0, high=1), floats(4, low=0, high=1)],
        ValueError,
        r"target size \(torch.Size\(\[4\]\)\).*input size \(torch.Size\(\[3\]\)\)",
    )
    check_error(
        lambda m, a, t: m.nn.functional.binary_cross_entropy_with_logits(a, t),
        [floats(3, 5), floats(3)],
        ValueError,
        r"Target size \(torch.Size\(\[3\]\)\) must be the same as input size \(torch.Size\(\[3, 5\]\)\)",
    )
    check_error(lambda m, a, t: m.nn.functional.binary_cross_entropy(a, t), [np.array([1.5], np.float32), np.ones(1, np.float32)], RuntimeError, "between 0 and 1")
    check_error(lambda m, a, t, v: m.nn.functional.gaussian_nll_loss(a, t, v), [floats(3, 4), floats(3, 4), floats(2, low=0.1)], ValueError, "var is of incorrect size")
    with pytest.warns(UserWarning, match="different to the input size"):
        ember.nn.functional.mse_loss(ember.zeros(3, 1), ember.zeros(3))
