"""Conv/Linear + BatchNorm fusion and skip_init, compared with torch."""

import numpy as np
import pytest
import torch

import ember


def same(e, t, atol=1e-5):
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-4)


def rand(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def twin(make, seed=0):
    torch.manual_seed(seed)
    t = make(torch.nn)
    e = make(ember.nn)
    e.load_state_dict(t.state_dict())
    return e, t


def with_running_stats(e_bn, t_bn, seed=0):
    """Give the batch norm non-trivial running stats and affine params (same in both)."""
    n = t_bn.num_features
    with torch.no_grad():
        t_bn.running_mean.copy_(torch.tensor(rand((n,), seed)))
        t_bn.running_var.copy_(torch.tensor(np.abs(rand((n,), seed + 1)) + 0.5))
        if t_bn.weight is not None:
            t_bn.weight.copy_(torch.tensor(rand((n,), seed + 2)))
            t_bn.bias.copy_(torch.tensor(rand((n,), seed + 3)))
    e_bn.load_state_dict(t_bn.state_dict())


CASES = [
    (lambda nn: nn.Conv2d(3, 4, 3), lambda nn: nn.BatchNorm2d(4), (2, 3, 6, 6), False),
    (lambda nn: nn.Conv1d(3, 4, 3, bias=False), lambda nn: nn.BatchNorm1d(4), (2, 3, 7), False),
    (lambda nn: nn.Conv2d(3, 4, 3), lambda nn: nn.BatchNorm2d(4, affine=False), (2, 3, 5, 5), False),
    (lambda nn: nn.ConvTranspose2d(3, 4, 3), lambda nn: nn.BatchNorm2d(4), (2, 3, 4, 4), True),
]


@pytest.mark.parametrize("make_conv,make_bn,x_shape,transpose", CASES)
def test_fuse_conv_bn_eval(make_conv, make_bn, x_shape, transpose):
    e_conv, t_conv = twin(make_conv)
    e_bn, t_bn = twin(make_bn)
    with_running_stats(e_bn, t_bn)
    for m in (e_conv, t_conv, e_bn, t_bn):
        m.eval()
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose=transpose)
    e_fused = ember.nn.utils.fuse_conv_bn_eval(e_conv, e_bn, transpose=transpose)
    assert type(e_fused) is type(e_conv) and e_fused is not e_conv
    assert isinstance(e_fused.bias, ember.nn.Parameter)
    assert e_fused.bias.requires_grad == t_fused.bias.requires_grad
    assert e_conv.bias is None or e_conv.bias is not e_fused.bias  # the input conv is untouched
    same(e_fused.weight, t_fused.weight)
    same(e_fused.bias, t_fused.bias)
    x = rand(x_shape)
    same(e_fused(ember.tensor(x)), t_fused(torch.tensor(x)))
    same(e_fused(ember.tensor(x)), e_bn(e_conv(ember.tensor(x))), atol=1e-4)


@pytest.mark.parametrize("bn_features", [4, 1])
@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_eval(bn_features, bias):
    e_lin, t_lin = twin(lambda nn: nn.Linear(5, 4, bias=bias))
    e_bn, t_bn = twin(lambda nn: nn.BatchNorm1d(bn_features))
    with_running_stats(e_bn, t_bn, seed=3)
    for m in (e_lin, t_lin, e_bn, t_bn):
        m.eval()
    t_fused = torch.nn.utils.fuse_linear_bn_eval(t_lin, t_bn)
    e_fused = ember.nn.utils.fuse_linear_bn_eval(e_lin, e_bn)
    same(e_fused.weight, t_fused.weight)
    same(e_fused.bias, t_fused.bias)
    assert e_fused.bias.requires_grad == t_fused.bias.requires_grad
    x = rand((3, 5))
    same(e_fused(ember.tensor(x)), t_fused(torch.tensor(x)))


def test_fuse_weights_functions_and_gradients():
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((4, 3, 2, 2)).astype(np.float64), rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), np.abs(rng.standard_normal(4)) + 0.1
    gw, gb = rng.standard_normal(4), rng.standard_normal(4)
    outs = []
    for lib in (torch, ember):
        args = [lib.tensor(a) for a in (w, b, rm, rv)]
        args[0].requires_grad_(True)
        fw, fb = lib.nn.utils.fuse_conv_bn_weights(args[0], args[1], args[2], args[3], 1e-5, lib.tensor(gw), lib.tensor(gb))
        assert isinstance(fw, lib.nn.Parameter) and fw.requires_grad and not fb.requires_grad
        assert fw.dtype == lib.float64
        lw, lb = lib.nn.utils.fuse_linear_bn_weights(
            args[0].reshape(4, 12), None, args[2], args[3], 1e-3, lib.tensor(gw), lib.tensor(gb)
        )
        outs.append((fw, fb, lw, lb))
    for e_val, t_val in zip(outs[1], outs[0]):
        same(e_val, t_val, atol=1e-10)


def test_fusion_requires_eval():
    for lib in (torch, ember):
        conv, bn = lib.nn.Conv2d(2, 2, 1), lib.nn.BatchNorm2d(2)
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            lib.nn.utils.fuse_conv_bn_eval(conv, bn)
        lin, bn1 = lib.nn.Linear(2, 3).eval(), lib.nn.BatchNorm1d(2).eval()
        with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
            lib.nn.utils.fuse_linear_bn_eval(lin, bn1)


def test_skip_init():
    lin = ember.nn.utils.skip_init(ember.nn.Linear, 3, 2, bias=False)
    t_lin = torch.nn.utils.skip_init(torch.nn.Linear, 3, 2, bias=False)
    assert type(lin) is ember.nn.Linear
    assert [(n, tuple(p.shape)) for n, p in lin.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in t_lin.named_parameters()
    ]
    assert isinstance(lin.weight, ember.nn.Parameter) and lin.weight.requires_grad
    assert lin.weight.device.type == "cpu"
    bn = ember.nn.utils.skip_init(ember.nn.BatchNorm1d, 4, device="cpu")
    assert list(bn.state_dict()) == list(torch.nn.utils.skip_init(torch.nn.BatchNorm1d, 4).state_dict())
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="Expected a Module"):
            lib.nn.utils.skip_init(int)

        class NoDevice(lib.nn.Module):
            def __init__(self, n):
                super().__init__()

        with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
            lib.nn.utils.skip_init(NoDevice, 3)
