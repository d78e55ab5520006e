"""Linear algebra against torch: products, einsum, and ember.linalg's matrix functions."""

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck


def zeros(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


def spd(m, x):
    """A symmetric positive-definite matrix built from ``x`` (keeps gradcheck on the manifold)."""
    n = x.shape[-1]
    return x @ x.transpose(-1, -2) + n * m.eye(n, dtype=x.dtype)


def sym(m, x):
    return x + x.transpose(-1, -2)


# ---------------------------------------------------------------- products
@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, a, b: a @ b, [(4, 3), (3, 5)]),
        (lambda m, a, b: a @ b, [(3,), (3,)]),
        (lambda m, a, b: a @ b, [(4, 3), (3,)]),
        (lambda m, a, b: a @ b, [(3,), (3, 5)]),
        (lambda m, a, b: a @ b, [(2, 4, 3), (3, 5)]),
        (lambda m, a, b: a @ b, [(2, 4, 3), (3,)]),
        (lambda m, a, b: a @ b, [(3,), (2, 3, 5)]),
        (lambda m, a, b: a @ b, [(4, 3), (2, 3, 5)]),
        (lambda m, a, b: m.matmul(a, b), [(2, 1, 4, 3), (5, 3, 2)]),
        (lambda m, a, b: a.t() @ b.t(), [(3, 4), (5, 3)]),  # transposed (non-contiguous) operands
        (lambda m, a, b: m.mm(a, b), [(4, 3), (3, 5)]),
        (lambda m, a, b: a.bmm(b), [(2, 4, 3), (2, 3, 5)]),
        (lambda m, a, b: m.mv(a, b), [(4, 3), (3,)]),
        (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
        (lambda m, a, b: a.vdot(b), [(3,), (3,)]),
        (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
        (lambda m, a, b: m.inner(a, b), [(3,), (3,)]),
        (lambda m, a, b: m.inner(a, b), [(), (2, 3)]),
        (lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
        (lambda m, a, b: a.ger(b), [(3,), (4,)]),
        (lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
        (lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), [(2, 3, 4), (3, 5, 2)]),
        (lambda m, a, b: m.tensordot(a, b, dims=0), [(2,), (3,)]),
        (lambda m, a, b: m.kron(a, b), [(2, 3), (4, 2)]),
        (lambda m, a, b: m.kron(a, b), [(2,), (3, 2)]),
        (lambda m, c, a, b: m.addmm(c, a, b), [(5,), (4, 3), (3, 5)]),
        (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2), [(4, 5), (4, 3), (3, 5)]),
        (lambda m, c, a, b: c.addmm(a, b, beta=0), [(4, 1), (4, 3), (3, 5)]),
        (lambda m, c, a, b: m.addmv(c, a, b, alpha=3), [(4,), (4, 3), (3,)]),
        (lambda m, c, a, b: m.addbmm(c, a, b, beta=2), [(4, 5), (2, 4, 3), (2, 3, 5)]),
        (lambda m, c, a, b: m.baddbmm(c, a, b, alpha=0.5), [(4, 5), (2, 4, 3), (2, 3, 5)]),
        (lambda m, c, a, b: (c * 1).addmm_(a, b), [(4, 5), (4, 3), (3, 5)]),
    ],
)
def test_products_match_torch(fn, shapes):
    check(fn, shapes)


def test_integer_products_stay_integer():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4)
    check(lambda m, x, y: (x @ y, m.mm(x, y), m.einsum("ij,jk->ik", x, y)), inputs=[a, b], grad=False)
    check(lambda m, x, y: m.dot(x, y), inputs=[a[0].astype(np.int32), b[:, 0].astype(np.int32)], grad=False)
    check(lambda m, x, y: m.outer(x, y), inputs=[a[0], b[0].astype(np.float32)], grad=False)


