"""Random number generation: Generator objects and the default generator.

Ember's streams come from NumPy's PCG64, so seeded runs are reproducible across runs
and platforms, but they differ from torch's streams (tests copy data, never rely on
matching random numbers).

Example:
    >>> import ember
    >>> _ = ember.manual_seed(0); a = ember.rand(2)
    >>> _ = ember.manual_seed(0); b = ember.rand(2)
    >>> bool((a == b).all())
    True
"""

from __future__ import annotations

import os
import struct

import numpy as np

__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

_MASK64 = (1 << 64) - 1


class Generator:
    """A random number generator with torch's interface over NumPy's PCG64.

    Example:
        >>> import ember
        >>> g = ember.Generator().manual_seed(42)
        >>> ember.randn(3, generator=g).shape
        torch.Size([3])
    """

    def __init__(self, device="cpu"):
        from ._device import device as _device

        self.device = _device(device)
        self._initial_seed = 67280421310721  # torch's default seed
        self._np = np.random.Generator(np.random.PCG64(self._initial_seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator.  Negative seeds wrap to 64 bits, as in torch."""
        if isinstance(seed, float) or not hasattr(seed, "__index__"):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        seed &= _MASK64
        self._initial_seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Seed from the OS's entropy and return the seed."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self):
        """The generator's state as a uint8 tensor (restore with ``set_state``)."""
        from ._tensor import Tensor

        st = self._np.bit_generator.state
        inner = st["state"]
        payload = struct.pack(
            "<QQQQBIQ",
            inner["state"] & _MASK64,
            inner["state"] >> 64,
            inner["inc"] & _MASK64,
            inner["inc"] >> 64,
            st["has_uint32"],
            st["uinteger"],
            self._initial_seed,
        )
        return Tensor._from_array(np.frombuffer(payload, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state from ``get_state`` (a uint8 tensor)."""
        from ._tensor import Tensor

        if isinstance(new_state, Tensor):
            if new_state._array.dtype != np.uint8:
                raise TypeError("RNG state must be a torch.ByteTensor")
            data = bytes(np.ascontiguousarray(new_state.__array__()))
        else:
            data = bytes(np.asarray(new_state, dtype=np.uint8))
        try:
            s_lo, s_hi, i_lo, i_hi, has, uint, initial = struct.unpack("<QQQQBIQ", data)
        except struct.error:
            raise RuntimeError(
                f"Expected an RNG state of size {struct.calcsize('<QQQQBIQ')} (from get_state) but found "
                f"the input RNG state size to be {len(data)}"
            ) from None
        bitgen = np.random.PCG64()
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": s_lo | (s_hi << 64), "inc": i_lo | (i_hi << 64)},
            "has_uint32": has,
            "uinteger": uint,
        }
        self._np = np.random.Generator(bitgen)
        self._initial_seed = initial
        return self

    def __reduce__(self):
        return (_rebuild_generator, (bytes(self.get_state().numpy()),))


def _rebuild_generator(state: bytes) -> Generator:
    g = Generator()
    g.set_state(np.frombuffer(state, dtype=np.uint8))
    return g


default_generator = Generator()


def resolve(generator) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (or the default one)."""
    return (generator or default_generator)._np


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; returns it.

    Example:
        >>> import ember
        >>> ember.manual_seed(0).initial_seed()
        0
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from OS entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager restoring the default generator's state on exit."""

    def __init__(self, devices=None, enabled: bool = True, **kwargs):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._state = get_rng_state()

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self._state)
        return False
