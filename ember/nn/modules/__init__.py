"""The layers of ``ember.nn``, one file per family as in ``torch.nn.modules``.

Other families (convolution, pooling, normalization, recurrent, attention) add their
imports below under their own section comment.
"""

from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from .linear import Bilinear, Identity, Linear  # noqa: F401
from .module import Module  # noqa: F401

# --- core layers: activations, dropout, embeddings, losses, flatten (this file's owner)

# --- convolution and pooling (conv.py, pooling.py, padding.py, ...)

# --- normalization (batchnorm.py, normalization.py, ...)

# --- recurrent and attention (rnn.py, activation's MultiheadAttention, transformer.py)
