"""Optimizers against torch: 10-step trajectories, state, state-dict round trips, base-class API."""

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)
SHAPES = [(4, 3), (3,), (2, 1, 2)]
START = [RNG.standard_normal(s) for s in SHAPES]
GRADS = [[RNG.standard_normal(s) for s in SHAPES] for _ in range(10)]

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.1, "weight_decay": 0.2, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.1}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
    ("Adamax", {"lr": 0.1}),
    ("Adamax", {"lr": 0.1, "betas": (0.7, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.1}),
    ("NAdam", {"lr": 0.1, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.1}),
    ("RAdam", {"lr": 0.1, "betas": (0.9, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.1, "betas": (0.9, 0.8), "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.1, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]

F32_TOL = {"rtol": 1e-6, "atol": 1e-6}
F64_TOL = {"rtol": 1e-12, "atol": 1e-12}


def _params(m, dtype):
    return [m.tensor(a.astype(dtype), requires_grad=True) for a in START]


def _feed_grads(m, params, k):
    """The k-th gradient: a fixed random part plus 0.5 * p, so it depends on the trajectory."""
    for p, g in zip(params, GRADS[k]):
        p.grad = m.tensor(g.astype(p.detach().numpy().dtype)) + p.detach() * 0.5


def _trajectory(m, name, kwargs, dtype, steps=10, opt=None, params=None, start=0):
    params = params or _params(m, dtype)
    opt = opt or getattr(m.optim, name)(params, **kwargs)
    out = []
    for k in range(start, start + steps):
        _feed_grads(m, params, k)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out, opt, params


def _close(x, y, tol, err_msg=""):
    """Elementwise rtol, with atol scaled to the array's magnitude (cancellation near 0)."""
    scale = max(1.0, float(np.abs(y).max())) if np.size(y) else 1.0
    np.testing.assert_allclose(x, y, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=err_msg)


def _assert_trajectories_close(ours, theirs, tol):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype
            _close(x, y, tol, f"step {step + 1}, param {i}")


def _state_as_numpy(opt_state):
    out = {}
    for idx, entries in opt_state.items():
        out[idx] = {k: (v.detach().numpy() if hasattr(v, "detach") else v) for k, v in entries.items()}
    return out


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_ten_steps_match_torch_float32(name, kwargs):
    ours, opt, _ = _trajectory(ember, name, kwargs, np.float32)
    theirs, topt, _ = _trajectory(torch, name, kwargs, np.float32)
    _assert_trajectories_close(ours, theirs, F32_TOL)
    # The state has torch's keys, dtypes (float32 0-d 'step') and values.
    ours_state = _state_as_numpy(opt.state_dict()["state"])
    theirs_state = _state_as_numpy(topt.state_dict()["state"])
    assert list(ours_state) == list(theirs_state)
    for idx in theirs_state:
        assert list(ours_state[idx]) == list(theirs_state[idx])
        for key, value in theirs_state[idx].items():
            assert ours_state[idx][key].dtype == value.dtype, key
            assert ours_state[idx][key].shape == value.shape, key
            _close(ours_state[idx][key], value, F32_TOL, key)
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_ten_steps_match_torch_float64(name, kwargs):
    ours, _, _ = _trajectory(ember, name, kwargs, np.float64)
    theirs, _, _ = _trajectory(torch, name, kwargs, np.float64)
    _assert_trajectories_close(ours, theirs, F64_TOL)


@pytest.mark.parametrize("name,kwargs", CASES[::2], ids=IDS[::2])
def test_state_dict_round_trip_continues_like_torch(name, kwargs):
    """5 steps, state_dict into a fresh optimizer, 5 more == torch's uninterrupted 10."""
    theirs, _, _ = _trajectory(torch, name, kwargs, np.float32)
    first, opt, params = _trajectory(ember, name, kwargs, np.float32, steps=5)
    state = opt.state_dict()
    fresh_params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    fresh = getattr(ember.optim, name)(fresh_params, lr=123.0)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == opt.param_groups[0]["lr"] != 123.0
    second, _, _ = _trajectory(ember, name, kwargs, np.float32, steps=5, opt=fresh, params=fresh_params, start=5)
    _assert_trajectories_close(first + second, theirs, F32_TOL)


def test_state_dict_loads_into_torch_and_back():
    """An ember optimizer state dict (converted to torch tensors) drives torch identically."""
    _, opt, params = _trajectory(ember, "Adam", {"lr": 0.1, "amsgrad": True}, np.float32, steps=3)
    state = opt.state_dict()
    tparams = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    topt = torch.optim.Adam(tparams)
    topt.load_state_dict({
        "state": {i: {k: torch.tensor(v.detach().numpy().copy()) for k, v in s.items()} for i, s in state["state"].items()},
        "param_groups": state["param_groups"],
    })
    ours, _, _ = _trajectory(ember, "Adam", {}, np.float32, steps=3, opt=opt, params=params, start=3)
    theirs, _, _ = _trajectory(torch, "Adam", {}, np.float32, steps=3, opt=topt, params=tparams, start=3)
    _assert_trajectories_close(ours, theirs, F32_TOL)


def _mlp_loss(m, w1, b1, w2, x, y):
    hidden = (x @ w1 + b1).tanh()
    return ((hidden @ w2 - y) ** 2).mean()


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01}),
                                         ("RMSprop", {"lr": 0.01, "centered": True})])
