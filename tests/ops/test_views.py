"""View semantics against torch: which ops share memory, ``_base``, strides and offsets,
the shared version counter, writes through views, and gradients after in-place writes
into views (CopySlices), including views taken before their base changed."""

import numpy as np
import pytest
import torch

import ember


def _pair(shape=(2, 3, 4), requires_grad=False, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    t = torch.tensor(data, requires_grad=requires_grad)
    e = ember.tensor(data, requires_grad=requires_grad)
    return e, t


def _layout(out, base):
    """What a view op promises about its result, comparable across libraries."""
    shares = out.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    return {
        "same_object": out is base,
        "data_ptr_offset": out.data_ptr() - base.data_ptr() if shares else None,
        "is_view_of_base": out._base is base,
        "has_base": out._base is not None,
        "shares_memory": shares,
        "storage_offset": out.storage_offset(),
        "stride": tuple(out.stride()),
        "contiguous": out.is_contiguous(),
        "shape": tuple(out.shape),
    }


LAYOUT_OPS = [
    ("view", lambda m, x: x.view(6, 4)),
    ("view -1", lambda m, x: x.view(-1)),
    ("view_as", lambda m, x: x.view_as(m.empty(4, 6))),
    ("view dtype", lambda m, x: x.view(m.int32)),
    ("view dtype wider", lambda m, x: x.view(m.float64)),
    ("reshape (view)", lambda m, x: x.reshape(4, 6)),
    ("reshape (copy)", lambda m, x: x.transpose(0, 1).reshape(-1)),
    ("reshape_as", lambda m, x: x.reshape_as(m.empty(24))),
    ("flatten", lambda m, x: x.flatten(1)),
    ("flatten nothing", lambda m, x: x.flatten(2, 2)),
    ("flatten copy", lambda m, x: x.transpose(0, 1).flatten()),
    ("unflatten", lambda m, x: x.unflatten(2, (2, 2))),
    ("ravel", lambda m, x: x.ravel()),
    ("ravel copy", lambda m, x: x.mT.ravel()),
    ("squeeze", lambda m, x: x.unsqueeze(0).squeeze()),
    ("squeeze dim", lambda m, x: x.squeeze(1)),
    ("unsqueeze", lambda m, x: x.unsqueeze(1)),
    ("permute", lambda m, x: x.permute(2, 0, 1)),
    ("movedim", lambda m, x: x.movedim(0, 2)),
    ("transpose", lambda m, x: x.transpose(0, 2)),
    ("swapaxes", lambda m, x: x.swapaxes(1, 2)),
    ("t", lambda m, x: x[0].t()),
    ("mT", lambda m, x: x.mT),
    ("expand", lambda m, x: x[:, :1].expand(5, 2, 3, 4)),
    ("expand same", lambda m, x: x.expand(2, 3, 4)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 2, 3, 4))),
    ("broadcast_tensors", lambda m, x: m.broadcast_tensors(x, m.ones(4))),
    ("narrow", lambda m, x: x.narrow(2, 1, 2)),
    ("select", lambda m, x: x.select(1, 2)),
    ("select -1", lambda m, x: x.select(-1, -1)),
    ("split", lambda m, x: x.split(2, 2)),
    ("split sizes", lambda m, x: x.split([1, 2], 1)),
    ("chunk", lambda m, x: x.chunk(2, 2)),
    ("tensor_split", lambda m, x: x.tensor_split(3, 2)),
    ("hsplit", lambda m, x: x.hsplit([1])),
    ("unbind", lambda m, x: x.unbind(1)),
    ("diagonal", lambda m, x: x.diagonal(1, 1, 2)),
    ("diagonal neg", lambda m, x: x.diagonal(-1, 2, 1)),
    ("as_strided", lambda m, x: x.as_strided((3, 3), (1, 2), 2)),
    ("as_strided of slice", lambda m, x: x[1].as_strided((2, 2), (1, 1))),
    ("unfold", lambda m, x: x.unfold(2, 2, 1)),
    ("atleast_3d", lambda m, x: m.atleast_3d(x)),
    ("atleast_2d 1d", lambda m, x: m.atleast_2d(x[0, 0])),
    ("meshgrid", lambda m, x: m.meshgrid(x[0, 0], x[1, 1], indexing="ij")),
    ("contiguous", lambda m, x: x.contiguous()),
    ("contiguous copy", lambda m, x: x.mT.contiguous()),
    # copies
    ("flip", lambda m, x: x.flip(0)),
    ("roll", lambda m, x: x.roll(1, 0)),
    ("rot90", lambda m, x: x.rot90(1, (0, 1))),
    ("rot90 2", lambda m, x: x.rot90(2, (1, 2))),
    ("repeat", lambda m, x: x.repeat(1, 2, 1)),
    ("tile", lambda m, x: x.tile((1,))),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(2, 1)),
    ("cat", lambda m, x: m.cat([x, x])),
    ("cat one", lambda m, x: m.cat([x])),
    ("stack", lambda m, x: m.stack([x, x])),
    ("tril", lambda m, x: x.tril()),
    ("diag", lambda m, x: x[0].diag()),
    ("diag_embed", lambda m, x: x.diag_embed()),
]


