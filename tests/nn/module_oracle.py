"""Compare an ember module with the same torch module, weights copied via state_dict.

    check_module(lambda m: m.nn.Linear(3, 2), [(4, 3)])

builds the module once with ``m = torch`` and once with ``m = ember``, copies torch's
state_dict into ember's, runs both on the same inputs, and compares outputs, input
gradients, parameter gradients (under the same random upstream gradient) and buffers.
"""

from __future__ import annotations

import numpy as np
import torch

import ember
from tests.oracle import as_numpy, assert_same, make_array, to_ember, to_torch


def copy_state(torch_module, ember_module) -> None:
    """Load torch's parameters and buffers into the ember module (strict)."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}
    ember_module.load_state_dict(state)


def check_module(
    make,
    shapes=None,
    *,
    inputs=None,
    dtype="float32",
    low=-2.0,
    high=2.0,
    train=True,
    atol=1e-5,
    rtol=1e-4,
    grad=True,
    seed=0,
    call=None,
):
    """Run ``make(torch)`` and ``make(ember)`` on the same inputs and compare everything.

    ``call(module, *inputs)`` defaults to ``module(*inputs)``.  Returns the two modules.
    """
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [make_array(s, dtype, low, high, rng=rng) for s in shapes]
    torch.manual_seed(seed)
    tm = make(torch)
    em = make(ember)
    if dtype == "float64":
        tm = tm.double()
        em = em.double()
    copy_state(tm, em)
    tm.train(train)
    em.train(train)
    call = call or (lambda mod, *xs: mod(*xs))
    t_in = [to_torch(x, grad) for x in inputs]
    e_in = [to_ember(x, grad) for x in inputs]
    t_out = call(tm, *t_in)
    e_out = call(em, *e_in)
    assert_same(e_out, t_out, atol, rtol)
    for (kt, bt), (ke, be) in zip(tm.named_buffers(), em.named_buffers()):
        assert kt == ke
        assert_same(be, bt, atol, rtol, f"buffer {kt}")
    if not grad:
        return em, tm
    t_outs = [o for o in (t_out if isinstance(t_out, tuple) else (t_out,)) if isinstance(o, torch.Tensor) and o.requires_grad]
    e_outs = [o for o in (e_out if isinstance(e_out, tuple) else (e_out,)) if isinstance(o, ember.Tensor) and o.requires_grad]
    assert len(t_outs) == len(e_outs)
    upstream = [rng.standard_normal(tuple(o.shape)).astype(as_numpy(o).dtype) for o in t_outs]
    torch.autograd.backward(t_outs, [torch.from_numpy(u.copy()) for u in upstream])
    ember.autograd.backward(e_outs, [ember.from_numpy(u.copy()) for u in upstream])
    for i, (ei, ti) in enumerate(zip(e_in, t_in)):
        if isinstance(ti, torch.Tensor) and ti.grad is not None:
            assert_same(ei.grad, ti.grad, atol * 10, rtol * 10, f"grad of input {i}")
    e_params = dict(em.named_parameters())
    for name, tp in tm.named_parameters():
        ep = e_params[name]
        if tp.grad is None:
            assert ep.grad is None or not np.any(as_numpy(ep.grad)), f"{name}: torch has no grad"
        else:
            assert ep.grad is not None, f"{name}: ember computed no gradient"
            assert_same(ep.grad, tp.grad, atol * 10, rtol * 10, f"grad of {name}")
    return em, tm
