"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm`` and ``orthogonal``.

Each registers a parametrization module with ``nn.utils.parametrize`` (so the module's
class becomes ``Parametrized<Class>`` and its state dict holds
``parametrizations.<name>.original...``), with torch's layouts:

- ``weight_norm``: ``original0`` is the magnitude ``g``, ``original1`` the direction ``v``.
- ``spectral_norm``: the power-iteration vectors are buffers ``_u`` and ``_v`` of the
  parametrization (``parametrizations.weight.0._u``); their random start comes from
  ember's generator, so copy torch's buffers in to reproduce torch's numbers.
- ``orthogonal``: real matrices, maps ``matrix_exp``, ``cayley`` and ``householder``.

Example:
    >>> import ember, ember.nn as nn
    >>> from ember.nn.utils import parametrizations
    >>> lin = parametrizations.weight_norm(nn.Linear(3, 4))
    >>> list(lin.state_dict())
    ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

from enum import Enum, auto
from typing import TypeVar

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.distance import normalize
from ...ops.linalg_extra import householder_product
from ..modules.module import Module
from . import parametrize
from .spectral_norm import default_spectral_dim, normalize_into, reshape_weight_to_matrix
from .weight_norm import norm_except_dim, weight_norm_value

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


# ------------------------------------------------------------------ weight norm
class _WeightNorm(Module):
    """``(g, v) -> v * g / ||v||``; its right inverse splits a weight into ``(g, v)``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_norm_value(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        weight_g = norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Weight normalization as a parametrization: ``<name> = g * v / ||v||``.

    ``parametrizations.<name>.original0`` is ``g`` (the norm over every dim but ``dim``,
    ``dim=None``: of the whole tensor) and ``original1`` is ``v``.  State dicts saved with
    the older hook form (``<name>_g``, ``<name>_v``) load too.

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils.parametrizations import weight_norm
        >>> lin = weight_norm(nn.Linear(3, 4))
        >>> tuple(lin.parametrizations.weight.original0.shape)
        (4, 1)
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(
        state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        g_key = f"{prefix}{name}_g"
        v_key = f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            original0 = state_dict.pop(g_key)
            original1 = state_dict.pop(v_key)
            state_dict[f"{prefix}parametrizations.{name}.original0"] = original0
            state_dict[f"{prefix}parametrizations.{name}.original1"] = original1

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


# ---------------------------------------------------------------- spectral norm
class _SpectralNorm(Module):
    """``W -> W / sigma(W)`` with sigma from power iteration (buffers ``_u``, ``_v``)."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            # A 1-d weight is just normalized: no power iteration, no buffers.
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with no_grad():
                u = weight_mat.new_empty(h).normal_(0, 1)
                v = weight_mat.new_empty(w).normal_(0, 1)
                self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # Start from a good estimate of the top singular vectors.
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        assert weight.ndim > 1
        return reshape_weight_to_matrix(weight, self.dim)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                normalize_into(self._u, weight_mat.mv(self._v), self.eps)
                normalize_into(self._v, weight_mat.mT.mv(self._u), self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # Clones: the buffers change in place at the next training forward.
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        # Any W is a valid right inverse of W / sigma(W) up to scale; torch keeps W itself.
        return value


def spectral_norm(
    module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> T_module:
    """Spectral normalization as a parametrization: ``<name> = W / sigma(W)``.

    ``sigma`` is the largest singular value of ``W`` viewed as a matrix (``dim`` first;
    ``dim`` defaults to 1 for transposed convolutions, else 0), estimated by power
    iteration; in training mode each access runs ``n_power_iterations`` steps, updating
    the buffers ``parametrizations.<name>.0._u`` and ``._v``.

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils.parametrizations import spectral_norm
        >>> lin = spectral_norm(nn.Linear(4, 3))
        >>> sorted(lin.state_dict())[-2:]
        ['parametrizations.weight.0._v', 'parametrizations.weight.original']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")  # noqa: TRY004 - torch raises this type
    if dim is None:
        dim = default_spectral_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ------------------------------------------------------------------- orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _geqrf(A: Tensor) -> tuple[Tensor, Tensor]:
    """LAPACK's geqrf (Householder QR in compact form) through NumPy's ``qr(mode="raw")``,
    batched by stacking.  Not differentiable (only used under no_grad)."""
    arr = np.asarray(A.detach().numpy())
    batch = arr.shape[:-2]
    flat = arr.reshape((-1,) + arr.shape[-2:])
    hs, taus = [], []
    for matrix in flat:  # one LAPACK call per matrix of a (small) batch of weights
        h, tau = np.linalg.qr(matrix, mode="raw")
        hs.append(h.T)
        taus.append(tau)
    a = np.stack(hs).reshape(arr.shape).astype(arr.dtype)
    tau = np.stack(taus).reshape(batch + (min(arr.shape[-2:]),)).astype(arr.dtype)
    return Tensor._from_array(a), Tensor._from_array(tau)


def _is_orthogonal(Q: Tensor) -> bool:
    import ember

    n, k = Q.shape[-2], Q.shape[-1]
    Id = ember.eye(k, dtype=Q.dtype)
    eps = 10.0 * n * float(np.finfo(Q.detach().numpy().dtype).eps)
    return bool((Q.mT @ Q).allclose(Id, atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of ``A = QR`` (``A`` tall) with ``diag(R) >= 0``."""
    X, tau = _geqrf(A)
    Q = householder_product(X, tau)
    # The diagonal of X is the diagonal of R: flip the columns where it is negative.
    return Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    """Maps an unconstrained matrix to an orthogonal one (times the buffer ``base`` when
    using the trivialization)."""

    base: Tensor

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex():
            raise ValueError("ember's orthogonal parametrization supports real tensors only.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        import ember

        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        # From here on X is tall (n >= k).
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                # Embed into a square matrix.
                pad = ember.zeros(n, n - k, dtype=X.dtype).expand(*X.shape[:-2], n, n - k)
                X = ember.cat([X, pad], dim=-1)
            A = X - X.mT  # skew-symmetric
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = ember.linalg.matrix_exp(A)
            else:
                # The Cayley retraction (I + A/2)(I - A/2)^{-1}, written as a solve.
                Id = ember.eye(n, dtype=A.dtype)
                Q = ember.linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # X's diagonal holds +-1 (see right_inverse): flip those columns, not differentiably.
            Q = Q * X.diagonal(dim1=-2, dim2=-1).detach().int().unsqueeze(-2)
        if hasattr(self, "base") and self.base is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        import ember

        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(
                    f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape {Q.shape}."
                )
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential "
                        "or the Cayley parametrizations when use_trivialization=False."
                    )
                # Householder without trivialization: store the compact QR of Q, with R's
                # diagonal replaced by its signs (forward multiplies the columns by them).
                A, tau = _geqrf(Q)
                a, t = A.numpy(), tau.numpy()
                diag = np.arange(min(a.shape[-2:]))
                signs = np.sign(a[..., diag, diag])
                # LAPACK gives tau == 0 exactly when it skips a reflection: flip that sign.
                signs[t == 0] *= -1
                a[..., diag, diag] = signs
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                # Complete Q to a full n x n orthogonal matrix with random columns.
                N = ember.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(ember.cat([Q, N], dim=-1))
            self.base = Q
            # -Id: the householder map sends it to Id (the diagonal carries the signs).
            neg_Id = ember.zeros_like(Q_init)
            neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_Id


def orthogonal(
    module: T_module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> T_module:
    """Constrain the (real) matrix ``module.<name>`` to be orthogonal (or to have
    orthonormal rows/columns when it is not square).

    ``orthogonal_map`` is ``"matrix_exp"`` (default for square matrices), ``"cayley"`` or
    ``"householder"`` (default otherwise).  With ``use_trivialization`` a buffer
    ``base`` holds the current orthogonal matrix and the parameter is a correction to it.

    Example:
        >>> import ember, ember.nn as nn
        >>> from ember.nn.utils.parametrizations import orthogonal
        >>> lin = orthogonal(nn.Linear(3, 3))
        >>> bool((lin.weight @ lin.weight.mT).allclose(ember.eye(3), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")  # noqa: TRY004 - torch raises this type
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". ' f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
