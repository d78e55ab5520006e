"""ember.utils.checkpoint: gradients equal the plain call's and torch's; warnings and errors as torch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember.utils.checkpoint import checkpoint, checkpoint_sequential

REENTRANT = [True, False]


def _mlp(m, p=0.3):
    return m.nn.Sequential(
        m.nn.Linear(4, 8), m.nn.Dropout(p), m.nn.Tanh(), m.nn.Linear(8, 8), m.nn.Dropout(p), m.nn.ReLU(), m.nn.Linear(8, 3)
    )


def _pair(p=0.3):
    torch.manual_seed(0)
    t_net = _mlp(torch, p)
    e_net = _mlp(ember, p)
    e_net.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in t_net.state_dict().items()})
    return t_net, e_net


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def _grads(m, net, run, seed=1):
    """Parameter and input gradients of ``sum(run(net, x) ** 2)`` under a fixed seed."""
    net.zero_grad()
    x = m.tensor(X.copy(), requires_grad=True)
    m.manual_seed(seed)
    out = run(net, x)
    out.pow(2).sum().backward()
    return [out.detach().numpy()] + [p.grad.numpy().copy() for p in net.parameters()] + [x.grad.numpy().copy()]


def _assert_all_equal(a, b, **tol):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        if tol:
            np.testing.assert_allclose(u, v, **tol)
        else:
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_dropout_mlp_grads_equal_the_plain_call(use_reentrant):
    _, net = _pair()
    plain = _grads(ember, net, lambda n, x: n(x))
    ckpt = _grads(ember, net, lambda n, x: checkpoint(n, x, use_reentrant=use_reentrant))
    _assert_all_equal(plain, ckpt)  # same masks: the RNG state was replayed
    # without replaying the RNG the recomputation draws other masks, so gradients differ
    other = _grads(
        ember, net, lambda n, x: checkpoint(n, x, use_reentrant=use_reentrant, preserve_rng_state=False)
    )
    assert not all(np.array_equal(u, v) for u, v in zip(plain[1:], other[1:]))


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_mlp_grads_match_torch(use_reentrant):
    # ember's random streams are not torch's, so torch comparisons use no dropout
    t_net, e_net = _pair(p=0.0)
    t_grads = _grads(torch, t_net, lambda n, x: checkpoint_torch(n, x, use_reentrant=use_reentrant))
    e_grads = _grads(ember, e_net, lambda n, x: checkpoint(n, x, use_reentrant=use_reentrant))
    _assert_all_equal(t_grads, e_grads, rtol=1e-5, atol=1e-6)


def checkpoint_torch(*args, **kwargs):
    return torch.utils.checkpoint.checkpoint(*args, **kwargs)


@pytest.mark.parametrize("use_reentrant", REENTRANT)
@pytest.mark.parametrize("segments", [1, 2, 3, 7])
def test_checkpoint_sequential(use_reentrant, segments):
    t_net, e_net = _pair(p=0.0)
    t_grads = _grads(
        torch, t_net, lambda n, x: torch.utils.checkpoint.checkpoint_sequential(n, segments, x, use_reentrant=use_reentrant)
    )
    e_grads = _grads(ember, e_net, lambda n, x: checkpoint_sequential(n, segments, x, use_reentrant=use_reentrant))
    _assert_all_equal(t_grads, e_grads, rtol=1e-5, atol=1e-6)
    # with dropout: equal to ember's plain call, also given as a list of modules
    _, d_net = _pair(p=0.4)
    plain = _grads(ember, d_net, lambda n, x: n(x))
    seq = _grads(ember, d_net, lambda n, x: checkpoint_sequential(list(n), segments, x, use_reentrant=use_reentrant))
    _assert_all_equal(plain, seq)


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_grad_fn_and_multiple_outputs_match_torch(use_reentrant):
    def fn(m):
        return lambda a, b: (a * b, 5, None, (a + b).sin())

    outs = {}
    for m in (torch, ember):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([0.5, -1.0])
        out = (torch.utils.checkpoint.checkpoint if m is torch else checkpoint)(fn(m), a, b, use_reentrant=use_reentrant)
        assert out[1:3] == (5, None)
        (out[0] * out[3]).sum().backward()
        outs[m.__name__] = (out[0].detach().numpy(), out[3].detach().numpy(), a.grad.numpy())
    _assert_all_equal(outs["torch"], outs["ember"], rtol=1e-6)
    if use_reentrant:
        assert out[0].grad_fn.name() == "CheckpointFunctionBackward"


def test_non_reentrant_supports_autograd_grad_kwargs_and_double_backward():
    w = ember.tensor([3.0, 1.0], requires_grad=True)
    x = ember.tensor([1.0, 2.0], requires_grad=True)

    def f(t, scale=1.0):
        return ((t * 1).pow(3) * w * scale).exp().sum()

    results = []
    for run in (lambda: f(x, scale=0.5), lambda: checkpoint(f, x, scale=0.5, use_reentrant=False)):
        x.grad = w.grad = None
        gx, gw = ember.autograd.grad(run(), [x, w], create_graph=True)
        (gx.sum() + gw.sum()).backward()
        results.append([gx.detach().numpy(), gw.detach().numpy(), x.grad.numpy(), w.grad.numpy()])
    _assert_all_equal(results[0], results[1], rtol=1e-6)
    # parameters are reached even when no input requires grad (torch: output requires grad)
    y = checkpoint(lambda t: t * w, ember.ones(2), use_reentrant=False)
    t_lin = torch.nn.Linear(2, 2)
    assert y.requires_grad == torch.utils.checkpoint.checkpoint(t_lin, torch.ones(2), use_reentrant=False).requires_grad


def test_reentrant_without_grad_inputs_warns_and_gives_no_grad():
    lin_t, lin_e = torch.nn.Linear(3, 2), ember.nn.Linear(3, 2)
    got = []
    for m, lin, fn in ((torch, lin_t, torch.utils.checkpoint.checkpoint), (ember, lin_e, checkpoint)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = fn(lin, m.ones(1, 3), use_reentrant=True)
        got.append(([str(w.message) for w in caught], y.requires_grad))
    assert got[0] == got[1]
    assert got[1][0] == ["None of the inputs have requires_grad=True. Gradients will be None"]


@pytest.mark.parametrize("which", ["checkpoint", "checkpoint_sequential"])
def test_missing_use_reentrant_warns_as_torch(which):
    messages = []
    for m in (torch, ember):
        lin = m.nn.Linear(2, 2)
        x = m.ones(1, 2, requires_grad=True)
        mod = torch.utils.checkpoint if m is torch else ember.utils.checkpoint
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if which == "checkpoint":
                y = mod.checkpoint(lin, x)
            else:
                y = mod.checkpoint_sequential(m.nn.Sequential(lin, m.nn.ReLU()), 2, x)
        messages.append([str(w.message) for w in caught])
        if which == "checkpoint":
            assert "CheckpointFunction" in type(y.grad_fn).__name__  # default is still reentrant
    assert messages[0] == messages[1] and len(messages[1]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(ember.nn.Linear(2, 2), ember.ones(1, 2, requires_grad=True), use_reentrant=False)


def _noop_pair():
    class Ctx:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    return Ctx(), Ctx()


ERROR_CASES = [
    ("kwarg_reentrant", dict(use_reentrant=True, foo=1), ValueError),
    ("context_fn_reentrant", dict(use_reentrant=True, context_fn=_noop_pair), ValueError),
    ("debug_reentrant", dict(use_reentrant=True, debug=True), ValueError),
    ("bad_determinism", dict(use_reentrant=False, determinism_check="bad"), ValueError),
    ("kwarg_non_reentrant", dict(use_reentrant=False, foo=1), TypeError),
]


@pytest.mark.parametrize("name, kwargs, exc", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(name, kwargs, exc):
    messages = []
    for m, fn in ((torch, torch.utils.checkpoint.checkpoint), (ember, checkpoint)):
        def function(t):
            return t * 2

        with pytest.raises(exc) as info:
            fn(function, m.ones(2, requires_grad=True), **kwargs)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("segments, exc", [(0, ZeroDivisionError), (3, ValueError)])
def test_checkpoint_sequential_bad_segments(segments, exc):
    for m, fn in ((torch, torch.utils.checkpoint.checkpoint_sequential), (ember, checkpoint_sequential)):
        with pytest.raises(exc):
            fn([m.nn.Linear(2, 2)], segments, m.ones(1, 2, requires_grad=True), use_reentrant=True)


def test_reentrant_backward_twice_with_retain_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = checkpoint(lambda t: t.pow(3), x, use_reentrant=True)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


def test_inplace_change_of_saved_input_is_caught():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    for use_reentrant in REENTRANT:
        h = x * 1
        y = checkpoint(lambda t: t.sin(), h, use_reentrant=use_reentrant)
        with ember.no_grad():
            h.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_module_attribute_access():
    import ember.utils.checkpoint as ck

    assert ember.utils.checkpoint is ck


def test_nondeterministic_recompute_raises_checkpoint_error():
    import itertools

    for m, fn in ((torch, torch.utils.checkpoint.checkpoint), (ember, checkpoint)):
        calls = itertools.count()

        def grows(t):
            return t[: 2 + next(calls)].sin()

        y = fn(grows, m.ones(5, requires_grad=True), use_reentrant=False)
        with pytest.raises(RuntimeError, match="Recomputed values") as info:
            y.sum().backward()
        assert type(info.value).__name__ == "CheckpointError"


def test_context_fn_wraps_forward_and_recompute():
    events = []

    class Mark:
        def __init__(self, name):
            self.name = name

        def __enter__(self):
            events.append(self.name)

        def __exit__(self, *exc):
            return False

    x = ember.ones(2, requires_grad=True)
    y = checkpoint(lambda t: t.exp(), x, use_reentrant=False, context_fn=lambda: (Mark("fwd"), Mark("recompute")))
    assert events == ["fwd"]
    y.sum().backward()
    assert events == ["fwd", "recompute"]
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 1.0]), rtol=1e-6)
