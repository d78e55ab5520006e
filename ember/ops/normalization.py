"""Normalization: batch, layer, group, instance and local-response normalization.

One Function, ``Normalize``, computes ``(x - mean) * invstd * weight + bias`` where the
statistics are taken over some dims of ``x`` (batch statistics) or given (running
statistics in evaluation mode).  Its backward is the usual closed form; when a graph
of the backward is wanted (``create_graph=True``) it is written with ember ops on the
saved input so that second derivatives are exact, otherwise it runs on raw arrays.

Running statistics are updated in place, without autograd, as torch does: the mean
with the batch mean and the variance with the *unbiased* batch variance.

Example:
    >>> import ember
    >>> x = ember.randn(8, 3, 4)
    >>> y = ember.nn.functional.batch_norm(x, None, None, training=True)
    >>> [round(v, 4) + 0.0 for v in y.mean(dim=(0, 2)).tolist()]
    [0.0, 0.0, 0.0]
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE
from ._util import column_sums, shape_str, xp_of

__all__ = [
    "batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "native_batch_norm",
    "native_layer_norm",
    "rms_norm",
]

_LOW_PRECISION = ("float16", "bfloat16")


def _compute_dtype(dtype):
    if dtype.name in _LOW_PRECISION or dtype.kind == "V":
        return np.dtype(np.float32)
    return dtype


def _batch_stats(x, dims):
    """Mean and biased variance over ``dims`` (kept as size-1 dims)."""
    xp = xp_of(x)
    mean = x.mean(axis=dims, keepdims=True)
    centered = x - mean
    var = xp.mean(centered * centered, axis=dims, keepdims=True)
    return mean, var


class Normalize(Function):
    """``(x - mean) * invstd``, then ``* weight + bias`` broadcast as ``param_shape``.

    ``dims`` are the reduced dims; ``mean``/``invstd`` arrays shaped for broadcasting
    against ``x``.  ``batch_stats`` says whether they were computed from ``x`` (so
    they depend on it) or are fixed running statistics.
    """

    _array_forward = True
    _backward_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, dims=(), mean=None, invstd=None, param_shape=(), batch_stats=True, eps=1e-5, work_shape=None,
                grad_means=None):
        ctx.work_shape = work_shape
        # grad_means(gxhat, gxhat_xhat, dims) -> their means over the batch statistics'
        # population when it is larger than x (SyncBatchNorm: all ranks' batches)
        ctx.grad_means = grad_means
        ctx.save_for_backward(x, weight)
        in_shape = x.shape
        if work_shape is not None:  # group norm computes on (N, G, C/G, rest)
            x = x.reshape(work_shape)
        ctx.dims = dims
        ctx.param_shape = param_shape
        ctx.batch_stats = batch_stats
        ctx.mean = mean
        ctx.invstd = invstd
        ctx.eps = eps
        ctx.bias_shape = bias.shape if bias is not None else None
        cdt = _compute_dtype(x.dtype)
        xc = x.astype(cdt, copy=False)
        y = (xc - mean) * invstd
        if weight is not None:
            y *= weight.astype(cdt, copy=False).reshape(param_shape)
        if bias is not None:
            y += bias.astype(cdt, copy=False).reshape(param_shape)
        y = y.astype(x.dtype, copy=False)
        return y if work_shape is None else y.reshape(in_shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = ctx.needs_input_grad[2]
        if STATE.enabled and ctx.grad_means is None:
            return _normalize_backward_graph(ctx, grad, x, weight, need_x, need_w, need_b)
        return _normalize_backward_arrays(ctx, grad, x, weight, need_x, need_w, need_b)


def _param_dims(ndim: int, param_shape) -> tuple:
    """The dims of ``x`` over which the affine parameters' gradients are summed."""
    lead = ndim - len(param_shape)
    return tuple(i for i in range(ndim) if i < lead or param_shape[i - lead] == 1)


