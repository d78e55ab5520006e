"""ember.func.functional_call / nn.utils.stateless.functional_call and ember.func.grad/vjp,
compared with torch.func (the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember


def _net(m, tied=False):
    """The same small network in ember or torch, with identical weights and a buffer."""

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = m.nn.Linear(3, 3, dtype=m.float64)
            self.l2 = m.nn.Linear(3, 2, dtype=m.float64)
            if tied:
                self.l3 = m.nn.Linear(3, 3, dtype=m.float64)
                self.l3.weight = self.l1.weight
            self.register_buffer("shift", m.ones(2, dtype=m.float64))

        def forward(self, x, scale=1.0):
            h = m.tanh(self.l1(x))
            if tied:
                h = self.l3(h)
            return (self.l2(h) + self.shift) * scale

    net = Net()
    rng = np.random.default_rng(1)
    with m.no_grad():
        for _, p in net.named_parameters():
            p.copy_(m.tensor(rng.uniform(-1, 1, tuple(p.shape)), dtype=m.float64))
    return net


def _inputs(m, requires_grad=True):
    rng = np.random.default_rng(2)
    x = m.tensor(rng.uniform(-1, 1, (4, 3)), dtype=m.float64)
    w = m.tensor(rng.uniform(-1, 1, (3, 3)), dtype=m.float64, requires_grad=requires_grad)
    shift = m.tensor([0.5, -2.0], dtype=m.float64, requires_grad=requires_grad)
    return x, w, shift


def _close(e, t):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_replaces_parameter_and_buffer_and_gradients_reach_given_tensors():
    results = []
    for m in (ember, torch):
        net = _net(m)
        x, w, shift = _inputs(m)
        out = m.func.functional_call(net, {"l1.weight": w, "shift": shift}, (x,), {"scale": 3.0})
        (out ** 2).sum().backward()
        # The module's own tensors got nothing and are back in place.
        assert net.l1.weight.grad is None
        assert isinstance(net.l1.weight, m.nn.Parameter)
        assert "l1.weight" in dict(net.named_parameters())
        # Unreplaced parameters are used (and receive gradients) as usual.
        assert net.l2.weight.grad is not None
        results.append((out, w.grad, shift.grad, net.l2.weight.grad, net.shift))
    for e, t in zip(*results):
        _close(e, t)


def test_output_differs_from_plain_call_and_restores_after():
    net = _net(ember)
    x, w, _ = _inputs(ember)
    before = net(x)
    replaced = ember.func.functional_call(net, {"l1.weight": w}, x)
    assert not np.allclose(before.detach().numpy(), replaced.detach().numpy())
    _close(net(x), before)


def test_all_parameters_given_as_detached_copies():
    results = []
    for m in (ember, torch):
        net = _net(m)
        x, _, _ = _inputs(m)
        params = {k: (v.detach() * 2).requires_grad_() for k, v in net.named_parameters()}
        out = m.func.functional_call(net, params, x)
        grads = m.autograd.grad(out.sum(), list(params.values()))
        results.append((out, *grads))
    for e, t in zip(*results):
        _close(e, t)


def test_several_dicts_and_args_not_a_tuple():
    results = []
    for m in (ember, torch):
        net = _net(m)
        x, w, shift = _inputs(m)
        results.append(m.func.functional_call(net, ({"l1.weight": w}, {"shift": shift}), x))
    _close(*results)


def test_restored_when_forward_raises():
    for m in (ember, torch):
        class Failing(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.p = m.nn.Parameter(m.ones(2))
                self.register_buffer("b", m.zeros(2))

            def forward(self, x):
                assert self.p is replacement
                raise ValueError("boom")

        mod = Failing()
        original_p, original_b = mod.p, mod.b
        replacement = m.zeros(2)
        with pytest.raises(ValueError, match="boom"):
            m.func.functional_call(mod, {"p": replacement, "b": m.ones(2), "new_attr": m.ones(1)}, (m.ones(2),))
        assert mod.p is original_p and mod.b is original_b
        assert not hasattr(mod, "new_attr")


def test_inside_the_call_the_module_sees_the_given_tensors():
    seen = {}
    for m in (ember, torch):
        class Probe(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = m.nn.Linear(2, 2)

            def forward(self, x):
                seen[m.__name__] = (
                    type(self.lin.weight).__name__,
                    sorted(n for n, _ in self.named_parameters()),
                    self.lin.weight is given,
                )
                return x

        given = m.zeros(2, 2)
        m.func.functional_call(Probe(), {"lin.weight": given}, (m.ones(2),))
    assert seen["ember"] == seen["torch"]


@pytest.mark.parametrize("tie_weights", [True, False])
def test_tied_weights(tie_weights):
    results = []
    for m in (ember, torch):
        net = _net(m, tied=True)
        x, w, _ = _inputs(m)
        out = m.func.functional_call(net, {"l1.weight": w}, x, tie_weights=tie_weights)
        (g,) = m.autograd.grad(out.sum(), w)
        assert net.l3.weight is net.l1.weight
        results.append((out, g))
    for e, t in zip(*results):
        _close(e, t)


def _outcome(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - type and message are compared
        return type(exc).__name__, str(exc).replace("ember", "torch")
    return None


ERRORS = [
    ("tied different values", lambda m, net, w: m.func.functional_call(net, {"l1.weight": w, "l3.weight": w * 2}, torch_like_x(m))),
    ("strict missing", lambda m, net, w: m.func.functional_call(net, {"l1.weight": w}, torch_like_x(m), strict=True)),
    ("strict unexpected", lambda m, net, w: m.func.functional_call(net, {"zz": w, "l1.weight": w}, torch_like_x(m), strict=True)),
    ("overlapping dicts", lambda m, net, w: m.func.functional_call(net, ({"l1.weight": w, "shift": w}, {"l1.weight": w, "shift": w}, {"shift": w}), torch_like_x(m))),
    ("not dicts", lambda m, net, w: m.func.functional_call(net, [("shift", w)], torch_like_x(m))),
    ("value not a tensor", lambda m, net, w: m.func.functional_call(net, {"shift": 3}, torch_like_x(m))),
    ("unknown submodule", lambda m, net, w: m.func.functional_call(net, {"l9.weight": w}, torch_like_x(m))),
]


def torch_like_x(m):
    return _inputs(m)[0]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    expected = _outcome(lambda: call(torch, _net(torch, tied=True), _inputs(torch)[1]))
    assert expected is not None
    net = _net(ember, tied=True)
    weight = net.l1.weight
    assert _outcome(lambda: call(ember, net, _inputs(ember)[1])) == expected
    assert net.l1.weight is weight and net.l3.weight is weight


def test_tied_same_value_twice_is_accepted():
    net = _net(ember, tied=True)
    x, w, _ = _inputs(ember)
    a = ember.func.functional_call(net, {"l1.weight": w, "l3.weight": w}, x)
    b = ember.func.functional_call(net, {"l1.weight": w}, x)
    _close(a, b)


def test_stateless_spelling_warns_and_matches():
    outs = []
    for m in (ember, torch):
        net = _net(m)
        x, w, _ = _inputs(m)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outs.append(m.nn.utils.stateless.functional_call(net, {"l1.weight": w}, (x,)))
        messages = [(c.category, str(c.message).replace("ember", "torch")) for c in caught]
        outs.append(messages)
    _close(outs[0], outs[2])
    assert outs[1] == outs[3] and outs[1][0][0] is FutureWarning


# ----------------------------------------------------------------- ember.func.grad / vjp
def _grad_cases(m):
    x = m.tensor([0.3, -1.2, 2.0], dtype=m.float64)
    w = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
    f = m.func
    return {
        "simple": lambda: f.grad(lambda x: (x ** 3).sum())(x),
        "nested": lambda: f.grad(lambda s: f.grad(lambda t: (t ** 3).sin().sum())(s).sum())(x),
        "closure requires grad": lambda: f.grad(lambda x: (x * w).sum())(x),
        "input requires grad": lambda: f.grad(lambda x: (x * x).sum())(w),
        "argnums tuple": lambda: f.grad(lambda a, b: (a * b * b).sum(), argnums=(0, 1))(x, x * 2),
        "argnums negative": lambda: f.grad(lambda a, b: (a * b.exp()).sum(), argnums=-1)(x, x),
        "dict input": lambda: f.grad(lambda d: (d["a"] * d["b"]).sum())({"a": x, "b": x * 3}),
        "unused input": lambda: f.grad(lambda a, b: b.sum())(x, x),
        "has_aux": lambda: f.grad(lambda x: ((x ** 2).sum(), {"s": x.sum()}), has_aux=True)(x),
        "mlp via functional_call": lambda: f.grad(
            lambda p, inp: f.functional_call(_net(m), p, inp).pow(2).mean()
        )({k: v.detach() for k, v in _net(m).named_parameters()}, _inputs(m)[0]),
        "vjp": lambda: (lambda r: (r[0], r[1]((m.ones(3, dtype=m.float64), x))))(
            f.vjp(lambda a, b: (a * b, a.sin()), x, x * 2)
        ),
    }


def _leaves(v):
    if isinstance(v, (tuple, list)):
        return [z for e in v for z in _leaves(e)]
    if isinstance(v, dict):
        return [z for k in v for z in _leaves(v[k])]
    return [v]


@pytest.mark.parametrize("name", list(_grad_cases(ember)))
def test_func_grad_matches_torch(name):
    e = _grad_cases(ember)[name]()
    t = _grad_cases(torch)[name]()
    le, lt = _leaves(e), _leaves(t)
    assert len(le) == len(lt)
    for a, b in zip(le, lt):
        _close(a, b)
        assert a.requires_grad == b.requires_grad


def test_func_grad_result_differentiable_when_input_requires_grad():
    results = []
    for m in (ember, torch):
        w = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
        g = m.func.grad(lambda x: (x.sin() * x).sum())(w)
        (gg,) = m.autograd.grad(g.sum(), w)
        results.append(gg)
    _close(*results)


GRAD_ERRORS = [
    ("vector output", lambda m, x: m.func.grad(lambda x: x)(x)),
    ("non-tensor output", lambda m, x: m.func.grad(lambda x: 3.0)(x)),
    ("aux not a pair", lambda m, x: m.func.grad(lambda x: x.sum(), has_aux=True)(x)),
    ("argnums out of range", lambda m, x: m.func.grad(lambda x: x.sum(), argnums=1)(x)),
    ("argnums float", lambda m, x: m.func.grad(lambda x: x.sum(), argnums=1.0)(x)),
    ("argnums empty", lambda m, x: m.func.grad(lambda x: x.sum(), argnums=())(x)),
    ("non-tensor input", lambda m, x: m.func.grad(lambda x: x * 2)(3.0)),
]


@pytest.mark.parametrize("call", [c for _, c in GRAD_ERRORS], ids=[n for n, _ in GRAD_ERRORS])
def test_func_grad_errors_match_torch(call):
    expected = _outcome(lambda: call(torch, torch.ones(3)))
    assert expected is not None
    assert _outcome(lambda: call(ember, ember.ones(3))) == expected