def test_training_with_autograd_and_closure_matches_torch(name, kwargs):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(5, 8), (8,), (8, 2), (16, 5), (16, 2)]]

    def run(m):
        w1, b1, w2 = (m.tensor(a.copy(), requires_grad=True) for a in arrays[:3])
        x, y = (m.tensor(a.copy()) for a in arrays[3:])
        opt = getattr(m.optim, name)([w1, b1, w2], **kwargs)
        losses = []

        def closure():
            opt.zero_grad()
            loss = _mlp_loss(m, w1, b1, w2, x, y)
            loss.backward()
            return loss

        for _ in range(10):
            losses.append(float(opt.step(closure).detach()))
        return losses, [t.detach().numpy() for t in (w1, b1, w2)]

    ours, theirs = run(ember), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert ours[0][-1] < ours[0][0]


# ----------------------------------------------------------------------------- LBFGS
_A = RNG.standard_normal((6, 5))
_B = RNG.standard_normal(6)
_X0 = RNG.standard_normal(5) * 0.5


def _lbfgs_run(m, kwargs, dtype, steps):
    x = m.tensor(_X0.astype(dtype), requires_grad=True)
    y = m.tensor(np.array([0.3, -0.2], dtype=dtype), requires_grad=True)
    a, b = m.tensor(_A.astype(dtype)), m.tensor(_B.astype(dtype))
    opt = m.optim.LBFGS([x, y], **kwargs)

    def closure():
        opt.zero_grad()
        r = a @ x - b
        loss = (r * r).sum() + ((y - x[:2] * x[1:3]) ** 2).sum() * 10 + (x * x * x * x).sum() * 0.1
        loss.backward()
        return loss

    trail = []
    for _ in range(steps):
        loss = opt.step(closure)
        trail.append((float(loss), np.concatenate([x.detach().numpy(), y.detach().numpy()])))
    state = opt.state[x]
    return trail, (state["func_evals"], state["n_iter"]), opt


LBFGS_CASES = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"history_size": 3, "max_iter": 7, "lr": 0.5},
    {"history_size": 3, "line_search_fn": "strong_wolfe", "max_iter": 30},
    {"max_iter": 4, "max_eval": 6, "tolerance_grad": 1e-3},
]


