"""grid_sample and affine_grid against torch: values, gradients (first and second order), errors."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.oracle import as_numpy, check, check_error, gradcheck


def F(m):
    return m.nn.functional


def _grid(shape, dtype, seed, reach=1.6):
    """Grid values in [-reach, reach]: some points fall outside the input on purpose."""
    return np.random.default_rng(seed).uniform(-reach, reach, shape).astype(dtype)


def _inputs(x_shape, grid_shape, dtype, seed=0):
    x = np.random.default_rng(seed + 100).standard_normal(x_shape).astype(dtype)
    return [x, _grid(grid_shape, dtype, seed)]


def _tol(dtype):
    if dtype == "float32":
        return {"atol": 1e-5, "rtol": 1e-4, "grad_atol": 1e-4, "grad_rtol": 1e-3}
    return {"atol": 1e-10, "rtol": 1e-9}


def _sampler(mode="bilinear", padding_mode="zeros", align_corners=False):
    return lambda m, x, g: F(m).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


# ---------------------------------------------------------------- 4-D sampling
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_2d(mode, padding_mode, align_corners, dtype):
    inputs = _inputs((2, 3, 4, 5), (2, 3, 4, 2), dtype, seed=len(mode) + len(padding_mode))
    check(
        lambda m, x, g: F(m).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners),
        inputs=inputs,
        **_tol(dtype),
    )


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d(mode, padding_mode, align_corners):
    inputs = _inputs((2, 2, 3, 4, 5), (2, 2, 3, 2, 3), "float64", seed=7)
    check(
        lambda m, x, g: F(m).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners),
        inputs=inputs,
        **_tol("float64"),
    )


def test_grid_sample_3d_float32_and_far_outside():
    inputs = _inputs((1, 3, 2, 3, 4), (1, 3, 2, 2, 3), "float32", seed=3)
    inputs[1] = inputs[1] * 3  # far outside: reflection wraps several times
    for padding_mode in ("zeros", "border", "reflection"):
        check(_sampler("bilinear", padding_mode, False), inputs=inputs, **_tol("float32"))


def test_grid_sample_far_outside_and_unit_sizes():
    x, g = _inputs((1, 2, 1, 3), (1, 4, 5, 2), "float64", seed=11)
    g = g * 4
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding_mode in ("zeros", "border", "reflection"):
            for align_corners in (False, True):
                check(_sampler(mode, padding_mode, align_corners), inputs=[x, g], **_tol("float64"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grid_sample_points_on_edges_and_ties(dtype):
    # quarter steps land exactly on pixel centres, input edges and nearest-rounding ties:
    # there torch's clipping gradient is 0 and rounding goes half to even
    steps = np.array([-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25])
    rng = np.random.default_rng(9)
    g = rng.choice(steps, (2, 4, 5, 2)).astype(dtype)
    x = rng.standard_normal((2, 2, 4, 3)).astype(dtype)
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding_mode in ("zeros", "border", "reflection"):
            for align_corners in (False, True):
                check(_sampler(mode, padding_mode, align_corners), inputs=[x, g], **_tol(dtype))


def test_grid_sample_only_one_input_needs_grad():
    x, g = _inputs((2, 3, 4, 5), (2, 3, 3, 2), "float32", seed=2)
    check(lambda m, x, g: F(m).grid_sample(x, g.detach(), align_corners=False), inputs=[x, g], **_tol("float32"))
    check(lambda m, x, g: F(m).grid_sample(x.detach(), g, mode="bicubic", align_corners=True), inputs=[x, g], **_tol("float32"))


def test_grid_sample_empty_batch_channels_and_points():
    for xs, gs in [((0, 3, 4, 5), (0, 2, 2, 2)), ((2, 0, 4, 5), (2, 2, 2, 2)), ((2, 3, 4, 5), (2, 0, 3, 2))]:
        check(lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), inputs=_inputs(xs, gs, "float32"))


def test_grid_sample_nearest_grid_gradient_is_zero_not_none():
    x = ember.randn(1, 2, 3, 4, requires_grad=True)
    g = ember.rand(1, 2, 2, 2, requires_grad=True)
    F(ember).grid_sample(x, g, mode="nearest", align_corners=False).sum().backward()
    assert g.grad is not None and not np.any(g.grad.numpy())
    assert np.any(x.grad.numpy())


def test_grid_sample_identity_affine_reproduces_input():
    x = ember.randn(2, 3, 4, 5)
    theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]).expand(2, 2, 3)
    for align_corners in (False, True):
        grid = F(ember).affine_grid(theta, (2, 3, 4, 5), align_corners=align_corners)
        out = F(ember).grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-5)


def test_grid_sample_grad_fn_names_and_dtype():
    x = ember.randn(1, 2, 3, 4, requires_grad=True)
    g = ember.rand(1, 2, 2, 2, requires_grad=True)
    y = F(ember).grid_sample(x, g, align_corners=True)
    assert y.grad_fn.name() == "GridSampler2DBackward0" and y.dtype == ember.float32
    x5 = ember.randn(1, 2, 3, 4, 2, requires_grad=True)
    g5 = ember.rand(1, 2, 2, 2, 3, requires_grad=True)
    assert F(ember).grid_sample(x5, g5, align_corners=True).grad_fn.name() == "GridSampler3DBackward0"
    t = ember.randn(2, 2, 3, requires_grad=True)
    assert F(ember).affine_grid(t, (2, 1, 3, 4), align_corners=False).grad_fn.name() == "AffineGridGeneratorBackward0"


def test_grid_sample_align_corners_none_warns_and_means_false():
    x, g = _inputs((1, 2, 3, 4), (1, 2, 2, 2), "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(lambda m, x, g: F(m).grid_sample(x, g), inputs=[x, g])
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert sum("align_corners=False since 1.3.0" in msg for msg in messages) == 2  # one from each library


def test_top_level_grid_sampler_and_affine_grid_generator():
    x, g = _inputs((2, 3, 4, 5), (2, 3, 2, 2), "float32", seed=4)
    for mode in (0, 1, 2):
        for padding in (0, 1, 2):
            check(lambda m, x, g, mode=mode, padding=padding: m.grid_sampler(x, g, mode, padding, True), inputs=[x, g], **_tol("float32"))
    theta = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    check(lambda m, t: m.affine_grid_generator(t, (2, 1, 2, 3, 4), False), inputs=[theta])
    check(lambda m, t: m.affine_grid_generator(t, (2, 1, 1, 1, 1), True), inputs=[theta])


# --------------------------------------------------------- second derivatives
def _second_order(module, x, g, mode, padding_mode, align_corners, seed):
    """Gradients of a random combination of both first gradients, w.r.t. input and grid."""
    rng = np.random.default_rng(seed)
    xt = module.tensor(x, requires_grad=True)
    gt = module.tensor(g, requires_grad=True)
    y = F(module).grid_sample(xt, gt, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    up = module.tensor(rng.standard_normal(tuple(y.shape)), requires_grad=True)
    gx, gg = module.autograd.grad(y, (xt, gt), up, create_graph=True)
    total = (gx * module.tensor(rng.standard_normal(x.shape))).sum() + (gg * module.tensor(rng.standard_normal(g.shape))).sum()
    return [None if a is None else as_numpy(a) for a in module.autograd.grad(total, (xt, gt, up), allow_unused=True)]


@pytest.mark.parametrize(
    "mode,padding_mode,align_corners,x_shape,grid_shape",
    [
        ("bilinear", "zeros", False, (2, 2, 3, 4), (2, 3, 2, 2)),
        ("bilinear", "reflection", True, (2, 2, 3, 4), (2, 3, 2, 2)),
        ("bicubic", "border", False, (1, 2, 4, 4), (1, 2, 3, 2)),
        ("nearest", "zeros", True, (1, 2, 3, 4), (1, 2, 3, 2)),
        ("bilinear", "border", False, (1, 2, 2, 3, 4), (1, 2, 2, 2, 3)),
    ],
)
def test_grid_sample_double_backward_matches_torch(mode, padding_mode, align_corners, x_shape, grid_shape):
    x, g = _inputs(x_shape, grid_shape, "float64", seed=5)
    ours = _second_order(ember, x, g, mode, padding_mode, align_corners, seed=1)
    theirs = _second_order(torch, x, g, mode, padding_mode, align_corners, seed=1)
    for name, a, b in zip(("input", "grid", "grad_output"), ours, theirs):
        if b is None:  # torch's graph does not reach it; ours may, but only with zeros
            assert a is None or not np.any(a), f"second derivative w.r.t. {name}: torch has none"
            continue
        assert a is not None, f"second derivative w.r.t. {name}: ember has none"
        np.testing.assert_allclose(a, b, atol=1e-9, rtol=1e-8, err_msg=f"second derivative w.r.t. {name}")


@pytest.mark.parametrize("mode,padding_mode", [("bilinear", "zeros"), ("bilinear", "border"), ("bicubic", "zeros"), ("bicubic", "reflection")])
def test_grid_sample_gradcheck(mode, padding_mode):
    # grid inside [-0.9, 0.9]: no point sits on a clipping kink, where finite differences fail
    gradcheck(
        lambda m, x, g: F(m).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=False),
        [(1, 2, 3, 4), (1, 2, 3, 2)],
        low=-0.9,
        high=0.9,
    )


def test_grid_sample_3d_gradcheck():
    gradcheck(lambda m, x, g: F(m).grid_sample(x, g, align_corners=True), [(1, 1, 2, 3, 3), (1, 2, 1, 2, 3)], low=-0.9, high=0.9)


# ------------------------------------------------------------------ affine_grid
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "theta_shape,size",
    [((2, 2, 3), (2, 3, 4, 5)), ((1, 2, 3), (1, 1, 1, 6)), ((2, 3, 4), (2, 3, 2, 3, 4)), ((1, 3, 4), (1, 2, 1, 1, 3))],
)
def test_affine_grid(theta_shape, size, dtype, align_corners):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unit sizes with align_corners=True warn in both
        check(lambda m, t: F(m).affine_grid(t, size, align_corners=align_corners), [theta_shape], dtype=dtype)


def test_affine_grid_feeds_grid_sample_gradients_to_theta():
    theta = np.random.default_rng(1).uniform(-1, 1, (2, 2, 3)).astype(np.float32)
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32)

    def warp(m, t, x):
        grid = F(m).affine_grid(t, (2, 3, 3, 4), align_corners=False)
        return F(m).grid_sample(x, grid, padding_mode="border", align_corners=False)

    check(warp, inputs=[theta, x], **_tol("float32"))


def test_affine_grid_gradcheck():
    gradcheck(lambda m, t: F(m).affine_grid(t, (2, 1, 3, 4), align_corners=False), [(2, 2, 3)])
    gradcheck(lambda m, t: F(m).affine_grid(t, (1, 1, 2, 2, 3), align_corners=True), [(1, 3, 4)])


def test_affine_grid_warnings():
    theta = ember.randn(1, 2, 3)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F(ember).affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        F(ember).affine_grid(theta, (1, 1, 1, 5), align_corners=True)


# ---------------------------------------------------------------------- errors
def _arrays(*shapes, dtype=np.float32):
    return [np.zeros(s, dtype) for s in shapes]


@pytest.mark.parametrize(
    "fn,inputs,exc,match",
    [
        (lambda m, x, g: F(m).grid_sample(x, g, mode="foo", align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 1, 2)), ValueError, "expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'"),
        (lambda m, x, g: F(m).grid_sample(x, g, padding_mode="wrap", align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 1, 2)), ValueError, "expected padding_mode to be 'zeros', 'border', or 'reflection'"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((2, 1, 2, 2), (3, 1, 1, 2)), RuntimeError, r"same batch size, but got input with sizes \[2, 1, 2, 2\] and grid with sizes \[3, 1, 1, 2\]"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 1, 3)), RuntimeError, "expected grid to have size 2 in last dimension"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 2, 2, 2), (1, 1, 1, 2)), RuntimeError, "expected grid to have size 3 in last dimension"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 2)), RuntimeError, "expected 4D input and grid with same number of dimensions"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 2), (1, 1, 1)), RuntimeError, "expected 5D input and grid with same number of dimensions"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 0, 2), (1, 1, 1, 2)), RuntimeError, "non-empty spatial dimensions, but input has sizes \\[1, 1, 0, 2\\] with dimension 2 being empty"),
        (lambda m, x, g: F(m).grid_sample(x, g, mode="bicubic", align_corners=False), _arrays((1, 1, 2, 2, 2), (1, 1, 1, 1, 3)), RuntimeError, "bicubic interpolation only supports 4D input"),
        (lambda m, x, g: F(m).grid_sample(x, g.double(), align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 1, 2)), RuntimeError, "expected scalar type Float but found Double"),
        (lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), _arrays((1, 1, 2, 2), (1, 1, 1, 2), dtype=np.int64), NotImplementedError, "not implemented for 'Long'"),
        (lambda m, t: F(m).affine_grid(t, (1, 1, 2, 2, 2), align_corners=False), _arrays((1, 2, 3)), ValueError, r"Nx3x4 for size \(1, 1, 2, 2, 2\). Got torch.Size\(\[1, 2, 3\]\)"),
        (lambda m, t: F(m).affine_grid(t, (1, 1, 2, 2), align_corners=False), _arrays((2, 3)), ValueError, r"Nx2x3 for size \(1, 1, 2, 2\)"),
        (lambda m, t: F(m).affine_grid(t, (1, 1, 2), align_corners=False), _arrays((1, 2, 3)), NotImplementedError, "affine_grid only supports 4D and 5D sizes"),
        (lambda m, t: F(m).affine_grid(t, [1, 1, 0, 2], align_corners=False), _arrays((1, 2, 3)), ValueError, r"Expected non-zero, positive output size. Got \[1, 1, 0, 2\]"),
        (lambda m, t: F(m).affine_grid(t, (1, 1, 2, 2), align_corners=False), _arrays((1, 2, 3), dtype=np.int64), ValueError, "Expected theta to have floating point type, but got torch.int64"),
        (lambda m, t: F(m).affine_grid(t, (3, 1, 2, 2), align_corners=False), _arrays((2, 2, 3)), RuntimeError, r"batch2 tensor to be: \[3, 3\] but got: \[2, 3\]"),
    ],
)
def test_errors(fn, inputs, exc, match):
    check_error(fn, inputs, exc, match)
