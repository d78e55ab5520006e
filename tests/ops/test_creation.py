"""Tensor factories against torch: dtype inference, sizes, ranges, memory sharing, errors."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.oracle import assert_same, check, check_error


def both(fn):
    """Run ``fn(module)`` for ember and torch and compare the results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = fn(torch)
        got = fn(ember)
    assert_same(got, expected)
    return got, expected


# ----------------------------------------------------------- tensor(data)
@pytest.mark.parametrize(
    "make",
    [
        lambda m: [1, 2, 3],
        lambda m: [1.5, 2],
        lambda m: [True, False],
        lambda m: [True, 2],
        lambda m: [[1, 2], [3, 4]],
        lambda m: ((1.0, 2.0), (3.0, 4.0)),
        lambda m: range(4),
        lambda m: 3,
        lambda m: 2.5,
        lambda m: True,
        lambda m: [],
        lambda m: [[], []],
        lambda m: [-(2**63), 2**63 - 1],
        lambda m: [m.tensor(1.0), m.tensor(2.0)],
        lambda m: [m.tensor(1, dtype=m.int32), 2],
        lambda m: [m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)],
        lambda m: [m.tensor(1.0, dtype=m.float64), 1],
        lambda m: [m.tensor(1), 2.5],
        lambda m: [m.tensor(1.0, dtype=m.float16), 2.5],
        lambda m: [[m.tensor(1, dtype=m.int8)], [m.tensor(2, dtype=m.int8)]],
        lambda m: (m.tensor(1.5, dtype=m.float64),),
        lambda m: [np.float32(1.0), 2.0],
        lambda m: [np.float64(1.0)],
        lambda m: np.float64(1.5),
        lambda m: [np.int32(1)],
        lambda m: np.int32(7),
        lambda m: [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
        lambda m: [np.ones(2, np.float32), np.ones(2, np.float64)],
        lambda m: np.array(2.5),
        lambda m: np.arange(6, dtype=np.int16).reshape(2, 3),
        lambda m: np.ones(3, np.float16),
        lambda m: np.array([True, False]),
        lambda m: m.tensor([1.0, 2.0]),
    ],
)
def test_tensor_infers_dtype_like_torch(make):
    both(lambda m: m.tensor(make(m)))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "uint8", "bool", "bfloat16"])
def test_tensor_with_explicit_dtype_converts_each_value_directly(dtype):
    got, _ = both(lambda m: m.tensor([0.1, 1.7, -1.7, 2.0, 0.0], dtype=getattr(m, dtype)) if dtype != "uint8" else m.tensor([0.1, 1.7, 2.0, 0.0], dtype=m.uint8))
    if dtype == "float64":
        assert got.tolist()[0] == 0.1  # not a float32-rounded 0.1


def test_tensor_default_dtype_follows_set_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.tensor([1, 2]).dtype is ember.int64
        assert ember.arange(2.0).dtype is ember.float64
        assert ember.zeros(1).dtype is ember.float64
        assert ember.tensor([0.1]).item() == 0.1
    finally:
        ember.set_default_dtype(ember.float32)