@pytest.mark.parametrize("name,fn", LAYOUT_OPS, ids=[n for n, _ in LAYOUT_OPS])
def test_view_or_copy_layout_matches_torch(name, fn):
    e, t = _pair()
    e_out, t_out = fn(ember, e), fn(torch, t)
    e_outs = e_out if isinstance(e_out, tuple) else (e_out,)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    assert len(e_outs) == len(t_outs)
    for eo, to in zip(e_outs, t_outs):
        assert _layout(eo, e) == _layout(to, t)
        np.testing.assert_array_equal(eo.numpy(), to.numpy())


# Results whose elements overlap in memory (expand, overlapping as_strided/unfold) are
# left out: torch forbids writing some of them and gives order-dependent results for others.
_OVERLAPPING = ("expand", "broadcast_to", "meshgrid", "broadcast_tensors", "as_strided", "as_strided of slice", "unfold")
WRITE_OPS = [c for c in LAYOUT_OPS if c[0] not in _OVERLAPPING] + [
    ("as_strided disjoint", lambda m, x: x.as_strided((2, 3), (5, 2), 1)),
    ("unfold disjoint", lambda m, x: x.unfold(2, 2, 2)),
]


@pytest.mark.parametrize("name,fn", WRITE_OPS, ids=[n for n, _ in WRITE_OPS])
def test_writes_through_results_and_versions_match_torch(name, fn):
    """A write into a view shows in the base (and back), and both versions move together."""
    e, t = _pair()
    e_out, t_out = fn(ember, e), fn(torch, t)
    e_first = e_out[0] if isinstance(e_out, tuple) else e_out
    t_first = t_out[0] if isinstance(t_out, tuple) else t_out
    e_first.mul_(3)
    t_first.mul_(3)
    e.add_(1)
    t.add_(1)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(e_first.numpy(), t_first.numpy(), rtol=1e-6)
    assert (e._version, e_first._version) == (t._version, t_first._version)


def test_version_counter_is_shared_by_base_and_all_views():
    x = ember.zeros(2, 3)
    v, w = x.t(), x.view(-1)
    w.add_(1)
    assert x._version == v._version == w._version == 1
    v[0].mul_(2)
    x.sub_(1)
    assert x._version == v._version == w._version == 3
    assert x.tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]


def test_view_dtype_shares_memory_and_version_but_has_no_base():
    x = ember.zeros(3)
    i = x.view(ember.int32)
    assert i._base is None and i.data_ptr() == x.data_ptr()
    i.add_(1065353216)  # the bits of 1.0f
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == i._version == 1
    y = ember.ones(3, requires_grad=True) * 2
    assert not y.view(ember.float32).requires_grad


def test_views_of_views_keep_the_root_as_base():
    x = ember.arange(24.0)
    v = x.view(2, 3, 4).permute(2, 0, 1).narrow(0, 1, 2).select(1, 0).diagonal()
    assert v._base is x
    v.mul_(-1)
    t = torch.arange(24.0)
    tv = t.view(2, 3, 4).permute(2, 0, 1).narrow(0, 1, 2).select(1, 0).diagonal()
    tv.mul_(-1)
    assert x.tolist() == t.tolist() and v.storage_offset() == tv.storage_offset()


