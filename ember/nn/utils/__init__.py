"""``ember.nn.utils``: gradient clipping and parameter/vector conversion.

``nn.utils.rnn`` (packed sequences) is added by the recurrent family.

Example:
    >>> import ember.nn as nn
    >>> callable(nn.utils.clip_grad_norm_)
    True
"""

from . import clip_grad, convert_parameters  # noqa: F401
from . import rnn  # noqa: F401
from . import stateless  # noqa: F401
from .clip_grad import (  # noqa: F401
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
