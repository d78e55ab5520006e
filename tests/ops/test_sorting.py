"""Sorting and order statistics against torch: sort, argsort, topk, kthvalue, median, mode, unique."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

NAN = float("nan")


def distinct(shape, seed=0, dtype=np.float32):
    """Values without ties (so every index torch returns is the only right one)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape).astype(dtype) / 7 - 1


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sort(),
        lambda m, x: x.sort(dim=0, descending=True),
        lambda m, x: m.sort(x, dim=-1, descending=True, stable=True),
        lambda m, x: x.argsort(dim=1),
        lambda m, x: m.argsort(x, dim=0, descending=True),
        lambda m, x: m.msort(x),
        lambda m, x: x.topk(3),
        lambda m, x: x.topk(2, dim=0, largest=False),
        lambda m, x: m.topk(x, 1, 1),
        lambda m, x: x.kthvalue(2),
        lambda m, x: x.kthvalue(3, dim=0, keepdim=True),
        lambda m, x: x.median(),
        lambda m, x: x.median(dim=1),
        lambda m, x: x.median(0, keepdim=True),
        lambda m, x: x.nanmedian(dim=-1),
        lambda m, x: x.sort(dim=-1).values.sum(),
    ],
)
def test_matches_torch(fn):
    check(fn, inputs=[distinct((4, 5))])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_inputs(dtype):
    x = distinct((4, 5), dtype=np.float64)
    x = ((x + 1) * 7).astype(dtype)
    for fn in [
        lambda m, t: t.sort(dim=0),
        lambda m, t: t.argsort(descending=True),
        lambda m, t: t.topk(2),
        lambda m, t: t.kthvalue(1),
        lambda m, t: t.median(),
        lambda m, t: t.median(1),
        lambda m, t: t.mode(1),
        lambda m, t: m.unique(t),
    ]:
        check(fn, inputs=[x], grad=False)


def test_ties_are_stable_in_both_directions():
    x = np.array([[3, 1, 3, 2, 3, 1]], np.int64)
    check(lambda m, t: t.sort(stable=True), inputs=[x])
    check(lambda m, t: t.sort(descending=True, stable=True), inputs=[x])
    check(lambda m, t: t.argsort(descending=True, stable=True), inputs=[x])


def test_nan_sorts_as_largest():
    x = np.array([[3.0, NAN, 1.0, 3.5], [NAN, 2.0, NAN, -1.0]], np.float32)
    check(lambda m, t: t.sort(), inputs=[x])
    check(lambda m, t: t.sort(descending=True), inputs=[x])
    check(lambda m, t: t.topk(2), inputs=[x])


def test_median_nan_rules():
    x = np.array([[3.0, NAN, 2.0, 4.0], [1.0, 5.0, 2.0, 6.0], [NAN, NAN, NAN, NAN]], np.float32)
    check(lambda m, t: t.median(1), inputs=[x], grad=False)
    check(lambda m, t: t.nanmedian(1).values, inputs=[x], grad=False)
    check(lambda m, t: t.nanmedian(1), inputs=[x[:2]], grad=False)  # all-NaN rows: index unspecified
    check(lambda m, t: t.median(), inputs=[x], grad=False)
    check(lambda m, t: t.nanmedian(), inputs=[x[:2]])


def test_median_ties_in_middle():
    x = np.array([[2.0, 2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 2.0, 2.0, 3.0]], np.float32)
    check(lambda m, t: t.median(1), inputs=[x])


def test_mode_picks_smallest_most_frequent_and_its_last_index():
    x = np.array([[1.0, 2.0, 2.0, 3.0, 3.0, 1.0, 0.0], [5.0, 5.0, 4.0, 4.0, 4.0, 5.0, 1.0]], np.float32)
    check(lambda m, t: t.mode(1), inputs=[x])
    check(lambda m, t: t.mode(0), inputs=[x])
    check(lambda m, t: m.mode(t, 1, keepdim=True), inputs=[x])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"return_inverse": True}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}],
)
def test_unique(kwargs):
    x = np.array([[3, 1, 2], [1, 3, 3]], np.int64)
    check(lambda m, t: m.unique(t, **kwargs), inputs=[x], grad=False)
    check(lambda m, t: t.unique(sorted=True, dim=1, **kwargs), inputs=[np.array([[1, 2, 1], [0, 5, 0]])], grad=False)
    check(lambda m, t: m.unique_consecutive(t.reshape(-1), **kwargs), inputs=[x], grad=False)


@pytest.mark.parametrize(
    "fn,message",
    [
        (lambda m, x: m.unique(x), "the derivative for '_unique2' is not implemented"),
        (lambda m, x: m.unique(x, dim=0), "the derivative for 'unique_dim' is not implemented"),
        (lambda m, x: m.unique_consecutive(x), "the derivative for 'unique_consecutive' is not implemented"),
        (lambda m, x: m.bincount(m.tensor([0, 1, 1]), weights=x), "derivative for aten::bincount is not implemented"),
    ],
)
def test_ops_without_derivative_raise_in_backward_like_torch(fn, message):
    for m in (ember, torch):
        x = m.tensor([2.0, 1.0, 2.0], requires_grad=True)
        out = fn(m, x)
        torch_name = fn(torch, torch.tensor([2.0, 1.0, 2.0], requires_grad=True)).grad_fn.name()
        assert out.requires_grad
        assert out.grad_fn.name().replace("torch::autograd::", "") == torch_name.replace("torch::autograd::", "")
        with pytest.raises((NotImplementedError, RuntimeError), match=message):
            out.sum().backward()


