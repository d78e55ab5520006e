"""Normalization against torch: batch/layer/group/instance/local-response norm, modules, running stats."""

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module, copy_state
from tests.oracle import check, check_error, gradcheck


def F(m):
    return m.nn.functional


def _stats(seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(3).astype(np.float32), (rng.random(3) + 0.5).astype(np.float32)


# ------------------------------------------------------------------ functional
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 3)])
def test_batch_norm_with_running_stats(training, shape):
    rm, rv = _stats()

    def bn(m, x, w, b, rm_, rv_):
        rm_, rv_ = rm_.detach(), rv_.detach()  # buffers: updated in place, not differentiated
        out = F(m).batch_norm(x, rm_, rv_, w, b, training=training, momentum=0.3, eps=1e-3)
        return out, rm_, rv_

    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(shape).astype(np.float32), rng.standard_normal(3).astype(np.float32),
              rng.standard_normal(3).astype(np.float32), rm, rv]
    check(bn, inputs=inputs)


def test_batch_norm_without_stats_or_affine():
    check(lambda m, x: F(m).batch_norm(x, None, None, training=True), [(4, 3, 2, 2)])
    check(lambda m, x: m.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False), [(4, 3, 2)])
    check(lambda m, x: F(m).batch_norm(x, None, None, training=True), [(4, 3, 2)], dtype="float64", atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize(
    "normalized,shapes",
    [((5,), [(2, 3, 5), (5,), (5,)]), ((4, 5), [(2, 3, 4, 5), (4, 5), (4, 5)]), ((3,), [(3,), (3,), (3,)])],
)
def test_layer_norm(normalized, shapes):
    check(lambda m, x, w, b: F(m).layer_norm(x, normalized, w, b, eps=1e-4), shapes)
    check(lambda m, x: F(m).layer_norm(x, normalized), shapes[:1])
    check(lambda m, x, w, b: m.layer_norm(x, normalized, w, b), shapes)


def test_group_norm():
    check(lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(2, 4, 3, 5), (4,), (4,)])
    check(lambda m, x, w: F(m).group_norm(x, 4, w), [(3, 4, 6), (4,)])
    check(lambda m, x: F(m).group_norm(x, 1), [(2, 6)])
    check(lambda m, x, w, b: m.group_norm(x, 3, w, b), [(2, 6, 2, 2), (6,), (6,)])


def test_instance_norm():
    check(lambda m, x, w, b: F(m).instance_norm(x, None, None, w, b), [(2, 3, 4, 5), (3,), (3,)])
    rm, rv = _stats()

    def inorm(m, x, rm_, rv_, use_input_stats):
        rm_, rv_ = rm_.detach(), rv_.detach()
        return F(m).instance_norm(x, rm_, rv_, momentum=0.2, use_input_stats=use_input_stats), rm_, rv_

    x = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32)
    check(lambda m, x, a, b: inorm(m, x, a, b, True), inputs=[x, rm, rv])
    check(lambda m, x, a, b: inorm(m, x, a, b, False), inputs=[x, rm, rv])


def test_local_response_norm():
    check(lambda m, x: F(m).local_response_norm(x, 3), [(2, 5, 4, 3)])
    check(lambda m, x: F(m).local_response_norm(x, 2, alpha=0.1, beta=0.5, k=2.0), [(2, 5, 4)])
    check(lambda m, x: F(m).local_response_norm(x, 4), [(1, 6, 2, 3, 2)])


def test_grad_fn_names():
    x = ember.randn(4, 3, requires_grad=True)
    assert F(ember).batch_norm(x, None, None, training=True).grad_fn.name() == "NativeBatchNormBackward0"
    assert F(ember).layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F(ember).group_norm(x, 3).grad_fn.name() == "NativeGroupNormBackward0"


# -------------------------------------------------------------- finite differences
def test_gradchecks_including_second_order():
    gradcheck(lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True), [(3, 2, 2), (2,), (2,)])
    gradcheck(lambda m, x, w, b: F(m).layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)])
    gradcheck(lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [(2, 4, 2), (4,), (4,)])
    gradcheck(lambda m, x: F(m).instance_norm(x), [(2, 2, 3)])
    gradcheck(lambda m, x: F(m).local_response_norm(x, 2), [(1, 3, 2, 2)], second_order=False)


