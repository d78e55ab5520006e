"""Small Tensor methods and the real-valued complex helpers (ember/ops/tensor_extras.py),
compared with torch."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.oracle import assert_same, check, check_error, gradcheck

F32 = np.float32


def arr(*shape, dtype=F32, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(dtype)


# ------------------------------------------------------------------- queries
def test_get_device_cpu_and_is_same_size():
    check(lambda m, x, y: (x.get_device(), x.is_same_size(y), x.is_same_size(x), m.is_same_size(x, x)), [(2, 3), (3, 2)], grad=False)


def test_is_same_size_rejects_non_tensor():
    check_error(lambda m, x: x.is_same_size(3), [arr(2)], TypeError, "must be Tensor, not int")


@pytest.mark.parametrize(
    "value",
    [np.array([0.0], F32), np.array([[2.5]], F32), np.array(np.nan, F32), np.array(True), np.array([0], np.int64)],
)
def test_is_nonzero_matches_torch(value):
    check(lambda m, x: (x.is_nonzero(), m.is_nonzero(x)), inputs=[value], grad=False)


@pytest.mark.parametrize(
    "value,match",
    [(np.zeros(0, F32), "no values is ambiguous"), (np.ones(2, F32), "more than one value is ambiguous")],
)
def test_is_nonzero_errors(value, match):
    check_error(lambda m, x: m.is_nonzero(x), [value], RuntimeError, match)
    check_error(lambda m, x: x.is_nonzero(), [value], RuntimeError, match)


def test_is_nonzero_rejects_non_tensor():
    check_error(lambda m: m.is_nonzero(3), [], TypeError, "must be Tensor, not int")


# --------------------------------------------------------------- sum_to_size
@pytest.mark.parametrize(
    "size",
    [(3, 1), ((1, 3, 4),), (torch.Size([4]),), ([3, 4],), (1, 1, 1), (2, 3, 4), (2, 1, 4)],
)
def test_sum_to_size_values_and_gradients(size):
    def fn(m, x):
        args = tuple(m.Size(s) if isinstance(s, torch.Size) else s for s in size)
        out = (x * 1).sum_to_size(*args)
        return out, out.grad_fn.name() if out.grad_fn is not None else None

    check(fn, [(2, 3, 4)])


def test_sum_to_size_same_shape_returns_self_and_int_promotes():
    x = ember.ones(2, 3)
    assert x.sum_to_size(2, 3) is x
    check(lambda m, x: x.sum_to_size(3), [(2, 3)], dtype="int8", grad=False)
    check(lambda m, x: x.sum_to_size(1), [(3,)], dtype="bool", grad=False)
    check(lambda m, x: x.sum_to_size(size=(3,)), [(2, 3)])


def test_sum_to_size_gradcheck():
    gradcheck(lambda m, x: x.sum_to_size(3, 1), [(2, 3, 4)])


@pytest.mark.parametrize("size", [(5,), (2, 2, 3, 4), (-1,)])
def test_sum_to_size_not_expandable(size):
    check_error(lambda m, x: x.sum_to_size(*size), [arr(2, 3, 4)], RuntimeError, r"is not expandable to size \{\[2, 3, 4\]\}")


def test_sum_to_size_argument_errors():
    check_error(lambda m, x: x.sum_to_size(), [arr(2)], TypeError)
    check_error(lambda m, x: x.sum_to_size(3.0), [arr(3)], TypeError, "tuple of ints")


# ------------------------------------------------------------- fill_diagonal_
@pytest.mark.parametrize(
    "shape,wrap",
    [((3, 3), False), ((7, 3), True), ((7, 3), False), ((10, 3), True), ((3, 7), True), ((2, 2, 2), False), ((2, 0), False), ((0, 0), True)],
)
def test_fill_diagonal_values_and_version(shape, wrap):
    def fn(m, x):
        v = x._version
        out = x.fill_diagonal_(5.0, wrap=wrap)
        return out is x, x, x._version - v

    check(fn, inputs=[np.zeros(shape, F32)], grad=False)


def test_fill_diagonal_on_views_and_transposes():
    check(lambda m, x: x.t().fill_diagonal_(3.0, wrap=True) * 1, inputs=[np.zeros((4, 5), F32)], grad=False)
    check(lambda m, x: (x[1:11].fill_diagonal_(1.0, wrap=True), x), inputs=[np.zeros((12, 3), F32)], grad=False)
    check(lambda m, x: (x[:, :3].fill_diagonal_(1.0, wrap=False), x), inputs=[np.zeros((10, 6), F32)], grad=False)
    # torch continues the wrapped diagonal through memory, even past the view's columns
    check(lambda m, x: (x[:, :3].fill_diagonal_(1.0, wrap=True), x), inputs=[np.zeros((10, 6), F32)], grad=False)
    check_error(lambda m, x: x.t().fill_diagonal_(1.0, wrap=True), [np.zeros((3, 10), F32)], RuntimeError, "out of bounds for storage")


@pytest.mark.parametrize(
    "dtype,value",
    [("int64", 2.7), ("bool", 2.7), ("int32", True), ("uint8", -1), ("float32", float("nan"))],
)
def test_fill_diagonal_value_conversion(dtype, value):
    check(lambda m, x: x.fill_diagonal_(value), [(3, 3)], dtype=dtype, grad=False)


def test_fill_diagonal_tensor_value():
    check(lambda m, x: x.fill_diagonal_(m.tensor(3.0)), inputs=[np.zeros((2, 2), F32)], grad=False)


def test_fill_diagonal_autograd_matches_torch():
    def fn(m, x):
        y = x * 2
        y.fill_diagonal_(1.0)
        return y, type(y.grad_fn).__name__

    check(fn, [(3, 3)])

    def through_view(m, x):
        y = x * 2
        y[1:].fill_diagonal_(1.0)
        return y, type(y.grad_fn).__name__

    check(through_view, [(4, 3)])


def test_fill_diagonal_gradcheck():
    gradcheck(lambda m, x: (x * 1).fill_diagonal_(0.5, wrap=True), [(5, 2)])


@pytest.mark.parametrize(
    "shape,match",
    [((3,), "dimensions must larger than 1"), ((2, 3, 2), "all dimensions of input must be of equal length")],
)
def test_fill_diagonal_shape_errors(shape, match):
    check_error(lambda m, x: x.fill_diagonal_(1.0), [np.zeros(shape, F32)], RuntimeError, match)


def test_fill_diagonal_argument_types():
    check_error(lambda m, x: x.fill_diagonal_(1, wrap=1), [np.zeros((2, 2), F32)], TypeError, "argument 'wrap' must be bool, not int")
    check_error(lambda m, x: x.fill_diagonal_("a"), [np.zeros((2, 2), F32)], TypeError, "must be Number, not str")


def test_fill_diagonal_errors_on_leaf_and_overflow():
    check_error(lambda m, x: x.requires_grad_().fill_diagonal_(1.0), [np.zeros((2, 2), F32)], RuntimeError, "leaf Variable that requires grad")
    check_error(lambda m, x: x.fill_diagonal_(300), [np.zeros((2, 2), np.int8)], RuntimeError, "without overflow")


# ------------------------------------------------------------------- splits
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.split_with_sizes([2, 3]),
        lambda m, x: x.split_with_sizes((1, 1), dim=1),
        lambda m, x: x.split_with_sizes(split_sizes=[4, 1], dim=-2),
        lambda m, x: m.split_with_sizes(x, [0, 5]),
        lambda m, x: x.unsafe_chunk(2),
        lambda m, x: x.unsafe_chunk(3, 1),
        lambda m, x: x.unsafe_split(2),
        lambda m, x: m.unsafe_split(x, 4, dim=0),
        lambda m, x: x.unsafe_split_with_sizes([2, 3]),
        lambda m, x: m.unsafe_split_with_sizes(x, [1, 1], 1),
        lambda m, x: m.unsafe_chunk(x, 2),
    ],
)
def test_splits_match_torch(fn):
    def named(m, x):
        pieces = fn(m, x * 1)
        return tuple(pieces) + tuple(p.grad_fn.name() for p in pieces)

    check(named, [(5, 2)])


def test_split_with_sizes_pieces_are_views():
    for m in (torch, ember):
        x = m.zeros(5, 2)
        a, b = x.split_with_sizes([2, 3])
        assert a._base is x and b._base is x and a.data_ptr() == x.data_ptr()
        a.add_(1)
        assert x._version == 1 and x.sum().item() == 4.0


def test_unsafe_split_shares_memory_but_not_version():
    for m in (torch, ember):
        z = m.arange(4.0)
        p = z.unsafe_split(2)
        assert p[0].data_ptr() == z.data_ptr()
        assert p[0]._base is None
        p[0].add_(1)
        assert z.tolist() == [1.0, 2.0, 2.0, 3.0]
        assert z._version == 0 and p[1]._version == 0


def test_unsafe_split_in_place_piece_keeps_gradient():
    def fn(m, x):
        y = x * 1
        pieces = m.unsafe_split(y, 2)
        pieces[0].add_(1)
        return pieces[0]

    check(fn, [(5, 2)])


def test_unsafe_chunk_of_empty_dim():
    check(lambda m, x: tuple(p.shape for p in x.unsafe_chunk(2)), [(0, 2)], grad=False)


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.split_with_sizes(2, 3), TypeError, "must be tuple of ints, not int"),
        (lambda m, x: x.split_with_sizes([2, 2]), RuntimeError, "sum exactly to 5"),
        (lambda m, x: x.split_with_sizes([6, -1]), RuntimeError, "non-negative entries"),
        (lambda m, x: x.split_with_sizes([2, 3], 2), IndexError, "Dimension out of range"),
        (lambda m, x: m.unsafe_chunk(x, 0), RuntimeError, "greater than 0"),
        (lambda m, x: m.unsafe_split(x, 0), RuntimeError, "split_size can only be 0"),
        (lambda m, x: m.unsafe_split(x, [2, 3]), TypeError, "must be int, not list"),
        (lambda m, x: m.unsafe_split_with_sizes(x, [2, 2]), RuntimeError, "sum exactly to 5"),
        (lambda m, x: x.sum().unsafe_chunk(2), RuntimeError, "at least a 1-dimensional"),
        (lambda m, x: x.sum().unsafe_split(2), RuntimeError, "at least a 1-dimensional"),
        (lambda m, x: x.sum().split_with_sizes([1]), RuntimeError, "at least a 1-dimensional"),
    ],
)
def test_split_errors(fn, exc, match):
    check_error(fn, [arr(5, 2)], exc, match)


# ------------------------------------------------------------------------ new
@pytest.mark.parametrize(
    "args",
    [(), ((2, 3),), ([2.5, 3],), ([[1, 2], [3, 4]],), ([],), ((),), (0,), (np.array([1.5, 2.0]),)],
)
def test_new_from_data_matches_torch(args):
    check(lambda m, x: x.new(*args), inputs=[np.ones(2, np.int32)], grad=False)


@pytest.mark.parametrize("args", [(2, 3), (4,), ("size",), ("Size",)])
def test_new_uninitialized_shape_and_dtype(args):
    def fn(m, x):
        if args == ("size",):
            out = x.new(size=(2,))
        elif args == ("Size",):
            out = x.new(m.Size([2, 3]))
        else:
            out = x.new(*args, device="cpu")
        return out.shape, str(out.dtype), out.requires_grad

    check(fn, inputs=[np.ones(2, F32)], grad=False)


def test_new_of_tensor_aliases_it():
    for m in (torch, ember):
        t = m.tensor([1.0, 2.0])
        n = t.new(t)
        assert n.data_ptr() == t.data_ptr() and n._base is t
    check(lambda m, x: (x.new(x), x.new(x).grad_fn.name()), [(3,)])


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.new(m.tensor([1.5, 2.0])), TypeError, r"expected TensorOptions\(dtype=int, .*got TensorOptions\(dtype=float"),
        (lambda m, x: x.new(3.5), TypeError, r"data must be a sequence \(got float\)"),
        (lambda m, x: x.new(True), TypeError, r"data must be a sequence \(got bool\)"),
        (lambda m, x: x.new("a"), TypeError, "invalid data type 'str'"),
        (lambda m, x: x.new(2.0, 3), TypeError, "invalid combination of arguments"),
        (lambda m, x: x.new(m.Size([2]), 3), TypeError, r"got \(torch.Size, int\)"),
        (lambda m, x: x.new(2, dtype=m.float32), TypeError, "invalid combination of arguments"),
        (lambda m, x: x.new(-1), RuntimeError, r"negative dimension -1: \[-1\]"),
    ],
)
def test_new_errors(fn, exc, match):
    check_error(fn, [np.ones(2, np.int32)], exc, match)


# ------------------------------------------------------------ resize_ family
def _resize_outcome(x, *sizes, **kw):
    v = x._version
    out = x.resize_(*sizes, **kw)
    return out is x, x.shape, x.stride(), x._version - v


@pytest.mark.parametrize(
    "sizes",
    [((2, 3),), (2, 2), ((3,),), ([3, 1],), (0,), ((),), (6,)],
)
def test_resize_shrinking_matches_torch(sizes):
    check(lambda m, x: _resize_outcome(x, *sizes) + (x * 1,), inputs=[np.arange(6, dtype=F32)], grad=False)


def test_resize_reads_storage_order_of_strided_tensors():
    check(lambda m, x: _resize_outcome(x.t(), 2, 2), inputs=[np.arange(12, dtype=F32).reshape(3, 4)], grad=False)

    def same_shape_keeps_strides(m, x):
        y = x.t()
        return _resize_outcome(y, 4, 3) + (y * 1,)

    check(same_shape_keeps_strides, inputs=[np.arange(12, dtype=F32).reshape(3, 4)], grad=False)

    def column_slice(m, x):
        y = x[:, :2]
        return _resize_outcome(y, 2, 2) + (y * 1,)

    check(column_slice, inputs=[np.arange(6, dtype=F32).reshape(2, 3)], grad=False)


def test_resize_reads_fortran_ordered_numpy_memory_in_address_order():
    data = np.asfortranarray(np.arange(12, dtype=F32).reshape(4, 3))
    check(lambda m, x: _resize_outcome(x, 2, 2) + (x * 1,), inputs=[data], grad=False)


def test_resize_of_a_view_stays_in_base_memory():
    def fn(m, x):
        v = x[:4]
        v.resize_(2, 2)
        v.mul_(10)
        return v, x, v._base is x

    check(fn, inputs=[np.arange(6, dtype=F32)], grad=False)


def test_resize_growing_keeps_old_values():
    for m in (torch, ember):
        x = m.arange(6.0)
        x.resize_(4, 2)
        assert tuple(x.shape) == (4, 2) and x.stride() == (2, 1)
        np.testing.assert_array_equal(np.asarray(x.reshape(-1)[:6].tolist()), np.arange(6.0))
        e = m.ones(2).expand(3, 2)
        e.resize_(2, 3)
        assert e.reshape(-1)[:2].tolist() == [1.0, 1.0]


def test_resize_memory_formats():
    check(lambda m, x: x.resize_(1, 3, 2, 1, memory_format=m.channels_last).stride() if m is torch
          else x.resize_(1, 3, 2, 1, memory_format=torch.channels_last).stride(), inputs=[np.arange(6, dtype=F32)], grad=False)
    check_error(lambda m, x: x.resize_(6, memory_format=torch.channels_last), [np.arange(6, dtype=F32)], RuntimeError, "rank 4")
    check_error(lambda m, x: x.resize_(2, 3, memory_format=torch.preserve_format), [np.arange(6, dtype=F32)], RuntimeError, "Unsupported memory format")


def test_resize_as_matches_torch():
    check(lambda m, x: _resize_outcome_as(m, x), inputs=[np.arange(6, dtype=F32)], grad=False)


def _resize_outcome_as(m, x):
    out = x.resize_as_(m.ones(3, 2).t())
    return out is x, x.stride(), x * 1


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda m, x: x.resize_(), TypeError, "missing 1 required positional arguments"),
        (lambda m, x: x.resize_(2.0), TypeError, "must be tuple of ints, not float"),
        (lambda m, x: x.resize_(-2), RuntimeError, "integer multiplication overflow"),
        (lambda m, x: x.resize_(2, -3), RuntimeError, "integer multiplication overflow"),
        (lambda m, x: x.requires_grad_().resize_(2, 3), RuntimeError, "cannot resize variables that require grad"),
        (lambda m, x: x.requires_grad_().resize_(6), RuntimeError, "cannot resize variables that require grad"),
        (lambda m, x: (x.requires_grad_() * 2).resize_(6), RuntimeError, "cannot resize variables that require grad"),
        (lambda m, x: x.resize_as_((2, 3)), TypeError, "must be Tensor, not tuple"),
        (lambda m, x: x.requires_grad_().resize_as_(m.ones(3)), RuntimeError, "cannot resize variables that require grad"),
    ],
)
def test_resize_errors(fn, exc, match):
    check_error(fn, [np.arange(6, dtype=F32)], exc, match)


def test_resize_under_no_grad_still_refuses_requires_grad():
    for m in (torch, ember):
        x = m.arange(6.0, requires_grad=True)
        with m.no_grad(), pytest.raises(RuntimeError, match="cannot resize"):
            x.resize_(2, 3)


# ------------------------------------------------------------- apply_ and map_
@pytest.mark.parametrize(
    "dtype,fn",
    [
        ("float32", lambda a: a * a + 0.5),
        ("int64", lambda a: a / 2),
        ("int64", lambda a: -a - 0.7),
        ("bool", lambda a: not a),
        ("float16", lambda a: 1e10),
        ("float64", lambda a: np.float64(a) * 3),
        ("uint8", lambda a: -a),
        ("int32", lambda a: True),
    ],
)
def test_apply_matches_torch(dtype, fn):
    def run(m, x):
        v = x._version
        seen = []
        out = x.apply_(lambda a: seen.append(type(a).__name__) or fn(a))
        return out is x, x, x._version - v, seen

    check(run, [(2, 3)], dtype=dtype, grad=False)


def test_apply_tensor_return_and_element_order():
    check(lambda m, x: x.apply_(lambda a: m.tensor(2)), inputs=[np.arange(6).reshape(2, 3)], grad=False)

    def order(m, x):
        seen = []
        x.t().apply_(lambda a: seen.append(a) or a)
        return seen

    check(order, inputs=[np.arange(12, dtype=F32).reshape(3, 4)], grad=False)

    def on_view(m, x):
        x[1:3].apply_(lambda a: -a)
        return x, x._version

    check(on_view, inputs=[np.arange(6, dtype=F32)], grad=False)


@pytest.mark.parametrize(
    "dtype,fn,exc,match",
    [
        ("int64", lambda a: "a", TypeError, "'str' object cannot be interpreted as an integer"),
        ("int64", lambda a: None, TypeError, "'NoneType' object cannot be interpreted as an integer"),
        ("float32", lambda a: "1.5", TypeError, "must be real number, not str"),
        ("float32", lambda a: None, TypeError, "must be real number, not NoneType"),
        ("float32", lambda a: 1 + 2j, TypeError, "must be real number, not complex"),
        ("uint8", lambda a: -256, RuntimeError, "value cannot be converted to type uint8 without overflow"),
        ("uint8", lambda a: 256, RuntimeError, "value cannot be converted to type uint8 without overflow"),
        ("int8", lambda a: 1000, RuntimeError, "value cannot be converted to type int8 without overflow"),
        ("int32", lambda a: 2**40, RuntimeError, "int32 without overflow"),
        ("int64", lambda a: float("nan"), RuntimeError, "int64 without overflow"),
        ("int64", lambda a: 2**70, ValueError, "Overflow when unpacking long long"),
        ("float32", lambda a: 1 / 0, ZeroDivisionError, None),
    ],
)
def test_apply_errors(dtype, fn, exc, match):
    check_error(lambda m, x: x.apply_(fn), [np.zeros(3, np.dtype(dtype))], exc, match)


def test_apply_uint8_wraps_negatives_like_torch():
    for value in (-1, -128, -255, 255):
        check(lambda m, x, value=value: x.apply_(lambda a: value), inputs=[np.zeros(1, np.uint8)], grad=False)


def test_apply_and_map_refuse_requires_grad():
    for op in ("apply_", "map_"):
        args = (lambda a: a,) if op == "apply_" else (None, lambda a, b: a)

        def call(m, x, op=op, args=args):
            a = tuple(m.ones(3) if v is None else v for v in args)
            return getattr(x.requires_grad_(), op)(*a)

        check_error(call, [arr(3)], RuntimeError, rf"Can't call {op}\(\) on Variable that requires grad")

    def nonleaf(m, x):
        return (x.requires_grad_() * 2).apply_(lambda a: a)

    check_error(nonleaf, [arr(3)], RuntimeError, "requires grad")
    check_error(lambda m, x: x.map_(m.ones(3, requires_grad=True), lambda a, b: a), [arr(3)], RuntimeError, r"Can't call map_\(\)")


def test_map_matches_torch():
    def run(m, x, y):
        v = x._version
        out = x.map_(y, lambda a, b: a * b + 1)
        return out is x, x, y, x._version - v

    check(run, [(2, 3), (3,)], grad=False)
    check(run, [(2, 3), (2, 3)], dtype="int64", grad=False)


@pytest.mark.parametrize(
    "make_other,exc,match",
    [
        (lambda m: m.arange(6.0).reshape(2, 3), RuntimeError, "must be greater or equal to the number of dimensions"),
        (lambda m: m.tensor([1, 2, 3]), TypeError, r"map_: expected torch.FloatTensor for 'other' \(got torch.LongTensor\)"),
        (lambda m: m.ones(3, dtype=m.float64), TypeError, r"expected torch.FloatTensor for 'other' \(got torch.DoubleTensor\)"),
        (lambda m: 3, TypeError, "must be Tensor, not int"),
        (lambda m: m.ones(4), RuntimeError, r"expanded size of the tensor \(3\) must match the existing size \(4\)"),
    ],
)
def test_map_errors(make_other, exc, match):
    check_error(lambda m, x: x.map_(make_other(m), lambda a, b: a * b), [arr(3)], exc, match)


# ------------------------------------------------------------- complex helpers
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.real,
        lambda m, x: m.real(x),
        lambda m, x: x.conj(),
        lambda m, x: m.conj(x),
        lambda m, x: x.conj_physical(),
        lambda m, x: m.conj_physical(x),
        lambda m, x: x.resolve_conj(),
        lambda m, x: m.resolve_conj(x),
        lambda m, x: x.resolve_neg(),
        lambda m, x: m.resolve_neg(x),
    ],
)
def test_real_helpers_are_identities(fn):
    check(lambda m, x: (fn(m, x), fn(m, x) is x), [(2, 3)])
    check(lambda m, x: (fn(m, x), fn(m, x) is x), [(4,)], dtype="int64", grad=False)


def test_is_conj_is_neg_false():
    check(lambda m, x: (x.is_conj(), x.is_neg(), m.is_conj(x), m.is_neg(x)), [(2,)], grad=False)


def test_imag_errors_for_real_tensors():
    match = "imag is not implemented for tensors with non-complex dtypes"
    check_error(lambda m, x: x.imag, [arr(2)], RuntimeError, match)
    check_error(lambda m, x: m.imag(x), [arr(2)], RuntimeError, match)
    check_error(lambda m, x: setattr(x, "imag", m.ones(2)), [arr(2)], RuntimeError, match)
    check_error(lambda m, x: x.imag, [np.arange(2)], RuntimeError, match)


def test_real_setter_copies_values():
    def fn(m, x):
        x.real = m.tensor([3.0, 4.0])
        return x

    check(fn, [(2,)], grad=False)


def test_conj_physical_inplace():
    check(lambda m, x: x.conj_physical_() is x, [(2,)], grad=False)
    check_error(lambda m, x: x.requires_grad_().conj_physical_(), [arr(2)], RuntimeError, "leaf Variable that requires grad")


# -------------------------------------------------------------------- angle
SPECIAL = np.array([1.0, -2.0, 0.0, -0.0, np.nan, -np.inf, np.inf, -1e-30], F32)


def test_angle_values_and_zero_gradient():
    out, _ = check(lambda m, x: (m.angle(x), x.angle()), inputs=[SPECIAL])
    assert out[0].grad_fn.name() == "AngleBackward0"
    check(lambda m, x: m.angle(x), [(3, 4)])


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "int32", "uint8", "bool"])
def test_angle_dtypes(dtype):
    check(lambda m, x: m.angle(x), [(5,)], dtype=dtype, grad=False, atol=1e-3)


def test_angle_out_and_errors():
    check(lambda m, x: m.angle(x, out=m.empty(3)), [(3,)], grad=False)
    check_error(lambda m, x: m.angle(x.requires_grad_(), out=m.empty(3)), [arr(3)], RuntimeError, "out=")
    check_error(lambda m: m.angle(3.0), [], TypeError)


def test_angle_gradcheck():
    gradcheck(lambda m, x: m.angle(x) * x, [(2, 3)], low=-2.0, high=-0.5)
    gradcheck(lambda m, x: m.angle(x) + x, [(2, 3)], low=0.5, high=2.0)


def test_angle_is_pi_in_the_tensor_dtype():
    assert ember.angle(ember.tensor([-1.0], dtype=ember.float64)).item() == math.pi
    assert_same(ember.angle(ember.tensor([-1.0])), torch.angle(torch.tensor([-1.0])), atol=0, rtol=0)