def test_tensor_copies_and_detaches():
    a = np.zeros(3, np.float32)
    t = ember.tensor(a)
    a[0] = 5
    assert t.tolist() == [0.0, 0.0, 0.0]
    src = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        c = ember.tensor(src)
    assert not c.requires_grad and c.grad_fn is None
    assert ember.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize(
    "data,exc,match",
    [
        ([[1, 2], [3]], ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ([[[1], [2]], [[3], [4, 5]]], ValueError, r"expected sequence of length 1 at dim 2 \(got 2\)"),
        ([[1, 2], 3], TypeError, "not a sequence"),
        ([1, [2, 3]], TypeError, None),
        (None, RuntimeError, "Could not infer dtype of NoneType"),
        ({1, 2}, RuntimeError, "Could not infer dtype of set"),
        (["a"], ValueError, "too many dimensions 'str'"),
        ([2**63], ValueError, "Overflow when unpacking long long"),
        (np.array([1, "a"], dtype=object), TypeError, "can't convert np.ndarray of type numpy.object_"),
        (np.array(["a"]), TypeError, "can't convert np.ndarray of type numpy.str_"),
        (np.ones(2, ">f4"), ValueError, "byte order different from the native byte order"),
        (np.ones(4)[::-1], ValueError, "At least one stride in the given numpy array is negative"),
    ],
)
def test_tensor_errors(data, exc, match):
    check_error(lambda m: m.tensor(data), [], exc, match)


def test_tensor_of_list_of_1d_tensors_raises_like_torch():
    check_error(lambda m: m.tensor([m.ones(2), m.ones(2)]), [], ValueError, "only one element tensors can be converted to Python scalars")


def test_complex_is_rejected_clearly():
    for data in ([1j], np.ones(2, np.complex64), 2 + 3j):
        with pytest.raises(TypeError, match="ember has no complex dtypes"):
            ember.tensor(data)
    with pytest.raises(TypeError, match="ember has no complex dtypes"):
        ember.from_numpy(np.ones(2, np.complex128))
    with pytest.raises(TypeError, match="ember has no complex dtypes"):
        ember.full((2,), 1j)


def test_integer_tensor_cannot_require_grad():
    check_error(lambda m: m.tensor([1], requires_grad=True), [], RuntimeError, "Only Tensors of floating point and complex dtype can require gradients")
    check_error(lambda m: m.zeros(2, dtype=m.int64, requires_grad=True), [], RuntimeError, "Only Tensors of floating point")
    check_error(lambda m: m.randint(5, (2,), requires_grad=True), [], RuntimeError, "Only Tensors of floating point")


# ------------------------------------------------------- sharing memory
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    a[0, 0] = 100
    t[1, 2] = -1
    assert t[0, 0].item() == 100 and a[1, 2] == -1
    assert t.data_ptr() == a.ctypes.data
    assert t.dtype is ember.float32
    both(lambda m: m.from_numpy(np.array(1.0)))
    both(lambda m: m.from_numpy(np.ones((2, 0), np.int8)))


@pytest.mark.parametrize(
    "array,exc,match",
    [
        (np.ones(2, np.uint16), TypeError, r"can't convert np.ndarray of type numpy.uint16. The only supported types are"),
        (np.ones(2, np.complex64), TypeError, "complex"),
        (np.ones(2, object), TypeError, "can't convert np.ndarray of type numpy.object_"),
        (np.ones(2, ">f4"), ValueError, "byte order"),
        (np.ones(4)[::-1], ValueError, "negative"),
        ([1, 2], TypeError, r"expected np.ndarray \(got list\)"),
    ],
)
def test_from_numpy_rejects(array, exc, match):
    with pytest.raises(exc, match=match):
        ember.from_numpy(array)


def test_from_numpy_warns_for_read_only_arrays():
    a = np.ones(3)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        ember.from_numpy(a)


def test_as_tensor_and_asarray_share_memory_when_they_can():
    a = np.ones(3)
    assert ember.as_tensor(a).data_ptr() == a.ctypes.data
    assert ember.as_tensor(a, dtype=ember.float32).data_ptr() != a.ctypes.data
    t = ember.ones(2)
    assert ember.as_tensor(t) is t and ember.asarray(t) is t
    assert ember.asarray(a).data_ptr() == a.ctypes.data
    assert ember.asarray(a, copy=True).data_ptr() != a.ctypes.data
    assert ember.asarray(t, copy=True).data_ptr() != t.data_ptr()
    with pytest.raises(ValueError, match="can't alias tensor with dtype 'Double' into dtype 'Float'"):
        ember.asarray(a, dtype=ember.float32, copy=False)
    both(lambda m: m.as_tensor([1, 2]))
    both(lambda m: m.asarray([1.0, 2.0]))
    both(lambda m: m.asarray(3.5))
    both(lambda m: m.asarray(np.float64(3.5)))
    both(lambda m: m.asarray(np.ones(2), dtype=m.float32))
    assert ember.asarray([1.0], requires_grad=True).requires_grad


# --------------------------------------------------------------- factories
@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((2, 3), {}),
        (((2, 3),), {}),
        (([2, 3],), {}),
        ((), {"size": (2, 3)}),
        ((0,), {}),
        ((), {"size": ()}),
        ((2,), {"dtype": "int32"}),
        ((2,), {"dtype": "bool"}),
        ((2,), {"dtype": "float64", "requires_grad": True}),
        ((np.int64(2),), {}),
    ],
)
def test_zeros_ones(name, args, kwargs):
    def make(m):
        kw = dict(kwargs)
        if "dtype" in kw:
            kw["dtype"] = getattr(m, kw["dtype"])
        out = getattr(m, name)(*args, **kw)
        return out, out.requires_grad

    both(make)