@pytest.mark.parametrize("kwargs", LBFGS_CASES)
def test_lbfgs_matches_torch_float64(kwargs):
    ours, our_counts, _ = _lbfgs_run(ember, kwargs, np.float64, steps=3)
    theirs, their_counts, _ = _lbfgs_run(torch, kwargs, np.float64, steps=3)
    assert our_counts == their_counts
    for (lo, xo), (lt, xt) in zip(ours, theirs):
        assert lo == pytest.approx(lt, rel=1e-10)
        np.testing.assert_allclose(xo, xt, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kwargs", [{"max_iter": 5}, {"max_iter": 4, "line_search_fn": "strong_wolfe"}])
def test_lbfgs_matches_torch_float32_before_convergence(kwargs):
    ours, our_counts, _ = _lbfgs_run(ember, kwargs, np.float32, steps=2)
    theirs, their_counts, _ = _lbfgs_run(torch, kwargs, np.float32, steps=2)
    assert our_counts == their_counts
    for (lo, xo), (lt, xt) in zip(ours, theirs):
        assert lo == pytest.approx(lt, rel=1e-5)
        np.testing.assert_allclose(xo, xt, rtol=1e-5, atol=1e-6)


def test_lbfgs_state_round_trip_and_errors():
    _, _, opt = _lbfgs_run(ember, {"history_size": 4, "max_iter": 3}, np.float64, steps=2)
    state = opt.state_dict()
    entry = state["state"][0]
    assert list(entry)[:3] == ["func_evals", "n_iter", "al"]
    assert isinstance(entry["d"], ember.Tensor) and entry["d"].shape == (7,)
    assert all(isinstance(r, ember.Tensor) and r.dim() == 0 for r in entry["ro"])
    # Continuing from a loaded state equals continuing the original.
    x = ember.tensor(np.zeros(5), requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        ember.optim.LBFGS([{"params": [x]}, {"params": [ember.zeros(1, requires_grad=True)]}])
    bad = ember.optim.LBFGS([x], line_search_fn="bogus")

    def closure():
        bad.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        bad.step(closure)


def test_lbfgs_resumes_from_loaded_state_like_torch():
    ours, _, opt = _lbfgs_run(ember, {"history_size": 4, "max_iter": 3}, np.float64, steps=2)
    theirs, _, _topt = _lbfgs_run(torch, {"history_size": 4, "max_iter": 3}, np.float64, steps=4)
    x = ember.tensor(ours[-1][1][:5], requires_grad=True)
    y = ember.tensor(ours[-1][1][5:], requires_grad=True)
    fresh = ember.optim.LBFGS([x, y], history_size=4, max_iter=3)
    fresh.load_state_dict(opt.state_dict())
    a, b = ember.tensor(_A), ember.tensor(_B)

    def closure():
        fresh.zero_grad()
        r = a @ x - b
        loss = (r * r).sum() + ((y - x[:2] * x[1:3]) ** 2).sum() * 10 + (x * x * x * x).sum() * 0.1
        loss.backward()
        return loss

    for k in range(2):
        loss = fresh.step(closure)
        assert float(loss) == pytest.approx(theirs[2 + k][0], rel=1e-10)
    np.testing.assert_allclose(np.concatenate([x.detach().numpy(), y.detach().numpy()]), theirs[-1][1], rtol=1e-9)


# ------------------------------------------------------------------- the base class
def test_updates_in_place_keep_views_and_bump_version():
    base = ember.zeros(6)
    w = base[2:5]
    w.requires_grad_(True)
    before_ptr, before_version = w.data_ptr(), w._version
    w.grad = ember.ones(3)
    ember.optim.SGD([w], lr=0.5, momentum=0.9).step()
    assert w.data_ptr() == before_ptr
    assert w._version > before_version
    np.testing.assert_array_equal(base.numpy(), [0, 0, -0.5, -0.5, -0.5, 0])


def test_step_skips_params_without_grad_and_returns_closure_loss():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    opt = ember.optim.Adam([a, b], lr=0.1)
    a.grad = ember.ones(2)
    assert opt.step(lambda: 42.0) == 42.0
    assert b not in opt.state and a in opt.state
    np.testing.assert_array_equal(b.detach().numpy(), [1, 1])


def test_zero_grad_modes():
    w = ember.ones(3, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    w.grad = ember.ones(3)
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(grad.numpy(), [0, 0, 0])
    opt.zero_grad()
    assert w.grad is None


def test_param_groups_and_add_param_group_match_torch():
    def build(m):
        a, b, c = (m.zeros(n, requires_grad=True) for n in (1, 2, 3))
        opt = m.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
        opt.add_param_group({"params": [c], "nesterov": True, "momentum": 0.5})
        return opt

    ours, theirs = build(ember), build(torch)
    assert ours.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]
    assert repr(ours) == repr(theirs)


def test_named_parameters_are_recorded_like_torch():
    def build(m):
        return m.optim.Adam([("weight", m.zeros(2, requires_grad=True)), ("bias", m.zeros(1, requires_grad=True))])

    assert build(ember).state_dict()["param_groups"] == build(torch).state_dict()["param_groups"]


@pytest.mark.parametrize(
    "make",
    [
        lambda m, p: m.optim.SGD([], lr=0.1),
        lambda m, p: m.optim.SGD(p, lr=0.1),
        lambda m, p: m.optim.SGD([1.0], lr=0.1),
        lambda m, p: m.optim.SGD([p * 2], lr=0.1),
        lambda m, p: m.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
        lambda m, p: m.optim.SGD([{"params": {p}}], lr=0.1),
        lambda m, p: m.optim.SGD([p], lr=-0.1),
        lambda m, p: m.optim.SGD([p], lr=0.1, nesterov=True),
        lambda m, p: m.optim.SGD([p], momentum=-1),
        lambda m, p: m.optim.SGD([p], weight_decay=-1),
        lambda m, p: m.optim.Adam([p], betas=(1.0, 0.9)),
        lambda m, p: m.optim.Adam([p], betas=(0.9, -0.1)),
        lambda m, p: m.optim.Adam([p], eps=-1),
        lambda m, p: m.optim.NAdam([p], momentum_decay=-1),
        lambda m, p: m.optim.RMSprop([p], alpha=-1),
        lambda m, p: m.optim.Adagrad([p], lr_decay=-1),
        lambda m, p: m.optim.Adagrad([p], initial_accumulator_value=-1),
        lambda m, p: m.optim.Adadelta([p], rho=1.5),
    ],
)
def test_constructor_errors_match_torch(make):
    def error(m):
        p = m.zeros(2, requires_grad=True)
        with pytest.raises(Exception) as info:
            make(m, p)
        return type(info.value), str(info.value).replace("torch.", "")

    ours, theirs = error(ember), error(torch)
    assert ours[0] is theirs[0]
    assert ours[1] == theirs[1]


def test_load_state_dict_errors_match_torch():
    for m in (ember, torch):
        opt = m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="different number of parameter groups"):
            opt.load_state_dict({"state": {}, "param_groups": []})
        with pytest.raises(ValueError, match="doesn't match the size"):
            opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


def test_load_state_dict_casts_state_to_param_dtype_but_keeps_step():
    _, opt, _ = _trajectory(ember, "Adam", {}, np.float32, steps=2)
    params64 = _params(ember, np.float64)
    fresh = ember.optim.Adam(params64)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state[params64[0]]["exp_avg"].dtype == ember.float64
    assert fresh.state[params64[0]]["step"].dtype == ember.float32


def test_step_hooks_run_in_order_and_can_be_removed():
    calls = []
    w = ember.ones(1, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    post = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))
    glob = ember.optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("global", True)))
    opt.step()
    assert calls == [("global", True), ("pre", True), ("post", True)]
    for handle in (pre, post, glob):
        handle.remove()
    opt.step()
    assert len(calls) == 3


