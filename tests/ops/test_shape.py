"""Shape, view, joining and rearranging ops against torch: values, dtypes, gradients,
grad_fn names, float64 gradcheck/gradgradcheck, and errors (type and message)."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

# (fn, input shapes): fn(m, *inputs) runs unchanged on ember and torch.
VIEW_OPS = [
    (lambda m, x: x.view(6, 4), [(2, 3, 4)]),
    (lambda m, x: x.view(-1), [(2, 3, 4)]),
    (lambda m, x: x.view((4, -1, 2)), [(2, 3, 4)]),
    (lambda m, x: x.view(m.Size([2, 12])), [(2, 3, 4)]),
    (lambda m, x: x.transpose(0, 1).view(3, 2, 2, 2), [(2, 3, 4)]),
    (lambda m, x: x.view(()), [(1, 1)]),
    (lambda m, x, o: x.view_as(o), [(2, 3), (3, 2)]),
    (lambda m, x: x.reshape(4, 6), [(2, 3, 4)]),
    (lambda m, x: x.t().reshape(-1), [(3, 4)]),
    (lambda m, x: m.reshape(x.permute(2, 0, 1), (4, -1)), [(2, 3, 4)]),
    (lambda m, x, o: x.t().reshape_as(o), [(2, 3), (6,)]),
    (lambda m, x: x.flatten(), [(2, 3, 4)]),
    (lambda m, x: x.flatten(1), [(2, 3, 4)]),
    (lambda m, x: m.flatten(x, 0, -2), [(2, 3, 4)]),
    (lambda m, x: x.transpose(1, 2).flatten(1), [(2, 3, 4)]),
    (lambda m, x: x.flatten(), [()]),
    (lambda m, x: x.unflatten(1, (3, 1)), [(2, 3, 4)]),
    (lambda m, x: x.unflatten(-1, (2, -1)), [(2, 3, 4)]),
    (lambda m, x: m.unflatten(x.t(), 0, (2, 2)), [(3, 4)]),
    (lambda m, x: x.ravel(), [(2, 3)]),
    (lambda m, x: m.ravel(x.t()), [(2, 3)]),
    (lambda m, x: x.squeeze(), [(1, 3, 1, 2)]),
    (lambda m, x: x.squeeze(0), [(1, 3, 1, 2)]),
    (lambda m, x: x.squeeze(-2), [(1, 3, 1, 2)]),
    (lambda m, x: x.squeeze(1), [(1, 3, 1, 2)]),
    (lambda m, x: m.squeeze(x, (0, 2, 3)), [(1, 3, 1, 2)]),
    (lambda m, x: x.squeeze(0), [()]),
    (lambda m, x: x.unsqueeze(0), [(2, 3)]),
    (lambda m, x: x.unsqueeze(-1), [(2, 3)]),
    (lambda m, x: m.unsqueeze(x, 1), [(2, 3)]),
    (lambda m, x: x.unsqueeze(0), [()]),
    (lambda m, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    (lambda m, x: m.permute(x, (-1, 0, 1)), [(2, 3, 4)]),
    (lambda m, x: x.permute([1, 0]), [(2, 3)]),
    (lambda m, x: x.movedim(0, -1), [(2, 3, 4)]),
    (lambda m, x: m.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    (lambda m, x: m.moveaxis(x, -1, 0), [(2, 3, 4)]),
    (lambda m, x: x.transpose(0, 2), [(2, 3, 4)]),
    (lambda m, x: m.transpose(x, -1, -2), [(2, 3, 4)]),
    (lambda m, x: x.swapaxes(0, 1), [(2, 3)]),
    (lambda m, x: m.swapdims(x, 1, 0), [(2, 3)]),
    (lambda m, x: x.transpose(0, -1), [()]),
    (lambda m, x: x.t(), [(2, 3)]),
    (lambda m, x: m.t(x), [(3,)]),
    (lambda m, x: x.t(), [()]),
    (lambda m, x: x.T, [(2, 3)]),
    (lambda m, x: x.mT, [(2, 3, 4)]),
    (lambda m, x: x.mH, [(2, 3, 4)]),
    (lambda m, x: x.H, [(2, 3)]),
    (lambda m, x: x.adjoint(), [(2, 3, 4)]),
    (lambda m, x: x.expand(2, 3), [(3,)]),
    (lambda m, x: x.expand(4, -1, 3), [(2, 1)]),
    (lambda m, x: x.expand(2, 3), [(2, 3)]),
    (lambda m, x: x.expand((2, 2, 3)), [(1, 3)]),
    (lambda m, x, o: x.expand_as(o), [(3, 1), (2, 3, 4)]),
    (lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    (lambda m, x: m.broadcast_to(x, (-1, 4)), [(3, 1)]),
    (lambda m, x, y: m.broadcast_tensors(x, y), [(3, 1), (2, 1, 4)]),
    (lambda m, x, y: m.broadcast_tensors(x, y), [(2, 3), (2, 3)]),
    (lambda m, x: x.narrow(1, 1, 2), [(2, 3, 4)]),
    (lambda m, x: m.narrow(x, -1, -3, 2), [(2, 3, 4)]),
    (lambda m, x: x.narrow(0, 2, 0), [(2, 3)]),
    (lambda m, x: x.select(1, 2), [(2, 3, 4)]),
    (lambda m, x: m.select(x, -1, -1), [(2, 3, 4)]),
    (lambda m, x: x.select(0, 1), [(3,)]),
    (lambda m, x: x.diagonal(), [(3, 4)]),
    (lambda m, x: x.diagonal(1), [(3, 4)]),
    (lambda m, x: x.diagonal(-2), [(3, 4)]),
    (lambda m, x: x.diagonal(5), [(3, 4)]),
    (lambda m, x: m.diagonal(x, 1, 2, 0), [(2, 3, 4)]),
    (lambda m, x: x.diagonal(0, -1, -2), [(2, 3, 4)]),
    (lambda m, x: x.t().diagonal(), [(3, 4)]),
    (lambda m, x: x.as_strided((2, 2), (1, 2)), [(2, 3)]),
    (lambda m, x: m.as_strided(x, (3, 3), (1, 1)), [(6,)]),
    (lambda m, x: x[1:].as_strided((2,), (2,)), [(6,)]),
    (lambda m, x: x.as_strided((2, 2), (2, 1), 1), [(2, 3)]),
    (lambda m, x: x.unfold(0, 2, 1), [(5,)]),
    (lambda m, x: x.unfold(1, 2, 2), [(2, 5, 3)]),
    (lambda m, x: x.unfold(-1, 3, 1), [(2, 5)]),
    (lambda m, x: x.t().unfold(0, 2, 1), [(2, 3)]),
    (lambda m, x: x.unfold(0, 1, 1), [()]),
    (lambda m, x: m.atleast_1d(x), [()]),
    (lambda m, x: m.atleast_1d(x), [(2, 3)]),
    (lambda m, x: m.atleast_2d(x), [()]),
    (lambda m, x: m.atleast_2d(x), [(3,)]),
    (lambda m, x: m.atleast_3d(x), [()]),
    (lambda m, x: m.atleast_3d(x), [(3,)]),
    (lambda m, x: m.atleast_3d(x), [(2, 3)]),
    (lambda m, x, y: m.atleast_2d(x, y), [(), (2,)]),
    (lambda m, x, y: m.atleast_1d([x, y]), [(), (2,)]),
    (lambda m, x: x.contiguous(), [(2, 3)]),
    (lambda m, x: x.t().contiguous(), [(2, 3)]),
]

COPY_OPS = [
    (lambda m, x: x.repeat(2, 3), [(2, 3)]),
    (lambda m, x: x.repeat(2, 1, 3), [(2, 3)]),
    (lambda m, x: x.repeat((1, 0)), [(2, 3)]),
    (lambda m, x: x.repeat(()), [()]),
    (lambda m, x: x.t().repeat(2, 2), [(2, 3)]),
    (lambda m, x: x.tile((2,)), [(2, 3)]),
    (lambda m, x: m.tile(x, (2, 1, 2)), [(2, 3)]),
    (lambda m, x: x.tile(2, 3), [()]),
    (lambda m, x: x.repeat_interleave(2), [(2, 3)]),
    (lambda m, x: x.repeat_interleave(3, dim=1), [(2, 3)]),
    (lambda m, x: m.repeat_interleave(x, 2, -2), [(2, 3)]),
    (lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=1), [(2, 3)]),
    (lambda m, x: x.repeat_interleave(m.tensor(2), dim=0), [(2, 3)]),
    (lambda m, x: x.repeat_interleave(m.tensor([3])), [(2, 3)]),
    (lambda m, x: x.repeat_interleave(2), [()]),
    (lambda m, x: x.flip(0), [(2, 3, 4)]),
    (lambda m, x: x.flip(0, -1), [(2, 3, 4)]),
    (lambda m, x: m.flip(x, (1,)), [(2, 3, 4)]),
    (lambda m, x: x.flip(()), [(2, 3)]),
    (lambda m, x: x.t().flip(0), [(2, 3)]),
    (lambda m, x: x.fliplr(), [(2, 3, 4)]),
    (lambda m, x: m.flipud(x), [(3,)]),
    (lambda m, x: x.roll(1), [(2, 3)]),
    (lambda m, x: x.roll(-4), [(2, 3)]),
    (lambda m, x: x.roll(1, 0), [(2, 3)]),
    (lambda m, x: m.roll(x, (1, -2), (1, -1)), [(2, 3, 4)]),
    (lambda m, x: x.t().roll(2, 0), [(2, 3)]),
    (lambda m, x: x.rot90(), [(2, 3)]),
    (lambda m, x: x.rot90(2), [(2, 3)]),
    (lambda m, x: x.rot90(3), [(2, 3)]),
    (lambda m, x: x.rot90(4), [(2, 3)]),
    (lambda m, x: x.rot90(-1, (0, 2)), [(2, 3, 4)]),
    (lambda m, x: m.rot90(x, 1, [-1, 1]), [(2, 3, 4)]),
    (lambda m, x: x.tril(), [(3, 4)]),
    (lambda m, x: x.tril(-1), [(2, 3, 4)]),
    (lambda m, x: m.triu(x, 1), [(3, 4)]),
    (lambda m, x: x.t().triu(-1), [(3, 4)]),
    (lambda m, x: x.diag(), [(3,)]),
    (lambda m, x: x.diag(1), [(3,)]),
    (lambda m, x: m.diag(x, -2), [(3,)]),
    (lambda m, x: x.diag(), [(3, 4)]),
    (lambda m, x: x.diag(-1), [(3, 4)]),
    (lambda m, x: x.t().diag(1), [(3, 4)]),
    (lambda m, x: x.diag_embed(), [(2, 3)]),
    (lambda m, x: x.diag_embed(1, 0, 2), [(2, 3)]),
    (lambda m, x: m.diag_embed(x, -1, -1, 0), [(2, 3)]),
    (lambda m, x: x.diagflat(), [(2, 2)]),
    (lambda m, x: m.diagflat(x, -1), [(3,)]),
    (lambda m, x: x.diagflat(), [()]),
]

JOIN_OPS = [
    (lambda m, x, y: m.cat([x, y]), [(2, 3), (1, 3)]),
    (lambda m, x, y: m.cat((x, y), 1), [(2, 3), (2, 1)]),
    (lambda m, x, y: m.cat([x, y], dim=-1), [(2, 3), (2, 2)]),
    (lambda m, x, y: m.cat([x.t(), y]), [(2, 3), (1, 2)]),
    (lambda m, x, y: m.concat([x, y]), [(2,), (3,)]),
    (lambda m, x, y: m.concatenate([x, y], 0), [(2,), (3,)]),
    (lambda m, x, y: m.cat([x, y], 1), [(2, 3), (0,)]),
    (lambda m, x, y: m.cat([x, y, x]), [(0,), (2,)]),
    (lambda m, x: m.cat([x]), [(2, 3)]),
    (lambda m, x, y: m.stack([x, y]), [(2, 3), (2, 3)]),
    (lambda m, x, y: m.stack((x, y), 1), [(2, 3), (2, 3)]),
    (lambda m, x, y: m.stack([x, y], -1), [(2, 3), (2, 3)]),
    (lambda m, x, y: m.stack([x, y]), [(), ()]),
    (lambda m, x, y: m.hstack([x, y]), [(2,), (3,)]),
    (lambda m, x, y: m.hstack([x, y]), [(2, 3), (2, 1)]),
    (lambda m, x, y: m.hstack([x, y]), [(), ()]),
    (lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
    (lambda m, x, y: m.row_stack([x, y]), [(3,), (3,)]),
    (lambda m, x, y: m.dstack([x, y]), [(3,), (3,)]),
    (lambda m, x, y: m.dstack([x, y]), [(2, 3), (2, 3, 2)]),
    (lambda m, x, y, z: m.column_stack([x, y, z]), [(3,), (3, 2), (3,)]),
    (lambda m, x, y: m.column_stack([x, y]), [(), (1,)]),
    (lambda m, x: x.split(2), [(5, 3)]),
    (lambda m, x: x.split(2, 1), [(2, 5)]),
    (lambda m, x: m.split(x, [1, 3, 0], dim=-1), [(2, 4)]),
    (lambda m, x: x.split(7), [(5,)]),
    (lambda m, x: x.split(0), [(0, 2)]),
    (lambda m, x: x.tensor_split(3), [(7, 2)]),
    (lambda m, x: x.tensor_split([1, 4], 1), [(2, 5)]),
    (lambda m, x: x.tensor_split([3, 1, -1]), [(5,)]),
    (lambda m, x: x.tensor_split(m.tensor([1, 2]), 1), [(2, 3)]),
    (lambda m, x: x.tensor_split(m.tensor(2)), [(5,)]),
    (lambda m, x: x.hsplit(2), [(2, 4)]),
    (lambda m, x: x.hsplit([1]), [(4,)]),
    (lambda m, x: m.vsplit(x, [1, 2]), [(3, 2)]),
    (lambda m, x: m.dsplit(x, 2), [(1, 2, 4)]),
    (lambda m, x: x.chunk(3), [(5, 2)]),
    (lambda m, x: x.chunk(4, 1), [(2, 6)]),
    (lambda m, x: m.chunk(x, 2, -1), [(2, 0)]),
    (lambda m, x: x.chunk(2), [(0, 3)]),
    (lambda m, x: x.unbind(), [(3, 2)]),
    (lambda m, x: m.unbind(x, -1), [(3, 2)]),
    (lambda m, x: x.t().unbind(0), [(3, 2)]),
    (lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [(2,), (3,)]),
    (lambda m, x, y, z: m.meshgrid(x, y, z, indexing="xy"), [(2,), (3,), (4,)]),
    (lambda m, x, y: m.meshgrid([x, y], indexing="xy"), [(), (3,)]),
    (lambda m, x: m.meshgrid(x, indexing="xy"), [(3,)]),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn,shapes", VIEW_OPS + COPY_OPS + JOIN_OPS)
def test_float_op_matches_torch_with_gradients(fn, shapes):
    check(fn, shapes)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("dtype", ["int64", "bool", "float64", "float16", "uint8"])
@pytest.mark.parametrize("fn,shapes", [c for c in VIEW_OPS[::3] + COPY_OPS[::3] + JOIN_OPS[::3] if () not in c[1]])
def test_other_dtypes_match_torch(fn, shapes, dtype):
    check(fn, shapes, dtype=dtype, grad=dtype in ("float64", "float16"), low=-3, high=3)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn,shapes", VIEW_OPS + COPY_OPS + JOIN_OPS)
def test_grad_fn_names_match_torch(fn, shapes):
    """torch's node names, for every differentiable output."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    t_out = fn(torch, *[torch.tensor(a, requires_grad=True) * 1 for a in arrays])
    e_out = fn(ember, *[ember.tensor(a, requires_grad=True) * 1 for a in arrays])
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    e_outs = e_out if isinstance(e_out, (tuple, list)) else (e_out,)
    t_names = [type(o.grad_fn).__name__ for o in t_outs]
    e_names = [type(o.grad_fn).__name__ for o in e_outs]
    assert e_names == t_names


