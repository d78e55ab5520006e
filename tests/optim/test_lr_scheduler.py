"""Learning-rate schedulers against torch: 30-epoch sequences, momentum cycling, state dicts."""

import math
import warnings

import pytest
import torch

import ember

EPOCHS = 30


def _optimizer(m, kind="sgd", groups=1):
    params = [m.zeros(2, requires_grad=True) for _ in range(groups)]
    if kind == "adam":
        return m.optim.Adam([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)])
    return m.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)], momentum=0.9)


def _flat(trail):
    return [x for row in trail for x in row]


def _snapshot(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["lr"])
        if "betas" in g:
            out.append(g["betas"][0])
        if "momentum" in g:
            out.append(g["momentum"])
    return out


def _run(m, make, epochs=EPOCHS, kind="sgd", groups=1, metrics=None, state_at=None):
    """Step optimizer then scheduler each epoch; return the lr/momentum trail (and the scheduler)."""
    opt = _optimizer(m, kind, groups)
    sched = make(m.optim.lr_scheduler, opt)
    trail = [_snapshot(opt) + list(sched.get_last_lr())]
    for epoch in range(epochs):
        opt.step()
        if metrics is not None:
            sched.step(metrics[epoch])
        else:
            sched.step()
        trail.append(_snapshot(opt) + list(sched.get_last_lr()))
    return trail, sched, opt


def _scale(x):
    return 1.0 / (1.0 + 0.1 * x)


SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95**e + 0.01 * e),
    "LambdaLR_per_group": lambda L, o: L.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1.0 / (e + 1)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.97),
    "StepLR": lambda L, o: L.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=11),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.87),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=17, power=2.5),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "CosineAnnealingLR_long": lambda L, o: L.CosineAnnealingLR(o, T_max=40),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "CosineAnnealingWarmRestarts_mult1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4),
    "CyclicLR_triangular": lambda L, o: L.CyclicLR(o, 0.01, 0.2, step_size_up=4, step_size_down=3),
    "CyclicLR_triangular2": lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.3, step_size_up=3, mode="triangular2"),
    "CyclicLR_exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.2, step_size_up=5, mode="exp_range", gamma=0.95,
                                                  base_momentum=0.7, max_momentum=0.95),
    "CyclicLR_custom": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=_scale,
                                               scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR_cos": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=EPOCHS),
    "OneCycleLR_linear": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.3], epochs=5, steps_per_epoch=6,
                                                   anneal_strategy="linear", pct_start=0.4, div_factor=10.0,
                                                   final_div_factor=100.0),
    "OneCycleLR_three_phase": lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS, three_phase=True,
                                                        base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR_no_momentum": lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS, cycle_momentum=False),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=10),
            L.ExponentialLR(o, gamma=0.8)], milestones=[5, 18]),
    "SequentialLR_multiplicative": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=2), L.MultiplicativeLR(o, lambda e: 0.9)], milestones=[4]),
    "SequentialLR_warm_restarts": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=2), L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
            L.CyclicLR(o, 0.01, 0.1, step_size_up=3)], milestones=[3, 12]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9), L.StepLR(o, 5, 0.5)]),
    "Chained_cosine_exponential": lambda L, o: L.ChainedScheduler(
        [L.CosineAnnealingLR(o, T_max=6), L.ExponentialLR(o, gamma=0.95)]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_sequence_matches_torch(name, kind):
    make = SCHEDULERS[name]
    groups = 2 if name.endswith(("per_group", "triangular2", "linear")) else 1
    ours, _, _ = _run(ember, make, kind=kind, groups=groups)
    theirs, _, _ = _run(torch, make, kind=kind, groups=groups)
    assert _flat(ours) == pytest.approx(_flat(theirs), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.05, "cooldown": 2},
        {"mode": "min", "threshold_mode": "abs", "threshold": 0.1, "patience": 1, "min_lr": 0.02},
        {"mode": "max", "threshold_mode": "abs", "patience": 0, "factor": 0.3, "eps": 0.05},
    ],
)
def test_reduce_on_plateau_matches_torch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.81, 0.82, 0.83, 0.84] * 3
    make = lambda L, o: L.ReduceLROnPlateau(o, **kwargs)
    ours, sched, _ = _run(ember, make, metrics=metrics, groups=2)
    theirs, tsched, _ = _run(torch, make, metrics=metrics, groups=2)
    assert _flat(ours) == pytest.approx(_flat(theirs), rel=1e-13)
    assert sched.state_dict() == tsched.state_dict()


