"""Convolution (1-D, 2-D, 3-D, grouped, dilated, transposed) as strided views plus BLAS.

The forward pass builds the im2col *columns* of the (padded) input as a strided view
and makes one contiguous copy of it, then multiplies by the weight with one batched
``matmul``.  The input gradient is the transposed convolution: one ``matmul`` to the
column layout, then ``_Geometry.fold`` adds the columns back into the input (a short
loop over kernel offsets; never over batch items or output positions).

Two Functions carry all of it, so gradients of any order work:

* ``Convolution`` -- a convolution, or (``transposed=True``) a transposed one;
* ``ConvWeightGrad`` -- the weight gradient of a convolution.

Their backwards are built from each other (the transposed convolution is the input
gradient of the convolution and vice versa).

The input gradient of a stride-1 convolution uses a *flat* layout: each channel's
padded image is read as one long row and output position ``(i, j)`` sits at
``i * padded_width + j``, so every kernel offset is a contiguous shift of that row and
col2im's adds run over long contiguous stretches instead of rows of ``out_width``
elements (the gradient is zero in the few spare columns of each row).

Example:
    >>> import ember
    >>> x = ember.randn(2, 3, 8, 8)
    >>> w = ember.randn(4, 3, 3, 3, requires_grad=True)
    >>> y = ember.conv2d(x, w, padding=1)
    >>> y.shape, y.grad_fn.name()
    (torch.Size([2, 4, 8, 8]), 'ConvolutionBackward0')
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import shape_str, xp_of

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "convolution",
]

_LOW_PRECISION = ("float16", "bfloat16")


# ------------------------------------------------------------------------- geometry
def as_strided(arr, shape, strides):
    """``as_strided`` of the array's own module (NumPy or CuPy)."""
    if isinstance(arr, np.ndarray):
        return np.lib.stride_tricks.as_strided(arr, shape, strides, writeable=False)
    return xp_of(arr).lib.stride_tricks.as_strided(arr, shape, strides)


