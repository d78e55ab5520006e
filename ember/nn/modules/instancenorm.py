"""Instance normalization layers: InstanceNorm1d/2d/3d, as in ``torch.nn``.

Each channel of each sample is normalized over its spatial dims.  Unlike batch norm,
``affine`` and ``track_running_stats`` default to False.

Example:
    >>> import ember, ember.nn as nn
    >>> nn.InstanceNorm2d(3)
    InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    >>> nn.InstanceNorm2d(3)(ember.randn(2, 3, 8, 8)).shape
    torch.Size([2, 3, 8, 8])
"""

from __future__ import annotations

import warnings

from ...ops.normalization import instance_norm
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial_dims = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _unbatched_dims(self) -> int:
        return self._spatial_dims + 1

    def _check_input_dim(self, input) -> None:
        n = self._spatial_dims
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")

    def _apply_instance_norm(self, input):
        return instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if version is None and not self.track_running_stats:
            # old checkpoints saved running stats even when they were not tracked: drop them
            dropped = [prefix + name for name in ("running_mean", "running_var") if prefix + name in state_dict]
            if dropped:
                warnings.warn(
                    f"Unexpected running stats buffer(s) {', '.join(repr(k) for k in dropped)} for "
                    f"{type(self).__name__} with track_running_stats=False. If state_dict is a checkpoint saved "
                    f"before 0.4.0, this may be expected because {type(self).__name__} does not track running "
                    "stats by default since 0.4.0. Please remove these keys from state_dict. If the running "
                    "stats are actually needed, instead set track_running_stats=True in "
                    f"{type(self).__name__} to enable them. See the documentation of {type(self).__name__} for "
                    "details."
                )
                for key in dropped:
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._unbatched_dims()
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features ({self.num_features}), but "
                    f"got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this warning by "
                "not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        if input.dim() == self._unbatched_dims():
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` (or ``(C, L)``).

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: running-statistics update weight.
        affine: learn per-channel ``weight``/``bias`` (default False).
        track_running_stats: keep running statistics and use them in eval mode (default False).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.InstanceNorm1d(100, affine=True)(ember.randn(20, 100, 40)).shape
        torch.Size([20, 100, 40])
    """

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` (or ``(C, H, W)``).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.InstanceNorm2d(4)(ember.randn(2, 4, 6, 6)).shape
        torch.Size([2, 4, 6, 6])
    """

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``).

    Example:
        >>> import ember, ember.nn as nn
        >>> nn.InstanceNorm3d(2)(ember.randn(1, 2, 3, 4, 5)).shape
        torch.Size([1, 2, 3, 4, 5])
    """

    _spatial_dims = 3
