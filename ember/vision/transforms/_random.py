"""Random draws for transforms, from ember's default generator.

The generator is looked up at every call (``ember.manual_seed`` replaces its state, and
DataLoader workers reseed it), so seeding ember seeds every random transform.
"""

from __future__ import annotations

import numpy as np

from ... import random as _ember_random


def _rng() -> np.random.Generator:
    return _ember_random.default_generator._np


def rand() -> float:
    """Uniform on [0, 1) (torch: ``torch.rand(1)``)."""
    return float(_rng().random())


def uniform(low: float, high: float) -> float:
    """Uniform on [low, high) (torch: ``torch.empty(1).uniform_(low, high)``)."""
    return float(low + (high - low) * _rng().random())


def randint(low: int, high: int) -> int:
    """An integer on [low, high) (torch: ``torch.randint(low, high, (1,))``)."""
    return int(_rng().integers(low, high))


def randperm(n: int) -> list:
    return _rng().permutation(n).tolist()


def normal(shape: tuple, np_dtype) -> np.ndarray:
    return _rng().standard_normal(shape).astype(np_dtype)