def test_addmm_with_beta_zero_ignores_nan_input():
    c = np.full((2, 2), np.nan, np.float32)
    check(lambda m, c, a, b: m.addmm(c, a, b, beta=0), inputs=[c, np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)])


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, a, b: a @ b, [(4, 3), (3, 5)]),
        (lambda m, a, b: a @ b, [(4, 3), (3,)]),
        (lambda m, a, b: a @ b, [(3,), (3, 5)]),
        (lambda m, a, b: a @ b, [(3,), (3,)]),
        (lambda m, a, b: a @ b, [(2, 4, 3), (3, 5)]),
        (lambda m, a, b: m.bmm(a, b), [(2, 4, 3), (2, 3, 5)]),
        (lambda m, a, b: m.mv(a, b), [(4, 3), (3,)]),
        (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
        (lambda m, a, b: m.vdot(a, b), [(3,), (3,)]),
        (lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
        (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
        (lambda m, a, b: m.tensordot(a, b, dims=1), [(2, 3), (3, 4)]),
        (lambda m, a, b: m.kron(a, b), [(2, 3), (4, 2)]),
        (lambda m, c, a, b: m.addmm(c, a, b), [(5,), (4, 3), (3, 5)]),
        (lambda m, c, a, b: m.addmv(c, a, b), [(4,), (4, 3), (3,)]),
        (lambda m, c, a, b: m.addbmm(c, a, b), [(4, 5), (2, 4, 3), (2, 3, 5)]),
        (lambda m, c, a, b: m.baddbmm(c, a, b), [(4, 5), (2, 4, 3), (2, 3, 5)]),
    ],
)
def test_product_grad_fn_names(fn, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    e = fn(ember, *[ember.tensor(a, requires_grad=True) for a in arrays])
    t = fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, a, b: a @ b, [(3, 2), (2, 4)]),
        (lambda m, a, b: a @ b, [(2, 3, 2), (2,)]),
        (lambda m, a, b: a @ b, [(2,), (2, 2, 3)]),
        (lambda m, a, b: a @ b, [(2, 1, 3, 2), (3, 2, 2)]),
        (lambda m, a, b: a @ b, [(2, 3, 2), (2, 2)]),
        (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), [(3,), (2, 3), (3, 3)]),
        (lambda m, c, a, b: m.addbmm(c, a, b, alpha=-1), [(2, 2), (2, 2, 3), (2, 3, 2)]),
        (lambda m, c, a, b: m.baddbmm(c, a, b, beta=2), [(1, 2), (2, 2, 3), (2, 3, 2)]),
        (lambda m, a, b: m.kron(a, b), [(2, 2), (2, 3)]),
    ],
)
def test_product_gradcheck(fn, shapes):
    gradcheck(fn, shapes)


def test_matmul_gradient_of_transposed_leaf():
    check(lambda m, a, b: (a.transpose(0, 1) @ b).relu().sum(), [(5, 4), (5, 3)])


# ---------------------------------------------------------------- einsum
@pytest.mark.parametrize(
    "equation,shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij,jk", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("bhqd,bhkd->bhqk", [(2, 1, 3, 2), (2, 2, 4, 2)]),
        ("ijk,jil->kl", [(2, 3, 2), (3, 2, 2)]),
        ("i,j->ij", [(3,), (4,)]),
        ("i,i->", [(3,), (3,)]),
        ("ii->i", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("iij->j", [(3, 3, 2)]),
        ("ij->", [(2, 3)]),
        ("ij->ji", [(2, 3)]),
        ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
        ("...j,...j->...", [(2, 1, 3), (4, 3)]),
        ("b...,...a", [(2, 3, 4), (4, 5)]),
        ("i...->...", [(3, 2, 2)]),
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
        ("ij,jk->ik", [(2, 1), (3, 5)]),
        ("bA", [(2, 3)]),
        (",i->i", [(), (3,)]),
        ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ],
)
def test_einsum_matches_torch_and_gradchecks(equation, shapes):
    check(lambda m, *xs: m.einsum(equation, *xs), shapes)
    gradcheck(lambda m, *xs: m.einsum(equation, *xs), shapes)


def test_einsum_call_forms():
    check(lambda m, a, b: m.einsum("ij,jk", [a, b]), [(2, 3), (3, 4)])
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)])
    check(lambda m, a, b: m.einsum(a, [..., 1], b, [1], [...]), [(2, 3, 4), (4,)])


