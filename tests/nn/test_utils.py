"""nn.utils against torch: gradient clipping and parameter/vector conversion."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import copy_state
from tests.oracle import assert_same


def _model_with_grads(m, scale=1.0):
    torch.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.Tanh(), m.nn.Linear(3, 2))
    return model


def _both_with_grads(scale=10.0):
    t = _model_with_grads(torch)
    e = _model_with_grads(ember)
    copy_state(t, e)
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4) * scale
    (t(torch.from_numpy(x)) ** 2).sum().backward()
    (e(ember.from_numpy(x)) ** 2).sum().backward()
    return e, t


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    e, t = _both_with_grads()
    nt = float(norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type=nt)
    total_e = ember.nn.utils.clip_grad_norm_(e.parameters(), max_norm, norm_type=nt)
    assert_same(total_e, total_t, rtol=1e-5)
    for (n, pe), pt in zip(e.named_parameters(), t.parameters()):
        assert_same(pe.grad, pt.grad, atol=1e-6, rtol=1e-5, what=n)


def test_clip_grad_norm_single_tensor_no_grads_and_nonfinite():
    p = ember.nn.Parameter(ember.zeros(2))
    assert ember.nn.utils.clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = ember.tensor([3.0, 4.0])
    total = ember.nn.utils.clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(5.0) and total.dtype == ember.float32
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    p.grad = ember.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        ember.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = torch.nn.Parameter(torch.zeros(2))
    q.grad = torch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    e, t = _both_with_grads()
    torch.nn.utils.clip_grad_value_(t.parameters(), 0.3)
    ember.nn.utils.clip_grad_value_(e.parameters(), 0.3)
    for pe, pt in zip(e.parameters(), t.parameters()):
        assert_same(pe.grad, pt.grad)
        assert np.abs(pe.grad.numpy()).max() <= 0.3 + 1e-7


def test_clipping_bumps_grad_version():
    p = ember.nn.Parameter(ember.zeros(2))
    p.grad = ember.tensor([3.0, 4.0])
    before = p.grad._version
    ember.nn.utils.clip_grad_norm_([p], 1.0)
    assert p.grad._version > before


def test_parameters_to_vector_and_back():
    e, t = _both_with_grads()
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    ve = ember.nn.utils.parameters_to_vector(e.parameters())
    assert_same(ve, vt)
    assert ve.requires_grad
    (ve * ember.arange(float(ve.numel()))).sum().backward()
    assert e[0].weight.grad.shape == (3, 4)
    new = np.arange(vt.numel(), dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.copy()), t.parameters())
    ember.nn.utils.vector_to_parameters(ember.from_numpy(new.copy()), e.parameters())
    for (n, pe), pt in zip(e.named_parameters(), t.parameters()):
        assert_same(pe, pt, what=n)
        assert isinstance(pe, ember.nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ember.nn.utils.vector_to_parameters([1.0], e.parameters())
