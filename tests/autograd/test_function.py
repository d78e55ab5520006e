"""User-defined autograd.Function, as torch users write them."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import assert_same


def make_exp_function(m):
    class MyExp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    return MyExp


def test_custom_function_matches_torch():
    def run(m):
        fn = make_exp_function(m)
        x = m.tensor([0.5, -1.0], requires_grad=True)
        y = fn.apply(x)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name()

    e, t = run(ember), run(torch)
    assert_same(e[:2], t[:2])
    assert e[2] == t[2] == "MyExpBackward"


def test_custom_function_second_order():
    fn = make_exp_function(ember)
    x = ember.tensor([0.3], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn.apply, (x,))
    assert ember.autograd.gradgradcheck(fn.apply, (x,))


def test_needs_input_grad_and_non_tensor_args():
    seen = {}

    class Scale(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, factor):
            ctx.factor = factor
            ctx.save_for_backward(x, w)
            return x * w * factor

        @staticmethod
        def backward(ctx, grad):
            seen["needs"] = ctx.needs_input_grad
            x, w = ctx.saved_tensors
            gx = grad * w * ctx.factor if ctx.needs_input_grad[0] else None
            gw = grad * x * ctx.factor if ctx.needs_input_grad[1] else None
            return gx, gw, None

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([3.0, 4.0])
    Scale.apply(x, w, 2.0).sum().backward()
    assert seen["needs"] == (True, False, False)
    assert x.grad.tolist() == [6.0, 8.0]


def test_mark_non_differentiable():
    class SortWithIndex(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = ember.tensor(np.argsort(x.detach().numpy()))
            out = x[idx]
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.n = x.shape[0]
            return out, idx

        @staticmethod
        def backward(ctx, grad_out, grad_idx):
            (idx,) = ctx.saved_tensors
            g = ember.zeros(ctx.n)
            g[idx] = grad_out
            return g

    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    out, idx = SortWithIndex.apply(x)
    assert out.requires_grad and not idx.requires_grad
    (out * ember.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_wrong_number_of_gradients_raises():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_wrong_gradient_shape_raises_naming_function():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return ember.ones(5)

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="BadBackward returned an invalid gradient at index 0"):
        Bad.apply(x).sum().backward()


def test_once_differentiable_runs_without_graph():
    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @ember.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    x = ember.tensor([2.0], requires_grad=True)
    (g,) = ember.autograd.grad(Cube.apply(x), x, create_graph=True)
    assert g.tolist() == [12.0] and not g.requires_grad


def test_function_without_grad_inputs_returns_plain_output():
    fn = make_exp_function(ember)
    y = fn.apply(ember.tensor([0.0]))
    assert not y.requires_grad and y.grad_fn is None
