"""Smaller torch.linalg functions composed of other ember ops: ``householder_product``
(and ``torch.orgqr``), ``tensorinv``, ``tensorsolve``, ``vander`` and ``diagonal``.

Each is written with differentiable ember ops (reshape, inv, solve, matmul, cumprod),
so their gradients, and second derivatives, come from those ops.

Example:
    >>> import ember
    >>> ember.linalg.vander(ember.tensor([1.0, 2.0, 3.0]))
    tensor([[1., 1., 1.],
            [1., 2., 4.],
            [1., 3., 9.]])
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .._tensor import Tensor
from ._select import constant, type_name
from ._util import bind_methods
from .joining import cat
from .linalg import matmul
from .linalg_decompositions import _with_out, inv, solve
from .rearrange import tril

__all__: list = []


def _prod(shape) -> int:
    return math.prod(int(s) for s in shape)


# --------------------------------------------------------- householder_product
def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first ``n`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T``, where ``v_i``
    is column ``i`` of ``A`` below the diagonal with a 1 on it (LAPACK's orgqr).

    Example:
        >>> import ember
        >>> A = ember.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> ember.linalg.householder_product(A, ember.tensor([1.0, 0.0]))
        tensor([[ 0., -1.],
                [-1.,  0.]])
    """
    op = "torch.linalg.householder_product"
    a, t = A._array, tau._array
    if a.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(
            f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to {t.ndim} and "
            f"input.ndim is equal to {a.ndim}"
        )
    m, n = a.shape[-2:]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < t.shape[-1]:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got {list(t.shape[:-1])}"
        )
    if a.dtype.kind not in "fV" or a.dtype.itemsize < 4:
        raise NotImplementedError(f"\"orgqr_cpu\" not implemented for '{type_name(a.dtype)}'")
    if t.dtype != a.dtype:
        raise RuntimeError(f"{op}: tau dtype {type_name(t.dtype)} does not match input dtype {type_name(a.dtype)}")
    k = t.shape[-1]
    # Reflectors as columns: the strictly lower part of A with ones on the diagonal.
    reflectors = tril(A[..., :, :k], -1) + constant(np.eye(m, k, dtype=a.dtype))
    # Q E = H_1 (H_2 (... (H_k E))), E the first n columns of the identity: O(m n) per step.
    q = constant(np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape).copy())
    for i in reversed(range(k)):
        v = reflectors[..., :, i : i + 1]
        q = q - (tau[..., i : i + 1].unsqueeze(-1) * v) * matmul(v.transpose(-1, -2), q)
    if k == 0 and A._requires_grad:  # keep the result in the graph, as torch's is
        q = q + 0 * A
    return _with_out(q, out)


def orgqr(input: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """``torch.orgqr``: alias of :func:`ember.linalg.householder_product`.

    Example:
        >>> import ember
        >>> ember.orgqr(ember.eye(2), ember.zeros(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    return householder_product(input, tau, out=out)


# ------------------------------------------------------- tensorinv / tensorsolve
def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """The inverse of ``A`` seen as a map from its last dims to its first ``ind`` dims:
    ``tensordot(tensorinv(A, ind), A, ind)`` is the identity.

    Example:
        >>> import ember
        >>> ember.linalg.tensorinv(ember.eye(4).reshape(4, 2, 2), ind=1).shape
        torch.Size([2, 2, 4])
    """
    ind = operator.index(ind)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._array.shape)
    rows, cols = _prod(shape[:ind]), _prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
            f"but got {cols} != {rows}"
        )
    return _with_out(inv(A.reshape(rows, cols)).reshape(*shape[ind:], *shape[:ind]), out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) == B``; ``X`` has shape ``A.shape[B.ndim:]``.
    ``dims`` are dims of ``A`` moved to the end first.

    Example:
        >>> import ember
        >>> ember.linalg.tensorsolve(2 * ember.eye(4).reshape(2, 2, 4), ember.ones(2, 2))
        tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """
    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = A.movedim(dims, list(range(A._array.ndim - len(dims), A._array.ndim)))
    shape = tuple(A._array.shape)
    b_ndim, b_size = B._array.ndim, _prod(B._array.shape)
    result_shape = shape[b_ndim:]
    if _prod(result_shape) != b_size:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {_prod(result_shape)} != {b_size}"
        )
    if _prod(shape) != b_size * b_size:
        raise RuntimeError(f"shape '[{b_size}, {b_size}]' is invalid for input of size {_prod(shape)}")
    solution = solve(A.reshape(b_size, b_size), B.reshape(b_size))
    return _with_out(solution.reshape(*result_shape), out)


# ------------------------------------------------------------------- vander
def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of ``x`` (last dim): columns ``x**0, x**1, ..., x**(N-1)``.

    Example:
        >>> import ember
        >>> ember.linalg.vander(ember.tensor([2.0, 3.0]), N=3)
        tensor([[1., 2., 4.],
                [1., 3., 9.]])
    """
    arr = x._array
    if arr.dtype == np.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    size = arr.shape[-1] if arr.ndim else 1
    n = size if N is None else operator.index(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if arr.dtype.kind in "iu":  # torch accumulates integer powers in int64
        x = x.to(Tensor._from_array(np.zeros((), np.int64)).dtype)
        arr = x._array
    ones = constant(np.ones(arr.shape + (1,), arr.dtype))
    powers = x.unsqueeze(-1).expand(*arr.shape, n - 1).cumprod(-1)
    return cat([ones, powers], -1)


# ----------------------------------------------------------------- diagonal
def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices of ``A`` (a view), as ``A.diagonal`` with matrix defaults.

    Example:
        >>> import ember
        >>> ember.linalg.diagonal(ember.arange(4.0).reshape(2, 2))
        tensor([0., 3.])
    """
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


# ------------------------------------------------------------ Tensor methods
bind_methods(orgqr=orgqr)
