"""Views: ops whose result shares memory with their input, as in torch.

A *view* shares memory with its base: writing through it changes the base, and both
share one version counter.  ``make_view`` records that relation plus a ``view_func``
that re-creates the view from any tensor laid out like the base; the in-place
machinery (``inplace.py``) uses it to give the base a new history (``CopySlices``)
after a view was written, and to refresh the history of the base's other views.

Which ops are views follows torch: view/reshape (when strides allow), flatten,
unflatten, squeeze, unsqueeze, permute, transpose, t, movedim (here); expand,
narrow, select, diagonal, as_strided, unfold (``strided.py``); split, chunk, unbind
(``joining.py``).  Copies (cat, flip, roll, repeat, ...) live in ``joining.py`` and
``rearrange.py``.

Example:
    >>> import ember
    >>> x = ember.zeros(2, 3)
    >>> x.t()[0, 1] = 5.0
    >>> x
    tensor([[0., 0., 0.],
            [5., 0., 0.]])
"""

from __future__ import annotations

import math
import operator
import warnings
import weakref

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._pointwise import _TYPE_NAMES
from ._util import bind_methods, normalize_dim, shape_str, xp_of

__all__ = [
    "adjoint",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "flatten",
    "make_view",
    "moveaxis",
    "movedim",
    "permute",
    "ravel",
    "reshape",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
    "unflatten",
    "unsqueeze",
    "view",
]


# ------------------------------------------------------------------ view bookkeeping
# How a view was made, when torch forbids writing into it with autograd recording:
MULTI_OUTPUT = "multi_output"  # one of several views returned together (split, unbind)
NO_GRAD = "no_grad"  # created while grad mode was off


def make_view(out: Tensor, base: Tensor, view_func, creation_meta: str | None = None) -> Tensor:
    """Mark ``out`` as a view of ``base`` (shared version counter, ``_base``).

    ``view_func(t)`` must re-create ``out`` from a tensor ``t`` shaped and laid out
    like ``base`` with ember ops; views of views compose it down to the root base.
    ``creation_meta`` marks views torch forbids writing into under autograd
    (``MULTI_OUTPUT``); views made in no-grad mode are marked ``NO_GRAD`` here.
    """
    root = base._base if base._base is not None else base
    out._base = root
    out._version_counter = base._version_counter
    if base._view_func is not None:
        inner = base._view_func
        out._view_func = lambda t: view_func(inner(t))
    else:
        out._view_func = view_func
    meta = creation_meta or base.__dict__.get("_view_meta")
    if meta is None and not STATE.enabled:
        meta = NO_GRAD
    if meta is not None:
        out.__dict__["_view_meta"] = meta
    if meta != NO_GRAD:  # torch never re-derives the history of a no-grad view
        _register_view(root, out)
    return out


def _register_view(root: Tensor, view: Tensor) -> None:
    """Remember the live views of ``root`` (weakly) so their history can be refreshed."""
    state = root.__dict__.get("_views")
    if state is None:
        state = root.__dict__["_views"] = [[], 16]
    refs = state[0]
    refs.append(weakref.ref(view))
    if len(refs) > state[1]:  # amortized pruning of views that died
        refs[:] = [r for r in refs if r() is not None]
        state[1] = max(16, 2 * len(refs))


def check_inplace_on_view(view: Tensor) -> None:
    """Raise torch's error for a recorded in-place write into a view it forbids."""
    meta = view.__dict__.get("_view_meta")
    if meta is None or view._base is None:
        return
    node = view._grad_fn
    name = node.name().replace("Backward0", "").replace("Backward1", "") if node is not None else None
    if meta == MULTI_OUTPUT:
        head = (
            f"Output {view._output_nr} of {name} is a view and is being modified inplace."
            if node is not None
            else "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
        )
        raise RuntimeError(
            f"{head} This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should replace "
            "the inplace operation by an out-of-place one."
        )
    head = (
        f"Output {view._output_nr} of {name} is a view of a view which was created in no_grad mode"
        if node is not None
        else "A view was created in no_grad mode"
    )
    raise RuntimeError(
        f"{head} and is being modified inplace with grad mode enabled. Given that this use case is "
        "ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the "
        "view and the inplace either both inside the no_grad block (if you don't want the inplace "
        "to be tracked) or both outside (if you want the inplace to be tracked)."
    )


