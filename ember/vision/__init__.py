"""Computer-vision helpers with torchvision's conventions: ``transforms`` and ``datasets``.

Images are ember tensors laid out (..., C, H, W), NumPy arrays laid out (H, W, C) or
(H, W) as ``ToTensor`` expects, or PIL images when Pillow is installed
(``pip install ember[vision]``).  Random transforms draw from ember's default generator,
so ``ember.manual_seed`` and the DataLoader's per-worker seeding control them.

Example:
    >>> import ember
    >>> from ember.vision import transforms as T
    >>> t = T.Compose([T.RandomHorizontalFlip(), T.Normalize([0.5], [0.5])])
    >>> t(ember.ones(1, 2, 2)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
"""

import importlib as _importlib

__all__ = ["datasets", "transforms"]


def __getattr__(name):
    if name in __all__:
        module = _importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ember.vision' has no attribute {name!r}")
