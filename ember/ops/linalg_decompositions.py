"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, qr, svd, eigh,
and the matrix norms built on them.  All accept batches of matrices (``(..., n, n)``).

Each backward is written with ember ops on the saved outputs (``inv`` of the saved
inverse, ``solve`` with the transposed matrix, ...), so second derivatives work.
Failures on singular or indefinite input raise :class:`LinAlgError` (a RuntimeError,
as torch's) naming the op and, for batches, the batch element.

Example:
    >>> import ember
    >>> a = ember.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> ember.linalg.inv(a)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import constant, return_type, type_name
from ._util import bind_methods
from .elementwise import where
from .inplace import copy_into_out
from .linalg import matmul

# Top-level (torch.*) names.  torch.svd/qr/cholesky/slogdet are the older forms, exported
# from ember/__init__.py as the legacy_* functions below.
__all__ = ["det", "inverse", "logdet"]


class LinAlgError(RuntimeError):
    """A linear-algebra failure (singular matrix, not positive-definite), like torch's."""


SlogdetResult = return_type("slogdet", ("sign", "logabsdet"))
LinalgSlogdetResult = return_type("linalg_slogdet", ("sign", "logabsdet"))
QrResult = return_type("qr", ("Q", "R"))
LinalgQrResult = return_type("linalg_qr", ("Q", "R"))
SvdResult = return_type("svd", ("U", "S", "V"))
LinalgSvdResult = return_type("linalg_svd", ("U", "S", "Vh"))
EighResult = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
InvExResult = return_type("linalg_inv_ex", ("inverse", "info"))
CholeskyExResult = return_type("linalg_cholesky_ex", ("L", "info"))
SolveExResult = return_type("linalg_solve_ex", ("result", "info"))


def _with_out(result, out):
    if out is None:
        return result
    if isinstance(out, (tuple, list)):
        return type(result)(*(copy_into_out(o, r) for o, r in zip(out, result)))
    return copy_into_out(out, result)


def _mT(t: Tensor) -> Tensor:
    return t.transpose(-1, -2)


def _eye_like(n: int, t: Tensor) -> Tensor:
    return constant(np.eye(n, dtype=t._array.dtype))


# The LAPACK routine torch names when refusing half-precision input.
_KERNELS = {
    "linalg.det": "lu_cpu",
    "linalg.slogdet": "lu_cpu",
    "linalg.solve": "lu_cpu",
    "linalg.cholesky": "cholesky_cpu",
    "linalg.cholesky_ex": "cholesky_cpu",
    "linalg.qr": "geqrf_cpu",
    "linalg.svd": "linalg_svd_cpu",
    "linalg.svdvals": "linalg_svd_cpu",
    "linalg.pinv": "linalg_svd_cpu",
    "linalg.eigh": "linalg_eigh_cpu",
    "linalg.eigvalsh": "linalg_eigh_cpu",
}


def _check_matrix_input(a, op: str, square: bool = True) -> None:
    if a.dtype.kind not in "fV":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {type_name(a.dtype)}"
        )
    if a.dtype.itemsize < 4:  # LAPACK has no half precision
        if op in _KERNELS:
            raise NotImplementedError(f"\"{_KERNELS[op]}\" not implemented for '{type_name(a.dtype)}'")
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {type_name(a.dtype)}")
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} matrices"
        )


def _batch_prefix(shape, flat_index: int) -> str:
    return f"(Batch element {flat_index}): " if len(shape) > 2 else ""


def _first_zero_pivot(matrix: np.ndarray) -> int:
    """1-based column of the first zero pivot of LU with partial pivoting (LAPACK's ``info``)."""
    m = matrix.astype(np.float64, copy=True)
    n = m.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(m[k:, k])))
        if m[p, k] == 0:
            return k + 1
        m[[k, p]] = m[[p, k]]
        m[k + 1:, k:] -= np.outer(m[k + 1:, k] / m[k, k], m[k, k:])
    return n


