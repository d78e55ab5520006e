"""LU with partial pivoting and what is built on it: ``linalg.lu_factor`` / ``lu_factor_ex``,
``linalg.lu``, ``linalg.lu_solve``, the older ``torch.lu`` / ``lu_unpack`` / ``lu_solve``,
the symmetric-indefinite ``linalg.ldl_factor`` / ``ldl_solve``, and the deprecated
``torch.triangular_solve``.

The factorization is Gaussian elimination with partial pivoting (LAPACK's getrf: the
pivot is the first entry of largest magnitude in its column), run for a whole batch at
once with a Python loop over the columns only.  Pivots are torch's: 1-based int32 row
swaps, applied in order.  Gradients are written with ember ops (triangular solves,
``tril``/``triu``, matmul with the permutation), so second derivatives work too.

Example:
    >>> import ember
    >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> pivots
    tensor([2, 2], dtype=torch.int32)
    >>> ember.linalg.lu_solve(LU, pivots, ember.tensor([[5.0], [11.0]]))
    tensor([[1.],
            [2.]])
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import constant, return_type, type_name
from ._util import bind_methods
from .joining import cat
from .linalg import matmul
from .linalg_decompositions import LinAlgError, _batch_prefix, _mT, _with_out
from .linalg_functions import solve_triangular
from .rearrange import tril, triu

__all__ = ["lu_unpack"]

LuFactorResult = return_type("linalg_lu_factor", ("LU", "pivots"))
LuFactorExResult = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
LuResult = return_type("linalg_lu", ("P", "L", "U"))
LuUnpackResult = return_type("lu_unpack", ("P", "L", "U"))
LuWithInfoResult = return_type("_lu_with_info", ("LU", "pivots", "info"))
TriangularSolveResult = return_type("triangular_solve", ("solution", "cloned_coefficient"))
LdlFactorResult = return_type("linalg_ldl_factor", ("LD", "pivots"))
LdlFactorExResult = return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))


# ------------------------------------------------------------------ input checks
def _check_lu_input(a: np.ndarray, op: str) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: {list(a.shape)} instead")
    if a.dtype.kind not in "fV" or a.dtype.itemsize < 4:
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{type_name(a.dtype)}'")


def _check_pivot(pivot: bool, op: str) -> None:
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


# ---------------------------------------------------------- the factorization
def _lu_arrays(a: np.ndarray):
    """``(LU, pivots, info)`` of a stack of ``m x n`` matrices, as LAPACK's getrf gives them.

    One elimination step per column, vectorized over the batch.  A column whose pivot is
    zero is left as it is (its multipliers stay zero) and the first such column, 1-based,
    is the matrix's ``info``.
    """
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    count = int(np.prod(batch, dtype=np.int64))
    lu = a.reshape((count, m, n)).copy()
    pivots = np.empty((count, k), np.int32)
    info = np.zeros(count, np.int32)
    items = np.arange(count)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        row_j = lu[items, j].copy()
        lu[items, j] = lu[items, p]
        lu[items, p] = row_j
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        # A zero pivot means a zero column below it: dividing by 1 leaves it zero.
        lu[:, j + 1:, j] /= np.where(zero, 1, pivot)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def _permutation_arrays(pivots: np.ndarray, m: int, dtype) -> np.ndarray:
    """The matrix ``P`` (``A = P L U``) of 1-based sequential row swaps ``pivots``."""
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    count = int(np.prod(batch, dtype=np.int64))
    swaps = pivots.reshape(count, k).astype(np.int64) - 1
    if count and k and (swaps.min() < 0 or swaps.max() >= m):
        raise RuntimeError(
            "torch.lu_unpack: pivots out of range: each pivot must be between 1 and the number of rows "
            f"({m}) of LU_data"
        )
    order = np.tile(np.arange(m), (count, 1))  # row i of P^T A is row order[i] of A
    items = np.arange(count)
    for j in range(k):
        target = swaps[:, j]
        held = order[items, j].copy()
        order[items, j] = order[items, target]
        order[items, target] = held
    p = np.zeros((count, m, m), dtype)
    p[items[:, None], order, np.arange(m)[None, :]] = 1
    return p.reshape(batch + (m, m))


def _unpack_arrays(lu: np.ndarray):
    """``L`` (unit lower, ``m x k``) and ``U`` (upper, ``k x n``) from the packed LU."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    lower = np.tril(lu[..., :, :k], -1)
    lower[..., np.arange(k), np.arange(k)] = 1
    return lower, np.triu(lu[..., :k, :])


