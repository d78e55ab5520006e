"""Tensor hooks, node hooks, version counters and in-place errors."""

import pytest
import torch

import ember
from tests.oracle import assert_same


def test_leaf_hook_can_replace_gradient():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
        (x * x).sum().backward()
        return x.grad, seen[0]

    assert_same(run(ember), run(torch))


def test_non_leaf_hook_and_removal():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        handle = y.register_hook(lambda g: g + 1)
        (y * y).sum().backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        (y * y).sum().backward()
        return first, x.grad

    assert_same(run(ember), run(torch))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(1).register_hook(lambda g: g)


def test_grad_fn_hooks():
    calls = []
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda grad_outputs: calls.append("pre"))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append("post"))
    y.sum().backward()
    assert calls == ["pre", "post"]


def test_post_accumulate_grad_hook():
    seen = []
    x = ember.ones(2, requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 2).sum().backward()
    assert seen == [[2.0, 2.0]]


def test_version_counter_bumps_on_inplace():
    x = ember.ones(3)
    v0 = x._version
    x.add_(1)
    x.mul_(2)
    assert x._version == v0 + 2


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)  # allowed without grad, as optimizers do
    assert x.tolist() == [2.0, 2.0]


def test_inplace_change_of_saved_tensor_detected_at_backward():
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    y = h.exp()  # exp saves its output; h*h saves h
    z = (h * h).sum()
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*MulBackward0"):
        z.backward()
    del y


def test_inplace_on_non_leaf_gradients_match_torch():
    def run(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = x * 2
        y.mul_(x)  # saves the old y for x's gradient
        y.add_(1)
        y.exp_()
        y.sum().backward()
        return y, x.grad

    assert_same(run(ember), run(torch))


def test_inplace_through_view_updates_base_history():
    def run(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(10)
        (y * y).sum().backward()
        return y, x.grad

    assert_same(run(ember), run(torch))


def test_setitem_with_tensor_requiring_grad():
    def run(m):
        w = m.tensor([5.0, 6.0], requires_grad=True)
        x = m.zeros(2, 3)
        x[:, 1] = w * 2
        (x * x).sum().backward()
        return x, w.grad

    assert_same(run(ember), run(torch))


def test_view_of_leaf_inplace_raises():
    x = ember.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].add_(1)


def test_detach_shares_memory_and_version():
    x = ember.ones(2, requires_grad=True)
    d = x.detach()
    d.add_(1)
    assert x.tolist() == [2.0, 2.0] and x._version == d._version


def test_detect_anomaly_names_forward_op_and_line():
    x = ember.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning):
        ctx = ember.autograd.detect_anomaly()
    with ctx:
        y = x.sqrt() * 0  # sqrt'(0) = inf; inf * 0 = nan
        with pytest.raises(RuntimeError, match=r"(?s)SqrtBackward0.*nan.*created at.*test_hooks_and_versions.py"):
            y.sum().backward()
