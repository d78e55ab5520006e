"""How tensors cross process boundaries: through shared memory, never by copying bytes.

:func:`init_reductions` registers a reducer for ``Tensor`` (and its subclasses such as
``nn.Parameter``) with ``multiprocessing.reduction.ForkingPickler``, the pickler behind
every ``Queue``, ``Pipe``, ``Pool`` and spawn/forkserver ``Process`` argument.  Pickling a
tensor first moves its memory into a shared segment (in place, as torch does) and then
sends only a descriptor of the segment's file plus ``(offset, shape, dtype, strides)``.
The receiver maps the same memory, so writes on either side are seen by the other.

The descriptor travels the way multiprocessing sends descriptors: inherited by a child
that is being spawned, or passed over a Unix socket (``SCM_RIGHTS``) by the sender's
resource-sharer thread.  The sender must therefore still be alive when the receiver
unpickles the message, the same rule as torch's ``file_descriptor`` strategy.
"""

from __future__ import annotations

from multiprocessing import reduction

import numpy as np

from .._tensor import Tensor
from ._shared_memory import map_segment, move_to_shared_memory, segment_of

__all__ = ["init_reductions", "rebuild_shared_tensor", "reduce_tensor"]


def _rebuild_empty(cls, shape, dtype, requires_grad):
    tensor = cls._from_array(np.empty(shape, dtype=dtype))
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def rebuild_shared_tensor(cls, shared_fd, nbytes, offset, shape, dtype, strides, requires_grad, writeable):
    """Receiver side: map the segment (once per process) and view the tensor in it."""
    segment = map_segment(shared_fd.detach(), nbytes)
    array = np.ndarray(shape, dtype=dtype, buffer=segment, offset=offset, strides=strides)
    if not writeable:
        array.flags.writeable = False
    tensor = cls._from_array(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _rebuild_copy(cls, array, requires_grad):
    tensor = cls._from_array(np.asarray(array))
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def reduce_tensor(tensor):
    """Sender side: share the tensor's memory and describe it (the reducer for ForkingPickler)."""
    if tensor._requires_grad and tensor._grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the data, "
            "call detach() on the tensor before serializing (e.g., putting it on the queue)."
        )
    cls = type(tensor)
    array = tensor._array
    if not isinstance(array, np.ndarray):  # a device array: only its values can travel
        return (_rebuild_copy, (cls, np.asarray(tensor.__array__()), tensor._requires_grad))
    if array.size == 0:
        return (_rebuild_empty, (cls, array.shape, array.dtype, tensor._requires_grad))
    move_to_shared_memory(tensor)
    array = tensor._array
    segment, offset = segment_of(array)
    return (
        rebuild_shared_tensor,
        (
            cls,
            reduction.DupFd(segment.fd),
            len(segment),
            offset,
            array.shape,
            array.dtype,
            array.strides,
            tensor._requires_grad,
            bool(array.flags.writeable),
        ),
    )


def _tensor_classes():
    seen, stack = [], [Tensor]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return seen


def init_reductions() -> None:
    """Register the shared-memory reducer for Tensor and every subclass defined so far.

    ForkingPickler looks reducers up by exact type, so a Tensor subclass defined after
    this call travels by copy (its own ``__reduce_ex__``) until this is called again.
    """
    import importlib

    importlib.import_module("ember.nn.parameter")  # Parameter and Buffer, so they are registered
    for cls in _tensor_classes():
        reduction.ForkingPickler.register(cls, reduce_tensor)