# -------------------------------------------------------------- the backward
def _lu_backward(p: Tensor, lower: Tensor, upper: Tensor, grad_lower, grad_upper) -> Tensor:
    """Gradient of ``A = P L U`` from the gradients of ``L`` (``m x k``) and ``U`` (``k x n``).

    Square: ``gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T``.  A wide matrix also
    has the block ``U2 = L^-1 P^T A2``, a tall one ``L2 = (P^T A)2 U^-1``; their terms are
    folded into the square formula.  Only the triangles of ``gL``/``gU`` that ``L``/``U``
    can move in matter.
    """
    m, k = lower._array.shape[-2:]
    n = upper._array.shape[-1]
    if m == n:
        inner = tril(matmul(_mT(lower), grad_lower), -1) + triu(matmul(grad_upper, _mT(upper)))
        left = solve_triangular(_mT(lower), inner, upper=True, unitriangular=True)
        return matmul(p, solve_triangular(_mT(upper), left, upper=False, left=False))
    if m < n:  # wide: U = [U1 U2], k == m
        upper1, upper2 = upper[..., :, :m], upper[..., :, m:]
        grad_upper1, grad_upper2 = grad_upper[..., :, :m], grad_upper[..., :, m:]
        inner = tril(matmul(_mT(lower), grad_lower) - matmul(grad_upper2, _mT(upper2)), -1) + triu(
            matmul(grad_upper1, _mT(upper1))
        )
        right = cat([solve_triangular(_mT(upper1), inner, upper=False, left=False), grad_upper2], -1)
        return matmul(p, solve_triangular(_mT(lower), right, upper=True, unitriangular=True))
    # tall: L = [L1; L2], k == n
    lower1, lower2 = lower[..., :n, :], lower[..., n:, :]
    grad_lower1, grad_lower2 = grad_lower[..., :n, :], grad_lower[..., n:, :]
    inner = tril(matmul(_mT(lower1), grad_lower1), -1) + triu(
        matmul(grad_upper, _mT(upper)) - matmul(_mT(lower2), grad_lower2)
    )
    top = solve_triangular(_mT(lower1), inner, upper=True, unitriangular=True)
    stacked = cat([top, grad_lower2], -2)
    return matmul(p, solve_triangular(_mT(upper), stacked, upper=False, left=False))


def _zero_if_none(grad, like: Tensor):
    return grad if grad is not None else constant(np.zeros(like._array.shape, like._array.dtype))


class LuFactor(Function):
    _array_forward = True
    _backward_name = "LinalgLuFactorExBackward0"

    @staticmethod
    def forward(ctx, a):
        lu, pivots, info = _lu_arrays(a)
        ctx.save_for_backward(lu, pivots)
        return lu, pivots, info

    @staticmethod
    def backward(ctx, grad_lu, *unused):
        lu, pivots = ctx.saved_tensors
        m, n = lu._array.shape[-2:]
        k = min(m, n)
        grad_lu = _zero_if_none(grad_lu, lu)
        eye = constant(np.eye(m, k, dtype=lu._array.dtype))
        lower = tril(lu[..., :, :k], -1) + eye
        upper = triu(lu[..., :k, :])
        p = constant(_permutation_arrays(pivots._array, m, lu._array.dtype))
        return _lu_backward(p, lower, upper, tril(grad_lu[..., :, :k], -1), triu(grad_lu[..., :k, :]))


