"""Embedding, EmbeddingBag, one_hot, Flatten/Unflatten, distances and dropout against torch."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck

RNG = np.random.default_rng(1)


def idx(*shape, high=10):
    return RNG.integers(0, high, size=shape).astype(np.int64)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.Embedding(10, 4),
        lambda m: m.nn.Embedding(10, 4, padding_idx=2),
        lambda m: m.nn.Embedding(10, 4, padding_idx=-1),
        lambda m: m.nn.Embedding(10, 4, scale_grad_by_freq=True),
        lambda m: m.nn.Embedding(10, 4, max_norm=1.0),
        lambda m: m.nn.Embedding(10, 4, max_norm=0.5, norm_type=1.0),
    ],
)
def test_embedding_matches_torch(make):
    indices = np.array([[2, 3, 2, 9], [0, 2, 9, 5]], np.int64)
    em, tm = check_module(make, inputs=[indices])
    assert repr(em) == repr(tm)
    # max_norm renormalizes the looked-up rows in place, as torch does
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_padding_row_init_and_grad():
    e = ember.nn.Embedding(5, 3, padding_idx=1)
    assert e.weight[1].tolist() == [0.0, 0.0, 0.0]
    e(ember.tensor([1, 1, 3])).sum().backward()
    assert e.weight.grad[1].tolist() == [0.0, 0.0, 0.0]
    assert e.weight.grad[3].tolist() == [1.0, 1.0, 1.0]


def test_embedding_functional_double_backward_and_gradcheck():
    ind = ember.tensor([[0, 2], [2, 1]])
    gradcheck(lambda m, w: m.nn.functional.embedding(ind, w) ** 2, [(3, 2)])
    check(lambda m, i, w: m.nn.functional.embedding(i, w), inputs=[idx(3, 2, high=4), RNG.standard_normal((4, 3)).astype(np.float32)])


def test_embedding_from_pretrained():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    for freeze in (True, False):
        e = ember.nn.Embedding.from_pretrained(ember.tensor(w), freeze=freeze, padding_idx=0)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=0)
        assert e.weight.requires_grad == t.weight.requires_grad
        assert repr(e) == repr(t)
        assert e(ember.tensor([2, 0])).tolist() == t(torch.tensor([2, 0])).tolist()


def test_embedding_errors():
    check_error(lambda m, i, w: m.nn.functional.embedding(i, w), [np.array([0, 5]), np.zeros((5, 2), np.float32)], IndexError)
    check_error(lambda m, i, w: m.nn.functional.embedding(i, w), [np.array([0.0, 1.0], np.float32), np.zeros((5, 2), np.float32)], RuntimeError)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        ember.nn.Embedding(3, 2, padding_idx=3)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("layout", ["offsets", "2d", "last_offset", "padding"])
def test_embedding_bag_matches_torch(mode, layout):
    flat = np.array([1, 2, 4, 5, 4, 3, 2, 9, 2, 2], np.int64)
    offsets = np.array([0, 2, 2, 5], np.int64)  # bag 1 is empty

    def make(m):
        return m.nn.EmbeddingBag(10, 3, mode=mode, include_last_offset=layout == "last_offset",
                                 padding_idx=2 if layout == "padding" else None)

    if layout == "2d":
        check_module(make, inputs=[flat.reshape(2, 5)])
    elif layout == "last_offset":
        check_module(make, inputs=[flat, np.array([0, 2, 2, 5, 10], np.int64)])
    else:
        check_module(make, inputs=[flat, offsets])
    assert repr(make(ember)) == repr(make(torch))


def test_embedding_bag_per_sample_weights():
    flat = np.array([1, 2, 4, 5, 4, 3], np.int64)
    offsets = np.array([0, 2, 4], np.int64)
    psw = RNG.uniform(0.5, 1.5, 6).astype(np.float32)
    check(
        lambda m, w, i, o, p: m.nn.functional.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
        inputs=[RNG.standard_normal((10, 3)).astype(np.float32), flat, offsets, psw],
    )
    with pytest.raises(NotImplementedError):
        ember.nn.functional.embedding_bag(ember.tensor(flat), ember.ones(10, 3), ember.tensor(offsets),
                                          mode="mean", per_sample_weights=ember.tensor(psw))


def test_one_hot_matches_torch():
    check(lambda m, t: m.nn.functional.one_hot(t), inputs=[np.array([[0, 3], [1, 1]])])
    check(lambda m, t: m.nn.functional.one_hot(t, num_classes=6), inputs=[np.array([0, 3, 5])])
    check_error(lambda m, t: m.nn.functional.one_hot(t, 3), [np.array([0, 3])], RuntimeError, "Class values must be smaller than num_classes")
    check_error(lambda m, t: m.nn.functional.one_hot(t), [np.array([0, -1])], RuntimeError, "non-negative")
    check_error(lambda m, t: m.nn.functional.one_hot(t), [np.array([0, 1], np.int32)], RuntimeError, "LongTensor")


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda m: m.nn.Flatten(), (2, 3, 4)),
        (lambda m: m.nn.Flatten(0, -2), (2, 3, 4)),
        (lambda m: m.nn.Flatten(0), (2, 3, 4)),
        (lambda m: m.nn.Unflatten(1, (3, 4)), (2, 12)),
        (lambda m: m.nn.Unflatten(-1, (2, -1)), (2, 3, 4)),
    ],
)
def test_flatten_unflatten_match_torch(make, shape):
    check_module(make, [shape])
    assert repr(make(ember)) == repr(make(torch))


def test_unflatten_errors():
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        ember.nn.Unflatten(1, (2, 2.0))
    with pytest.raises(RuntimeError, match="don't multiply up"):
        ember.nn.Unflatten(1, (5, 2))(ember.zeros(2, 12))


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: m.nn.functional.normalize(x), [(3, 4)]),
        (lambda m, x: m.nn.functional.normalize(x, p=1, dim=0), [(3, 4)]),
        (lambda m, x: m.nn.functional.normalize(x, p=float("inf"), dim=-1), [(3, 4)]),
        (lambda m, a, b: m.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.nn.functional.cosine_similarity(a, b, dim=-1), [(2, 3, 4), (3, 4)]),
        (lambda m, a, b: m.nn.functional.pairwise_distance(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=1, keepdim=True), [(3, 4), (4,)]),
        (lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=3.0), [(3, 4), (3, 4)]),
        (lambda m, a: m.nn.functional.pdist(a), [(4, 3)]),
        (lambda m, a, b: m.nn.CosineSimilarity(dim=0)(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.nn.PairwiseDistance(p=1.5)(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ],
)
def test_distances_match_torch(fn, shapes):
    check(fn, shapes)


def test_distances_gradcheck_and_zero_vectors():
    gradcheck(lambda m, x: m.nn.functional.normalize(x), [(2, 3)])
    gradcheck(lambda m, a, b: m.nn.functional.cosine_similarity(a, b), [(2, 3), (2, 3)])
    gradcheck(lambda m, a, b: m.nn.functional.pairwise_distance(a, b), [(2, 3), (2, 3)])
    zeros = np.zeros((2, 3), np.float32)
    check(lambda m, x: m.nn.functional.normalize(x), inputs=[zeros])
    check(lambda m, a, b: m.nn.functional.cosine_similarity(a, b), inputs=[zeros, np.ones((2, 3), np.float32)])


def test_dropout_train_and_eval():
    ember.manual_seed(0)
    x = ember.ones(20000, requires_grad=True)
    y = ember.nn.functional.dropout(x, 0.3)
    values = y.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-6)  # grad is the scaled mask
    x2 = ember.ones(3)
    assert ember.nn.functional.dropout(x2, 0.5, training=False) is x2
    assert ember.nn.functional.dropout(ember.ones(4), 1.0).tolist() == [0.0] * 4
    drop = ember.nn.Dropout(0.5)
    assert repr(drop) == repr(torch.nn.Dropout(0.5))
    drop.eval()
    assert drop(ember.ones(5)).tolist() == [1.0] * 5
    with pytest.raises(ValueError, match="between 0 and 1"):
        ember.nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        ember.nn.functional.dropout(ember.ones(2), -0.1)


def test_dropout_inplace_and_reproducible():
    x = ember.ones(100)
    ember.manual_seed(5)
    out = ember.nn.functional.dropout(x, 0.5, inplace=True)
    assert out is x and set(x.tolist()) <= {0.0, 2.0}
    ember.manual_seed(5)
    again = ember.nn.functional.dropout(ember.ones(100), 0.5)
    assert again.tolist() == x.tolist()


@pytest.mark.parametrize(
    "fn,shape,spatial",
    [
        (ember.nn.functional.dropout1d, (8, 50, 6), 1),
        (ember.nn.functional.dropout2d, (8, 50, 3, 4), 2),
        (ember.nn.functional.dropout3d, (4, 50, 2, 3, 2), 3),
    ],
)
def test_channel_dropout_zeroes_whole_channels(fn, shape, spatial):
    ember.manual_seed(1)
    y = fn(ember.ones(*shape), 0.4).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 1 / 0.6).all(-1)).all()
    assert 0.25 < (per_channel[..., 0] == 0).mean() < 0.55
    for module in (ember.nn.Dropout1d, ember.nn.Dropout2d, ember.nn.Dropout3d):
        assert repr(module(0.2)) == repr(getattr(torch.nn, module.__name__)(0.2))


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(2)
    x = ember.randn(200000)
    y = ember.nn.functional.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    assert ember.nn.AlphaDropout(0.2).eval()(x) is x
    z = ember.nn.functional.feature_alpha_dropout(ember.randn(100, 300, 4), 0.5, training=True).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05


@pytest.mark.parametrize("vocab", [65, 300])  # summed by a one-hot product, and by a scatter
def test_embedding_gradient_of_many_repeated_indices_matches_torch(vocab):
    rng = np.random.default_rng(3)
    idx = rng.integers(0, vocab, (16, 64))
    check(lambda m, w: m.nn.functional.embedding(m.tensor(idx), w), [(vocab, 8)])


def test_embedding_nan_gradient_stays_in_its_row_like_torch():
    grad = np.ones((4, 3), np.float32)
    grad[0, 0] = np.nan
    grads = []
    for m in (ember, torch):
        w = m.ones(10, 3, requires_grad=True)
        m.nn.functional.embedding(m.tensor([1, 2, 2, 5]), w).backward(m.tensor(grad))
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
