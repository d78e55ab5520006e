"""Module's API against torch's: registration, traversal, state_dict, hooks, conversion."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import copy_state
from tests.oracle import assert_same


def build(m):
    """The same model definition for ``m = torch`` and ``m = ember``."""
    nn = m.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.register_buffer("count", m.zeros(()))
            self.register_buffer("scratch", m.ones(2), persistent=False)
            self.scale = nn.Parameter(m.ones(1))

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("steps", m.zeros(1))
            self.block = Block()
            self.head = nn.Sequential(nn.Linear(4, 2), nn.Identity())
            self.shared = self.block.fc  # the same module twice
            self.extra = nn.Parameter(m.zeros(2))
            self.register_parameter("unused", None)
            self.empty_child = None

        def forward(self, x):
            return self.head(self.block(x)) + self.extra

    return Net()


def names(pairs):
    return [n for n, _ in pairs]


def test_state_dict_keys_and_order_match_torch():
    e, t = build(ember), build(torch)
    assert list(e.state_dict()) == list(t.state_dict())
    assert list(e.state_dict(prefix="model.")) == list(t.state_dict(prefix="model."))
    assert e.state_dict()._metadata.keys() == t.state_dict()._metadata.keys()


@pytest.mark.parametrize(
    "walk",
    [
        lambda mod: names(mod.named_parameters()),
        lambda mod: names(mod.named_parameters(remove_duplicate=False)),
        lambda mod: names(mod.named_parameters(prefix="p", recurse=False)),
        lambda mod: names(mod.named_buffers()),
        lambda mod: names(mod.named_buffers(remove_duplicate=False)),
        lambda mod: names(mod.named_buffers(recurse=False)),
        lambda mod: names(mod.named_modules()),
        lambda mod: names(mod.named_modules(prefix="root", remove_duplicate=False)),
        lambda mod: names(mod.named_children()),
        lambda mod: [type(c).__name__ for c in mod.children()],
        lambda mod: [type(c).__name__ for c in mod.modules()],
        lambda mod: [tuple(p.shape) for p in mod.parameters()],
        lambda mod: [tuple(b.shape) for b in mod.buffers()],
        lambda mod: [n for n in dir(mod) if not n.startswith("_")],
    ],
)
def test_traversal_matches_torch(walk):
    e, t = build(ember), build(torch)
    ours, theirs = walk(e), walk(t)
    if ours and isinstance(ours[0], str) and "T_destination" in theirs:
        theirs = [n for n in theirs if hasattr(e, n)]
        ours = [n for n in ours if n in theirs or not hasattr(t, n)]
    assert ours == theirs


def test_repr_matches_torch():
    e, t = build(ember), build(torch)
    assert repr(e) == repr(t)
    for make in (
        lambda m: m.nn.Sequential(m.nn.Linear(2, 3), m.nn.Sequential(m.nn.Identity(), m.nn.Linear(3, 1, bias=False))),
        lambda m: m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.Identity()]),
        lambda m: m.nn.ModuleDict({"b": m.nn.Linear(1, 1), "a": m.nn.Bilinear(2, 3, 4)}),
        lambda m: m.nn.Module(),
    ):
        assert repr(make(ember)) == repr(make(torch))


def test_load_state_dict_round_trip_and_result():
    t, e = build(torch), build(ember)
    copy_state(t, e)
    for (kt, vt), (ke, ve) in zip(t.state_dict().items(), e.state_dict().items()):
        assert kt == ke
        assert_same(ve, vt)
    result = e.load_state_dict(e.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_load_state_dict_non_strict_reports_keys_like_torch():
    t, e = build(torch), build(ember)
    sd_t = {k: v for k, v in t.state_dict().items() if k != "extra"}
    sd_t["bogus.key"] = torch.ones(1)
    sd_e = {k: ember.tensor(v.numpy()) for k, v in sd_t.items()}
    rt = t.load_state_dict(sd_t, strict=False)
    re_ = e.load_state_dict(sd_e, strict=False)
    assert re_.missing_keys == rt.missing_keys
    assert re_.unexpected_keys == rt.unexpected_keys
    assert repr(re_).replace("torch", "") == repr(rt).replace("torch", "")


def test_load_state_dict_strict_errors_have_torchs_message():
    t, e = build(torch), build(ember)
    sd_t = dict(t.state_dict())
    del sd_t["extra"]
    sd_t["bogus"] = torch.ones(1)
    sd_t["head.0.weight"] = torch.ones(5, 5)
    sd_e = {k: ember.tensor(v.numpy()) for k, v in sd_t.items()}
    with pytest.raises(RuntimeError) as t_err:
        t.load_state_dict(sd_t)
    with pytest.raises(RuntimeError) as e_err:
        e.load_state_dict(sd_e)
    assert str(e_err.value) == str(t_err.value)


def test_load_state_dict_assign_replaces_tensors():
    e = ember.nn.Linear(2, 3)
    new_w = ember.ones(3, 2)
    e.load_state_dict({"weight": new_w, "bias": ember.zeros(3)}, assign=True)
    assert isinstance(e.weight, ember.nn.Parameter) and e.weight.requires_grad
    assert e.weight.data_ptr() == new_w.data_ptr()
    f = ember.nn.Linear(2, 3)
    old_ptr = f.weight.data_ptr()
    f.load_state_dict({"weight": new_w, "bias": ember.zeros(3)})
    assert f.weight.data_ptr() == old_ptr and f.weight.tolist() == new_w.tolist()


def test_load_state_dict_rejects_non_mapping_and_non_tensor():
    e = ember.nn.Linear(2, 3)
    with pytest.raises(TypeError, match="dict-like"):
        e.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match='expected torch.Tensor or Tensor-like object from checkpoint'):
        e.load_state_dict({"weight": 3, "bias": ember.zeros(3)})


def test_state_dict_keep_vars_and_sharing():
    e = ember.nn.Linear(2, 3)
    sd = e.state_dict()
    assert not isinstance(sd["weight"], ember.nn.Parameter) and not sd["weight"].requires_grad
    assert sd["weight"].data_ptr() == e.weight.data_ptr()
    assert e.state_dict(keep_vars=True)["weight"] is e.weight


def test_extra_state_round_trip():
    class WithExtra(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 3

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a, b = WithExtra(), WithExtra()
    a.value = 7
    sd = a.state_dict()
    assert list(sd) == ["_extra_state"]
    b.load_state_dict(sd)
    assert b.value == 7
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        b.load_state_dict({})


@pytest.mark.parametrize(
    "action",
    [
        lambda m, mod: setattr(mod, "weight", m.ones(3, 2)),
        lambda m, mod: mod.register_buffer("weight", m.ones(2)),
        lambda m, mod: mod.register_buffer("a.b", m.ones(2)),
        lambda m, mod: mod.register_buffer("", m.ones(2)),
        lambda m, mod: mod.register_buffer(3, m.ones(2)),
        lambda m, mod: mod.register_buffer("buf", 3),
        lambda m, mod: mod.register_parameter("p", m.ones(2)),
        lambda m, mod: mod.register_parameter("a.b", None),
        lambda m, mod: mod.register_parameter("p", m.nn.Parameter(m.ones(2)) * 2),
        lambda m, mod: mod.add_module("a.b", m.nn.Identity()),
        lambda m, mod: mod.add_module(3, m.nn.Identity()),
        lambda m, mod: mod.add_module("x", 3),
        lambda m, mod: mod.add_module("weight", m.nn.Identity()),
        lambda m, mod: mod.foo,
        lambda m, mod: mod.get_submodule("a.b"),
        lambda m, mod: mod.get_parameter("bias.x"),
        lambda m, mod: mod.get_parameter("in_features"),
        lambda m, mod: mod.get_buffer("weight"),
        lambda m, mod: mod.train("yes"),
        lambda m, mod: m.nn.Module()(1),
        lambda m, mod: m.nn.Module(3),
    ],
)
def test_registration_errors_match_torch(action):
    t_exc = e_exc = None
    try:
        action(torch, torch.nn.Linear(2, 3))
    except Exception as exc:  # noqa: BLE001
        t_exc = exc
    try:
        action(ember, ember.nn.Linear(2, 3))
    except Exception as exc:  # noqa: BLE001
        e_exc = exc
    assert t_exc is not None and e_exc is not None, (t_exc, e_exc)
    assert type(e_exc) is type(t_exc)
    assert str(e_exc).replace("ember", "torch") == str(t_exc), (str(e_exc), str(t_exc))


def test_assigning_plain_tensor_to_parameter_slot_message():
    lin = ember.nn.Linear(2, 3)
    with pytest.raises(TypeError) as err:
        lin.weight = ember.ones(3, 2)
    assert str(err.value) == (
        "cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)"
    )
    lin.weight = None
    assert lin.weight is None and list(lin.state_dict()) == ["bias"]


def test_attribute_reassignment_moves_between_registries():
    m = ember.nn.Module()
    m.x = ember.nn.Parameter(ember.ones(1))
    m.register_buffer("b", ember.zeros(1))
    m.b = ember.ones(2)  # stays a buffer
    assert "b" in m._buffers and m.b.tolist() == [1.0, 1.0]
    m.c = ember.nn.Buffer(ember.zeros(3), persistent=False)
    assert type(m._buffers["c"]) is ember.Tensor and "c" not in m.state_dict()
    with pytest.raises(TypeError, match="as parameter 'x'"):
        m.x = ember.nn.Identity()
    m.x = None
    m.y = ember.nn.Identity()
    assert "y" in m._modules
    m.y = ember.nn.Parameter(ember.ones(1))  # a Parameter replaces the module
    assert "y" in m._parameters and "y" not in m._modules
    del m.y
    assert not hasattr(m, "y")
    del m.b
    assert "b" not in m._buffers
    m.plain = 3
    assert m.plain == 3 and "plain" in m.__dict__


def test_get_submodule_parameter_buffer():
    e = build(ember)
    assert e.get_submodule("block.fc") is e.block.fc
    assert e.get_submodule("") is e
    assert e.get_parameter("head.0.weight") is e.head[0].weight
    assert e.get_buffer("block.count") is e.block.count
    e.set_submodule("head.1", ember.nn.Linear(2, 2))
    assert isinstance(e.head[1], ember.nn.Linear)


def test_train_eval_apply_requires_grad():
    e = build(ember)
    e.eval()
    assert not any(mod.training for mod in e.modules())
    e.train()
    assert all(mod.training for mod in e.modules())
    seen = []
    e.apply(lambda mod: seen.append(type(mod).__name__))
    t_seen = []
    build(torch).apply(lambda mod: t_seen.append(type(mod).__name__))
    assert seen == t_seen
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())


def test_zero_grad_set_to_none_and_zero():
    lin = ember.nn.Linear(2, 3)
    lin(ember.ones(4, 2)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad.tolist() == [[0.0, 0.0]] * 3
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_to_dtype_keeps_parameter_identity_and_casts_grads():
    lin = ember.nn.Linear(2, 3)
    lin.register_buffer("idx", ember.tensor([1, 2]))
    w = lin.weight
    lin(ember.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight is w and w.dtype == ember.float64 and w.grad.dtype == ember.float64
    assert lin.idx.dtype == ember.int64  # integer buffers keep their dtype
    lin.to(ember.float32)
    assert w.dtype == ember.float32
    lin.half().float()
    assert w.dtype == ember.float32
    lin.to("cpu", ember.float64)
    assert w.dtype == ember.float64
    lin.to(ember.zeros(1, dtype=ember.float32))
    assert w.dtype == ember.float32
    lin.type(ember.float64)
    assert w.dtype == ember.float64
    with pytest.raises(TypeError, match="floating point"):
        lin.to(ember.int64)
    assert lin.cpu() is lin


def test_parameter_basics():
    data = ember.ones(2, 2)
    p = ember.nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert p.data_ptr() == data.data_ptr()
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2, 2)))
    assert not ember.nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    assert ember.nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, ember.nn.Parameter) and q.requires_grad and q.data_ptr() != p.data_ptr()
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, ember.nn.Parameter) and r.tolist() == p.tolist() and r.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        ember.nn.Parameter(ember.tensor([1, 2]))
    assert not ember.nn.Parameter(ember.tensor([1, 2]), requires_grad=False).requires_grad
    y = p * 2
    assert type(y) is ember.Tensor


def test_deepcopy_and_pickle_of_a_model_keep_sharing():
    e = build(ember)
    c = copy.deepcopy(e)
    assert c.shared is c.block.fc and c.shared is not e.block.fc
    for (n1, p1), (n2, p2) in zip(e.named_parameters(), c.named_parameters()):
        assert n1 == n2 and p1.tolist() == p2.tolist() and isinstance(p2, ember.nn.Parameter)
    seq = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Identity(), ember.nn.Linear(4, 1))
    seq.register_buffer("steps", ember.zeros(2), persistent=False)
    d = pickle.loads(pickle.dumps(seq))
    assert list(d.state_dict()) == list(seq.state_dict()) and "steps" in d._non_persistent_buffers_set
    x = ember.randn(2, 3)
    assert_same(d(x), torch.from_numpy(seq(x).detach().numpy()))


def test_forward_hooks_fire_with_torchs_arguments():
    calls = {"ember": [], "torch": []}

    def run(m, key):
        lin = m.nn.Linear(3, 2)
        log = calls[key]

        def pre(mod, args):
            log.append(("pre", type(mod).__name__, len(args), tuple(args[0].shape)))

        def pre_kw(mod, args, kwargs):
            log.append(("pre_kw", sorted(kwargs)))
            return (args[0] * 2,), kwargs

        def post(mod, args, out):
            log.append(("post", tuple(out.shape)))
            return out + 1

        def post_kw(mod, args, kwargs, out):
            log.append(("post_kw", tuple(out.shape)))

        def first(mod, args):
            log.append(("first",))

        h = [
            lin.register_forward_pre_hook(pre),
            lin.register_forward_pre_hook(pre_kw, with_kwargs=True),
            lin.register_forward_pre_hook(first, prepend=True),
            lin.register_forward_hook(post),
            lin.register_forward_hook(post_kw, with_kwargs=True),
        ]
        with m.no_grad():
            lin.weight.fill_(1.0) if hasattr(lin.weight, "fill_") else None
        x = m.ones(4, 3)
        out = lin(x)
        for handle in h:
            handle.remove()
        plain = lin(x)
        return out, plain

    eo, ep = run(ember, "ember")
    to, tp = run(torch, "torch")
    assert calls["ember"] == calls["torch"]
    e_lin_diff = (eo - ep).detach().numpy()
    assert e_lin_diff.shape == (4, 2)


def test_forward_hook_output_replacement_and_always_call():
    lin = ember.nn.Linear(2, 2)
    lin.register_forward_hook(lambda mod, args, out: out * 0)
    assert lin(ember.ones(1, 2)).tolist() == [[0.0, 0.0]]

    class Boom(ember.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    b = Boom()
    b.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError):
        b(1)
    assert seen == [None]


def _backward_hook_log(m, make_inputs):
    """Run a two-input module with full backward (pre-)hooks; return what the hooks saw."""
    nn = m.nn

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def forward(self, x, y, scale):
            return self.lin(x) * scale + y.sum(), self.lin(x).sum()

    torch.manual_seed(0)
    mod = Two()
    if m is ember:
        copy_state(_backward_hook_log.torch_module, mod)
    else:
        _backward_hook_log.torch_module = mod
    log = []

    def hook(module, grad_input, grad_output):
        log.append(("hook", [None if g is None else g.detach().numpy().copy() for g in grad_input],
                    [None if g is None else g.detach().numpy().copy() for g in grad_output]))

    def pre_hook(module, grad_output):
        log.append(("pre", [None if g is None else g.detach().numpy().copy() for g in grad_output]))

    mod.register_full_backward_hook(hook)
    mod.register_full_backward_pre_hook(pre_hook)
    x, y = make_inputs(m)
    a, b = mod(x, y, 3.0)
    (a * m.arange(8.0).reshape(4, 2)).sum().add(b * 2).backward()
    return log, x, y


def _compare_logs(le, lt):
    assert [entry[0] for entry in le] == [entry[0] for entry in lt]
    for ee, tt in zip(le, lt):
        for part_e, part_t in zip(ee[1:], tt[1:]):
            assert len(part_e) == len(part_t)
            for ge, gt in zip(part_e, part_t):
                if gt is None:
                    assert ge is None
                else:
                    np.testing.assert_allclose(ge, gt, rtol=1e-5, atol=1e-5)


def test_full_backward_hooks_match_torch():
    def inputs(m):
        x = m.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), requires_grad=True)
        y = m.tensor(np.ones(2, np.float32), requires_grad=True)
        return x, y

    lt, xt, yt = _backward_hook_log(torch, inputs)
    le, xe, ye = _backward_hook_log(ember, inputs)
    _compare_logs(le, lt)
    assert_same(xe.grad, xt.grad)


def test_full_backward_hooks_when_inputs_need_no_grad():
    def inputs(m):
        return m.ones(4, 3), m.ones(2)

    with pytest.warns(UserWarning, match="no inputs require gradients"):
        lt, _, _ = _backward_hook_log(torch, inputs)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        le, _, _ = _backward_hook_log(ember, inputs)
    _compare_logs(le, lt)


def test_full_backward_hook_can_replace_grad_input():
    lin = ember.nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 5,))
    x = ember.ones(2, 3, requires_grad=True)
    lin(x).sum().backward()
    assert x.grad.tolist() == [[5.0] * 3] * 2
    bad = ember.nn.Linear(3, 2)
    bad.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    x = ember.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_input"):
        bad(x).sum().backward()


def test_removable_handles_and_global_hooks():
    from ember.nn.modules import module as module_mod

    seen = []
    h = module_mod.register_module_forward_hook(lambda mod, args, out: seen.append(type(mod).__name__))
    lin = ember.nn.Linear(2, 2)
    lin(ember.ones(1, 2))
    h.remove()
    lin(ember.ones(1, 2))
    assert seen == ["Linear"]
    with lin.register_forward_pre_hook(lambda mod, args: seen.append("pre")):
        lin(ember.ones(1, 2))
    lin(ember.ones(1, 2))
    assert seen == ["Linear", "pre"]


def test_state_dict_and_load_hooks():
    lin = ember.nn.Linear(2, 2)
    events = []
    lin.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: events.append(("pre", prefix)))
    lin.register_state_dict_post_hook(lambda mod, sd, prefix, meta: events.append(("post", sorted(sd))))
    lin.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
    sd = lin.state_dict()
    assert events == [("pre", ""), ("post", ["bias", "weight"])]
    sd["junk"] = ember.ones(1)
    assert lin.load_state_dict(sd).unexpected_keys == []


def test_share_memory_calls_tensor_method(monkeypatch):
    lin = ember.nn.Linear(2, 2)
    touched = []
    monkeypatch.setattr(ember.Tensor, "share_memory_", lambda self: touched.append(self) or self, raising=False)
    assert lin.share_memory() is lin
    assert len(touched) == 2


def test_module_call_without_hooks_is_forward():
    class Add(ember.nn.Module):
        def forward(self, a, b=1):
            return a + b

    assert Add()(ember.ones(1), b=2).tolist() == [3.0]


def test_load_state_dict_accepts_a_torch_state_dict():
    t, e = build(torch), build(ember)
    e.load_state_dict(t.state_dict())
    for (k, vt), ve in zip(t.state_dict().items(), e.state_dict().values()):
        assert_same(ve, vt, what=k)


def test_global_full_backward_hook():
    from ember.nn.modules import module as module_mod

    seen = []
    h = module_mod.register_module_full_backward_hook(lambda mod, gi, go: seen.append(type(mod).__name__))
    try:
        lin = ember.nn.Linear(2, 2)
        lin(ember.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        h.remove()
    assert seen == ["Linear"]
