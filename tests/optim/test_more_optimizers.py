"""Rprop, ASGD and Adafactor against torch: per-step parameters and state, state dicts, errors."""

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(7)
# A 2-D weight, a 1-D bias, a 3-D parameter and a 0-d scalar.
SHAPES = [(4, 3), (3,), (2, 3, 5), ()]
START = [RNG.standard_normal(s) for s in SHAPES]
GRADS = [[RNG.standard_normal(s) for s in SHAPES] for _ in range(10)]
# Some exact zero gradients (Rprop's sign == 0 branch, Adafactor's zero rows).
MASKS = [[(RNG.random(s) > 0.15).astype(float) for s in SHAPES] for _ in range(10)]

CASES = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.1, "maximize": True, "step_sizes": (0.02, 1.0)}),
    ("Rprop", {"lr": 0.1, "step_sizes": (1.0, 0.5)}),  # min > max: every step size is max
    ("ASGD", {}),
    ("ASGD", {"lr": 0.1, "lambd": 0.05, "alpha": 0.5, "t0": 3}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "t0": 0, "weight_decay": 0.1, "maximize": True}),
    ("ASGD", {"lr": 0.2, "lambd": 0.1, "alpha": 1.0, "t0": 6.5, "weight_decay": 0.05}),
    ("Adafactor", {}),
    ("Adafactor", {"lr": 0.1, "beta2_decay": -0.5, "eps": (1e-4, 1e-2), "d": 2.0}),
    ("Adafactor", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adafactor", {"lr": 0.5, "beta2_decay": 0.0, "eps": (None, 0.5), "d": 1.0, "weight_decay": 0.01}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]

TOL = {np.float32: {"rtol": 2e-6, "atol": 2e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


def _params(m, dtype):
    return [m.tensor(a.astype(dtype), requires_grad=True) for a in START]


def _feed_grads(m, params, k):
    """The k-th gradient: (fixed random part + 0.5 * p) * mask, so it follows the trajectory."""
    for p, g, mask in zip(params, GRADS[k], MASKS[k]):
        dtype = p.detach().numpy().dtype
        p.grad = (m.tensor(np.asarray(g, dtype)) + p.detach() * 0.5) * m.tensor(np.asarray(mask, dtype))


def _snapshot(opt, params):
    """Parameters and every state entry (by parameter index) as NumPy arrays."""
    state = {i: {k: np.array(v.detach().numpy()) for k, v in opt.state[p].items()} for i, p in enumerate(params)}
    return [np.array(p.detach().numpy()) for p in params], state


def _run(m, name, kwargs, dtype, steps=10, opt=None, params=None, start=0):
    params = params or _params(m, dtype)
    opt = opt or getattr(m.optim, name)(params, **kwargs)
    snapshots = []
    for k in range(start, start + steps):
        _feed_grads(m, params, k)
        opt.step()
        snapshots.append(_snapshot(opt, params))
    return snapshots, opt, params


def _close(x, y, tol, msg):
    assert x.dtype == y.dtype and x.shape == y.shape, msg
    scale = max(1.0, float(np.abs(y).max())) if np.size(y) else 1.0
    np.testing.assert_allclose(x, y, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=msg)


def _assert_runs_close(ours, theirs, tol):
    assert len(ours) == len(theirs)
    for step, ((p_ours, s_ours), (p_theirs, s_theirs)) in enumerate(zip(ours, theirs), 1):
        for i, (x, y) in enumerate(zip(p_ours, p_theirs)):
            _close(x, y, tol, f"step {step}, param {i}")
        assert list(s_ours) == list(s_theirs)
        for i in s_theirs:
            assert list(s_ours[i]) == list(s_theirs[i]), f"state keys of param {i}"
            for key, value in s_theirs[i].items():
                _close(s_ours[i][key], value, tol, f"step {step}, param {i}, state {key!r}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_ten_steps_params_and_state_match_torch(name, kwargs, dtype):
    ours, opt, _ = _run(ember, name, kwargs, dtype)
    theirs, topt, _ = _run(torch, name, kwargs, dtype)
    _assert_runs_close(ours, theirs, TOL[dtype])
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert list(opt.state_dict()["param_groups"][0]) == list(topt.state_dict()["param_groups"][0])


def test_adafactor_factors_matrices_and_higher_dims_like_torch():
    _, opt, params = _run(ember, "Adafactor", {}, np.float32, steps=1)
    shapes = {i: {k: tuple(v.shape) for k, v in opt.state[p].items()} for i, p in enumerate(params)}
    assert shapes == {
        0: {"step": (), "row_var": (4, 1), "col_var": (1, 3)},
        1: {"step": (), "variance": (3,)},
        2: {"step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 5)},
        3: {"step": (), "variance": ()},
    }


def test_moving_away_changes_something():
    """Guards the comparison itself: each optimizer actually moves the parameters."""
    for name, kwargs in CASES:
        ours, _, _ = _run(ember, name, kwargs, np.float64, steps=2)
        assert not np.allclose(ours[-1][0][0], START[0]), name


@pytest.mark.parametrize("name,kwargs", CASES[1::2], ids=IDS[1::2])
def test_state_dict_round_trip_ember_to_ember(name, kwargs):
    """5 steps, state_dict into a fresh optimizer, 5 more == torch's uninterrupted 10."""
    theirs, _, _ = _run(torch, name, kwargs, np.float32)
    first, opt, params = _run(ember, name, kwargs, np.float32, steps=5)
    fresh_params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    fresh = getattr(ember.optim, name)(fresh_params, lr=0.123)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == opt.param_groups[0]["lr"] != 0.123
    second, _, _ = _run(ember, name, kwargs, np.float32, steps=5, opt=fresh, params=fresh_params, start=5)
    _assert_runs_close(first + second, theirs, TOL[np.float32])


def _convert_state_dict(state_dict, to):
    def convert(v):
        if isinstance(v, (torch.Tensor, ember.Tensor)):
            return to.tensor(np.array(v.detach().numpy()))
        return v

    return {
        "state": {i: {k: convert(v) for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": [dict(g) for g in state_dict["param_groups"]],
    }


@pytest.mark.parametrize("name,kwargs", CASES[::2], ids=IDS[::2])
def test_torch_state_dict_loads_into_ember_and_back(name, kwargs):
    """torch's state after 5 steps drives ember's next 5 exactly as torch's; ember's goes back."""
    theirs, topt, tparams = _run(torch, name, kwargs, np.float32, steps=5)
    params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tparams]
    opt = getattr(ember.optim, name)(params)
    opt.load_state_dict(_convert_state_dict(topt.state_dict(), ember))
    ours, opt, params = _run(ember, name, kwargs, np.float32, steps=5, opt=opt, params=params, start=5)
    theirs, topt, tparams = _run(torch, name, kwargs, np.float32, steps=5, opt=topt, params=tparams, start=5)
    _assert_runs_close(ours, theirs, TOL[np.float32])

    back_params = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    back = getattr(torch.optim, name)(back_params)
    back.load_state_dict(_convert_state_dict(opt.state_dict(), torch))
    ours, _, _ = _run(ember, name, kwargs, np.float32, steps=2, opt=opt, params=params, start=0)
    theirs, _, _ = _run(torch, name, kwargs, np.float32, steps=2, opt=back, params=back_params, start=0)
    _assert_runs_close(ours, theirs, TOL[np.float32])


def test_asgd_eta_and_mu_follow_torch_schedule():
    """eta decays as lr / (1 + lambd lr t)^alpha and mu becomes 1 / (t - t0) after t0."""
    _, opt, params = _run(ember, "ASGD", {"lr": 0.1, "lambd": 0.05, "alpha": 0.5, "t0": 3}, np.float64, steps=6)
    state = opt.state[params[0]]
    assert state["eta"].dtype == ember.float32 and state["mu"].dtype == ember.float32
    np.testing.assert_allclose(float(state["eta"]), 0.1 / (1 + 0.05 * 0.1 * 6) ** 0.5, rtol=1e-7)
    assert float(state["mu"]) == pytest.approx(1 / 3)


LR_VARIANTS = [{"lr": 0.05, "foreach": True}, {"lr": "tensor", "weight_decay": 0.1},
               {"lr": "tensor", "foreach": True}, {"lr": "tensor2.0"}]


@pytest.mark.parametrize("variant", LR_VARIANTS, ids=[str(v) for v in LR_VARIANTS])
@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor"])
def test_tensor_lr_and_foreach_true_match_torch(name, variant):
    """A 0-d tensor lr (and torch's foreach path) round the scalar schedule to float32 as torch does."""
    if name == "Rprop" and "weight_decay" in variant:
        variant = {"lr": "tensor", "maximize": True}

    def kwargs(m):
        lr = {"tensor": m.tensor(0.05), "tensor2.0": m.tensor(2.0)}.get(variant["lr"], variant["lr"])
        return {**variant, "lr": lr}

    ours, _, _ = _run(ember, name, kwargs(ember), np.float64)
    theirs, _, _ = _run(torch, name, kwargs(torch), np.float64)
    _assert_runs_close(ours, theirs, TOL[np.float64])


def test_step_skips_params_without_grad_and_returns_closure_loss():
    for name in ["Rprop", "ASGD", "Adafactor"]:
        a, b = ember.ones(2, 2, requires_grad=True), ember.ones(3, requires_grad=True)
        opt = getattr(ember.optim, name)([a, b])
        a.grad = ember.ones(2, 2)
        version = b._version
        assert opt.step(lambda: ember.tensor(3.0)).item() == 3.0
        assert len(opt.state) == 1 and b._version == version
        assert not np.allclose(a.detach().numpy(), 1.0)


def _mlp_loss(w1, b1, w2, x, y):
    return (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()


@pytest.mark.parametrize("name,kwargs", [("Rprop", {"lr": 0.01}), ("ASGD", {"lr": 0.05, "t0": 4}),
                                         ("Adafactor", {"lr": 0.05})])
def test_training_with_autograd_and_closure_matches_torch(name, kwargs):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(5, 8), (8,), (8, 2), (16, 5), (16, 2)]]

    def run(m):
        w1, b1, w2 = (m.tensor(a.copy(), requires_grad=True) for a in arrays[:3])
        x, y = (m.tensor(a.copy()) for a in arrays[3:])
        opt = getattr(m.optim, name)([w1, b1, w2], **kwargs)

        def closure():
            opt.zero_grad()
            loss = _mlp_loss(w1, b1, w2, x, y)
            loss.backward()
            return loss

        losses = [float(opt.step(closure).detach()) for _ in range(10)]
        return losses, [t.detach().numpy() for t in (w1, b1, w2)]

    ours, theirs = run(ember), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert ours[0][-1] < ours[0][0]


BAD_ARGS = [
    ("Rprop", {"lr": -1.0}),
    ("Rprop", {"etas": (1.5, 1.2)}),
    ("Rprop", {"etas": (0.5, 0.9)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
    ("Rprop", {"lr": "tensor2"}),
    ("ASGD", {"lr": -0.5}),
    ("ASGD", {"weight_decay": -0.1}),
    ("ASGD", {"lr": "tensor2"}),
    ("Adafactor", {"lr": -1.0}),
    ("Adafactor", {"beta2_decay": 0.5}),
    ("Adafactor", {"eps": (-1, 1e-3)}),
    ("Adafactor", {"eps": (None, -1)}),
    ("Adafactor", {"d": 0.5}),
    ("Adafactor", {"weight_decay": -1}),
    ("Adafactor", {"lr": "tensor2"}),
]


@pytest.mark.parametrize("name,kwargs", BAD_ARGS, ids=[f"{n}-{kw}" for n, kw in BAD_ARGS])
def test_bad_arguments_raise_like_torch(name, kwargs):
    def build(m):
        args = {k: (m.tensor([1.0, 2.0]) if v == "tensor2" else v) for k, v in kwargs.items()}
        getattr(m.optim, name)([m.zeros(3, requires_grad=True)], **args)

    with pytest.raises(Exception) as expected:
        build(torch)
    with pytest.raises(type(expected.value)) as got:
        build(ember)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name,kwargs", [("Rprop", {"step_sizes": (1, 0.5)}), ("ASGD", {"lambd": -1, "alpha": -1}),
                                         ("Adafactor", {"eps": (0.0, 0.0), "beta2_decay": 0.0})])
def test_arguments_torch_accepts_are_accepted(name, kwargs):
    for m in (torch, ember):
        opt = getattr(m.optim, name)([m.zeros(3, requires_grad=True)], **kwargs)
        assert all(opt.param_groups[0][k] == v for k, v in kwargs.items())


def test_signatures_are_torch_signatures():
    import inspect

    for name in ["Rprop", "ASGD", "Adafactor"]:
        ours = inspect.signature(getattr(ember.optim, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
        assert list(ours) == list(theirs), name
        for key, param in theirs.items():
            assert ours[key].kind == param.kind, (name, key)
            assert ours[key].default == param.default, (name, key)
