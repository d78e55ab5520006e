"""``ember.nn.utils``: gradient clipping and parameter/vector conversion.

``nn.utils.rnn`` (packed sequences) is added by the recurrent family.

Example:
    >>> import ember.nn as nn
    >>> callable(nn.utils.clip_grad_norm_)
    True
"""

from . import clip_grad, convert_parameters  # noqa: F401
from . import rnn  # noqa: F401
from . import prune  # noqa: F401
from . import stateless  # noqa: F401
from .clip_grad import (  # noqa: F401
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
# Parametrizations, weight/spectral norm (both forms), BatchNorm fusion and skip_init.
from . import parametrize, parametrizations  # noqa: F401
from .fusion import (  # noqa: F401
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .init import skip_init  # noqa: F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401
