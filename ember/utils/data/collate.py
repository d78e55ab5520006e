"""Merge samples into a batch: ``default_collate`` and ``default_convert``, as torch's.

``default_collate`` stacks tensors and NumPy arrays along a new first dimension, turns
Python numbers into tensors (``float`` -> float64, ``int`` -> int64, ``bool`` -> bool,
exactly as torch), keeps strings as lists, and recurses into dicts, namedtuples and
sequences (a batch of tuples becomes a *list* of batched fields, as in torch).

Inside a DataLoader worker, stacked outputs are allocated straight in shared memory
(see ``_shared_batch.py``), so the batch reaches the main process without a copy.

Example:
    >>> import ember
    >>> from ember.utils.data import default_collate
    >>> default_collate([(ember.tensor([1.0, 2.0]), 0), (ember.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import _dtype
from ..._tensor import Tensor

__all__ = ["CollateError", "collate", "default_collate", "default_collate_fn_map", "default_convert"]

_STRING_OR_OBJECT_DTYPE = re.compile(r"[SaUO]")

_ERR_FORMAT = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


class CollateError(RuntimeError):
    """Samples of one batch do not fit together (e.g. tensors of different shapes).

    ``entries`` are the positions in the batch of the two samples that disagree,
    ``shapes`` their shapes, ``path`` the keys/positions leading to the field (``[]`` for
    the sample itself).  The DataLoader adds the dataset indices of those samples.
    """

    def __init__(self, message: str, entries: tuple = (), shapes: tuple = ()):
        super().__init__(message)
        self.reason = message
        self.entries = entries
        self.shapes = shapes
        self.path: list = []

    def describe(self, indices=None) -> str:
        """The message, naming the field and (when known) the dataset indices."""
        where = "".join(f"[{p!r}]" for p in self.path)
        field = f"field sample{where}" if where else "the samples"
        if len(self.entries) == 2 and len(self.shapes) == 2:
            parts = []
            for entry, shape in zip(self.entries, self.shapes):
                index = ""
                if indices is not None and entry < len(indices):
                    index = f" (dataset index {indices[entry]!r})"
                parts.append(f"{_shape_text(shape)} at batch entry {entry}{index}")
            detail = f"{field} cannot be stacked: got {parts[0]} but {parts[1]}"
        else:
            detail = f"{field} cannot be collated"
        text = f"{detail}. {self.reason}"
        if indices is not None:
            text += f"\nBatch dataset indices: {_short_list(indices)}"
        return text


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(int(d)) for d in shape) + "]"


def _short_list(indices, limit: int = 32) -> str:
    items = list(indices)
    if len(items) <= limit:
        return repr(items)
    return repr(items[:limit])[:-1] + f", ... ({len(items)} in all)]"


# ------------------------------------------------------------------ allocation
def _numpy_allocator(shape: tuple, np_dtype) -> np.ndarray:
    return np.empty(shape, dtype=np_dtype)


_allocate: Callable[[tuple, Any], np.ndarray] = _numpy_allocator


def set_batch_allocator(allocator: Callable | None) -> None:
    """Route collate outputs through ``allocator(shape, np_dtype)`` (workers use shared memory)."""
    global _allocate
    _allocate = allocator or _numpy_allocator


def allocate(shape: tuple, np_dtype) -> np.ndarray:
    """An uninitialised array for a batch output (in shared memory inside a worker)."""
    return _allocate(tuple(shape), np.dtype(np_dtype))


# ------------------------------------------------------------------ stacking
def _stack_arrays(arrays: list, np_dtype=None) -> np.ndarray:
    shape = arrays[0].shape
    for entry, array in enumerate(arrays):
        if array.shape != shape:
            raise CollateError(
                f"stack expects each tensor to be equal size, but got {_shape_text(shape)} at entry 0 "
                f"and {_shape_text(array.shape)} at entry {entry}",
                entries=(0, entry),
                shapes=(shape, array.shape),
            )
    if np_dtype is None:
        np_dtype = arrays[0].dtype
        if any(a.dtype != np_dtype for a in arrays):
            promoted = _dtype.from_numpy_dtype(np_dtype)
            for a in arrays:
                promoted = _dtype.promote_types(promoted, _dtype.from_numpy_dtype(a.dtype))
            np_dtype = promoted.numpy_dtype
    out = allocate((len(arrays),) + tuple(shape), np_dtype)
    np.stack(arrays, out=out, casting="unsafe")
    return out


def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    """Stack tensors along a new first dimension."""
    arrays = []
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        arrays.append(t._array if isinstance(t._array, np.ndarray) else t.__array__())
    if any(t.requires_grad for t in batch):
        import ember

        stack = getattr(ember, "stack", None)
        if stack is not None:  # keep the graph, as torch.stack does
            return stack(list(batch), 0)
    return type(batch[0])._from_array(_stack_arrays(arrays))


def collate_numpy_array_fn(batch, *, collate_fn_map=None) -> Tensor:
    elem = batch[0]
    if _STRING_OR_OBJECT_DTYPE.search(elem.dtype.str) is not None:
        raise TypeError(_ERR_FORMAT.format(elem.dtype))
    for i, a in enumerate(batch):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"expected np.ndarray as element {i} of the batch, but got {type(a).__name__}")
        _dtype.from_numpy_dtype(a.dtype)
    return Tensor._from_array(_stack_arrays(list(batch)))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    array = np.array(batch)
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._from_array(array)


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    return Tensor._from_array(np.array(batch, dtype=np.float64))


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    from ...ops.creation import tensor

    return tensor(list(batch))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    np.bool_: collate_numpy_scalar_fn,
    np.number: collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` with per-type functions from ``collate_fn_map``, recursing into containers.

    ``collate_fn_map`` maps a type to ``fn(batch, *, collate_fn_map)``; an exact type
    match wins, then the first ``isinstance`` match in the map's order.

    Example:
        >>> from ember.utils.data.collate import collate, default_collate_fn_map
        >>> fmap = dict(default_collate_fn_map); fmap[str] = lambda b, *, collate_fn_map: "".join(b)
        >>> collate([("a", 1), ("b", 2)], collate_fn_map=fmap)
        ['ab', tensor([1, 2])]
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        fn = collate_fn_map.get(elem_type)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for collate_type, fn in collate_fn_map.items():
            if isinstance(elem, collate_type):
                return fn(batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        def field(key):
            try:
                return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
            except CollateError as exc:
                exc.path.insert(0, key)
                raise

        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: field(key) for key in elem})
                return clone
            return elem_type({key: field(key) for key in elem})
        except TypeError:
            return {key: field(key) for key in elem}

    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*_collate_columns(list(zip(*batch)), collate_fn_map, elem._fields))

    if isinstance(elem, collections.abc.Sequence) and not isinstance(elem, (str, bytes)):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = list(zip(*batch))
        if isinstance(elem, tuple):
            return _collate_columns(columns, collate_fn_map)  # a list, as torch returns
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, value in enumerate(_collate_columns(columns, collate_fn_map)):
                    clone[i] = value
                return clone
            return elem_type(_collate_columns(columns, collate_fn_map))
        except TypeError:
            return _collate_columns(columns, collate_fn_map)

    raise TypeError(_ERR_FORMAT.format(elem_type))


def _collate_columns(columns: list, collate_fn_map, names=None) -> list:
    out = []
    for position, column in enumerate(columns):
        try:
            out.append(collate(column, collate_fn_map=collate_fn_map))
        except CollateError as exc:
            exc.path.insert(0, names[position] if names else position)
            raise
    return out


def default_collate(batch):
    """Stack a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Example:
        >>> from ember.utils.data import default_collate
        >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.0, "name": "b"}])
        {'x': tensor([1.5000, 2.0000], dtype=torch.float64), 'name': ['a', 'b']}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Turn NumPy arrays and scalars into tensors (sharing memory), recursing into containers.

    The DataLoader's ``collate_fn`` when automatic batching is off (``batch_size=None``).

    Example:
        >>> import numpy as np
        >>> from ember.utils.data import default_convert
        >>> default_convert((np.zeros(2), 3))
        [tensor([0., 0.], dtype=torch.float64), 3]
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _STRING_OR_OBJECT_DTYPE.search(data.dtype.str) is not None:
            return data
        _dtype.from_numpy_dtype(data.dtype)
        return Tensor._from_array(data)
    if isinstance(data, (np.bool_, np.number)):
        return Tensor._from_array(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
