"""Splitting inputs over DataParallel slots and joining the outputs back.

``scatter`` chunks every tensor along ``dim`` (``tensor.chunk``: chunks of
``ceil(n / slots)``, so a small batch may fill fewer slots) and recurses into tuples,
lists, dicts and namedtuples; other objects are handed to every slot by reference.
``gather`` concatenates the slots' outputs along ``dim`` with the same recursion.  Both
are ordinary ember ops, so gradients flow from the gathered output back to the input.

Example:
    >>> import ember
    >>> from ember.nn.parallel.scatter_gather import gather, scatter
    >>> parts = scatter(ember.arange(5.0), [0, 1])
    >>> [p.tolist() for p in parts]
    [[0.0, 1.0, 2.0], [3.0, 4.0]]
    >>> gather(parts, 0).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
"""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ._devices import slot_device

__all__ = ["gather", "scatter", "scatter_kwargs"]


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def _scatter_tensor(tensor: Tensor, target_devices, dim: int) -> list:
    chunks = tensor.chunk(len(target_devices), dim)
    return [chunk.to(slot_device(d)) for chunk, d in zip(chunks, target_devices)]


def scatter(inputs, target_gpus, dim: int = 0) -> list:
    """Slice tensors into approximately equal chunks, one per slot; copy other objects."""

    def scatter_map(obj):
        if isinstance(obj, Tensor):
            return _scatter_tensor(obj, target_gpus, dim)
        if _is_namedtuple(obj):
            return [type(obj)(*args) for args in zip(*map(scatter_map, obj))]
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(i) for i in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in target_gpus]

    return scatter_map(inputs)


def scatter_kwargs(inputs, kwargs, target_gpus, dim: int = 0) -> tuple:
    """Scatter positional and keyword inputs; both come back with one entry per slot."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(scattered_inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def _gather_tensors(outputs, target_device, dim: int) -> Tensor:
    from ...ops.joining import cat

    if all(t.dim() == 0 for t in outputs) and dim == 0:
        warnings.warn(
            "Was asked to gather along dimension 0, but all input tensors were scalars; "
            "will instead unsqueeze and return a vector.",
            stacklevel=4,
        )
        outputs = [t.unsqueeze(0) for t in outputs]
    if target_device == "cpu" or target_device == -1:
        from ..._device import CPU

        device = CPU
    else:
        device = slot_device(target_device)
    return cat([t.to(device) for t in outputs], dim)


def gather(outputs, target_device, dim: int = 0):
    """Concatenate the slots' outputs along ``dim`` on ``target_device``."""

    def gather_map(outputs):
        out = outputs[0]
        if isinstance(out, Tensor):
            return _gather_tensors(outputs, target_device, dim)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outputs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outputs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(gather_map, zip(*outputs)))
        return type(out)(map(gather_map, zip(*outputs)))

    return gather_map(outputs)
