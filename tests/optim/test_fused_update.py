"""Parameter updates ``p.add_(u, alpha=-lr)`` go through BLAS axpy, one fused pass like
torch's kernel: large parameters then follow torch's trajectory bit for bit."""

import numpy as np
import pytest
import torch

import ember
from ember._blas import axpy


def _train(m, optimizer_cls, steps=10, **options):
    """Steps with given gradients, so only the optimizer's arithmetic is compared."""
    rng = np.random.default_rng(0)
    w = m.tensor(rng.standard_normal((64, 48)).astype(np.float32), requires_grad=True)
    opt = optimizer_cls([w], **options)
    for _ in range(steps):
        w.grad = m.tensor(rng.standard_normal((64, 48)).astype(np.float32))
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("options", [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True)])
def test_sgd_on_a_large_parameter_matches_torch_bitwise(options):
    ours = _train(ember, ember.optim.SGD, **options)
    theirs = _train(torch, torch.optim.SGD, **options)
    np.testing.assert_array_equal(ours, theirs)


def test_axpy_updates_in_place_with_one_rounding():
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(5000).astype(dtype)
        y = rng.standard_normal(5000).astype(dtype)
        expected = torch.from_numpy(y.copy()).add_(torch.from_numpy(x), alpha=-0.37).numpy()
        assert axpy(-0.37, x, y)
        np.testing.assert_array_equal(y, expected)


def test_axpy_declines_what_it_cannot_do_and_leaves_y_alone():
    y = np.ones(4096, np.float32)
    before = y.copy()
    assert not axpy(2.0, np.ones(4096, np.float64), y)  # dtypes differ
    assert not axpy(2.0, np.ones(8192, np.float32)[::2], y)  # not contiguous
    assert not axpy(2.0, np.ones(16, np.float32), np.ones(16, np.float32))  # too small to pay off
    assert not axpy(2.0, np.ones((64, 64), np.int32), np.ones((64, 64), np.int32))  # not floating
    np.testing.assert_array_equal(y, before)
