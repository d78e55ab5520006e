"""ember.distributions: probability distributions with torch.distributions' API.

Example:
    >>> import ember
    >>> d = ember.distributions.Normal(ember.tensor([0.0, 1.0]), 2.0)
    >>> d.log_prob(ember.tensor([0.5, 0.5])).shape
    torch.Size([2])
"""
from . import constraints
from .distribution import Distribution, ExponentialFamily
from .normal import Laplace, LogNormal, Normal

__all__ = ["constraints", "Distribution", "ExponentialFamily", "Normal", "LogNormal", "Laplace"]
from .discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from .uniform import Exponential, Uniform

__all__ += ["Bernoulli", "Categorical", "OneHotCategorical", "Poisson", "Uniform", "Exponential"]
from .gamma import Beta, Dirichlet, Gamma

__all__ += ["Gamma", "Beta", "Dirichlet"]
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal

__all__ += ["Independent", "MultivariateNormal", "kl_divergence", "register_kl"]
from .more import Cauchy, Geometric, HalfNormal

__all__ += ["Cauchy", "HalfNormal", "Geometric"]
from .binomial import Binomial

__all__ += ["Binomial"]
