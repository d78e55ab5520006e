"""Binomial(total_count, probs | logits)."""
from __future__ import annotations

import numpy as np

import ember
from ember._tensor import Size

from . import constraints
from .distribution import Distribution
from .utils import BinaryProbsLogits, broadcast_all, require_probs_or_logits, support_over_batch
from ember.random import resolve


class Binomial(BinaryProbsLogits, Distribution):
    """Binomial(total_count=1, probs=None, logits=None): successes in total_count trials.

    Example:
        >>> ember.distributions.Binomial(4, probs=ember.tensor(0.5)).log_prob(ember.tensor(2.0))
        tensor(-0.9808)
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        require_probs_or_logits(probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
            param = self.probs
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
            param = self.logits
        self._param = param
        super().__init__(Size(param.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Binomial, batch_shape, _instance)
        new._param = new.__dict__["probs"] if "probs" in self.__dict__ else new.__dict__["logits"]
        return new

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with ember.no_grad():
            n = np.broadcast_to(self.total_count.numpy(), shape).astype(np.int64)
            p = np.broadcast_to(self.probs.detach().numpy(), shape).astype(np.float64)
            counts = resolve(None).binomial(n, p)
        return ember.tensor(counts.astype(self.probs.detach().numpy().dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = ember.lgamma(self.total_count + 1)
        log_factorial_k = ember.lgamma(value + 1)
        log_factorial_nmk = ember.lgamma(self.total_count - value + 1)
        # n * log(1 + exp(logits)), written stably
        normalize_term = (
            self.total_count * self.logits.clamp(min=0)
            + self.total_count * ember.log1p(ember.exp(-self.logits.abs()))
            - log_factorial_n
        )
        return value * self.logits - normalize_term - log_factorial_k - log_factorial_nmk

    def entropy(self):
        total_count = int(self.total_count.max().item())
        if not bool((self.total_count == total_count).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(ember.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True):
        total_count = int(self.total_count.max().item())
        if not bool((self.total_count == total_count).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = ember.arange(1 + total_count, dtype=self._param.dtype)
        return support_over_batch(values, self._batch_shape, expand)