def _normalize_backward_arrays(ctx, grad, x, weight, need_x, need_w, need_b):
    """The backward on raw arrays (no graph of the backward is recorded)."""
    g = grad._array
    xa = x._array
    if ctx.work_shape is not None:
        g = g.reshape(ctx.work_shape)
        xa = xa.reshape(ctx.work_shape)
    cdt = _compute_dtype(xa.dtype)
    g = g.astype(cdt, copy=False)
    xhat = (xa.astype(cdt, copy=False) - ctx.mean) * ctx.invstd
    pdims = _param_dims(xa.ndim, ctx.param_shape)
    grad_x = grad_w = grad_b = None
    if need_w:
        grad_w = Tensor._from_array((g * xhat).sum(axis=pdims).reshape(weight._array.shape).astype(xa.dtype))
    if need_b:
        grad_b = Tensor._from_array(g.sum(axis=pdims).reshape(ctx.bias_shape).astype(xa.dtype))
    if need_x:
        gxhat = g * weight._array.astype(cdt, copy=False).reshape(ctx.param_shape) if weight is not None else g
        if ctx.batch_stats:
            dims = ctx.dims
            if ctx.grad_means is not None:
                mean_g, mean_gx = ctx.grad_means(gxhat, gxhat * xhat, dims)
            else:
                mean_g = gxhat.mean(axis=dims, keepdims=True)
                mean_gx = (gxhat * xhat).mean(axis=dims, keepdims=True)
            gx = (gxhat - mean_g - xhat * mean_gx) * ctx.invstd
        else:
            gx = gxhat * ctx.invstd
        grad_x = Tensor._from_array(gx.astype(xa.dtype, copy=False).reshape(grad._array.shape))
    return grad_x, grad_w, grad_b


def _normalize_backward_graph(ctx, grad, x, weight, need_x, need_w, need_b):
    """The same backward in ember ops on the saved input, so it can be differentiated."""
    dims = ctx.dims
    pshape = ctx.param_shape
    out_shape = tuple(grad.shape)
    if ctx.work_shape is not None:
        grad = grad.reshape(ctx.work_shape)
        x = x.reshape(ctx.work_shape)
    pdims = _param_dims(x.dim(), pshape)
    xc = x.float() if x._array.dtype.name in _LOW_PRECISION else x
    if ctx.batch_stats:
        mean = xc.mean(dim=dims, keepdim=True)
        centered = xc - mean
        var = (centered * centered).mean(dim=dims, keepdim=True)
        invstd = (var + ctx.eps).pow(-0.5)
    else:
        centered = xc - Tensor._from_array(ctx.mean)
        invstd = Tensor._from_array(ctx.invstd)
    xhat = centered * invstd
    grad_x = grad_w = grad_b = None
    if need_w:
        grad_w = (grad * xhat).sum(dim=pdims).reshape(weight.shape)
    if need_b:
        grad_b = grad.sum(dim=pdims).reshape(ctx.bias_shape)
    if need_x:
        gxhat = grad * weight.reshape(pshape) if weight is not None else grad
        if ctx.batch_stats:
            mean_g = gxhat.mean(dim=dims, keepdim=True)
            mean_gx = (gxhat * xhat).mean(dim=dims, keepdim=True)
            grad_x = (gxhat - mean_g - xhat * mean_gx) * invstd
        else:
            grad_x = gxhat * invstd
        grad_x = grad_x.reshape(out_shape)
    return grad_x, grad_w, grad_b


def _normalize(x: Tensor, weight, bias, dims, mean, var, eps, param_shape, batch_stats, backward_name):
    """Apply ``Normalize`` with statistics ``mean``/``var`` (arrays shaped for broadcasting)."""
    invstd = 1.0 / xp_of(x._array).sqrt(var + eps)
    return _NAMED[backward_name].apply(
        x, weight, bias, dims=dims, mean=mean, invstd=invstd, param_shape=param_shape, batch_stats=batch_stats, eps=eps
    )


def _named(name):
    return type(name.replace("Backward0", ""), (Normalize,), {"_backward_name": name, "__doc__": Normalize.__doc__})


_NAMED = {
    "NativeBatchNormBackward0": Normalize,
    "NativeLayerNormBackward0": _named("NativeLayerNormBackward0"),
    "NativeGroupNormBackward0": _named("NativeGroupNormBackward0"),
}


