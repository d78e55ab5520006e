"""Reductions against torch: sums, means, products, max/min, statistics, norms, scans."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck, make_array

NAN = float("nan")


def grad_fn_names_match(fn, shapes, dtype="float32"):
    """The grad_fn of every float output has torch's name."""
    arrays = [make_array(s, dtype) for s in shapes]
    e_out = fn(ember, *[ember.tensor(a, requires_grad=True) for a in arrays])
    t_out = fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    e_outs = e_out if isinstance(e_out, tuple) else (e_out,)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    for e, t in zip(e_outs, t_outs):
        if t.grad_fn is not None:
            assert e.grad_fn is not None, f"ember output has no grad_fn, torch's is {t.grad_fn.name()}"
            assert e.grad_fn.name() == t.grad_fn.name()


# --------------------------------------------------------------- values + grads
DIM_VARIANTS = [None, 0, -1, (0, 2), [-1, 0], (1,)]


@pytest.mark.parametrize("dim", DIM_VARIANTS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "logsumexp", "amax", "amin", "var", "std", "norm"])
def test_dim_reductions_match_torch(op, dim, keepdim):
    if dim is None and op == "logsumexp":
        pytest.skip("logsumexp needs a dim")
    if dim is None and op in ("amax", "amin"):
        dim = ()
    if dim is None:
        fn = lambda m, x: getattr(x, op)()
    else:
        fn = lambda m, x: getattr(m, op)(x, dim=dim, keepdim=keepdim)
    check(fn, [(2, 3, 4)])


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: x.prod(), [(2, 3)]),
        (lambda m, x: x.prod(1, keepdim=True), [(2, 3)]),
        (lambda m, x: m.prod(x, -1), [(2, 3, 2)]),
        (lambda m, x: x.max(), [(3, 4)]),
        (lambda m, x: x.min(), [(3, 4)]),
        (lambda m, x: x.max(1), [(3, 4)]),
        (lambda m, x: x.max(-1, keepdim=True), [(3, 4)]),
        (lambda m, x: m.min(x, 0), [(3, 4)]),
        (lambda m, x: m.max(x, dim=0, keepdim=True), [(3, 4)]),
        (lambda m, x, y: m.max(x, y), [(3, 4), (4,)]),
        (lambda m, x, y: m.min(x, y), [(3, 4), (3, 1)]),
        (lambda m, x: x.argmax(), [(3, 4)]),
        (lambda m, x: x.argmin(dim=1, keepdim=True), [(3, 4)]),
        (lambda m, x: x.argmax(keepdim=True), [(3, 4)]),
        (lambda m, x: m.aminmax(x), [(3, 4)]),
        (lambda m, x: m.aminmax(x, dim=-1, keepdim=True), [(3, 4)]),
        (lambda m, x: m.var_mean(x, 1), [(3, 4)]),
        (lambda m, x: m.std_mean(x, (0, 1), keepdim=True), [(3, 4)]),
        (lambda m, x: m.var_mean(x), [(3, 4)]),
        (lambda m, x: x.var(1, correction=0), [(3, 4)]),
        (lambda m, x: x.var(0, False), [(3, 4)]),
        (lambda m, x: x.std(unbiased=False), [(3, 4)]),
        (lambda m, x: m.std(x, True), [(3, 4)]),
        (lambda m, x: x.var(1, correction=2, keepdim=True), [(3, 4)]),
        (lambda m, x: x.nanmean(), [(3, 4)]),
        (lambda m, x: x.nanmean(dim=1, keepdim=True), [(3, 4)]),
        (lambda m, x: x.mean(dtype=m.float64), [(3, 4)]),
        (lambda m, x: x.sum(1, dtype=m.float64), [(3, 4)]),
        (lambda m, x: x.norm(p=1), [(3, 4)]),
        (lambda m, x: x.norm(3, dim=1), [(3, 4)]),
        (lambda m, x: x.norm(p=float("inf"), dim=0), [(3, 4)]),
        (lambda m, x: x.norm(p=-2, dim=0), [(3, 4)]),
        (lambda m, x: x.norm(p=0.5), [(3, 4)]),
        (lambda m, x: x.norm(p=0), [(3, 4)]),
        (lambda m, x: m.norm(x, "fro", dim=(0, 1)), [(3, 4)]),
        (lambda m, x: m.norm(x, "nuc"), [(3, 4)]),
        (lambda m, x: x.norm(dtype=m.float64), [(3, 4)]),
        (lambda m, x: m.linalg.vector_norm(x, float("-inf"), dim=(0, 1)), [(3, 4)]),
        (lambda m, x: x.logsumexp((0, 1)), [(3, 4)]),
        (lambda m, x: x.sum(0), [()]),
        (lambda m, x: x.max(0), [()]),
        (lambda m, x: x.mean(-1), [()]),
    ],
)
def test_reductions_match_torch(fn, shapes):
    check(fn, shapes, low=0.5, high=3.0)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sum(),
        lambda m, x: x.sum(0),
        lambda m, x: x.sum(dtype=m.int32),
        lambda m, x: x.prod(),
        lambda m, x: x.prod(0),
        lambda m, x: x.max(),
        lambda m, x: x.max(1),
        lambda m, x: x.amax(0),
        lambda m, x: x.argmax(),
        lambda m, x: x.cumsum(0),
        lambda m, x: x.cumprod(1),
        lambda m, x: x.cummax(1),
        lambda m, x: x.nansum(),
        lambda m, x: x.count_nonzero(),
        lambda m, x: x.count_nonzero(dim=(0, 1)),
        lambda m, x: x.all(),
        lambda m, x: x.any(1),
        lambda m, x: x.all(dim=(0, 1), keepdim=True),
        lambda m, x: m.aminmax(x, dim=0),
    ],
)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_integer_and_bool_inputs(fn, dtype):
    if dtype == "bool":
        try:
            fn(torch, torch.ones(3, 4, dtype=torch.bool))
        except RuntimeError:  # torch refuses some ops on bool (argmax): ember must too
            check_error(fn, [np.ones((3, 4), bool)], RuntimeError, "bool")
            return
    check(fn, [(3, 4)], dtype=dtype, low=0, high=4, grad=False)


