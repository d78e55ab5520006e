"""Ember: PyTorch's API on NumPy.  ``import ember as torch`` and run PyTorch code.

Example:
    >>> import ember as torch
    >>> x = torch.randn(3, requires_grad=True)
    >>> torch.relu(x).sum().backward()
    >>> x.grad.shape
    torch.Size([3])

Subpackages (``nn``, ``optim``, ``utils``, ...) load on first use, so that
``import ember`` stays fast.
"""

import importlib as _importlib

from . import _allocator  # noqa: F401  (keeps freed memory for reuse: see _allocator.py)
from . import _dtype
from ._device import device
from ._dtype import (
    bfloat16,
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._formatting import set_printoptions
from ._tensor import Size, Tensor
from ._memory_format import (  # noqa: F401  (memory layouts: ember/_memory_format.py)
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from . import ops as _ops  # noqa: F401  (attaches Tensor methods)
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from .autograd.grad_mode import is_grad_enabled, is_inference_mode_enabled
from .random import (
    Generator,
    default_generator,
    fork_rng,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from . import autograd  # noqa: E402

# --- creation and random sampling (ops/creation.py, ops/random_ops.py)
from .ops.creation import *  # noqa: F401,F403
from .ops.random_ops import *  # noqa: F401,F403

# --- elementwise math (ops/elementwise.py and its siblings)
from .ops.elementwise import *  # noqa: F401,F403
from .ops.power import *  # noqa: F401,F403
from .ops.unary import *  # noqa: F401,F403
from .ops.trigonometric import *  # noqa: F401,F403
from .ops.special_math import *  # noqa: F401,F403
from .ops.special_functions import *  # noqa: F401,F403
from .ops.rounding import *  # noqa: F401,F403
from .ops.selection import *  # noqa: F401,F403
from .ops.logical import *  # noqa: F401,F403

# --- reductions, sorting, linear algebra (ops/reduction.py, ops/linalg.py, ...)
from .ops.reduction import *  # noqa: F401,F403
from .ops.extrema import *  # noqa: F401,F403
from .ops.cumulative import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.einsum import *  # noqa: F401,F403
from .ops.linalg_decompositions import *  # noqa: F401,F403
from .ops.linalg_functions import *  # noqa: F401,F403
from .ops.linalg_decompositions import legacy_cholesky as cholesky  # noqa: F401
from .ops.linalg_decompositions import legacy_qr as qr  # noqa: F401
from .ops.linalg_decompositions import legacy_slogdet as slogdet  # noqa: F401
from .ops.linalg_decompositions import legacy_svd as svd  # noqa: F401
from .ops.linalg_lu import legacy_lu as lu, legacy_lu_solve as lu_solve, lu_unpack, triangular_solve  # noqa: F401
from .ops.linalg_extra import orgqr  # noqa: F401
from .ops.numeric import *  # noqa: F401,F403

# --- shapes, views and indexing (ops/shape.py, ops/indexing.py)
from .ops.broadcast import broadcast_shapes
from .ops.construct import (
    block_diag,
    cartesian_prod,
    combinations,
    diagonal_scatter,
    index_reduce,
    narrow_copy,
    select_scatter,
    slice_scatter,
    tril_indices,
    triu_indices,
)
from .ops.indexing import (
    argwhere,
    index_put,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    put,
    take,
)
from .ops.scatter_gather import (
    gather,
    index_add,
    index_copy,
    index_fill,
    index_select,
    scatter,
    scatter_add,
    scatter_reduce,
    take_along_dim,
)
from .ops.shape import (
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    flatten,
    movedim,
    moveaxis,
    permute,
    ravel,
    reshape,
    squeeze,
    swapaxes,
    swapdims,
    t,
    transpose,
    unflatten,
    unsqueeze,
)
from .ops.strided import as_strided, broadcast_tensors, broadcast_to, diagonal, narrow, select
from .ops.joining import (
    cat,
    chunk,
    column_stack,
    concat,
    concatenate,
    dsplit,
    dstack,
    hsplit,
    hstack,
    meshgrid,
    row_stack,
    split,
    stack,
    tensor_split,
    unbind,
    vsplit,
    vstack,
)
from .ops.rearrange import (
    diag,
    diag_embed,
    diagflat,
    flip,
    fliplr,
    flipud,
    repeat_interleave,
    roll,
    rot90,
    tile,
    tril,
    triu,
)

# --- neural-network ops exposed at top level (ops/conv.py, ops/pooling.py, ...)
from .ops.activation import (  # noqa: F401
    celu,
    celu_,
    hardshrink,
    log_softmax,
    prelu,
    rrelu,
    rrelu_,
    selu,
    selu_,
    softmax,
    threshold,
    threshold_,
)
from .ops.distance import cdist, cosine_similarity, dist, pairwise_distance, pdist  # noqa: F401
from .ops.dropout import alpha_dropout, dropout, feature_alpha_dropout  # noqa: F401
from .ops.embedding import embedding_from_weight as embedding  # noqa: F401
from .ops.linear_layer import bilinear  # noqa: F401
from .ops.conv import (  # noqa: F401
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    convolution,
)
from .ops.normalization import (  # noqa: F401
    aten_batch_norm as batch_norm,
    aten_group_norm as group_norm,
    aten_instance_norm as instance_norm,
    aten_layer_norm as layer_norm,
    native_batch_norm,
    native_layer_norm,
    rms_norm,
)
from .ops.pooling import (  # noqa: F401
    adaptive_avg_pool1d,
    aten_adaptive_max_pool1d as adaptive_max_pool1d,
    avg_pool1d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool3d,
)
from .ops.resample import constant_pad_nd, pixel_shuffle, pixel_unshuffle  # noqa: F401
from .ops.grid_sample import affine_grid_generator, grid_sampler  # noqa: F401

# --- small Tensor extras and real-valued complex helpers (ops/tensor_extras.py)
from .ops.tensor_extras import *  # noqa: F401,F403

__version__ = "0.1.0"

# --- constants torch exposes at top level (plain Python floats, as torch's are)
import math as _math  # noqa: E402

inf = _math.inf
nan = _math.nan
pi = _math.pi
e = _math.e
newaxis = None

_LAZY_SUBMODULES = {
    "nn",
    "special",
    "optim",
    "utils",
    "linalg",
    "multiprocessing",
    "distributed",
    "vision",
    "backends",
    "testing",
    "cuda",
    "viz",
    "serialization",
    "text",
    "func",
    "distributions",
}
_LAZY_ATTRIBUTES = {
    "save": "serialization",
    "load": "serialization",
    "from_dlpack": "ops.dlpack",
    "channel_shuffle": "nn.modules.channelshuffle",
    "finfo": "_type_info",
    "iinfo": "_type_info",
    # runtime flags, compile and top-level tensor utilities (_runtime_flags.py, _compile.py, ...)
    "use_deterministic_algorithms": "_runtime_flags",
    "are_deterministic_algorithms_enabled": "_runtime_flags",
    "is_deterministic_algorithms_warn_only_enabled": "_runtime_flags",
    "set_deterministic_debug_mode": "_runtime_flags",
    "get_deterministic_debug_mode": "_runtime_flags",
    "set_float32_matmul_precision": "_runtime_flags",
    "get_float32_matmul_precision": "_runtime_flags",
    "compile": "_compile",
    "clone": "_tensor_functions",
    "detach": "_tensor_functions",
    "result_type": "_tensor_functions",
    "can_cast": "_tensor_functions",
    "set_num_threads": "_threads",
    "get_num_threads": "_threads",
    "set_num_interop_threads": "_threads",
    "get_num_interop_threads": "_threads",
}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        module = _importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    if name in _LAZY_ATTRIBUTES:
        module = _importlib.import_module("." + _LAZY_ATTRIBUTES[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ember' has no attribute {name!r}")


def is_tensor(obj) -> "bool":
    """True for ember Tensors (and Parameters)."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> "bool":
    return input.is_floating_point()


def numel(input) -> "int":
    return input.numel()


def typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


def _legacy(dt):
    """torch.FloatTensor(data) / torch.FloatTensor(*sizes): the legacy constructors."""
    import builtins

    def make(*args):
        if len(args) == 1 and not isinstance(args[0], builtins.int):
            return tensor(args[0], dtype=dt)
        return zeros(*args, dtype=dt)

    return make


FloatTensor = _legacy(float32)
DoubleTensor = _legacy(float64)
LongTensor = _legacy(int64)
IntTensor = _legacy(int32)
BoolTensor = _legacy(bool)
ByteTensor = _legacy(uint8)
HalfTensor = _legacy(float16)
