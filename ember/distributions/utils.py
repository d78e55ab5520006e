"""Helpers shared by the distributions: parameter broadcasting, logits/probs conversion."""
from __future__ import annotations

import numbers

import ember
from ember._tensor import Tensor


def broadcast_all(*values):
    """Turn numbers into tensors (dtype of the tensor arguments, else the default) and broadcast.

    Example:
        >>> loc, scale = broadcast_all(ember.zeros(3), 1.0)
    """
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number or torch.Tensor.")
    dtype = tensors[0].dtype if tensors else ember.get_default_dtype()
    converted = [v if isinstance(v, Tensor) else ember.tensor(float(v), dtype=dtype) for v in values]
    return ember.broadcast_tensors(*converted)


def clamp_probs(probs: Tensor) -> Tensor:
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.dim() - dim] + (-1,)).sum(-1)


class lazy_property:
    """Computed on first access and then stored on the instance (probs from logits and back)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def require_probs_or_logits(probs, logits) -> None:
    """Distributions parametrized either way take exactly one of the two."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class BinaryProbsLogits:
    """Mixin: a success probability given as ``probs`` or ``logits``, the other derived on use.

    Serves Bernoulli, Binomial and Geometric; the one given is set on the instance.
    """

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


def support_over_batch(values, batch_shape, expand: bool):
    """``enumerate_support``'s result: the support ``values`` along a new first dim,
    broadcast over (``expand``) or ready to broadcast against ``batch_shape``."""
    values = values.view((-1,) + (1,) * len(batch_shape))
    return values.expand((-1,) + tuple(batch_shape)) if expand else values