def test_float16_sum_and_mean_keep_dtype():
    check(lambda m, x: (x.sum(), x.mean(1)), [(3, 4)], dtype="float16", grad=False, atol=1e-2, rtol=1e-2)


# ------------------------------------------------------------------ ties and zeros
def test_max_and_amax_gradients_split_ties_like_torch():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0]], np.float32)
    check(lambda m, t: t.max(), inputs=[x])
    check(lambda m, t: t.amax(dim=1), inputs=[x])
    check(lambda m, t: t.amin(dim=(0, 1)), inputs=[x])
    check(lambda m, t: t.max(dim=1), inputs=[x])  # one index gets it all
    check(lambda m, t: m.aminmax(t, dim=1), inputs=[x])
    check(lambda m, t: m.linalg.vector_norm(t, float("inf"), dim=1), inputs=[x])


def test_max_of_two_tensors_splits_ties():
    check(lambda m, a, b: m.max(a, b), inputs=[np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 0.0, 5.0], np.float32)])


@pytest.mark.parametrize(
    "values",
    [
        [[2.0, 3.0, 4.0], [1.0, 5.0, 6.0]],  # no zeros
        [[2.0, 0.0, 4.0], [1.0, 5.0, 6.0]],  # exactly one zero
        [[0.0, 0.0, 4.0], [0.0, 5.0, 0.0]],  # several zeros
    ],
)
def test_prod_gradient_with_zeros(values):
    x = np.array(values, np.float32)
    check(lambda m, t: t.prod(), inputs=[x])
    check(lambda m, t: t.prod(1), inputs=[x])
    check(lambda m, t: t.prod(0, keepdim=True), inputs=[x])


def test_prod_grad_of_zeros_is_finite_and_correct_at_the_zero():
    x = ember.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]


@pytest.mark.parametrize(
    "values",
    [[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.0, 3.0, 4.0, 0.0], [0.5, -2.0, 3.0, 1.5, 2.0]],
)
def test_cumprod_gradient_with_zeros(values):
    x = np.array([values, values[::-1]], np.float32)
    check(lambda m, t: t.cumprod(1), inputs=[x])
    check(lambda m, t: t.cumprod(0), inputs=[x])


def test_median_and_nanmedian_of_all_elements_split_ties():
    check(lambda m, t: t.median(), inputs=[np.array([2.0, 2.0, 1.0, 3.0], np.float32)])
    check(lambda m, t: t.median(), inputs=[np.array([2.0, 2.0, 2.0, 1.0, 3.0], np.float32)])
    check(lambda m, t: t.nanmedian(), inputs=[np.array([2.0, NAN, 1.0, 3.0], np.float32)])


def test_std_of_constant_slice_has_zero_gradient():
    check(lambda m, t: t.std(1), inputs=[np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], np.float32)])


