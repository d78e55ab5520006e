"""Tensor attributes and conversions against torch."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from tests.oracle import assert_same


def both(fn):
    assert_same(fn(ember), fn(torch))


def test_attributes():
    def run(m):
        x = m.zeros(2, 3, 4)
        return (x.shape, x.size(), x.size(1), x.size(-1), x.dim(), x.ndim, x.numel(), x.stride(), x.element_size())

    both(run)


def test_transposes_T_and_mT():
    def run(m):
        x = m.arange(24.0).reshape(2, 3, 4)
        return x.mT, m.arange(6).reshape(2, 3).T

    both(run)


def test_item_tolist_numpy():
    x = ember.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert ember.tensor(3).item() == 3 and isinstance(ember.tensor(3).item(), int)
    assert isinstance(x.numpy(), np.ndarray)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.ones(1, requires_grad=True).numpy()
    assert np.asarray(x).shape == (1, 2)


def test_from_numpy_shares_memory():
    a = np.zeros(3, np.float32)
    t = ember.from_numpy(a)
    t.add_(1)
    assert a.tolist() == [1.0, 1.0, 1.0]
    a[0] = 5
    assert t[0].item() == 5


def test_to_and_casts():
    def run(m):
        x = m.tensor([1.7, -2.2])
        return x.to(m.float64), x.double(), x.half(), x.long(), x.int(), x.bool(), x.to(x.new_zeros(1, dtype=m.int32)), x.float()

    both(run)
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to("cpu") is x
    assert x.to(ember.float32, copy=True) is not x


def test_cast_is_differentiable():
    def run(m):
        x = m.tensor([1.5, 2.5], requires_grad=True)
        y = x.double() * 3
        y.sum().backward()
        return y, x.grad

    both(run)


def test_clone_detach_contiguous():
    def run(m):
        x = m.arange(6.0).reshape(2, 3).t()
        c = x.contiguous()
        return x.is_contiguous(), c.is_contiguous(), c.stride(), x.clone(), x.detach().requires_grad

    both(run)


def test_requires_grad_flags():
    x = ember.ones(2)
    assert not x.requires_grad and x.is_leaf
    x.requires_grad_()
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    assert not y.detach().requires_grad


def test_bool_and_len_and_iter():
    assert bool(ember.tensor([1.0])) and not bool(ember.tensor(0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ember.ones(2))
    assert len(ember.zeros(4, 2)) == 4
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_ndarray_times_tensor_is_an_ember_node():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], np.float32) * x
    assert isinstance(y, ember.Tensor) and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_pickle_and_deepcopy():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    assert z.tolist() == [1.0, 2.0] and z is not x and z.requires_grad


def test_legacy_constructors():
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert ember.FloatTensor([1]).dtype is ember.float32
    assert ember.LongTensor([1.0]).dtype is ember.int64
    assert ember.ones(1).type() == "torch.FloatTensor"


def test_size_repr():
    assert repr(ember.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape)
    assert ember.zeros(2, 3).shape == (2, 3)
    assert ember.zeros(2, 3).shape.numel() == 6


def test_cuda_queries_without_a_gpu():
    assert ember.cuda.is_available() in (True, False)
    if not ember.cuda.is_available():
        assert ember.cuda.device_count() == 0
        with pytest.raises(RuntimeError, match="CUDA"):
            ember.ones(1).to("cuda")


def test_every_lazy_submodule_imports():
    for name in sorted(ember._LAZY_SUBMODULES):
        assert getattr(ember, name).__name__ == f"ember.{name}"
