"""Lazy modules: layers that infer their input size from the first input, as in torch.

A lazy module starts with ``UninitializedParameter``/``UninitializedBuffer`` tensors.
Its first call runs a forward pre-hook that ``materialize``s them with the shape the
input implies, calls ``reset_parameters()`` and turns the module into its ordinary
class (``cls_to_become``: ``LazyLinear`` becomes ``Linear``).  The parameter objects
stay the same, so an optimizer built before the first forward trains the real ones.
Loading a state dict into a lazy module materializes its tensors with the loaded shapes.

Example:
    >>> import ember, ember.nn as nn
    >>> lin = nn.LazyLinear(3)
    >>> lin
    LazyLinear(in_features=0, out_features=3, bias=True)
    >>> lin(ember.randn(2, 5)).shape
    torch.Size([2, 3])
    >>> lin
    Linear(in_features=5, out_features=3, bias=True)
"""

from __future__ import annotations

import itertools

from ...autograd.grad_mode import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm, _NormBase
from .conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm
from .linear import Linear

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "LazyModuleMixin",
]


class LazyModuleMixin:
    """Mixin (listed before the module class) for modules whose tensors are inferred lazily.

    Subclasses define ``initialize_parameters(*args)`` (materialize every lazy tensor
    from the forward's arguments) and ``cls_to_become``.

    Example:
        >>> import ember, ember.nn as nn
        >>> m = nn.LazyConv2d(4, 3)
        >>> m.has_uninitialized_params()
        True
        >>> _ = m(ember.randn(1, 2, 5, 5)); type(m).__name__, tuple(m.weight.shape)
        ('Conv2d', (4, 2, 3, 3))
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        handle = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)
        # the id (not the handle, which holds weak references) survives deepcopy and pickling
        self._initialize_hook_id = handle.id

    def has_uninitialized_params(self) -> bool:
        """Whether this module (not its children) still holds an uninitialized tensor."""
        for value in itertools.chain(self._parameters.values(), self._buffers.values()):
            if is_lazy(value):
                return True
        return False

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialize the lazy tensors from the forward's arguments (subclasses define it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        """The forward pre-hook: initialize, then become ``cls_to_become`` for good."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        hook_id = module.__dict__.pop("_initialize_hook_id")
        module._forward_pre_hooks.pop(hook_id, None)
        module._forward_pre_hooks_with_kwargs.pop(hook_id, None)
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _save_to_state_dict(self, destination, prefix: str, keep_vars: bool) -> None:
        # uninitialized tensors are saved as they are (they cannot be detached)
        super()._save_to_state_dict(destination, prefix, True)
        if keep_vars:
            return
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if value is not None and destination.get(key) is value and not is_lazy(value):
                destination[key] = value.detach()

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # torch's lazy load hook: a lazy tensor takes the shape of the one loaded into it;
        # an uninitialized entry loaded into an uninitialized tensor leaves both as they are
        both_lazy = []
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if value is None or key not in state_dict or not is_lazy(value):
                continue
            incoming = state_dict[key]
            if is_lazy(incoming):
                both_lazy.append(key)
                continue
            with no_grad():
                value.materialize(tuple(incoming.shape))
        if both_lazy:
            state_dict = {k: v for k, v in state_dict.items() if k not in both_lazy}
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        missing_keys[:] = [key for key in missing_keys if key not in both_lazy]

    def _apply(self, fn, recurse: bool = True):
        # .to()/.double()/... convert an uninitialized tensor's placeholder (its dtype and
        # device) and keep the same object, so it materializes with the new dtype
        def convert_lazy_in_place(t):
            if is_lazy(t):
                t._array = fn(t.data)._array
                return t
            return fn(t)

        return super()._apply(convert_lazy_in_place, recurse)

    def _replicate_for_data_parallel(self):
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with `DataParallel`. "
            "Run a dummy forward pass to correctly initialize the modules"
        )


