"""Gumbel-softmax: differentiable samples from a categorical distribution.

Composed of ember ops the way torch composes it, so the graph (``SoftmaxBackward0``,
or ``AddBackward0`` for the straight-through hard sample) and the gradients are
torch's.  The Gumbel noise comes from ember's generator (``ember.manual_seed``).

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> _ = ember.manual_seed(0)
    >>> y = F.gumbel_softmax(ember.zeros(2, 4), tau=0.5, hard=True)
    >>> y.sum(dim=-1).tolist()
    [1.0, 1.0]
"""

from __future__ import annotations

import warnings

from .._tensor import Tensor
from .random_ops import _type_name

__all__ = ["gumbel_softmax"]


def gumbel_softmax_from_noise(logits: Tensor, exponential: Tensor, tau: float = 1, hard: bool = False, dim: int = -1) -> Tensor:
    """Gumbel-softmax given the Exp(1) draws behind the noise (``gumbel = -log(draw)``).

    Split out of :func:`gumbel_softmax` so the deterministic part can be checked
    against torch with the same draws.
    """
    gumbels = -exponential.log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = logits.new_zeros(logits.shape).scatter_(dim, index, 1.0)
    # straight-through: the value of y_hard, the gradient of y_soft
    return y_hard - y_soft.detach() + y_soft


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """Sample from the Gumbel-softmax distribution over ``dim`` (optionally one-hot).

    Args:
        logits: unnormalized log-probabilities.
        tau: temperature (> 0); small values give nearly one-hot soft samples.
        hard: return one-hot vectors whose gradient is the soft sample's
            (straight-through estimator).
        eps: deprecated and ignored (a warning is given when it is changed).
        dim: the dimension of the categories.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> y = F.gumbel_softmax(ember.randn(3, 5), tau=0.7)
        >>> [round(v, 4) for v in y.sum(dim=1).tolist()]
        [1.0, 1.0, 1.0]
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not logits.is_floating_point():
        # torch's message from exponential_ (ember's exponential_ words this differently)
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_type_name(logits.dtype)}"
        )
    exponential = logits.new_empty(logits.shape).exponential_()
    return gumbel_softmax_from_noise(logits, exponential, tau=tau, hard=hard, dim=dim)