@pytest.mark.parametrize(
    "fn,shapes,match",
    [
        (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (4, 5)], "einsum\\(\\): subscript j has size 4 for operand 1"),
        (lambda m, a: m.einsum("ij,jk->ik", a), [(2, 3)], "fewer operands were provided"),
        (lambda m, a, b: m.einsum("ij->i", a, b), [(3, 3), (3,)], "more operands were provided"),
        (lambda m, a, b: m.einsum("ij,jk->iz", a, b), [(2, 3), (3, 5)], "output subscript z does not appear"),
        (lambda m, a, b: m.einsum("ijk,jk->ik", a, b), [(2, 3), (3, 5)], r"number of subscripts in the equation \(3\) does not match"),
        (lambda m, a: m.einsum("ii->i", a), [(2, 3)], "subscript i is repeated for operand 0"),
        (lambda m, a: m.einsum("ij->ii", a), [(3, 3)], "appears more than once in the output"),
        (lambda m, a: m.einsum("i1->i", a), [(3, 3)], "invalid subscript given at index 1"),
        (lambda m, a: m.einsum("ijk...->i", a), [(3, 3)], r"\(3\) is more than the number of dimensions \(2\)"),
    ],
)
def test_einsum_errors(fn, shapes, match):
    check_error(fn, [zeros(*s) for s in shapes], RuntimeError, match)


def test_einsum_dtype_mismatch():
    check_error(lambda m, a, b: m.einsum("i,i", a, b), [zeros(3), zeros(3, dtype=np.float64)], RuntimeError, "expected scalar type Float but found Double")


