"""Convolutions against torch: F.conv*/conv_transpose*, the Conv/ConvTranspose modules, errors."""

import math

import numpy as np
import pytest

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck


def F(m):
    return m.nn.functional


# ------------------------------------------------------------------ functional
@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({}, [(2, 3, 8, 8), (4, 3, 3, 3), (4,)]),
        ({"stride": 2, "padding": 1}, [(2, 3, 8, 7), (4, 3, 3, 3), (4,)]),
        ({"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)}, [(2, 3, 9, 8), (4, 3, 3, 2), (4,)]),
        ({"groups": 3, "padding": 1}, [(2, 6, 6, 5), (6, 2, 3, 3), (6,)]),
        ({"groups": 2, "stride": 2, "dilation": 2}, [(1, 4, 9, 9), (6, 2, 2, 3), (6,)]),
        ({"groups": 4}, [(2, 4, 5, 5), (8, 1, 3, 3), (8,)]),  # depthwise
        ({"padding": "same"}, [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
        ({"padding": "same", "dilation": 2}, [(2, 3, 7, 8), (4, 3, 4, 3), (4,)]),
        ({"padding": "valid"}, [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
        ({}, [(2, 3, 6, 6), (5, 3, 1, 1), (5,)]),  # 1x1
        ({}, [(3, 6, 6), (5, 3, 3, 3), (5,)]),  # unbatched
        ({"stride": 3, "padding": 2}, [(1, 2, 5, 5), (3, 2, 5, 5), (3,)]),  # padding > 0, kernel == input
    ],
)
def test_conv2d(kwargs, shapes):
    check(lambda m, x, w, b: F(m).conv2d(x, w, b, **kwargs), shapes)


def test_conv2d_without_bias_and_padding_same_even_kernel_warns_like_torch():
    check(lambda m, x, w: F(m).conv2d(x, w, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3)])
    with pytest.warns(UserWarning, match="padding='same' with even kernel"):
        ember.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 4, 4), padding="same")


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({}, [(2, 3, 10), (4, 3, 3), (4,)]),
        ({"stride": 2, "padding": 2, "dilation": 2, "groups": 3}, [(2, 3, 11), (6, 1, 3), (6,)]),
        ({"padding": "same"}, [(2, 3, 9), (4, 3, 4), (4,)]),
        ({}, [(3, 10), (4, 3, 3), (4,)]),
    ],
)
def test_conv1d(kwargs, shapes):
    check(lambda m, x, w, b: F(m).conv1d(x, w, b, **kwargs), shapes)


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({"padding": 1}, [(2, 2, 4, 5, 4), (3, 2, 3, 3, 2), (3,)]),
        ({"stride": (1, 2, 2), "groups": 2, "dilation": (2, 1, 1)}, [(1, 4, 5, 5, 6), (4, 2, 2, 3, 2), (4,)]),
    ],
)
def test_conv3d(kwargs, shapes):
    check(lambda m, x, w, b: F(m).conv3d(x, w, b, **kwargs), shapes)


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({}, [(2, 4, 5, 5), (4, 3, 3, 3), (3,)]),
        ({"stride": 2, "padding": 1, "output_padding": 1}, [(2, 4, 5, 4), (4, 3, 3, 3), (3,)]),
        ({"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, [(2, 4, 5, 5), (4, 3, 3, 3), (6,)]),
        ({"stride": (2, 3), "dilation": (1, 2), "padding": (0, 1)}, [(1, 2, 4, 3), (2, 2, 2, 3), (2,)]),
        ({"dilation": 2, "output_padding": 1}, [(1, 2, 4, 4), (2, 3, 3, 3), (3,)]),  # op < dilation, stride 1
        ({"padding": 1}, [(2, 4, 5, 5), (4, 3, 3, 3), (3,)]),
        ({}, [(4, 5, 5), (4, 3, 3, 3), (3,)]),
    ],
)
def test_conv_transpose2d(kwargs, shapes):
    check(lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, **kwargs), shapes)


def test_conv_transpose1d_and_3d():
    check(lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2), [(2, 4, 5), (4, 3, 3), (3,)])
    check(lambda m, x, w, b: F(m).conv_transpose3d(x, w, b, stride=2, padding=1), [(1, 2, 3, 3, 2), (2, 2, 3, 2, 3), (2,)])


def test_top_level_aliases_and_convolution():
    check(lambda m, x, w: m.conv2d(x, w, None, 1, 1), [(1, 2, 5, 5), (3, 2, 3, 3)])
    check(lambda m, x, w: m.conv_transpose1d(x, w, None, 2), [(1, 2, 5), (2, 3, 3)])
    check(
        lambda m, x, w, b: m.convolution(x, w, b, [2, 1], [1, 0], [1, 1], False, [0, 0], 1),
        [(1, 2, 5, 5), (3, 2, 3, 3), (3,)],
    )
    check(
        lambda m, x, w, b: m.convolution(x, w, b, [2, 2], [1, 1], [1, 1], True, [1, 1], 1),
        [(1, 2, 4, 4), (2, 3, 3, 3), (3,)],
    )


