"""Compare-with-PyTorch helpers: one line per op test.

``check(fn, shapes)`` builds identical seeded inputs for ember and torch, calls
``fn(module, *inputs)`` with ``module`` being ``ember`` and then ``torch`` (the API is
the same, so one lambda serves both), compares outputs (shape, dtype, values), then
backpropagates the same random (not all-ones) upstream gradient through both and
compares the input gradients.

    check(lambda m, x, y: m.mul(x, y), [(3, 4), (4,)])
    check(lambda m, x: x.sum(dim=1), [(2, 3)], dtype="float64")
"""

from __future__ import annotations

import numpy as np
import torch

import ember

_NP = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "bool": np.bool_,
}


def make_array(shape, dtype="float32", low=-2.0, high=2.0, seed=0, rng=None):
    """A seeded NumPy array of the given shape and dtype name."""
    rng = rng or np.random.default_rng(seed)
    np_dtype = _NP[dtype]
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if np.issubdtype(np_dtype, np.integer):
        lo = int(np.ceil(low)) if low is not None else 0
        hi = int(np.floor(high)) if high is not None else 10
        if np_dtype == np.uint8:
            lo = max(lo, 0)
        return rng.integers(lo, hi + 1, size=shape).astype(np_dtype)
    return rng.uniform(low, high, size=shape).astype(np_dtype)


def to_torch(x, requires_grad=False):
    if isinstance(x, np.ndarray):
        t = torch.from_numpy(x.copy())
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    return x


def to_ember(x, requires_grad=False):
    if isinstance(x, np.ndarray):
        t = ember.from_numpy(x.copy())
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    return x


def as_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    if isinstance(t, ember.Tensor):
        a = t.detach().numpy()
        return a.astype(np.float32) if a.dtype.kind == "V" else a
    return np.asarray(t)


def assert_same(e, t, atol=1e-5, rtol=1e-4, what="output", check_dtype=True):
    """Assert an ember value equals a torch value: type, shape, dtype and values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)), f"{what}: torch gave a sequence, ember gave {type(e).__name__}"
        assert len(e) == len(t), f"{what}: lengths differ (ember {len(e)}, torch {len(t)})"
        for i, (ei, ti) in enumerate(zip(e, t)):
            assert_same(ei, ti, atol, rtol, f"{what}[{i}]", check_dtype)
        return
    if t is None:
        assert e is None, f"{what}: torch gave None, ember gave {e!r}"
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected an ember Tensor, got {type(e).__name__}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
        if check_dtype:
            assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != torch {t.dtype}"
        ea, ta = as_numpy(e), as_numpy(t)
        if ta.dtype.kind in "fc":
            np.testing.assert_allclose(ea.astype(np.float64), ta.astype(np.float64), atol=atol, rtol=rtol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(ea, ta, err_msg=what)
        return
    if isinstance(t, (float, int, bool)):
        if isinstance(t, float):
            assert np.isclose(e, t, atol=atol, rtol=rtol, equal_nan=True), f"{what}: {e} != torch {t}"
        else:
            assert e == t, f"{what}: {e} != torch {t}"
        return
    if isinstance(t, torch.Size):
        assert tuple(e) == tuple(t), f"{what}: {e} != torch {t}"
        return
    assert e == t, f"{what}: {e!r} != torch {t!r}"


def _float_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, (torch.Tensor, ember.Tensor))]


def check(
    fn,
    shapes=None,
    *,
    inputs=None,
    dtype="float32",
    low=-2.0,
    high=2.0,
    grad=True,
    atol=1e-5,
    rtol=1e-4,
    grad_atol=None,
    grad_rtol=None,
    seed=0,
    check_dtype=True,
):
    """Run ``fn(module, *inputs)`` in ember and torch and compare values and gradients.

    ``shapes`` lists input shapes (arrays are made with ``dtype`` in [low, high]);
    or pass ``inputs`` as NumPy arrays / Python values directly. Returns
    ``(ember_output, torch_output)``.
    """
    rng = np.random.default_rng(seed)
    if inputs is None:
        dtypes = dtype if isinstance(dtype, (list, tuple)) else [dtype] * len(shapes)
        inputs = [make_array(s, d, low, high, rng=rng) for s, d in zip(shapes, dtypes)]
    t_in = [to_torch(x, grad) for x in inputs]
    e_in = [to_ember(x, grad) for x in inputs]
    t_out = fn(torch, *t_in)
    e_out = fn(ember, *e_in)
    assert_same(e_out, t_out, atol, rtol, check_dtype=check_dtype)
    if not grad:
        return e_out, t_out
    t_outs = [o for o in _float_outputs(t_out) if o.requires_grad]
    e_outs = [o for o, ot in zip(_float_outputs(e_out), _float_outputs(t_out)) if ot.requires_grad]
    if not t_outs:
        return e_out, t_out
    assert all(o.requires_grad for o in e_outs), "ember output does not require grad where torch's does"
    upstream = [rng.standard_normal(tuple(o.shape)).astype(as_numpy(o).dtype) for o in t_outs]
    torch.autograd.backward(t_outs, [torch.from_numpy(u.copy()) for u in upstream])
    ember.autograd.backward(e_outs, [ember.from_numpy(u.copy()) for u in upstream])
    g_atol = grad_atol if grad_atol is not None else atol * 10
    g_rtol = grad_rtol if grad_rtol is not None else rtol * 10
    for i, (ei, ti) in enumerate(zip(e_in, t_in)):
        if isinstance(ti, torch.Tensor) and ti.requires_grad:
            if ti.grad is None:
                assert ei.grad is None or not np.any(as_numpy(ei.grad)), f"input {i}: torch has no grad, ember has one"
            else:
                assert ei.grad is not None, f"input {i}: ember computed no gradient"
                assert_same(ei.grad, ti.grad, g_atol, g_rtol, f"grad of input {i}")
    return e_out, t_out


def check_error(fn, inputs, exc_type=None, match=None):
    """Assert ember raises the same exception type as torch (and a message matching ``match``)."""
    import re

    t_in = [to_torch(x) for x in inputs]
    e_in = [to_ember(x) for x in inputs]
    try:
        fn(torch, *t_in)
    except Exception as exc:  # noqa: BLE001 - any exception type is the oracle
        torch_type = type(exc)
    else:
        raise AssertionError("torch raised nothing: the test's input is not an error case")
    expected = exc_type or torch_type
    try:
        fn(ember, *e_in)
    except Exception as exc:  # noqa: BLE001
        assert isinstance(exc, expected), f"ember raised {type(exc).__name__}: {exc}; torch raised {torch_type.__name__}"
        if match is not None:
            assert re.search(match, str(exc)), f"message {str(exc)!r} does not match {match!r}"
        return exc
    raise AssertionError(f"ember raised nothing; torch raised {torch_type.__name__}")


def gradcheck(fn, shapes, *, low=-2.0, high=2.0, seed=0, second_order=True, **kwargs):
    """float64 finite-difference check of ``fn(ember, *inputs)``'s first (and second) derivatives."""
    rng = np.random.default_rng(seed)
    arrays = [make_array(s, "float64", low, high, rng=rng) for s in shapes]
    inputs = [ember.tensor(a, requires_grad=True) for a in arrays]
    assert ember.autograd.gradcheck(lambda *xs: fn(ember, *xs), inputs, **kwargs)
    if second_order:
        assert ember.autograd.gradgradcheck(lambda *xs: fn(ember, *xs), inputs, **kwargs)