def refresh_views(written: Tensor) -> None:
    """After a recorded in-place write, re-derive the history of every live view.

    torch regenerates a view's ``grad_fn`` from its base when the shared version
    changed; here it is done eagerly, so that ``y[0]`` taken before ``y.mul_(2)``
    backpropagates through the multiplication.
    """
    root = written._base if written._base is not None else written
    state = root.__dict__.get("_views")
    if not state:
        return
    alive = []
    for ref in list(state[0]):
        v = ref()
        if v is None:
            continue
        alive.append(ref)
        if v is written or v._view_func is None:
            continue
        try:
            fresh = v._view_func(root)
        except (RuntimeError, IndexError, ValueError):
            continue  # the root's data was swapped (``root.data = ...``): the view is stale
        if fresh._array.shape != v._array.shape:
            continue
        v._grad_fn = fresh._grad_fn
        v._output_nr = fresh._output_nr
        v._requires_grad = fresh._requires_grad
    state[0][:] = alive  # drops the temporary views made just above
    state[1] = max(16, 2 * len(alive))


def _address(arr) -> int:
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


def strided_view(arr, shape, strides, offset: int = 0, writeable: bool = True):
    """A view of ``arr``'s memory with element ``strides``, starting ``offset`` elements in.

    The result keeps NumPy's ``base`` chain down to the memory owner, so
    ``storage_offset()`` and ``data_ptr()`` stay right.
    """
    item = arr.dtype.itemsize
    shape = tuple(int(s) for s in shape)
    byte_strides = tuple(int(s) * item for s in strides)
    if not isinstance(arr, np.ndarray):  # CuPy: a new array on the same memory
        xp = xp_of(arr)
        return xp.ndarray(shape, arr.dtype, memptr=arr.data + offset * item, strides=byte_strides)
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = _address(arr) - _address(root) + offset * item
    try:
        out = np.ndarray(shape, arr.dtype, buffer=root, offset=start, strides=byte_strides)
    except (TypeError, ValueError, BufferError):  # a root without the buffer protocol
        flat = np.lib.stride_tricks.as_strided(arr, (offset + 1,), (item,)) if offset > 0 else arr
        first = flat[offset:] if offset > 0 else arr
        out = np.lib.stride_tricks.as_strided(first, shape, byte_strides)
    if not writeable or not arr.flags.writeable:
        out.flags.writeable = False
    return out


def _elem_strides(arr) -> tuple:
    item = arr.dtype.itemsize
    return tuple(s // item for s in arr.strides)


# ---------------------------------------------------------------------- arguments
def _as_int(value, what: str = "size") -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{what} must be a sequence of ints, but got an element of type {type(value).__name__}"
        ) from None


