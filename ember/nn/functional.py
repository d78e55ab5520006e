"""``ember.nn.functional`` (imported as ``F``): the functional forms of the layers.

The math lives in ``ember/ops/<family>.py``; this module only re-exports it, one
section per family, so that each family's owner edits only its own section.

Example:
    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.relu(ember.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from ..ops.linear_layer import bilinear, linear  # noqa: F401

# --- activations, dropout, embeddings, losses, distances (ops/activation.py, ops/loss.py, ...)

# --- convolution, pooling, padding, interpolation (ops/conv.py, ops/pooling.py, ...)

# --- normalization (ops/normalization.py)

# --- attention (ops/attention.py)
