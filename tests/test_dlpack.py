"""DLPack interop with NumPy and torch (zero-copy both ways) and the NumPy operator protocol."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check


def _shares(a, b) -> bool:
    return np.shares_memory(np.asarray(a), np.asarray(b))


# ----------------------------------------------------------------- NumPy
def test_numpy_from_dlpack_of_ember_tensor_shares_memory():
    e = ember.arange(6.0).reshape(2, 3)
    a = np.from_dlpack(e)
    assert a.shape == (2, 3) and a.dtype == np.float32
    a[0, 0] = 100.0
    e[1, 2] = -1.0
    assert e[0, 0].item() == 100.0 and a[1, 2] == -1.0


def test_ember_from_dlpack_of_ndarray_shares_memory():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)[:, 1:3]  # a strided view
    t = ember.from_dlpack(a)
    assert t.dtype is ember.int32 and tuple(t.shape) == (3, 2)
    a[0, 0] = 99
    t[2, 1] = -7
    assert t[0, 0].item() == 99 and a[2, 1] == -7
    assert t.data_ptr() == a.ctypes.data


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int16, np.int64, np.uint8, np.bool_])
def test_dtypes_round_trip_through_numpy(dtype):
    a = (np.arange(4) % 2).astype(dtype)
    t = ember.from_dlpack(a)
    assert t.dtype is ember.from_numpy(a).dtype
    b = np.from_dlpack(t)
    assert b.dtype == a.dtype and _shares(a, b)


def test_unsupported_dtypes_raise_type_error():
    with pytest.raises(TypeError, match="complex"):
        ember.from_dlpack(np.ones(2, np.complex64))
    with pytest.raises(TypeError, match="no dtype for uint16"):
        ember.from_dlpack(np.ones(2, np.uint16))
    with pytest.raises(TypeError, match="expected an object with __dlpack__"):
        ember.from_dlpack([1, 2])


def test_from_dlpack_accepts_a_legacy_capsule_and_passes_tensors_through():
    a = np.ones(3, np.float32)
    t = ember.from_dlpack(a.__dlpack__())  # NumPy imports legacy capsules read-only
    a[1] = 4.0
    assert t.tolist() == [1.0, 4.0, 1.0]
    e = ember.ones(2)
    assert ember.from_dlpack(e) is e


def test_asarray_takes_dlpack_objects_without_copying():
    x = torch.arange(4.0)
    e = ember.asarray(x)
    e[0] = 42.0
    assert x[0].item() == 42.0


# ----------------------------------------------------------------- torch
def test_ember_from_torch_shares_memory():
    x = torch.arange(6.0).reshape(2, 3)
    e = ember.from_dlpack(x)
    assert isinstance(e, ember.Tensor) and e.dtype is ember.float32 and tuple(e.shape) == (2, 3)
    x[0, 1] = 50.0
    assert e[0, 1].item() == 50.0
    e[1, 0] = -3.0
    assert x[1, 0].item() == -3.0
    nc = torch.arange(12).reshape(3, 4).t()  # non-contiguous: strides travel too
    en = ember.from_dlpack(nc)
    assert en.stride() == nc.stride() and en.tolist() == nc.tolist()


def test_torch_from_ember_shares_memory():
    e = ember.zeros(2, 3)
    x = torch.from_dlpack(e)
    assert x.dtype == torch.float32 and x.shape == (2, 3)
    x[1, 1] = 7.0
    assert e[1, 1].item() == 7.0
    e[0, 2] = 3.0
    assert x[0, 2].item() == 3.0
    nc = ember.arange(12.0).reshape(3, 4).t()
    xn = torch.from_dlpack(nc)
    assert xn.stride() == nc.stride() and xn.tolist() == nc.tolist()
    for dtype in (ember.int64, ember.bool, ember.float64, ember.uint8):
        t = torch.from_dlpack(ember.ones(3, dtype=dtype))
        assert str(t.dtype) == str(dtype)


def test_torch_bfloat16_imports_without_copy():
    x = torch.tensor([1.5, -2.0, 0.25], dtype=torch.bfloat16)
    e = ember.from_dlpack(x)
    assert e.dtype is ember.bfloat16 and e.tolist() == [1.5, -2.0, 0.25]
    x[0] = 4.0
    assert e[0].item() == 4.0


def test_export_of_a_tensor_that_requires_grad_raises_like_torch():
    for m in (torch, ember):
        with pytest.raises(BufferError, match="Can't export tensors that require gradient, use tensor.detach()"):
            np.from_dlpack(m.ones(2, requires_grad=True))
    d = ember.ones(2, requires_grad=True).detach()
    assert np.from_dlpack(d).tolist() == [1.0, 1.0]


def test_dlpack_device_is_cpu():
    assert tuple(int(v) for v in ember.ones(1).__dlpack_device__()) == (1, 0)


# ---------------------------------------------------- ndarray (op) tensor
def test_array_priority_makes_ndarray_ops_build_ember_nodes():
    assert ember.Tensor.__array_priority__ > 0
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = np.array([2.0, 3.0, 4.0], np.float32)
    for y in (a * x, a + x, a - x, a / x, a**x):
        assert isinstance(y, ember.Tensor) and y.grad_fn is not None
    y = a * x
    assert y.grad_fn.name() == "MulBackward0"
    (y.sum() + (a - x).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), a - 1)


def test_ndarray_tensor_ops_match_torch_values_dtypes_and_gradients():
    # torch itself refuses ``ndarray * tensor`` when the tensor requires grad, so the
    # oracle multiplies by the same array as a tensor
    a = np.array([[0.5, -1.0, 2.0]], np.float64)

    def arr(m):
        return torch.from_numpy(a) if m is torch else a

    check(lambda m, x: arr(m) * x, [(2, 3)])
    check(lambda m, x: arr(m) - x, [(2, 3)])
    check(lambda m, x: (arr(m) + x) / (x * x + 1), [(2, 3)])