def test_grad_fn_name_and_input_without_grad():
    x = ember.randn(1, 2, 5, 5)
    w = ember.randn(3, 2, 3, 3, requires_grad=True)
    y = ember.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    y.sum().backward()
    assert w.grad is not None and x.grad is None
    with ember.no_grad():
        assert not ember.conv2d(x, w).requires_grad


def test_float64_and_integer_conv():
    check(lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1, groups=2), [(1, 4, 5, 5), (2, 2, 3, 3), (2,)], dtype="float64", atol=1e-10, rtol=1e-10)
    check(lambda m, x, w: F(m).conv2d(x, w, stride=2), [(1, 2, 6, 6), (3, 2, 3, 3)], dtype="int64", grad=False)


def test_empty_batch():
    check(lambda m, x, w, b: F(m).conv2d(x, w, b), [(0, 2, 5, 5), (3, 2, 3, 3), (3,)])


# -------------------------------------------------------------- finite differences
def test_gradcheck_conv2d_with_second_order():
    gradcheck(lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1, groups=2), [(1, 4, 5, 5), (2, 2, 3, 3), (2,)])
    gradcheck(lambda m, x, w: F(m).conv2d(x, w, padding=1, dilation=(1, 2)), [(2, 1, 4, 5), (2, 1, 2, 2)])


def test_gradcheck_conv1d_conv3d_and_transposed():
    gradcheck(lambda m, x, w: F(m).conv1d(x, w, padding="same"), [(1, 2, 5), (2, 2, 2)])
    gradcheck(lambda m, x, w: F(m).conv3d(x, w), [(1, 1, 3, 3, 3), (1, 1, 2, 2, 2)], second_order=False)
    gradcheck(
        lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(1, 2, 3, 3), (2, 2, 3, 3), (2,)],
    )


def test_double_backward_matches_torch():
    def gradgrad(m, x, w):
        y = F(m).conv2d(x, w, padding=1)
        (gx,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        return (gx * gx).sum()

    def gradgrad_transposed(m, x, w):
        y = F(m).conv_transpose2d(x, w, stride=2, padding=1)
        (gw,) = m.autograd.grad((y * y).sum(), w, create_graph=True)
        return (gw * gw).sum()

    check(gradgrad, [(1, 2, 4, 4), (3, 2, 3, 3)], atol=1e-4, rtol=1e-4)
    check(gradgrad_transposed, [(1, 2, 3, 3), (2, 3, 3, 3)], atol=1e-3, rtol=1e-4)


# ----------------------------------------------------------------------- errors
def _z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


@pytest.mark.parametrize(
    "fn,inputs,match",
    [
        (
            lambda m, x, w: F(m).conv2d(x, w),
            [_z(2, 4, 8, 8), _z(6, 3, 5, 5)],
            (
                r"Given groups=1, weight of size \[6, 3, 5, 5\], expected input\[2, 4, 8, 8\] to have 3 channels, "
                r"but got 4 channels instead"
            ),
        ),
        (
            lambda m, x, w: F(m).conv2d(x, w),
            [_z(2, 3, 4, 4), _z(6, 3, 5, 5)],
            (
                r"Calculated padded input size per channel: \(4 x 4\). Kernel size: \(5 x 5\). Kernel size can't be "
                r"greater than actual input size"
            ),
        ),
        (lambda m, x, w: F(m).conv2d(x, w, dilation=3), [_z(1, 1, 5, 5), _z(1, 1, 3, 3)], r"Kernel size: \(7 x 7\)"),
        (lambda m, x, w: F(m).conv2d(x, w), [_z(2, 3), _z(6, 3, 5, 5)], r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d"),
        (lambda m, x, w: F(m).conv2d(x, w, groups=3), [_z(2, 4, 8, 8), _z(6, 2, 5, 5)], "Given groups=3, weight of size"),
        (lambda m, x, w: F(m).conv2d(x, w, groups=3), [_z(2, 6, 8, 8), _z(5, 2, 3, 3)], "expected weight to be divisible by 3"),
        (lambda m, x, w: F(m).conv2d(x, w, stride=0), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], "non-positive stride is not supported"),
        (lambda m, x, w: F(m).conv2d(x, w, padding=-1), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], "negative padding is not supported"),
        (lambda m, x, w: F(m).conv2d(x, w, padding="same", stride=2), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], "padding='same' is not supported for strided"),
        (lambda m, x, w: F(m).conv2d(x, w, padding="foo"), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], "Invalid padding string: 'foo'"),
        (lambda m, x, w: F(m).conv2d(x, w, stride=(1, 1, 1)), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], "a list of 2 values"),
        (lambda m, x, w: F(m).conv2d(x, w.double()), [_z(1, 3, 8, 8), _z(6, 3, 3, 3)], r"Input type .* and weight type .* should be the same"),
        (lambda m, x, w, b: F(m).conv2d(x, w, b), [_z(1, 3, 8, 8), _z(6, 3, 3, 3), _z(5)], "expected bias to be 1-dimensional with 6 elements"),
        (lambda m, x, w: F(m).conv_transpose2d(x, w), [_z(2, 3, 8, 8), _z(4, 3, 3, 3)], "Given transposed=1, weight of size"),
        (lambda m, x, w: F(m).conv_transpose2d(x, w, output_padding=1), [_z(2, 3, 8, 8), _z(3, 3, 3, 3)], "output padding must be smaller than either stride or dilation"),
        (lambda m, x, w: F(m).conv_transpose2d(x, w, padding=5), [_z(1, 2, 5, 5), _z(2, 3, 3, 3)], "Output size is too small"),
    ],
)
def test_errors_match_torch(fn, inputs, match):
    check_error(fn, inputs, match=match)