# ---------------------------------------------------------------- product errors
@pytest.mark.parametrize(
    "fn,shapes,exc,match",
    [
        (lambda m, a, b: m.matmul(a, b), [(64, 10), (20, 10)], RuntimeError, r"matmul: \(64x10\) @ \(20x10\): inner dimensions 10 and 20 differ"),
        (lambda m, a, b: a @ b, [(2, 3, 4), (3, 4, 5)], RuntimeError, r"matmul: \(2x3x4\) @ \(3x4x5\)"),
        (lambda m, a, b: m.matmul(a, b), [(), (3,)], RuntimeError, "need to be at least 1D"),
        (lambda m, a, b: m.mm(a, b), [(64, 10), (20, 10)], RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(64x10 and 20x10\)"),
        (lambda m, a, b: m.mm(a, b), [(10,), (10, 3)], RuntimeError, "self must be a matrix"),
        (lambda m, a, b: m.mm(a, b), [(3, 10), (10,)], RuntimeError, "mat2 must be a matrix"),
        (lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (3, 4, 5)], RuntimeError, r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[3, 4\]"),
        (lambda m, a, b: m.bmm(a, b), [(3, 4), (2, 4, 5)], RuntimeError, "batch1 must be a 3D tensor"),
        (lambda m, a, b: m.mv(a, b), [(3, 4), (5,)], RuntimeError, r"size mismatch, got input \(3\), mat \(3x4\), vec \(5\)"),
        (lambda m, a, b: m.mv(a, b), [(3, 4), (4, 1)], RuntimeError, "vector \\+ matrix @ vector expected"),
        (lambda m, a, b: m.dot(a, b), [(3,), (4,)], RuntimeError, r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
        (lambda m, a, b: m.dot(a, b), [(3, 1), (3,)], RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
        (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 4)], RuntimeError, r"inner\(\) the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4, 4\]"),
        (lambda m, a, b: m.outer(a, b), [(2, 3), (4,)], RuntimeError, "outer: Expected 1-D argument self, but got 2-D"),
        (lambda m, a, b: m.tensordot(a, b, dims=([1], [0])), [(2, 3), (4, 4)], RuntimeError, "contracted dimensions need to match, but first has size 3 in dim 1 and second has size 4 in dim 0"),
        (lambda m, c, a, b: m.addmm(c, a, b), [(3,), (2, 3), (4, 3)], RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x3\)"),
        (lambda m, c, a, b: m.addmm(c, a, b), [(5,), (2, 3), (3, 3)], RuntimeError, r"The expanded size of the tensor \(3\) must match the existing size \(5\) at non-singleton dimension 1.  Target sizes: \[2, 3\].  Tensor sizes: \[5\]"),
        (lambda m, c, a, b: m.addmv(c, a, b), [(4,), (3, 4), (4,)], RuntimeError, r"size mismatch, got input \(4\), mat \(3x4\), vec \(4\)"),
        (lambda m, c, a, b: m.addbmm(c, a, b), [(3, 5), (2, 3, 4), (2, 5, 5)], RuntimeError, r"Incompatible matrix sizes for bmm \(3x4 and 5x5\)"),
        (lambda m, c, a, b: m.baddbmm(c, a, b), [(3, 3, 5), (2, 3, 4), (2, 4, 5)], RuntimeError, r"The expanded size of the tensor \(2\) must match the existing size \(3\) at non-singleton dimension 0"),
    ],
)
def test_product_shape_errors(fn, shapes, exc, match):
    check_error(fn, [zeros(*s) for s in shapes], exc, match)


@pytest.mark.parametrize(
    "fn,match",
    [
        (lambda m, a, b: a @ b, "expected m1 and m2 to have the same dtype, but got: float != double"),
        (lambda m, a, b: m.mm(a, b), "expected m1 and m2 to have the same dtype, but got: float != double"),
        (lambda m, a, b: m.bmm(a.unsqueeze(0), b.unsqueeze(0)), "expected scalar type Float but found Double"),
        (lambda m, a, b: m.dot(a[0], b[:, 0]), "dot : expected both vectors to have same dtype, but found Float and Double"),
        (lambda m, a, b: m.tensordot(a, b, dims=1), "both inputs should have same dtype"),
    ],
)
def test_products_require_one_dtype(fn, match):
    check_error(fn, [zeros(3, 3), zeros(3, 3, dtype=np.float64)], RuntimeError, match)


def test_non_tensor_operands_are_type_errors():
    check_error(lambda m, a: a @ [[1.0, 2.0], [3.0, 4.0]], [zeros(2, 2)], TypeError, "unsupported operand type")
    check_error(lambda m, a: m.mm(a, 3), [zeros(2, 2)], TypeError, r"mm\(\): argument 'mat2' \(position 2\) must be Tensor, not int")
    check_error(lambda m, a: m.matmul(a, [1.0, 2.0]), [zeros(2, 2)], TypeError, r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not list")


def test_bool_matmul_is_not_implemented():
    check_error(lambda m, a, b: a @ b, [np.ones((2, 2), bool), np.ones((2, 2), bool)], NotImplementedError, "Bool")


# ---------------------------------------------------------------- decompositions
@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: m.linalg.inv(x), [(3, 3)]),
        (lambda m, x: m.inverse(x), [(2, 3, 3)]),
        (lambda m, x: m.linalg.det(x), [(3, 3)]),
        (lambda m, x: x.det(), [(2, 3, 3)]),
        (lambda m, x: m.linalg.slogdet(x), [(2, 3, 3)]),
        (lambda m, x: m.slogdet(x), [(3, 3)]),
        (lambda m, x: m.logdet(spd(m, x)), [(3, 3)]),
        (lambda m, x: m.linalg.solve(x, x[0]), [(3, 3)]),
        (lambda m, x, b: m.linalg.solve(x, b), [(2, 3, 3), (2, 3)]),
        (lambda m, x, b: m.linalg.solve(x, b), [(2, 3, 3), (3,)]),
        (lambda m, x, b: m.linalg.solve(x, b), [(2, 3, 3), (4, 1, 3, 2)]),
        (lambda m, x, b: m.linalg.solve(x, b, left=False), [(3, 3), (2, 3)]),
        (lambda m, x: m.linalg.cholesky(spd(m, x)), [(3, 3)]),
        (lambda m, x: m.linalg.cholesky(spd(m, x), upper=True), [(2, 3, 3)]),
        (lambda m, x: m.linalg.svdvals(x), [(4, 3)]),
        (lambda m, x: m.linalg.eigvalsh(sym(m, x)), [(3, 3)]),
        (lambda m, x: m.linalg.eigh(sym(m, x)).eigenvalues, [(2, 3, 3)]),
        (lambda m, x: m.linalg.matrix_norm(x), [(3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, "nuc"), [(3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, 2), [(2, 3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, -2), [(3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, 1, keepdim=True), [(2, 3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, float("-inf"), dim=(0, 2)), [(2, 3, 4)]),
        (lambda m, x: m.linalg.matrix_norm(x, -1), [(3, 4)]),
        (lambda m, x: m.linalg.norm(x), [(3, 4)]),
        (lambda m, x: m.linalg.norm(x, 3), [(5,)]),
        (lambda m, x: m.linalg.norm(x, dim=1), [(3, 4)]),
        (lambda m, x: m.linalg.norm(x, float("inf")), [(3, 4)]),
        (lambda m, x: m.linalg.norm(x, "fro", dim=(0, 1), keepdim=True), [(3, 4, 2)]),
        (lambda m, x: m.linalg.vector_norm(x, 1.5, dim=(0, 2)), [(3, 4, 2)]),
        (lambda m, x: m.linalg.matrix_power(x, 3), [(3, 3)]),
        (lambda m, x: m.linalg.matrix_power(x, -2), [(3, 3)]),
        (lambda m, x: m.linalg.matrix_power(x, 0), [(2, 3, 3)]),
        (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)]),
        (lambda m, x: m.linalg.pinv(x), [(4, 3)]),
        (lambda m, x: m.pinverse(x), [(3, 4)]),
        (lambda m, x: m.linalg.vecdot(x, x[0]), [(3, 4)]),
    ],
)
def test_matrix_functions_match_torch(fn, shapes):
    check(fn, shapes, low=-1.0, high=1.0, dtype="float64", atol=1e-7, rtol=1e-6)


def test_decomposition_factors_match_torch_up_to_sign():
    """Q/R, U/S/Vh and eigenvectors are unique up to signs; compare what is sign-free."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 5, 3))
    b = rng.standard_normal((2, 5, 5))
    s = b @ np.swapaxes(b, -1, -2)  # distinct eigenvalues: eigenvectors unique up to sign
    for mode in ["reduced", "complete"]:
        q, r = ember.linalg.qr(ember.tensor(a), mode=mode)
        tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
        np.testing.assert_allclose(np.abs(q.numpy()), np.abs(tq.numpy()), atol=1e-10)
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), atol=1e-10)
        np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-10)
    assert ember.linalg.qr(ember.tensor(a), mode="r").Q.shape == (0,)
    for full in [True, False]:
        u, sv, vh = ember.linalg.svd(ember.tensor(a), full_matrices=full)
        tu, tsv, tvh = torch.linalg.svd(torch.tensor(a), full_matrices=full)
        assert u.shape == tu.shape and vh.shape == tvh.shape
        np.testing.assert_allclose(sv.numpy(), tsv.numpy(), atol=1e-10)
        np.testing.assert_allclose(np.abs(u.numpy()[..., :3]), np.abs(tu.numpy()[..., :3]), atol=1e-8)
    u, sv, v = ember.svd(ember.tensor(a))
    np.testing.assert_allclose((u * sv.unsqueeze(-2) @ v.transpose(-1, -2)).numpy(), a, atol=1e-10)
    w, v = ember.linalg.eigh(ember.tensor(s))
    tw, tv = torch.linalg.eigh(torch.tensor(s))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), atol=1e-10)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(tv.numpy()), atol=1e-8)


def qr_loss(m, x):
    q, r = m.linalg.qr(x)
    return (q**2 * x).sum() + (r**3).sum()


def svd_loss(m, x):
    u, s, vh = m.linalg.svd(x, full_matrices=False)
    return (u**2 * x).sum() + (s**3).sum() + (vh**4).sum()


def full_svd_loss(m, x):
    u, _, vh = m.linalg.svd(x)
    return (u[:, :3] ** 2 * x).sum() + (vh**4).sum()


def eigh_loss(m, x):
    values, vectors = m.linalg.eigh(sym(m, x[:3]))
    return values.sum() + (vectors**2 * x[:3]).sum()


@pytest.mark.parametrize("fn", [qr_loss, svd_loss, full_svd_loss, eigh_loss])
def test_decomposition_gradients_match_torch(fn):
    """Sign-invariant losses of the factors have the same gradient as torch's."""
    check(fn, [(5, 3)], dtype="float64", atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize(
    "fn,shape",
    [
        (lambda m, x: m.linalg.inv(x), (3, 3)),
        (lambda m, x: m.linalg.det(x), (3, 3)),
        (lambda m, x: m.linalg.slogdet(x).logabsdet, (2, 3, 3)),
        (lambda m, x: m.logdet(spd(m, x)), (3, 3)),
        (lambda m, x: m.linalg.solve(x, x[:, :2] * 2), (3, 3)),
        (lambda m, x: m.linalg.solve(x, x[0]), (3, 3)),
        (lambda m, x: m.linalg.cholesky(spd(m, x)), (3, 3)),
        (lambda m, x: m.linalg.cholesky(spd(m, x), upper=True), (3, 3)),
        (lambda m, x: m.linalg.qr(x).Q, (4, 3)),
        (lambda m, x: m.linalg.qr(x).R, (4, 3)),
        (lambda m, x: m.linalg.qr(x).Q, (3, 3)),
        (lambda m, x: m.linalg.qr(x).R, (2, 4)),
        (lambda m, x: m.linalg.svdvals(x), (4, 3)),
        (lambda m, x: m.linalg.svd(x, full_matrices=False).U, (4, 3)),
        (lambda m, x: m.linalg.svd(x, full_matrices=False).Vh, (3, 4)),
        (lambda m, x: m.linalg.eigh(sym(m, x)).eigenvalues, (3, 3)),
        (lambda m, x: m.linalg.eigh(sym(m, x)).eigenvectors, (3, 3)),
        (lambda m, x: m.linalg.matrix_norm(x, "nuc"), (3, 4)),
        (lambda m, x: m.linalg.matrix_norm(x, 1), (3, 4)),
        (lambda m, x: m.linalg.matrix_power(x, -2), (3, 3)),
    ],
)
def test_decomposition_gradcheck(fn, shape):
    gradcheck(fn, [shape], low=-1.0, high=1.0)


def test_det_gradient_of_singular_matrices_is_the_cofactor_matrix():
    for values in ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]], [[0.0] * 3] * 3):
        x = ember.tensor(values, dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradcheck(lambda t: ember.linalg.det(t), (x,))
    x = ember.tensor([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]], dtype=ember.float64, requires_grad=True)
    ember.linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[[4.0, -2.0], [-2.0, 1.0]], [[3.0, -1.0], [-1.0, 2.0]]])