# ------------------------------------------------------------------------ linear
class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`Linear` whose ``in_features`` is the last size of its first input.

    Args:
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyLinear(4)(ember.randn(2, 7)).shape
        torch.Size([2, 4])
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            # the weight came from a state dict: take in_features from it
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to in_features from "
                    f"self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = self.weight.shape[-1]


# -------------------------------------------------------------------- convolution
class _LazyConvXdMixin(LazyModuleMixin):
    """What the lazy convolutions share: ``in_channels`` is the input's channel size."""

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input) -> int:
        unbatched = self._dims + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
            )
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        with no_grad():
            self.weight.materialize(self._weight_shape())
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
        self.reset_parameters()


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A :class:`Conv1d` whose ``in_channels`` is ``input.size(1)`` of its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConv1d(8, 3)(ember.randn(2, 4, 10)).shape
        torch.Size([2, 8, 8])
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A :class:`Conv2d` whose ``in_channels`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConv2d(8, 3, padding=1)(ember.randn(2, 4, 6, 6)).shape
        torch.Size([2, 8, 6, 6])
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A :class:`Conv3d` whose ``in_channels`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConv3d(2, 3)(ember.randn(1, 3, 4, 4, 4)).shape
        torch.Size([1, 2, 2, 2, 2])
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A :class:`ConvTranspose1d` whose ``in_channels`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConvTranspose1d(2, 3, stride=2)(ember.randn(1, 4, 5)).shape
        torch.Size([1, 2, 11])
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A :class:`ConvTranspose2d` whose ``in_channels`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConvTranspose2d(2, 3)(ember.randn(1, 4, 5, 5)).shape
        torch.Size([1, 2, 7, 7])
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A :class:`ConvTranspose3d` whose ``in_channels`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyConvTranspose3d(1, 2, stride=2)(ember.randn(1, 2, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    cls_to_become = ConvTranspose3d


# -------------------------------------------------------------------- normalization
class _LazyNormBase(LazyModuleMixin, _NormBase):
    """What the lazy norms share: ``num_features`` is ``input.size(1)`` of the first input."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if not self.has_uninitialized_params():
            return
        # torch reads dim 1 even for unbatched instance-norm input
        self.num_features = input.shape[1]
        with no_grad():
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name)
                if is_lazy(value):
                    value.materialize((self.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm1d` whose ``num_features`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> bn = nn.LazyBatchNorm1d()
        >>> _ = bn(ember.randn(4, 3)); bn
        BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm1d
    _check_input_dim = BatchNorm1d._check_input_dim


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm2d` whose ``num_features`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyBatchNorm2d()(ember.randn(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    cls_to_become = BatchNorm2d
    _check_input_dim = BatchNorm2d._check_input_dim


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm3d` whose ``num_features`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyBatchNorm3d()(ember.randn(2, 3, 2, 2, 2)).shape
        torch.Size([2, 3, 2, 2, 2])
    """

    cls_to_become = BatchNorm3d
    _check_input_dim = BatchNorm3d._check_input_dim


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """An :class:`InstanceNorm1d` whose ``num_features`` is inferred from its first input.

    Unlike InstanceNorm1d (and as torch), ``affine`` and ``track_running_stats``
    default to True.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyInstanceNorm1d()(ember.randn(2, 3, 5)).shape
        torch.Size([2, 3, 5])
    """

    cls_to_become = InstanceNorm1d
    _spatial_dims = 1


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """An :class:`InstanceNorm2d` whose ``num_features`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyInstanceNorm2d()(ember.randn(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    cls_to_become = InstanceNorm2d
    _spatial_dims = 2


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """An :class:`InstanceNorm3d` whose ``num_features`` is inferred from its first input.

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.LazyInstanceNorm3d()(ember.randn(1, 2, 3, 3, 3)).shape
        torch.Size([1, 2, 3, 3, 3])
    """

    cls_to_become = InstanceNorm3d
    _spatial_dims = 3