def test_factory_sizes_from_torch_size_and_0d_int_tensors():
    both(lambda m: m.zeros(m.Size([2, 3])))
    both(lambda m: m.ones(m.tensor(2)))
    assert ember.empty(2, 3).shape == (2, 3) and ember.empty(2, dtype=ember.int16).dtype is ember.int16


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m: m.zeros(-1), RuntimeError, r"Trying to create tensor with negative dimension -1: \[-1\]"),
        (lambda m: m.ones(2, -1), RuntimeError, r"negative dimension -1: \[2, -1\]"),
        (lambda m: m.empty(-1), RuntimeError, "negative dimension"),
        (lambda m: m.zeros(2.0), TypeError, "must be tuple of ints, not float"),
        (lambda m: m.zeros(m.tensor(2.0)), TypeError, "must be tuple of ints, not Tensor"),
        (lambda m: m.zeros(), TypeError, "missing 1 required positional argument"),
        (lambda m: m.full(2, 1.5), TypeError, "must be tuple of ints, not int"),
        (lambda m: m.full((-1,), 1.0), RuntimeError, "negative dimension"),
        (lambda m: m.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1"),
        (lambda m: m.eye(2.5), TypeError, "must be int, not float"),
        (lambda m: m.zeros(2, dtype=m.float64, out=m.empty(2)), RuntimeError, r"dtype Double does not match dtype of out parameter \(Float\)"),
    ],
)
def test_factory_errors(fn, exc, match):
    check_error(fn, [], exc, match)


@pytest.mark.filterwarnings("ignore:The number of elements in the out tensor")
def test_out_argument_resizes_and_keeps_dtype():
    for m in (torch, ember):
        out = m.empty(5, dtype=m.int64)
        r = m.zeros(2, 3, out=out)
        assert r is out and tuple(out.shape) == (2, 3) and out.dtype == m.int64
        m.arange(4, out=out)
        assert out.tolist() == [0, 1, 2, 3]
        f = m.empty(0)
        m.linspace(0, 1, 3, out=f)
        m.full((2,), 7.0, out=f)
        assert f.tolist() == [7.0, 7.0]
    check_error(lambda m: m.zeros(2, out=m.empty(2, requires_grad=True)), [], RuntimeError)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.full((2, 3), 7),
        lambda m: m.full((2,), 1.5),
        lambda m: m.full((2,), True),
        lambda m: m.full([2], 1.5, dtype=m.int64),
        lambda m: m.full((2,), m.tensor(3)),
        lambda m: m.full((2,), m.tensor(3.0, dtype=m.float64)),
        lambda m: m.full((), 2.0, requires_grad=True),
        lambda m: m.full_like(m.zeros(2, dtype=m.int64), 2.7),
        lambda m: m.full_like(m.zeros(2), 1, dtype=m.int64),
        lambda m: m.zeros_like(m.ones(2, 3, requires_grad=True)),
        lambda m: m.ones_like(m.zeros(2), dtype=m.int32),
        lambda m: m.zeros_like(m.ones(2), requires_grad=True),
        lambda m: m.empty_like(m.ones(2, 3, dtype=m.float64)).shape,
        lambda m: m.scalar_tensor(3),
        lambda m: m.scalar_tensor(True),
        lambda m: m.scalar_tensor(2, dtype=m.int64),
        lambda m: m.eye(3),
        lambda m: m.eye(2, 3, dtype=m.int64),
        lambda m: m.eye(2, 0),
    ],
)
def test_fill_like_and_eye_factories(fn):
    got, expected = both(fn)
    if isinstance(expected, torch.Tensor):
        assert got.requires_grad == expected.requires_grad


