"""householder_product / orgqr, tensorinv, tensorsolve, vander and linalg.diagonal, compared with torch."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck


def _f32(*shape):
    return np.zeros(shape, np.float32)


# --------------------------------------------------------- householder_product
@pytest.mark.parametrize("a_shape,tau_shape", [((5, 3), (2,)), ((4, 4), (4,)), ((2, 5, 3), (2, 3)), ((4, 3), (0,))])
def test_householder_product(a_shape, tau_shape):
    check(lambda m, a, tau: m.linalg.householder_product(a, tau), [a_shape, tau_shape], dtype="float64")
    check(lambda m, a, tau: m.linalg.householder_product(a, tau), [a_shape, tau_shape], atol=1e-4, rtol=1e-3)


def test_orgqr_and_method_give_geqrf_q():
    a = np.random.default_rng(1).uniform(-1, 1, (5, 3))
    reflectors, tau = torch.geqrf(torch.from_numpy(a))
    inputs = [reflectors.numpy(), tau.numpy()]
    e, t = check(lambda m, a, tau: (m.orgqr(a, tau), a.orgqr(tau)), inputs=inputs)
    np.testing.assert_allclose(e[0].detach().numpy(), torch.linalg.qr(torch.from_numpy(a)).Q.numpy(), atol=1e-12)


def test_householder_product_gradcheck():
    gradcheck(lambda m, a, tau: m.linalg.householder_product(a, tau), [(4, 3), (2,)], low=-1.0, high=1.0)
    gradcheck(lambda m, a, tau: m.linalg.householder_product(a, tau), [(2, 3, 3), (2, 3)], low=-1.0, high=1.0, second_order=False)


def test_householder_product_errors():
    hp = lambda m, a, tau: m.linalg.householder_product(a, tau)  # noqa: E731
    check_error(hp, [_f32(5, 3), _f32(4)], RuntimeError, r"input.shape\[-1\] must be greater than or equal to tau")
    check_error(hp, [_f32(3, 5), _f32(2)], RuntimeError, r"input.shape\[-2\] must be greater")
    check_error(hp, [_f32(3), _f32(2)], RuntimeError, "at least 2 dimensions")
    check_error(hp, [_f32(5, 3), _f32(2, 2)], RuntimeError, "one dimension less")
    check_error(hp, [_f32(2, 5, 3), _f32(3, 2)], RuntimeError, "batch dimensions of tau")
    check_error(hp, [_f32(5, 3), np.zeros(2)], RuntimeError, "tau dtype Double does not match input dtype Float")
    check_error(hp, [np.zeros((5, 3), np.int32), np.zeros(2, np.int32)], NotImplementedError, "orgqr_cpu")


# ------------------------------------------------------------------ tensorinv
@pytest.mark.parametrize("shape,ind", [((4, 6, 8, 3), 2), ((4, 4), 1), ((2, 3, 6), 2), ((6, 2, 3), 1)])
def test_tensorinv(shape, ind):
    check(lambda m, a: m.linalg.tensorinv(a, ind=ind), [shape], dtype="float64", atol=1e-8, rtol=1e-6)
    check(lambda m, a: m.linalg.tensorinv(a, ind), [shape], atol=1e-3, rtol=1e-3)


def test_tensorinv_grad_and_errors():
    gradcheck(lambda m, a: m.linalg.tensorinv(a, ind=1), [(4, 2, 2)])
    check_error(lambda m, a: m.linalg.tensorinv(a, ind=0), [_f32(2, 2)], RuntimeError, "strictly positive integer for 'ind'")
    check_error(lambda m, a: m.linalg.tensorinv(a, ind=2), [_f32(4, 6, 8, 2)], RuntimeError, "but got 16 != 24")
    check_error(lambda m, a: m.linalg.tensorinv(a, ind=1), [_f32(3)], RuntimeError, "but got 1 != 3")
    check_error(lambda m, a: m.linalg.tensorinv(a, ind=2), [_f32(2, 2, 2, 2)], RuntimeError, "singular")


# ---------------------------------------------------------------- tensorsolve
def test_tensorsolve():
    check(lambda m, a, b: m.linalg.tensorsolve(a, b), [(2, 3, 6), (2, 3)], dtype="float64", atol=1e-8, rtol=1e-6)
    check(lambda m, a, b: m.linalg.tensorsolve(a, b), [(2, 3, 6), (3, 2)], dtype="float64", atol=1e-8, rtol=1e-6)
    check(lambda m, a, b: m.linalg.tensorsolve(a, b, dims=(0, 2)), [(6, 4, 2, 3), (4, 3)], dtype="float64", atol=1e-8, rtol=1e-6)
    check(lambda m, a, b: m.linalg.tensorsolve(a, b, dims=(0,)), [(2, 6, 3), (6,)], dtype="float64", atol=1e-8, rtol=1e-6)
    gradcheck(lambda m, a, b: m.linalg.tensorsolve(a, b), [(2, 2, 4), (2, 2)])


def test_tensorsolve_errors():
    ts = lambda m, a, b: m.linalg.tensorsolve(a, b)  # noqa: E731
    check_error(ts, [_f32(2, 3, 5), _f32(2, 3)], RuntimeError, "but got 5 != 6")
    check_error(lambda m, a, b: m.linalg.tensorsolve(a, b, dims=(0, 2)), [_f32(6, 4, 2, 3), _f32(6, 4)], RuntimeError, "12 != 24")
    check_error(ts, [_f32(3, 2), _f32(2)], RuntimeError, r"shape '\[2, 2\]' is invalid for input of size 6")
    check_error(ts, [_f32(2, 3, 6), np.zeros((2, 3))], RuntimeError, "same dtype")


# --------------------------------------------------------------------- vander
@pytest.mark.parametrize("shape,n", [((3,), None), ((3,), 5), ((2, 4), 2), ((2, 1, 3), 4)])
def test_vander(shape, n):
    check(lambda m, x: m.linalg.vander(x, N=n), [shape])
    check(lambda m, x: m.linalg.vander(x, N=n), [shape], dtype="float64")


def test_vander_ints_grad_and_errors():
    check(lambda m, x: m.linalg.vander(x), [(4,)], dtype="int32")
    check(lambda m, x: m.linalg.vander(x, N=3), [(2, 2)], dtype="int64")
    check(lambda m, x: m.linalg.vander(x), inputs=[np.array([0.0, 2.0, -1.0])])  # gradient at 0
    gradcheck(lambda m, x: m.linalg.vander(x, N=4), [(2, 3)])
    check_error(lambda m, x: m.linalg.vander(x, N=1), [_f32(3)], RuntimeError, "N must be greater than 1")
    check_error(lambda m, x: m.linalg.vander(x), [_f32()], RuntimeError, "N must be greater than 1")
    check_error(lambda m, x: m.linalg.vander(x), [np.zeros(3, bool)], RuntimeError, "got Bool")


# ------------------------------------------------------------------- diagonal
def test_diagonal():
    check(lambda m, a: m.linalg.diagonal(a), [(2, 3, 4)])
    check(lambda m, a: m.linalg.diagonal(a, offset=1), [(2, 3, 4)])
    check(lambda m, a: m.linalg.diagonal(a, offset=-1, dim1=0, dim2=2), [(3, 2, 4)])
    check_error(lambda m, a: m.linalg.diagonal(a), [_f32(3)], IndexError, "Dimension out of range")
    a = ember.ones(3, 3)
    d = ember.linalg.diagonal(a)
    d.mul_(2)
    assert a[1, 1].item() == 2.0  # a view, as torch's
