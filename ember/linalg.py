"""``ember.linalg``: torch.linalg's functions (re-exports; the math is in ``ember/ops``).

Example:
    >>> import ember
    >>> a = ember.tensor([[4.0, 2.0], [2.0, 3.0]])
    >>> ember.linalg.det(a), ember.linalg.norm(ember.tensor([3.0, 4.0]))
    (tensor(8.), tensor(5.))
"""

from .ops.linalg import linalg_cross as cross
from .ops.linalg import matmul
from .ops.linalg_decompositions import (
    LinAlgError,
    cholesky,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    qr,
    slogdet,
    solve,
    solve_ex,
    svd,
    svdvals,
)
from .ops.linalg_functions import (
    cond,
    lstsq,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    solve_triangular,
)
from .ops.linalg_extra import diagonal, householder_product, tensorinv, tensorsolve, vander
from .ops.linalg_lu import (
    ldl_factor,
    ldl_factor_ex,
    ldl_solve,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
)
from .ops.reduction import vector_norm


def vecdot(x, y, *, dim: int = -1):
    """Dot products of vectors along ``dim`` (broadcasting the rest).

    Example:
        >>> import ember
        >>> ember.linalg.vecdot(ember.ones(2, 3), ember.ones(3))
        tensor([3., 3.])
    """
    return (x * y).sum(dim)


__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "householder_product",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "lstsq",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