def test_subclass_calling_super_step_runs_hooks_like_torch():
    class Clipped(ember.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    class TorchClipped(torch.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    counts = []
    for m, cls in ((ember, Clipped), (torch, TorchClipped)):
        m.optim.SGD([m.ones(1, requires_grad=True)], lr=0.1)
        calls = []
        opt = cls([m.ones(1, requires_grad=True)], lr=0.1)
        opt.register_step_post_hook(lambda *a, calls=calls: calls.append(1))
        opt.step()
        counts.append(len(calls))
    # torch wraps each class's step once, so a subclass's super().step() runs hooks again.
    assert counts[0] == counts[1]


def test_differentiable_is_rejected_clearly():
    with pytest.raises(NotImplementedError, match="differentiable"):
        ember.optim.Adam([ember.zeros(1, requires_grad=True)], differentiable=True)


def test_adagrad_creates_state_at_construction_like_torch():
    def state(m):
        opt = m.optim.Adagrad([m.zeros(2, requires_grad=True)], initial_accumulator_value=0.5)
        return _state_as_numpy(opt.state_dict()["state"])

    ours, theirs = state(ember), state(torch)
    assert list(ours[0]) == list(theirs[0])
    for key in theirs[0]:
        np.testing.assert_array_equal(ours[0][key], theirs[0][key])
        assert ours[0][key].dtype == theirs[0][key].dtype