def test_grad_fn_names():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    p = a @ a.T + 3 * np.eye(3)
    cases = [
        (lambda m, x: m.linalg.inv(x), a),
        (lambda m, x: m.linalg.det(x), a),
        (lambda m, x: m.linalg.slogdet(x)[1], a),
        (lambda m, x: m.logdet(x), p),
        (lambda m, x: m.linalg.solve(x, x[0]), a),
        (lambda m, x: m.linalg.cholesky(x), p),
        (lambda m, x: m.cholesky(x), p),
        (lambda m, x: m.linalg.qr(x)[0], a),
        (lambda m, x: m.linalg.svd(x)[0], a),
        (lambda m, x: m.linalg.svdvals(x), a),
        (lambda m, x: m.linalg.eigh(x)[0], p),
        (lambda m, x: m.linalg.matrix_norm(x), a),
        (lambda m, x: m.linalg.matrix_norm(x, "nuc"), a),
        (lambda m, x: m.linalg.matrix_norm(x, 2), a),
        (lambda m, x: m.linalg.vector_norm(x), a),
    ]
    import warnings

    for fn, value in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = fn(torch, torch.tensor(value, requires_grad=True))
        e = fn(ember, ember.tensor(value, requires_grad=True))
        assert e.grad_fn.name() == t.grad_fn.name(), fn