def test_norm_gradient_at_zero_is_zero():
    check(lambda m, t: t.norm(dim=1), inputs=[np.array([[0.0, 0.0], [3.0, 4.0]], np.float32)])
    check(lambda m, t: t.norm(p=0.5, dim=1), inputs=[np.array([[0.0, -1.0], [3.0, 0.0]], np.float32)])
    check(lambda m, t: t.norm(p=-1, dim=1), inputs=[np.array([[0.0, -1.0], [3.0, 4.0]], np.float32)])


# ---------------------------------------------------------------- NaN and inf
def test_nan_handling_matches_torch():
    x = np.array([[1.0, NAN, 2.0], [3.0, 0.5, 4.0]], np.float32)
    check(lambda m, t: t.max(1), inputs=[x], grad=False)
    check(lambda m, t: t.argmax(1), inputs=[x], grad=False)
    check(lambda m, t: t.amax(1), inputs=[x], grad=False)
    check(lambda m, t: t.nansum(1), inputs=[x])
    check(lambda m, t: t.nanmean(1), inputs=[x])
    check(lambda m, t: t.sum(1), inputs=[x], grad=False)


def test_logsumexp_is_stable_and_handles_infinities():
    check(lambda m, t: t.logsumexp(1), inputs=[np.array([[1000.0, 1000.0], [-1000.0, -999.0]], np.float32)])
    inf = float("inf")
    check(lambda m, t: t.logsumexp(1), inputs=[np.array([[-inf, -inf], [inf, 1.0]], np.float32)], grad=False)
    check(lambda m, t: t.logsumexp(1), inputs=[np.array([[1, 2], [3, 4]], np.int64)], grad=False)


# ---------------------------------------------------------------- scans
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.cumsum(1),
        lambda m, x: m.cumsum(x, dim=-1, dtype=m.float64),
        lambda m, x: x.cumprod(0),
        lambda m, x: x.cummax(1),
        lambda m, x: m.cummin(x, 0),
    ],
)
def test_scans_match_torch(fn):
    check(fn, [(3, 5)], low=0.5, high=2.0)


def test_cummax_and_cummin_ties_and_nan_indices():
    x = np.array([[1.0, 1.0, 1.0, 0.0, 2.0, 2.0], [1.0, NAN, 3.0, NAN, 0.0, 0.0]], np.float32)
    check(lambda m, t: t.cummax(1), inputs=[x], grad=False)
    check(lambda m, t: t.cummin(1), inputs=[x], grad=False)
    y = np.array([[1.0, 1.0, 1.0, 0.0, 2.0, 0.0]], np.float32)
    check(lambda m, t: t.cummin(1), inputs=[y])
    check(lambda m, t: t.cummax(1), inputs=[y])


def test_inplace_cumsum():
    check(lambda m, x: (x * 1).cumsum_(0), [(3, 2)])


# ---------------------------------------------------------------- grad_fn names
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sum(),
        lambda m, x: x.sum(1),
        lambda m, x: x.sum(dtype=m.float64),
        lambda m, x: x.mean(),
        lambda m, x: x.mean(0),
        lambda m, x: x.prod(),
        lambda m, x: x.prod(1),
        lambda m, x: x.max(),
        lambda m, x: x.max(1),
        lambda m, x: x.min(),
        lambda m, x: x.min(1),
        lambda m, x: x.amax(1),
        lambda m, x: x.amin(),
        lambda m, x: x.var(),
        lambda m, x: x.std(1),
        lambda m, x: m.var_mean(x, 1),
        lambda m, x: m.std_mean(x),
        lambda m, x: x.logsumexp(1),
        lambda m, x: x.norm(),
        lambda m, x: x.norm(p=1, dim=0),
        lambda m, x: x.nansum(),
        lambda m, x: x.nanmean(1),
        lambda m, x: x.cumsum(1),
        lambda m, x: x.cumprod(1),
        lambda m, x: x.cummax(1),
        lambda m, x: x.cummin(0),
        lambda m, x: m.aminmax(x),
    ],
)
def test_grad_fn_names_match_torch(fn):
    grad_fn_names_match(fn, [(3, 4)])


