"""nn.MultiLabelMarginLoss and F.multilabel_margin_loss against torch."""

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error

RNG = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]


def scores(*shape, dtype=np.float32):
    return RNG.uniform(-1.5, 1.5, size=shape).astype(dtype)


def padded_targets(n, c):
    """Rows of labels padded with -1; after the first -1 come arbitrary valid values
    (which torch ignores), and some rows repeat a label (which counts twice)."""
    rows = []
    for i in range(n):
        k = int(RNG.integers(0, c + 1))
        labels = list(RNG.permutation(c)[:k])
        if i % 3 == 1 and k >= 2:
            labels[1] = labels[0]
        tail = list(RNG.integers(-1, c, size=c - k))
        if tail:
            tail[0] = -1
        rows.append(labels + tail)
    return np.array(rows, dtype=np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (1, 4), (5,), (8, 40)])
def test_multilabel_margin_matches_torch(shape, reduction):
    x = scores(*shape)
    t = padded_targets(1, shape[0])[0] if len(shape) == 1 else padded_targets(*shape)
    check(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), inputs=[x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_float64_and_duplicates(reduction):
    x = scores(4, 6, dtype=np.float64)
    t = np.array([[3, 3, -1, 1, 0, 2], [0, 1, 2, 3, 4, 5], [-1, 2, 2, 2, 2, 2], [5, 5, 5, 5, 5, 5]], np.int64)
    check(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), inputs=[x, t])


def test_multilabel_margin_known_values():
    f = ember.nn.functional.multilabel_margin_loss
    x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
    # Targets {3, 0}: (0.4 + 0.6 + 1.1 + 1.3) / 4; a repeated 3 counts twice; after -1 nothing counts.
    assert abs(float(f(x, ember.tensor([[3, 0, -1, 1]]))) - 0.85) < 1e-6
    assert abs(float(f(x, ember.tensor([[3, 3, -1, 1]]))) - 0.65) < 1e-6
    assert abs(float(f(x, ember.tensor([[3, -1, 0, 1]]))) - 0.325) < 1e-6
    assert float(f(x, ember.tensor([[-1, 3, 0, 1]]))) == 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "x,t",
    [
        (np.array(0.7, np.float32), np.array(0, np.int64)),
        (np.array(0.7, np.float32), np.array([-1], np.int64)),
        (np.array([0.3], np.float32), np.array(0, np.int64)),
        (np.zeros((0, 4), np.float32), np.zeros((0, 4), np.int64)),
    ],
    ids=["0d", "0d_target_1d", "1_class", "empty_batch"],
)
def test_multilabel_margin_degenerate_shapes(x, t, reduction):
    if reduction != "none" and x.size == 0:
        # torch reduces an empty batch to uninitialized memory; ember gives 0.
        out = ember.nn.functional.multilabel_margin_loss(ember.tensor(x), ember.tensor(t), reduction=reduction)
        assert out.shape == () and float(out) == 0.0
        return
    check(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), inputs=[x, t])


def test_multilabel_margin_grad_fn_and_higher_order_gradients():
    x = ember.tensor(scores(3, 5).astype(np.float64), requires_grad=True)
    t = ember.tensor(padded_targets(3, 5))
    loss = ember.nn.functional.multilabel_margin_loss(x, t)
    assert type(loss.grad_fn).__name__ == "MultilabelMarginLossBackward0"
    for reduction in REDUCTIONS:

        def fn(x, reduction=reduction):
            return ember.nn.functional.multilabel_margin_loss(x, t, reduction=reduction)

        assert ember.autograd.gradcheck(fn, [x])
        # torch has no double backward here; ember's is exact (the loss is piecewise linear).
        assert ember.autograd.gradgradcheck(fn, [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_module_matches_torch(reduction):
    t = padded_targets(5, 4)
    em, tm = check_module(
        lambda m: m.nn.MultiLabelMarginLoss(reduction=reduction), inputs=[scores(5, 4), t]
    )
    assert repr(em) == repr(tm) == "MultiLabelMarginLoss()"
    assert em.reduction == reduction


@pytest.mark.filterwarnings("ignore:size_average and reduce")
@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_multilabel_margin_legacy_flags(size_average, reduce):
    inputs = [scores(4, 3), padded_targets(4, 3)]
    check(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, size_average=size_average, reduce=reduce),
        inputs=inputs,
    )
    check_module(lambda m: m.nn.MultiLabelMarginLoss(size_average, reduce), inputs=inputs)


@pytest.mark.parametrize(
    "x,t,match",
    [
        (scores(1, 4), np.array([[3, 0, 1]]), "inconsistent target size"),
        (scores(1, 4), np.array([3, 0, 1, 2]), r"inconsistent target size: \[4\] for input of size: \[1, 4\]"),
        (scores(4), np.array([[3, 0, -1, 1]]), "inconsistent target size"),
        (scores(2), np.array([[0, 1]]), "inconsistent target size"),
        (scores(2, 3, 4), np.zeros((2, 3, 4), np.int64), "non-empty vector or matrix"),
        (scores(3, 0), np.zeros((3, 0), np.int64), "non-empty vector or matrix"),
        (scores(1, 4), np.array([[4, 0, -1, 1]]), "out of range"),
        (scores(1, 4), np.array([[-2, 0, -1, 1]]), "out of range"),
        (scores(1, 4), np.array([[3, -1, 7, 1]]), "out of range"),
        (scores(1, 4), np.array([[3, 0, -1, 1]], np.int32), "expected scalar type Long but found Int"),
        (scores(1, 4), np.array([[3.0, 0, -1, 1]], np.float32), "expected scalar type Long but found Float"),
    ],
)
def test_multilabel_margin_errors(x, t, match):
    check_error(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t), [x, t], RuntimeError, match)


def test_multilabel_margin_unsupported_dtypes_and_reduction():
    t = np.zeros((2, 4), np.int64)
    check_error(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x.half(), t), [scores(2, 4), t], NotImplementedError, "Half")
    check_error(lambda m, x, t: m.nn.functional.multilabel_margin_loss(x.int(), t), [scores(2, 4), t], NotImplementedError, "Int")
    check_error(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction="bad"), [scores(2, 4), t], ValueError, "bad"
    )