def test_legacy_torch_level_forms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    q, r = ember.qr(ember.tensor(a), some=False)
    assert q.shape == (4, 4) and r.shape == (4, 3)
    u, s, v = ember.tensor(a).svd()
    assert v.shape == (3, 3)
    np.testing.assert_allclose((u * s @ v.t()).numpy(), a, atol=1e-10)
    p = a.T @ a + np.eye(3)
    np.testing.assert_allclose(ember.tensor(p).cholesky(upper=True).numpy(), torch.tensor(p).cholesky(upper=True).numpy())
    assert repr(ember.linalg.slogdet(ember.eye(2))).startswith("torch.return_types.linalg_slogdet(")
    assert ember.linalg.inv_ex(ember.eye(2)).info.item() == 0
    assert ember.linalg.inv_ex(ember.zeros(2, 2)).info.item() == 1
    assert ember.linalg.cholesky_ex(-ember.eye(2)).info.item() == 1


# ---------------------------------------------------------------- errors
def test_singular_and_indefinite_inputs_raise_linalg_errors():
    check_error(lambda m, x: m.linalg.inv(x), [zeros(3, 3)], RuntimeError, "linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular.")
    batch = np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])]).astype(np.float32)
    check_error(lambda m, x: m.linalg.inv(x), [batch], RuntimeError, r"linalg.inv: \(Batch element 1\): The diagonal element 3 is zero")
    check_error(lambda m, x: m.linalg.solve(x, x[0]), [zeros(3, 3)], RuntimeError, "torch.linalg.solve: The solver failed because the input matrix is singular.")
    check_error(lambda m, x: m.linalg.cholesky(x), [-np.eye(3, dtype=np.float32)], RuntimeError, r"linalg.cholesky: The factorization could not be completed because the input is not positive-definite \(the leading minor of order 1 is not positive-definite\).")
    indefinite = np.stack([np.eye(3), np.diag([1.0, 1.0, -1.0])]).astype(np.float32)
    check_error(lambda m, x: m.linalg.cholesky(x), [indefinite], RuntimeError, r"\(Batch element 1\): .*leading minor of order 3")
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.zeros(2, 2))


