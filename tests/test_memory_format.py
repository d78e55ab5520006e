"""Memory formats (ember/_memory_format.py) compared with torch: the format objects,
strides of contiguous/clone/to/empty/*_like results, is_contiguous, gradients, errors,
and nn.Module.to(memory_format=...)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from tests.oracle import assert_same, check, gradcheck

FORMATS = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


def _both(fn, arr):
    """``fn(module, tensor)`` for torch and ember on identical data."""
    return fn(torch, torch.from_numpy(arr.copy())), fn(ember, ember.from_numpy(arr.copy()))


def _outcome(fn, m, *args):
    try:
        return fn(m, *args)
    except Exception as exc:  # noqa: BLE001 - the exception is the result compared
        return exc


def _assert_same_outcome(t_out, e_out, what=""):
    """Same exception (type and message), or same strides and values."""
    if isinstance(t_out, Exception):
        assert type(e_out) is type(t_out) and str(e_out) == str(t_out), f"{what}: ember {e_out!r}, torch {t_out!r}"
        return
    assert not isinstance(e_out, Exception), f"{what}: ember raised {e_out!r}; torch gave a result"
    if isinstance(t_out, torch.Tensor):
        assert tuple(e_out.shape) == tuple(t_out.shape), what
        assert e_out.stride() == t_out.stride(), f"{what}: strides {e_out.stride()} vs torch {t_out.stride()}"
        return
    assert e_out == t_out, f"{what}: {e_out!r} vs torch {t_out!r}"


# ---------------------------------------------------------------- the format objects
@pytest.mark.parametrize("name", FORMATS)
def test_format_objects_match_torch(name):
    fmt = getattr(ember, name)
    assert repr(fmt) == repr(getattr(torch, name)) == f"torch.{name}"
    assert str(fmt) == str(getattr(torch, name))
    assert type(fmt) is ember.memory_format
    assert type(fmt).__name__ == type(getattr(torch, name)).__name__
    assert pickle.loads(pickle.dumps(fmt)) is fmt
    assert copy.deepcopy(fmt) is fmt and copy.copy(fmt) is fmt
    others = [getattr(ember, n) for n in FORMATS if n != name]
    assert all(fmt != o for o in others) and fmt == getattr(ember, name)


def test_memory_format_cannot_be_instantiated():
    with pytest.raises(TypeError, match="cannot create 'torch.memory_format' instances"):
        ember.memory_format()
    with pytest.raises(TypeError):
        torch.memory_format()


# ------------------------------------------------------------ layouts of many inputs
# Each recipe builds the same (often non-contiguous) view in both frameworks.
LAYOUTS = {
    "contiguous4d": ((2, 3, 4, 5), lambda m, x: x),
    "channels_last": ((2, 4, 5, 3), lambda m, x: x.permute(0, 3, 1, 2)),
    "channels_last_sliced_h": ((2, 4, 5, 3), lambda m, x: x.permute(0, 3, 1, 2)[:, :, ::2]),
    "channels_last_sliced_c": ((2, 4, 5, 3), lambda m, x: x.permute(0, 3, 1, 2)[:, ::2]),
    "channels_last_n1": ((1, 4, 5, 3), lambda m, x: x.permute(0, 3, 1, 2)),
    "channels_last_c1": ((2, 4, 5, 1), lambda m, x: x.permute(0, 3, 1, 2)),
    "channels_last_hw1": ((2, 1, 1, 3), lambda m, x: x.permute(0, 3, 1, 2)),
    "nhwc_other_perm": ((3, 2, 4, 5), lambda m, x: x.permute(1, 0, 2, 3)),
    "channels_last_3d": ((2, 3, 4, 5, 3), lambda m, x: x.permute(0, 4, 1, 2, 3)),
    "contiguous5d": ((2, 3, 2, 2, 3), lambda m, x: x),
    "transposed": ((3, 4), lambda m, x: x.t()),
    "sliced": ((3, 4), lambda m, x: x[:, ::2]),
    "transposed_sliced": ((4, 3), lambda m, x: x[:, :2].t()),
    "expanded_col": ((3, 1), lambda m, x: x.expand(3, 4)),
    "expanded_row": ((1, 4), lambda m, x: x.expand(3, 4)),
    "size1_dense": ((3, 1, 4), lambda m, x: x.permute(2, 0, 1)),
    "perm3_sliced": ((2, 3, 4), lambda m, x: x.permute(1, 2, 0)[:, ::2]),
    "overlapping": ((6,), lambda m, x: x.as_strided((3, 3), (1, 1))),
    "sliced_size1": ((4, 6), lambda m, x: x[::2, ::3][:1]),
    "scalar": ((), lambda m, x: x),
    "vector": ((5,), lambda m, x: x),
}


def _layout_pair(name):
    shape, recipe = LAYOUTS[name]
    arr = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    return _both(recipe, arr)


def _fmt_ops():
    """(label, fn(m, x)) for every layout-producing call and format."""
    ops = [("clone()", lambda m, x: x.clone()), ("contiguous()", lambda m, x: x.contiguous())]
    for name in FORMATS:
        def f(m, name=name):
            return getattr(m, name)

        ops += [
            (f"clone({name})", lambda m, x, f=f: x.clone(memory_format=f(m))),
            (f"contiguous({name})", lambda m, x, f=f: x.contiguous(memory_format=f(m))),
            (f"is_contiguous({name})", lambda m, x, f=f: x.is_contiguous(memory_format=f(m))),
            (f"to({name})", lambda m, x, f=f: x.to(memory_format=f(m))),
            (f"to(float64, {name})", lambda m, x, f=f: x.to(m.float64, memory_format=f(m))),
            (f"empty_like({name})", lambda m, x, f=f: m.empty_like(x, memory_format=f(m))),
            (f"zeros_like({name})", lambda m, x, f=f: m.zeros_like(x, memory_format=f(m))),
        ]
    for fn in ["empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"]:
        ops.append((f"{fn}()", lambda m, x, fn=fn: getattr(m, fn)(x)))
    ops += [
        ("full_like()", lambda m, x: m.full_like(x, 2.5)),
        ("randint_like()", lambda m, x: m.randint_like(x, 7)),
        ("is_contiguous()", lambda m, x: x.is_contiguous()),
        ("to(float64)", lambda m, x: x.to(m.float64)),
        ("ember.clone()", lambda m, x: m.clone(x)),
        ("ember.clone(channels_last)", lambda m, x: m.clone(x, memory_format=m.channels_last)),
    ]
    return ops


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_match_torch(layout):
    """Strides, identity (no copy) and errors of every format op, input by input."""
    t, e = _layout_pair(layout)
    for label, fn in _fmt_ops():
        t_out, e_out = _outcome(fn, torch, t), _outcome(fn, ember, e)
        _assert_same_outcome(t_out, e_out, f"{layout}: {label}")
        if isinstance(t_out, torch.Tensor):
            assert (e_out is e) == (t_out is t), f"{layout}: {label} aliasing differs from torch"
            if "like" not in label:
                np.testing.assert_array_equal(e_out.detach().numpy(), t_out.detach().numpy())
            elif label.startswith(("zeros_like", "ones_like", "full_like")):
                np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())


def _random_view(m, x, rng_seed):
    """A random permute/slice/expand view; the same seed gives the same view in both."""
    rng = np.random.default_rng(rng_seed)
    x = x.permute(*rng.permutation(x.dim()).tolist())
    for d in range(x.dim()):
        if x.shape[d] > 1 and rng.random() < 0.4:
            step = int(rng.integers(1, 3))
            start = int(rng.integers(0, 2))
            index = [slice(None)] * x.dim()
            index[d] = slice(start, None, step)
            x = x[tuple(index)]
    if rng.random() < 0.3:
        d = int(rng.integers(0, x.dim()))
        x = x.narrow(d, 0, 1)
        sizes = list(x.shape)
        sizes[d] = 3
        x = x.expand(*sizes)
    return x


@pytest.mark.parametrize("seed", range(40))
def test_random_views_match_torch(seed):
    """Preserve-format strides (dense or inferred), channels_last checks and the
    format torch suggests (``to`` returns self exactly then) over random 4-D views."""
    rng = np.random.default_rng(1000 + seed)
    shape = tuple(int(s) for s in rng.integers(1, 5, size=4))
    t, e = _both(lambda m, x: _random_view(m, x, seed), rng.standard_normal(shape).astype(np.float32))
    assert e.stride() == t.stride()
    checks = [
        ("clone", lambda m, x: x.clone()),
        ("empty_like", lambda m, x: m.empty_like(x)),
        ("randn_like", lambda m, x: m.randn_like(x)),
        ("is_contiguous(cl)", lambda m, x: x.is_contiguous(memory_format=m.channels_last)),
        ("is_contiguous", lambda m, x: x.is_contiguous()),
        ("to(cl) is x", lambda m, x: x.to(memory_format=m.channels_last) is x),
        ("to(contiguous) is x", lambda m, x: x.to(memory_format=m.contiguous_format) is x),
        ("contiguous(cl)", lambda m, x: x.contiguous(memory_format=m.channels_last)),
    ]
    for label, fn in checks:
        _assert_same_outcome(_outcome(fn, torch, t), _outcome(fn, ember, e), f"seed {seed}: {label}")


def test_channels_last_3d_strides_and_checks():
    arr = np.random.default_rng(1).standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    for fn in [
        lambda m, x: x.contiguous(memory_format=m.channels_last_3d),
        lambda m, x: m.empty_like(x, memory_format=m.channels_last_3d),
        lambda m, x: m.empty(2, 3, 4, 5, 6, memory_format=m.channels_last_3d),
        lambda m, x: x.contiguous(memory_format=m.channels_last_3d).is_contiguous(memory_format=m.channels_last_3d),
        lambda m, x: x.contiguous(memory_format=m.channels_last_3d).is_contiguous(),
        lambda m, x: x.is_contiguous(memory_format=m.channels_last),
        lambda m, x: x.contiguous(memory_format=m.channels_last_3d).clone(),
    ]:
        t, e = _both(lambda m, x, fn=fn: _outcome(fn, m, x), arr)
        _assert_same_outcome(t, e)


# ----------------------------------------------------------- empty with a format
@pytest.mark.parametrize(
    "shape", [(2, 3, 4, 5), (1, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (2, 3, 1, 5), (0, 3, 4, 5), (2, 0, 4, 5)]
)
def test_empty_channels_last_strides(shape):
    t = torch.empty(shape, memory_format=torch.channels_last)
    e = ember.empty(shape, memory_format=ember.channels_last)
    assert e.stride() == t.stride()
    for name in ["channels_last", "contiguous_format"]:
        assert e.is_contiguous(memory_format=getattr(ember, name)) == t.is_contiguous(
            memory_format=getattr(torch, name)
        )
    # a row-major empty tensor with a zero dim is contiguous but not channels_last
    assert ember.empty(shape).is_contiguous(memory_format=ember.channels_last) == torch.empty(
        shape
    ).is_contiguous(memory_format=torch.channels_last)


def test_empty_and_zeros_keep_values_in_format():
    z = ember.empty(2, 3, 4, 5, memory_format=ember.channels_last)
    assert z.dtype == ember.float32 and z.stride() == (60, 1, 15, 3)
    ones = ember.ones_like(z)
    assert ones.stride() == (60, 1, 15, 3) and bool((ones == 1).all())
    full = ember.full_like(z, 3, dtype=ember.int64)
    assert full.dtype == ember.int64 and full.stride() == (60, 1, 15, 3) and bool((full == 3).all())
    r = ember.randint_like(z, 3, 9)
    assert r.stride() == (60, 1, 15, 3) and bool(((r >= 3) & (r < 9)).all())
    u = ember.rand_like(z, dtype=ember.float64)
    assert u.dtype == ember.float64 and u.stride() == (60, 1, 15, 3)
    assert bool(((u >= 0) & (u < 1)).all())


# ----------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.contiguous(memory_format=m.channels_last),
        lambda m, x: x.contiguous(memory_format=m.channels_last_3d),
        lambda m, x: x.t().contiguous(memory_format=m.preserve_format),
        lambda m, x: x.contiguous(memory_format=None),
        lambda m, x: x.is_contiguous(memory_format="channels_last"),
        lambda m, x: x.is_contiguous(memory_format=None),
        lambda m, x: x.clone(memory_format="channels_last"),
        lambda m, x: m.empty_like(x, memory_format=1),
        lambda m, x: m.zeros_like(x, memory_format=1),
        lambda m, x: m.randn_like(x, memory_format="channels_last"),
        lambda m, x: m.full_like(x, 1.0, memory_format=1),
        lambda m, x: x.clone(memory_format=m.channels_last),
        lambda m, x: x.to(memory_format=m.channels_last),
        lambda m, x: x.to(m.float64, memory_format=m.channels_last_3d),
        lambda m, x: m.empty(2, 3, memory_format=m.channels_last),
        lambda m, x: m.empty(2, 3, 4, 5, memory_format=m.channels_last_3d),
        lambda m, x: m.empty(2, 3, memory_format=m.preserve_format),
        lambda m, x: m.empty_like(x, memory_format=m.channels_last),
        lambda m, x: m.zeros_like(x, memory_format=m.channels_last_3d),
        lambda m, x: m.randn_like(x, memory_format=m.channels_last),
    ],
)
def test_errors_match_torch(fn):
    arr = np.ones((2, 3), np.float32)
    t, e = _both(lambda m, x: _outcome(fn, m, x), arr)
    assert isinstance(t, Exception), "torch raised nothing: not an error case"
    if "invalid combination of arguments" in str(t):
        # torch lists its overloads here; ember names the bad argument instead
        assert type(e) is type(t) and "'memory_format' must be torch.memory_format" in str(e), repr(e)
        return
    _assert_same_outcome(t, e)


# --------------------------------------------------------------------- autograd
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.contiguous(memory_format=m.channels_last) * 2,
        lambda m, x: x.clone(memory_format=m.channels_last).relu(),
        lambda m, x: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).clone().exp(),
        lambda m, x: x.to(m.float64, memory_format=m.channels_last),
        lambda m, x: x.to(memory_format=m.channels_last).sum(dim=1),
        lambda m, x: m.clone(x.transpose(1, 3)),
    ],
)
def test_values_and_gradients_match_torch(fn):
    check(fn, [(2, 3, 4, 5)])


def test_grad_fn_names_and_no_copy_match_torch():
    arr = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for m in (torch, ember):
        x = m.tensor(arr, requires_grad=True)
        y = x.contiguous(memory_format=m.channels_last)
        assert y.grad_fn.name() == "CloneBackward0"
        assert y.contiguous(memory_format=m.channels_last) is y
        assert y.to(memory_format=m.channels_last) is y
        assert x.contiguous() is x
        assert x.to(memory_format=m.channels_last).grad_fn.name() == "ToCopyBackward0"
        assert x.clone(memory_format=m.contiguous_format).stride() == (60, 20, 5, 1)


def test_gradcheck_through_format_copies():
    gradcheck(lambda m, x: (x.contiguous(memory_format=m.channels_last) ** 2).clone(), [(2, 2, 3, 2)])
    gradcheck(lambda m, x: x.to(memory_format=m.channels_last_3d).sin(), [(1, 2, 2, 2, 2)])


# ------------------------------------------------------------ ops on channels_last
def test_elementwise_keeps_channels_last_strides_as_torch():
    arr = np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for fn in [
        lambda m, x: m.relu(x.contiguous(memory_format=m.channels_last)),
        lambda m, x: x.contiguous(memory_format=m.channels_last) + 1,
        lambda m, x: x.contiguous(memory_format=m.channels_last).exp(),
        lambda m, x: x.contiguous(memory_format=m.channels_last) * x.contiguous(memory_format=m.channels_last),
    ]:
        t, e = _both(fn, arr)
        assert e.stride() == t.stride()
        assert_same(e, t)


def test_conv2d_on_channels_last_input_matches_torch_values():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    tconv = torch.nn.Conv2d(3, 4, 3, padding=1)
    econv = ember.nn.Conv2d(3, 4, 3, padding=1)
    econv.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tconv.state_dict().items()})
    tconv.to(memory_format=torch.channels_last)
    econv.to(memory_format=ember.channels_last)
    tx = torch.tensor(x).contiguous(memory_format=torch.channels_last).requires_grad_()
    ex = ember.tensor(x).contiguous(memory_format=ember.channels_last).requires_grad_()
    ty, ey = tconv(tx), econv(ex)
    assert_same(ey, ty)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    assert_same(ex.grad, tx.grad, what="input grad")
    assert_same(econv.weight.grad, tconv.weight.grad, atol=1e-4, what="weight grad")


# ------------------------------------------------------------------ Module.to
def _layers(m):
    return m.nn.Sequential(m.nn.Conv2d(3, 4, 3), m.nn.BatchNorm2d(4), m.nn.Flatten(), m.nn.Linear(4, 2))


def _strides(module):
    params = [(n, type(p).__name__, p.stride()) for n, p in module.named_parameters()]
    return params + [(n, p.stride()) for n, p in module.named_buffers()]


def test_module_to_channels_last_matches_torch():
    t = _layers(torch).to(memory_format=torch.channels_last)
    e = _layers(ember).to(memory_format=ember.channels_last)
    assert _strides(e) == _strides(t)
    assert e[0].weight.stride() == (27, 1, 9, 3)
    t = _layers(torch).to(torch.float64, memory_format=torch.channels_last)
    e = _layers(ember).to(ember.float64, memory_format=ember.channels_last)
    assert _strides(e) == _strides(t) and e[0].weight.dtype == ember.float64


def test_module_to_channels_last_3d_and_rank_errors_match_torch():
    t, e = torch.nn.Conv3d(2, 2, 2), ember.nn.Conv3d(2, 2, 2)
    t.to(memory_format=torch.channels_last_3d)
    e.to(memory_format=ember.channels_last_3d)
    assert _strides(e) == _strides(t)
    for build, fmt in [("Conv2d", "channels_last_3d"), ("Conv3d", "channels_last")]:
        outs = []
        for m in (torch, ember):
            outs.append(
                _outcome(lambda m, b=build, f=fmt: getattr(m.nn, b)(2, 2, 2).to(memory_format=getattr(m, f)), m)
            )
        assert isinstance(outs[0], RuntimeError)
        _assert_same_outcome(*outs)


def test_module_to_channels_last_keeps_training_working():
    model = _layers(ember).to(memory_format=ember.channels_last)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    x = ember.randn(4, 3, 3, 3).contiguous(memory_format=ember.channels_last)
    loss = model(x).pow(2).mean()
    loss.backward()
    assert model[0].weight.grad.shape == model[0].weight.shape
    opt.step()
    assert model[0].weight.stride() == (27, 1, 9, 3)