# ------------------------------------------------------------------ batch norm
def _check_size(name: str, t, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _check_same_dtype(*tensors) -> None:
    dts = {t._array.dtype for t in tensors if t is not None}
    if len(dts) > 1:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _update_running(running: Tensor, value, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * value`` in place, outside autograd."""
    arr = running._array
    arr *= 1.0 - momentum
    arr += (momentum * value).astype(arr.dtype, copy=False).reshape(arr.shape)
    running._version_counter[0] += 1


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims.

    In training mode the batch statistics are used and the running ones (when given)
    are updated in place; otherwise the running statistics are used.

    Example:
        >>> import ember
        >>> rm, rv = ember.zeros(3), ember.ones(3)
        >>> y = ember.nn.functional.batch_norm(ember.randn(4, 3), rm, rv, training=True, momentum=0.5)
        >>> bool((rm != 0).all())
        True
    """
    channels, dims, param_shape, cdt = batch_norm_layout(input, running_mean, running_var, weight, bias)
    x = input._array
    if training:
        count = x.size // max(channels, 1)
        check_training_count(input, count)
        mean, var = _batch_stats(x.astype(cdt, copy=False), dims)
        update_running_stats(running_mean, running_var, mean, var, count, momentum)
        return _normalize(input, weight, bias, dims, mean, var, eps, param_shape, True, "NativeBatchNormBackward0")
    if running_mean is None or running_var is None:
        name = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{name} must be defined in evaluation mode")
    mean = running_mean._array.astype(cdt).reshape(param_shape)
    var = running_var._array.astype(cdt).reshape(param_shape)
    return _normalize(input, weight, bias, dims, mean, var, eps, param_shape, False, "NativeBatchNormBackward0")


def batch_norm_layout(input: Tensor, running_mean, running_var, weight, bias) -> tuple:
    """Check a batch norm's arguments; return ``(channels, reduced dims, param shape, compute dtype)``."""
    channels = 0 if input.dim() < 2 else input.shape[1]
    _check_size("running_mean", running_mean, channels)
    _check_size("running_var", running_var, channels)
    _check_size("weight", weight, channels)
    _check_size("bias", bias, channels)
    x = input._array
    if x.dtype.name not in _LOW_PRECISION:
        _check_same_dtype(input, running_mean, running_var, weight, bias)
    dims = (0,) + tuple(range(2, x.ndim))
    param_shape = (channels,) + (1,) * (x.ndim - 2)
    return channels, dims, param_shape, _compute_dtype(x.dtype)


def check_training_count(input: Tensor, count) -> None:
    """Batch statistics need more than one value per channel."""
    if count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")


def update_running_stats(running_mean, running_var, mean, var, count, momentum: float) -> None:
    """Training-mode batch norm's running statistics, from the batch ``mean`` and biased ``var``.

    ``count`` values per channel; the running variance takes the unbiased estimate.
    """
    if running_mean is not None:
        _update_running(running_mean, mean, momentum)
    if running_var is not None:
        _update_running(running_var, var * (count / (count - 1)), momentum)


def native_batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float):
    """torch.native_batch_norm: returns ``(output, save_mean, save_invstd)``."""
    out = batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    x = input._array
    dims = (0,) + tuple(range(2, x.ndim))
    if training:
        mean, var = _batch_stats(x.astype(_compute_dtype(x.dtype), copy=False), dims)
        return out, Tensor._from_array(mean.reshape(-1)), Tensor._from_array((1.0 / np.sqrt(var + eps)).reshape(-1))
    empty = Tensor._from_array(np.empty((0,), x.dtype))
    return out, empty, empty


# ------------------------------------------------------------------ layer norm
def _outer(col, row, out=None):
    """``col[:, None] * row`` (into ``out``), through a BLAS product with an inner dim of 2.

    NumPy's broadcasting multiply runs one short inner loop per row (three times slower
    on (2048, 128)), and its matmul with an inner dim of 1 does not reach BLAS.  The zero
    second terms add exactly nothing, so every element is the rounded ``col[i] * row[j]``.
    """
    xp = xp_of(col)
    lhs = xp.zeros((col.shape[0], 2), col.dtype)
    lhs[:, 0] = col
    rhs = xp.zeros((2, row.shape[0]), row.dtype)
    rhs[0] = row
    return xp.matmul(lhs, rhs, out=out)


def _rows_of_new(shape, d, dtype, xp):
    """A new array of ``shape`` and its (n, d) rows view to compute into.

    Results are returned as the new array itself, not as a reshaped view of a 2-D one:
    the autograd engine copies a gradient that is a view before making it a ``.grad``.
    """
    result = xp.empty(shape, dtype)
    return result, result.reshape(-1, d)


def _add_to_rows(rows, vector) -> None:
    """``rows += vector`` in place, for a (n, d) array and a (d,) vector.

    Broadcasting a short vector runs one inner loop per row; viewing ``k`` rows as one
    long row against the vector tiled ``k`` times runs few long loops (twice as fast).
    """
    n, d = rows.shape
    k = math.gcd(n, max(1, 8192 // max(d, 1)))
    if k > 1 and rows.flags.c_contiguous:
        rows.reshape(n // k, k * d).__iadd__(xp_of(vector).tile(vector, k))
    else:
        rows += vector


def _row_dots(a, b):
    """``(a * b).sum(axis=1)`` without the product array (NumPy's vecdot beats einsum)."""
    xp = xp_of(a)
    return xp.vecdot(a, b) if hasattr(xp, "vecdot") else xp.einsum("ij,ij->i", a, b)


class LayerNormRows(Normalize):
    """Layer norm of ``x`` seen as rows of ``D`` values (its trailing normalized dims).

    The same math as ``Normalize``, specialised because transformers run it on every
    block, and written around what NumPy is slow at: broadcasting a per-row value over
    a row runs one short inner loop per row, so the code does as few such passes as it
    can.  Row statistics come from BLAS matrix-vector products (three times faster than
    NumPy's row sums) and ``vecdot``; the per-row ``invstd`` times the per-column weight
    is one BLAS outer product (``_outer``); the centred input is kept for backward (it is
    computed anyway, and recomputing it there would cost two row-broadcast passes).
    With ``create_graph=True`` the backward is ``Normalize``'s, written in ember ops.
    """

    _array_backward = True
    _backward_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
        d = math.prod(normalized_shape)
        cdt = _compute_dtype(x.dtype)
        rows = x.reshape(-1, d).astype(cdt, copy=False)
        xp = xp_of(rows)
        mean = rows @ xp.full(d, 1.0 / d, cdt)
        centered = rows - mean[:, None]
        var = _row_dots(centered, centered) / cdt.type(d)
        invstd = 1.0 / xp.sqrt(var + cdt.type(eps))
        result, y = _rows_of_new(x.shape, d, cdt, xp)
        if weight is not None:  # y = centered * (invstd outer weight): one full pass
            _outer(invstd, weight.astype(cdt, copy=False).reshape(d), out=y)
            y *= centered
        else:  # einsum's per-row scaling beats the broadcasting multiply
            xp.einsum("ij,i->ij", centered, invstd, out=y)
        if bias is not None:
            _add_to_rows(y, bias.astype(cdt, copy=False).reshape(d))
        # What Normalize's graph backward (create_graph=True) reads:
        ctx.dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
        ctx.param_shape = normalized_shape
        ctx.work_shape = None
        ctx.batch_stats = True
        ctx.eps = eps
        ctx.bias_shape = bias.shape if bias is not None else None
        # saved (not ctx attributes) so that backward frees the (n, d) centred rows
        ctx.save_for_backward(x, weight, centered, invstd)
        return result.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight, centered, invstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if isinstance(grad, Tensor):  # a graph of the backward is wanted
            return _normalize_backward_graph(ctx, grad, x, weight, need_x, need_w, need_b)
        n, d = centered.shape
        cdt = centered.dtype
        xp = xp_of(centered)
        g = grad.reshape(n, d).astype(cdt, copy=False)
        w = weight.astype(cdt, copy=False).reshape(d) if weight is not None else xp.ones(d, cdt)
        grad_x = grad_w = grad_b = None
        if need_b:
            grad_b = column_sums(g).reshape(ctx.bias_shape).astype(x.dtype)
        if need_x or need_w:
            # xhat = centered * invstd, so sums of g * xhat are invstd-weighted sums of
            # g * centered: BLAS products instead of row-broadcast passes
            g_centered = g * centered
            if need_w:
                grad_w = (invstd @ g_centered).reshape(weight.shape).astype(x.dtype)
        if need_x:
            # invstd * (g w - mean(g w) - xhat mean(g w xhat)) for each row, as
            # g * (invstd outer w) - centered * (invstd^2 mean(g w xhat)) - invstd mean(g w)
            mean_gw = (g @ w) / cdt.type(d)
            mean_gwx = (g_centered @ w) * invstd / cdt.type(d)
            result, gx = _rows_of_new(x.shape, d, cdt, xp)
            _outer(invstd, w, out=gx)
            gx *= g
            gx -= xp.einsum("ij,i->ij", centered, invstd * invstd * mean_gwx, out=g_centered)
            gx -= (invstd * mean_gw)[:, None]
            grad_x = result.astype(x.dtype, copy=False)
        return grad_x, grad_w, grad_b


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dims of each sample.

    Example:
        >>> import ember
        >>> y = ember.nn.functional.layer_norm(ember.randn(2, 5), (5,))
        >>> [round(v, 4) + 0.0 for v in y.mean(dim=-1).tolist()]
        [0.0, 0.0]
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    shape = tuple(input.shape)
    if k == 0 or shape[len(shape) - k :] != normalized_shape or len(shape) < k:
        raise RuntimeError(
            f"Given normalized_shape={shape_str(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size{shape_str(shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{shape_str(t.shape)} and normalized_shape = {shape_str(normalized_shape)}"
            )
    if input._array.dtype.name not in _LOW_PRECISION:
        _check_same_dtype(input, weight, bias)
    return LayerNormRows.apply(input, weight, bias, normalized_shape=normalized_shape, eps=eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``input / sqrt(mean(input**2) + eps) * weight`` over the last ``len(normalized_shape)`` dims.

    ``eps`` defaults to the machine epsilon of the computing dtype; float16 and bfloat16
    inputs are computed in float32 and cast back.  Built from ember ops exactly as
    torch composes it, so its graph (``MulBackward0``, ``RsqrtBackward0``, ...) is torch's.

    Example:
        >>> import ember
        >>> ember.nn.functional.rms_norm(ember.tensor([[3.0, 4.0]]), (2,))
        tensor([[0.8485, 1.1314]])
    """
    from ._pointwise import not_implemented
    from .elementwise import AddScalar

    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    shape = tuple(input.shape)
    if k == 0 or len(shape) < k or shape[len(shape) - k :] != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={shape_str(normalized_shape)}, expected input with shape "
            f"[*{', '.join(str(s) for s in normalized_shape)}], but got input of size{shape_str(shape)}"
        )
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{shape_str(weight.shape)} and normalized_shape = {shape_str(normalized_shape)}"
        )
    dtype = input._array.dtype
    if dtype.kind not in "fV":
        raise not_implemented("rms_norm", dtype)
    low = dtype.name in _LOW_PRECISION or dtype.kind == "V"
    x = input.float() if low else input
    if eps is None:
        eps = float(np.finfo(x._array.dtype).eps)
    dims = tuple(range(len(shape) - k, len(shape)))
    y = x * AddScalar.apply(x.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y.to(input.dtype) if low else y


def native_layer_norm(input, normalized_shape, weight, bias, eps: float):
    """torch.native_layer_norm: returns ``(output, mean, rstd)`` (statistics keep size-1 dims)."""
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    x = input._array
    k = len(tuple(normalized_shape)) if not isinstance(normalized_shape, int) else 1
    dims = tuple(range(x.ndim - k, x.ndim))
    mean, var = _batch_stats(x.astype(_compute_dtype(x.dtype), copy=False), dims)
    return out, Tensor._from_array(mean), Tensor._from_array(1.0 / np.sqrt(var + eps))


# ------------------------------------------------------------------ group norm
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize each group of ``C / num_groups`` channels of each sample.

    Example:
        >>> import ember
        >>> ember.nn.functional.group_norm(ember.randn(2, 4, 3), 2).shape
        torch.Size([2, 4, 3])
    """
    shape = tuple(input.shape)
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    channels = shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{shape_str(shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != channels):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {shape_str(t.shape)} and input of shape {shape_str(shape)}"
            )
    n = shape[0]
    # statistics over (C/G, rest) of a (N, G, C/G, rest) view; parameters per (group, channel)
    work = (n, num_groups, channels // num_groups, math.prod(shape[2:]))
    x = input._array.reshape(work)
    dims = (2, 3)
    mean, var = _batch_stats(x.astype(_compute_dtype(x.dtype), copy=False), dims)
    param_shape = (num_groups, channels // num_groups, 1)
    invstd = 1.0 / xp_of(x).sqrt(var + eps)
    return _NAMED["NativeGroupNormBackward0"].apply(
        input, weight, bias, dims=dims, mean=mean, invstd=invstd, param_shape=param_shape, batch_stats=True, eps=eps,
        work_shape=work,
    )


# --------------------------------------------------------------- instance norm
def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample over its spatial dims.

    With ``use_input_stats=False`` the running statistics are used instead; when they
    are given and input statistics are used, they are updated with the batch average
    of the per-sample statistics.

    Example:
        >>> import ember
        >>> ember.nn.functional.instance_norm(ember.randn(2, 3, 5)).shape
        torch.Size([2, 3, 5])
    """
    shape = tuple(input.shape)
    if use_input_stats:
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        if spatial <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    channels = shape[1]
    _check_size("running_mean", running_mean, channels)
    _check_size("running_var", running_var, channels)
    _check_size("weight", weight, channels)
    _check_size("bias", bias, channels)
    x = input._array
    cdt = _compute_dtype(x.dtype)
    dims = tuple(range(2, x.ndim))
    if use_input_stats:
        mean, var = _batch_stats(x.astype(cdt, copy=False), dims)
        count = math.prod(shape[2:])
        if running_mean is not None:
            _update_running(running_mean, mean.mean(axis=0), momentum)
        if running_var is not None:
            _update_running(running_var, (var * (count / (count - 1))).mean(axis=0), momentum)
        batch_stats = True
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        stat_shape = (1, channels) + (1,) * (x.ndim - 2)
        mean = running_mean._array.astype(cdt).reshape(stat_shape)
        var = running_var._array.astype(cdt).reshape(stat_shape)
        batch_stats = False
    param_shape = (channels,) + (1,) * (x.ndim - 2)
    return _normalize(input, weight, bias, dims, mean, var, eps, param_shape, batch_stats, "NativeBatchNormBackward0")


# ------------------------------------------------------- local response norm
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Divide each element by ``(k + alpha/size * sum of squares of size neighbouring channels) ** beta``.

    Example:
        >>> import ember
        >>> ember.nn.functional.local_response_norm(ember.ones(1, 4, 2, 2), 2).shape
        torch.Size([1, 4, 2, 2])
    """
    from .pooling import avg_pool2d, avg_pool3d
    from .resample import pad

    dim = input.dim()
    if dim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {dim} dimensions)"
        )
    if input.numel() == 0:
        return input
    div = input * input
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.reshape(sizes)
    div = (div * alpha + k).pow(beta)
    return input / div


# ------------------------------------------- torch.* forms (ATen's argument order)
def aten_batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """``torch.batch_norm``: :func:`batch_norm` with ATen's argument order.

    Example:
        >>> import ember
        >>> ember.batch_norm(ember.randn(4, 3), None, None, None, None, True, 0.1, 1e-5, False).shape
        torch.Size([4, 3])
    """
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def aten_layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm`` (the same as ``F.layer_norm``, plus an ignored ``cudnn_enable``)."""
    return layer_norm(input, normalized_shape, weight, bias, eps)


def aten_group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5, cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm`` (the same as ``F.group_norm``, plus an ignored ``cudnn_enabled``)."""
    return group_norm(input, num_groups, weight, bias, eps)


def aten_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """``torch.instance_norm``: :func:`instance_norm` with ATen's argument order."""
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
