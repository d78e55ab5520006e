"""Tensor: an ``xp`` array plus autograd metadata.

The class holds the data, the graph bookkeeping and conversions.  The math methods
and operators (``x.exp()``, ``x + y``, ``x[0]``) are the functions of ``ember.ops``,
attached to the class by each op family's module (see ``ops/_methods.py``), so that
an op's forward and backward live in one place.

Example:
    >>> import ember
    >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
"""

from __future__ import annotations

import copy

import numpy as np

from . import _dtype
from . import _memory_format as _mf
from ._device import CPU, device, device_of_array
from .autograd import engine as _engine
from .autograd import function as _function
from .autograd.function import Function, grad_accumulator_for, publish_node
from .autograd.grad_mode import STATE

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """The shape of a tensor: a tuple that prints like ``torch.Size([2, 3])``.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).shape
        torch.Size([2, 3])
    """

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, item):
        out = super().__getitem__(item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


class ToDtype(Function):
    """Differentiable dtype conversion; the gradient is cast back."""

    _array_forward = True
    _backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, np_dtype, memory_format=None):
        ctx.in_dtype = a.dtype
        if memory_format is None and a.flags.c_contiguous and 1 not in a.shape:
            return a.astype(np_dtype)  # the common case: row-major stays row-major
        # torch's layout: preserve_format keeps a dense input's exact strides
        out = _mf.new_array_like(a, _mf.preserve_format if memory_format is None else memory_format, np_dtype)
        _mf._xp_of(a).copyto(out, a, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad._cast_np(ctx.in_dtype), None, None


class Clone(Function):
    _array_forward = True
    _backward_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, a, memory_format=_mf.preserve_format):
        return _mf.copy_array(a, memory_format)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Tensor:
    """A multi-dimensional array that records the ops applied to it for autograd.

    Build one with :func:`ember.tensor` or a factory (``zeros``, ``randn``, ...);
    ``Tensor(data)`` and ``Tensor(*sizes)`` work as in torch (always the default
    floating dtype).
    """

    __slots__ = ("_array", "_requires_grad", "_grad_fn", "_version_counter", "__dict__", "__weakref__")

    # Rarely set state lives in class-level defaults, so making a tensor stays cheap.
    _grad = None
    _output_nr = 0
    _base = None
    _view_func = None
    _grad_accumulator = None
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False

    # ndarray * tensor must call Tensor.__rmul__, not NumPy's elementwise loop.
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        if cls is not Tensor and not args:
            return cls._from_array(np.empty((0,), _dtype.get_default_dtype().numpy_dtype))
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                return data
            arr = np.asarray(data, dtype=_dtype.get_default_dtype().numpy_dtype)
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            arr = np.empty(tuple(sizes), dtype=_dtype.get_default_dtype().numpy_dtype)
        return cls._from_array(arr)

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def _from_array(cls, arr, requires_grad: bool = False):
        """Wrap an ``xp`` array without copying (the internal constructor)."""
        t = object.__new__(cls)
        t._array = arr
        t._requires_grad = requires_grad
        t._grad_fn = None
        t._version_counter = [0]
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[self._wrap_dim(dim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._array.dtype)

    @property
    def device(self) -> device:
        return device_of_array(self._array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def layout(self):
        return "torch.strided"

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def dim(self) -> int:
        return self._array.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._array.size)

    nelement = numel

    def element_size(self) -> int:
        return self._array.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._array.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def stride(self, dim: int | None = None):
        """Strides in elements (not bytes), as torch reports them."""
        item = self._array.dtype.itemsize
        strides = tuple(s // item for s in self._array.strides)
        if dim is None:
            return strides
        return strides[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        base = self._root_array()
        return (self._data_address() - _address(base)) // self._array.dtype.itemsize

    def data_ptr(self) -> int:
        return self._data_address()

    def _data_address(self) -> int:
        return _address(self._array)

    def _root_array(self):
        arr = self._array
        while isinstance(getattr(arr, "base", None), np.ndarray):
            arr = arr.base
        return arr

    def untyped_storage(self):
        return _StorageView(self)

    def is_contiguous(self, memory_format=_mf.contiguous_format) -> bool:
        fmt = _mf.check_format_type(memory_format, "is_contiguous")
        if fmt in (_mf.channels_last, _mf.channels_last_3d):
            return _mf.is_contiguous_in(self._array.shape, self.stride(), fmt)
        if self._array.ndim == 0 or self._array.size <= 1:
            return True
        # torch ignores the stride of size-1 dimensions
        expected = 1
        for size, stride in zip(reversed(self._array.shape), reversed(self.stride())):
            if size != 1 and stride != expected:
                return False
            expected *= size
        return True

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind in "fV"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def is_inference(self) -> bool:
        return False

    def _wrap_dim(self, dim: int) -> int:
        ndim = max(self._array.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
            )
        return dim % ndim

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    def _bump_version(self) -> None:
        self._version_counter[0] += 1

    # ---------------------------------------------------------------- autograd
    @property
    def grad_fn(self):
        """The graph node that made this tensor (None for leaves); read-only, as in torch.

        Example:
            >>> import ember
            >>> (ember.ones(2, requires_grad=True) * 2).grad_fn.name()
            'MulBackward0'
        """
        return publish_node(self._grad_fn)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return
        if value and self._array.dtype.kind not in "fV":
            raise RuntimeError(
                f"only Tensors of floating point and complex dtype can require gradients "
                f"(got {self.dtype})"
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad(self):
        if self._grad is None and self._grad_fn is not None and not self._retains_grad:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad {tuple(value.shape)} for a "
                    f"tensor of {tuple(self.shape)}"
                )
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: grad {value.dtype} for a tensor of {self.dtype}"
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def _get_grad_accumulator(self):
        return grad_accumulator_for(self)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Compute the gradient of this tensor with respect to the graph's leaves.

        Example:
            >>> import ember
            >>> x = ember.tensor(2.0, requires_grad=True)
            >>> (x ** 3).backward(); x.grad
            tensor(12.)
        """
        arr = self._array
        if gradient is None and inputs is None and not create_graph and arr.size == 1 and self._requires_grad and arr.dtype.kind == "f":
            # The common `loss.backward()`: skip the general argument handling.
            seed = np.array(1, arr.dtype) if arr.ndim == 0 else np.ones(arr.shape, arr.dtype)
            _engine.run_backward((self,), (Tensor._from_array(seed),), bool(retain_graph), False)
            return
        from .autograd import backward as _backward

        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever this tensor's gradient is computed.

        The hook may return a new gradient to use instead.

        Example:
            >>> import ember
            >>> x = ember.ones(2, requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> x.sum().backward(); x.grad
            tensor([10., 10.])
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        from .autograd.function import _RemovableHandle

        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a leaf's ``.grad`` was updated."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        from .autograd.function import _RemovableHandle

        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        import weakref

        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad if STATE.enabled else grad.detach()
                t._grad = g._detached_copy() if t._grad is None and not STATE.enabled else (
                    g if t._grad is None else t._grad + g
                )

        self._grad_fn._add_tensor_hook(self._output_nr, keep)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph."""
        t = Tensor._from_array(self._array)
        t._version_counter = self._version_counter
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph, making it a leaf."""
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of "
                "DDP buckets, and hence detach_() cannot be called on these gradients."
            )
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    @property
    def data(self) -> "Tensor":
        """This tensor's data as a tensor outside the graph (sharing memory)."""
        t = Tensor._from_array(self._array)
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._array = value._array

    def _detached_copy(self) -> "Tensor":
        return Tensor._from_array(self._array.copy())

    def _accumulate_inplace(self, other) -> None:
        """``self += other`` on the raw data (gradient accumulation, no graph).

        ``other`` is a Tensor or a raw array of the same device.
        """
        arr = self._array
        if isinstance(other, Tensor):
            other = other._array
        try:
            arr += other
        except ValueError:  # a read-only array, or other does not fit arr's shape
            self._array = arr + other
        self._version_counter[0] += 1

    @staticmethod
    def _zeros_like_output(node, index: int) -> "Tensor":
        shape, np_dtype = node._output_meta[index]
        return Tensor._from_array(np.zeros(shape, np_dtype))

    def _check_inplace_allowed(self) -> None:
        """Raise torch's error for an in-place change that autograd can't allow."""
        if STATE.enabled and self._requires_grad and self._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        base = self._base
        if STATE.enabled and base is not None and base._requires_grad and base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )

    # -------------------------------------------------------------- conversion
    def _cast_np(self, np_dtype) -> "Tensor":
        if self._array.dtype == np_dtype:
            return self
        return ToDtype.apply(self, np_dtype, None)

    def to(self, *args, **kwargs) -> "Tensor":
        """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``.

        Returns self when nothing changes (as torch does) unless ``copy=True``.

        Example:
            >>> import ember
            >>> ember.ones(2).to(ember.float64).dtype
            torch.float64
        """
        target_dtype = kwargs.pop("dtype", None)
        target_device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        fmt = _mf.check_format_type(kwargs.pop("memory_format", None), "to", allow_none=True)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dtype.dtype):
                target_dtype = a
            elif isinstance(a, Tensor):
                target_dtype, target_device = a.dtype, a.device
            elif isinstance(a, (str, device, int)):
                target_device = a
            elif isinstance(a, bool):
                continue
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
        out = self
        if target_device is not None:
            out = _move_to_device(out, device(target_device))
        np_dtype = target_dtype.numpy_dtype if target_dtype is not None else out._array.dtype
        if fmt is not _mf.preserve_format and (
            np_dtype != out._array.dtype
            or _mf.suggest_memory_format(out._array.shape, out.stride()) is not fmt
        ):
            # torch returns self when the strides already suggest the format
            _mf.check_rank(fmt, out._array.ndim)
            out = ToDtype.apply(out, np_dtype, fmt)
        else:
            out = out._cast_np(np_dtype)
        if copy and out is self:
            out = Clone.apply(self, fmt)
        return out

    def type(self, dtype=None):
        if dtype is None:
            return _legacy_type_name(self.dtype)
        if isinstance(dtype, str):
            dtype = _type_from_legacy_name(dtype)
        return self.to(dtype)

    def float(self) -> "Tensor":
        return self._cast_np(np.dtype(np.float32))

    def double(self) -> "Tensor":
        return self._cast_np(np.dtype(np.float64))

    def half(self) -> "Tensor":
        return self._cast_np(np.dtype(np.float16))

    def bfloat16(self) -> "Tensor":
        return self._cast_np(_dtype.bfloat16.numpy_dtype)

    def long(self) -> "Tensor":
        return self._cast_np(np.dtype(np.int64))

    def int(self) -> "Tensor":
        return self._cast_np(np.dtype(np.int32))

    def short(self) -> "Tensor":
        return self._cast_np(np.dtype(np.int16))

    def char(self) -> "Tensor":
        return self._cast_np(np.dtype(np.int8))

    def byte(self) -> "Tensor":
        return self._cast_np(np.dtype(np.uint8))

    def bool(self) -> "Tensor":
        return self._cast_np(np.dtype(np.bool_))

    def type_as(self, other: "Tensor") -> "Tensor":
        return self._cast_np(other._array.dtype)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        return self.to(device if device is not None else "cuda")

    def clone(self, *, memory_format=_mf.preserve_format) -> "Tensor":
        """A copy with its own memory; gradients flow back to the original.

        ``preserve_format`` (the default) keeps the strides of a dense input and the
        dim order of any other; ``contiguous_format``/``channels_last(_3d)`` lay the
        copy out in that format.

        Example:
            >>> import ember
            >>> ember.zeros(3, 4).t().clone().stride()
            (1, 4)
        """
        fmt = _mf.check_format_type(memory_format, "clone", allow_none=True)
        _mf.check_rank(fmt, self._array.ndim)
        return Clone.apply(self, fmt)

    def contiguous(self, memory_format=_mf.contiguous_format) -> "Tensor":
        """Self if already contiguous in ``memory_format``, else a copy laid out so.

        Example:
            >>> import ember
            >>> ember.zeros(2, 3, 4, 5).contiguous(memory_format=ember.channels_last).stride()
            (60, 1, 15, 3)
        """
        fmt = _mf.check_format_type(memory_format, "contiguous")
        if self.is_contiguous(fmt):
            return self
        if fmt is _mf.preserve_format:
            raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
        _mf.check_rank(fmt, self._array.ndim)
        return Clone.apply(self, fmt)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array sharing memory (CPU tensors)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if not isinstance(self._array, np.ndarray):
            if not force:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                    "copy the tensor to host memory first."
                )
            return self._array.get()
        return self._array

    def __array__(self, dtype=None, copy=None):
        arr = self._array if isinstance(self._array, np.ndarray) else self._array.get()
        if dtype is not None:
            return arr.astype(dtype)
        return arr

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._array.size} elements cannot be converted to Scalar"
            )
        value = self._array.reshape(()).item() if isinstance(self._array, np.ndarray) else self._array.item()
        if self._array.dtype.kind == "V":
            value = float(np.asarray(self._array, dtype=np.float32).reshape(()))
        return value

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        arr = np.asarray(self.__array__())
        if arr.dtype.kind == "V":
            arr = arr.astype(np.float32)
        return arr.tolist()

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._array.size > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._array.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ._formatting import format_tensor

        return format_tensor(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        # Pickling (multiprocessing, copy) goes through a plain array; graph state is dropped
        # as torch does for leaves.  The shared-memory path lives in ember.multiprocessing.
        return (_rebuild_tensor, (np.asarray(self.__array__()), self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
            )
        new = type(self)._from_array(self._array.copy(), self._requires_grad)
        # User attributes travel with the copy; autograd bookkeeping (the leaf's
        # AccumulateGrad node, hooks, view links) belongs to the original alone.
        for key, value in self.__dict__.items():
            if key not in _AUTOGRAD_STATE:
                new.__dict__[key] = copy.deepcopy(value, memo)
        if self._grad is not None:
            new._grad = self._grad._detached_copy()
        memo[id(self)] = new
        return new

    def share_memory_(self) -> "Tensor":
        from .multiprocessing._shared_memory import move_to_shared_memory

        move_to_shared_memory(self)
        return self

    def is_shared(self) -> bool:
        from .multiprocessing._shared_memory import is_in_shared_memory

        return is_in_shared_memory(self)

    def __dlpack__(self, stream=None, **kwargs):
        if self._requires_grad:  # torch's rule: the consumer could not see the graph
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        if not isinstance(self._array, np.ndarray):
            kwargs["stream"] = stream  # CuPy synchronizes on the consumer's stream
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def names(self):
        return (None,) * self._array.ndim


_AUTOGRAD_STATE = frozenset(
    {
        "_grad",
        "_output_nr",
        "_base",
        "_view_func",
        "_grad_accumulator",
        "_hooks",
        "_post_accumulate_hooks",
        "_retains_grad",
    }
)


def _rebuild_tensor(arr, requires_grad, cls=Tensor):
    t = cls._from_array(np.array(arr))
    t._requires_grad = requires_grad
    return t


def _address(arr) -> int:
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


class _StorageView:
    """The minimal untyped-storage API: identity of the underlying memory."""

    def __init__(self, tensor):
        self._root = tensor._root_array()

    def data_ptr(self) -> int:
        return _address(self._root)

    def nbytes(self) -> int:
        return int(self._root.nbytes)

    def size(self) -> int:
        return int(self._root.nbytes)


_LEGACY_NAMES = {
    "float32": "torch.FloatTensor",
    "float64": "torch.DoubleTensor",
    "float16": "torch.HalfTensor",
    "bfloat16": "torch.BFloat16Tensor",
    "int64": "torch.LongTensor",
    "int32": "torch.IntTensor",
    "int16": "torch.ShortTensor",
    "int8": "torch.CharTensor",
    "uint8": "torch.ByteTensor",
    "bool": "torch.BoolTensor",
}


def _legacy_type_name(d) -> str:
    return _LEGACY_NAMES[d._name]


def _type_from_legacy_name(name: str):
    for key, legacy in _LEGACY_NAMES.items():
        if legacy == name or legacy.replace("torch.", "ember.") == name:
            return _dtype._BY_NAME[key]
    raise ValueError(f"invalid type: {name!r}")


class _ToDevice(Function):
    _array_forward = True
    _backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, target):
        from ._device import get_array_module

        ctx.source = device_of_array(a)
        if target.type == "cpu":
            return a.get() if hasattr(a, "get") else a
        return get_array_module(target).asarray(a)

    @staticmethod
    def backward(ctx, grad):
        return _move_to_device(grad, ctx.source), None


def _move_to_device(t: Tensor, target: device) -> Tensor:
    if target.type == "meta":
        raise NotImplementedError("ember has no meta tensors")
    if t.device == target or (target.type == t.device.type and target.index is None):
        return t
    return _ToDevice.apply(t, target)


CPU_DEVICE = CPU


_function.set_tensor_class(Tensor)