def test_reduce_on_plateau_per_group_min_lr_and_errors():
    opt = _optimizer(ember, groups=2)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.05, 0.01], patience=0)
    for _ in range(5):
        sched.step(1.0)
    assert sched.get_last_lr() == pytest.approx([0.05, 0.01])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ember.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        ember.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="foo")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        ember.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_cosine_warm_restarts_fractional_epochs():
    def run(m):
        opt = _optimizer(m)
        sched = m.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.001)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in range(8):
                for i in range(4):
                    opt.step()
                    sched.step(epoch + i / 4)
                    out.append((opt.param_groups[0]["lr"], sched.T_cur, sched.T_i, sched.last_epoch))
        return out

    assert _flat(run(ember)) == pytest.approx(_flat(run(torch)), rel=1e-13)


def test_step_with_epoch_uses_closed_form():
    def run(m):
        opt = _optimizer(m)
        sched = m.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(7)
        return sched.get_last_lr(), sched.last_epoch

    assert run(ember) == run(torch)


STATEFUL = [
    "StepLR", "MultiStepLR", "LinearLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CyclicLR_exp_range", "OneCycleLR_three_phase", "SequentialLR", "ChainedScheduler", "LambdaLR",
    "PolynomialLR",
]


@pytest.mark.parametrize("name", STATEFUL)
def test_state_dict_round_trip(name):
    """Save optimizer + scheduler state mid-run, restore into fresh objects, continue."""
    make = SCHEDULERS[name]
    theirs, _tsched, _ = _run(torch, make, kind="adam")
    ours_first, sched, opt = _run(ember, make, epochs=12, kind="adam")
    sched_state, opt_state = sched.state_dict(), opt.state_dict()
    assert _comparable(sched_state) == _comparable(_run(torch, make, epochs=12, kind="adam")[1].state_dict())

    fresh_opt = _optimizer(ember, "adam")
    fresh_sched = make(ember.optim.lr_scheduler, fresh_opt)
    fresh_opt.load_state_dict(opt_state)
    fresh_sched.load_state_dict(sched_state)
    trail = ours_first
    for _ in range(EPOCHS - 12):
        fresh_opt.step()
        fresh_sched.step()
        trail.append(_snapshot(fresh_opt) + list(fresh_sched.get_last_lr()))
    assert _flat(trail) == pytest.approx(_flat(theirs), rel=1e-13)


def _comparable(state):
    if isinstance(state, dict):
        return {k: _comparable(v) for k, v in state.items() if not callable(v)}
    if isinstance(state, list):
        return [_comparable(v) for v in state]
    return state


@pytest.mark.parametrize("name", ["StepLR", "CyclicLR_triangular", "OneCycleLR_cos", "SequentialLR",
                                  "ChainedScheduler", "CosineAnnealingWarmRestarts", "LambdaLR"])
def test_state_dict_layout_matches_torch(name):
    make = SCHEDULERS[name]
    _, ours, _ = _run(ember, make, epochs=5)
    _, theirs, _ = _run(torch, make, epochs=5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert _comparable(ours.state_dict()) == _comparable(theirs.state_dict())


def test_lambda_state_dict_keeps_callable_object_state():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    opt = _optimizer(ember)
    decay = Decay()
    sched = ember.optim.lr_scheduler.LambdaLR(opt, decay)
    decay.rate = 0.25
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.25}]
    other = Decay()
    fresh = ember.optim.lr_scheduler.LambdaLR(_optimizer(ember), other)
    fresh.load_state_dict(state)
    assert other.rate == 0.25


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = _optimizer(ember)
    sched2 = ember.optim.lr_scheduler.StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_resume_without_initial_lr_raises():
    opt = _optimizer(ember)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(opt, 2, last_epoch=3)


def test_scheduler_errors_match_torch():
    for m in (ember, torch):
        L = m.optim.lr_scheduler
        opt = _optimizer(m)
        with pytest.raises(ValueError, match="between 0 and 1"):
            L.ConstantLR(opt, factor=1.5)
        with pytest.raises(ValueError, match="total_steps OR"):
            L.OneCycleLR(opt, max_lr=1.0)
        with pytest.raises(ValueError, match="mode is invalid"):
            L.CyclicLR(opt, 0.1, 1.0, mode="foo")
        with pytest.raises(ValueError, match="T_0"):
            L.CosineAnnealingWarmRestarts(opt, T_0=0)
        with pytest.raises(ValueError, match="max_lr must have the same length"):
            L.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)
        sched = L.OneCycleLR(opt, max_lr=1.0, total_steps=2)
        opt.step()
        sched.step()
        sched.step()
        with pytest.raises(ValueError, match="Tried to step 3 times"):
            sched.step()
        with pytest.raises(ValueError, match="cycle_momentum"):
            L.CyclicLR(m.optim.Adagrad([m.zeros(1, requires_grad=True)]), 0.1, 1.0)


def test_cosine_recursive_form_differs_from_closed_form_only_by_rounding():
    _, _sched, opt = _run(ember, SCHEDULERS["CosineAnnealingLR"], epochs=20)
    closed = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * 20 / 7)) / 2
    assert opt.param_groups[0]["lr"] == pytest.approx(closed, rel=1e-9)