def test_cat_and_stack_promote_dtypes_like_torch():
    pairs = [("int32", "float16"), ("bool", "uint8"), ("int8", "uint8"), ("int64", "float32"), ("bool", "int64")]
    for a, b in pairs:
        check(lambda m, x, y: m.cat([x, y]), [(2,), (3,)], dtype=[a, b], grad=False)
        check(lambda m, x, y: m.stack([x, y]), [(2,), (2,)], dtype=[a, b], grad=False)
    # the skipped empty 1-D tensor still takes part in promotion
    check(lambda m, x, y: m.cat([x, y], 1), [(2, 3), (0,)], dtype=["float32", "float64"])


def test_cat_out_argument():
    out = ember.empty(4)
    r = ember.cat([ember.ones(2), ember.zeros(2)], out=out)
    assert r is out and out.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_repeat_interleave_counts_only():
    check(lambda m, r: m.repeat_interleave(r), inputs=[np.array([2, 0, 3])], grad=False)


def test_view_dtype_matches_torch():
    check(lambda m, x: x.view(m.int32), [(2, 3)], grad=False)
    check(lambda m, x: x.view(m.float16), [(2, 3)], grad=False)
    check(lambda m, x: x.view(m.float64), [(2, 4)], grad=False)
    check(lambda m, x: x.view(m.int8), [(3,)], grad=False)
    check(lambda m, x: x.t().view(m.int32), [(2, 3)], grad=False)
    check(lambda m, x: x[:, :2].view(m.float64), [(4, 4)], grad=False)
    check(lambda m, x: x.view(m.int32), [()], grad=False)
    check(lambda m, x: x.view(m.uint8), [(2,)], dtype="bool", grad=False)


