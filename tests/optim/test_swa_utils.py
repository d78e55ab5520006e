"""ember.optim.swa_utils against torch: averaged weights/buffers, SWALR sequences, update_bn."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember


def _net(m):
    return m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.ReLU(), m.nn.Linear(4, 2))


def _copy_weights(src_torch, dst_ember):
    """Give the ember model exactly the torch model's parameters and buffers."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in src_torch.state_dict().items()}
    dst_ember.load_state_dict(state)


def _pair():
    torch.manual_seed(0)
    t_model = _net(torch)
    e_model = _net(ember)
    _copy_weights(t_model, e_model)
    return t_model, e_model


def _train_steps(m, model, inputs):
    """A few SGD steps on fixed inputs, yielding after each so the caller can average."""
    opt = m.optim.SGD(model.parameters(), lr=0.1)
    for x in inputs:
        opt.zero_grad()
        model(m.tensor(x)).pow(2).sum().backward()
        opt.step()
        yield


def _assert_state_close(t_state, e_state, atol=1e-6):
    assert list(t_state) == list(e_state)
    for key in t_state:
        t_val, e_val = t_state[key].detach().numpy(), e_state[key].detach().numpy()
        assert t_val.dtype == e_val.dtype, key
        np.testing.assert_allclose(e_val, t_val, rtol=1e-5, atol=atol, err_msg=key)


AVERAGERS = {
    "swa_default": lambda su: {},
    "ema_multi": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
    "swa_multi": lambda su: {"multi_avg_fn": su.get_swa_multi_avg_fn()},
    "ema_avg_fn": lambda su: {"avg_fn": su.get_ema_avg_fn(0.8)},
    "swa_avg_fn": lambda su: {"avg_fn": su.get_swa_avg_fn()},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("kind", sorted(AVERAGERS))
def test_averaged_model_matches_torch(kind, use_buffers):
    t_model, e_model = _pair()
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((5, 3)).astype(np.float32) for _ in range(4)]
    t_avg = torch.optim.swa_utils.AveragedModel(
        t_model, use_buffers=use_buffers, **AVERAGERS[kind](torch.optim.swa_utils)
    )
    e_avg = ember.optim.swa_utils.AveragedModel(
        e_model, use_buffers=use_buffers, **AVERAGERS[kind](ember.optim.swa_utils)
    )
    if kind == "swa_multi" and use_buffers:
        # torch's SWA multi_avg_fn reaches addcdiv_ on the integer num_batches_tracked
        # buffer at the second update and raises; ember does the same
        for m, avg, model in ((torch, t_avg, t_model), (ember, e_avg, e_model)):
            avg.update_parameters(model)
            with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
                avg.update_parameters(model)
        return
    for _ in zip(_train_steps(torch, t_model, inputs), _train_steps(ember, e_model, inputs)):
        t_avg.update_parameters(t_model)
        e_avg.update_parameters(e_model)
        _assert_state_close(t_avg.state_dict(), e_avg.state_dict())
    assert int(e_avg.n_averaged) == 4
    # the averages differ from the live model (the test would pass vacuously otherwise)
    assert not np.allclose(e_avg.module[0].weight.detach().numpy(), e_model[0].weight.detach().numpy())
    x = rng.standard_normal((2, 3)).astype(np.float32)
    t_avg.eval(), e_avg.eval()
    np.testing.assert_allclose(
        e_avg(ember.tensor(x)).detach().numpy(), t_avg(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_swa_average_is_the_mean():
    e_model = ember.nn.Linear(2, 2)
    avg = ember.optim.swa_utils.AveragedModel(e_model)
    seen = []
    for value in (1.0, 2.0, 6.0):
        with ember.no_grad():
            e_model.weight.fill_(value)
        seen.append(value)
        avg.update_parameters(e_model)
    np.testing.assert_allclose(avg.module.weight.detach().numpy(), np.full((2, 2), 3.0))
    assert avg.n_averaged.dtype == ember.int64


def test_state_dict_keys_and_buffer_sync():
    t_model, e_model = _pair()
    t_avg = torch.optim.swa_utils.AveragedModel(t_model)
    e_avg = ember.optim.swa_utils.AveragedModel(e_model)
    assert list(e_avg.state_dict()) == list(t_avg.state_dict())
    keys = list(e_avg.state_dict())
    assert keys[0] == "n_averaged" and all(k.startswith("module.") for k in keys[1:])
    # without use_buffers the buffers are copied from the model, not averaged
    with ember.no_grad():
        e_model[1].running_mean.fill_(5.0)
    e_avg.update_parameters(e_model)
    e_avg.update_parameters(e_model)
    np.testing.assert_array_equal(e_avg.module[1].running_mean.numpy(), np.full(4, 5.0, np.float32))
    # the copy is independent of the source
    assert e_avg.module[0].weight is not e_model[0].weight


def test_both_avg_fns_is_an_error():
    su = ember.optim.swa_utils
    with pytest.raises(AssertionError):
        su.AveragedModel(ember.nn.Linear(1, 1), avg_fn=su.get_swa_avg_fn(), multi_avg_fn=su.get_swa_multi_avg_fn())
    with pytest.raises(AssertionError):
        torch.optim.swa_utils.AveragedModel(
            torch.nn.Linear(1, 1),
            avg_fn=torch.optim.swa_utils.get_swa_avg_fn(),
            multi_avg_fn=torch.optim.swa_utils.get_swa_multi_avg_fn(),
        )


def _swalr_trail(m, epochs=15, groups=1, **kwargs):
    params = [m.zeros(2, requires_grad=True) for _ in range(groups)]
    opt = m.optim.SGD([{"params": [p], "lr": 0.5 * (i + 1)} for i, p in enumerate(params)])
    sched = m.optim.swa_utils.SWALR(opt, **kwargs)
    trail = [list(sched.get_last_lr())]
    for _ in range(epochs):
        opt.step()
        sched.step()
        trail.append([g["lr"] for g in opt.param_groups] + list(sched.get_last_lr()))
    return trail


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.05},
        {"swa_lr": 0.05, "anneal_strategy": "linear"},
        {"swa_lr": 0.2, "anneal_epochs": 3, "anneal_strategy": "cos"},
        {"swa_lr": 0.2, "anneal_epochs": 4, "anneal_strategy": "linear"},
        {"swa_lr": 0.01, "anneal_epochs": 0},
        {"swa_lr": 0.01, "anneal_epochs": 1, "anneal_strategy": "linear"},
        {"swa_lr": [0.01, 0.3], "anneal_epochs": 5, "groups": 2},
    ],
)
def test_swalr_sequence_matches_torch(kwargs):
    t_trail = _swalr_trail(torch, **kwargs)
    e_trail = _swalr_trail(ember, **kwargs)
    assert e_trail == t_trail  # float for float
    # the schedule does move towards swa_lr
    swa = kwargs["swa_lr"] if not isinstance(kwargs["swa_lr"], list) else kwargs["swa_lr"][0]
    assert math.isclose(e_trail[-1][0], swa)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"swa_lr": 0.1, "anneal_strategy": "exp"}, ValueError),
        ({"swa_lr": 0.1, "anneal_epochs": -1}, ValueError),
        ({"swa_lr": 0.1, "anneal_epochs": 2.0}, ValueError),
        ({"swa_lr": [0.1, 0.2]}, ValueError),
    ],
)
def test_swalr_errors_match_torch(kwargs, exc):
    messages = []
    for m in (torch, ember):
        opt = m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(exc) as info:
            m.optim.swa_utils.SWALR(opt, **kwargs)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_swalr_state_dict_round_trip():
    opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
    sched = ember.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=4)
    for _ in range(2):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["anneal_epochs"] == 4


