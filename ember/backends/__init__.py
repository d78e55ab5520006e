"""``torch.backends`` for ember: the switches PyTorch scripts set and read.

Ember computes on the CPU with NumPy (and CuPy for ``device="cuda"``).  These flags are
kept so that code such as ``torch.backends.cudnn.benchmark = True`` runs unchanged, but
**they have no effect on ember's kernels**: there is no cuDNN, no TF32 and no MPS here.
The query functions answer truthfully for ember (``cudnn.is_available()`` is False).

Example:
    >>> import ember
    >>> ember.backends.cudnn.benchmark = True
    >>> ember.backends.cudnn.benchmark, ember.backends.mps.is_available()
    (True, False)
    >>> ember.backends.cudnn.benchmark = False
"""

from . import cpu, cuda, cudnn, mps

__all__ = ["cpu", "cuda", "cudnn", "mps"]