def _shape_args(shape) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all mean the sizes (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and isinstance(shape[0], Tensor) and shape[0].ndim == 1:
        shape = tuple(shape[0].tolist())
    if all(type(s) is int for s in shape):  # the common case, without per-item calls
        return tuple(shape)
    return tuple(_as_int(s) for s in shape)


def _infer_shape(shape, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape`` for ``numel`` elements, with torch's errors."""
    shape = tuple(int(s) for s in shape)
    if min(shape, default=0) >= 0 and math.prod(shape) == numel:
        return shape
    infer_at = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer_at is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer_at = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape_str(shape)}")
        else:
            known *= s
    if infer_at is not None:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {shape_str(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape = shape[:infer_at] + (numel // known,) + shape[infer_at + 1 :]
    elif known != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return shape


def _can_view(arr, shape) -> bool:
    """True when the new shape can be had without copying (torch's view rule)."""
    if arr.size == 0:
        return True  # torch views empty tensors of any layout
    try:
        v = arr.view()
        v.shape = shape
        return True
    except AttributeError:
        return False


def _dim_list(dims, ndim: int, op: str) -> tuple:
    """Normalize a dim or a sequence of dims, rejecting repeats as torch does."""
    seq = dims if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(normalize_dim(_as_int(d, "dim"), ndim, op) for d in seq)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out


# --------------------------------------------------- reshape-like views (one family)
def array_function_class(name: str, backward_name: str, forward, backward) -> type:
    """A Function subclass named ``name`` from plain ``forward(ctx, ...)``/``backward(ctx, ...)``."""
    return type(
        name,
        (Function,),
        {
            "_array_forward": True,
            "_backward_name": backward_name,
            "forward": staticmethod(forward),
            "backward": staticmethod(backward),
        },
    )


def _reshape_function(name: str, backward_name: str):
    """A Function that reshapes (a view when NumPy can; ``UnsafeView`` copies)."""

    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)

    return array_function_class(name, backward_name, forward, backward)


Reshape = _reshape_function("Reshape", "ViewBackward0")
ReshapeAlias = _reshape_function("ReshapeAlias", "ReshapeAliasBackward0")
SqueezeAll = _reshape_function("SqueezeAll", "SqueezeBackward0")
SqueezeDim = _reshape_function("SqueezeDim", "SqueezeBackward1")
SqueezeDims = _reshape_function("SqueezeDims", "SqueezeBackward2")
Unsqueeze = _reshape_function("Unsqueeze", "UnsqueezeBackward0")


class _ContiguousReshape(Function):
    """The copying branch of reshape: a contiguous copy in the new shape."""

    _array_forward = True
    _backward_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        return xp_of(a).ascontiguousarray(a).reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


def view(input: Tensor, *shape) -> Tensor:
    """The same data with another shape, or reinterpreted as another dtype.

    ``view(*shape)`` needs strides compatible with the new shape (else use
    ``reshape``); ``view(dtype)`` reinterprets the bytes (not differentiable).

    Example:
        >>> import ember
        >>> ember.arange(6).view(2, -1).shape
        torch.Size([2, 3])
        >>> ember.tensor([1.0]).view(ember.int32)
        tensor([1065353216], dtype=torch.int32)
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_args(shape), input._array.size)
    if not _can_view(input._array, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    out = Reshape.apply(input, shape=shape)
    return make_view(out, input, lambda t: view(t, shape))




def _view_dtype(input: Tensor, dt) -> Tensor:
    """``view(dtype)``: reinterpret the bytes; shares memory and version, no ``_base``."""
    arr = input._array
    target = dt.numpy_dtype
    old_size, new_size = arr.dtype.itemsize, target.itemsize
    if old_size != new_size:
        what = f"to view {_TYPE_NAMES[input.dtype._name]} as {_TYPE_NAMES[dt._name]} (different element sizes)"
        if arr.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = _elem_strides(arr)
        if arr.shape[-1] != 1 and strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new_size > old_size:
            ratio = new_size // old_size
            if arr.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {arr.shape[-1]}")
            if input.storage_offset() % ratio:
                raise RuntimeError(
                    f"self.storage_offset() must be divisible by {ratio} {what}, but got {input.storage_offset()}"
                )
            for i, s in enumerate(strides[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, but got {s}")
        if arr.shape[-1] == 1 and strides[-1] != 1:
            arr = strided_view(arr, arr.shape, strides[:-1] + (1,))
    out = Tensor._from_array(arr.view(target))
    out._version_counter = input._version_counter
    return out


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other._array.shape)


def reshape(input: Tensor, *shape) -> Tensor:
    """A tensor with the given shape: a view when strides allow, else a copy.

    Example:
        >>> import ember
        >>> ember.arange(6).reshape(3, 2).tolist()
        [[0, 1], [2, 3], [4, 5]]
    """
    shape = _infer_shape(_shape_args(shape), input._array.size)
    if _can_view(input._array, shape):
        # torch names the node of a non-contiguous input's reshape differently
        fn = Reshape if input.is_contiguous() else ReshapeAlias
        out = fn.apply(input, shape=shape)
        return make_view(out, input, lambda t: reshape(t, shape))
    return _ContiguousReshape.apply(input, shape=shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other._array.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when strides allow).

    Returns ``input`` itself when there is nothing to merge, as torch does.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3, 4).flatten(1).shape
        torch.Size([2, 12])
    """
    shape = input._array.shape
    ndim = len(shape)
    start = normalize_dim(_as_int(start_dim, "start_dim"), ndim)
    end = normalize_dim(_as_int(end_dim, "end_dim"), ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if ndim == 0:
        return reshape(input, 1)
    if start == end:
        return input
    merged = 1
    for s in shape[start : end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1); always a view.

    Example:
        >>> import ember
        >>> ember.zeros(2, 12).unflatten(1, (3, -1)).shape
        torch.Size([2, 3, 4])
    """
    shape = input._array.shape
    d = normalize_dim(_as_int(dim, "dim"), len(shape))
    sizes = tuple(_as_int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = shape[d] if shape else 1
    try:
        resolved = _infer_shape(sizes, size)
    except RuntimeError:
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(
            f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up to the size of dim {d} "
            f"({size}) in the input tensor"
        ) from None
    return view(input, shape[:d] + resolved + shape[d + 1 :])


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor: a view of a contiguous input, else of a copy.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).t().ravel().tolist()
        [1, 3, 2, 4]
    """
    return view(input.contiguous(), -1)


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims: all of them, or those among ``dim`` (int or tuple); a view.

    Example:
        >>> import ember
        >>> ember.zeros(1, 3, 1).squeeze().shape, ember.zeros(1, 3, 1).squeeze((0, 1)).shape
        (torch.Size([3]), torch.Size([3, 1]))
    """
    shape = input._array.shape
    if dim is None:
        keep = tuple(s for s in shape if s != 1)
        out = SqueezeAll.apply(input, shape=keep)
        return make_view(out, input, lambda t: squeeze(t))
    dims = _dim_list(dim, len(shape), "squeeze")
    keep = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    fn = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    out = fn.apply(input, shape=keep)
    return make_view(out, input, lambda t: squeeze(t, dim))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim`` (a view).

    Example:
        >>> import ember
        >>> ember.zeros(3).unsqueeze(-1).shape
        torch.Size([3, 1])
    """
    shape = input._array.shape
    d = normalize_dim(_as_int(dim, "dim"), len(shape) + 1)
    new_shape = shape[:d] + (1,) + shape[d:]
    out = Unsqueeze.apply(input, shape=new_shape)
    return make_view(out, input, lambda t: unsqueeze(t, d))


# ---------------------------------------------------------------- dim reordering
class Permute(Function):
    _array_forward = True
    _backward_name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(tuple(int(i) for i in np.argsort(ctx.dims)))


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder the dimensions (a view).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
        torch.Size([4, 2, 3])
    """
    dims = _shape_args(dims)
    ndim = input._array.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = Permute.apply(input, dims=dims)
    return make_view(out, input, lambda t: permute(t, dims))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the rest keep their order (a view).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
        torch.Size([3, 4, 2])
    """
    ndim = input._array.ndim
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
            f"the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(normalize_dim(_as_int(d, "dim"), ndim) for d in src)
    dst = tuple(normalize_dim(_as_int(d, "dim"), ndim) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source) if isinstance(source, (tuple, list)) else source})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(
            f"movedim: repeated dim in `destination` ({list(destination) if isinstance(destination, (tuple, list)) else destination})"
        )
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(ndim) if i not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    return permute(input, order)


moveaxis = movedim


class Transpose(Function):
    _array_forward = True
    _backward_name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, dim0=0, dim1=1):
        ctx.dims = (dim0, dim1)
        return a.swapaxes(dim0, dim1) if a.ndim else a[...]

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims)


