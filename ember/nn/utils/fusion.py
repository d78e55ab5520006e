"""Fold an eval-mode BatchNorm into the convolution or linear layer before it.

In eval mode ``bn(conv(x))`` is an affine map per channel of ``conv(x)``, so it can be
absorbed into the layer's weight and bias: one layer instead of two at inference time.

Example:
    >>> import ember, ember.nn as nn
    >>> conv, bn = nn.Conv2d(2, 3, 3).eval(), nn.BatchNorm2d(3).eval()
    >>> fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> x = ember.randn(1, 2, 5, 5)
    >>> bool(fused(x).allclose(bn(conv(x)), atol=1e-5))
    True
"""

from __future__ import annotations

import copy
from typing import TypeVar

from ..._tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

ConvT = TypeVar("ConvT", bound=Module)
LinearT = TypeVar("LinearT", bound=Module)


def _filled_like(reference: Tensor, value: float) -> Tensor:
    from ...ops.creation import full_like

    return full_like(reference, value)  # zeros_like / ones_like of torch's code


def fuse_conv_bn_eval(conv: ConvT, bn: Module, transpose: bool = False) -> ConvT:
    """A copy of ``conv`` whose output equals ``bn(conv(x))`` (both in eval mode).

    ``transpose=True`` for transposed convolutions (output channels in weight dim 1).

    Example:
        >>> import ember.nn as nn
        >>> fused = nn.utils.fuse_conv_bn_eval(nn.Conv1d(2, 4, 3).eval(), nn.BatchNorm1d(4).eval())
        >>> type(fused).__name__
        'Conv1d'
    """
    assert not (conv.training or bn.training), "Fusion only for eval!"
    fused_conv = copy.deepcopy(conv)
    assert bn.running_mean is not None and bn.running_var is not None
    fused_conv.weight, fused_conv.bias = fuse_conv_bn_weights(
        fused_conv.weight, fused_conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused_conv


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The ``(weight, bias)`` Parameters of a convolution followed by batch norm.

    ``w' = w * gamma / sqrt(var + eps)`` per output channel and
    ``b' = (b - mean) * gamma / sqrt(var + eps) + beta``; missing ``conv_b``/``bn_b``
    count as zeros and a missing ``bn_w`` as ones.  The results keep the conv's dtypes.

    Example:
        >>> import ember
        >>> from ember.nn.utils import fuse_conv_bn_weights
        >>> w, b = fuse_conv_bn_weights(ember.ones(2, 1, 1), None, ember.zeros(2), ember.ones(2), 0.0, None, None)
        >>> b.detach(), b.requires_grad
        (tensor([0., 0.]), False)
    """
    conv_weight_dtype = conv_w.dtype
    conv_bias_dtype = conv_b.dtype if conv_b is not None else conv_weight_dtype
    if conv_b is None:
        conv_b = _filled_like(bn_rm, 0.0)
    if bn_w is None:
        bn_w = _filled_like(bn_rm, 1.0)
    if bn_b is None:
        bn_b = _filled_like(bn_rm, 0.0)
    bn_var_rsqrt = (bn_rv + bn_eps).rsqrt()
    if transpose:
        shape = [1, -1] + [1] * (conv_w.dim() - 2)
    else:
        shape = [-1, 1] + [1] * (conv_w.dim() - 2)
    fused_conv_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(dtype=conv_weight_dtype)
    fused_conv_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(dtype=conv_bias_dtype)
    return Parameter(fused_conv_w, conv_w.requires_grad), Parameter(fused_conv_b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear: LinearT, bn: Module) -> LinearT:
    """A copy of ``linear`` whose output equals ``bn(linear(x))`` (both in eval mode).

    The batch norm acts on the linear layer's output features, so it must have
    ``linear.out_features`` features (or 1, which broadcasts).

    Example:
        >>> import ember.nn as nn
        >>> fused = nn.utils.fuse_linear_bn_eval(nn.Linear(3, 4).eval(), nn.BatchNorm1d(4).eval())
        >>> tuple(fused.weight.shape)
        (4, 3)
    """
    assert not (linear.training or bn.training), "Fusion only for eval!"
    fused_linear = copy.deepcopy(linear)
    assert linear.out_features == bn.num_features or bn.num_features == 1, (
        "To fuse, linear.out_features == bn.num_features or bn.num_features == 1"
    )
    assert bn.running_mean is not None and bn.running_var is not None
    fused_linear.weight, fused_linear.bias = fuse_linear_bn_weights(
        fused_linear.weight, fused_linear.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused_linear


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The ``(weight, bias)`` Parameters of a linear layer followed by batch norm.

    Example:
        >>> import ember
        >>> from ember.nn.utils import fuse_linear_bn_weights
        >>> w, b = fuse_linear_bn_weights(ember.ones(2, 3), None, ember.zeros(2), ember.full((2,), 4.0),
        ...                               0.0, ember.ones(2), ember.ones(2))
        >>> w.detach()
        tensor([[0.5000, 0.5000, 0.5000],
                [0.5000, 0.5000, 0.5000]])
    """
    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    if linear_b is None:
        linear_b = _filled_like(bn_rm, 0.0)
    bn_scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
