"""LU family (lu_factor, lu_factor_ex, lu, lu_solve, torch.lu, lu_unpack, torch.lu_solve)
and the deprecated torch.triangular_solve, compared with torch."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck

SHAPES = [(4, 4), (2, 3, 5, 5), (5, 3), (3, 5), (2, 4, 6), (2, 6, 4), (1, 1)]


def _matrix(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-2, 2, shape).astype(dtype)


# ------------------------------------------------------------------ lu_factor
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_factor_matches_torch(shape, dtype):
    tol = dict(atol=1e-4, rtol=1e-3) if dtype == "float32" else {}
    check(lambda m, x: m.linalg.lu_factor(x), [shape], dtype=dtype, **tol)
    check(lambda m, x: m.linalg.lu_factor_ex(x), [shape], dtype=dtype, **tol)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_matches_torch(shape):
    check(lambda m, x: m.linalg.lu(x), [shape], dtype="float64")
    check(lambda m, x: m.linalg.lu(x), [shape], dtype="float32", atol=1e-4, rtol=1e-3)


def test_lu_permutation_is_not_differentiable():
    x = ember.tensor(_matrix(3, 3), requires_grad=True)
    p, lower, upper = ember.linalg.lu(x)
    assert not p.requires_grad and lower.requires_grad
    assert lower.grad_fn.name() == "LinalgLuBackward0"
    assert ember.linalg.lu_factor(x).LU.grad_fn.name() == "LinalgLuFactorExBackward0"


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (4, 3), (3, 4)])
def test_lu_gradcheck(shape):
    gradcheck(lambda m, x: m.linalg.lu_factor(x).LU, [shape])
    gradcheck(lambda m, x: m.linalg.lu(x)[1:], [shape])


def test_singular_info_and_errors():
    singular = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]], np.float32)
    check(lambda m, a: m.linalg.lu_factor_ex(a), inputs=[singular], grad=False)
    check(lambda m, a: m.linalg.lu(a), inputs=[singular], grad=False)
    check(lambda m, a: m.lu(a, get_infos=True), inputs=[singular], grad=False)
    check(lambda m, a: m.linalg.lu_factor_ex(a), inputs=[np.zeros((3, 3))], grad=False)
    check(lambda m, a: m.linalg.lu_factor_ex(a), inputs=[np.zeros((4, 3))], grad=False)
    check_error(lambda m, a: m.linalg.lu_factor(a), [singular], RuntimeError, r"\(Batch element 1\): U\[2,2\] is zero")
    check_error(lambda m, a: m.linalg.lu_factor_ex(a, check_errors=True), [np.zeros((3, 3))], RuntimeError, r"U\[1,1\] is zero")


def test_lu_bad_input():
    check_error(lambda m, a: m.linalg.lu_factor(a), [np.zeros(3, np.float32)], RuntimeError, "2 or more dimensions")
    check_error(lambda m, a: m.linalg.lu_factor(a), [np.zeros((3, 3), np.int32)], NotImplementedError, "lu_cpu")
    check_error(lambda m, a: m.linalg.lu_factor(a, pivot=False), [np.eye(3, dtype=np.float32)], RuntimeError, "without pivoting")
    check_error(lambda m, a: m.linalg.lu(a, pivot=False), [np.eye(3, dtype=np.float32)], RuntimeError, "without pivoting")


def test_empty_inputs():
    check(lambda m, a: m.linalg.lu_factor(a), inputs=[np.zeros((0, 3, 3), np.float32)], grad=False)
    check(lambda m, a: m.linalg.lu_factor(a), inputs=[np.zeros((3, 0), np.float32)], grad=False)


# ------------------------------------------------------------- legacy torch.lu
def test_legacy_lu_and_method():
    check(lambda m, a: m.lu(a), [(2, 4, 4)], dtype="float64")
    check(lambda m, a: a.lu(get_infos=True), [(3, 3)], dtype="float64")
    e, t = check(lambda m, a: m.lu(a), [(3, 3)], grad=False)
    assert type(e) is tuple and type(t) is tuple


# ------------------------------------------------------------------ lu_unpack
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (3, 5)])
def test_lu_unpack(shape):
    def fn(m, a):
        lu_data, pivots = m.linalg.lu_factor(a)
        return m.lu_unpack(lu_data, pivots)

    check(fn, [shape], dtype="float64")
    check(lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a), unpack_data=False), [shape], dtype="float64", grad=False)
    check(lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a), unpack_pivots=False), [shape], dtype="float64")


def test_lu_unpack_grad_and_errors():
    gradcheck(lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a))[1:], [(3, 3)])
    lu_data = _matrix(3, 3, dtype=np.float32)
    check_error(
        lambda m, a, p: m.lu_unpack(a, p), [lu_data, np.array([1, 2, 3], np.int64)], RuntimeError, "int32"
    )


# ------------------------------------------------------------------- lu_solve
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_torch(left, adjoint):
    b_shape = (2, 4, 3) if left else (2, 3, 4)

    def fn(m, a, b):
        lu_data, pivots = m.linalg.lu_factor(a)
        return m.linalg.lu_solve(lu_data, pivots, b, left=left, adjoint=adjoint)

    check(fn, [(2, 4, 4), b_shape], dtype="float64")
    check(fn, [(4, 4), b_shape], dtype="float32", atol=1e-4, rtol=1e-3)


def test_lu_solve_grad_wrt_lu_and_b():
    a = _matrix(3, 3, seed=1) + 4 * np.eye(3)
    lu_data, pivots = torch.linalg.lu_factor(torch.from_numpy(a))
    piv_np = pivots.numpy()
    check(
        lambda m, lu, b: m.linalg.lu_solve(lu, m.from_numpy(piv_np.copy()), b),
        inputs=[lu_data.numpy(), _matrix(3, 2, seed=2)],
    )
    check(
        lambda m, lu, b: m.linalg.lu_solve(lu, m.from_numpy(piv_np.copy()), b, adjoint=True, left=False),
        inputs=[lu_data.numpy(), _matrix(2, 3, seed=2)],
    )
    piv = ember.from_numpy(piv_np.copy())
    gradcheck(lambda m, lu, b: m.linalg.lu_solve(lu, piv, b), [(3, 3), (3, 2)], low=1.0, high=2.0)


def test_legacy_lu_solve():
    def fn(m, a, b):
        lu_data, pivots = m.linalg.lu_factor(a)
        return m.lu_solve(b, lu_data, pivots), b.lu_solve(lu_data, pivots)

    check(fn, [(2, 3, 3), (2, 3, 2)], dtype="float64")


def test_lu_solve_errors():
    lu_data, pivots = torch.linalg.lu_factor(torch.from_numpy(_matrix(3, 3, dtype=np.float32)))
    lu_np, piv_np = lu_data.numpy(), pivots.numpy()
    solve = lambda m, lu, p, b, **kw: m.linalg.lu_solve(lu, p, b, **kw)  # noqa: E731
    check_error(solve, [lu_np, piv_np, np.zeros((4, 2), np.float32)], RuntimeError, r"AX = B \(3x3 and 4x2\)")
    check_error(lambda m, lu, p, b: solve(m, lu, p, b, left=False), [lu_np, piv_np, np.zeros((2, 4), np.float32)], RuntimeError, r"XA = B")
    check_error(solve, [lu_np, piv_np, np.zeros(3, np.float32)], RuntimeError, "at least 2 dimensions")
    check_error(solve, [lu_np, piv_np.astype(np.int64), np.zeros((3, 2), np.float32)], RuntimeError, "int32")
    check_error(solve, [lu_np, piv_np, np.zeros((3, 2))], RuntimeError, "same dtype")
    check_error(solve, [lu_np[:2], piv_np[:2], np.zeros((2, 2), np.float32)], RuntimeError, "square matrices")
    check_error(solve, [lu_np, piv_np[:2], np.zeros((3, 2), np.float32)], RuntimeError, r"pivots.shape to be the same, but got pivots with shape \[2\]")


# ----------------------------------------------------------- triangular_solve
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_triangular_solve(upper, transpose, unitriangular):
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (2, 4, 4)) + 4 * np.eye(4)

    def fn(m, b, a):
        return m.triangular_solve(b, a, upper=upper, transpose=transpose, unitriangular=unitriangular)

    check(fn, inputs=[rng.uniform(-1, 1, (2, 4, 3)), a])
    check(fn, inputs=[rng.uniform(-1, 1, (4, 3)).astype(np.float32), a.astype(np.float32)], atol=1e-4)
    check(fn, inputs=[rng.uniform(-1, 1, (2, 4, 3)), a[0]])


def test_triangular_solve_method_grad_and_errors():
    a = _matrix(3, 3) + 4 * np.eye(3)
    check(lambda m, b, a: b.triangular_solve(a, False), inputs=[_matrix(3, 2, seed=5), a])
    gradcheck(lambda m, b, a: m.triangular_solve(b, a + 4 * m.eye(3, dtype=m.float64)).solution, [(3, 2), (3, 3)])
    f32 = lambda *s: np.zeros(s, np.float32)  # noqa: E731
    tri = lambda m, b, a: m.triangular_solve(b, a)  # noqa: E731
    check_error(tri, [f32(3), f32(3, 3)], RuntimeError, "Expected b to have at least 2 dimensions")
    check_error(tri, [f32(4, 2), f32(3, 3)], RuntimeError, "Incompatible matrix sizes for triangular_solve")
    check_error(tri, [f32(3, 2), f32(3, 4)], RuntimeError, "square matrices")
    check_error(tri, [f32(3, 2), np.zeros((3, 3))], RuntimeError, "same dtype")


# ------------------------------------------------------------------------ LDL
def _symmetric(batch, n, seed, small_diagonal=True):
    a = np.random.default_rng(seed).standard_normal(batch + (n, n))
    if small_diagonal:  # forces Bunch-Kaufman's 2x2 pivots and row swaps
        a[..., np.arange(n), np.arange(n)] *= 0.01
    return a + np.swapaxes(a, -1, -2)


@pytest.mark.parametrize("batch,n", [((), 1), ((), 4), ((3,), 6), ((2, 2), 9), ((2,), 70)])
def test_ldl_factor_matches_torch(batch, n):
    a = _symmetric(batch, n, seed=n)
    e, t = check(lambda m, x: m.linalg.ldl_factor_ex(x), inputs=[a], grad=False, atol=1e-10)
    if n >= 4:
        assert (t.pivots < 0).any()  # the 2x2-pivot path is exercised
    check(lambda m, x: m.linalg.ldl_factor(x), inputs=[a.astype(np.float32)], grad=False, atol=1e-4, rtol=1e-3)
    check(lambda m, x: m.linalg.ldl_factor(x), inputs=[_symmetric(batch, n, seed=1, small_diagonal=False)], grad=False)


def test_ldl_reads_lower_triangle_and_reports_singular():
    a = np.tril(_symmetric((), 5, seed=3)) + np.triu(np.full((5, 5), 9.0), 1)
    check(lambda m, x: m.linalg.ldl_factor(x), inputs=[a], grad=False)
    check(lambda m, x: m.linalg.ldl_factor_ex(x), inputs=[np.zeros((2, 3, 3))], grad=False)
    ember_exc = None
    try:
        ember.linalg.ldl_factor(ember.zeros(3, 3))
    except RuntimeError as exc:
        ember_exc = exc
    assert ember_exc is not None and "singular" in str(ember_exc)


@pytest.mark.parametrize("batch,n", [((), 1), ((), 5), ((3,), 8)])
def test_ldl_solve_matches_torch(batch, n):
    a = _symmetric(batch, n, seed=7)
    ld, pivots = torch.linalg.ldl_factor(torch.from_numpy(a))
    b = np.random.default_rng(8).standard_normal(batch + (n, 2))
    check(lambda m, ld, p, b: m.linalg.ldl_solve(ld, p, b), inputs=[ld.numpy(), pivots.numpy(), b], grad=False, atol=1e-9)
    check(lambda m, ld, p, b: m.linalg.ldl_solve(ld, p, b), inputs=[ld.numpy(), pivots.numpy(), b[None]], grad=False, atol=1e-9)


def test_ldl_errors_and_no_derivative():
    f32 = lambda *s: np.zeros(s, np.float32)  # noqa: E731
    check_error(lambda m, a: m.linalg.ldl_factor(a), [f32(3)], RuntimeError, "at least 2 dimensions")
    check_error(lambda m, a: m.linalg.ldl_factor(a), [f32(3, 4)], RuntimeError, "square matrices")
    check_error(lambda m, a: m.linalg.ldl_factor(a), [np.zeros((3, 3), np.int32)], RuntimeError, "floating point")
    ld, piv = f32(3, 3), np.array([1, 2, 3], np.int32)
    solve = lambda m, ld, p, b: m.linalg.ldl_solve(ld, p, b)  # noqa: E731
    check_error(solve, [ld, piv, f32(3)], IndexError, "Dimension out of range")
    check_error(solve, [ld, piv, f32(4, 2)], RuntimeError, "Incompatible matrix sizes")
    check_error(solve, [ld, piv[:2], f32(3, 2)], RuntimeError, "pivots.shape to be the same")
    check_error(solve, [ld, piv, np.zeros((3, 2))], RuntimeError, "same dtype")
    x = ember.tensor(_symmetric((), 3, seed=2) + 9 * np.eye(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is not implemented"):
        ember.linalg.ldl_factor(x).LD.sum().backward()