# ------------------------------------------------------- gradients after in-place
def _grad_scenario(m, scenario, shape=(3, 4)):
    data = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    weights = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    x = m.tensor(data, requires_grad=True)
    w = m.tensor(weights)
    out = scenario(m, x, w)
    out.backward()
    return x.grad.numpy(), out.detach().numpy()


INPLACE_SCENARIOS = [
    ("index column mul_", lambda m, x, w: _then(x.clone(), lambda y: y[:, 0].mul_(2), lambda y: (y * w).sum())),
    ("t add_", lambda m, x, w: _then(x.clone(), lambda y: y.t().add_(1), lambda y: (y * y).sum())),
    ("view(-1) mul_ 0", lambda m, x, w: _then(x.clone(), lambda y: y.view(-1).mul_(0), lambda y: (y * w + x).sum())),
    ("view(-1) copy_", lambda m, x, w: _then(x * 1, lambda y: y.view(-1).copy_(x.flip(0).view(-1) ** 2), lambda y: (y * w).sum())),
    ("narrow exp_", lambda m, x, w: _then(x * 2, lambda y: y.narrow(1, 1, 2).exp_(), lambda y: (y * w).sum())),
    ("select with other", lambda m, x, w: _then(x * 1, lambda y: y.select(0, 1).mul_(x[2]), lambda y: (y * w).sum())),
    ("diagonal add_", lambda m, x, w: _then(x * 1, lambda y: y.diagonal(1).add_(x[0, :3]), lambda y: (y * y * w).sum())),
    ("view of view", lambda m, x, w: _then(x * 1, lambda y: y.view(4, 3)[1].mul_(3), lambda y: (y * w).sum())),
    ("permute unsqueeze chain", lambda m, x, w: _then(x * 1, lambda y: y.unsqueeze(0).permute(2, 0, 1)[1].mul_(-2), lambda y: (y * w).sum())),
    ("as_strided mul_", lambda m, x, w: _then(x * 1, lambda y: y.as_strided((2, 2), (5, 1), 1).mul_(5), lambda y: (y * w).sum())),
    ("unfold mul_", lambda m, x, w: _then(x * 1, lambda y: y.unfold(1, 2, 2).mul_(4), lambda y: (y * w).sum())),
    ("expand-free slice", lambda m, x, w: _then(x * 1, lambda y: y.movedim(0, 1).narrow(0, 0, 2).sigmoid_(), lambda y: (y * w).sum())),
    ("tensor_split piece", lambda m, x, w: _then(x * 1, lambda y: y.tensor_split(2)[1].mul_(7), lambda y: (y * w).sum())),
    ("two writes", lambda m, x, w: _then(x * 1, lambda y: (y[0].mul_(2), y.t()[1].add_(x[0, :3])), lambda y: (y * w).sum())),
    ("transposed root", lambda m, x, w: _then(x.t() * 2, lambda y: y.t().view(-1).mul_(2), lambda y: (y.sum(0) * w[:, 0]).sum())),
    ("write then read old view", lambda m, x, w: _stale(m, x, w)),
    ("base write then view", lambda m, x, w: _base_write(m, x, w)),
    ("transposed view after base write", lambda m, x, w: _base_write_t(m, x, w)),
    ("no-grad base gets history", lambda m, x, w: _nograd_base(m, x, w)),
    ("view of no-grad base", lambda m, x, w: _nograd_base_view(m, x, w)),
]


def _then(y, write, loss):
    write(y)
    return loss(y)


def _stale(m, x, w):
    y = x * 1
    col, row = y[:, 0], y[0]
    col.mul_(2)  # row, taken before, must now see the multiplication
    return (row * w[0]).sum()


def _base_write(m, x, w):
    y = x * 1
    row = y[1]
    y.mul_(3)
    return (row * w[1]).sum()


def _base_write_t(m, x, w):
    y = x * 1
    v = y.t()
    y.add_(x * x)
    return (v * w.t()).sum()