def test_empty_strided():
    for m in (torch, ember):
        t = m.empty_strided((2, 3), (1, 2))
        assert t.stride() == (1, 2) and tuple(t.shape) == (2, 3)
        t.fill_(1.0)
        assert t.sum().item() == 6.0
        assert m.empty_strided((0, 3), (3, 1)).numel() == 0
        assert m.zeros(1).new_empty_strided((2, 2), (2, 1), dtype=m.float64).dtype == m.float64


# ------------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(5),
        lambda m: m.arange(2, 7),
        lambda m: m.arange(0, 1, 0.1),
        lambda m: m.arange(1, 2.5, 0.5),
        lambda m: m.arange(0, 5, 1.5, dtype=m.int64),
        lambda m: m.arange(5, 0, -1.5),
        lambda m: m.arange(10, 0, -3),
        lambda m: m.arange(m.tensor(3)),
        lambda m: m.arange(m.tensor(3.0)),
        lambda m: m.arange(np.int64(3)),
        lambda m: m.arange(np.float64(3)),
        lambda m: m.arange(0),
        lambda m: m.arange(3, 3),
        lambda m: m.arange(0, 3, dtype=m.float64),
        lambda m: m.arange(0, 1, 0.25, dtype=m.float16),
        lambda m: m.arange(0, 1e8, 1e7),
        lambda m: m.arange(3.0, requires_grad=True),
        lambda m: m.arange(-1, 1, 0.3),
        lambda m: m.arange(0, 10, 3.3),
        lambda m: m.arange(-3.7, 2, 1, dtype=m.int64),
        lambda m: m.arange(-3.7, 2, 1, dtype=m.int32),
        lambda m: m.arange(0.5, 5.5, 1.5, dtype=m.int16),
        lambda m: m.arange(5.5, 0.2, -1.5, dtype=m.int64),
        lambda m: m.arange(5.5, 0.2, -1.5, dtype=m.uint8),
        lambda m: m.arange(-3.7, 2.9, 0.9, dtype=m.int32),
    ],
)
def test_arange_matches_torch(fn):
    both(fn)


def test_arange_float_step_element_count_matches_torch():
    rng = np.random.default_rng(0)
    for _ in range(200):
        start = float(np.round(rng.uniform(-5, 5), 2))
        step = float(np.round(rng.uniform(0.01, 2), 2)) * (1 if rng.random() < 0.7 else -1)
        end = start + step * float(rng.uniform(0, 40))
        assert ember.arange(start, end, step).shape == torch.arange(start, end, step).shape, (start, end, step)
        np.testing.assert_allclose(ember.arange(start, end, step).numpy(), torch.arange(start, end, step).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m: m.arange(0, 5, -1), RuntimeError, "upper bound and lower bound inconsistent with step sign"),
        (lambda m: m.arange(0, 5, 0), RuntimeError, "step must be nonzero"),
        (lambda m: m.arange(-3.7, 2.9, 0.9, dtype=m.int64), RuntimeError, "step must be nonzero"),
        (lambda m: m.arange(0, float("inf")), RuntimeError, "unsupported range: 0 -> inf"),
        (lambda m: m.arange(0, 2, dtype=m.bool), NotImplementedError, "not implemented for 'Bool'"),
        (lambda m: m.linspace(2, 10, -1), RuntimeError, "number of steps must be non-negative"),
    ],
)
def test_range_errors(fn, exc, match):
    check_error(fn, [], exc, match)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.linspace(0, 1, 7),
        lambda m: m.linspace(-3, 5, 11),
        lambda m: m.linspace(0, 10, 5, dtype=m.int64),
        lambda m: m.linspace(2, 10, 1),
        lambda m: m.linspace(2, 10, 0),
        lambda m: m.linspace(m.tensor(0.0), m.tensor(1.0), 3),
        lambda m: m.linspace(m.tensor(0), m.tensor(4), 3),
        lambda m: m.linspace(0, 1, 5, dtype=m.float64),
        lambda m: m.logspace(0, 2, 3),
        lambda m: m.logspace(0, 2, 3, base=2),
        lambda m: m.logspace(-1, 1, 5, dtype=m.float64),
        lambda m: m.logspace(0, 2, 3, dtype=m.int64),
    ],
)
def test_linspace_logspace_match_torch(fn):
    both(fn)