def test_zero_dim_inputs():
    x = np.array(2.5, np.float32)
    for fn in [
        lambda m, t: t.sort(),
        lambda m, t: t.topk(1),
        lambda m, t: t.kthvalue(1),
        lambda m, t: t.median(0),
        lambda m, t: t.argsort(),
    ]:
        check(fn, inputs=[x])


def test_grad_fn_names():
    x = ember.tensor(distinct((3, 4)), requires_grad=True)
    t = torch.tensor(distinct((3, 4)), requires_grad=True)
    for fn in [
        lambda m, v: v.sort()[0],
        lambda m, v: v.topk(2)[0],
        lambda m, v: v.kthvalue(2)[0],
        lambda m, v: v.median(),
        lambda m, v: v.median(1)[0],
        lambda m, v: v.nanmedian(),
        lambda m, v: v.nanmedian(0)[0],
        lambda m, v: v.mode(1)[0],
        lambda m, v: m.msort(v),
    ]:
        assert fn(ember, x).grad_fn.name() == fn(torch, t).grad_fn.name()


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sort(dim=1).values,
        lambda m, x: x.sort(dim=0, descending=True).values,
        lambda m, x: x.topk(2).values,
        lambda m, x: x.kthvalue(2, dim=0).values,
        lambda m, x: x.median(dim=1).values,
        lambda m, x: x.median(),
        lambda m, x: x.mode(1).values,
    ],
)
def test_gradcheck(fn):
    gradcheck(fn, [(3, 4)])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.topk(7), RuntimeError, "selected index k out of range"),
        (lambda m, x: x.topk(-1), RuntimeError, "selected index k out of range"),
        (lambda m, x: x.kthvalue(0), RuntimeError, r"kthvalue\(\): selected number k out of range for dimension 1"),
        (lambda m, x: x.kthvalue(6, dim=1), RuntimeError, "selected number k out of range"),
        (lambda m, x: x.sort(dim=2), IndexError, "Dimension out of range"),
        (lambda m, x: x.median(dim=3), IndexError, "Dimension out of range"),
        (lambda m, x: (x > 0).topk(1), RuntimeError, "topk does not support bool"),
        (lambda m, x: (x > 0).median(), NotImplementedError, "Bool"),
    ],
)
def test_errors(fn, exc, match):
    check_error(fn, [distinct((4, 5))], exc, match)


@pytest.mark.parametrize("op", [lambda t: t.max(1), lambda t: t.sort(1), lambda t: t.topk(1, dim=1), lambda t: t.median(1)])
def test_changing_returned_indices_in_place_is_caught_at_backward(op):
    for m in (ember, torch):
        x = m.tensor(distinct((2, 3)), requires_grad=True)
        values, indices = op(x)
        indices.add_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            values.sum().backward()


SORTED = np.array([1.0, 3.0, 5.0, 7.0], np.float32)


@pytest.mark.parametrize(
    "fn,inputs",
    [
        (lambda m, s, v: m.searchsorted(s, v), [SORTED, np.array([[3.0, 6.0], [9.0, 0.0]], np.float32)]),
        (lambda m, s, v: m.searchsorted(s, v, right=True, out_int32=True), [SORTED, np.array([3.0, 6.0, 7.0], np.float32)]),
        (lambda m, s, v: m.searchsorted(s, v, side="right"), [np.array([[1.0, 3, 5], [2, 4, 6]], np.float32), np.array([[3.0, 6], [1, 4]], np.float32)]),
        (lambda m, s, v: m.searchsorted(s, v, sorter=m.tensor([1, 2, 0])), [np.array([5.0, 1.0, 3.0], np.float32), np.array([2.0, 4.0], np.float32)]),
        (lambda m, s, v: m.bucketize(v, s), [SORTED, np.array([[1.0, 4], [6, 9]], np.float32)]),
        (lambda m, s, v: m.bucketize(v, s, right=True), [SORTED, np.array([[1.0, 4], [7, 9]], np.float32)]),
    ],
)
def test_searchsorted_and_bucketize(fn, inputs):
    check(fn, inputs=inputs, grad=False)


def test_searchsorted_errors():
    check_error(lambda m, s, v: m.searchsorted(s, v, right=True, side="left"), [SORTED, SORTED], RuntimeError, "side and right can't be set to opposites")
    check_error(lambda m, s, v: m.searchsorted(s, v), [np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)], RuntimeError, "boundaries tensor should be 1 dimension")


def test_partition_paths_on_long_rows():
    """topk with k far below n and kthvalue/median go through a partition, not a full sort."""
    x = distinct((3, 40), seed=3)
    for fn in [
        lambda m, t: t.topk(3),
        lambda m, t: t.topk(4, largest=False),
        lambda m, t: t.topk(2, dim=0),
        lambda m, t: t[0].kthvalue(17),
        lambda m, t: t[2].median(0),
    ]:
        check(fn, inputs=[x])
    x[1, ::7] = NAN  # NaN ties make torch's choice among NaN indices arbitrary, except for median
    check(lambda m, t: t.median(1), inputs=[x])
    check(lambda m, t: t.topk(3).values, inputs=[x], grad=False)