# ----------------------------------------------------------------- gradcheck
GRADCHECK_OPS = [
    (lambda m, x: x.view(3, 2) * x.view(3, 2), [(2, 3)]),
    (lambda m, x: x.t().reshape(-1) ** 2, [(2, 3)]),
    (lambda m, x: x.flatten().unflatten(0, (3, 2)), [(2, 3)]),
    (lambda m, x: x.unsqueeze(1).squeeze() ** 2, [(2, 3)]),
    (lambda m, x: x.permute(1, 0, 2).movedim(0, 2) ** 2, [(2, 3, 2)]),
    (lambda m, x: x.transpose(0, 1).t() * x, [(2, 3)]),
    (lambda m, x: x.expand(2, 3, 2) ** 2, [(3, 1)]),
    (lambda m, x, y: m.broadcast_tensors(x, y)[0] * m.broadcast_tensors(x, y)[1], [(3, 1), (2,)]),
    (lambda m, x: x.narrow(1, 1, 2) ** 2, [(2, 3)]),
    (lambda m, x: x.select(0, 1) ** 2, [(2, 3)]),
    (lambda m, x: x.diagonal(1, 0, 2) ** 2, [(3, 2, 3)]),
    (lambda m, x: x.as_strided((3, 2), (1, 1)) ** 2, [(2, 3)]),
    (lambda m, x: x.unfold(1, 2, 1) ** 2, [(2, 4)]),
    (lambda m, x: m.atleast_3d(x) ** 2, [(3,)]),
    (lambda m, x: x.repeat(2, 1, 2) ** 2, [(2, 2)]),
    (lambda m, x: x.tile((2,)) ** 2, [(3,)]),
    (lambda m, x: x.repeat_interleave(2, dim=0) ** 2, [(2, 2)]),
    (lambda m, x: x.repeat_interleave(m.tensor([2, 0, 1]), dim=1) ** 2, [(2, 3)]),
    (lambda m, x: x.flip(0, 1) * x, [(2, 3)]),
    (lambda m, x: x.roll((1, 1), (0, 1)) * x, [(2, 3)]),
    (lambda m, x: x.roll(2) * x, [(2, 3)]),
    (lambda m, x: x.rot90(1) ** 2, [(2, 3)]),
    (lambda m, x: x.rot90(3, (1, 0)) ** 2, [(2, 3)]),
    (lambda m, x: x.tril(-1) * x, [(3, 3)]),
    (lambda m, x: x.triu(1) * x, [(2, 3, 3)]),
    (lambda m, x: x.diag() ** 2, [(3,)]),
    (lambda m, x: x.diag(1) ** 2, [(3, 3)]),
    (lambda m, x: x.diag_embed(1, 0, 2) ** 2, [(2, 2)]),
    (lambda m, x: x.diagflat() ** 2, [(2, 2)]),
    (lambda m, x, y: m.cat([x, y], 1) ** 2, [(2, 1), (2, 2)]),
    (lambda m, x, y: m.stack([x, y], 1) ** 2, [(2,), (2,)]),
    (lambda m, x, y: m.column_stack([x, y]) ** 2, [(2,), (2, 2)]),
    (lambda m, x: [p ** 2 for p in x.split([1, 2], 1)], [(2, 3)]),
    (lambda m, x: [p ** 2 for p in x.chunk(2)], [(3, 2)]),
    (lambda m, x: [p ** 2 for p in x.tensor_split(2, 1)], [(2, 3)]),
    (lambda m, x: [p ** 2 for p in x.unbind(1)], [(2, 3)]),
    (lambda m, x, y: [g ** 2 for g in m.meshgrid(x, y, indexing="xy")], [(2,), (3,)]),
]