class Lu(Function):
    _array_forward = True
    _backward_name = "LinalgLuBackward0"

    @staticmethod
    def forward(ctx, a):
        lu, pivots, _ = _lu_arrays(a)
        p = _permutation_arrays(pivots, a.shape[-2], a.dtype)
        lower, upper = _unpack_arrays(lu)
        ctx.mark_non_differentiable(p)
        ctx.save_for_backward(p, lower, upper)
        return p, lower, upper

    @staticmethod
    def backward(ctx, grad_p, grad_lower, grad_upper):
        p, lower, upper = ctx.saved_tensors
        return _lu_backward(p.detach(), lower, upper, _zero_if_none(grad_lower, lower), _zero_if_none(grad_upper, upper))


def _singular_lu_error(info: np.ndarray, op: str) -> LinAlgError:
    flat = info.reshape(-1)
    index = int(np.flatnonzero(flat)[0])
    column = int(flat[index])
    return LinAlgError(
        f"{op}: {_batch_prefix(info.shape + (0, 0), index)}U[{column},{column}] is zero and using it on lu_solve "
        "would result in a division by zero. If you still want to perform the factorization, consider calling "
        "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """``(LU, pivots, info)``: the packed LU factorization ``A = P L U`` with partial pivoting.

    ``LU`` holds ``U`` on and above the diagonal and ``L``'s multipliers below it;
    ``pivots`` are 1-based int32 row swaps; ``info`` is the first zero pivot (0: none).

    Example:
        >>> import ember
        >>> ember.linalg.lu_factor_ex(ember.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=torch.int32)
    """
    _check_lu_input(A._array, "linalg.lu_factor_ex")
    _check_pivot(pivot, "linalg.lu_factor")
    lu, pivots, info = LuFactor.apply(A)
    if check_errors and info._array.any():
        raise _singular_lu_error(info._array, "torch.linalg.lu_factor_ex")
    return _with_out(LuFactorExResult(lu, pivots, info), out)


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """``(LU, pivots)`` of ``A = P L U``; raises if some ``U`` has a zero on its diagonal.

    Example:
        >>> import ember
        >>> ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]])).LU
        tensor([[3.0000, 4.0000],
                [0.3333, 0.6667]])
    """
    _check_lu_input(A._array, "linalg.lu_factor")
    _check_pivot(pivot, "linalg.lu_factor")
    lu, pivots, info = LuFactor.apply(A)
    if info._array.any():
        raise _singular_lu_error(info._array, "torch.linalg.lu_factor")
    return _with_out(LuFactorResult(lu, pivots), out)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """``(P, L, U)`` with ``A = P L U``: a permutation, unit lower and upper triangular factors.

    Example:
        >>> import ember
        >>> ember.linalg.lu(ember.tensor([[0.0, 1.0], [1.0, 0.0]])).P
        tensor([[0., 1.],
                [1., 0.]])
    """
    _check_lu_input(A._array, "linalg.lu")
    _check_pivot(pivot, "linalg.lu_factor")
    return _with_out(LuResult(*Lu.apply(A)), out)


def legacy_lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """``torch.lu`` (deprecated in torch): ``(LU, pivots)``, plus ``infos`` with ``get_infos``.

    Example:
        >>> import ember
        >>> ember.lu(ember.tensor([[1.0, 2.0], [2.0, 4.0]]), get_infos=True).info
        tensor(2, dtype=torch.int32)
    """
    _check_lu_input(A._array, "torch.lu")
    _check_pivot(pivot, "linalg.lu_factor")
    lu_data, pivots, info = LuFactor.apply(A)
    if get_infos:
        return _with_out(LuWithInfoResult(lu_data, pivots, info), out)
    return tuple(_with_out(LuFactorResult(lu_data, pivots), out))


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):
    """``(P, L, U)`` from :func:`ember.linalg.lu_factor`'s packed result.

    With ``unpack_data=False`` (``unpack_pivots=False``) ``L`` and ``U`` (``P``) are empty.

    Example:
        >>> import ember
        >>> LU, piv = ember.linalg.lu_factor(ember.tensor([[0.0, 1.0], [1.0, 0.0]]))
        >>> ember.lu_unpack(LU, piv).P
        tensor([[0., 1.],
                [1., 0.]])
    """
    lu_arr, piv = LU_data._array, LU_pivots._array
    if lu_arr.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {list(lu_arr.shape)} instead"
        )
    if piv.dtype != np.int32:
        raise RuntimeError(
            "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
            "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
        )
    m, n = lu_arr.shape[-2:]
    k = min(m, n)
    empty = Tensor._from_array(np.empty((0,), lu_arr.dtype))
    lower = upper = empty
    if unpack_data:
        eye = constant(np.eye(m, k, dtype=lu_arr.dtype))
        lower = tril(LU_data[..., :, :k], -1) + eye
        upper = triu(LU_data[..., :k, :])
    p = empty
    if unpack_pivots:
        batch = np.broadcast_shapes(lu_arr.shape[:-2], piv.shape[:-1])
        piv = np.broadcast_to(piv, batch + piv.shape[-1:])
        p = Tensor._from_array(_permutation_arrays(piv, m, lu_arr.dtype))
    return _with_out(LuUnpackResult(p, lower, upper), out)


# ------------------------------------------------------------------- lu_solve
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:
    """Solve ``A X = B`` given ``A``'s :func:`lu_factor` (``adjoint``: ``A^T X = B``;
    ``left=False``: ``X A = B``).  Batch dims broadcast.

    Example:
        >>> import ember
        >>> LU, piv = ember.linalg.lu_factor(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        >>> ember.linalg.lu_solve(LU, piv, ember.tensor([[2.0], [4.0]]))
        tensor([[1.],
                [1.]])
    """
    lu_arr, piv, b = LU._array, pivots._array, B._array
    if lu_arr.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor LU must have at least 2 dimensions.")
    if lu_arr.shape[-1] != lu_arr.shape[-2]:
        raise RuntimeError(
            "torch.linalg.lu_solve: A must be batches of square matrices, but they are "
            f"{lu_arr.shape[-2]} by {lu_arr.shape[-1]} matrices"
        )
    if b.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = lu_arr.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
            f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})"
        )
    if piv.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if b.dtype != lu_arr.dtype:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
            f"{type_name(lu_arr.dtype)} and B of type {type_name(b.dtype)} instead"
        )
    if piv.shape[-1:] != (n,) or piv.shape[:-1] != lu_arr.shape[:-2]:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(piv.shape)} instead"
        )
    p = constant(_permutation_arrays(piv, n, lu_arr.dtype))
    lu_t = _mT(LU)
    if left and not adjoint:  # X = U^-1 L^-1 P^T B
        y = solve_triangular(LU, matmul(_mT(p), B), upper=False, unitriangular=True)
        result = solve_triangular(LU, y, upper=True)
    elif left:  # A^T X = B: X = P L^-T U^-T B
        y = solve_triangular(lu_t, B, upper=False)
        result = matmul(p, solve_triangular(lu_t, y, upper=True, unitriangular=True))
    elif not adjoint:  # X A = B: X = B U^-1 L^-1 P^T
        y = solve_triangular(LU, B, upper=True, left=False)
        result = matmul(solve_triangular(LU, y, upper=False, unitriangular=True, left=False), _mT(p))
    else:  # X A^T = B: X = B P L^-T U^-T
        y = solve_triangular(lu_t, matmul(B, p), upper=True, unitriangular=True, left=False)
        result = solve_triangular(lu_t, y, upper=False, left=False)
    return _with_out(result, out)


def legacy_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """``torch.lu_solve`` (deprecated in torch): :func:`lu_solve` with ``b`` first.

    Example:
        >>> import ember
        >>> LU, piv = ember.linalg.lu_factor(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        >>> ember.lu_solve(ember.tensor([[2.0], [4.0]]), LU, piv)
        tensor([[1.],
                [1.]])
    """
    return lu_solve(LU_data, LU_pivots, b, out=out)


# ---------------------------------------------------------- triangular_solve
def triangular_solve(
    input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False, *, out=None
):
    """``torch.triangular_solve`` (deprecated in torch): ``(solution, cloned_coefficient)``
    of ``A X = input`` (``A^T X = input`` with ``transpose``), reading one triangle of ``A``.

    Example:
        >>> import ember
        >>> a = ember.tensor([[2.0, 1.0], [0.0, 1.0]])
        >>> ember.triangular_solve(ember.tensor([[3.0], [1.0]]), a).solution
        tensor([[1.],
                [1.]])
    """
    b, a = input._array, A._array
    if b.ndim < 2:
        raise RuntimeError(
            f"torch.triangular_solve: Expected b to have at least 2 dimensions, but it has {b.ndim} dimensions instead"
        )
    if a.ndim < 2:
        raise RuntimeError(
            f"torch.triangular_solve: Expected A to have at least 2 dimensions, but it has {a.ndim} dimensions instead"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_name(b.dtype)} and A of type "
            f"{type_name(a.dtype)} instead."
        )
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} matrices")
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"Incompatible matrix sizes for triangular_solve: each A matrix is {a.shape[-1]} by {a.shape[-1]} but "
            f"each b matrix is {b.shape[-2]} by {b.shape[-1]}"
        )
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    coefficient = A.expand(*batch, *a.shape[-2:]).clone()
    if transpose:
        solution = solve_triangular(_mT(A), input, upper=not upper, unitriangular=unitriangular)
    else:
        solution = solve_triangular(A, input, upper=upper, unitriangular=unitriangular)
    solution = solution.expand(*batch, *solution.shape[-2:])
    return _with_out(TriangularSolveResult(solution, coefficient), out)


# ------------------------------------------------------------ Tensor methods
bind_methods(
    lu=lambda self, pivot=True, get_infos=False: legacy_lu(self, pivot, get_infos),
    lu_solve=lambda self, LU_data, LU_pivots: legacy_lu_solve(self, LU_data, LU_pivots),
    triangular_solve=lambda self, A, upper=True, transpose=False, unitriangular=False: triangular_solve(
        self, A, upper, transpose, unitriangular
    ),
)


# ------------------------------------------------------------------------- LDL
# Bunch-Kaufman diagonal pivoting (LAPACK's sytf2, lower triangle), run for a whole batch
# at once: every matrix has its own column pointer, since 2x2 pivot blocks move them at
# different speeds; each pass of the loop does one pivot step for every unfinished matrix.
_BUNCH_KAUFMAN_ALPHA = (1.0 + 17.0**0.5) / 8.0


def _symmetric_swap(w: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Swap rows and columns ``first[b]`` and ``second[b]`` of each matrix ``w[b]``."""
    count, n = w.shape[0], w.shape[-1]
    items = np.arange(count)
    perm = np.tile(np.arange(n), (count, 1))
    perm[items, first] = second
    perm[items, second] = first
    w = np.take_along_axis(w, perm[:, :, None], 1)
    return np.take_along_axis(w, perm[:, None, :], 2)


def _symmetric_part_of_lower(m: np.ndarray) -> np.ndarray:
    lower = np.tril(m)
    return lower + np.swapaxes(np.tril(lower, -1), -1, -2)


def _ldl_arrays(a: np.ndarray):
    """``(LD, pivots, info)`` of LAPACK's sytrf (lower) for a stack of symmetric matrices."""
    batch, n = a.shape[:-2], a.shape[-1]
    count = int(np.prod(batch, dtype=np.int64))
    w = _symmetric_part_of_lower(a.reshape(count, n, n))  # only the lower triangle is read
    ld = np.zeros_like(w)
    pivots = np.zeros((count, n), np.int32)
    info = np.zeros(count, np.int32)
    k = np.zeros(count, np.int64)
    items, idx = np.arange(count), np.arange(n)
    alpha = _BUNCH_KAUFMAN_ALPHA
    with np.errstate(divide="ignore", invalid="ignore"):
        while count and n and (k < n).any():
            active = k < n
            kc = np.minimum(k, n - 1)
            absakk = np.abs(w[items, kc, kc])
            column = np.where(idx[None, :] > kc[:, None], np.abs(w[items, :, kc]), -1.0)
            imax = np.argmax(column, axis=1)
            colmax = np.maximum(column[items, imax], 0.0)
            row = np.where((idx[None, :] >= kc[:, None]) & (idx[None, :] != imax[:, None]), np.abs(w[items, imax, :]), -1.0)
            rowmax = row.max(axis=1)
            zero = (np.maximum(absakk, colmax) == 0) | np.isnan(absakk)
            no_swap = zero | (absakk >= alpha * colmax) | (absakk >= alpha * colmax * (colmax / rowmax))
            one_with_swap = ~no_swap & (np.abs(w[items, imax, imax]) >= alpha * rowmax)
            two = active & ~no_swap & ~one_with_swap
            kp = np.where(no_swap, kc, imax)
            kk = kc + two
            info[active & zero & (info == 0)] = (kc + 1)[active & zero & (info == 0)]
            w = np.where(active[:, None, None], _symmetric_swap(w, kk, kp), w)
            # 1x1 pivot: L column x / d, trailing update x x^T / d.
            d = w[items, kc, kc]
            below = idx[None, :] > kc[:, None]
            x = np.where(below, w[items, :, kc], 0.0)
            d_inverse = np.where(zero, 0.0, 1.0 / d)
            column_one = x * d_inverse[:, None]
            update_one = d_inverse[:, None, None] * x[:, :, None] * x[:, None, :]
            # 2x2 pivot [[a, b], [b, c]], in LAPACK's scaled form.
            k1 = np.minimum(kc + 1, n - 1)
            b = w[items, k1, kc]
            d11, d22 = w[items, k1, k1] / b, d / b
            d21 = (1.0 / (d11 * d22 - 1.0)) / b
            below2 = idx[None, :] > k1[:, None]
            xk = np.where(below2, w[items, :, kc], 0.0)
            xk1 = np.where(below2, w[items, :, k1], 0.0)
            wk = d21[:, None] * (d11[:, None] * xk - xk1)
            wkp1 = d21[:, None] * (d22[:, None] * xk1 - xk)
            update_two = xk[:, :, None] * wk[:, None, :] + xk1[:, :, None] * wkp1[:, None, :]
            one = active & ~two
            update = np.where(two[:, None, None], np.nan_to_num(update_two), update_one)
            w = np.where(active[:, None, None], w - _symmetric_part_of_lower(update), w)
            first_column = np.where(two[:, None], wk, column_one)
            first_column[items, kc] = d
            first_column[two, k1[two]] = b[two]
            ld[items[active], :, kc[active]] = first_column[active]
            second = np.where(below2, wkp1, 0.0)
            second[items, k1] = w[items, k1, k1]  # c, untouched by this step's update
            ld[items[two], :, k1[two]] = second[two]
            pivots[items[one], kc[one]] = (kp + 1)[one]
            pivots[items[two], kc[two]] = -(kp + 1)[two]
            pivots[items[two], k1[two]] = -(kp + 1)[two]
            k = np.where(active, k + 1 + two, k)
    return ld.reshape(a.shape), pivots.reshape(batch + (n,)), info.reshape(batch)


class _LdlFactor(Function):
    _array_forward = True
    _backward_name = "LinalgLdlFactorExBackward0"

    @staticmethod
    def forward(ctx, a):
        return _ldl_arrays(a)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("derivative for aten::linalg_ldl_factor_ex is not implemented")


def _check_ldl_input(a: np.ndarray, op: str, hermitian: bool) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} matrices")
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {type_name(a.dtype)}")
    if a.dtype.itemsize < 4:
        raise NotImplementedError(f"\"ldl_factor_kernel_cpu\" not implemented for '{type_name(a.dtype)}'")


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """``(LD, pivots, info)``: the Bunch-Kaufman ``A = P L D L^T P^T`` of a symmetric matrix
    (lower triangle read), in LAPACK's sytrf format: negative pivots mark 2x2 blocks of D.

    Example:
        >>> import ember
        >>> ember.linalg.ldl_factor_ex(ember.tensor([[4.0, 2.0], [2.0, 3.0]])).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    _check_ldl_input(A._array, "torch.linalg.ldl_factor_ex", hermitian)
    ld, pivots, info = _LdlFactor.apply(A)
    if check_errors and info._array.any():
        flat = info._array.reshape(-1)
        index = int(np.flatnonzero(flat)[0])
        raise LinAlgError(
            f"torch.linalg.ldl_factor_ex: {_batch_prefix(A._array.shape, index)}The factorization could not be "
            f"completed because the block diagonal matrix D is singular (D[{flat[index]},{flat[index]}] is zero)."
        )
    return _with_out(LdlFactorExResult(ld, pivots, info), out)


def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None):
    """``(LD, pivots)`` of :func:`ldl_factor_ex`; raises if ``D`` is singular.

    Example:
        >>> import ember
        >>> ember.linalg.ldl_factor(ember.tensor([[0.0, 1.0], [1.0, 0.0]])).pivots
        tensor([-2, -2], dtype=torch.int32)
    """
    _check_ldl_input(A._array, "torch.linalg.ldl_factor_ex", hermitian)
    ld, pivots, info = _LdlFactor.apply(A)
    if info._array.any():
        flat = info._array.reshape(-1)
        index = int(np.flatnonzero(flat)[0])
        raise LinAlgError(
            f"torch.linalg.ldl_factor: {_batch_prefix(A._array.shape, index)}The factorization could not be "
            f"completed because the block diagonal matrix D is singular (D[{flat[index]},{flat[index]}] is zero)."
        )
    return _with_out(LdlFactorResult(ld, pivots), out)


def _swap_rows(b: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    count, n = b.shape[0], b.shape[1]
    items = np.arange(count)
    perm = np.tile(np.arange(n), (count, 1))
    perm[items, first] = second
    perm[items, second] = first
    return np.take_along_axis(b, perm[:, :, None], 1)


def _ldl_solve_arrays(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LAPACK's sytrs (lower): ``X`` with ``A X = B`` from sytrf's ``(LD, pivots)``."""
    n, r = ld.shape[-1], b.shape[-1]
    batch = np.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
    count = int(np.prod(batch, dtype=np.int64))
    ld = np.broadcast_to(ld, batch + (n, n)).reshape(count, n, n)
    piv = np.broadcast_to(pivots, batch + (n,)).reshape(count, n).astype(np.int64)
    x = np.broadcast_to(b, batch + (n, r)).reshape(count, n, r).copy()
    items, idx = np.arange(count), np.arange(n)
    if not (count and n):
        return x.reshape(batch + (n, r))
    # Solve L D Y = B, block by block from the top.
    k = np.zeros(count, np.int64)
    while (k < n).any():
        active = k < n
        kc = np.minimum(k, n - 1)
        k1 = np.minimum(kc + 1, n - 1)
        p = piv[items, kc]
        two = active & (p < 0)
        one = active & ~two
        target = np.where(p > 0, p - 1, -p - 1)
        x = np.where(active[:, None, None], _swap_rows(x, np.where(two, k1, kc), target), x)
        col_k, col_k1 = ld[items, :, kc], ld[items, :, k1]
        xk, xk1 = x[items, kc, :], x[items, k1, :]
        below1, below2 = idx[None, :] > kc[:, None], idx[None, :] > k1[:, None]
        update_one = np.where(below1, col_k, 0)[:, :, None] * xk[:, None, :]
        update_two = (np.where(below2, col_k, 0)[:, :, None] * xk[:, None, :]) + (
            np.where(below2, col_k1, 0)[:, :, None] * xk1[:, None, :]
        )
        x = x - np.where(two[:, None, None], update_two, np.where(one[:, None, None], update_one, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            x[items[one], kc[one]] = x[items[one], kc[one]] / ld[items[one], kc[one], kc[one]][:, None]
            t = items[two]
            akm1k = ld[t, k1[two], kc[two]][:, None]
            akm1 = ld[t, kc[two], kc[two]][:, None] / akm1k
            ak = ld[t, k1[two], k1[two]][:, None] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = x[t, kc[two]] / akm1k, x[t, k1[two]] / akm1k
            x[t, kc[two]] = (ak * bkm1 - bk) / denom
            x[t, k1[two]] = (akm1 * bk - bkm1) / denom
        k = np.where(active, k + 1 + two, k)
    # Solve L^T X = Y, block by block from the bottom.
    k = np.full(count, n - 1, np.int64)
    while (k >= 0).any():
        active = k >= 0
        kc = np.maximum(k, 0)
        km1 = np.maximum(kc - 1, 0)
        p = piv[items, kc]
        two = active & (p < 0)
        below = idx[None, :] > kc[:, None]
        dot_k = np.einsum("bn,bnr->br", np.where(below, ld[items, :, kc], 0), x)
        dot_km1 = np.einsum("bn,bnr->br", np.where(below, ld[items, :, km1], 0), x)
        x[items[active], kc[active]] -= dot_k[active]
        x[items[two], km1[two]] -= dot_km1[two]
        target = np.where(p > 0, p - 1, -p - 1)
        x = np.where(active[:, None, None], _swap_rows(x, kc, target), x)
        k = np.where(active, k - 1 - two, k)
    return x.reshape(batch + (n, r))


class _LdlSolve(Function):
    _array_forward = True
    _backward_name = "LinalgLdlSolveBackward0"

    @staticmethod
    def forward(ctx, ld, pivots, b):
        return _ldl_solve_arrays(ld, pivots, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::linalg_ldl_solve is not implemented")


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    """Solve ``A X = B`` given :func:`ldl_factor`'s ``(LD, pivots)`` of ``A``.

    Example:
        >>> import ember
        >>> LD, piv = ember.linalg.ldl_factor(ember.tensor([[4.0, 2.0], [2.0, 3.0]]))
        >>> ember.linalg.ldl_solve(LD, piv, ember.tensor([[6.0], [5.0]]))
        tensor([[1.],
                [1.]])
    """
    ld, piv, b = LD._array, pivots._array, B._array
    op = "torch.linalg.ldl_solve"
    if ld.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor LD must have at least 2 dimensions.")
    if ld.shape[-1] != ld.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {ld.shape[-2]} by {ld.shape[-1]} matrices")
    if b.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(b.ndim, 1)}, {max(b.ndim, 1) - 1}], but got -2)")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for {op}: each A matrix is {n} by {n} but each b matrix is "
            f"{b.shape[-2]} by {b.shape[-1]}"
        )
    if piv.shape != ld.shape[:-1]:
        raise RuntimeError(
            f"{op}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(piv.shape)} instead"
        )
    if piv.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected pivots to be integers. Got {type_name(piv.dtype)}")
    if b.dtype != ld.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_name(b.dtype)} and A of type "
            f"{type_name(ld.dtype)} instead."
        )
    return _with_out(_LdlSolve.apply(LD, pivots, B), out)