def _singular_error(a: np.ndarray, op: str) -> LinAlgError:
    flat = a.reshape((-1,) + a.shape[-2:])
    for i, matrix in enumerate(flat):
        try:
            np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            pivot = _first_zero_pivot(matrix)
            return LinAlgError(
                f"{op}: {_batch_prefix(a.shape, i)}The diagonal element {pivot} is zero, the inversion could "
                "not be completed because the input matrix is singular."
            )
    return LinAlgError(f"{op}: the input matrix is singular.")


# --------------------------------------------------------------------------- inv
class Inv(Function):
    _array_forward = True
    _backward_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(a, "linalg.inv") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (inverse,) = ctx.saved_tensors
        inverse_t = _mT(inverse)
        return -matmul(matmul(inverse_t, grad), inverse_t)


def inv(A: Tensor, *, out=None) -> Tensor:
    """The inverse of a square matrix (or of each in a batch).

    Example:
        >>> import ember
        >>> ember.linalg.inv(ember.tensor([[4.0]]))
        tensor([[0.2500]])
    """
    _check_matrix_input(A._array, "linalg.inv")
    return _with_out(Inv.apply(A), out)


def inverse(input: Tensor, *, out=None) -> Tensor:
    """Alias of :func:`ember.linalg.inv`.

    Example:
        >>> import ember
        >>> ember.tensor([[2.0, 0.0], [0.0, 4.0]]).inverse()
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return inv(input, out=out)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)``; ``info`` is 0 where a matrix was invertible.

    Example:
        >>> import ember
        >>> ember.linalg.inv_ex(ember.eye(2)).info
        tensor(0, dtype=torch.int32)
    """
    _check_matrix_input(A._array, "linalg.inv_ex")
    a = A._array
    info = np.zeros(a.shape[:-2], np.int32)
    try:
        result = inv(A)
    except LinAlgError:
        if check_errors:
            raise
        flat_info = info.reshape(-1)
        for i, matrix in enumerate(a.reshape((-1,) + a.shape[-2:])):
            try:
                np.linalg.inv(matrix)
            except np.linalg.LinAlgError:
                flat_info[i] = _first_zero_pivot(matrix)
        result = Tensor._from_array(np.full(a.shape, np.nan, a.dtype))
    return _with_out(InvExResult(result, Tensor._from_array(info)), out)


# --------------------------------------------------------------------------- det
def _cofactor(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix (transposed adjugate), also for singular matrices, via SVD."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.broadcast_to(s[..., None, :], s.shape[:-1] + (n, n)).copy()
    idx = np.arange(n)
    others[..., idx, idx] = 1
    products = others.prod(axis=-1)  # product of all singular values but the i-th
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * products[..., None, :]) @ vh


