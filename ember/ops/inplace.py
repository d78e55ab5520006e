"""In-place ops: how ``x.add_(y)``, ``x[i] = v`` and ``out=`` change a tensor.

An in-place op computes its out-of-place result through the ordinary Function, then
writes the values into the tensor's own memory (so views see them), bumps the version
counter shared with its views, and moves the tensor's place in the graph to the new
node.  Writing into a view also gives the view's base a new history (``CopySlices``),
so gradients still reach whatever the base was computed from.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import SAVED_TENSOR, Function, saved_tensor_entry
from ..autograd.grad_mode import STATE
from .._tensor import Tensor
from ._util import shape_str

__all__ = ["inplace_method", "apply_inplace", "copy_", "copy_into_out"]


def _type_name(np_dtype) -> str:
    names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
    return names.get(np_dtype.kind, str(np_dtype))


def _castable(src, dst) -> bool:
    """torch's rule for writing a result into a tensor: no lowering of category."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2}
    return order[src.kind] <= order[dst.kind]


def _keep_old_self_for_backward(node, tensor: Tensor) -> None:
    """The node may have saved ``tensor`` itself; give it a copy of the old values."""
    if node is None or not node._saved:
        return
    for i, entry in enumerate(node._saved):
        if entry[0] == SAVED_TENSOR and entry[1] is tensor:
            old = Tensor._from_array(tensor._array.copy())
            old._requires_grad = tensor._requires_grad
            old._grad_fn = tensor._grad_fn
            old._output_nr = tensor._output_nr
            node._saved[i] = saved_tensor_entry(old)


def apply_inplace(tensor: Tensor, result: Tensor, op_name: str = "") -> Tensor:
    """Write ``result`` into ``tensor``'s memory and move ``tensor`` to its graph node."""
    src = result._array
    dst = tensor._array
    if src.dtype != dst.dtype and not _castable(src.dtype, dst.dtype):
        raise RuntimeError(
            f"result type {_type_name(src.dtype)} can't be cast to the desired output type "
            f"{_type_name(dst.dtype)}"
        )
    if src.shape != dst.shape:
        try:
            np.broadcast_shapes(src.shape, dst.shape)
            ok = np.broadcast_shapes(src.shape, dst.shape) == dst.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"{op_name or 'in-place op'}: output with shape {shape_str(dst.shape)} doesn't match "
                f"the broadcast shape {shape_str(np.broadcast_shapes(src.shape, dst.shape) if _broadcastable(src.shape, dst.shape) else src.shape)}"
            )
    if dst.size > 1 and any(st == 0 and n > 1 for n, st in zip(dst.shape, dst.strides)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    recorded = result._requires_grad and STATE.enabled
    if tensor._base is not None and STATE.enabled and (recorded or tensor._base._requires_grad):
        check_inplace_on_view(tensor)  # torch forbids writing some views (split outputs, ...)
    if recorded:
        _keep_old_self_for_backward(result._grad_fn, tensor)
    try:
        if isinstance(dst, np.ndarray):
            np.copyto(dst, src, casting="unsafe")
        else:
            dst[...] = src
    except ValueError as exc:
        raise RuntimeError(
            f"{op_name or 'in-place op'}: cannot write into this tensor ({exc}); tensors made by "
            "expand() share memory between elements: clone() them first"
        ) from None
    tensor._version_counter[0] += 1
    if recorded:
        if tensor._base is not None and tensor._view_func is not None:
            _rebase_view(tensor, result)
        else:
            tensor._grad_fn = result._grad_fn
            tensor._output_nr = result._output_nr
            tensor._requires_grad = True
        refresh_views(tensor)  # other views of the same base now see the new history
    return tensor


def _broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


class CopySlices(Function):
    """The new history of a base tensor after one of its views was written in place."""

    _array_forward = True
    _backward_name = "CopySlices"
    _node_qualified_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, base, value, view_func=None):
        ctx.view_func = view_func
        ctx.base_shape = base.shape
        ctx.base_dtype = base.dtype
        # view_func replays view ops (e.g. view()) that may need the base's memory order
        ctx.base_order = tuple(int(i) for i in np.argsort([-abs(s) for s in base.strides], kind="stable"))
        return base

    @staticmethod
    def backward(ctx, grad):
        order = ctx.base_order
        inverse = tuple(int(i) for i in np.argsort(order))
        mask_arr = np.ones(tuple(ctx.base_shape[i] for i in order), ctx.base_dtype).transpose(inverse)
        mask = Tensor._from_array(mask_arr)
        ctx.view_func(mask)._array[...] = 0
        grad = grad.permute(order).contiguous().permute(inverse)
        grad_base = grad * mask if ctx.needs_input_grad[0] else None
        grad_value = ctx.view_func(grad) if ctx.needs_input_grad[1] else None
        return grad_base, grad_value


def _rebase_view(view: Tensor, result: Tensor) -> None:
    base = view._base
    old_base = Tensor._from_array(base._array)
    old_base._requires_grad = base._requires_grad
    old_base._grad_fn = base._grad_fn
    old_base._output_nr = base._output_nr
    if base._requires_grad and base._grad_fn is None:
        old_base = base  # a leaf base in no-grad-free mode cannot get here; keep the edge
    rebased = CopySlices.apply(old_base, result, view_func=view._view_func)
    base._grad_fn = rebased._grad_fn
    base._output_nr = 0
    base._requires_grad = True
    fresh_view = view._view_func(base)
    view._grad_fn = fresh_view._grad_fn
    view._output_nr = fresh_view._output_nr
    view._requires_grad = True


def inplace_method(fn, name: str | None = None):
    """Turn an out-of-place op into its in-place method (``exp`` -> ``exp_``)."""
    op_name = name or (fn.__name__ + "_")

    def method(self, *args, **kwargs):
        self._check_inplace_allowed()
        return apply_inplace(self, fn(self, *args, **kwargs), op_name)

    method.__name__ = op_name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


class Copy(Function):
    _array_forward = True
    _backward_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        xp = np if isinstance(dst, np.ndarray) else None
        src_arr = np.asarray(src) if xp is np else src
        try:
            out = np.broadcast_to(src_arr, dst.shape).astype(dst.dtype, copy=True)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {shape_str(np.shape(src_arr))} can't be broadcast to "
                f"the destination of shape {shape_str(dst.shape)}"
            ) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        return (grad * 0 if ctx.needs_input_grad[0] else None), grad


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into this tensor's memory.

    Example:
        >>> import ember
        >>> x = ember.zeros(3); x.copy_(ember.tensor([1, 2, 3])); x
        tensor([1., 2., 3.])
    """
    self._check_inplace_allowed()
    result = Copy.apply(self, src)
    return apply_inplace(self, result, "copy_")


def copy_into_out(out: Tensor, result: Tensor) -> Tensor:
    """Implement ``out=``: resize ``out`` if needed and write ``result`` into it."""
    if out._requires_grad and STATE.enabled:
        raise RuntimeError(
            "functions with out=... arguments don't support automatic differentiation, but one "
            "of the arguments requires grad."
        )
    if out._array.shape != result._array.shape:
        out._array = np.empty(result._array.shape, out._array.dtype)
    np.copyto(out._array, result._array, casting="unsafe")
    out._version_counter[0] += 1
    return out


Tensor.copy_ = copy_

# Imported last: shape.py's submodules import inplace_method from this module.
from .shape import check_inplace_on_view, refresh_views
