"""Lazy modules and uninitialized parameters against torch's: shapes, classes, reprs,
outputs and gradients after the first forward, optimizers, state_dict and errors."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import copy_state
from tests.oracle import assert_same, make_array, to_ember, to_torch


def both(fn):
    """``(fn(ember), fn(torch))`` with torch's RNG seeded, for building the same thing twice."""
    torch.manual_seed(0)
    return fn(ember), fn(torch)


def raised(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the comparison is the point
        return exc
    raise AssertionError("no exception raised")


def assert_same_error(e_fn, t_fn, prefix_len=60):
    e_exc, t_exc = raised(e_fn), raised(t_fn)
    assert type(e_exc).__name__ == type(t_exc).__name__, (e_exc, t_exc)
    assert str(e_exc)[:prefix_len] == str(t_exc)[:prefix_len], (str(e_exc), str(t_exc))
    return e_exc


# ------------------------------------------------------------- uninitialized tensors
def test_uninitialized_parameter_metadata_and_materialize():
    for m in (ember, torch):
        P = m.nn.parameter.UninitializedParameter
        p = P()
        assert repr(p) == "<UninitializedParameter>" and str(p) == "<UninitializedParameter>"
        assert m.nn.parameter.is_lazy(p) and not m.nn.parameter.is_lazy(m.zeros(1))
        assert isinstance(p, m.nn.Parameter) and p.requires_grad and p.grad is None
        assert str(p.dtype) == "torch.float32" and p.device.type == "cpu"
        p.materialize((2, 3))
        assert type(p) is m.nn.Parameter and tuple(p.shape) == (2, 3) and p.requires_grad
        assert not m.nn.parameter.is_lazy(p)
        q = P(requires_grad=False, dtype=m.float64)
        assert not q.requires_grad and str(q.dtype) == "torch.float64"
        q.materialize(3)
        assert tuple(q.shape) == (3,) and str(q.dtype) == "torch.float64" and not q.requires_grad
        r = P()
        r.materialize([2], dtype=m.float16)
        assert str(r.dtype) == "torch.float16"
        b = m.nn.parameter.UninitializedBuffer()
        assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad and m.nn.parameter.is_lazy(b)
        assert not isinstance(b, m.nn.Parameter)
        b.materialize((4,))
        assert type(b) is m.Tensor and tuple(b.shape) == (4,) and not b.requires_grad


@pytest.mark.parametrize(
    "use",
    [
        lambda m, p: p + 1,
        lambda m, p: p.sum(),
        lambda m, p: p.dim(),
        lambda m, p: m.zeros(2) * p,
        lambda m, p: p.detach(),
        lambda m, p: p.clone(),
        lambda m, p: m.nn.functional.linear(m.zeros(2, 3), p),
    ],
)
@pytest.mark.parametrize("kind", ["UninitializedParameter", "UninitializedBuffer"])
def test_using_uninitialized_tensor_raises(use, kind):
    e_exc = assert_same_error(
        lambda: use(ember, getattr(ember.nn.parameter, kind)()),
        lambda: use(torch, getattr(torch.nn.parameter, kind)()),
        prefix_len=len("Attempted to use an uninitialized parameter in"),
    )
    assert "`forward` with a dummy batch" in str(e_exc) and f"`torch.nn.parameter.{kind}` objects" in str(e_exc)


def test_uninitialized_shape_error_and_rematerialize():
    assert_same_error(
        lambda: ember.nn.parameter.UninitializedParameter().shape,
        lambda: torch.nn.parameter.UninitializedParameter().shape,
        prefix_len=400,
    )

    def materialize_twice(m):
        p = m.nn.parameter.UninitializedParameter()
        p.materialize(2)
        p.materialize(2)

    assert_same_error(lambda: materialize_twice(ember), lambda: materialize_twice(torch))


def test_uninitialized_copies_and_requires_grad_flag():
    for m in (ember, torch):
        p = m.nn.parameter.UninitializedParameter(dtype=m.float64)
        c = copy.deepcopy(p)
        assert type(c) is type(p) and str(c.dtype) == "torch.float64" and c.requires_grad
        assert type(pickle.loads(pickle.dumps(p))) is type(p)
        p.requires_grad = False
        assert not p.requires_grad
    assert_same_error(
        lambda: ember.nn.parameter.UninitializedParameter().requires_grad_(False),
        lambda: torch.nn.parameter.UninitializedParameter().requires_grad_(False),
        prefix_len=len("Attempted to use an uninitialized parameter in"),
    )
    # ember keeps the dtype through pickling and can deepcopy buffers (torch cannot)
    for kind in ("UninitializedParameter", "UninitializedBuffer"):
        u = getattr(ember.nn.parameter, kind)(dtype=ember.float64)
        for c in (copy.deepcopy(u), pickle.loads(pickle.dumps(u))):
            assert type(c) is type(u) and c.dtype == ember.float64 and c.requires_grad == u.requires_grad


# --------------------------------------------------------------------- lazy modules
CASES = [
    ("LazyLinear", lambda nn: nn.LazyLinear(4), (3, 5)),
    ("LazyLinear-nobias", lambda nn: nn.LazyLinear(2, bias=False), (2, 3, 6)),
    ("LazyConv1d", lambda nn: nn.LazyConv1d(4, 3, stride=2, padding=1), (2, 3, 9)),
    ("LazyConv1d-unbatched", lambda nn: nn.LazyConv1d(2, 2, padding_mode="reflect", padding=1), (3, 7)),
    ("LazyConv2d", lambda nn: nn.LazyConv2d(6, (3, 2), groups=2, bias=False), (2, 4, 6, 5)),
    ("LazyConv2d-same", lambda nn: nn.LazyConv2d(3, 3, padding="same", dilation=2), (1, 2, 7, 7)),
    ("LazyConv3d", lambda nn: nn.LazyConv3d(2, 2), (1, 3, 4, 3, 4)),
    ("LazyConvTranspose1d", lambda nn: nn.LazyConvTranspose1d(3, 3, stride=2, output_padding=1), (2, 4, 5)),
    ("LazyConvTranspose2d", lambda nn: nn.LazyConvTranspose2d(4, 2, groups=2, dilation=2), (2, 6, 4, 3)),
    ("LazyConvTranspose3d", lambda nn: nn.LazyConvTranspose3d(2, 2, stride=2), (1, 3, 2, 2, 2)),
    ("LazyBatchNorm1d", lambda nn: nn.LazyBatchNorm1d(), (6, 3)),
    ("LazyBatchNorm1d-3d", lambda nn: nn.LazyBatchNorm1d(momentum=None, bias=False), (4, 3, 5)),
    ("LazyBatchNorm2d", lambda nn: nn.LazyBatchNorm2d(eps=1e-3), (3, 2, 4, 4)),
    ("LazyBatchNorm3d", lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 3, 2)),
    ("LazyInstanceNorm1d", lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 6)),
    ("LazyInstanceNorm2d", lambda nn: nn.LazyInstanceNorm2d(track_running_stats=False), (2, 3, 4, 5)),
    ("LazyInstanceNorm3d", lambda nn: nn.LazyInstanceNorm3d(affine=False), (2, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("make,shape", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_first_forward_materializes_like_torch(make, shape):
    em, tm = both(lambda m: make(m.nn))
    assert repr(em) == repr(tm)
    assert em.has_uninitialized_params() == tm.has_uninitialized_params()
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(em.state_dict()) == list(tm.state_dict())
    x = make_array(shape, seed=1)
    em(to_ember(x))
    tm(to_torch(x))
    assert type(em).__name__ == type(tm).__name__ and not type(em).__name__.startswith("Lazy")
    assert isinstance(em, getattr(ember.nn, type(tm).__name__))
    assert not isinstance(em, ember.nn.modules.lazy.LazyModuleMixin)
    assert repr(em) == repr(tm)
    assert not em._forward_pre_hooks
    for (en, ev), (tn, tv) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert en == tn and type(ev) is ember.Tensor and tuple(ev.shape) == tuple(tv.shape), en
    for (_, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert type(ep) is ember.nn.Parameter and ep.requires_grad and str(ep.dtype) == str(tp.dtype)

    # with torch's weights (and running statistics) the modules compute the same
    copy_state(tm, em)
    x2 = make_array(shape, seed=2)
    ex, tx = to_ember(x2, requires_grad=True), to_torch(x2, requires_grad=True)
    eo, to = em(ex), tm(tx)
    assert_same(eo, to)
    upstream = make_array(tuple(to.shape), seed=3)
    (eo * to_ember(upstream)).sum().backward()
    (to * to_torch(upstream)).sum().backward()
    assert_same(ex.grad, tx.grad, what="input grad")
    for (name, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert_same(ep.grad, tp.grad, what=f"{name} grad")
    for (name, eb), (_, tb) in zip(em.named_buffers(), tm.named_buffers()):
        assert_same(eb, tb, what=name)


def test_reset_parameters_initializes_like_torch():
    # the statistics of the initialization (bounds 1/sqrt(fan_in)) are torch's
    em, tm = both(lambda m: m.nn.LazyLinear(200))
    em(ember.zeros(1, 16))
    tm(torch.zeros(1, 16))
    bound = 1 / np.sqrt(16)
    for p in (em.weight, em.bias):
        a = p.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound and a.std() > 0.5 * bound / np.sqrt(3)
    ebn, tbn = both(lambda m: m.nn.LazyBatchNorm1d())
    ebn.eval()(ember.zeros(2, 3))
    tbn.eval()(torch.zeros(2, 3))
    for (name, e), (_, t) in zip(ebn.state_dict().items(), tbn.state_dict().items()):
        assert_same(e, t, what=name)


def test_dtype_and_device_arguments_and_to_before_forward():
    for m in (ember, torch):
        lin = m.nn.LazyLinear(2, dtype=m.float64)
        assert str(lin.weight.dtype) == "torch.float64"
        lin(m.zeros(1, 3, dtype=m.float64))
        assert str(lin.weight.dtype) == "torch.float64"
        bn = m.nn.LazyBatchNorm1d().double()
        assert m.nn.parameter.is_lazy(bn.running_mean) and str(bn.running_mean.dtype) == "torch.float64"
        assert str(bn.num_batches_tracked.dtype) == "torch.int64"
        w = bn.weight
        bn(m.zeros(4, 3, dtype=m.float64))
        assert bn.weight is w and str(bn.weight.dtype) == "torch.float64"
        assert str(bn.running_var.dtype) == "torch.float64"


def test_optimizer_built_before_first_forward_trains_materialized_parameters():
    results = {}
    for m in (ember, torch):
        torch.manual_seed(0)
        lin = m.nn.LazyLinear(2)
        params = list(lin.parameters())
        sgd = m.optim.SGD(lin.parameters(), lr=0.5)
        adam_model = m.nn.LazyLinear(2)
        adam = m.optim.Adam(adam_model.parameters(), lr=0.1)
        x = m.ones(3, 4)
        lin(x)
        adam_model(x)
        assert sgd.param_groups[0]["params"][0] is lin.weight and params[0] is lin.weight
        assert adam.param_groups[0]["params"][1] is adam_model.bias
        results[m] = (lin, sgd, adam_model, adam)
    (elin, esgd, eadm, eadam), (tlin, tsgd, tadm, tadam) = results[ember], results[torch]
    copy_state(tlin, elin)
    copy_state(tadm, eadm)
    x = make_array((3, 4), seed=4)
    for m, lin, sgd, adm, adam in ((ember, elin, esgd, eadm, eadam), (torch, tlin, tsgd, tadm, tadam)):
        xx = to_ember(x) if m is ember else to_torch(x)
        (lin(xx) ** 2).sum().backward()
        sgd.step()
        adm(xx).sum().backward()
        adam.step()
    assert_same(elin.weight, tlin.weight)
    assert_same(elin.bias, tlin.bias)
    assert_same(eadm.weight, tadm.weight)
    assert tuple(eadam.state[eadm.weight]["exp_avg"].shape) == tuple(tadam.state[tadm.weight]["exp_avg"].shape)


def test_sequential_of_lazy_modules():
    make = lambda m: m.nn.Sequential(  # noqa: E731
        m.nn.LazyConv2d(4, 3), m.nn.LazyBatchNorm2d(), m.nn.ReLU(), m.nn.Flatten(), m.nn.LazyLinear(3)
    )
    es, ts = both(make)
    assert repr(es) == repr(ts)
    x = make_array((2, 2, 5, 5), seed=5)
    es(to_ember(x))
    ts(to_torch(x))
    assert repr(es) == repr(ts)
    copy_state(ts, es)
    assert_same(es(to_ember(x)), ts(to_torch(x)))


def test_initialize_parameters_directly_keeps_the_lazy_class_until_forward():
    for m in (ember, torch):
        lin = m.nn.LazyLinear(2)
        lin.initialize_parameters(m.zeros(3, 4))
        assert type(lin).__name__ == "LazyLinear" and tuple(lin.weight.shape) == (2, 4) and lin.in_features == 4
        assert not lin.has_uninitialized_params() and len(lin._forward_pre_hooks) == 1
        lin(m.zeros(1, 4))
        assert type(lin).__name__ == "Linear" and not lin._forward_pre_hooks


def test_deepcopy_and_pickle_of_an_uninitialized_module():
    lin = ember.nn.LazyLinear(3)
    for c in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        assert type(c) is ember.nn.LazyLinear and ember.nn.parameter.is_lazy(c.weight)
        assert tuple(c(ember.zeros(2, 5)).shape) == (2, 3) and type(c) is ember.nn.Linear
    assert type(lin) is ember.nn.LazyLinear and ember.nn.parameter.is_lazy(lin.weight)


# ------------------------------------------------------------------------ state_dict
def test_state_dict_of_uninitialized_module_holds_the_lazy_tensors():
    for m in (ember, torch):
        bn = m.nn.LazyBatchNorm1d()
        sd = bn.state_dict()
        assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        assert sd["weight"] is bn.weight and sd["running_mean"] is bn.running_mean
        assert int(sd["num_batches_tracked"]) == 0
        bn(m.zeros(2, 3))
        assert bn.state_dict()["weight"] is not bn.weight and not bn.state_dict()["weight"].requires_grad


def test_loading_a_state_dict_materializes_a_lazy_module():
    results = {}
    for m in (ember, torch):
        torch.manual_seed(0)
        src = m.nn.Linear(5, 4)
        lazy = m.nn.LazyLinear(4)
        assert repr(lazy.load_state_dict(src.state_dict())) == "<All keys matched successfully>"
        assert type(lazy).__name__ == "LazyLinear" and lazy.in_features == 0
        assert not lazy.has_uninitialized_params() and tuple(lazy.weight.shape) == (4, 5)
        assert repr(lazy) == "LazyLinear(in_features=0, out_features=4, bias=True)"
        results[m] = (src, lazy)
    (esrc, elazy), (tsrc, tlazy) = results[ember], results[torch]
    copy_state(tsrc, esrc)
    copy_state(tsrc, elazy)
    x = make_array((2, 5), seed=6)
    assert_same(elazy(to_ember(x)), tlazy(to_torch(x)))
    assert repr(elazy) == repr(tlazy) == "Linear(in_features=5, out_features=4, bias=True)"

    # conv keeps in_channels=0 when its weight came from a state dict (as torch)
    for m in (ember, torch):
        conv = m.nn.LazyConv2d(4, 3)
        conv.load_state_dict(m.nn.Conv2d(2, 4, 3).state_dict())
        conv(m.zeros(1, 2, 5, 5))
        assert repr(conv) == "Conv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))"
        bn = m.nn.LazyBatchNorm2d()
        bn.load_state_dict(m.nn.BatchNorm2d(3).state_dict())
        assert type(bn).__name__ == "LazyBatchNorm2d" and tuple(bn.running_mean.shape) == (3,)
        assert type(bn.running_mean) is m.Tensor


def test_loading_partial_and_uninitialized_state_dicts():
    for m in (ember, torch):
        lin = m.nn.LazyLinear(4)
        out = lin.load_state_dict({"weight": m.zeros(4, 3)}, strict=False)
        assert out.missing_keys == ["bias"] and out.unexpected_keys == []
        assert not m.nn.parameter.is_lazy(lin.weight) and m.nn.parameter.is_lazy(lin.bias)
        assert lin.has_uninitialized_params()
        a, b = m.nn.LazyLinear(4), m.nn.LazyLinear(4)
        assert repr(b.load_state_dict(a.state_dict())) == "<All keys matched successfully>"
        assert m.nn.parameter.is_lazy(b.weight)
        s = m.nn.Sequential(m.nn.LazyLinear(2))
        s.load_state_dict(m.nn.Sequential(m.nn.Linear(3, 2)).state_dict())
        assert tuple(s[0].weight.shape) == (2, 3)
    assert_same_error(
        lambda: ember.nn.Linear(5, 4).load_state_dict(ember.nn.LazyLinear(4).state_dict()),
        lambda: torch.nn.Linear(5, 4).load_state_dict(torch.nn.LazyLinear(4).state_dict()),
        prefix_len=400,
    )

    def partial_then_forward(m):
        lin = m.nn.LazyLinear(4)
        lin.load_state_dict({"weight": m.zeros(4, 3)}, strict=False)
        lin(m.zeros(2, 3))

    assert_same_error(lambda: partial_then_forward(ember), lambda: partial_then_forward(torch))


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.LazyConv2d(4, 3), (2, 3)),
        (lambda nn: nn.LazyConv2d(4, 3), (1, 2, 3, 4, 5)),
        (lambda nn: nn.LazyConv1d(4, 3), (3,)),
        (lambda nn: nn.LazyConvTranspose3d(4, 3), (2, 3)),
        (lambda nn: nn.LazyConv2d(4, 3, groups=2), (1, 3, 5, 5)),
        (lambda nn: nn.LazyBatchNorm2d(), (2, 3)),
        (lambda nn: nn.LazyBatchNorm1d(), (2, 3, 4, 5)),
        (lambda nn: nn.LazyInstanceNorm2d(), (2, 3)),
        (lambda nn: nn.LazyLinear(3), ()),
    ],
)
def test_wrong_input_dims_raise_like_torch(make, shape):
    em, tm = both(lambda m: make(m.nn))
    x = make_array(shape, seed=7)
    assert_same_error(lambda: em(to_ember(x)), lambda: tm(to_torch(x)), prefix_len=400)


def test_wrong_features_after_loading_raise_like_torch():
    def run(m):
        lin = m.nn.LazyLinear(4)
        lin.load_state_dict(m.nn.Linear(5, 4).state_dict())
        try:
            lin(m.zeros(2, 6))
        finally:
            assert type(lin).__name__ == "LazyLinear"

    assert_same_error(lambda: run(ember), lambda: run(torch), prefix_len=400)


def test_uninitialized_module_used_without_its_hook_and_incomplete_initialization():
    assert_same_error(
        lambda: ember.nn.LazyLinear(2).forward(ember.zeros(1, 3)),
        lambda: torch.nn.LazyLinear(2).forward(torch.zeros(1, 3)),
        prefix_len=len("Attempted to use an uninitialized parameter in"),
    )

    def half_initialized(m):
        class Half(m.nn.modules.lazy.LazyModuleMixin, m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.parameter.UninitializedParameter()
                self.b = m.nn.parameter.UninitializedParameter()

            def initialize_parameters(self, x):
                self.a.materialize(x.shape)

            def forward(self, x):
                return x * self.a

        module = Half()
        assert module.has_uninitialized_params()
        module(m.ones(2))

    assert_same_error(lambda: half_initialized(ember), lambda: half_initialized(torch), prefix_len=400)