class Det(Function):
    _array_forward = True
    _backward_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, determinant = ctx.saved_tensors
        arr = a._array
        scale = (grad * determinant).unsqueeze(-1).unsqueeze(-1)
        singular = determinant._array == 0
        if not singular.any():
            return scale * _mT(inv(a))
        # d det / dA is the cofactor matrix; det * inv(A)^T only where A is invertible.
        n = arr.shape[-1]
        mask = constant(np.broadcast_to(singular[..., None, None], arr.shape))
        safe = where(mask, _eye_like(n, a), a)
        regular = scale * _mT(inv(safe))
        cofactor = constant(_cofactor(arr.astype(np.float64)).astype(arr.dtype))
        return where(mask, grad.unsqueeze(-1).unsqueeze(-1) * cofactor, regular)


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of a square matrix (or of each in a batch).

    Example:
        >>> import ember
        >>> ember.linalg.det(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(-2.)
    """
    _check_matrix_input(A._array, "linalg.det")
    return _with_out(Det.apply(A), out)


class Slogdet(Function):
    _array_forward = True
    _backward_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.asarray(sign).astype(a.dtype), np.asarray(logabs).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad_sign, grad_logabs):
        (a,) = ctx.saved_tensors
        return grad_logabs.unsqueeze(-1).unsqueeze(-1) * _mT(inv(a))


def _slogdet(A: Tensor, op: str, result_type):
    _check_matrix_input(A._array, op)
    sign, logabs = Slogdet.apply(A)  # the sign is piecewise constant: its gradient is ignored
    return result_type(sign, logabs)


def slogdet(A: Tensor, *, out=None):
    """``(sign, log|det|)`` of a square matrix, stable where ``det`` under/overflows.

    Example:
        >>> import ember
        >>> ember.linalg.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 3.0]]))
        torch.return_types.linalg_slogdet(
        sign=tensor(-1.),
        logabsdet=tensor(1.7918))
    """
    return _with_out(_slogdet(A, "linalg.slogdet", LinalgSlogdetResult), out)


def legacy_slogdet(input: Tensor, *, out=None):
    """``torch.slogdet``: the same as :func:`ember.linalg.slogdet` under torch's old name.

    Example:
        >>> import ember
        >>> ember.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign
        tensor(-1.)
    """
    return _with_out(_slogdet(input, "linalg.slogdet", SlogdetResult), out)


def logdet(input: Tensor) -> Tensor:
    """``log(det(input))``: NaN for a negative determinant, ``-inf`` for zero.

    Example:
        >>> import ember
        >>> ember.logdet(ember.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor(1.7918)
    """
    sign, logabs = _slogdet(input, "linalg.slogdet", SlogdetResult)
    return where(constant(sign._array < 0), math.nan, logabs)


# ------------------------------------------------------------------------- solve
def _is_vector_rhs(a_shape, b_shape) -> bool:
    """torch's rule: B is a (batch of) vector(s) when 1-D, or shaped like A without its last dim."""
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and tuple(b_shape) == tuple(a_shape[:-1]))


