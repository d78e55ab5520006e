"""nn.SyncBatchNorm in one process: against torch (no process group: it is BatchNorm),
convert_sync_batchnorm, input checks, and the synchronized path with a stand-in
all-reduce that adds a second "rank"'s contributions (the real 2-rank job is
tests/distributed/test_mpi_sync_batchnorm.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.nn.modules import syncbatchnorm
from tests.nn.module_oracle import check_module, copy_state
from tests.oracle import check_error


# ------------------------------------------------------------ no process group: BatchNorm
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda m: m.nn.SyncBatchNorm(3), (4, 3)),
        (lambda m: m.nn.SyncBatchNorm(3, momentum=None), (4, 3, 5)),
        (lambda m: m.nn.SyncBatchNorm(3, affine=False), (4, 3, 3, 3)),
        (lambda m: m.nn.SyncBatchNorm(3, bias=False, eps=1e-3, momentum=0.5), (2, 3, 3, 2)),
        (lambda m: m.nn.SyncBatchNorm(2, track_running_stats=False), (2, 2, 3, 2, 2)),
        (lambda m: m.nn.SyncBatchNorm(2), (2, 2, 2, 1, 2, 2)),  # any rank >= 2
    ],
)
@pytest.mark.parametrize("train", [True, False])
def test_module_matches_torch(make, shape, train):
    check_module(make, [shape], train=train)
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [(n, tuple(p.shape)) for n, p in t.named_parameters()]


def test_float64_and_grad_fn_match_batchnorm():
    check_module(lambda m: m.nn.SyncBatchNorm(3), [(5, 3, 4)], dtype="float64", atol=1e-10, rtol=1e-10)
    y = ember.nn.SyncBatchNorm(3)(ember.randn(4, 3, requires_grad=True))
    assert y.grad_fn.name() == "NativeBatchNormBackward0"


@pytest.mark.parametrize("momentum", [0.1, None])
def test_running_stats_and_eval_over_several_steps(momentum):
    rng = np.random.default_rng(1)
    batches = [rng.standard_normal((5, 3, 2)).astype(np.float32) * (i + 1) + i for i in range(3)]
    tm, em = torch.nn.SyncBatchNorm(3, momentum=momentum), ember.nn.SyncBatchNorm(3, momentum=momentum)
    for x in batches:
        tm(torch.from_numpy(x))
        em(ember.from_numpy(x))
    for name, tb in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[name].numpy(), tb.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    tm.eval()
    em.eval()
    np.testing.assert_allclose(em(ember.from_numpy(batches[0])).detach().numpy(),
                               tm(torch.from_numpy(batches[0])).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert int(em.num_batches_tracked) == 3


def test_constructor_signature_and_process_group_attribute():
    bn = ember.nn.SyncBatchNorm(4, 1e-3, 0.2, True, False, None, None, ember.float64)
    assert bn.process_group is None and bn.running_mean is None and bn.weight.dtype == ember.float64
    assert isinstance(bn, ember.nn.modules.batchnorm._BatchNorm)


@pytest.mark.parametrize(
    "fn,shape",
    [
        (lambda m, x: m.nn.SyncBatchNorm(3)(x), (3,)),
        (lambda m, x: m.nn.SyncBatchNorm(3)(x), ()),
        (lambda m, x: m.nn.SyncBatchNorm(0)(x), (2, 0)),
        (lambda m, x: m.nn.SyncBatchNorm(3)(x), (1, 3)),
        (lambda m, x: m.nn.SyncBatchNorm(3)(x), (2, 4)),
    ],
)
def test_errors_match_torch(fn, shape):
    exc = check_error(fn, [np.zeros(shape, np.float32)])
    if isinstance(exc, ValueError):  # the module's own checks: torch's exact messages
        with pytest.raises(ValueError) as texc:
            fn(torch, torch.zeros(shape))
        assert str(exc) == str(texc.value)


# ------------------------------------------------------------------ convert_sync_batchnorm
def _net(m):
    return m.nn.Sequential(
        m.nn.Conv2d(2, 3, 1),
        m.nn.BatchNorm2d(3),
        m.nn.InstanceNorm2d(3, affine=True),
        m.nn.Sequential(m.nn.Flatten(), m.nn.BatchNorm1d(12, bias=False, momentum=None)),
        m.nn.Linear(12, 2),
    )


def test_convert_sync_batchnorm_matches_torch():
    torch.manual_seed(0)
    tnet, enet = _net(torch), _net(ember)
    copy_state(tnet, enet)
    tnet[3][1].eval()
    enet[3][1].eval()
    old_e = enet[1]
    tconv = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet)
    econv = ember.nn.SyncBatchNorm.convert_sync_batchnorm(enet, process_group="pg")
    assert repr(econv) == repr(tconv)
    assert [type(m).__name__ for m in econv.modules()] == [type(m).__name__ for m in tconv.modules()]
    assert list(econv.state_dict()) == list(tconv.state_dict())
    # the same tensors (shared, not copied), training flags and the process group carried over
    new = econv[1]
    assert new.weight is old_e.weight and new.bias is old_e.bias
    assert new.running_mean is old_e.running_mean and new.num_batches_tracked is old_e.num_batches_tracked
    assert new.process_group == "pg" and econv[3][1].training is False and new.training is True
    assert econv[3][1].bias is None and econv[3][1].momentum is None
    x = np.random.default_rng(0).standard_normal((4, 2, 2, 2)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tout, eout = tconv(tx), econv(ex)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    tout.square().sum().backward()
    eout.square().sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    for (name, tp), (_, ep) in zip(tconv.named_parameters(), econv.named_parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
    for (name, tb), (_, eb) in zip(tconv.named_buffers(), econv.named_buffers()):
        np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_convert_a_bare_batchnorm_and_a_model_without_one():
    bn = ember.nn.BatchNorm3d(2, affine=False, track_running_stats=False).double().eval()
    sync = ember.nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert type(sync) is ember.nn.SyncBatchNorm and sync.training is False
    assert sync.weight is None and sync.running_mean is None
    lin = ember.nn.Linear(2, 2)
    assert ember.nn.SyncBatchNorm.convert_sync_batchnorm(lin) is lin


# ------------------------------------- the synchronized path with a stand-in second rank
class _OtherRank:
    """A two-rank all-reduce in one process: adds the contributions of the batch's other half.

    The other half's forward sums are its count, sum and sum of squares; its backward sums
    are those of ``grad * weight`` and ``grad * weight * xhat`` under the global statistics.
    """

    def __init__(self, x_other, g_other, weight, full, eps):
        dims = (0,) + tuple(range(2, full.ndim))
        mean = full.mean(axis=dims, keepdims=True)
        invstd = 1.0 / np.sqrt(full.var(axis=dims, keepdims=True) + eps)
        gw = g_other * weight.reshape((1, -1) + (1,) * (full.ndim - 2))
        xhat = (x_other - mean) * invstd
        self.sums = [
            np.concatenate([[x_other.size // x_other.shape[1]], x_other.sum(axis=dims), (x_other ** 2).sum(axis=dims)]),
            np.concatenate([gw.sum(axis=dims), (gw * xhat).sum(axis=dims)]),
        ]
        self.calls = 0

    def __call__(self, array, group):
        assert group == "fake-group"
        out = array + self.sums[self.calls]
        self.calls += 1
        return out


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5), (2, 2, 3, 2)])
def test_synchronized_path_equals_full_batch_batchnorm(monkeypatch, shape):
    rng = np.random.default_rng(3)
    full = rng.standard_normal((2 * shape[0],) + shape[1:]) * 2 + 1
    grad = rng.standard_normal(full.shape)
    c = shape[1]
    weight = rng.standard_normal(c) + 1.5
    bias = rng.standard_normal(c)
    other = _OtherRank(full[shape[0]:], grad[shape[0]:], weight, full, 1e-5)
    monkeypatch.setattr(syncbatchnorm, "_all_reduce_sum", other)
    monkeypatch.setattr(ember.nn.SyncBatchNorm, "_sync_group", lambda self: "fake-group" if self.training else None)

    sync = ember.nn.SyncBatchNorm(c, momentum=0.3).double()
    reference = torch.nn.BatchNorm1d(c, momentum=0.3).double() if len(shape) <= 3 else torch.nn.BatchNorm2d(c, momentum=0.3).double()
    with torch.no_grad():
        reference.weight.copy_(torch.from_numpy(weight))
        reference.bias.copy_(torch.from_numpy(bias))
    with ember.no_grad():
        sync.weight.copy_(ember.from_numpy(weight))
        sync.bias.copy_(ember.from_numpy(bias))
    mine = ember.tensor(full[: shape[0]], requires_grad=True)
    tfull = torch.tensor(full, requires_grad=True)
    out = sync(mine)
    tout = reference(tfull)
    out.backward(ember.from_numpy(grad[: shape[0]]))
    tout.backward(torch.from_numpy(grad))
    assert other.calls == 2  # one collective in forward, one in backward
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy()[: shape[0]], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(mine.grad.numpy(), tfull.grad.numpy()[: shape[0]], rtol=1e-9, atol=1e-10)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(sync, name).numpy(), getattr(reference, name).numpy(), rtol=1e-10, err_msg=name)
    assert int(sync.num_batches_tracked) == 1
    # weight/bias gradients are this rank's share: those of its own half under the global statistics
    dims = (0,) + tuple(range(2, full.ndim))
    xhat = (full - full.mean(axis=dims, keepdims=True)) / np.sqrt(full.var(axis=dims, keepdims=True) + 1e-5)
    half = slice(0, shape[0])
    np.testing.assert_allclose(sync.bias.grad.numpy(), grad[half].sum(axis=dims), rtol=1e-10)
    np.testing.assert_allclose(sync.weight.grad.numpy(), (grad * xhat)[half].sum(axis=dims), rtol=1e-9, atol=1e-12)
    # eval mode never synchronizes
    sync.eval()
    sync(mine)
    assert other.calls == 2


def test_synchronized_path_input_without_grad_runs_one_collective(monkeypatch):
    rng = np.random.default_rng(4)
    full = rng.standard_normal((6, 2))
    other = _OtherRank(full[3:], np.zeros_like(full[3:]), np.ones(2), full, 1e-5)
    monkeypatch.setattr(syncbatchnorm, "_all_reduce_sum", other)
    monkeypatch.setattr(ember.nn.SyncBatchNorm, "_sync_group", lambda self: "fake-group")
    out = ember.nn.SyncBatchNorm(2, affine=False).double()(ember.from_numpy(full[:3]))
    expected = (full - full.mean(0)) / np.sqrt(full.var(0) + 1e-5)
    np.testing.assert_allclose(out.numpy(), expected[:3], rtol=1e-10, atol=1e-12)
    assert other.calls == 1 and out.grad_fn is None


def test_without_initialized_group_the_layer_does_not_synchronize(monkeypatch):
    def refuse(*args):
        raise AssertionError("no collective expected")

    monkeypatch.setattr(syncbatchnorm, "_all_reduce_sum", refuse)
    assert not ember.distributed.is_initialized()
    bn = ember.nn.SyncBatchNorm(2)
    assert bn._sync_group() is None
    bn(ember.randn(4, 2)).sum().backward()