def test_bool_conv_is_not_implemented():
    check_error(lambda m, x, w: F(m).conv2d(x, w), [_z(1, 1, 5, 5, dtype=np.bool_), _z(1, 1, 3, 3, dtype=np.bool_)], NotImplementedError)


# ---------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "make,shapes",
    [
        (lambda m: m.nn.Conv2d(3, 4, 3), [(2, 3, 7, 7)]),
        (lambda m: m.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2, bias=False), [(2, 4, 7, 8)]),
        (lambda m: m.nn.Conv2d(3, 4, 3, padding="same", padding_mode="reflect"), [(2, 3, 6, 5)]),
        (lambda m: m.nn.Conv2d(3, 4, 4, padding="same", padding_mode="circular"), [(1, 3, 6, 5)]),
        (lambda m: m.nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate"), [(1, 3, 5, 5)]),
        (lambda m: m.nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), [(3, 5, 5)]),
        (lambda m: m.nn.Conv1d(3, 4, 3, stride=2, padding=1, padding_mode="reflect"), [(2, 3, 9)]),
        (lambda m: m.nn.Conv3d(2, 4, 2, padding="valid", groups=2), [(1, 2, 4, 3, 4)]),
        (lambda m: m.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), [(2, 4, 4, 5)]),
        (lambda m: m.nn.ConvTranspose1d(3, 2, 4, stride=2, bias=False, dilation=2), [(2, 3, 5)]),
        (lambda m: m.nn.ConvTranspose3d(2, 2, 2, stride=2), [(1, 2, 2, 3, 2)]),
    ],
)
def test_modules_match_torch(make, shapes):
    check_module(make, shapes)


def test_conv_transpose_output_size_argument():
    check_module(lambda m: m.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), [(1, 2, 5, 5)], call=lambda mod, x: mod(x, output_size=[10, 10]))
    check_module(lambda m: m.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), [(1, 2, 5, 5)], call=lambda mod, x: mod(x, output_size=(1, 3, 9, 9)))
    for m in (ember,):
        with pytest.raises(ValueError, match="requested an output size of"):
            m.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)(m.zeros(1, 2, 5, 5), output_size=[12, 12])


def test_module_parameters_repr_and_init():
    import torch

    makers = [
        lambda m: m.nn.Conv1d(2, 4, 3),
        lambda m: m.nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False, padding_mode="reflect"),
        lambda m: m.nn.Conv2d(2, 4, (3, 2), padding="same"),
        lambda m: m.nn.Conv3d(2, 4, 3, padding="valid"),
        lambda m: m.nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1),
        lambda m: m.nn.ConvTranspose1d(2, 4, 3, groups=2),
    ]
    for make in makers:
        e, t = make(ember), make(torch)
        assert repr(e) == repr(t)
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    ember.manual_seed(0)
    conv = ember.nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_module_argument_errors():
    import torch

    for kwargs, exc, match in [
        ({"groups": 0}, ValueError, "groups must be a positive integer"),
        ({"groups": 2, "in_channels": 3}, ValueError, "in_channels must be divisible by groups"),
        ({"padding": "foo"}, ValueError, "Invalid padding string 'foo'"),
        ({"padding": "same", "stride": 2}, ValueError, "padding='same' is not supported for strided convolutions"),
        ({"padding_mode": "bad"}, ValueError, "padding_mode must be one of"),
    ]:
        args = {"in_channels": 4, "out_channels": 4, "kernel_size": 3, **kwargs}
        with pytest.raises(exc, match=match):
            torch.nn.Conv2d(**args)
        with pytest.raises(exc, match=match):
            ember.nn.Conv2d(**args)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        ember.nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


def test_conv_trains_with_sgd_like_torch():
    import torch

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 8, 8)).astype(np.float32)
    target = rng.standard_normal((4, 2, 6, 6)).astype(np.float32)
    losses = {}
    start = {k: v.detach().numpy().copy() for k, v in torch.nn.Conv2d(1, 2, 3).state_dict().items()}
    for m in (torch, ember):
        conv = m.nn.Conv2d(1, 2, 3)
        conv.load_state_dict({k: m.tensor(v) for k, v in start.items()})
        out = []
        for _ in range(3):
            loss = ((conv(m.tensor(x)) - m.tensor(target)) ** 2).mean()
            conv.zero_grad()
            loss.backward()
            with m.no_grad():
                for p in conv.parameters():
                    p -= 0.1 * p.grad
            out.append(loss.item())
        losses[m.__name__] = out
    np.testing.assert_allclose(losses["ember"], losses["torch"], rtol=1e-5)
