"""``nn.SyncBatchNorm``: batch normalization whose statistics span all ranks' batches.

In training mode, with an initialized ``ember.distributed`` process group of more than one
rank, every rank contributes its per-channel count, sum and sum of squares to one
all-reduce; all ranks then normalize with the global mean and variance and update their
running statistics with the global unbiased variance.  In backward the per-channel sums
of ``grad`` and ``grad * xhat`` are all-reduced as well, so each rank's input gradient is
its slice of the gradient of one BatchNorm run on the concatenated batch.  ``weight`` and
``bias`` gradients stay per rank (sum them over ranks, or average them as
DistributedDataParallel does).  Forward and backward are therefore collectives: every rank
of the group must run them.

Without a process group (or with one rank), and in evaluation mode, it is exactly
``BatchNorm``.  The normalization itself is ``ember.ops.normalization.Normalize``; only the
statistics (and, through its ``grad_means`` hook, the backward's means) come from here.

Example:
    >>> import ember, ember.nn as nn
    >>> bn = nn.SyncBatchNorm(3)
    >>> bn
    SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    >>> bn(ember.randn(4, 3, 5)).shape
    torch.Size([4, 3, 5])
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops._util import xp_of
from ...ops.normalization import Normalize, batch_norm_layout, check_training_count, update_running_stats
from .batchnorm import _BatchNorm
from .module import Module

__all__ = ["SyncBatchNorm"]


def _all_reduce_sum(array, group):
    """Sum a float64 array over the ranks of ``group`` (one collective) and return it."""
    from ... import distributed as dist

    packed = Tensor._from_array(array)
    dist.all_reduce(packed, group=group)
    return packed._array


def sync_batch_norm(input: Tensor, running_mean, running_var, weight, bias, momentum: float, eps: float, group) -> Tensor:
    """Training-mode batch norm with the statistics of all ranks' batches in ``group``.

    Each rank passes its own part of the batch; the result is its part of the output of
    one batch norm over the whole batch.  Running statistics (when given) are updated in
    place with the global mean and unbiased variance.
    """
    channels, dims, param_shape, cdt = batch_norm_layout(input, running_mean, running_var, weight, bias)
    x = input._array
    xp = xp_of(x)
    stat_shape = (1,) + param_shape
    # float64 sums keep sum-of-squares' cancellation small for float32 inputs
    x64 = x.astype(np.float64, copy=False)
    local = xp.concatenate([xp.full(1, x.size // channels, np.float64), x64.sum(axis=dims), (x64 * x64).sum(axis=dims)])
    packed = _all_reduce_sum(local, group)
    count = float(packed[0])
    check_training_count(input, count)
    mean64 = packed[1 : 1 + channels] / count
    var64 = xp.maximum(packed[1 + channels :] / count - mean64 * mean64, 0.0)
    update_running_stats(running_mean, running_var, mean64, var64, count, momentum)
    mean = mean64.astype(cdt).reshape(stat_shape)
    var = var64.astype(cdt).reshape(stat_shape)
    invstd = 1.0 / xp.sqrt(var + cdt.type(eps))

    def grad_means(gxhat, gxhat_xhat, reduced_dims):
        """The means of ``gxhat`` and ``gxhat * xhat`` over every rank's batch (one collective)."""
        sums = xp.concatenate([gxhat.sum(axis=reduced_dims), gxhat_xhat.sum(axis=reduced_dims)]).astype(np.float64)
        total = _all_reduce_sum(sums.reshape(-1), group) / count
        return (total[:channels].astype(cdt).reshape(stat_shape), total[channels:].astype(cdt).reshape(stat_shape))

    return Normalize.apply(
        input, weight, bias, dims=dims, mean=mean, invstd=invstd, param_shape=param_shape, batch_stats=True, eps=eps,
        grad_means=grad_means,
    )


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of ``(N, C, *)`` inputs over the batches of all ranks.

    Args:
        num_features: C.
        eps: added to the variance for stability.
        momentum: weight of the new batch in the running statistics (None: cumulative average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep running statistics (else batch statistics are always used).
        process_group: the group whose ranks share statistics (None: the default group).
        bias: (keyword) learn the bias when affine.

    In training mode with an initialized process group of more than one rank, forward and
    backward are collectives over ``process_group``; otherwise it is ``BatchNorm``.  Use
    :meth:`convert_sync_batchnorm` to swap the BatchNorm layers of a model.

    Example:
        >>> import ember, ember.nn as nn
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)))
        >>> type(model[1]).__name__
        'SyncBatchNorm'
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group=None,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input) -> None:
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def _sync_group(self):
        """The process group to synchronize over, or None when this forward runs locally."""
        if not self.training:
            return None
        from ... import distributed as dist

        if not dist.is_initialized():
            return None
        group = self.process_group if self.process_group is not None else dist.group.WORLD
        return group if dist.get_world_size(group) > 1 else None

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        group = self._sync_group()
        if group is None:
            return super().forward(input)
        factor = self._running_stats_factor()  # (a synchronized forward runs in training only)
        keep_running = self.track_running_stats
        return sync_batch_norm(
            input,
            self.running_mean if keep_running else None,
            self.running_var if keep_running else None,
            self.weight,
            self.bias,
            factor,
            self.eps,
            group,
        )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """Replace every BatchNorm*D layer in ``module`` (itself included) with a SyncBatchNorm.

        The new layers share the old ones' parameters and buffers (the same tensors) and
        take their ``training`` flag (and ``qconfig`` if set), as torch does.

        Example:
            >>> import ember.nn as nn
            >>> bn = nn.BatchNorm2d(4)
            >>> sync = nn.SyncBatchNorm.convert_sync_batchnorm(bn)
            >>> sync.weight is bn.weight
            True
        """
        converted = module
        if isinstance(module, _BatchNorm):
            converted = cls(
                module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats, process_group
            )
            if module.affine:
                with no_grad():
                    converted.weight = module.weight
                    converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
            if hasattr(module, "qconfig"):
                converted.qconfig = module.qconfig
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