class _T(Function):
    _array_forward = True
    _backward_name = "TBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.T if a.ndim == 2 else a[...]

    @staticmethod
    def backward(ctx, grad):
        return grad.t()


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).transpose(0, 1).shape
        torch.Size([3, 2])
    """
    ndim = input._array.ndim
    d0 = normalize_dim(_as_int(dim0, "dim0"), ndim)
    d1 = normalize_dim(_as_int(dim1, "dim1"), ndim)
    out = Transpose.apply(input, dim0=d0, dim1=d1)
    return make_view(out, input, lambda x: transpose(x, d0, d1))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions (0-D and 1-D come back as they are).

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).t().shape
        torch.Size([3, 2])
    """
    if input._array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._array.ndim}D")
    return make_view(_T.apply(input), input, t)


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
    if input._array.ndim < 2:
        raise RuntimeError(
            f"tensor.adjoint() is only supported on matrices or batches of matrices. Got {input._array.ndim}-D tensor."
        )
    return transpose(input, -2, -1)


def _T_property(self: Tensor) -> Tensor:
    ndim = self._array.ndim
    if ndim == 0:
        warnings.warn(
            "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
            UserWarning,
            stacklevel=2,
        )
    elif ndim != 2:
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=2,
        )
    return permute(self, tuple(reversed(range(ndim))))