# ---------------------------------------------------------------- gradcheck
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sum(1),
        lambda m, x: x.mean((0, 1), keepdim=True),
        lambda m, x: x.prod(1),
        lambda m, x: x.prod(),
        lambda m, x: x.var(1),
        lambda m, x: x.std(0),
        lambda m, x: m.var_mean(x, 1),
        lambda m, x: m.std_mean(x, 0, correction=0),
        lambda m, x: x.logsumexp(1),
        lambda m, x: x.norm(dim=1),
        lambda m, x: x.norm(p=3, dim=0),
        lambda m, x: x.norm(p=1),
        lambda m, x: x.amax(1),
        lambda m, x: x.max(0).values,
        lambda m, x: x.min(),
        lambda m, x: m.aminmax(x, dim=1),
        lambda m, x: x.cumsum(1),
        lambda m, x: x.cumprod(1),
        lambda m, x: x.cummax(0).values,
        lambda m, x: x.nansum(0),
        lambda m, x: x.nanmean(),
    ],
)
def test_gradcheck(fn):
    gradcheck(fn, [(3, 4)], low=0.5, high=2.0)


def test_gradcheck_prod_and_cumprod_through_a_zero_first_order():
    x = ember.tensor([[2.0, 0.0, 3.0], [1.5, 2.5, 0.5]], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: t.prod(1), (x,))
    assert ember.autograd.gradcheck(lambda t: t.cumprod(1), (x,))


# ---------------------------------------------------------------- return types
def test_max_with_dim_returns_named_values_and_indices():
    x = ember.tensor([[1.0, 5.0], [7.0, 2.0]])
    result = x.max(dim=1)
    assert isinstance(result, tuple)
    values, indices = result
    assert values.tolist() == result.values.tolist() == [5.0, 7.0]
    assert indices.tolist() == result.indices.tolist() == [1, 0]
    assert repr(result).startswith("torch.return_types.max(\nvalues=tensor(")
    assert ember.aminmax(x).max.item() == 7.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sum(axis=1, keepdims=True),
        lambda m, x: m.mean(x, axis=(0, 1)),
        lambda m, x: x.max(axis=0),
        lambda m, x: x.std(axis=1),
        lambda m, x: m.cumsum(x, axis=1),
        lambda m, x: x.sort(axis=0),
        lambda m, x: x.median(axis=1, keepdims=True),
    ],
)
def test_numpy_axis_and_keepdims_names(fn):
    check(fn, [(3, 4)])


def test_out_argument():
    out = ember.empty(0)
    ember.sum(ember.ones(2, 3), 1, out=out)
    assert out.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "fn,shape,exc,match",
    [
        (lambda m, x: x.sum(2), (2, 3), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
        (lambda m, x: x.sum((0, -2)), (2, 3), RuntimeError, "dim 0 appears multiple times"),
        (lambda m, x: x.max(), (0,), RuntimeError, r"max\(\): Expected reduction dim to be specified"),
        (lambda m, x: x.max(1), (2, 0), IndexError, r"max\(\): Expected reduction dim 1 to have non-zero size"),
        (lambda m, x: x.amax(0), (0, 3), IndexError, r"amax\(\): Expected reduction dim 0"),
        (lambda m, x: x.argmax(), (0,), IndexError, r"argmax\(\)"),
        (lambda m, x: m.aminmax(x), (0,), RuntimeError, r"aminmax\(\): cannot compute aminmax over an empty"),
        (lambda m, x: x.prod((0, 1)), (2, 3), TypeError, r"prod\(\)"),
        (lambda m, x: x.cumsum(3), (2, 3), IndexError, "Dimension out of range"),
        (lambda m, x: x.mode(0), (0, 3), IndexError, r"mode\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda m, x: x.kthvalue(1, 0), (0, 3), IndexError, r"kthvalue\(\): Expected reduction dim 0"),
        (lambda m, x: m.aminmax(x, dim=0), (0, 3), IndexError, "aminmax: Expected reduction dim 0"),
        (lambda m, x: m.linalg.vector_norm(x, float("inf")), (0,), RuntimeError, "cannot compute the inf norm on an empty tensor"),
        (lambda m, x: m.linalg.vector_norm(x, -1, dim=0), (0, 3), RuntimeError, "cannot compute the -1 norm on the dimension 0"),
        (lambda m, x: m.linalg.vector_norm(x, "fro"), (2, 3), TypeError, "must be Number, not str"),
    ],
)
def test_errors_match_torch(fn, shape, exc, match):
    check_error(fn, [np.zeros(shape, np.float32)], exc, match)


@pytest.mark.parametrize(
    "fn,match",
    [
        (lambda m, x: x.mean(), r"mean\(\): could not infer output dtype.*Got: Long"),
        (lambda m, x: x.var(), "std and var only support floating point"),
        (lambda m, x: x.std(0), "std and var only support floating point"),
        (lambda m, x: x.norm(), r"linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
        (lambda m, x: x.nanmean(), r"nanmean\(\): expected input to have floating point"),
    ],
)
def test_float_only_reductions_reject_integers(fn, match):
    check_error(fn, [np.arange(6, dtype=np.int64)], RuntimeError, match)


@pytest.mark.filterwarnings("ignore:var_mean")
def test_empty_reductions_match_torch():
    check(lambda m, x: (x.sum(0), x.mean(0), x.prod(0), m.var_mean(x, 0), x.amax(1), x.max(1)), [(0, 3)], grad=False)
    check(lambda m, x: (x.cumsum(0), x.sort(0), x.cummax(0), x.logsumexp(0), x.norm(dim=0)), [(0, 3)], grad=False)


def test_std_with_too_few_elements_is_nan_and_warns():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        check(lambda m, x: x.std(), inputs=[np.array([1.5], np.float32)], grad=False)
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom"):
        assert math.isnan(ember.tensor([1.5]).var().item())


# ---------------------------------------------------------------- statistics and counts
@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: m.cov(x), [(3, 5)]),
        (lambda m, x: m.cov(x[0]), [(3, 5)]),
        (lambda m, x: m.cov(x, correction=0), [(3, 5)]),
        (lambda m, x, w: m.cov(x, aweights=w * w + 0.1), [(3, 5), (5,)]),
        (lambda m, x: m.cov(x, fweights=m.tensor([1, 2, 1, 1, 3])), [(3, 5)]),
        (lambda m, x, w: m.cov(x, fweights=m.tensor([1, 2, 1, 1, 3]), aweights=w * w + 0.1, correction=2), [(3, 5), (5,)]),
        (lambda m, x: m.corrcoef(x), [(3, 5)]),
        (lambda m, x: x.logcumsumexp(1), [(3, 4)]),
        (lambda m, x: m.logcumsumexp(x * 50, dim=0), [(3, 4)]),
    ],
)
def test_statistics_match_torch(fn, shapes):
    check(fn, shapes)


