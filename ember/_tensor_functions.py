"""Top-level forms of a few Tensor utilities torch also offers as functions:
``clone``, ``detach``, ``result_type`` and ``can_cast``.

Example:
    >>> import ember
    >>> ember.result_type(ember.tensor([1, 2]), 1.0)
    torch.float32
    >>> ember.can_cast(ember.float32, ember.int32)
    False
"""

from __future__ import annotations

import numbers

from . import _dtype
from ._tensor import Tensor

__all__ = ["can_cast", "clone", "detach", "result_type"]


def _require_tensor(fn_name: str, arg_name: str, value) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn_name}(): argument '{arg_name}' (position 1) must be Tensor, not {type(value).__name__}"
        )


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` with its own memory; gradients flow back to ``input``.

    ``memory_format`` (default ``preserve_format``) is honoured as by ``Tensor.clone``:
    a dense input keeps its strides, ``channels_last`` etc. give that layout.

    Example:
        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> ember.clone(x).grad_fn.name()
        'CloneBackward0'
    """
    _require_tensor("clone", "input", input)
    return input.clone(memory_format=memory_format)


def detach(input: Tensor) -> Tensor:
    """A tensor sharing ``input``'s data, cut from the autograd graph.

    Example:
        >>> import ember
        >>> ember.detach(ember.ones(2, requires_grad=True)).requires_grad
        False
    """
    _require_tensor("detach", "input", input)
    return input.detach()


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, Tensor)


def _describe(value) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def result_type(tensor, other) -> _dtype.dtype:
    """The dtype torch's arithmetic gives ``tensor`` and ``other`` (Tensors or numbers).

    Tensors with dimensions decide first; a 0-d tensor, then a Python number, only
    changes the result when it is of a higher category (bool < integer < floating).

    Example:
        >>> import ember
        >>> ember.result_type(ember.tensor([1], dtype=ember.uint8), 1000)
        torch.uint8
        >>> ember.result_type(1, 2.0)
        torch.float32
    """
    for value in (tensor, other):
        if not (isinstance(value, Tensor) or _is_number(value)):
            raise TypeError(
                "result_type() received an invalid combination of arguments - got "
                f"({_describe(tensor)}, {_describe(other)}), but expected one of:\n"
                " * (Tensor tensor, Tensor other)\n"
                " * (Number scalar, Tensor tensor)\n"
                " * (Tensor tensor, Number other)\n"
                " * (Number scalar1, Number scalar2)\n"
            )
        if isinstance(value, complex):
            raise TypeError("result_type(): ember has no complex dtypes")
    return _dtype.result_type(tensor, other)


def can_cast(from_: _dtype.dtype, to: _dtype.dtype) -> bool:
    """Whether torch's casting rules allow ``from_`` to become ``to`` without changing
    category downward (floating to integer, or anything but bool to bool, is refused).

    Example:
        >>> import ember
        >>> ember.can_cast(ember.int64, ember.float16), ember.can_cast(ember.float16, ember.int64)
        (True, False)
    """
    for position, (name, value) in enumerate((("from_", from_), ("to", to)), start=1):
        if not isinstance(value, _dtype.dtype):
            raise TypeError(
                f"can_cast(): argument '{name}' (position {position}) must be torch.dtype, not {_describe(value)}"
            )
    return from_._category <= to._category