def test_deprecated_range_includes_end_and_warns():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        got = ember.range(0, 1, 0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(got, torch.range(0, 1, 0.25))


# ------------------------------------------------------------ new_* methods
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.new_zeros(3),
        lambda m, x: x.new_zeros((3, 2)),
        lambda m, x: x.new_ones(2, 2, dtype=m.float64),
        lambda m, x: x.new_full((3,), 2.5),
        lambda m, x: x.new_full([2], 4, dtype=m.float32),
        lambda m, x: x.new_tensor([1.5, 2.5]),
        lambda m, x: x.new_tensor([[1, 2]], dtype=m.float64),
        lambda m, x: x.new_empty(2, 3).shape,
        lambda m, x: x.new_zeros(size=(1, 2)),
    ],
)
def test_new_methods_keep_dtype(fn):
    check(fn, inputs=[np.zeros(2, np.int32)], grad=False)
    check(fn, inputs=[np.zeros(2, np.float16)], grad=False)


def test_new_ones_requires_grad():
    both(lambda m: m.zeros(2).new_ones(2, requires_grad=True).requires_grad)


# ------------------------------------------------------------ fill_ / zero_
def test_fill_and_zero_match_torch():
    both(lambda m: m.zeros(2, dtype=m.int64).fill_(2.7))
    both(lambda m: m.zeros(2).fill_(m.tensor(3.0)))
    both(lambda m: m.ones(2, 2).zero_())
    both(lambda m: m.zeros(3, dtype=m.bool).fill_(1))
    check_error(lambda m: m.zeros(2).fill_(m.tensor([3.0])), [], RuntimeError, "fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions")


def test_fill_under_autograd_gives_zero_and_value_gradients():
    def fn(m, x, v):
        y = x * 2
        z = y[1:] * 1
        z.fill_(v * 3)
        w = x * 1
        w.zero_()
        return y * 1, z, w

    check(fn, [(4,), ()])
    x = ember.ones(3).clone()
    x.fill_(2.0)
    assert x.grad_fn is None
    y = ember.ones(3, requires_grad=True).clone()
    assert y.fill_(1.0).grad_fn.name() == "FillBackward2"
    assert y.zero_().grad_fn.name() == "ZeroBackward0"
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        ember.ones(2, requires_grad=True).fill_(0.0)
    with ember.no_grad():
        leaf = ember.ones(2, requires_grad=True)
        leaf.fill_(3.0)
    assert leaf.tolist() == [3.0, 3.0]


def test_fill_writes_through_views_and_bumps_version():
    x = ember.zeros(2, 3)
    v = x[:, 1]
    before = x._version
    v.fill_(5.0)
    assert x.tolist() == [[0.0, 5.0, 0.0], [0.0, 5.0, 0.0]]
    assert x._version == before + 1


@pytest.mark.parametrize("dtype,value", [("uint8", -1), ("uint8", -255), ("uint8", -256), ("uint8", 256), ("int8", 200), ("int32", 2**40)])
def test_fill_out_of_range_integers_wrap_or_raise_like_torch(dtype, value):
    results = []
    for m in (ember, torch):
        try:
            results.append(m.zeros(2, dtype=getattr(m, dtype)).fill_(value).tolist())
        except RuntimeError as err:
            results.append(str(err))
    assert results[0] == results[1]
