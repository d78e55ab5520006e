"""ember.autograd.functional against torch.autograd.functional (the oracle).

Every case runs the same lambda with ember and with torch on the same float64 data and
compares the returned structures (tuple nesting, shapes, requires_grad) and values.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import ember
import ember.autograd.functional as EF


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.uniform(-1.5, 1.5, 3),
        "y": rng.uniform(-1.5, 1.5, (2, 3)),
        "s": rng.uniform(0.5, 1.5, ()),
        "w1": rng.uniform(-1, 1, (4, 3)),
        "w2": rng.uniform(-1, 1, (1, 4)),
        "vx": rng.uniform(-1, 1, 3),
        "vy": rng.uniform(-1, 1, (2, 3)),
        "v2": rng.uniform(-1, 1, 2),
    }


def _tensors(m, requires_grad=False, seed=0):
    return {k: m.tensor(v, dtype=m.float64, requires_grad=requires_grad) for k, v in _data(seed).items()}


def assert_same_structure(e, t, path="result", check_requires_grad=True):
    if isinstance(t, (tuple, list)):
        assert type(e) is type(t), f"{path}: ember gave {type(e).__name__}, torch a {type(t).__name__}"
        assert len(e) == len(t), f"{path}: length {len(e)} != {len(t)}"
        for i, (ei, ti) in enumerate(zip(e, t)):
            assert_same_structure(ei, ti, f"{path}[{i}]", check_requires_grad)
        return
    assert isinstance(t, torch.Tensor)
    assert isinstance(e, ember.Tensor), f"{path}: ember gave {type(e).__name__}, torch a Tensor"
    assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_requires_grad:
        assert e.requires_grad == t.requires_grad, f"{path}: requires_grad {e.requires_grad} != {t.requires_grad}"
    assert str(e.dtype) == str(t.dtype), f"{path}: dtype {e.dtype} != {t.dtype}"
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=path)


# Functions written once for both libraries: ``m`` is ember or torch.
def poly1(m):
    return lambda x: x ** 3 * 2 - x


def poly_scalar(m):
    return lambda x: (x ** 3).sum() + (x[0] * x[1] * x[2])


def two_in_two_out(m):
    return lambda x, y: (((x ** 2) * y).sum(1), m.softmax(y * x, dim=-1))


def mlp_loss(m):
    def loss(w1, w2, x):
        hidden = m.tanh(x @ w1.T)
        return ((hidden @ w2.T) ** 2).mean()

    return loss


def scalar_of_two(m):
    return lambda x, y: (m.softmax(y * x, dim=-1) * y).sum() + (x ** 4).sum()


CASES = [
    # (name, call(m, F, t) -> result)
    ("vjp one in/out", lambda m, F, t: F.vjp(poly1(m), t["x"], t["vx"])),
    ("vjp scalar v=None", lambda m, F, t: F.vjp(poly_scalar(m), t["x"])),
    ("vjp tuple in", lambda m, F, t: F.vjp(two_in_two_out(m), (t["x"], t["y"]), (t["v2"], t["vy"]))),
    ("vjp tuple of one", lambda m, F, t: F.vjp(poly1(m), (t["x"],), (t["vx"],))),
    ("vjp mlp", lambda m, F, t: F.vjp(mlp_loss(m), (t["w1"], t["w2"], t["y"]))),
    ("jvp one in/out", lambda m, F, t: F.jvp(poly1(m), t["x"], t["vx"])),
    ("jvp scalar input v=None", lambda m, F, t: F.jvp(lambda s: s.sin() * s, t["s"])),
    ("jvp tuple", lambda m, F, t: F.jvp(two_in_two_out(m), (t["x"], t["y"]), (t["vx"], t["vy"]))),
    ("jvp mlp", lambda m, F, t: F.jvp(mlp_loss(m), (t["w1"], t["w2"], t["y"]), (t["w1"] * 0.5, t["w2"], t["y"]))),
    ("jacobian one", lambda m, F, t: F.jacobian(poly1(m), t["x"])),
    ("jacobian scalar out", lambda m, F, t: F.jacobian(poly_scalar(m), t["x"])),
    ("jacobian tuple in, one out", lambda m, F, t: F.jacobian(lambda x, y: (x * y).sum(0), (t["x"], t["y"]))),
    ("jacobian one in, tuple out", lambda m, F, t: F.jacobian(lambda y: (y.exp(), y.sum()), t["y"])),
    ("jacobian tuple/tuple", lambda m, F, t: F.jacobian(two_in_two_out(m), (t["x"], t["y"]))),
    ("jacobian vectorize", lambda m, F, t: F.jacobian(two_in_two_out(m), (t["x"], t["y"]), vectorize=True)),
    ("jacobian forward-mode", lambda m, F, t: F.jacobian(poly1(m), t["x"], vectorize=True, strategy="forward-mode")),
    ("jacobian forward-mode tuples", lambda m, F, t: F.jacobian(two_in_two_out(m), (t["x"], t["y"]), vectorize=True, strategy="forward-mode")),
    ("jacobian forward-mode tuple in", lambda m, F, t: F.jacobian(lambda x, y: x * y, (t["x"], t["y"]), vectorize=True, strategy="forward-mode")),
    ("jacobian forward-mode tuple out", lambda m, F, t: F.jacobian(lambda y: (y * 2, y.exp()), t["y"], vectorize=True, strategy="forward-mode")),
    ("jacobian softmax", lambda m, F, t: F.jacobian(lambda y: m.softmax(y, dim=1), t["y"])),
    ("jacobian unused input", lambda m, F, t: F.jacobian(lambda x, y: x * 2, (t["x"], t["y"]))),
    ("jacobian constant output", lambda m, F, t: F.jacobian(lambda x: m.ones(2, dtype=m.float64), t["x"])),
    ("hessian one", lambda m, F, t: F.hessian(poly_scalar(m), t["x"])),
    ("hessian tuple", lambda m, F, t: F.hessian(scalar_of_two(m), (t["x"], t["y"]))),
    ("hessian mlp", lambda m, F, t: F.hessian(mlp_loss(m), (t["w1"], t["w2"], t["y"]))),
    ("hessian vectorize", lambda m, F, t: F.hessian(poly_scalar(m), t["x"], vectorize=True)),
    ("hessian forward-mode", lambda m, F, t: F.hessian(scalar_of_two(m), (t["x"], t["y"]), vectorize=True, outer_jacobian_strategy="forward-mode")),
    ("hessian linear", lambda m, F, t: F.hessian(lambda x: x.sum() * 3, t["x"])),
    ("vhp one", lambda m, F, t: F.vhp(poly_scalar(m), t["x"], t["vx"])),
    ("vhp tuple", lambda m, F, t: F.vhp(scalar_of_two(m), (t["x"], t["y"]), (t["vx"], t["vy"]))),
    ("vhp mlp", lambda m, F, t: F.vhp(mlp_loss(m), (t["w1"], t["w2"], t["y"]), (t["w1"], t["w2"], t["y"]))),
    ("hvp one", lambda m, F, t: F.hvp(poly_scalar(m), t["x"], t["vx"])),
    ("hvp tuple", lambda m, F, t: F.hvp(scalar_of_two(m), (t["x"], t["y"]), (t["vx"], t["vy"]))),
    ("hvp scalar v=None", lambda m, F, t: F.hvp(lambda s: s ** 4, t["s"])),
    ("vjp create_graph", lambda m, F, t: F.vjp(two_in_two_out(m), (t["x"], t["y"]), (t["v2"], t["vy"]), create_graph=True)),
    ("jacobian create_graph", lambda m, F, t: F.jacobian(two_in_two_out(m), (t["x"], t["y"]), create_graph=True)),
    ("hvp create_graph", lambda m, F, t: F.hvp(poly_scalar(m), t["x"], t["vx"], create_graph=True)),
]


@pytest.mark.parametrize("call", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_matches_torch(call):
    assert_same_structure(call(ember, EF, _tensors(ember)), call(torch, TF, _tensors(torch)))


@pytest.mark.parametrize("name, call", CASES, ids=[n for n, _ in CASES])
def test_matches_torch_when_inputs_require_grad(name, call):
    # Without create_graph the results are detached; with it they stay in the caller's graph.
    # torch's forward-mode jacobian keeps a whole row attached when that output depends on
    # the caller's graph, even where the entry is constant; ember keeps exactly the entries
    # that depend on it (a documented difference), so only values are compared there.
    assert_same_structure(
        call(ember, EF, _tensors(ember, True)),
        call(torch, TF, _tensors(torch, True)),
        check_requires_grad="forward-mode" not in name,
    )


def test_hessian_is_jacobian_of_gradient_and_vhp_equals_hvp():
    t = _tensors(ember)
    f = scalar_of_two(ember)
    h = EF.hessian(f, (t["x"], t["y"]))
    _, v1 = EF.vhp(f, (t["x"], t["y"]), (t["vx"], t["vy"]))
    _, v2 = EF.hvp(f, (t["x"], t["y"]), (t["vx"], t["vy"]))
    # H v assembled from the blocks
    hv_x = h[0][0] @ t["vx"] + (h[0][1].reshape(3, 6) @ t["vy"].reshape(6))
    np.testing.assert_allclose(v1[0].numpy(), hv_x.numpy(), rtol=1e-10)
    np.testing.assert_allclose(v2[0].numpy(), hv_x.numpy(), rtol=1e-10)
    np.testing.assert_allclose(v1[1].numpy(), v2[1].numpy(), rtol=1e-10)


SECOND_ORDER = [
    ("vjp", lambda m, F, t: F.vjp(two_in_two_out(m), (t["x"], t["y"]), (t["v2"], t["vy"]), create_graph=True)[1]),
    ("jvp", lambda m, F, t: F.jvp(two_in_two_out(m), (t["x"], t["y"]), (t["vx"], t["vy"]), create_graph=True)[1]),
    ("jacobian", lambda m, F, t: F.jacobian(two_in_two_out(m), (t["x"], t["y"]), create_graph=True)),
    ("hessian", lambda m, F, t: F.hessian(scalar_of_two(m), (t["x"], t["y"]), create_graph=True)),
    ("vhp", lambda m, F, t: F.vhp(scalar_of_two(m), (t["x"], t["y"]), (t["vx"], t["vy"]), create_graph=True)[1]),
    ("hvp", lambda m, F, t: F.hvp(scalar_of_two(m), (t["x"], t["y"]), (t["vx"], t["vy"]), create_graph=True)[1]),
]


def _flatten(value):
    if isinstance(value, tuple):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


@pytest.mark.parametrize("call", [c for _, c in SECOND_ORDER], ids=[n for n, _ in SECOND_ORDER])
def test_create_graph_then_differentiate_again(call):
    """The result with create_graph=True is differentiable w.r.t. the inputs and the vector v."""
    results = []
    for m, F in ((ember, EF), (torch, TF)):
        t = _tensors(m, requires_grad=True)
        out = call(m, F, t)
        total = sum(((leaf * (i + 1)) ** 2).sum() for i, leaf in enumerate(_flatten(out)))
        wrt = [t[k] for k in ("x", "y", "vx", "vy", "v2")]
        results.append(m.autograd.grad(total, wrt, allow_unused=True, materialize_grads=True))
    assert_same_structure(*results)


def test_create_graph_false_results_do_not_require_grad():
    t = _tensors(ember, True)
    out, g = EF.vjp(poly1(ember), t["x"], t["vx"])
    assert not out.requires_grad and not g.requires_grad
    out, g = EF.vjp(poly1(ember), t["x"], t["vx"], create_graph=True)
    assert out.requires_grad and g.requires_grad


def test_grad_mode_is_restored_and_works_under_no_grad():
    t = _tensors(ember)
    with ember.no_grad():
        j = EF.jacobian(poly1(ember), t["x"])
        assert not ember.is_grad_enabled()
    with torch.no_grad():
        jt = TF.jacobian(poly1(torch), _tensors(torch)["x"])
    assert_same_structure(j, jt)


def _outcome(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are what we compare
        return type(exc).__name__, str(exc)
    return None


ERRORS = [
    ("vjp v None, vector output", lambda m, F, t: F.vjp(lambda a: a * 2, t["x"])),
    ("vjp bad v shape", lambda m, F, t: F.vjp(lambda a: a * 2, t["x"], t["v2"])),
    ("vjp v tuple too short", lambda m, F, t: F.vjp(lambda a: (a * 2, a), t["x"], (t["vx"],))),
    ("vjp v tuple entry shape", lambda m, F, t: F.vjp(lambda a: (a * 2, a), t["x"], (t["vx"], t["v2"]))),
    ("vjp v tuple for one output", lambda m, F, t: F.vjp(lambda a: a * 2, t["x"], (t["vx"], t["vx"]))),
    ("vjp output not a tensor", lambda m, F, t: F.vjp(lambda a: 3, t["x"])),
    ("vjp output tuple with int", lambda m, F, t: F.vjp(lambda a: (a, 3), t["x"])),
    ("vjp int input", lambda m, F, t: F.vjp(lambda a: a, 3)),
    ("vjp tuple with int", lambda m, F, t: F.vjp(lambda a, b: a, (t["x"], 3))),
    ("vjp list inputs", lambda m, F, t: F.vjp(lambda a, b: a.sum(), [t["x"], t["y"]])),
    ("vjp int v", lambda m, F, t: F.vjp(lambda a: a, t["x"], 3)),
    ("vjp strict output without grad", lambda m, F, t: F.vjp(lambda a: m.ones(1), t["x"], strict=True)),
    ("vjp strict unused input", lambda m, F, t: F.vjp(lambda a, b: a.sum(), (t["x"], t["y"]), strict=True)),
    ("vjp strict create_graph linear", lambda m, F, t: F.vjp(lambda a: (a * 2).sum(), (t["x"],), strict=True, create_graph=True)),
    ("jvp v None", lambda m, F, t: F.jvp(lambda a: a * 2, t["x"])),
    ("jvp bad v", lambda m, F, t: F.jvp(lambda a: a * 2, t["x"], t["v2"])),
    ("jvp v tuple too short", lambda m, F, t: F.jvp(lambda a, b: a * 2, (t["x"], t["y"]), (t["vx"],))),
    ("jvp strict unused input", lambda m, F, t: F.jvp(lambda a, b: a * 2, (t["x"], t["y"]), (t["vx"], t["vy"]), strict=True)),
    ("jvp strict output without grad", lambda m, F, t: F.jvp(lambda a: (a * 2, a.detach()), t["x"], t["vx"], strict=True)),
    ("jvp strict create_graph linear", lambda m, F, t: F.jvp(lambda a: a * 2, t["x"], t["vx"], strict=True, create_graph=True)),
    ("jacobian strict unused input", lambda m, F, t: F.jacobian(lambda a, b: a * 2, (t["x"], t["y"]), strict=True)),
    ("jacobian strict no grad", lambda m, F, t: F.jacobian(lambda a: m.ones(2), t["x"], strict=True)),
    ("jacobian strict create_graph linear", lambda m, F, t: F.jacobian(lambda a: a * 2, t["x"], strict=True, create_graph=True)),
    ("jacobian strict+vectorize", lambda m, F, t: F.jacobian(lambda a: a * 2, t["x"], strict=True, vectorize=True)),
    ("jacobian forward-mode without vectorize", lambda m, F, t: F.jacobian(lambda a: a * 2, t["x"], strategy="forward-mode")),
    ("jacobian forward-mode create_graph", lambda m, F, t: F.jacobian(lambda a: a, t["x"], strategy="forward-mode", vectorize=True, create_graph=True)),
    ("jacobian bad strategy", lambda m, F, t: F.jacobian(lambda a: a, t["x"], strategy="sideways")),
    ("jacobian output not a tensor", lambda m, F, t: F.jacobian(lambda a: 3, t["x"])),
    ("hessian tuple output", lambda m, F, t: F.hessian(lambda a: (a.sum(),), t["x"])),
    ("hessian vector output", lambda m, F, t: F.hessian(lambda a: a, t["x"])),
    ("hessian strict linear", lambda m, F, t: F.hessian(lambda a: a.sum(), t["x"], strict=True)),
    ("hessian strict unused input", lambda m, F, t: F.hessian(lambda a, b: (a ** 3).sum(), (t["x"], t["y"]), strict=True)),
    ("hessian strict constant", lambda m, F, t: F.hessian(lambda a: m.ones(()), t["x"], strict=True)),
    ("hessian bad strategy", lambda m, F, t: F.hessian(lambda a: (a ** 3).sum(), t["x"], outer_jacobian_strategy="x")),
    ("hessian forward-mode without vectorize", lambda m, F, t: F.hessian(lambda a: (a ** 3).sum(), t["x"], outer_jacobian_strategy="forward-mode")),
    ("hessian strict+vectorize", lambda m, F, t: F.hessian(lambda a: (a ** 3).sum(), t["x"], strict=True, vectorize=True)),
]
for _name in ("vhp", "hvp"):
    ERRORS += [
        (f"{_name} v None", lambda m, F, t, n=_name: getattr(F, n)(lambda a: (a ** 3).sum(), t["x"])),
        (f"{_name} tuple output", lambda m, F, t, n=_name: getattr(F, n)(lambda a: ((a ** 3).sum(),), t["x"], t["vx"])),
        (f"{_name} vector output", lambda m, F, t, n=_name: getattr(F, n)(lambda a: a ** 3, t["x"], t["vx"])),
        (f"{_name} strict linear", lambda m, F, t, n=_name: getattr(F, n)(lambda a: a.sum(), t["x"], t["vx"], strict=True)),
        (f"{_name} strict constant", lambda m, F, t, n=_name: getattr(F, n)(lambda a: m.ones(()), t["x"], t["vx"], strict=True)),
        (f"{_name} bad v", lambda m, F, t, n=_name: getattr(F, n)(lambda a: (a ** 3).sum(), t["x"], t["v2"])),
        (
            f"{_name} strict half-linear",
            lambda m, F, t, n=_name: getattr(F, n)(
                lambda a, b: (a ** 3).sum() + b.sum(), (t["x"], t["y"]), (t["vx"], t["vy"]), strict=True
            ),
        ),
    ]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    expected = _outcome(lambda: call(torch, TF, _tensors(torch)))
    assert expected is not None, "the case must fail in torch"
    got = _outcome(lambda: call(ember, EF, _tensors(ember)))
    got = got and (got[0], got[1].replace("ember", "torch"))
    assert got == expected


def test_strict_accepts_fully_dependent_functions():
    t = _tensors(ember)
    EF.jacobian(two_in_two_out(ember), (t["x"], t["y"]), strict=True)
    EF.hessian(scalar_of_two(ember), (t["x"], t["y"]), strict=True)
    EF.vjp(poly1(ember), t["x"], t["vx"], strict=True, create_graph=True)


def test_exposed_as_attribute():
    assert ember.autograd.functional is EF
    assert ember.autograd.functional.jacobian is EF.jacobian
