"""Matrix norms and functions built on the decompositions: matrix_norm, norm, cond,
matrix_rank, matrix_power, multi_dot, pinv, and the triangular solvers
(solve_triangular, cholesky_solve, cholesky_inverse).

They are compositions of differentiable ops (``svdvals``, ``inv``, ``matmul``) except
the triangular solve, a Function whose backward is two more triangular solves.

Example:
    >>> import ember
    >>> ember.linalg.matrix_norm(ember.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import constant, return_type, type_name
from ._util import bind_methods
from .elementwise import where
from .linalg import matmul
from .linalg_decompositions import (
    Svd,
    _check_matrix_input,
    _mT,
    _with_out,
    inv,
    svdvals,
)

__all__ = ["cholesky_inverse", "cholesky_solve", "matrix_exp", "matrix_power", "pinverse"]


# ------------------------------------------------------------------------- norms
def _abs(t: Tensor) -> Tensor:
    return t * constant(np.sign(t._array))


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc', 1, -1, 2, -2, inf or -inf.

    Example:
        >>> import ember
        >>> ember.linalg.matrix_norm(ember.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
        tensor(6.)
    """
    from .reduction import vector_norm

    a = A._array
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fV":
        raise RuntimeError(
            f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got {type_name(a.dtype)}"
        )
    d0, d1 = (d % a.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _with_out(vector_norm(A, 2, (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        rest = [d for d in range(a.ndim) if d not in (d0, d1)]
        values = svdvals(A.permute(rest + [d0, d1]))
        if ord == "nuc":
            result = values.sum(-1)
        else:
            result = values.amax(-1) if ord == 2 else values.amin(-1)
    elif ord in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum (sum over rows d0, then max over d1); inf: rows.
        summed, reduce_over = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = _abs(A).sum(summed, keepdim=True)
        result = sums.amax(reduce_over, keepdim=True) if ord > 0 else sums.amin(reduce_over, keepdim=True)
        result = result.squeeze((d0, d1)) if not keepdim else result
        return _with_out(result, out)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if keepdim:
        result = result.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return _with_out(result, out)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """A vector or matrix norm, chosen as torch does from ``ord`` and ``dim``.

    Example:
        >>> import ember
        >>> ember.linalg.norm(ember.tensor([[3.0, 0.0], [0.0, 4.0]]))
        tensor(5.)
    """
    from .reduction import vector_norm

    ndim = A._array.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
        if ndim not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {ndim}D."
            )
        dim = tuple(range(ndim))
    if len(dim) == 1 and not isinstance(ord, str):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if len(dim) == 1:  # 'fro' / 'nuc' need a matrix
        return matrix_norm(A, ord, (*dim, *dim), keepdim, dtype=dtype, out=out)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")


# ------------------------------------------------------------- products of matrices
def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse).

    Example:
        >>> import ember
        >>> ember.linalg.matrix_power(ember.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    a = A._array
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{a.shape[-2] if a.ndim >= 2 else 1} by {a.shape[-1] if a.ndim else 1} matrices"
        )
    if n == 0:  # the identity, still in the graph (with a zero gradient) as in torch
        eye = constant(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy())
        return _with_out(where(constant(np.ones(a.shape, bool)), eye, A), out)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:  # repeated squaring: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return _with_out(result, out)


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a chain of matrices; the first and last may be vectors.

    Example:
        >>> import ember
        >>> ember.linalg.multi_dot([ember.ones(3), ember.ones(3, 2), ember.ones(2)])
        tensor(6.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return _with_out(result, out)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Moore-Penrose pseudo-inverse via the SVD (small singular values are dropped).

    Example:
        >>> import ember
        >>> ember.linalg.pinv(ember.tensor([[2.0, 0.0], [0.0, 0.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    a = A._array
    _check_matrix_input(a, "linalg.pinv", square=False)
    u, s, vh = Svd.apply(A, full_matrices=False)
    largest = s._array.max(axis=-1, keepdims=True) if s._array.size else np.zeros(s._array.shape[:-1] + (1,))
    if rtol is None:
        rtol = 0.0 if atol is not None else max(a.shape[-2:]) * np.finfo(a.dtype).eps
    cutoff = np.maximum(atol or 0.0, rtol * largest)
    keep = s._array > cutoff
    safe = where(constant(keep), s, 1.0)
    inverse_s = where(constant(keep), 1.0 / safe, 0.0)
    return _with_out(matmul(_mT(vh) * inverse_s.unsqueeze(-2), _mT(u)), out)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: the pseudo-inverse, dropping singular values below ``rcond * max``.

    Example:
        >>> import ember
        >>> ember.pinverse(ember.tensor([[2.0, 0.0]]))
        tensor([[0.5000],
                [0.0000]])
    """
    return pinv(input, rtol=rcond)


# ------------------------------------------------------------ rank and condition
def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None, out=None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (int64).

    Example:
        >>> import ember
        >>> ember.linalg.matrix_rank(ember.ones(3, 3))
        tensor(1)
    """
    a = A._array
    _check_matrix_input(a, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    values = np.linalg.svd(a, compute_uv=False)
    largest = values.max(axis=-1, keepdims=True) if values.shape[-1] else np.zeros(values.shape[:-1] + (1,))
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else max(a.shape[-2:]) * np.finfo(a.dtype).eps
    cutoff = np.maximum(atol or 0.0, rtol * largest)
    return _with_out(Tensor._from_array(np.asarray((values > cutoff).sum(axis=-1), dtype=np.int64)), out)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """The condition number of ``A`` in the ``p`` norm (default 2: largest / smallest singular value).

    Example:
        >>> import ember
        >>> ember.linalg.cond(ember.tensor([[2.0, 0.0], [0.0, 0.5]]))
        tensor(4.)
    """
    _check_matrix_input(A._array, "linalg.cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        values = svdvals(A)
        high, low = values[..., 0], values[..., -1]
        return _with_out(high / low if p != -2 else low / high, out)
    return _with_out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


# ------------------------------------------------------------- matrix exponential
# Higham (2005): degree-13 Pade approximant with scaling and squaring.
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
    129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
    40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)
_THETA13 = 5.371920351148152


def _expm_arrays(a: np.ndarray) -> np.ndarray:
    """``exp(a)`` for a stack of matrices, each scaled by its own power of two."""
    work = a.astype(np.float64) if a.dtype != np.float64 else a
    norm = np.abs(work).sum(axis=-2).max(axis=-1) if work.size else np.zeros(work.shape[:-2])
    with np.errstate(divide="ignore"):
        squarings = np.maximum(0, np.ceil(np.log2(norm / _THETA13))).astype(np.int64)
    squarings = np.where(np.isfinite(norm), squarings, 0)
    scaled = work / (2.0 ** squarings)[..., None, None]
    b = _PADE13
    eye = np.eye(a.shape[-1])
    a2 = scaled @ scaled
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = scaled @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    result = np.linalg.solve(v - u, v + u)
    for i in range(int(squarings.max(initial=0))):  # square back, each matrix as often as it was scaled
        squared = result @ result
        result = np.where((squarings > i)[..., None, None], squared, result)
    return result.astype(a.dtype, copy=False)


class _UpperBlocks(Function):
    """``[[top_left, top_right], [0, bottom_right]]`` from three square blocks."""

    _array_forward = True
    _backward_name = "CatBackward0"

    @staticmethod
    def forward(ctx, top_left, top_right, bottom_right):
        n = top_left.shape[-1]
        ctx.n = n
        shape = np.broadcast_shapes(top_left.shape, top_right.shape, bottom_right.shape)
        out = np.zeros(shape[:-2] + (2 * n, 2 * n), top_left.dtype)
        out[..., :n, :n] = top_left
        out[..., :n, n:] = top_right
        out[..., n:, n:] = bottom_right
        return out

    @staticmethod
    def backward(ctx, grad):
        n = ctx.n
        return grad[..., :n, :n], grad[..., :n, n:], grad[..., n:, n:]


class MatrixExp(Function):
    _array_forward = True
    _backward_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm_arrays(a)

    @staticmethod
    def backward(ctx, grad):
        # The Frechet derivative in direction G is the top-right block of exp([[A, G], [0, A]]);
        # the gradient is that derivative for A^T.
        (a,) = ctx.saved_tensors
        n = a._array.shape[-1]
        a_t = _mT(a)
        return matrix_exp(_UpperBlocks.apply(a_t, grad, a_t))[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of a square matrix (or batch).

    Example:
        >>> import ember
        >>> ember.linalg.matrix_exp(ember.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    _check_matrix_input(A._array, "linalg.matrix_exp")
    return MatrixExp.apply(A)


# ----------------------------------------------------------------- least squares
LstsqResult = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B`` (minimum norm when underdetermined), via the SVD.

    Like torch's drivers, 'gelsd'/'gelss' also report singular values and (for tall
    full-rank ``A``) the squared residuals; the default 'gelsy' leaves those empty.

    Example:
        >>> import ember
        >>> a = ember.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> ember.linalg.lstsq(a, ember.tensor([[1.0], [1.0], [2.0]])).solution.round(decimals=4)
        tensor([[1.],
                [1.]])
    """
    a = A._array
    _check_matrix_input(a, "linalg.lstsq", square=False)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), but got {driver}")
    vector = B._array.ndim == a.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs._array.shape[-2] != a.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), but got {a.shape[-2]} and "
            f"{rhs._array.shape[-2]}"
        )
    m, n = a.shape[-2:]
    if rcond is None:
        rcond = max(m, n) * np.finfo(a.dtype).eps
    solution = matmul(pinv(A, rtol=rcond), rhs)
    values = np.linalg.svd(a, compute_uv=False)
    cutoff = rcond * (values.max(axis=-1, keepdims=True) if values.shape[-1] else 0)
    rank_arr = (values > cutoff).sum(axis=-1).astype(np.int64)
    empty = Tensor._from_array(np.empty((0,), a.dtype))
    rank = Tensor._from_array(np.asarray(rank_arr)) if driver != "gels" else Tensor._from_array(np.empty((0,), np.int64))
    singular_values = Tensor._from_array(values) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    if driver in ("gels", "gelsd", "gelss") and m > n and np.all(rank_arr == n):
        difference = matmul(A, solution) - rhs
        residuals = (difference * difference).sum(-2)
    if vector:
        solution = solution.squeeze(-1)
    return LstsqResult(solution, residuals, rank, singular_values)


# ------------------------------------------------------------ triangular solves
def _triangle(a, upper: bool, unit: bool):
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        tri[..., np.arange(n), np.arange(n)] = 1
    return tri


class SolveTriangular(Function):
    _array_forward = True
    _backward_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx, a, b, upper=False, unitriangular=False):
        ctx.upper, ctx.unit = upper, unitriangular
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                out = np.linalg.solve(_triangle(a, upper, unitriangular), b)
            except np.linalg.LinAlgError:  # a zero on the diagonal: torch returns inf/nan, no error
                tri = _triangle(a, upper, unitriangular).astype(np.float64)
                out = (np.linalg.pinv(tri) @ b * np.inf).astype(a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_b = SolveTriangular.apply(_mT(a), grad, upper=not ctx.upper, unitriangular=ctx.unit)
        grad_a = None
        if need_a:
            n = a._array.shape[-1]
            mask = np.triu(np.ones((n, n), bool), 1 if ctx.unit else 0)
            if not ctx.upper:
                mask = mask.T
            grad_a = -matmul(grad_b, _mT(x)) * constant(mask.astype(a._array.dtype))
        return grad_a, (grad_b if need_b else None)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False, out=None) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` with ``left=False``) reading only one triangle of ``A``.

    Example:
        >>> import ember
        >>> a = ember.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> ember.linalg.solve_triangular(a, ember.tensor([[2.0], [2.0]]), upper=False)
        tensor([[1.],
                [1.]])
    """
    _check_matrix_input(A._array, "linalg.solve_triangular")
    if B._array.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if not left:
        return _with_out(_mT(solve_triangular(_mT(A), _mT(B), upper=not upper, unitriangular=unitriangular)), out)
    if A._array.shape[-1] != B._array.shape[-2]:
        raise RuntimeError(
            "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
            f"({A._array.shape[-2]}x{A._array.shape[-1]} and {B._array.shape[-2]}x{B._array.shape[-1]})"
        )
    return _with_out(SolveTriangular.apply(A, B, upper=upper, unitriangular=unitriangular), out)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Solve ``A X = B`` given the Cholesky factor ``L`` of ``A`` (``upper``: ``A = U^T U``).

    Example:
        >>> import ember
        >>> L = ember.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]))
        >>> ember.cholesky_solve(ember.tensor([[4.0], [2.0]]), L)
        tensor([[1.],
                [0.]])
    """
    if upper:
        y = solve_triangular(_mT(L), B, upper=False)
        return _with_out(solve_triangular(L, y, upper=True), out)
    y = solve_triangular(L, B, upper=False)
    return _with_out(solve_triangular(_mT(L), y, upper=True), out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of ``A`` from its Cholesky factor.

    Example:
        >>> import ember
        >>> ember.cholesky_inverse(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 1.0000]])
    """
    n = L._array.shape[-1]
    eye = constant(np.broadcast_to(np.eye(n, dtype=L._array.dtype), L._array.shape).copy())
    return cholesky_solve(eye, L, upper, out=out)


# ------------------------------------------------------------ Tensor methods
bind_methods(
    matrix_exp=matrix_exp,
    pinverse=pinverse,
    matrix_power=matrix_power,
    cholesky_solve=cholesky_solve,
    cholesky_inverse=cholesky_inverse,
)
