"""``ember.special``: torch.special's functions (``import ember as torch; torch.special.i0e``).

Most are the top-level ops under torch.special's names; the new ones live in
``ops/special_functions.py``.

Example:
    >>> import ember
    >>> ember.special.ndtr(ember.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from ._tensor import Tensor
from .ops.activation import log_softmax as _log_softmax
from .ops.activation import softmax as _softmax
from .ops.reduction import logsumexp
from .ops.rounding import round
from .ops.special_functions import digamma, i0, polygamma
from .ops.special_functions import igamma as gammainc
from .ops.special_functions import igammac as gammaincc
from .ops.special_functions import lgamma as gammaln
from .ops.special_functions import mvlgamma as multigammaln
from .ops.special_functions import special_entr as entr
from .ops.special_functions import special_erfcx as erfcx
from .ops.special_functions import special_i0e as i0e
from .ops.special_functions import special_i1 as i1
from .ops.special_functions import special_i1e as i1e
from .ops.special_functions import special_log_ndtr as log_ndtr
from .ops.special_functions import special_ndtr as ndtr
from .ops.special_functions import special_ndtri as ndtri
from .ops.special_functions import special_xlog1py as xlog1py
from .ops.special_math import erf, erfc, erfinv, xlogy
from .ops.trigonometric import sinc
from .ops.unary import exp2, expm1, log1p, logit
from .ops.unary import sigmoid as expit

psi = digamma

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
    "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
    "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
    "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
]  # fmt: skip


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)`` (``torch.special.softmax``: ``dim`` is required).

    Example:
        >>> import ember
        >>> ember.special.softmax(ember.tensor([1.0, 1.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``x - logsumexp(x, dim)`` (``torch.special.log_softmax``: ``dim`` is required).

    Example:
        >>> import ember
        >>> ember.special.log_softmax(ember.tensor([1.0, 1.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype=dtype)
