"""Hogwild: processes that update one shared model see each other's updates."""

import numpy as np
import pytest

import ember
import ember.multiprocessing as mp
import ember.nn.functional as F
from ember import nn

pytestmark = pytest.mark.timeout(120)


def _make_model():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def _writer(model, stepped, report):
    """One SGD step on the shared parameters, then tell the reader."""
    opt = ember.optim.SGD(model.parameters(), lr=0.5)
    opt.zero_grad()
    model(ember.ones(3, 4)).sum().backward()
    opt.step()
    report.put(("writer", [p.detach().clone().numpy() for p in model.parameters()]))
    stepped.set()


def _reader(model, stepped, report):
    """Wait for the writer's step, then report what this process sees."""
    assert stepped.wait(60)
    report.put(("reader", [p.detach().clone().numpy() for p in model.parameters()]))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_update_in_one_process_is_seen_by_the_others(method):
    ctx = mp.get_context(method)
    model = _make_model()
    model.share_memory()
    initial = [p.detach().clone().numpy() for p in model.parameters()]
    stepped, report = ctx.Event(), ctx.Queue()
    reader = ctx.Process(target=_reader, args=(model, stepped, report))
    writer = ctx.Process(target=_writer, args=(model, stepped, report))
    reader.start()
    writer.start()
    seen = dict(report.get(timeout=60) for _ in range(2))
    for p in (reader, writer):
        p.join(60)
        assert p.exitcode == 0
    for mine, written, read, before in zip(model.parameters(), seen["writer"], seen["reader"], initial):
        assert not np.array_equal(written, before)  # the step changed the weights...
        np.testing.assert_array_equal(read, written)  # ...the other child sees exactly that...
        np.testing.assert_array_equal(mine.detach().numpy(), written)  # ...and so does the parent


def _train(rank, model, x, y, steps):
    ember.manual_seed(rank)
    opt = ember.optim.SGD(model.parameters(), lr=0.05)
    for i in range(steps):
        index = ember.randint(0, x.shape[0], (16,))
        opt.zero_grad()
        F.mse_loss(model(x[index]), y[index]).backward()
        opt.step()


def test_hogwild_training_improves_the_shared_model():
    ctx = mp.get_context("fork")
    model = _make_model()
    model.share_memory()
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((256, 4)).astype(np.float32))
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh()
    with ember.no_grad():
        before = float(F.mse_loss(model(x), y))
    workers = [ctx.Process(target=_train, args=(rank, model, x, y, 150)) for rank in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(90)
        assert w.exitcode == 0
    with ember.no_grad():
        after = float(F.mse_loss(model(x), y))
    assert after < 0.5 * before, (before, after)
