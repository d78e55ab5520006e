"""DataParallel over CPU slots: the scatter / replicate / threaded apply / gather path gives
the plain module's outputs and gradients; torch's rules for inputs, outputs and devices."""

import collections
import threading

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.nn.parallel import DataParallel, data_parallel, gather, parallel_apply, replicate, scatter


def make_net():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def grads(module):
    return [p.grad.clone() for p in module.parameters()]


@pytest.mark.parametrize("slots,batch", [([0, 1], 8), ([0, 1, 2], 7), ([0, 1, 2, 3], 3), ([1, 0], 5)])
def test_outputs_and_gradients_equal_the_plain_module(slots, batch):
    net = make_net()
    x = ember.randn(batch, 5, dtype=ember.float64, requires_grad=True)
    target = ember.randint(0, 3, (batch,))
    expected = net(x)
    F.cross_entropy(expected, target).backward()
    expected_grads, expected_x_grad = grads(net), x.grad.clone()
    net.zero_grad()
    x.grad = None

    dp = DataParallel(net, device_ids=slots)
    calls = []
    net.register_forward_pre_hook(lambda m, args: calls.append((threading.current_thread().name, args[0].shape[0])))
    out = dp(x)
    chunks = len(ember.ones(batch).chunk(len(slots)))
    assert len(calls) == chunks > 1  # one replica per chunk of the batch...
    threads = {thread for thread, _ in calls}
    assert len(threads) == chunks and threading.main_thread().name not in threads  # ...each in its own thread
    assert sorted(n for _, n in calls) == sorted(c.shape[0] for c in x.chunk(len(slots)))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-13)
    F.cross_entropy(out, target).backward()
    for got, want in zip(grads(net), expected_grads):  # gradients reach the original parameters
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), expected_x_grad.numpy(), rtol=1e-12, atol=1e-15)
    assert list(dp.state_dict()) == ["module." + k for k in net.state_dict()]


def test_without_devices_it_runs_the_module_directly():
    net = make_net()
    dp = DataParallel(net)
    assert dp.device_ids == []
    x = ember.randn(4, 5, dtype=ember.float64)
    assert ember.equal(dp(x), net(x))
    assert ember.equal(data_parallel(net, x), net(x))
    single = DataParallel(net, device_ids=[0])
    assert ember.equal(single(x), net(x))


class Pair(nn.Module):
    """Takes a tensor, a dict and a flag; returns a dict, a namedtuple and a scalar."""

    Out = collections.namedtuple("Out", "a b")

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2).double()

    def forward(self, x, extra, *, scale=1.0, note="n"):
        y = self.lin(x) * scale
        assert note == "n"  # non-tensors are passed to every replica as they are
        return {"y": y, "pair": Pair.Out(y.sum(1), extra["z"] * 2), "total": y.sum()}


def test_nested_inputs_and_outputs_are_scattered_and_gathered():
    module = Pair()
    x = ember.randn(6, 2, dtype=ember.float64)
    z = ember.arange(6.0, dtype=ember.float64)
    dp = DataParallel(module, device_ids=[0, 1, 2])
    with pytest.warns(UserWarning, match="all input tensors were scalars"):
        out = dp(x, {"z": z}, scale=2.0, note="n")
    reference = module(x, {"z": z}, scale=2.0)
    assert set(out) == {"y", "pair", "total"} and isinstance(out["pair"], Pair.Out)
    np.testing.assert_allclose(out["y"].detach().numpy(), reference["y"].detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(out["pair"].b.numpy(), (z * 2).numpy())
    assert out["total"].shape == (3,)  # one scalar per replica, unsqueezed and concatenated
    np.testing.assert_allclose(out["total"].sum().item(), reference["total"].item(), rtol=1e-12)


def test_scatter_and_gather_follow_chunk():
    parts = scatter(ember.arange(10.0).reshape(5, 2), [0, 1, 2], dim=0)
    assert [p.shape[0] for p in parts] == [2, 2, 1]
    assert [p.shape for p in scatter(ember.ones(2, 6), [0, 1], dim=1)] == [(2, 3), (2, 3)]
    assert scatter((ember.ones(4), "tag"), [0, 1])[1][1] == "tag"
    assert gather([ember.ones(2, 1), ember.zeros(3, 1)], 0).tolist() == [[1.0], [1.0], [0.0], [0.0], [0.0]]
    assert gather([None, None], 0) is None


def test_replicas_share_parameters_and_the_first_shares_buffers():
    net = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    replicas = replicate(net, [0, 1])
    for replica in replicas:
        assert replica[0].weight.data_ptr() == net[0].weight.data_ptr()
        assert not replica[0].weight.is_leaf  # a view: gradients flow to the original
    assert replicas[0][1].running_mean is net[1].running_mean
    assert replicas[1][1].running_mean is not net[1].running_mean
    with ember.no_grad():
        assert replicate(net, [0, 1], detach=True)[1][0].weight.grad_fn is None


def test_replica_errors_are_reraised_with_the_replica_index():
    class Fails(nn.Module):
        def forward(self, x):
            if x.shape[0] < 3:
                raise ValueError("replica input too small")
            return x

    with pytest.raises(ValueError, match="replica input too small") as info:
        DataParallel(Fails(), device_ids=[0, 1])(ember.ones(5, 1))
    assert "replica 1" in "".join(getattr(info.value, "__notes__", [])) or not hasattr(info.value, "add_note")
    outs = parallel_apply([nn.Identity(), nn.Identity()], [ember.ones(1), (ember.zeros(2),)])
    assert [o.shape for o in outs] == [(1,), (2,)]


def test_no_grad_forward_builds_no_graph():
    net = make_net()
    with ember.no_grad():
        out = DataParallel(net, device_ids=[0, 1])(ember.randn(4, 5, dtype=ember.float64))
    assert not out.requires_grad and out.grad_fn is None