class Solve(Function):
    _array_forward = True
    _backward_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, a, b, vector=False):
        ctx.vector = vector
        try:
            out = np.linalg.solve(a, b[..., None])[..., 0] if vector else np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "torch.linalg.solve: The solver failed because the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_b = Solve.apply(_mT(a), grad, vector=ctx.vector)
        grad_a = None
        if need_a:
            if ctx.vector:
                grad_a = -(grad_b.unsqueeze(-1) * x.unsqueeze(-2))
            else:
                grad_a = -matmul(grad_b, _mT(x))
        return grad_a, (grad_b if need_b else None)


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """The solution ``X`` of ``A X = B`` (or ``X A = B`` with ``left=False``).

    ``B`` may be a vector, a matrix or a batch of either; batch dims broadcast.

    Example:
        >>> import ember
        >>> ember.linalg.solve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]), ember.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    a, b = A._array, B._array
    _check_matrix_input(a, "linalg.solve")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{type_name(a.dtype)} and B of type {type_name(b.dtype)} instead"
        )
    if not left:
        return _with_out(_mT(solve(_mT(A), _mT(B))), out)
    vector = _is_vector_rhs(a.shape, b.shape)
    rows = b.shape[-1] if vector else (b.shape[-2] if b.ndim >= 2 else None)
    if rows != a.shape[-1]:
        b_dims = f"{b.shape[-1]}x1" if vector else f"{b.shape[-2]}x{b.shape[-1]}"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({a.shape[-2]}x{a.shape[-1]} and {b_dims})"
        )
    batch_b = b.shape[:-1] if vector else b.shape[:-2]
    try:
        np.broadcast_shapes(a.shape[:-2], batch_b)
    except ValueError:
        raise RuntimeError(
            f"linalg.solve: the batch dimensions of A {list(a.shape[:-2])} and B {list(batch_b)} can't be broadcast"
        ) from None
    return _with_out(Solve.apply(A, B, vector=vector), out)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """``(solution, info)``: :func:`solve` plus an int32 status (0: solved).

    Example:
        >>> import ember
        >>> ember.linalg.solve_ex(ember.eye(2), ember.ones(2)).info
        tensor(0, dtype=torch.int32)
    """
    result = solve(A, B, left=left)
    return _with_out(SolveExResult(result, Tensor._from_array(np.zeros(A._array.shape[:-2], np.int32))), out)


# ---------------------------------------------------------------------- cholesky
def _not_positive_definite(a: np.ndarray, op: str) -> LinAlgError:
    flat = a.reshape((-1,) + a.shape[-2:])
    for i, matrix in enumerate(flat):
        for order in range(1, matrix.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:order, :order])
            except np.linalg.LinAlgError:
                return LinAlgError(
                    f"{op}: {_batch_prefix(a.shape, i)}The factorization could not be completed because the "
                    f"input is not positive-definite (the leading minor of order {order} is not "
                    "positive-definite)."
                )
    return LinAlgError(f"{op}: The factorization could not be completed because the input is not positive-definite.")


class Cholesky(Function):
    _array_forward = True
    _backward_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, a, upper=False):
        ctx.upper = upper
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(a, "linalg.cholesky") from None
        out = np.ascontiguousarray(np.swapaxes(lower, -1, -2)) if upper else lower
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (factor,) = ctx.saved_tensors
        lower, grad_lower = (_mT(factor), _mT(grad)) if ctx.upper else (factor, grad)
        n = lower._array.shape[-1]
        # Phi: the lower triangle with the diagonal halved.
        phi = np.tril(np.ones((n, n), lower._array.dtype))
        np.fill_diagonal(phi, 0.5)
        p = matmul(_mT(lower), grad_lower) * constant(phi)
        # S = L^-T P L^-1, via two solves with L^T; the gradient is its symmetric part.
        lower_t = _mT(lower)
        y = solve(lower_t, p)
        s = _mT(solve(lower_t, _mT(y)))
        return 0.5 * (s + _mT(s))


class _CholeskyLegacy(Cholesky):
    _backward_name = "CholeskyBackward0"


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """The Cholesky factor ``L`` (``A = L L^T``) of a symmetric positive-definite matrix.

    Example:
        >>> import ember
        >>> ember.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    _check_matrix_input(A._array, "linalg.cholesky")
    return _with_out(Cholesky.apply(A, upper=upper), out)


def legacy_cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """``torch.cholesky`` (deprecated in torch): the factor, lower unless ``upper``.

    Example:
        >>> import ember
        >>> ember.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]), upper=True)
        tensor([[2., 1.],
                [0., 1.]])
    """
    _check_matrix_input(input._array, "linalg.cholesky")
    return _with_out(_CholeskyLegacy.apply(input, upper=upper), out)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """``(L, info)``; ``info`` is the order of the first non-positive-definite minor, or 0.

    Example:
        >>> import ember
        >>> ember.linalg.cholesky_ex(ember.tensor([[1.0, 0.0], [0.0, -1.0]])).info
        tensor(2, dtype=torch.int32)
    """
    _check_matrix_input(A._array, "linalg.cholesky_ex")
    try:
        factor = Cholesky.apply(A, upper=upper)
        info = np.zeros(A._array.shape[:-2], np.int32)
    except LinAlgError:
        if check_errors:
            raise
        a = A._array
        info = np.zeros(a.shape[:-2], np.int32)
        flat = info.reshape(-1)
        for i, matrix in enumerate(a.reshape((-1,) + a.shape[-2:])):
            for order in range(1, matrix.shape[-1] + 1):
                try:
                    np.linalg.cholesky(matrix[:order, :order])
                except np.linalg.LinAlgError:
                    flat[i] = order
                    break
        factor = Tensor._from_array(np.full(a.shape, np.nan, a.dtype))
    return _with_out(CholeskyExResult(factor, Tensor._from_array(info)), out)