@pytest.mark.parametrize(
    "fn,shapes,match",
    [
        (lambda m, x: m.linalg.inv(x), [(3, 4)], "linalg.inv: A must be batches of square matrices, but they are 3 by 4 matrices"),
        (lambda m, x: m.linalg.inv(x), [(3,)], "linalg.inv: The input tensor A must have at least 2 dimensions."),
        (lambda m, x: m.linalg.det(x), [(3, 4)], "linalg.det: A must be batches of square matrices, but they are 3 by 4 matrices"),
        (lambda m, x: m.linalg.cholesky(x), [(3, 4)], "linalg.cholesky: A must be batches of square matrices"),
        (lambda m, x: m.linalg.eigh(x), [(3, 4)], "linalg.eigh: A must be batches of square matrices"),
        (lambda m, x, b: m.linalg.solve(x, b), [(3, 3), (4,)], r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)"),
        (lambda m, x, b: m.linalg.solve(x, b), [(3, 4), (3,)], "linalg.solve: A must be batches of square matrices"),
        (lambda m, x: m.linalg.qr(x, mode="x"), [(3, 4)], "qr received unrecognized mode 'x'"),
        (lambda m, x: m.linalg.matrix_norm(x), [(3,)], "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
        (lambda m, x: m.linalg.matrix_norm(x, ord=3), [(3, 3)], "linalg.matrix_norm: Order 3 not supported."),
        (lambda m, x: m.linalg.norm(x, ord=2), [(3, 3, 3)], "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
        (lambda m, x: m.linalg.norm(x, ord="fro"), [(3,)], "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
    ],
)
def test_matrix_function_errors(fn, shapes, match):
    check_error(fn, [zeros(*s) for s in shapes], RuntimeError, match)


def test_integer_inputs_are_rejected():
    for fn, op in [(lambda m, x: m.linalg.inv(x), "linalg.inv"), (lambda m, x: m.linalg.det(x), "linalg.det")]:
        check_error(fn, [np.eye(3, dtype=np.int64)], RuntimeError, f"{op}: Expected a floating point or complex tensor as input. Got Long")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.linalg.inv(x),
        lambda m, x: m.linalg.det(x),
        lambda m, x: m.linalg.svd(x),
        lambda m, x: m.linalg.cholesky(x),
        lambda m, x: m.linalg.eigh(x),
        lambda m, x: m.linalg.qr(x),
    ],
)
def test_half_precision_matrix_functions_are_refused(fn):
    check_error(fn, [np.eye(2, dtype=np.float16)], None, "Half")


def test_qr_backward_errors_like_torch():
    x = ember.randn(3, 2, dtype=ember.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        ember.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        ember.linalg.qr(x, mode="complete").Q.sum().backward()


# ---------------------------------------------------------------- trace, cross, triangular solves
@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: m.trace(x), [(3, 4)]),
        (lambda m, x: x.trace(), [(3, 3)]),
        (lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (2, 3)]),
        (lambda m, a, b: m.linalg.cross(a, b, dim=0), [(3, 2), (3, 1)]),
        (lambda m, a, b: m.cross(a, b, dim=1), [(2, 3), (1, 3)]),
        (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), [(3, 3), (3, 2)]),
        (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, unitriangular=True), [(2, 3, 3), (3, 2)]),
        (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False), [(3, 3), (2, 3)]),
        (lambda m, a, b: m.cholesky_solve(b, m.linalg.cholesky(spd(m, a))), [(3, 3), (3, 2)]),
        (lambda m, a, b: m.cholesky_solve(b, m.linalg.cholesky(spd(m, a), upper=True), upper=True), [(3, 3), (3, 2)]),
        (lambda m, a: m.linalg.cond(a), [(3, 3)]),
        (lambda m, a: m.linalg.cond(a, -2), [(2, 3, 3)]),
    ],
)
def test_more_matrix_functions_match_torch(fn, shapes):
    check(fn, shapes, dtype="float64", low=-1.0, high=1.0, atol=1e-7, rtol=1e-6)