def _nograd_base(m, x, w):
    z = m.zeros(5)
    z[1:].copy_(x[0] * 2)
    return (z * m.arange(5.0)).sum()


def _nograd_base_view(m, x, w):
    b = m.zeros(3, 4)
    v = b[1]
    b.add_(x * x)
    return (v * w[0]).sum()


@pytest.mark.parametrize("name,scenario", INPLACE_SCENARIOS, ids=[n for n, _ in INPLACE_SCENARIOS])
def test_inplace_write_into_view_gives_torchs_gradient(name, scenario):
    e_grad, e_out = _grad_scenario(ember, scenario)
    t_grad, t_out = _grad_scenario(torch, scenario)
    np.testing.assert_allclose(e_out, t_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-5, atol=1e-5)


def test_base_history_after_view_write_is_copyslices_and_view_is_rebased():
    x = ember.randn(2, 3, requires_grad=True)
    y = x.clone()
    v = y[:, 1]
    v.mul_(2)
    assert y.grad_fn.name() == "torch::autograd::CopySlices"  # torch's name(); the class is CopySlices
    assert v.grad_fn is not None and v._base is y
    assert v.grad_fn.next_functions[0][0] is y.grad_fn


def test_double_backward_through_a_view_write():
    def run(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        y[0].mul_(x[1])
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        g.sum().backward()
        return x.grad.numpy()

    np.testing.assert_allclose(run(ember), run(torch))


def test_saved_view_modified_through_another_view_raises_at_backward():
    for m in (torch, ember):
        x = m.randn(2, 3, requires_grad=True)
        y = x * 1
        a, b = y.narrow(1, 1, 2), y.narrow(1, 0, 2)
        a.mul_(b)  # b was saved by the multiplication and is changed by it
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ------------------------------------------------------- forbidden in-place writes
MULTI_OUTPUT_CASES = [
    ("unbind", lambda y: y.unbind(0)[0], "Output 0 of Unbind is a view and is being modified inplace"),
    ("split", lambda y: y.split(1, 0)[1], "Output 1 of Split is a view and is being modified inplace"),
    ("split sizes", lambda y: y.split([1, 1], 0)[0], "Output 0 of SplitWithSizes is a view"),
    ("chunk", lambda y: y.chunk(2, 1)[0], "Output 0 of Split is a view"),
    ("view of unbind", lambda y: y.unbind(0)[0].view(3), "Output 0 of View is a view"),
    ("iteration", lambda y: next(iter(y)), "Output 0 of Unbind is a view"),
]


@pytest.mark.parametrize("name,take,message", MULTI_OUTPUT_CASES, ids=[c[0] for c in MULTI_OUTPUT_CASES])
def test_writing_a_multi_output_view_under_autograd_raises_like_torch(name, take, message):
    for m in (torch, ember):
        x = m.randn(2, 3, requires_grad=True)
        y = x * 1
        before = y.detach().clone()
        with pytest.raises(RuntimeError, match=message) as info:
            take(y).mul_(2)
        assert "returns multiple views" in str(info.value)
        assert np.array_equal(y.detach().numpy(), before.numpy())  # nothing was written


def test_multi_output_views_may_be_written_without_autograd():
    for m in (torch, ember):
        x = m.randn(2, 3, requires_grad=True)
        y = x * 1
        with m.no_grad():
            y.unbind(0)[0].mul_(0)
        assert float(y.detach()[0].abs().sum()) == 0.0
        z = m.zeros(2, 3)  # nothing requires grad: allowed in grad mode too
        z.split(1)[0].add_(1)
        assert float(z.sum()) == 3.0


def test_view_made_in_no_grad_then_written_with_grad_raises_like_torch():
    for m in (torch, ember):
        x = m.randn(2, 3, requires_grad=True)
        y = x * 1
        with m.no_grad():
            row = y[0]
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace with grad mode enabled"):
            row.mul_(2)
        z = m.zeros(3)
        with m.no_grad():
            v = z[:2]
        with pytest.raises(RuntimeError, match="created in no_grad mode"):
            v.copy_(x[0, :2])


def test_writing_an_expanded_view_raises_like_torch():
    for m in (torch, ember):
        base = m.zeros(3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory location"):
            base.expand(2, 3).add_(1)
        assert base.tolist() == [0.0, 0.0, 0.0]


def test_view_of_leaf_requiring_grad_cannot_be_written():
    for m in (torch, ember):
        x = m.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place operation"):
            x.t().mul_(2)
        with m.no_grad():
            x.t()[0].mul_(2)
        assert x.detach()[:, 0].tolist() == [2.0, 2.0]


# ----------------------------------------------------------- copies stay apart
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.flip(0),
        lambda m, x: x.roll(1),
        lambda m, x: x.repeat(2, 1),
        lambda m, x: m.cat([x, x]),
        lambda m, x: m.stack([x]),
        lambda m, x: x.t().reshape(-1),
        lambda m, x: x.tril(),
        lambda m, x: x.diag(),
        lambda m, x: x.rot90(),
        lambda m, x: x.repeat_interleave(1),
    ],
)
def test_copies_do_not_share_memory(fn):
    x = ember.arange(9.0).view(3, 3)
    out = fn(ember, x)
    assert out._base is not x
    before = x.tolist()
    out.mul_(0)
    assert x.tolist() == before and x._version == 0


