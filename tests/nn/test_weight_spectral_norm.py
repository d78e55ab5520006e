"""weight_norm, spectral_norm (parametrization and hook forms) and orthogonal against torch.

spectral_norm starts its power iteration from random vectors drawn from each library's
own generator, so the tests copy torch's buffers into ember before comparing.
"""

import warnings

import numpy as np
import pytest
import torch
from torch.nn.utils import parametrizations as TP

import ember
from ember.nn.utils import parametrizations as EP
from ember.nn.utils import parametrize as eparam


def same(e, t, atol=1e-5):
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-4)


def same_state(e_mod, t_mod, atol=1e-5):
    es, ts = e_mod.state_dict(), t_mod.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        same(es[k], ts[k], atol)


def twin(make, seed=0):
    """``make(nn)`` built in torch and ember with torch's initial state copied into ember."""
    torch.manual_seed(seed)
    t = make(torch.nn)
    e = make(ember.nn)
    e.load_state_dict(t.state_dict())
    return e, t


def rand(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def forward_backward(e, t, x, grad_names):
    """Same input and upstream gradient for both; compare outputs and the named gradients."""
    yt, ye = t(torch.tensor(x)), e(ember.tensor(x))
    same(ye, yt)
    g = rand(tuple(yt.shape), seed=7)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    tp, ep = dict(t.named_parameters()), dict(e.named_parameters())
    for name in grad_names:
        same(ep[name].grad, tp[name].grad)


LINEAR = lambda nn: nn.Linear(5, 4)
CONV = lambda nn: nn.Conv2d(3, 4, 3)
CONVT = lambda nn: nn.ConvTranspose2d(3, 4, 3)


# ----------------------------------------------------------- weight_norm (parametrization)
@pytest.mark.parametrize("make,x_shape", [(LINEAR, (2, 5)), (CONV, (2, 3, 6, 6))])
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_parametrized_weight_norm(make, x_shape, dim):
    e, t = twin(make)
    TP.weight_norm(t, dim=dim)
    EP.weight_norm(e, dim=dim)
    assert type(e).__name__ == type(t).__name__
    same_state(e, t)
    same(e.weight, t.weight)
    forward_backward(
        e, t, rand(x_shape), ["parametrizations.weight.original0", "parametrizations.weight.original1", "bias"]
    )


def test_parametrized_weight_norm_training_and_remove():
    e, t = twin(LINEAR, seed=2)
    TP.weight_norm(t)
    EP.weight_norm(e)
    t_opt = torch.optim.SGD(t.parameters(), lr=0.2)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.2)
    for step in range(3):
        x, y = rand((6, 5), seed=step), rand((6, 4), seed=10 + step)
        for mod, opt, lib in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            ((mod(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
    same_state(e, t)
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    eparam.remove_parametrizations(e, "weight")
    assert type(e) is ember.nn.Linear
    same_state(e, t)


def test_parametrized_weight_norm_loads_old_hook_state_dict():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = torch.nn.utils.weight_norm(torch.nn.Linear(5, 4))
    with torch.no_grad():
        old.weight_g.mul_(3.0)
    t, e = TP.weight_norm(torch.nn.Linear(5, 4)), EP.weight_norm(ember.nn.Linear(5, 4))
    t.load_state_dict(old.state_dict())
    e.load_state_dict(old.state_dict())
    same_state(e, t)
    same(e.weight, t.weight)


# -------------------------------------------------------------- weight_norm (hook form)
@pytest.mark.parametrize("make,x_shape", [(LINEAR, (2, 5)), (CONV, (2, 3, 6, 6))])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_hook_weight_norm(make, x_shape, dim):
    e, t = twin(make)
    with pytest.warns(FutureWarning, match="deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`"):
        torch.nn.utils.weight_norm(t, dim=dim)
    with pytest.warns(FutureWarning, match="deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`"):
        ember.nn.utils.weight_norm(e, dim=dim)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    same_state(e, t)
    same(e.weight, t.weight)
    forward_backward(e, t, rand(x_shape), ["weight_g", "weight_v", "bias"])
    torch.nn.utils.remove_weight_norm(t)
    ember.nn.utils.remove_weight_norm(e)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()] == ["bias", "weight"]
    same_state(e, t)


def test_hook_weight_norm_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (torch, ember):
            lin = lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
            with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
                lib.nn.utils.weight_norm(lin)
            with pytest.raises(ValueError, match="weight_norm of 'bias' not found in"):
                lib.nn.utils.remove_weight_norm(lin, "bias")


# --------------------------------------------------------- spectral_norm (parametrization)
def copy_buffers(e, t):
    """torch's power-iteration buffers (and everything else) into ember."""
    e.load_state_dict(t.state_dict())


@pytest.mark.parametrize(
    "make,x_shape,dim",
    [(LINEAR, (2, 5), None), (CONV, (2, 3, 6, 6), None), (CONVT, (2, 3, 5, 5), None), (CONV, (2, 3, 6, 6), 1)],
)
def test_parametrized_spectral_norm(make, x_shape, dim):
    e, t = twin(make)
    TP.spectral_norm(t, n_power_iterations=2, dim=dim)
    EP.spectral_norm(e, n_power_iterations=2, dim=dim)
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.parametrizations.weight[0].dim == t.parametrizations.weight[0].dim
    copy_buffers(e, t)
    # Training forward: power iteration updates _u/_v in place, then W / sigma.
    forward_backward(e, t, rand(x_shape), ["parametrizations.weight.original", "bias"])
    same_state(e, t)
    # Eval: no power iteration, the buffers do not move.
    e.eval()
    t.eval()
    u_before = e.parametrizations.weight[0]._u.clone()
    same(e.weight, t.weight)
    same(e.parametrizations.weight[0]._u, u_before, atol=0)


def test_parametrized_spectral_norm_init_power_iterations():
    """Given torch's random start, ember's 15 initial power iterations give torch's u and v."""
    torch.manual_seed(0)
    w = torch.randn(4, 6)
    u0 = torch.nn.functional.normalize(torch.randn(4), dim=0)
    v0 = torch.nn.functional.normalize(torch.randn(6), dim=0)
    sn_e = EP._SpectralNorm(ember.tensor(w.numpy()))
    sn_e._u.copy_(ember.tensor(u0.numpy()))
    sn_e._v.copy_(ember.tensor(v0.numpy()))
    sn_e._power_method(ember.tensor(w.numpy()), 15)
    u, v = u0.clone(), v0.clone()
    for _ in range(15):
        u = torch.nn.functional.normalize(w @ v, dim=0)
        v = torch.nn.functional.normalize(w.T @ u, dim=0)
    same(sn_e._u, u)
    same(sn_e._v, v)
    sigma = torch.linalg.svdvals(w)[0]
    same(sn_e(ember.tensor(w.numpy())), w / sigma, atol=1e-3)


def test_parametrized_spectral_norm_training_matches_torch():
    e, t = twin(LINEAR, seed=4)
    TP.spectral_norm(t)
    EP.spectral_norm(e)
    copy_buffers(e, t)
    t_opt = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.5)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.1, momentum=0.5)
    for step in range(4):
        x, y = rand((6, 5), seed=step), rand((6, 4), seed=20 + step)
        for mod, opt, lib in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            ((mod(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
    same_state(e, t)
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    eparam.remove_parametrizations(e, "weight")
    same_state(e, t)


def test_parametrized_spectral_norm_vector_and_errors():
    for lib, sn in ((torch, TP.spectral_norm), (ember, EP.spectral_norm)):
        m = lib.nn.Module()
        m.register_buffer("w", lib.tensor([3.0, 4.0]))
        sn(m, "w")
        assert list(m.state_dict()) == ["parametrizations.w.original"]
        np.testing.assert_allclose(m.w.numpy(), [0.6, 0.8], rtol=1e-6)
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
            sn(lib.nn.Linear(3, 4), name="foo")
        with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
            sn(lib.nn.Linear(3, 4), dim=2)
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got n_power_iterations=0"):
            sn(lib.nn.Linear(3, 4), n_power_iterations=0)


# ------------------------------------------------------------ spectral_norm (hook form)
@pytest.mark.parametrize("make,x_shape", [(LINEAR, (2, 5)), (CONV, (2, 3, 6, 6)), (CONVT, (2, 3, 5, 5))])
def test_hook_spectral_norm(make, x_shape):
    e, t = twin(make)
    torch.nn.utils.spectral_norm(t, n_power_iterations=2)
    ember.nn.utils.spectral_norm(e, n_power_iterations=2)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert not isinstance(e.weight, ember.nn.Parameter)
    copy_buffers(e, t)
    forward_backward(e, t, rand(x_shape), ["weight_orig", "bias"])
    same_state(e, t)
    same(e.weight, t.weight)
    # Version metadata recorded by the state-dict hook.
    assert e.state_dict()._metadata[""]["spectral_norm"] == t.state_dict()._metadata[""]["spectral_norm"]
    e.eval()
    t.eval()
    forward_backward(e, t, rand(x_shape, seed=3), [])
    same_state(e, t)
    torch.nn.utils.remove_spectral_norm(t)
    ember.nn.utils.remove_spectral_norm(e)
    assert list(e.state_dict()) == list(t.state_dict())
    same_state(e, t)
    assert not e._forward_pre_hooks and not e._state_dict_hooks and not e._load_state_dict_pre_hooks


def test_hook_spectral_norm_training_matches_torch():
    e, t = twin(LINEAR, seed=6)
    torch.nn.utils.spectral_norm(t)
    ember.nn.utils.spectral_norm(e)
    copy_buffers(e, t)
    t_opt = torch.optim.SGD(t.parameters(), lr=0.1)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.1)
    for step in range(4):
        x, y = rand((6, 5), seed=step), rand((6, 4), seed=30 + step)
        for mod, opt, lib in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            ((mod(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
    same_state(e, t)


def test_hook_spectral_norm_loads_version_none_state_dict():
    """A state dict without version metadata and with ``weight`` (no ``weight_v``) is upgraded."""
    # A tall weight, so that W^T W is invertible and the solved v is well defined.
    e, t = twin(lambda nn: nn.Linear(3, 5), seed=8)
    torch.nn.utils.spectral_norm(t)
    ember.nn.utils.spectral_norm(e)
    t(torch.ones(1, 3))
    old = {k: v for k, v in t.state_dict().items() if k != "weight_v"}
    old["weight"] = t.weight.detach()
    t.load_state_dict(dict(old))
    e.load_state_dict(dict(old))
    same_state(e, t, atol=1e-4)


def test_hook_spectral_norm_errors():
    for lib in (torch, ember):
        lin = lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
            lib.nn.utils.spectral_norm(lin)
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found in"):
            lib.nn.utils.remove_spectral_norm(lin, "bias")
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)


# ------------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_with_trivialization(shape, orth_map):
    e, t = twin(lambda nn: nn.Linear(shape[1], shape[0]))
    TP.orthogonal(t, orthogonal_map=orth_map)
    EP.orthogonal(e, orthogonal_map=orth_map)
    assert list(e.state_dict()) == list(t.state_dict())
    # Non-square bases are completed with random columns: take torch's.
    e.load_state_dict(t.state_dict())
    same_state(e, t)
    same(e.weight, t.weight)
    W = e.weight.detach()
    small = W if shape[0] >= shape[1] else W.mT
    np.testing.assert_allclose((small.mT @ small).numpy(), np.eye(min(shape)), atol=1e-5)
    # Move away from the base, then compare values and gradients.
    with torch.no_grad():
        t.parametrizations.weight.original.add_(torch.tensor(rand(shape, seed=4)) * 0.3)
    e.load_state_dict(t.state_dict())
    same(e.weight, t.weight)
    forward_backward(e, t, rand((2, shape[1])), ["parametrizations.weight.original", "bias"])


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_householder_without_trivialization(shape):
    e, t = twin(lambda nn: nn.Linear(shape[1], shape[0]), seed=1)
    TP.orthogonal(t, orthogonal_map="householder", use_trivialization=False)
    EP.orthogonal(e, orthogonal_map="householder", use_trivialization=False)
    assert list(e.state_dict()) == list(t.state_dict())
    same_state(e, t)  # right_inverse through geqrf gives torch's original
    same(e.weight, t.weight)
    forward_backward(e, t, rand((2, shape[1])), ["parametrizations.weight.original"])


def test_orthogonal_square_default_is_deterministic_and_assignable():
    e, t = twin(lambda nn: nn.Linear(3, 3), seed=2)
    TP.orthogonal(t)
    EP.orthogonal(e)
    assert e.parametrizations.weight[0].orthogonal_map.name == "matrix_exp"
    same_state(e, t)  # base = Q of the QR of the initial weight, no randomness
    q = torch.linalg.qr(torch.tensor(rand((3, 3), seed=9)))[0]
    t.weight = q
    e.weight = ember.tensor(q.numpy())
    same_state(e, t)
    same(e.weight, q)


def test_orthogonal_errors():
    for lib, orth in ((torch, TP.orthogonal), (ember, EP.orthogonal)):
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
            orth(lib.nn.Linear(3, 3), name="bias")
        with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
            orth(lib.nn.Linear(3, 3), orthogonal_map="qr")
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
            orth(lib.nn.Linear(3, 3), name="foo")
        lin = orth(lib.nn.Linear(3, 3), use_trivialization=False)
        with pytest.raises(NotImplementedError, match="not possible to assign to the matrix exponential"):
            lin.weight = lib.eye(3)