def test_eval_mode_gradcheck_uses_fixed_statistics():
    rm = ember.tensor([0.1, -0.2], dtype=ember.float64)
    rv = ember.tensor([0.5, 2.0], dtype=ember.float64)
    gradcheck(lambda m, x, w: F(m).batch_norm(x, rm, rv, w, None, training=False), [(3, 2), (2,)])


def test_double_backward_matches_torch():
    def gradgrad(m, x, w):
        y = F(m).batch_norm(x, None, None, w, None, training=True)
        (gx,) = m.autograd.grad((y * y * y).sum(), x, create_graph=True)
        return (gx * gx).sum()

    check(gradgrad, [(4, 3), (3,)], atol=1e-4, rtol=1e-3)


# ----------------------------------------------------------------------- errors
def _z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


@pytest.mark.parametrize(
    "fn,inputs,exc,match",
    [
        (lambda m, x: F(m).batch_norm(x, None, None, training=False), [_z(4, 3)], RuntimeError, "running_mean must be defined in evaluation mode"),
        (lambda m, x: F(m).batch_norm(x, None, None, training=True), [_z(1, 3)], ValueError, "Expected more than 1 value per channel when training"),
        (lambda m, x, rm: F(m).batch_norm(x, rm, None, training=True), [_z(4, 3, 5), _z(4)], RuntimeError, "running_mean should contain 3 elements not 4"),
        (lambda m, x, w: F(m).batch_norm(x, None, None, w, training=True), [_z(4, 3, 5), _z(4)], RuntimeError, "weight should contain 3 elements not 4"),
        (lambda m, x: F(m).layer_norm(x, (4,)), [_z(4, 3, 5)], RuntimeError, r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[4, 3, 5\]"),
        (lambda m, x, w: F(m).layer_norm(x, (3, 5), w), [_z(4, 3, 5), _z(5)], RuntimeError, "Expected weight to be of same shape as normalized_shape"),
        (lambda m, x: F(m).group_norm(x, 2), [_z(4, 3, 5)], RuntimeError, "Expected number of channels in input to be divisible by num_groups"),
        (lambda m, x, w: F(m).group_norm(x, 3, w), [_z(4, 3, 5), _z(2)], RuntimeError, "Expected weight to be a vector of size equal to the number of channels"),
        (lambda m, x: F(m).instance_norm(x), [_z(1, 3, 1)], ValueError, "Expected more than 1 spatial element when training"),
        (lambda m, x, rm, rv: F(m).batch_norm(x, rm, rv, training=True), [_z(4, 3, dtype=np.float64), _z(3), _z(3)], RuntimeError, "mixed dtype"),
    ],
)
def test_errors_match_torch(fn, inputs, exc, match):
    check_error(fn, inputs, exc, match)


# ---------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda m: m.nn.BatchNorm1d(3), (4, 3)),
        (lambda m: m.nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
        (lambda m: m.nn.BatchNorm2d(3, affine=False), (4, 3, 3, 3)),
        (lambda m: m.nn.BatchNorm2d(3, bias=False, eps=1e-3, momentum=0.5), (2, 3, 3, 2)),
        (lambda m: m.nn.BatchNorm3d(2, track_running_stats=False), (2, 2, 3, 2, 2)),
        (lambda m: m.nn.LayerNorm(5), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm((3, 5), elementwise_affine=False), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm(5, bias=False), (2, 5)),
        (lambda m: m.nn.RMSNorm(5), (2, 3, 5)),
        (lambda m: m.nn.RMSNorm((3, 5), eps=1e-3, elementwise_affine=False), (2, 3, 5)),
        (lambda m: m.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
        (lambda m: m.nn.GroupNorm(3, 6, affine=False), (2, 6, 4)),
        (lambda m: m.nn.LocalResponseNorm(3), (2, 5, 4, 4)),
        (lambda m: m.nn.InstanceNorm1d(3), (2, 3, 5)),
        (lambda m: m.nn.InstanceNorm1d(3), (3, 5)),
        (lambda m: m.nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 4, 4)),
        (lambda m: m.nn.InstanceNorm3d(2, affine=True), (1, 2, 3, 2, 3)),
    ],
)
@pytest.mark.parametrize("train", [True, False])
def test_modules_match_torch(make, shape, train):
    import torch

    check_module(make, [shape], train=train)
    assert repr(make(ember)) == repr(make(torch))
    e, t = make(ember), make(torch)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(e.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_running_stats_over_several_steps(momentum):
    """Running statistics (unbiased variance, cumulative average for None) and eval use them."""
    import torch

    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((5, 3, 2, 2)).astype(np.float32) * (i + 1) for i in range(4)]
    tm, em = torch.nn.BatchNorm2d(3, momentum=momentum), ember.nn.BatchNorm2d(3, momentum=momentum)
    copy_state(tm, em)
    for x in batches:
        tm(torch.from_numpy(x))
        em(ember.from_numpy(x))
    for name, tb in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[name].numpy(), tb.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    assert int(em.num_batches_tracked) == 4 and em.num_batches_tracked.dtype == ember.int64
    tm.eval()
    em.eval()
    x = batches[0]
    np.testing.assert_allclose(em(ember.from_numpy(x)).detach().numpy(), tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert int(em.num_batches_tracked) == 4  # eval does not count


def test_batchnorm_input_checks_and_reset():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        ember.nn.BatchNorm2d(3)(ember.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        ember.nn.BatchNorm1d(3)(ember.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        ember.nn.GroupNorm(4, 6)
    bn = ember.nn.BatchNorm1d(2)
    bn(ember.randn(4, 2) * 3 + 1)
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.running_var.tolist() == [1.0, 1.0]
    assert int(bn.num_batches_tracked) == 0


def test_instance_norm_module_feature_checks():
    with pytest.raises(ValueError, match="expected input's size at dim=1 to match num_features"):
        ember.nn.InstanceNorm1d(3, affine=True)(ember.zeros(2, 4, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        ember.nn.InstanceNorm1d(3)(ember.randn(2, 4, 5))


def test_old_checkpoint_without_num_batches_tracked_loads():
    bn = ember.nn.BatchNorm1d(2)
    state = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    bn._load_from_state_dict(state, "", {"version": 1}, True, missing := [], [], [])
    assert missing == [] and int(bn.num_batches_tracked) == 0


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_layer_norm_other_precisions_match_torch(dtype):
    tol = {"float16": dict(atol=5e-3, rtol=5e-3), "float64": dict(atol=1e-10, rtol=1e-10)}[dtype]
    check(lambda m, x, w, b: F(m).layer_norm(x, (6,), w, b), [(3, 4, 6), (6,), (6,)], dtype=dtype, **tol)


def test_layer_norm_of_non_contiguous_input_and_empty_batch():
    check(lambda m, x, w: F(m).layer_norm(x.transpose(0, 1), (5,), w), [(4, 3, 5), (5,)])
    check(lambda m, x, w, b: F(m).layer_norm(x, (5,), w, b), [(0, 5), (5,), (5,)])



@pytest.mark.parametrize("shape", [(64, 3, 8), (7, 130), (2, 32, 64, 16)])
def test_layer_norm_rows_match_torch_closely(shape):
    # row counts that do and do not tile the bias into long rows, affine parameters
    # present or absent one at a time, at float32 rounding tolerance
    d = shape[-1]
    tol = dict(atol=2e-6, rtol=1e-5, grad_atol=2e-5, grad_rtol=1e-5)
    check(lambda m, x, w, b: F(m).layer_norm(x, (d,), w, b), [shape, (d,), (d,)], **tol)
    check(lambda m, x, b: F(m).layer_norm(x, (d,), None, b), [shape, (d,)], **tol)
    check(lambda m, x, w: F(m).layer_norm(x, (d,), w), [shape, (d,)], **tol)


def test_layer_norm_of_rows_with_a_large_mean_keeps_precision():
    # centred before squaring: with a mean 300 times the spread, a variance taken as
    # mean(x^2) - mean^2 in float32 would be noise; only the rounded float32 mean may
    # cost digits (as it does in torch)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((16, 32)) * 0.5 + 150.0).astype(np.float32)
    w, b = rng.standard_normal(32).astype(np.float32), rng.standard_normal(32).astype(np.float32)
    centred = x.astype(np.float64) - x.astype(np.float64).mean(axis=1, keepdims=True)
    exact = centred / np.sqrt((centred**2).mean(axis=1, keepdims=True) + 1e-5) * w + b
    got = F(ember).layer_norm(ember.tensor(x), (32,), ember.tensor(w), ember.tensor(b)).numpy()
    np.testing.assert_allclose(got, exact, atol=1e-4, rtol=0)


def test_layer_norm_gradients_when_only_some_inputs_need_them():
    shapes = [(6, 4, 8), (8,), (8,)]
    check(lambda m, x, w, b: F(m).layer_norm(x, (8,), w.detach(), b.detach()), shapes)
    check(lambda m, x, w, b: F(m).layer_norm(x.detach(), (8,), w, b.detach()), shapes)
    check(lambda m, x, w, b: F(m).layer_norm(x.detach(), (8,), w.detach(), b), shapes)
    check(lambda m, x, w, b: F(m).layer_norm(x.transpose(0, 1), (8,), w, b), shapes)


def test_layer_norm_backward_twice_with_retain_graph_gives_the_same_gradients():
    x = ember.randn(5, 3, 8, requires_grad=True)
    w, b = ember.randn(8, requires_grad=True), ember.randn(8, requires_grad=True)
    y = F(ember).layer_norm(x, (8,), w, b)
    g = ember.randn(5, 3, 8)
    y.backward(g, retain_graph=True)
    first = [t.grad.clone() for t in (x, w, b)]
    y.backward(g)
    for t, g1 in zip((x, w, b), first):
        np.testing.assert_allclose(t.grad.numpy(), 2 * g1.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ RMS norm
@pytest.mark.parametrize(
    "normalized,shapes,eps",
    [((5,), [(2, 3, 5), (5,)], None), ((4, 5), [(2, 4, 5), (4, 5)], 1e-3), ((3,), [(3,), (3,)], None)],
)
def test_rms_norm_matches_torch(normalized, shapes, eps):
    check(lambda m, x, w: F(m).rms_norm(x, normalized, w, eps=eps), shapes)
    check(lambda m, x: m.rms_norm(x, normalized), shapes[:1])


def test_rms_norm_graph_is_torchs():
    def names(fn, depth=0):
        out = [(depth, fn.name().replace("torch::autograd::", ""))]
        for child, _ in fn.next_functions:
            if child is not None:
                out += names(child, depth + 1)
        return out

    import torch

    for dtype in ("float32", "float16"):
        x = [m.randn(2, 4, dtype=getattr(m, dtype), requires_grad=True) for m in (ember, torch)]
        w = [m.ones(4, dtype=getattr(m, dtype), requires_grad=True) for m in (ember, torch)]
        ours = names(F(ember).rms_norm(x[0], (4,), w[0]).grad_fn)
        theirs = names(F(torch).rms_norm(x[1], (4,), w[1]).grad_fn)
        assert ours == theirs


def test_rms_norm_half_precision_and_tiny_rows_match_torch():
    # Half inputs compute in float32 with float32's epsilon (a row of 1e-4 shows which eps).
    values = np.full((2, 4), 1e-4, np.float32)
    values[1] = [0.5, -1.0, 2.0, 0.25]
    check(lambda m, x: F(m).rms_norm(x, (4,)), inputs=[values.astype(np.float16)], atol=2e-3, rtol=2e-3)
    check(lambda m, x: F(m).rms_norm(x, (4,)), inputs=[values])


def test_rms_norm_gradcheck_and_errors():
    gradcheck(lambda m, x, w: F(m).rms_norm(x, (3,), w), [(2, 3), (3,)])
    check_error(lambda m, x: F(m).rms_norm(x, (3,)), [_z(2, 4)], RuntimeError, r"expected input with shape \[\*3\], but got input of size\[2, 4\]")
    check_error(lambda m, x, w: F(m).rms_norm(x, (4,), w), [_z(2, 4), _z(3)], RuntimeError, "Expected weight to be of same shape")
    check_error(lambda m, x: F(m).rms_norm(x, (4,)), [np.ones((2, 4), np.int64)], NotImplementedError, "rms_norm")


def test_layer_norm_releases_its_row_statistics_after_backward():
    # LayerNorm keeps the centred input for backward: it must be freed with the rest of
    # the saved values, not linger on the node while the output is alive.
    x = ember.randn(64, 128, requires_grad=True)
    y = ember.nn.LayerNorm(128)(x)
    y.sum().backward()

    def arrays_in(value):
        if isinstance(value, np.ndarray):
            yield value
        elif isinstance(value, (tuple, list)):
            for v in value:
                yield from arrays_in(v)

    kept = [a.shape for v in vars(y.grad_fn).values() for a in arrays_in(v)]
    assert (64, 128) not in kept
    with pytest.raises(RuntimeError, match="second time"):
        y.grad_fn.saved_tensors