def test_view_requires_compatible_strides_while_reshape_copies():
    x = ember.arange(6.0).view(2, 3).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    r = x.reshape(6)
    assert r._base is None and r.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert x.reshape(3, 2)._base is x._base  # same shape: a view


# -------------------------------------------------- in-place view ops (x.t_(), ...)
RESTRIDE_OPS = [
    ("unsqueeze_", lambda y: y.unsqueeze_(1)),
    ("unsqueeze_ neg", lambda y: y.unsqueeze_(-1)),
    ("squeeze_", lambda y: y.unsqueeze_(0).squeeze_()),
    ("squeeze_ dim", lambda y: y.unsqueeze_(0).squeeze_(0)),
    ("squeeze_ dims", lambda y: y.unsqueeze_(2).squeeze_((2, 0))),
    ("t_", lambda y: y.t_()),
    ("transpose_", lambda y: y.transpose_(0, -1)),
    ("swapaxes_", lambda y: y.swapaxes_(1, 0)),
    ("swapdims_", lambda y: y.swapdims_(0, 1)),
    ("on a view", lambda y: y[1:].t_()),
]


@pytest.mark.parametrize("name,op", RESTRIDE_OPS, ids=[n for n, _ in RESTRIDE_OPS])
def test_inplace_view_ops_match_torch(name, op):
    results = []
    for m in (torch, ember):
        x = m.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
        y = x * 1
        out = op(y)
        assert out is not None
        w = m.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
        (out * w).sum().backward()
        results.append((tuple(out.shape), tuple(out.stride()), type(out.grad_fn).__name__, out._version, x.grad.numpy()))
    (ts, tst, tn, tv, tg), (es, est, en, ev, eg) = results
    assert (es, est, en, ev) == (ts, tst, tn, tv)
    np.testing.assert_allclose(eg, tg)


def test_inplace_view_ops_keep_memory_and_refuse_leaves():
    x = ember.zeros(2, 3)
    ptr = x.data_ptr()
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3) and x.data_ptr() == ptr
    with pytest.raises(RuntimeError, match=r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        x.t_()
    leaf = ember.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        leaf.unsqueeze_(0)


def test_dead_views_are_forgotten_and_live_ones_refreshed():
    x = ember.zeros(10)
    for i in range(500):
        x.narrow(0, i % 10, 1)  # temporaries: the base must not keep them all
    assert len(x.__dict__["_views"][0]) < 64
    w = ember.ones(10, requires_grad=True)
    keep = x.narrow(0, 2, 3)
    x.add_(w)  # the live view now reaches w through the base's new history
    keep.sum().backward()
    assert w.grad.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_refresh_skips_views_whose_base_data_was_replaced():
    x = ember.zeros(2, 3)
    v = x.view(6)
    x.data = ember.zeros(4)
    w = ember.ones(4, requires_grad=True)
    x.add_(w)  # must not fail on the stale view
    assert v.grad_fn is None and x.grad_fn is not None