class _Geometry:
    """Where each kernel offset of each output position reads in the padded input.

    ``spatial`` is the unpadded input size, ``pads`` one ``(low, high)`` pair per
    spatial dim, ``out`` the output size.  ``columns`` gives the im2col layout
    ``(N, G, C/G * prod(kernel), prod(out))``; ``fold`` adds such columns back into
    the input (col2im).  The input gradient may instead use the *flat* layout (see the
    module docstring): ``grad_columns_layout`` and ``fold`` then work with rows of
    ``flat_length`` positions of the padded plane.
    """

    def __init__(self, spatial, kernel, stride, dilation, pads, out=None):
        self.spatial = tuple(spatial)
        self.kernel = tuple(kernel)
        self.stride = tuple(stride)
        self.dilation = tuple(dilation)
        self.pads = tuple(pads)
        self.padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        full = tuple(
            (p - d * (k - 1) - 1) // s + 1
            for p, k, s, d in zip(self.padded, kernel, stride, dilation)
        )
        self.out = full if out is None else tuple(out)
        self.kernel_size = math.prod(kernel)
        self.length = math.prod(self.out)
        self.any_pad = any(lo or hi for lo, hi in pads)
        # flat layout: stride 1 and the windows exactly cover the padded input
        self.flat = (
            len(kernel) > 1
            and all(s == 1 for s in stride)
            and all(o == p - d * (k - 1) for o, p, k, d in zip(self.out, self.padded, kernel, dilation))
            and self.length > 0
        )
        if self.flat:
            # element strides of the padded plane's dims (C order)
            self.row = tuple(math.prod(self.padded[i + 1 :]) for i in range(len(self.padded)))
            self.flat_length = sum((o - 1) * r for o, r in zip(self.out, self.row)) + 1
            self.offsets = [
                sum(k * d * r for k, d, r in zip(idx, dilation, self.row))
                for idx in itertools.product(*(range(k) for k in kernel))
            ]
            # offsets of the kernel positions in the last axis' first column
            self.row_offsets = [
                sum(k * d * r for k, d, r in zip(idx, dilation[:-1], self.row[:-1]))
                for idx in itertools.product(*(range(k) for k in kernel[:-1]))
            ]

    # -- input side -------------------------------------------------------------------
    def pad(self, x):
        """The zero-padded input (the input itself without padding)."""
        if self.any_pad:
            return xp_of(x).pad(x, ((0, 0), (0, 0)) + self.pads)
        return x

    def windows(self, xpad):
        """The read-only view ``(N, C, *kernel, *out)`` of every window (no copy)."""
        sp = xpad.strides[2:]
        shape = xpad.shape[:2] + self.kernel + self.out
        strides = (
            xpad.strides[:2]
            + tuple(s * d for s, d in zip(sp, self.dilation))
            + tuple(s * st for s, st in zip(sp, self.stride))
        )
        return as_strided(xpad, shape, strides)

    def columns(self, xpad, groups: int):
        """Im2col: ``(N, C, *padded)`` -> contiguous ``(N, G, C/G*prod(kernel), prod(out))``."""
        n, c = xpad.shape[:2]
        view = self.windows(xpad)
        return view.reshape(n, groups, (c // groups) * self.kernel_size, self.length)

    def window_regions(self):
        """For each kernel offset, the slices of the padded input its windows read."""
        for idx in itertools.product(*(range(k) for k in self.kernel)):
            yield tuple(
                slice(i * d, i * d + s * (o - 1) + 1, s)
                for i, d, s, o in zip(idx, self.dilation, self.stride, self.out)
            )

    def crop(self, buf):
        """The unpadded part of a padded ``(N, C, *padded)`` array (a view)."""
        if not self.any_pad:
            return buf
        return buf[(Ellipsis,) + tuple(slice(lo, lo + s) for (lo, _), s in zip(self.pads, self.spatial))]

    # -- gradient side ----------------------------------------------------------------
    def grad_columns_layout(self, g):
        """``(N, O, *out)`` -> ``(N, O, L)`` in the layout ``fold`` expects.

        In the flat layout, L is ``flat_length`` and the spare positions are zero.
        """
        xp = xp_of(g)
        n, o = g.shape[:2]
        if not self.flat:
            return g.reshape(n, o, self.length)
        buf = xp.zeros((n, o, self.flat_length), g.dtype)
        item = buf.itemsize
        strides = buf.strides[:2] + tuple(r * item for r in self.row)
        _writable_view(buf, (n, o) + self.out, strides)[...] = g
        return buf

    def fold(self, cols, channels: int):
        """Col2im: add ``(N, G, C/G*prod(kernel), L)`` columns back into ``(N, C, *spatial)``.

        One add per kernel offset; in the flat layout each add runs over long
        contiguous stretches.
        """
        xp = xp_of(cols)
        n, groups = cols.shape[:2]
        cg = channels // groups
        if self.flat:
            buf = xp.zeros((n, groups, cg, math.prod(self.padded)), cols.dtype)
            cols = cols.reshape(n, groups, cg, self.kernel_size, self.flat_length)
            for k, off in enumerate(self.offsets):
                buf[..., off : off + self.flat_length] += cols[:, :, :, k]
        else:
            buf = xp.zeros((n, groups, cg) + self.padded, cols.dtype)
            cols = cols.reshape((n, groups, cg, self.kernel_size) + self.out)
            for k, region in enumerate(self.window_regions()):
                buf[(Ellipsis,) + region] += cols[:, :, :, k]
        return self.crop(buf.reshape((n, channels) + self.padded))

    def transposed_output_grad(self, g, groups: int):
        """``(N, O, *out)`` -> contiguous ``(N, G, prod(out), O/G)`` (weight-gradient layout)."""
        n, o = g.shape[:2]
        og = o // groups
        g = g.reshape(n, groups, og, self.length)
        return xp_of(g).ascontiguousarray(g.transpose(0, 1, 3, 2))


def _writable_view(arr, shape, strides):
    if isinstance(arr, np.ndarray):
        return np.lib.stride_tricks.as_strided(arr, shape, strides)
    return xp_of(arr).lib.stride_tricks.as_strided(arr, shape, strides)


@functools.lru_cache(maxsize=512)
def _geometry(spatial, kernel, stride, dilation, pads, out=None) -> _Geometry:
    return _Geometry(spatial, kernel, stride, dilation, pads, out)


# ---------------------------------------------------------------- array kernels
def _compute_dtype(*arrays):
    """float16/bfloat16 are computed in float32 (as torch accumulates them)."""
    dt = arrays[0].dtype
    if dt.name in _LOW_PRECISION or dt.kind == "V":
        return np.dtype(np.float32)
    return dt


def _conv_arrays(x, w, b, geom: _Geometry, groups: int, keep_columns=False):
    """Convolution of ``x (N, C, *S)`` with ``w (O, C/G, *K)`` plus ``b`` -> ``(N, O, *out)``."""
    n = x.shape[0]
    o = w.shape[0]
    cols = geom.columns(geom.pad(x), groups)
    wm = w.reshape(groups, o // groups, -1)
    y = (wm @ cols).reshape((n, o) + geom.out)
    if b is not None:
        y += b.reshape((o,) + (1,) * len(geom.out))
    return y, (cols if keep_columns else None)


def _conv_transpose_arrays(g, w, b, geom: _Geometry, groups: int):
    """Transposed convolution: ``g (N, O, *out)`` -> ``(N, C, *S)`` (the input gradient)."""
    n, o = g.shape[:2]
    channels = w.shape[1] * groups
    if geom.flat and geom.kernel[-1] > 1:
        out = _conv_transpose_flat(g, w, geom, groups)
    else:
        gl = geom.grad_columns_layout(g)
        gl = gl.reshape(n, groups, o // groups, gl.shape[-1])
        wm = w.reshape(groups, o // groups, -1)
        out = geom.fold(wm.transpose(0, 2, 1) @ gl, channels)
    out = xp_of(out).ascontiguousarray(out)
    if b is not None:
        out += b.reshape((channels,) + (1,) * (out.ndim - 2))
    return out


def _conv_transpose_flat(g, w, geom: _Geometry, groups: int):
    """The stride-1 transposed convolution with the last kernel axis inside the product.

    In the flat layout a shift along the last axis is a shift of the row, so the
    gradient, copied once per last-axis offset with that shift, turns the sum over
    that axis into part of the matrix product: col2im then adds only
    ``prod(kernel[:-1])`` shifted blocks instead of ``prod(kernel)``, and the product
    runs over ``k_last * O/G`` terms instead of ``O/G``.
    """
    xp = xp_of(g)
    n, o = g.shape[:2]
    og = o // groups
    cg = w.shape[1]
    k_last, d_last = geom.kernel[-1], geom.dilation[-1]
    k_rest = math.prod(geom.kernel[:-1])
    length = geom.flat_length
    gl = geom.grad_columns_layout(g).reshape(n, groups, og, length)
    ext = (k_last - 1) * d_last
    spread = length + ext  # positions reached from one row offset
    padded = xp.zeros((n, groups, og, length + 2 * ext), g.dtype)
    padded[..., ext : ext + length] = gl
    s = padded.strides
    # shifted[n, g, q, o, j] = gl[n, g, o, j + q*d - ext]: offset k_last-1-q of the last axis
    shifted = as_strided(padded, (n, groups, k_last, og, spread), (s[0], s[1], d_last * padded.itemsize, s[2], padded.itemsize))
    shifted = shifted.reshape(n, groups, k_last * og, spread)
    # weight rows (c, rest offsets), columns (q, o), the last axis reversed to match q
    wr = w.reshape(groups, og, cg, k_rest, k_last)[..., ::-1]
    wm = wr.transpose(0, 2, 3, 4, 1).reshape(groups, cg * k_rest, k_last * og)
    parts = (wm @ shifted).reshape(n, groups, cg, k_rest, spread)
    buf = xp.zeros((n, groups, cg, math.prod(geom.padded)), g.dtype)
    for r, off in enumerate(geom.row_offsets):
        buf[..., off : off + spread] += parts[:, :, :, r]
    return geom.crop(buf.reshape((n, groups * cg) + geom.padded))


def _conv_weight_grad_arrays(x, g, geom: _Geometry, groups: int, weight_shape, cols=None):
    """Gradient of the weight: sum over the batch of the columns of ``x`` times ``g``."""
    if cols is None:
        cols = geom.columns(geom.pad(x), groups)
    n, o = g.shape[:2]
    og = o // groups
    if og <= 8:
        # few output channels: g (O/G, L) @ columns^T (L, C/G*K) straight away, as
        # transposing g (rows of O/G elements) costs more than the product
        gw = (g.reshape(n, groups, og, geom.length) @ cols.transpose(0, 1, 3, 2)).sum(axis=0)
        return gw.reshape(weight_shape)
    # columns (C/G*K, L) @ g^T (L, O/G) with both operands row-major: for wider
    # layers OpenBLAS runs this form much faster than the one with a transposed operand
    g_t = geom.transposed_output_grad(g, groups)
    gw_t = (cols @ g_t).sum(axis=0)  # (G, C/G*prod(kernel), O/G)
    return gw_t.transpose(0, 2, 1).reshape(weight_shape)


def _in_compute_dtype(fn, *arrays, **kw):
    """Run ``fn`` on float32 copies of float16/bfloat16 arrays; cast the result back."""
    out_dtype = arrays[0].dtype
    cdt = _compute_dtype(*arrays)
    if cdt == out_dtype:
        return fn(*arrays, **kw)
    result = fn(*(a.astype(cdt) if a is not None else None for a in arrays), **kw)
    if isinstance(result, tuple):
        return (result[0].astype(out_dtype),) + result[1:]
    return result.astype(out_dtype)


# -------------------------------------------------------------------- Functions
class Convolution(Function):
    """A convolution of ``x`` with ``w`` (plus ``b``), or its transpose.

    ``geom`` describes the *non-transposed* convolution: for ``transposed=True``, ``x``
    plays its output and the result its input (``geom.spatial``).
    """

    _array_forward = True
    _backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None, geom=None, groups=1, transposed=False):
        ctx.geom = geom
        ctx.groups = groups
        ctx.transposed = transposed
        ctx.save_for_backward(x, w)
        keep = not transposed and len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]
        if transposed:
            return _in_compute_dtype(_conv_transpose_arrays, x, w, b, geom=geom, groups=groups)
        y, cols = _in_compute_dtype(_conv_arrays, x, w, b, geom=geom, groups=groups, keep_columns=keep)
        if keep:
            ctx.columns = cols  # reused by the weight gradient; dropped once used
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        geom, groups = ctx.geom, ctx.groups
        grad_x = grad_w = grad_b = None
        if not ctx.transposed:
            if need_x:
                grad_x = Convolution.apply(grad, w, None, geom=geom, groups=groups, transposed=True)
            if need_w:
                cols = ctx.__dict__.pop("columns", None)
                grad_w = ConvWeightGrad.apply(x, grad, geom=geom, groups=groups, weight_shape=tuple(w.shape), columns=cols)
        else:
            if need_x:
                grad_x = Convolution.apply(grad, w, None, geom=geom, groups=groups, transposed=False)
            if need_w:
                grad_w = ConvWeightGrad.apply(grad, x, geom=geom, groups=groups, weight_shape=tuple(w.shape))
        if need_b:
            grad_b = grad.sum(dim=(0,) + tuple(range(2, grad.dim())))
        return grad_x, grad_w, grad_b


class ConvWeightGrad(Function):
    """The weight gradient of a convolution of ``x`` whose output gradient is ``g``."""

    _array_forward = True
    _backward_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, geom=None, groups=1, weight_shape=None, columns=None):
        ctx.geom = geom
        ctx.groups = groups
        ctx.save_for_backward(x, g)
        if columns is not None and columns.dtype != _compute_dtype(x):
            columns = None
        return _in_compute_dtype(
            _conv_weight_grad_arrays, x, g, geom=geom, groups=groups, weight_shape=weight_shape, cols=columns
        )

    @staticmethod
    def backward(ctx, grad_w):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad
        geom, groups = ctx.geom, ctx.groups
        grad_x = grad_g = None
        if need_x:
            grad_x = Convolution.apply(g, grad_w, None, geom=geom, groups=groups, transposed=True)
        if need_g:
            grad_g = Convolution.apply(x, grad_w, None, geom=geom, groups=groups, transposed=False)
        return grad_x, grad_g


# ------------------------------------------------------------- argument checking
def _tuple_arg(value, n: int, name: str, wrong_length: str | None = None) -> tuple:
    """An int or a list of ``n`` (or one) ints, as torch's conv and pooling functions accept it.

    A list of another length raises RuntimeError with ``wrong_length`` (default: the
    message of torch's conv functions).
    """
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        vals = tuple(int(v) for v in value)
        if len(vals) == 1:
            return vals * n
        if len(vals) != n:
            raise RuntimeError(
                wrong_length
                or f"expected {name} to be a single integer value or a list of {n} values to match the "
                f"convolution dimensions, but got {name}={list(vals)}"
            )
        return vals
    return (int(value),) * n


def _check_input_dim(input: Tensor, n: int, op: str) -> bool:
    """Return True for a batched input; raise torch's error for a wrong rank."""
    dim = input.dim()
    if dim == n + 2:
        return True
    if dim == n + 1:
        return False
    raise RuntimeError(
        f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, but got input of size: "
        f"{shape_str(input.shape)}"
    )


def _type_name(t: Tensor) -> str:
    return t.type()


def _check_dtypes(input: Tensor, weight: Tensor, bias) -> None:
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"Input type ({_type_name(input)}) and weight type ({_type_name(weight)}) should be the same "
            "or input should be a MKLDNN tensor and weight is a dense tensor"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"Input type ({input.dtype._name if hasattr(input.dtype, '_name') else input.dtype}) and bias type "
            f"({bias.dtype._name if hasattr(bias.dtype, '_name') else bias.dtype}) should be the same"
        )
    if input._array.dtype == np.bool_:
        raise NotImplementedError('"slow_conv2d_cpu" not implemented for \'Bool\'')


def _check_common(stride, dilation, groups, kernel) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(k <= 0 for k in kernel):
        names = ("kernel_depth", "kernel_height", "kernel_width")[-len(kernel):] if len(kernel) > 1 else ("kernel_width",)
        detail = " ".join(f"{nm}: {k}" for nm, k in zip(names, kernel))
        raise RuntimeError(f"kernel size should be greater than zero, but got {detail}")


def _same_pads(kernel, dilation) -> tuple:
    """torch's 'same': total padding d*(k-1), the odd element going to the high side."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _sizes_str(sizes) -> str:
    return " x ".join(str(s) for s in sizes)


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, n: int, op: str):
    batched = _check_input_dim(input, n, op)
    if not batched:
        input = input.unsqueeze(0)
    if weight.dim() != n + 2:
        # torch reports a weight of the wrong rank through its stride check
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {weight.dim() - 2} values to match "
            f"the convolution dimensions, but got stride={list(_tuple_arg(stride, n, 'stride'))}"
        )
    stride = _tuple_arg(stride, n, "stride")
    dilation = _tuple_arg(dilation, n, "dilation")
    groups = int(groups)
    kernel = tuple(weight.shape[2:])
    _check_common(stride, dilation, groups, kernel)
    _check_dtypes(input, weight, bias)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * n
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(kernel, dilation)
            if any(lo != hi for lo, hi in pads):
                warnings.warn(
                    "Using padding='same' with even kernel lengths and odd dilation may require a "
                    "zero-padded copy of the input be created",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pad = _tuple_arg(padding, n, "padding")
        if any(p < 0 for p in pad):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((p, p) for p in pad)
    in_shape = tuple(input.shape)
    w_shape = tuple(weight.shape)
    out_channels = w_shape[0]
    if out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size [{shape_str(w_shape)}] instead"
        )
    if in_shape[1] != w_shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {shape_str(w_shape)}, expected input{shape_str(in_shape)} "
            f"to have {w_shape[1] * groups} channels, but got {in_shape[1]} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {shape_str(w_shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {shape_str(bias.shape)} instead"
        )
    spatial = in_shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > p for e, p in zip(extent, padded)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({_sizes_str(padded)}). Kernel size: "
            f"({_sizes_str(extent)}). Kernel size can't be greater than actual input size"
        )
    geom = _geometry(spatial, kernel, stride, dilation, pads)
    out = Convolution.apply(input, weight, bias, geom=geom, groups=groups, transposed=False)
    return out if batched else out.squeeze(0)


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, n: int, op: str):
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    batched = _check_input_dim(input, n, op)
    if not batched:
        input = input.unsqueeze(0)
    stride = _tuple_arg(stride, n, "stride")
    dilation = _tuple_arg(dilation, n, "dilation")
    pad = _tuple_arg(padding, n, "padding")
    out_pad = _tuple_arg(output_padding, n, "output_padding")
    groups = int(groups)
    kernel = tuple(weight.shape[2:])
    _check_common(stride, dilation, groups, kernel)
    _check_dtypes(input, weight, bias)
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in out_pad):
        raise RuntimeError("negative output_padding is not supported")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(out_pad, stride, dilation)):
        names = ("depth", "height", "width")[-n:] if n > 1 else ("width",)
        parts = (
            [f"output_padding_{nm}: {v}" for nm, v in zip(names, out_pad)]
            + [f"stride_{nm}: {v}" for nm, v in zip(names, stride)]
            + [f"dilation_{nm}: {v}" for nm, v in zip(names, dilation)]
        )
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    in_shape = tuple(input.shape)
    w_shape = tuple(weight.shape)
    if in_shape[1] != w_shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {shape_str(w_shape)}, expected input{shape_str(in_shape)} to "
            f"have {w_shape[0]} channels, but got {in_shape[1]} channels instead"
        )
    if w_shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size [{shape_str(w_shape)}] instead"
        )
    out_channels = w_shape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given transposed=1, weight of size {shape_str(w_shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {shape_str(bias.shape)} instead"
        )
    spatial_in = in_shape[2:]
    spatial_out = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op_ + 1
        for i, s, p, d, k, op_ in zip(spatial_in, stride, pad, dilation, kernel, out_pad)
    )
    if any(o <= 0 for o in spatial_out):
        raise RuntimeError(
            f"Given input size per channel: ({_sizes_str(spatial_in)}). Calculated output size per channel: "
            f"({_sizes_str(spatial_out)}). Output size is too small"
        )
    geom = _geometry(spatial_out, kernel, stride, dilation, tuple((p, p) for p in pad), spatial_in)
    out = Convolution.apply(input, weight, bias, geom=geom, groups=groups, transposed=True)
    return out if batched else out.squeeze(0)


# ------------------------------------------------------------ public functions
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution of ``input (N, C, L)`` with ``weight (O, C/groups, k)``.

    ``padding`` is an int, a tuple, ``'valid'`` or ``'same'``.

    Example:
        >>> import ember
        >>> ember.conv1d(ember.randn(2, 3, 10), ember.randn(4, 3, 3)).shape
        torch.Size([2, 4, 8])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution of ``input (N, C, H, W)`` with ``weight (O, C/groups, kH, kW)``.

    Example:
        >>> import ember
        >>> ember.conv2d(ember.randn(1, 3, 8, 8), ember.randn(6, 3, 3, 3), stride=2, padding=1).shape
        torch.Size([1, 6, 4, 4])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """3-D convolution of ``input (N, C, D, H, W)`` with ``weight (O, C/groups, kD, kH, kW)``.

    Example:
        >>> import ember
        >>> ember.conv3d(ember.randn(1, 2, 4, 4, 4), ember.randn(3, 2, 3, 3, 3)).shape
        torch.Size([1, 3, 2, 2, 2])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution ("deconvolution"); ``weight`` is ``(C_in, C_out/groups, k)``.

    Example:
        >>> import ember
        >>> ember.conv_transpose1d(ember.randn(1, 4, 5), ember.randn(4, 2, 3), stride=2).shape
        torch.Size([1, 2, 11])
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kH, kW)``.

    The output size is ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> import ember
        >>> ember.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 2, 3, 3), stride=2, padding=1, output_padding=1).shape
        torch.Size([1, 2, 10, 10])
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kD, kH, kW)``.

    Example:
        >>> import ember
        >>> ember.conv_transpose3d(ember.randn(1, 2, 3, 3, 3), ember.randn(2, 1, 2, 2, 2), stride=2).shape
        torch.Size([1, 1, 6, 6, 6])
    """
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d")


def convolution(input, weight, bias, stride, padding, dilation, transposed: bool, output_padding, groups: int) -> Tensor:
    """torch.convolution: the one entry point behind every conv function.

    Example:
        >>> import ember
        >>> ember.convolution(ember.randn(1, 1, 5), ember.randn(1, 1, 3), None, [1], [0], [1], False, [0], 1).shape
        torch.Size([1, 1, 3])
    """
    n = weight.dim() - 2
    names = {1: "1d", 2: "2d", 3: "3d"}
    if transposed:
        return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, n, "conv_transpose" + names.get(n, ""))
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, n, "conv" + names.get(n, ""))
