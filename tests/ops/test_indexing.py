"""Indexing (x[key], x[key] = v), gather/scatter, index_*, masked_*, take/put, nonzero vs torch."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

# ----------------------------------------------------------------- x[key]
GETITEM_KEYS = [
    lambda m: 1,
    lambda m: -1,
    lambda m: (0, 1),
    lambda m: (-2, -1, -3),
    lambda m: slice(None),
    lambda m: slice(1, None),
    lambda m: (slice(None), slice(None, None, 2)),
    lambda m: (slice(None), slice(-2, 10), slice(1, 4, 2)),
    lambda m: (Ellipsis, 1),
    lambda m: (None, 0, None, Ellipsis, None),
    lambda m: (slice(1, 2), None, Ellipsis, None, 1),
    lambda m: [0, 1, 1],
    lambda m: (slice(None), [2, 0, 2]),
    lambda m: m.tensor([[0, 1], [1, 1]]),
    lambda m: ([0, 1], [1, 2]),
    lambda m: ([0, 1], [[0], [2]]),  # index arrays broadcast together
    lambda m: ([0, 1], slice(None), [3, 0]),  # separated: advanced dims go first
    lambda m: (slice(None), [0, 2], [1, 3]),  # adjacent: they stay in place
    lambda m: (0, slice(None), [0, 1]),  # ints apply first (torch, not NumPy)
    lambda m: (m.tensor(0), slice(None), [0, 1]),
    lambda m: (None, [0, 1], None, [1, 2]),
    lambda m: (Ellipsis, [0, 1]),
    lambda m: ([0, 1], Ellipsis, [1, 2]),
    lambda m: m.tensor([True, False]),
    lambda m: (slice(None), m.tensor([True, False, True])),
    lambda m: m.tensor([[True, False, True], [False, True, True]]),
    lambda m: (m.tensor([1, 0]), slice(None), m.tensor([True, False, False, True])),
    lambda m: True,
    lambda m: False,
    lambda m: (True, [0, 1]),
    lambda m: ([0, 1], True),
    lambda m: m.tensor(True),
    lambda m: [],
    lambda m: m.tensor([], dtype=m.long),
    lambda m: (slice(None), m.tensor([-1, -3], dtype=m.int32)),
    lambda m: (Ellipsis, Ellipsis),
    lambda m: [0, slice(None)],  # a list holding a slice reads as a tuple (legacy rule)
    lambda m: [[0, 1]],
    lambda m: np.array([1, 0]),
    lambda m: np.int64(1),
    lambda m: range(2),
    lambda m: slice(5, None),
    lambda m: slice(-10, 1),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("make_key", GETITEM_KEYS)
def test_getitem_matches_torch_with_gradients(make_key):
    check(lambda m, x: x[make_key(m)], [(2, 3, 4)])


def test_getitem_of_0d_and_1d():
    check(lambda m, x: x[None], [()])
    check(lambda m, x: x[...], [()])
    check(lambda m, x: x[m.tensor(True)], [()])
    check(lambda m, x: x[m.tensor(False)], [()])
    check(lambda m, x: x[m.tensor([[4, 0], [0, 4]])], [(5,)])


def test_repeated_indices_accumulate_in_backward():
    x = ember.zeros(3, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    check(lambda m, x: x[m.tensor([[0, 0], [1, 0]]), 1:], [(2, 3)])


def test_basic_index_is_a_view_and_advanced_a_copy():
    x = ember.zeros(3, 4)
    v = x[1, 1:3]
    v += 1
    assert x.tolist()[1] == [0.0, 1.0, 1.0, 0.0]
    assert v._base is x and v._version == x._version
    c = x[[1]]
    c += 5
    assert x.tolist()[1] == [0.0, 1.0, 1.0, 0.0]
    assert np.shares_memory(x[0, None, ..., 2:].numpy(), x.numpy())


@pytest.mark.parametrize(
    "key,grad_fn",
    [
        (0, "SelectBackward0"),
        ((0, slice(None)), "SelectBackward0"),
        (slice(None), "SliceBackward0"),
        ((slice(None), slice(None)), "AliasBackward0"),
        ((slice(0, 1),), "SliceBackward0"),
        ((Ellipsis, None), "UnsqueezeBackward0"),
        ((0, None), "UnsqueezeBackward0"),
        ((None, 0), "SelectBackward0"),
        (([0, 1],), "IndexBackward0"),
        ((True,), "IndexBackward0"),
    ],
)
def test_getitem_grad_fn_names(key, grad_fn):
    tx = torch.zeros(2, 3, requires_grad=True)
    ex = ember.zeros(2, 3, requires_grad=True)
    assert tx[key].grad_fn.name() == grad_fn
    assert ex[key].grad_fn.name() == grad_fn


@pytest.mark.parametrize(
    "key_fn,exc,match",
    [
        (lambda m: 5, IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (lambda m: (0, -4), IndexError, "index -4 is out of bounds for dimension 1 with size 3"),
        (lambda m: [5], IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (lambda m: (slice(None), [0, 3]), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
        (lambda m: ([0], slice(None), [7]), IndexError, "index 7 is out of bounds for dimension 1 with size 4"),
        (lambda m: m.tensor(5), IndexError, "index 5 is out of bounds"),
        (lambda m: (0, 0, 0, 0), IndexError, "too many indices for tensor of dimension 3"),
        (lambda m: ([0], [0], [0], [0]), IndexError, "too many indices for tensor of dimension 3"),
        (lambda m: slice(None, None, -1), ValueError, "step must be greater than zero"),
        (lambda m: slice(None, None, 0), ValueError, "slice step cannot be zero"),
        (lambda m: m.tensor([1.0]), IndexError, "tensors used as indices must be long, int, byte or bool"),
        (lambda m: 1.5, IndexError, "only integers, slices"),
        (lambda m: m.tensor([True, False, True]), IndexError, r"The shape of the mask \[3\] at index 0 does not match the shape of the indexed tensor \[2, 3, 4\] at index 0"),
        (lambda m: (slice(None), m.ones(3, 5, dtype=m.bool)), IndexError, r"mask \[3, 5\] at index 1 .* at index 2"),
    ],
)
def test_getitem_errors(key_fn, exc, match):
    check_error(lambda m, x: x[key_fn(m)], [np.zeros((2, 3, 4), np.float32)], exc, match)


def test_getitem_of_0d_tensor_with_int_raises():
    check_error(lambda m, x: x[0], [np.array(1.0, np.float32)], IndexError, "invalid index of a 0-dim tensor")


# -------------------------------------------------------------- x[key] = v
def _setitem(key_fn, value_fn=None):
    def fn(m, x, v):
        y = x * 1  # a non-leaf, so the write is recorded
        y[key_fn(m)] = v if value_fn is None else value_fn(m, v)
        return y

    return fn


@pytest.mark.parametrize(
    "key_fn,value_shape",
    [
        (lambda m: 0, (4,)),
        (lambda m: 0, ()),
        (lambda m: (slice(None), 1), (3,)),
        (lambda m: (slice(None), slice(1, 3)), (1, 2)),
        (lambda m: (Ellipsis, None, 2), (3, 1)),
        (lambda m: [0, 2], (4,)),
        (lambda m: ([0, 2], [1, 3]), (2,)),
        (lambda m: ([0, 2], slice(None)), (2, 1)),
        (lambda m: (slice(None), [0, 2]), ()),
        (lambda m: ([[0], [2]], [1, 3]), (2, 2)),
        (lambda m: (1, [0, 3]), (2,)),
    ],
)
def test_setitem_under_autograd_matches_torch(key_fn, value_shape):
    check(_setitem(key_fn), [(3, 4), value_shape])


def test_setitem_with_mask_and_scalar_values():
    def masked(m, x, v):
        y = x * 1
        y[y > 0] = v.sum()
        return y

    check(masked, [(3, 4), (2,)])

    def scalar(m, x):
        y = x * 2
        y[1, [0, 1]] = 7.5
        y[0] = -1
        return y

    check(scalar, [(3, 4)])


def test_setitem_value_of_other_dtype_basic_key_is_cast():
    def fn(m, x, v):
        y = x * 1
        y[0] = v
        return y

    check(fn, [(2, 3), (3,)], dtype=["float32", "float64"])


def test_setitem_duplicate_indices_value_gets_gradient_at_each():
    def fn(m, x, v):
        y = x * 1
        y[[1, 1, 0]] = v
        return y

    e_x = ember.zeros(3, requires_grad=True)
    v = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = fn(ember, e_x, v)
    (y * ember.tensor([10.0, 20.0, 30.0])).sum().backward()
    assert v.grad.tolist() == [20.0, 20.0, 10.0]
    assert e_x.grad.tolist() == [0.0, 0.0, 30.0]


def test_setitem_without_grad_writes_in_place_and_bumps_version():
    x = ember.zeros(2, 3)
    before = x._version
    x[0, [0, 2]] = 4
    x[1] = ember.tensor([1, 2, 3])
    x[x == 2] = ember.tensor(9.0)
    assert x.tolist() == [[4.0, 0.0, 4.0], [1.0, 9.0, 3.0]]
    assert x._version == before + 3
    with ember.no_grad():
        p = ember.zeros(3, requires_grad=True)
        p[1] = 2.0
        p[[0]] = 1.0
    assert p.tolist() == [1.0, 2.0, 0.0] and p.grad_fn is None


def test_setitem_through_view_reaches_base_gradient():
    def fn(m, x, v):
        y = x * 1
        row = y[1]
        row[[0, 2]] = v
        return y

    check(fn, [(3, 4), (2,)])


@pytest.mark.parametrize(
    "key_fn,value_fn,exc,match",
    [
        (lambda m: 0, lambda m: m.ones(2), RuntimeError, None),
        (lambda m: [0, 1], lambda m: m.ones(5), RuntimeError, r"shape mismatch: value tensor of shape \[5\] cannot be broadcast to indexing result of shape \[2, 4\]"),
        (lambda m: [0], lambda m: m.ones(4, dtype=m.float64), RuntimeError, "Index put requires the source and destination dtypes match, got Float for the destination and Double for the source"),
        (lambda m: 0, lambda m: [1.0, 2.0, 3.0, 4.0], TypeError, "can't assign a list to a torch.FloatTensor"),
        (lambda m: 0, lambda m: np.ones(4), TypeError, "can't assign a numpy.ndarray to a torch.FloatTensor"),
        (lambda m: 9, lambda m: 1.0, IndexError, "index 9 is out of bounds for dimension 0 with size 3"),
    ],
)
def test_setitem_errors(key_fn, value_fn, exc, match):
    def fn(m, x):
        x[key_fn(m)] = value_fn(m)

    check_error(fn, [np.zeros((3, 4), np.float32)], exc, match)


@pytest.mark.parametrize("key", [0, [0], (slice(None), 1)])
def test_setitem_on_leaf_requiring_grad_raises(key):
    for m in (torch, ember):
        x = m.zeros(3, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x[key] = 1.0


def test_setitem_integer_tensor_truncates_floats():
    check(lambda m, x: (x.__setitem__([0], 2.7), x.__setitem__(1, 3.9), x)[2], inputs=[np.zeros(3, np.int64)], grad=False)


def test_index_put_matches_torch():
    check(lambda m, x, v: m.index_put(x, (m.tensor([0, 2, 0]),), v, accumulate=True), [(3, 2), (3, 2)])
    check(lambda m, x, v: x.index_put((m.tensor([0, 1]), m.tensor([1, 1])), v), [(3, 2), ()])
    check(lambda m, x: x.index_put((m.tensor([True, False, True]),), m.tensor(5.0)), [(3,)])

    def inplace(m, x, v):
        y = x.clone()
        y.index_put_((m.tensor([1, 1]),), v, accumulate=True)
        return y

    check(inplace, [(3,), (2,)])
    check_error(
        lambda m, x: x.index_put((m.tensor([0]),), m.ones(1, dtype=m.float64)),
        [np.zeros(3, np.float32)],
        RuntimeError,
        "Index put requires the source and destination dtypes match",
    )


def test_gradcheck_indexing():
    gradcheck(lambda m, x: x[[0, 0, 1], 1:] * x[0, :, None][..., 0][[1, 1]].sum(), [(2, 3)])

    def write(m, x, v):
        y = x * 1
        y[[0, 1], [2, 2]] = v * v
        y[1, :2] = v
        return y

    gradcheck(write, [(2, 3), (2,)])


# ---------------------------------------------------------- gather / scatter
IDX = np.array([[0, 1, 1], [2, 0, 0]])


def test_gather_matches_torch():
    check(lambda m, x: m.gather(x, 1, m.tensor(IDX)), [(2, 4)])
    check(lambda m, x: x.gather(0, m.tensor(IDX)), [(3, 3)])
    check(lambda m, x: x.gather(-1, m.tensor([[3], [0], [3]])), [(3, 5)])
    check(lambda m, x: x.gather(1, m.tensor([[0, 0, 1, 1, 1]])), [(3, 2)])  # index longer along dim
    check(lambda m, x: x.gather(0, m.tensor([[0, 1]], dtype=m.int32)), [(2, 4)])
    check(lambda m, x: x.gather(0, m.tensor(0)), [()])
    check(lambda m, x: x.gather(1, m.zeros(0, 2, dtype=m.long)), [(3, 4)])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_family_matches_torch():
    idx = np.array([[0, 1], [2, 0]])
    check(lambda m, x, s: m.scatter(x, 1, m.tensor(idx), s), [(2, 4), (2, 2)])
    # src larger than index (torch's backward rejects it; ember pads the gradient with zeros)
    check(lambda m, x, s: x.scatter(0, m.tensor(idx), s), [(3, 3), (3, 3)], grad=False)
    s = ember.ones(3, 3, requires_grad=True)
    ember.zeros(3, 3).scatter(0, ember.tensor(idx), s).sum().backward()
    assert s.grad.tolist() == [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    check(lambda m, x: x.scatter(1, m.tensor(idx), 2.5), [(2, 3)])
    check(lambda m, x: x.scatter(1, m.tensor(idx), value=-1.0), [(2, 3)])
    check(lambda m, x, s: m.scatter_add(x, 1, m.tensor([[0, 0], [1, 0]]), s), [(2, 3), (2, 2)])
    check(lambda m, x, s: x.scatter_add(0, m.tensor([[0, 0, 0], [0, 1, 0]]), s), [(2, 3), (3, 4)], grad=False)
    check(lambda m, x, s: x.scatter(1, m.tensor(idx), s, reduce="add"), [(2, 3), (2, 2)], grad=False)
    check(lambda m, x, s: x.scatter(1, m.tensor(idx), s, reduce="multiply"), [(2, 3), (2, 2)], grad=False)
    check(lambda m, x: x.scatter(1, m.tensor(idx), 2.0, reduce="add"), [(2, 3)], grad=False)


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_with_reduce_has_no_derivative():
    x = ember.zeros(2, 3, requires_grad=True)
    y = x.scatter(1, ember.tensor([[0], [1]]), ember.ones(2, 1), reduce="add")
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        y.sum().backward()


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch(reduce, include_self):
    idx = np.array([[0, 1, 0], [2, 2, 2]])
    check(
        lambda m, x, s: x.scatter_reduce(1, m.tensor(idx), s, reduce, include_self=include_self),
        [(2, 4), (2, 3)],
        low=0.5,
    )


@pytest.mark.parametrize("reduce", ["amax", "amin", "prod"])
def test_scatter_reduce_ties_and_zeros_gradients(reduce):
    x = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 5.0]], np.float32)
    s = np.array([[1.0, 3.0, 0.0, 1.0], [2.0, 0.0, 2.0, 5.0]], np.float32)
    idx = np.array([[0, 2, 1, 0], [0, 1, 1, 2]])
    check(lambda m, x, s: x.scatter_reduce(1, m.tensor(idx), s, reduce), inputs=[x, s])
    check(lambda m, x, s: x.scatter_reduce(1, m.tensor(idx), s, reduce, include_self=False), inputs=[x, s])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_of_zero_dim_tensors_matches_torch(reduce, include_self):
    check(
        lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(0), s, reduce, include_self=include_self),
        inputs=[np.array(3.0, np.float32), np.array(2.0, np.float32)],
    )


def test_scatter_reduce_integer_mean_and_bad_reduce():
    a = np.arange(6).reshape(2, 3)
    check(lambda m, x: x.scatter_reduce(1, m.tensor([[0, 0]]), m.tensor([[1, 2]]), "mean"), inputs=[a])
    check(lambda m, x: x.scatter_reduce(1, m.tensor([[0, 0]]), m.tensor([[1, 4]]), "mean", include_self=False), inputs=[a])
    check_error(lambda m, x: x.scatter_reduce(1, m.tensor([[0]]), x, "foo"), [a], RuntimeError, "reduce argument must be either sum, prod, mean, amax or amin, got foo")


def test_scatter_inplace_variants():
    def fn(m, x, s):
        y = x * 1
        y.scatter_(1, m.tensor([[1], [0]]), s)
        y.scatter_add_(0, m.tensor([[1, 1]]), s.t())
        y.scatter_(0, m.tensor([[0]]), 9.0)
        y.scatter_reduce_(1, m.tensor([[2, 2]]), s.t() * 2, "amax")
        return y

    check(fn, [(2, 3), (2, 1)])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.gather(1, m.tensor([[0, 5]])), RuntimeError, "index 5 is out of bounds for dimension 1 with size 4"),
        (lambda m, x: x.gather(1, m.tensor([[0, -1]])), RuntimeError, "index -1 is out of bounds for dimension 1 with size 4"),
        (lambda m, x: x.gather(1, m.zeros(4, 2, dtype=m.long)), RuntimeError, r"Size does not match at dimension 0 expected index \[4, 2\] to be no larger than self \[3, 4\] apart from dimension 1"),
        (lambda m, x: x.gather(1, m.zeros(2, dtype=m.long)), RuntimeError, "Index tensor must have the same number of dimensions as input tensor"),
        (lambda m, x: x.gather(1, m.zeros(2, 2)), RuntimeError, "gather\\(\\): Expected dtype int32/int64 for index"),
        (lambda m, x: x.gather(2, m.zeros(2, 2, dtype=m.long)), IndexError, "Dimension out of range"),
        (lambda m, x: x.scatter(1, m.tensor([[9]]), m.ones(2, 2)), RuntimeError, "index 9 is out of bounds for dimension 1 with size 4"),
        (lambda m, x: x.scatter(1, m.zeros(2, 2, dtype=m.long), m.ones(1, 1)), RuntimeError, r"Expected index \[2, 2\] to be no larger than self \[3, 4\] apart from dimension 1 and to be no larger size than src \[1, 1\]"),
        (lambda m, x: x.scatter(1, m.zeros(1, 1, dtype=m.long), m.ones(1, 1, dtype=m.float64)), RuntimeError, "scatter\\(\\): Expected self.dtype to be equal to src.dtype"),
        (lambda m, x: x.scatter(0, m.tensor([0]), 1.0), RuntimeError, "Index tensor must have the same number of dimensions as self tensor"),
        (lambda m, x: x.scatter(1, m.zeros(1, 1, dtype=m.long), m.ones(1, 1), reduce="max"), RuntimeError, "reduce argument must be either add or multiply"),
        (lambda m, x: x.scatter_add(1, m.tensor([[-1]]), m.ones(2, 2)), RuntimeError, "index -1 is out of bounds for dimension 1 with size 4"),
    ],
)
def test_gather_scatter_errors(fn, exc, match):
    check_error(fn, [np.zeros((3, 4), np.float32)], exc, match)


def test_gradcheck_gather_scatter():
    idx = ember.tensor([[0, 2, 2], [1, 0, 0]])
    gradcheck(lambda m, x: x.gather(1, idx) ** 2, [(2, 3)])
    gradcheck(lambda m, x, s: x.scatter(1, ember.tensor([[2, 0], [1, 2]]), s * s), [(2, 3), (2, 3)])
    gradcheck(lambda m, x, s: (x * x).scatter_add(1, idx, s * s), [(2, 3), (2, 3)])
    for reduce in ("sum", "mean", "prod", "amax"):
        gradcheck(lambda m, x, s, r=reduce: (x * x).scatter_reduce(1, idx, s * s, r), [(2, 3), (2, 3)], low=0.5, high=2.0, seed=3)


# ----------------------------------------------------------------- index_*
def test_index_select_matches_torch():
    check(lambda m, x: m.index_select(x, 1, m.tensor([0, 0, 3])), [(3, 4)])
    check(lambda m, x: x.index_select(0, m.tensor([2, 1], dtype=m.int32)), [(3, 4)])
    check(lambda m, x: x.index_select(-1, m.tensor(1)), [(3, 4)])
    check(lambda m, x: x.index_select(0, m.tensor([0])), [()])


def test_index_add_copy_fill_match_torch():
    check(lambda m, x, s: m.index_add(x, 0, m.tensor([0, 0, 2]), s, alpha=2.5), [(3, 4), (3, 4)])
    check(lambda m, x, s: x.index_add(1, m.tensor([3, 1]), s), [(3, 4), (3, 2)])
    check(lambda m, x: x.index_add(0, m.tensor([0]), m.tensor([1]), alpha=2), inputs=[np.arange(3)])
    check(lambda m, x, s: m.index_copy(x, 0, m.tensor([2, 0]), s), [(3, 4), (2, 4)])
    check(lambda m, x, s: x.index_copy(0, m.tensor(1), s), [(3,), ()])
    check(lambda m, x: m.index_fill(x, 1, m.tensor([0, 2]), -1.0), [(3, 4)])
    check(lambda m, x, v: x.index_fill(1, m.tensor([0, 2, 0]), v), [(3, 4), ()])
    check(lambda m, x: x.index_fill(0, m.tensor([0]), 1.5), inputs=[np.arange(3)])


def test_index_inplace_variants():
    def fn(m, x, s, v):
        y = x * 1
        y.index_add_(0, m.tensor([1, 1]), s)
        y.index_copy_(1, m.tensor([2]), s[:1, :3].t() * 1)
        y.index_fill_(0, m.tensor([2]), v)
        return y

    check(fn, [(3, 4), (2, 4), ()])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.index_select(1, m.tensor([0, 4])), RuntimeError, "4"),
        (lambda m, x: x.index_select(1, m.tensor([[0]])), IndexError, "index_select\\(\\): Index is supposed to be a vector"),
        (lambda m, x: x.index_select(1, m.tensor([0.0])), RuntimeError, "index_select\\(\\): Expected dtype int32 or int64 for index"),
        (lambda m, x: x.index_add(0, m.tensor([0, 3]), m.ones(2, 4)), RuntimeError, "index 3 is out of bounds for dimension 0 with size 3"),
        (lambda m, x: x.index_add(0, m.tensor([0, 1]), m.ones(3, 4)), RuntimeError, r"index_add_\(\): Number of indices \(2\) should be equal to source.size\(dim\): \(3\), for dim: 0"),
        (lambda m, x: x.index_add(0, m.tensor([0, 1]), m.ones(2, 3)), RuntimeError, r"source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \[3, 4\] source.shape = \[2, 3\]"),
        (lambda m, x: x.index_add(0, m.tensor([0, 1]), m.ones(2, 4, dtype=m.float64)), RuntimeError, r"index_add_\(\): self \(Float\) and source \(Double\) must have the same scalar type"),
        (lambda m, x: x.index_add(0, m.tensor([0.0]), m.ones(1, 4)), RuntimeError, "Expected dtype int32/int64 for index"),
        (lambda m, x: x.index_copy(0, m.tensor([0, 3]), m.ones(2, 4)), IndexError, r"index_copy_\(\): index 3 is out of bounds for dimension 0 with size 3"),
        (lambda m, x: x.index_copy(0, m.tensor([0]), m.ones(1, 4, dtype=m.long)), RuntimeError, "index_copy_\\(\\): self and source expected to have the same dtype"),
        (lambda m, x: x.index_copy(0, m.tensor([0, 1]), m.ones(1, 4)), IndexError, r"Number of indices \(2\) should be equal to source.size\(dim\) \(1\)"),
        (lambda m, x: x.index_fill(1, m.tensor([0, 5]), -1.0), IndexError, "index 5 is out of bounds for dimension 1 with size 4"),
        (lambda m, x: x.index_fill(1, m.tensor([0]), m.tensor([2.0])), RuntimeError, "index_fill_ only supports a 0-dimensional value tensor"),
    ],
)
def test_index_op_errors(fn, exc, match):
    check_error(fn, [np.zeros((3, 4), np.float32)], exc, match)


def test_gradcheck_index_ops():
    idx = ember.tensor([2, 0, 2])
    gradcheck(lambda m, x: x.index_select(1, idx) ** 2, [(2, 3)])
    gradcheck(lambda m, x, s: (x * x).index_add(1, idx, s * s, alpha=0.5), [(2, 3), (2, 3)])
    gradcheck(lambda m, x, s: (x * x).index_copy(1, ember.tensor([2, 0]), s * s), [(2, 3), (2, 2)])
    gradcheck(lambda m, x, v: (x * x).index_fill(1, idx, (v * v).sum()), [(2, 3), (1,)])


# ------------------------------------------------------------------ masked
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, True, False]])


def test_masked_fill_matches_torch():
    check(lambda m, x: m.masked_fill(x, m.tensor(MASK), 2.0), [(3, 4)])
    check(lambda m, x: x.masked_fill(m.tensor(MASK[0]), -1), [(3, 4)])  # mask broadcasts
    check(lambda m, x: x.masked_fill(m.tensor(MASK), 1.5), [(4,)])  # input broadcasts
    check(lambda m, x, v: x.masked_fill(m.tensor(MASK), v), [(3, 4), ()])
    check(lambda m, x: x.masked_fill(m.tensor(MASK[0]), 2.7), inputs=[np.arange(4)])

    def inplace(m, x, v):
        y = x * 1
        y.masked_fill_(m.tensor(MASK), v * 2)
        return y

    check(inplace, [(3, 4), ()])


def test_masked_select_and_scatter_match_torch():
    check(lambda m, x: m.masked_select(x, m.tensor(MASK)), [(3, 4)])
    check(lambda m, x: x.masked_select(m.tensor(MASK)), [(4,)])
    check(lambda m, x: x.masked_select(m.tensor(MASK[1])), [(3, 4)])
    check(lambda m, x, s: m.masked_scatter(x, m.tensor(MASK), s), [(3, 4), (12,)])
    check(lambda m, x, s: x.masked_scatter(m.tensor(MASK[0]), s), [(3, 4), (3, 3)])

    def inplace(m, x, s):
        y = x * 1
        y.masked_scatter_(m.tensor(MASK), s)
        return y

    check(inplace, [(3, 4), (4, 2)])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.masked_fill(m.tensor(MASK).long(), 1.0), RuntimeError, "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
        (lambda m, x: x.masked_fill(m.tensor(MASK), m.tensor([1.0])), RuntimeError, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension"),
        (lambda m, x: x.masked_fill(m.tensor([True, False]), 1.0), RuntimeError, r"The size of tensor a \(4\) must match the size of tensor b \(2\) at non-singleton dimension 1"),
        (lambda m, x: x[0].masked_fill_(m.tensor(MASK), 1.0), RuntimeError, r"output with shape \[4\] doesn't match the broadcast shape \[3, 4\]"),
        (lambda m, x: x.masked_scatter(m.tensor(MASK), m.ones(2)), RuntimeError, "Number of elements of source < number of ones in mask"),
        (lambda m, x: x.masked_scatter(m.tensor(MASK), m.ones(12, dtype=m.long)), RuntimeError, "masked_scatter: expected self and source to have same dtypes"),
    ],
)
def test_masked_errors(fn, exc, match):
    check_error(fn, [np.zeros((3, 4), np.float32)], exc, match)


def test_gradcheck_masked_ops():
    mask = ember.tensor(MASK[:2, :3])
    gradcheck(lambda m, x, v: (x * x).masked_fill(mask, (v * v).sum()), [(2, 3), (1,)])
    gradcheck(lambda m, x: (x * x).masked_select(mask), [(2, 3)])
    gradcheck(lambda m, x, s: (x * x).masked_scatter(mask, s * s), [(2, 3), (4,)])


# --------------------------------------------------------- take / put / nonzero
def test_take_take_along_dim_and_put_match_torch():
    check(lambda m, x: m.take(x, m.tensor([[0, 11], [-1, 3], [3, 3]])), [(3, 4)])
    check(lambda m, x: m.take_along_dim(x, m.tensor([[0], [1], [3]]), dim=1), [(3, 4)])
    check(lambda m, x: x.take_along_dim(m.tensor([[0, 1, 1]]), dim=1), [(3, 4)])  # broadcasts
    check(lambda m, x: m.take_along_dim(x, m.tensor([0, 5, 5])), [(3, 4)])
    check(lambda m, x: m.take_along_dim(x, m.zeros(1, 5, 2, dtype=m.long), 2), [(3, 1, 4)])
    check(lambda m, x, s: m.put(x, m.tensor([0, 0, 5]), s, accumulate=True), [(3, 4), (3,)])
    check(lambda m, x, s: x.put(m.tensor([[1, 7]]), s), [(3, 4), (2,)])

    def inplace(m, x, s):
        y = x * 1
        y.put_(m.tensor([2, -1]), s)
        return y

    check(inplace, [(2, 3), (2,)])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: m.take(x, m.tensor([12])), IndexError, "out of range: tried to access index 12 on a tensor of 12 elements"),
        (lambda m, x: m.take(x, m.tensor([0], dtype=m.int32)), RuntimeError, "take\\(\\): Expected a long tensor for index, but got Int"),
        (lambda m, x: m.take_along_dim(x, m.tensor([0, 1]), dim=1), RuntimeError, "input and indices should have the same number of dimensions"),
        (lambda m, x: m.take_along_dim(x, m.tensor([[0]], dtype=m.int32), 1), RuntimeError, "dtype of indices should be Long but got Int"),
        (lambda m, x: m.put(x, m.tensor([20]), m.tensor([1.0])), IndexError, "out of range: tried to access index 20 on a tensor of 12 elements"),
        (lambda m, x: m.put(x, m.tensor([1, 2]), m.tensor([1.0])), IndexError, r"put_\(\): Expected source and index to have the same number of elements"),
    ],
)
def test_take_put_errors(fn, exc, match):
    check_error(fn, [np.zeros((3, 4), np.float32)], exc, match)


def test_gradcheck_take_put():
    gradcheck(lambda m, x: m.take(x * x, ember.tensor([[0, 5], [5, 1]])), [(2, 3)])
    gradcheck(lambda m, x, s: (x * x).put(ember.tensor([1, 1, 4]), s * s, accumulate=True), [(2, 3), (3,)])
    gradcheck(lambda m, x: m.take_along_dim(x * x, ember.tensor([[0, 2]]), 1), [(2, 3)])


def test_nonzero_and_argwhere_match_torch():
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], np.float32)
    check(lambda m, x: m.nonzero(x), inputs=[x])
    check(lambda m, x: x.nonzero(as_tuple=True), inputs=[x])
    check(lambda m, x: m.argwhere(x), inputs=[x])
    check(lambda m, x: m.nonzero(x), inputs=[np.array([True, False, True])])
    check(lambda m, x: m.nonzero(x), inputs=[np.array(3.0, np.float32)])
    check(lambda m, x: m.nonzero(x, as_tuple=True), inputs=[np.array(3.0, np.float32)])
    check(lambda m, x: m.nonzero(x, as_tuple=True), inputs=[np.array(0.0, np.float32)])
    check(lambda m, x: m.nonzero(x), inputs=[np.zeros((0, 3), np.float32)])
    check(lambda m, x: m.where(x), inputs=[x])



def test_row_accumulation_fast_path_matches_add_at():
    rng = np.random.default_rng(0)
    idx = rng.integers(-50, 50, (40, 3))
    grad = rng.standard_normal((40, 3, 7))
    w = ember.zeros(50, 7, dtype=ember.float64, requires_grad=True)
    w[ember.tensor(idx)].backward(ember.tensor(grad))
    expected = np.zeros((50, 7))
    np.add.at(expected, idx, grad)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12, atol=1e-12)
    check(lambda m, x: x[m.tensor([[0, -4, 3], [-1, 0, 0]])], [(4, 2, 3)])
    check(lambda m, x, s: x.index_put((m.tensor([1, -2, 1]),), s, accumulate=True), [(3, 2), (3, 2)])