def _mT_property(self: Tensor) -> Tensor:
    if self._array.ndim < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {self._array.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


def _mH_property(self: Tensor) -> Tensor:
    if self._array.ndim < 2:
        raise RuntimeError(
            f"tensor.mH is only supported on matrices or batches of matrices. Got {self._array.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


def _H_property(self: Tensor) -> Tensor:
    ndim = self._array.ndim
    if ndim not in (0, 2):
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor."
            + (" For batches of matrices, consider using tensor.mH" if ndim > 2 else "")
        )
    return transpose(self, 0, 1) if ndim == 2 else permute(self, ())


# ------------------------------------------------------ in-place view ops (x.t_())
UnsqueezeInplace = _reshape_function("UnsqueezeInplace", "UnsqueezeBackward1")
SqueezeAllInplace = _reshape_function("SqueezeAllInplace", "SqueezeBackward3")
SqueezeDimInplace = _reshape_function("SqueezeDimInplace", "SqueezeBackward4")
SqueezeDimsInplace = _reshape_function("SqueezeDimsInplace", "SqueezeBackward5")


class TransposeInplace(Transpose):
    _backward_name = "TransposeBackward1"


class TInplace(_T):
    _backward_name = "TBackward1"


def _restride_inplace(self: Tensor, fn, replay, **params) -> Tensor:
    """Give ``self`` the layout of ``fn(self)``: same memory, new shape and strides.

    As in torch, this is an in-place op: the version moves and, under autograd,
    ``self`` gets the node of ``fn`` (``UnsqueezeBackward1``, ...).  ``replay(t)``
    redoes the op, for the view function of a view.
    """
    self._check_inplace_allowed()
    out = fn.apply(self, **params)
    self._array = out._array
    self._version_counter[0] += 1
    if out._grad_fn is not None:
        self._grad_fn = out._grad_fn
        self._output_nr = 0
        self._requires_grad = True
    if self._view_func is not None:
        inner = self._view_func
        self._view_func = lambda t: replay(inner(t))
    return self


def _unsqueeze_(self: Tensor, dim: int) -> Tensor:
    shape = self._array.shape
    d = normalize_dim(_as_int(dim, "dim"), len(shape) + 1)
    new_shape = shape[:d] + (1,) + shape[d:]
    return _restride_inplace(self, UnsqueezeInplace, lambda t: unsqueeze(t, d), shape=new_shape)


def _squeeze_(self: Tensor, dim=None) -> Tensor:
    shape = self._array.shape
    if dim is None:
        keep = tuple(s for s in shape if s != 1)
        return _restride_inplace(self, SqueezeAllInplace, squeeze, shape=keep)
    dims = _dim_list(dim, len(shape), "squeeze")
    keep = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    fn = SqueezeDimsInplace if isinstance(dim, (tuple, list)) else SqueezeDimInplace
    return _restride_inplace(self, fn, lambda t: squeeze(t, dim), shape=keep)


def _transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    ndim = self._array.ndim
    d0 = normalize_dim(_as_int(dim0, "dim0"), ndim)
    d1 = normalize_dim(_as_int(dim1, "dim1"), ndim)
    return _restride_inplace(self, TransposeInplace, lambda t: transpose(t, d0, d1), dim0=d0, dim1=d1)


def _t_(self: Tensor) -> Tensor:
    if self._array.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self._array.ndim}D")
    return _restride_inplace(self, TInplace, t)


# ------------------------------------------------------------------- atleast_nd
def _atleast(tensors, fix):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(fix(t) for t in tensors[0])
    if len(tensors) == 1:
        return fix(tensors[0])
    return tuple(fix(t) for t in tensors)


def _at_least_1d(t: Tensor) -> Tensor:
    return reshape(t, 1) if t._array.ndim == 0 else t


def _at_least_2d(t: Tensor) -> Tensor:
    ndim = t._array.ndim
    return reshape(t, 1, 1) if ndim == 0 else unsqueeze(t, 0) if ndim == 1 else t


def _at_least_3d(t: Tensor) -> Tensor:
    ndim = t._array.ndim
    if ndim == 0:
        return reshape(t, 1, 1, 1)
    if ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if ndim == 2 else t


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (one tensor in, one out; else a tuple).

    Example:
        >>> import ember
        >>> ember.atleast_1d(ember.tensor(3.0)).shape
        torch.Size([1])
    """
    return _atleast(tensors, _at_least_1d)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims (a 1-D one becomes a row).

    Example:
        >>> import ember
        >>> ember.atleast_2d(ember.zeros(3)).shape
        torch.Size([1, 3])
    """
    return _atleast(tensors, _at_least_2d)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims ((n,) -> (1, n, 1), (m, n) -> (m, n, 1)).

    Example:
        >>> import ember
        >>> ember.atleast_3d(ember.zeros(2, 3)).shape
        torch.Size([2, 3, 1])
    """
    return _atleast(tensors, _at_least_3d)


bind_methods(
    unsqueeze_=_unsqueeze_,
    squeeze_=_squeeze_,
    transpose_=_transpose_,
    swapaxes_=_transpose_,
    swapdims_=_transpose_,
    t_=_t_,
    view=view,
    view_as=view_as,
    reshape=reshape,
    reshape_as=reshape_as,
    flatten=flatten,
    unflatten=unflatten,
    ravel=ravel,
    squeeze=squeeze,
    unsqueeze=unsqueeze,
    permute=permute,
    movedim=movedim,
    moveaxis=moveaxis,
    transpose=transpose,
    swapaxes=swapaxes,
    swapdims=swapdims,
    t=t,
    adjoint=adjoint,
    T=property(_T_property),
    mT=property(_mT_property),
    H=property(_H_property),
    mH=property(_mH_property),
)

# Strided views, copying shape ops and joining/splitting attach their methods on import.
from . import joining, rearrange, strided  # noqa: F401