def _bn_model(m):
    return m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4, momentum=0.3), m.nn.Linear(4, 2), m.nn.BatchNorm1d(2))


@pytest.mark.parametrize("as_tuples", [False, True])
def test_update_bn_matches_torch(as_tuples):
    torch.manual_seed(0)
    t_model = _bn_model(torch)
    e_model = _bn_model(ember)
    _copy_weights(t_model, e_model)
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((n, 3)).astype(np.float32) * 2 + 1 for n in (4, 6, 5)]

    def loader(m):
        if as_tuples:
            return [(m.tensor(b), m.zeros(len(b))) for b in batches]
        return [m.tensor(b) for b in batches]

    t_model.eval(), e_model.eval()
    torch.optim.swa_utils.update_bn(loader(torch), t_model)
    ember.optim.swa_utils.update_bn(loader(ember), e_model)
    _assert_state_close(t_model.state_dict(), e_model.state_dict(), atol=1e-5)
    assert not e_model.training  # the mode is restored
    assert e_model[1].momentum == 0.3 and e_model[3].momentum == 0.1
    assert int(e_model[1].num_batches_tracked) == 3
    assert not np.allclose(e_model[1].running_mean.numpy(), 0.0)


def test_update_bn_without_batchnorm_is_a_no_op():
    model = ember.nn.Linear(3, 1)
    calls = []
    ember.optim.swa_utils.update_bn(iter([calls.append(1) or ember.ones(1, 3)]), model)
    before = model.weight.detach().numpy().copy()
    ember.optim.swa_utils.update_bn([ember.ones(2, 3)], model)
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)


def test_module_attribute_access():
    import ember.optim.swa_utils as su

    assert ember.optim.swa_utils is su
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        su.AveragedModel(ember.nn.Linear(1, 1))