@pytest.mark.parametrize("fn,shapes", GRADCHECK_OPS)
def test_gradcheck_and_gradgradcheck(fn, shapes):
    def wrapped(m, *xs):
        out = fn(m, *xs)
        return tuple(out) if isinstance(out, list) else out

    gradcheck(wrapped, shapes)


# -------------------------------------------------------------------- errors
def _arr(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


ERRORS = [
    (lambda m, x: x.t().view(-1), [_arr(2, 3)], RuntimeError, r"view size is not compatible .* Use \.reshape"),
    (lambda m, x: x.view(5, -1), [_arr(2, 3, 4)], RuntimeError, r"shape '\[5, -1\]' is invalid for input of size 24"),
    (lambda m, x: x.reshape(-1, -1), [_arr(2, 3)], RuntimeError, "only one dimension can be inferred"),
    (lambda m, x: x.view(-2, 3), [_arr(2, 3)], RuntimeError, r"invalid shape dimension -2 at index 0 of shape \[-2, 3\]"),
    (lambda m, x: x.view(-1, 0), [_arr(0, 3)], RuntimeError, r"cannot reshape tensor of 0 elements into shape \[-1, 0\]"),
    (lambda m, x: x.view(m.float64), [_arr(2, 3)], RuntimeError, r"self.size\(-1\) must be divisible by 2 to view Float as Double"),
    (lambda m, x: x.t().view(m.float16), [_arr(2, 4)], RuntimeError, r"self.stride\(-1\) must be 1 to view Float as Half"),
    (lambda m, x: x.view(m.float16), [_arr()], RuntimeError, r"self.dim\(\) cannot be 0 to view Float as Half"),
    (lambda m, x: x.flatten(2, 1), [_arr(2, 3, 4)], RuntimeError, "start_dim cannot come after end_dim"),
    (lambda m, x: x.flatten(0, 3), [_arr(2, 3, 4)], IndexError, r"expected to be in range of \[-3, 2\], but got 3"),
    (lambda m, x: x.unflatten(2, (3, -1)), [_arr(2, 3, 4)], RuntimeError, r"unflatten: Provided sizes \[3, -1\] don't multiply up to the size of dim 2 \(4\)"),
    (lambda m, x: x.unflatten(0, ()), [_arr(2, 3)], RuntimeError, "unflatten: sizes must be non-empty"),
    (lambda m, x: x.squeeze(3), [_arr(2, 3, 4)], IndexError, "Dimension out of range"),
    (lambda m, x: x.squeeze((0, 0)), [_arr(1, 2)], RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda m, x: x.unsqueeze(4), [_arr(2, 3, 4)], IndexError, r"\[-4, 3\], but got 4"),
    (lambda m, x: x.permute(0, 1), [_arr(2, 3, 4)], RuntimeError, r"input.dim\(\) = 3 is not equal to len\(dims\) = 2"),
    (lambda m, x: x.permute(0, 1, 1), [_arr(2, 3, 4)], RuntimeError, "duplicate dims are not allowed"),
    (lambda m, x: x.movedim((0, 1), (1,)), [_arr(2, 3, 4)], RuntimeError, r"movedim: Invalid source or destination dims"),
    (lambda m, x: x.movedim((0, 1), (1, 1)), [_arr(2, 3, 4)], RuntimeError, r"movedim: repeated dim in `destination` \(\[1, 1\]\)"),
    (lambda m, x: x.transpose(0, 3), [_arr(2, 3, 4)], IndexError, "Dimension out of range"),
    (lambda m, x: x.t(), [_arr(2, 3, 4)], RuntimeError, r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda m, x: x.mT, [_arr(3)], RuntimeError, "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
    (lambda m, x: x.H, [_arr(2, 2, 2)], RuntimeError, r"tensor.H is only supported on matrices \(2-D tensors\). Got 3-D tensor."),
    (lambda m, x: x.expand(2, 5, 4), [_arr(2, 3, 4)], RuntimeError, r"The expanded size of the tensor \(5\) must match the existing size \(3\) at non-singleton dimension 1.  Target sizes: \[2, 5, 4\].  Tensor sizes: \[2, 3, 4\]"),
    (lambda m, x: x.expand(3, 4), [_arr(2, 3, 4)], RuntimeError, r"the number of sizes provided \(2\) must be greater or equal to the number of dimensions in the tensor \(3\)"),
    (lambda m, x: x.expand(-1, 2, 3), [_arr(2, 3)], RuntimeError, r"The expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing dimension 0"),
    (lambda m, x, y: m.broadcast_tensors(x, y), [_arr(2, 4), _arr(3)], RuntimeError, r"The size of tensor a \(4\) must match the size of tensor b \(3\) at non-singleton dimension 1"),
    (lambda m, x: x.narrow(1, 2, 2), [_arr(2, 3)], RuntimeError, r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)"),
    (lambda m, x: x.narrow(1, 0, -1), [_arr(2, 3)], RuntimeError, "narrow\\(\\): length must be non-negative"),
    (lambda m, x: x.narrow(1, -4, 1), [_arr(2, 3)], IndexError, r"start out of range \(expected to be in range of \[-3, 3\], but got -4\)"),
    (lambda m, x: x.narrow(0, 0, 1), [_arr()], RuntimeError, r"narrow\(\) cannot be applied to a 0-dim tensor"),
    (lambda m, x: x.select(1, 3), [_arr(2, 3, 4)], IndexError, r"select\(\): index 3 out of range for tensor of size \[2, 3, 4\] at dimension 1"),
    (lambda m, x: x.select(0, 0), [_arr()], IndexError, r"select\(\) cannot be applied to a 0-dim tensor"),
    (lambda m, x: x.diagonal(0, 1, 1), [_arr(2, 3, 4)], RuntimeError, "diagonal dimensions cannot be identical 1, 1"),
    (lambda m, x: x.as_strided((5, 5), (3, 1)), [_arr(12)], RuntimeError, r"setStorage: sizes \[5, 5\], strides \[3, 1\], storage offset 0, and itemsize 4 requiring a storage size of 68 are out of bounds for storage of size 48"),
    (lambda m, x: x.as_strided((2,), (-1,)), [_arr(4)], RuntimeError, "as_strided: Negative strides are not supported"),
    (lambda m, x: x.as_strided((2, 2), (1,)), [_arr(4)], RuntimeError, "mismatch in length of strides and shape"),
    (lambda m, x: x.unfold(1, 4, 1), [_arr(2, 3)], RuntimeError, "maximum size for tensor at dimension 1 is 3 but size is 4"),
    (lambda m, x: x.unfold(1, 2, 0), [_arr(2, 3)], RuntimeError, "step is 0 but must be > 0"),
    (lambda m, x: x.unfold(0, -1, 1), [_arr(3)], RuntimeError, "size is -1 but must be >= 0"),
    (lambda m, x: x.repeat(2, 2), [_arr(2, 3, 4)], RuntimeError, "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"),
    (lambda m, x: x.repeat(2, -1), [_arr(2, 3)], RuntimeError, r"Trying to create tensor with negative dimension -3: \[4, -3\]"),
    (lambda m, x: x.repeat_interleave(-1), [_arr(2)], RuntimeError, "Repeats must be non-negative"),
    (lambda m, x: x.repeat_interleave(m.tensor([1, 2]), dim=1), [_arr(2, 3)], RuntimeError, r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2"),
    (lambda m, x: x.repeat_interleave(m.tensor([1, -1]), dim=0), [_arr(2, 3)], RuntimeError, "repeats can not be negative"),
    (lambda m, x: x.repeat_interleave(m.tensor([[1, 1]]), dim=0), [_arr(2, 3)], RuntimeError, "repeats must be 0-dim or 1-dim tensor"),
    (lambda m, x: x.repeat_interleave(m.tensor([1.0, 2.0]), dim=0), [_arr(2, 3)], NotImplementedError, "not implemented for 'Float'"),
    (lambda m, x: m.repeat_interleave(m.tensor([[2, 1]])), [_arr(1)], RuntimeError, "repeat_interleave only accept 1D vector as repeat"),
    (lambda m, x: x.flip(0, 0), [_arr(2, 3)], RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda m, x: x.flip(2), [_arr(2, 3)], IndexError, "Dimension out of range"),
    (lambda m, x: x.fliplr(), [_arr(3)], RuntimeError, "Input must be >= 2-d."),
    (lambda m, x: x.flipud(), [_arr()], RuntimeError, "Input must be >= 1-d."),
    (lambda m, x: x.roll((1, 2), (0,)), [_arr(2, 3)], RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1"),
    (lambda m, x: x.roll((1, 2)), [_arr(2, 3)], RuntimeError, "shifts and dimensions must align. shifts: 2, dims:0"),
    (lambda m, x: x.roll(1, 2), [_arr(2, 3)], IndexError, "Dimension out of range"),
    (lambda m, x: x.rot90(1, (0, 0)), [_arr(2, 3)], RuntimeError, "expected rotation dims to be different, but got dim0 = 0 and dim1 = 0"),
    (lambda m, x: x.rot90(1, (0, -2)), [_arr(2, 3)], RuntimeError, "expected rotation dims to be different, but got dim0 = 0 and dim1 = -2"),
    (lambda m, x: x.rot90(1, (0,)), [_arr(2, 3)], RuntimeError, "expected total rotation dims == 2, but got dims = 1"),
    (lambda m, x: x.rot90(), [_arr(3)], RuntimeError, "expected total dims >= 2, but got total dims = 1"),
    (lambda m, x: x.tril(), [_arr(3)], RuntimeError, "tril: input tensor must have at least 2 dimensions"),
    (lambda m, x: x.triu(), [_arr(3)], RuntimeError, "triu: input tensor must have at least 2 dimensions"),
    (lambda m, x: x.diag(), [_arr(2, 2, 2)], RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
    (lambda m, x: x.diag(), [_arr()], RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 0D"),
    (lambda m, x: x.diag_embed(0, 1, 1), [_arr(2, 3)], RuntimeError, "diagonal dimensions cannot be identical 1, 1"),
    (lambda m, x: x.diag_embed(), [_arr()], IndexError, r"\[-1, 0\], but got -2"),
    (lambda m, x, y: m.cat([x, y], 1), [_arr(2, 3), _arr(3, 3)], RuntimeError, "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 in the list."),
    (lambda m, x, y: m.cat([x, y]), [_arr(2, 3), _arr(2)], RuntimeError, "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda m, x, y: m.cat([x, y]), [_arr(), _arr()], RuntimeError, r"zero-dimensional tensor \(at position 0\) cannot be concatenated"),
    (lambda m, x: m.cat([x, x], 2), [_arr(2, 3)], IndexError, "Dimension out of range"),
    (lambda m, x: m.cat([]), [_arr(1)], ValueError, r"expected a non-empty list of Tensors"),
    (lambda m, x: m.cat(x), [_arr(2, 3)], TypeError, "must be tuple of Tensors, not Tensor"),
    (lambda m, x: m.cat([x, 1]), [_arr(2)], TypeError, "expected Tensor as element 1 in argument 0, but got int"),
    (lambda m, x, y: m.stack([x, y]), [_arr(2, 3), _arr(2, 4)], RuntimeError, r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1"),
    (lambda m, x: m.stack([]), [_arr(1)], RuntimeError, "stack expects a non-empty TensorList"),
    (lambda m, x: m.stack([x, x], 3), [_arr(2, 3)], IndexError, "Dimension out of range"),
    (lambda m, x: x.split(0, 1), [_arr(2, 3)], RuntimeError, "split_size can only be 0 if dimension size is 0, but got dimension size of 3"),
    (lambda m, x: x.split(-1), [_arr(2, 3)], RuntimeError, "split expects split_size be non-negative, but got split_size=-1"),
    (lambda m, x: x.split([1, 1], 1), [_arr(2, 3)], RuntimeError, r"split_with_sizes expects split_sizes to sum exactly to 3 \(input tensor's size at dimension 1\), but got split_sizes=\[1, 1\]"),
    (lambda m, x: x.split([4, -1], 1), [_arr(2, 3)], RuntimeError, "split_with_sizes expects split_sizes have only non-negative entries"),
    (lambda m, x: x.split(1), [_arr()], RuntimeError, "split expects at least a 1-dimensional tensor"),
    (lambda m, x: x.chunk(0), [_arr(2, 3)], RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda m, x: x.chunk(1), [_arr()], RuntimeError, "chunk expects at least a 1-dimensional tensor"),
    (lambda m, x: x.tensor_split(0), [_arr(2, 3)], RuntimeError, "number of sections must be larger than 0, got 0"),
    (lambda m, x: x.tensor_split(2), [_arr()], RuntimeError, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"),
    (lambda m, x: x.tensor_split(m.tensor(2.0)), [_arr(4)], RuntimeError, "tensor_split expected tensor_indices_or_sections to have dtype of long, but got Float"),
    (lambda m, x: x.tensor_split(m.tensor([[1]])), [_arr(4)], RuntimeError, "to be a zero-dimensional or one-dimensional tensor, but got a tensor with 2 dims"),
    (lambda m, x: x.hsplit(2), [_arr(2, 3)], RuntimeError, "torch.hsplit attempted to split along dimension 1, but the size of the dimension 3 is not divisible by the split_size 2!"),
    (lambda m, x: x.vsplit(2), [_arr(3)], RuntimeError, "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with 1 dimensions!"),
    (lambda m, x: x.dsplit(2), [_arr(2, 3)], RuntimeError, "torch.dsplit requires a tensor with at least 3 dimension"),
    (lambda m, x: x.unbind(), [_arr()], IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    (lambda m, x: x.unbind(2), [_arr(2, 3)], IndexError, "Dimension out of range"),
    (lambda m, x: m.meshgrid(x, x, indexing="ij"), [_arr(2, 2)], RuntimeError, "torch.meshgrid: Expected 0D or 1D tensor in the tensor list"),
    (lambda m, x: m.meshgrid(x, x, indexing="xx"), [_arr(2)], RuntimeError, 'indexing must be one of "xy" or "ij", but received: xx'),
    (lambda m, x: m.meshgrid(x, x.long(), indexing="ij"), [_arr(2)], RuntimeError, "meshgrid expects all tensors to have the same dtype"),
    (lambda m, x: m.meshgrid(indexing="ij"), [_arr(2)], RuntimeError, "meshgrid expects a non-empty TensorList"),
]


@pytest.mark.parametrize("fn,inputs,exc,match", ERRORS)
def test_errors_match_torch(fn, inputs, exc, match):
    check_error(fn, inputs, exc, match)


def test_meshgrid_without_indexing_warns_and_uses_ij():
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        a, b = ember.meshgrid(ember.arange(2), ember.arange(3))
    assert a.shape == (2, 3) and b.tolist() == [[0, 1, 2], [0, 1, 2]]


def test_T_warns_like_torch_outside_2d():
    with pytest.warns(UserWarning, match="x.T` on tensors of dimension other than 2"):
        assert ember.zeros(2, 3, 4).T.shape == (4, 3, 2)
    with pytest.warns(UserWarning, match="deprecated on 0-D tensors"):
        assert ember.tensor(1.0).T.shape == ()


def test_flatten_returns_input_when_nothing_merges():
    x = ember.zeros(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1) is x
    assert ember.atleast_1d(x) is x and ember.atleast_2d(x) is x
    y = ember.zeros(2, 3, 4)
    assert ember.atleast_3d(y) is y