# ---------------------------------------------------------------------------- qr
class _ConcatLast(Function):
    """Concatenate two tensors along the last dim (the wide-QR gradient needs it)."""

    _array_forward = True
    _backward_name = "CatBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.split = a.shape[-1]
        return np.concatenate([a, b], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        k = ctx.split
        return grad[..., :k], grad[..., k:]


class Qr(Function):
    _array_forward = True
    _backward_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        ctx.mode = mode
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            ctx.save_for_backward(a, None, None)
            return np.empty((0,), a.dtype), np.asarray(r)
        q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        a, q, r = ctx.saved_tensors
        m, n = a._array.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(q, r, grad_q, grad_r)
        # Wide: A = Q [R1 R2] with X = A[:, :m] = Q R1 and R2 = Q^T A[:, m:].
        y = a[..., :, m:]
        grad_r1, grad_r2 = grad_r[..., :, :m], grad_r[..., :, m:]
        grad_x = _qr_backward_tall(q, r[..., :, :m], grad_q + matmul(y, _mT(grad_r2)), grad_r1)
        return _ConcatLast.apply(grad_x, matmul(q, grad_r2))


def _qr_backward_tall(q, r, grad_q, grad_r):
    """Gradient of ``A = QR`` for ``m >= n``: ``(gQ + Q copyltu(M)) R^-T``, ``M = R gR^T - gQ^T Q``."""
    n = r._array.shape[-1]
    m_mat = matmul(r, _mT(grad_r)) - matmul(_mT(grad_q), q)
    strictly_lower = constant(np.tril(np.ones((n, n), m_mat._array.dtype), -1))
    diagonal = _eye_like(n, m_mat)
    low = m_mat * strictly_lower
    copyltu = low + _mT(low) + m_mat * diagonal
    b = grad_q + matmul(q, copyltu)
    return _mT(solve(r, _mT(b)))


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """QR decomposition ``A = Q R`` (``mode``: 'reduced', 'complete' or 'r').

    Example:
        >>> import ember
        >>> q, r = ember.linalg.qr(ember.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> (q @ r).round(decimals=4)
        tensor([[3., 1.],
                [4., 2.]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    _check_matrix_input(A._array, "linalg.qr", square=False)
    return _with_out(LinalgQrResult(*Qr.apply(A, mode=mode)), out)


def legacy_qr(input: Tensor, some: bool = True, *, out=None):
    """``torch.qr`` (deprecated in torch): ``some=False`` is mode 'complete'.

    Example:
        >>> import ember
        >>> ember.qr(ember.ones(3, 2), some=False).Q.shape
        torch.Size([3, 3])
    """
    _check_matrix_input(input._array, "linalg.qr", square=False)
    return _with_out(QrResult(*Qr.apply(input, mode="reduced" if some else "complete")), out)


# --------------------------------------------------------------------------- svd
class Svd(Function):
    _array_forward = True
    _backward_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a, full_matrices=True):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        k = s._array.shape[-1]
        # With full_matrices=True only the first k singular vectors carry information.
        if u._array.shape[-1] != k:
            u, grad_u = u[..., :, :k], grad_u[..., :, :k]
        if vh._array.shape[-2] != k:
            vh, grad_vh = vh[..., :k, :], grad_vh[..., :k, :]
        return _svd_backward(u, s, vh, grad_u, grad_s, grad_vh)


def _is_zero_constant(t: Tensor) -> bool:
    return not t._requires_grad and not t._array.any()


def _svd_backward(u, s, vh, grad_u, grad_s, grad_vh):
    """Gradient of ``A = U diag(S) Vh`` (real, distinct nonzero singular values).

    ``gA = U [skew(U^T gU)/E S + S skew(V^T gV)/E + diag(gS)] Vh`` plus the parts of
    gU, gV outside the column spaces of U, V; ``E_jk = s_k^2 - s_j^2`` (1 on the diagonal).
    """
    m, n = u._array.shape[-2], vh._array.shape[-1]
    k = s._array.shape[-1]
    inner = grad_s.unsqueeze(-1) * _eye_like(k, s)
    skip_u = _is_zero_constant(grad_u)
    skip_v = _is_zero_constant(grad_vh)
    if skip_u and skip_v:
        return matmul(u * grad_s.unsqueeze(-2), vh)
    v, grad_v = _mT(vh), _mT(grad_vh)
    s_sq = s * s
    e = s_sq.unsqueeze(-2) - s_sq.unsqueeze(-1) + _eye_like(k, s)
    s_col, s_row = s.unsqueeze(-2), s.unsqueeze(-1)
    if not skip_u:
        uhgu = matmul(_mT(u), grad_u)
        inner = inner + (uhgu - _mT(uhgu)) / e * s_col
    if not skip_v:
        vhgv = matmul(_mT(v), grad_v)
        inner = inner + s_row * (vhgv - _mT(vhgv)) / e
    result = matmul(matmul(u, inner), vh)
    if not skip_u and m > k:
        result = result + matmul((grad_u - matmul(u, matmul(_mT(u), grad_u))) / s_col, vh)
    if not skip_v and n > k:
        result = result + matmul(u, _mT((grad_v - matmul(v, matmul(_mT(v), grad_v))) / s_col))
    return result


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` (singular values descending).

    Example:
        >>> import ember
        >>> ember.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, -2.0]])).S
        tensor([3., 2.])
    """
    _check_matrix_input(A._array, "linalg.svd", square=False)
    return _with_out(LinalgSvdResult(*Svd.apply(A, full_matrices=full_matrices)), out)


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values, descending.

    Example:
        >>> import ember
        >>> ember.linalg.svdvals(ember.tensor([[0.0, 2.0], [1.0, 0.0]]))
        tensor([2., 1.])
    """
    _check_matrix_input(A._array, "linalg.svdvals", square=False)
    return _with_out(Svd.apply(A, full_matrices=False)[1], out)


def legacy_svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: returns ``V`` (not ``Vh``); ``some=False`` gives full matrices.

    Example:
        >>> import ember
        >>> ember.svd(ember.tensor([[0.0, 2.0], [1.0, 0.0]])).S
        tensor([2., 1.])
    """
    _check_matrix_input(input._array, "linalg.svd", square=False)
    u, s, vh = Svd.apply(input, full_matrices=not some)
    if not compute_uv:
        u, vh = u.detach() * 0, vh.detach() * 0
    return _with_out(SvdResult(u, s, _mT(vh)), out)


# -------------------------------------------------------------------------- eigh
class Eigh(Function):
    _array_forward = True
    _backward_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, a, uplo="L"):
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        n = values._array.shape[-1]
        inner = grad_values.unsqueeze(-1) * _eye_like(n, values)
        if not _is_zero_constant(grad_vectors):
            gap = values.unsqueeze(-2) - values.unsqueeze(-1) + _eye_like(n, values)
            off_diagonal = constant(1.0 - np.eye(n, dtype=values._array.dtype))
            inner = inner + matmul(_mT(vectors), grad_vectors) / gap * off_diagonal
        result = matmul(matmul(vectors, inner), _mT(vectors))
        return 0.5 * (result + _mT(result))


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (reads one triangle).

    Example:
        >>> import ember
        >>> ember.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
        tensor([1., 2.])
    """
    _check_matrix_input(A._array, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _with_out(EighResult(*Eigh.apply(A, uplo=UPLO)), out)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues (ascending) of a symmetric matrix.

    Example:
        >>> import ember
        >>> ember.linalg.eigvalsh(ember.tensor([[2.0, 1.0], [1.0, 2.0]]))
        tensor([1., 3.])
    """
    _check_matrix_input(A._array, "linalg.eigvalsh")
    return _with_out(Eigh.apply(A, uplo=UPLO)[0], out)


# ------------------------------------------------------------ Tensor methods
bind_methods(
    inverse=inverse,
    det=lambda self: det(self),
    logdet=logdet,
    slogdet=legacy_slogdet,
    cholesky=legacy_cholesky,
    qr=legacy_qr,
    svd=legacy_svd,
)