def test_statistics_gradcheck():
    gradcheck(lambda m, x: m.corrcoef(x), [(3, 5)])
    gradcheck(lambda m, x: m.cov(x, correction=0), [(2, 4)])
    gradcheck(lambda m, x: x.logcumsumexp(1), [(3, 4)], second_order=False)


def test_counting_and_histograms():
    check(lambda m, a: m.bincount(a), inputs=[np.array([0, 1, 1, 3])], grad=False)
    check(lambda m, a, w: a.bincount(w, minlength=6), inputs=[np.array([0, 1, 1, 3]), np.array([0.5, 1, 1, 2], np.float32)], grad=False)
    check(lambda m, a: m.histc(a, bins=4, min=0, max=3), inputs=[np.array([1.0, 2, 1, 4], np.float32)], grad=False)
    check(lambda m, a: a.histc(bins=7), [(50,)], grad=False)
    check(lambda m, a: m.cov(a), inputs=[np.array([[1, 2, 4], [0, 1, 1]])], grad=False)
    check_error(lambda m, a: m.bincount(a), [np.array([-1, 1])], RuntimeError, "bincount only supports 1-d non-negative integral inputs")
    check_error(lambda m, a: m.bincount(a), [np.array([1.0])], NotImplementedError, "bincount_cpu")
    check_error(lambda m, a: m.histc(a), [np.array([1, 2])], NotImplementedError, "histogram_cpu")
    check_error(lambda m, a: m.cov(a), [np.ones((2, 3, 4), np.float32)], RuntimeError, r"cov\(\): expected input to have two or fewer dimensions")


@pytest.mark.filterwarnings("ignore:cov")
def test_cov_of_single_observation_is_nan_like_torch():
    check(lambda m, x: m.cov(x), [(3, 1)], grad=False)
    check(lambda m, x: m.corrcoef(x), inputs=[np.ones((2, 3), np.float32)], grad=False)


@pytest.mark.parametrize("shape,dim", [((6, 40), 0), ((2, 5, 40), 1), ((5, 40, 2), 0)])
def test_scans_over_a_leading_dim_with_long_rows(shape, dim):
    """Scans over a non-last dim step through whole rows (a different code path)."""
    for fn in [
        lambda m, x: x.cumsum(dim),
        lambda m, x: x.cumprod(dim),
        lambda m, x: x.cummax(dim),
        lambda m, x: x.cummin(dim),
        lambda m, x: x.logcumsumexp(dim),
    ]:
        check(fn, [shape], low=0.5, high=1.5)
    check(lambda m, x: x.cumsum(dim), [shape], dtype="int32", grad=False)
    check(lambda m, x: x.transpose(0, 1).cumsum(0), [shape], grad=False)