def test_more_matrix_functions_without_torch_gradients():
    # torch's own backward fails on these (an in-place op on a saved inverse); compare values, gradcheck ember
    check(lambda m, a: m.cholesky_inverse(m.linalg.cholesky(spd(m, a))), [(3, 3)], dtype="float64", grad=False)
    check(lambda m, a: m.linalg.cond(a, "fro"), [(3, 3)], dtype="float64", grad=False)
    check(lambda m, a: m.linalg.matrix_rank(a), inputs=[np.ones((2, 3, 3))], grad=False)
    check(lambda m, a: m.linalg.matrix_rank(a, hermitian=False), [(4, 3)], grad=False)
    gradcheck(lambda m, a: m.cholesky_inverse(m.linalg.cholesky(spd(m, a))), [(3, 3)])
    gradcheck(lambda m, a: m.linalg.cond(a, "fro"), [(3, 3)])


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, x: x.trace(), [(3, 3)]),
        (lambda m, a, b: m.linalg.cross(a, b, dim=0), [(3, 2), (3, 1)]),
        (lambda m, a, b: m.linalg.solve_triangular(a + 3 * m.eye(3, dtype=a.dtype), b, upper=True), [(3, 3), (3, 2)]),
        (lambda m, a, b: m.linalg.solve_triangular(a + 3 * m.eye(3, dtype=a.dtype), b, upper=False, left=False), [(3, 3), (2, 3)]),
    ],
)
def test_more_matrix_functions_gradcheck(fn, shapes):
    gradcheck(fn, shapes)


def test_trace_and_cross_errors():
    check_error(lambda m, x: m.trace(x), [zeros(2, 2, 2)], RuntimeError, "trace: expected a matrix, but got tensor with dim 3")
    check_error(lambda m, a, b: m.linalg.cross(a, b), [zeros(2, 4), zeros(2, 4)], RuntimeError, "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4")
    check_error(lambda m, a, b: m.linalg.cross(a, b), [zeros(2, 3), zeros(3)], RuntimeError, "linalg.cross: inputs must have the same number of dimensions")


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(5, 3), (5, 2)]),
        (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(3, 5), (3, 2)]),
        (lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"), [(2, 5, 3), (2, 5, 2)]),
        (lambda m, a, b: m.linalg.lstsq(a, b, driver="gelss"), [(5, 3), (5,)]),
    ],
)
def test_lstsq_matches_torch(fn, shapes):
    check(fn, shapes, dtype="float64", atol=1e-7, rtol=1e-6)


def test_lstsq_default_driver_outputs_and_gradcheck():
    check(lambda m, a, b: m.linalg.lstsq(a, b), [(5, 3), (5, 2)], dtype="float64", grad=False)
    gradcheck(lambda m, a, b: m.linalg.lstsq(a, b).solution, [(4, 3), (4, 2)])


@pytest.mark.parametrize(
    "fn,shapes,dtype,kwargs",
    [
        (lambda m, a: m.linalg.matrix_exp(a), [(3, 3)], "float64", {"atol": 1e-9}),
        (lambda m, a: m.matrix_exp(a * 5), [(2, 3, 3)], "float32", {"atol": 1e-3}),
        (lambda m, a: a.matrix_exp(), [(4, 4)], "float64", {"low": -10, "high": 10, "rtol": 1e-8}),
    ],
)
def test_matrix_exp_matches_torch(fn, shapes, dtype, kwargs):
    check(fn, shapes, dtype=dtype, **kwargs)


def test_matrix_exp_gradcheck():
    gradcheck(lambda m, a: m.linalg.matrix_exp(a), [(2, 3, 3)])


@pytest.mark.parametrize(
    "module",
    [
        "ember.ops.reduction",
        "ember.ops.extrema",
        "ember.ops.cumulative",
        "ember.ops.sorting",
        "ember.ops.linalg",
        "ember.ops.einsum",
        "ember.ops.linalg_decompositions",
        "ember.ops.linalg_functions",
        "ember.linalg",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
