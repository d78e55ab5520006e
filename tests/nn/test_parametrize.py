"""nn.utils.parametrize against torch: layout, values, gradients, training, removal, errors."""

import copy
import pickle

import numpy as np
import pytest
import torch
from torch.nn.utils import parametrize as tparam

import ember
from ember.nn.utils import parametrize as eparam


def classes(lib):
    """The same parametrizations written once for torch and once for ember."""
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    class Scale(nn.Module):  # with a right inverse
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def forward(self, X):
            return X * self.factor

        def right_inverse(self, X):
            return X / self.factor

    class SumOfTwo(nn.Module):  # right_inverse returns a sequence: original0, original1
        def forward(self, A, B):
            return A + 2 * B

        def right_inverse(self, X):
            return X * 0.5, X * 0.25

    class Counting(nn.Module):
        calls = 0

        def forward(self, X):
            type(self).calls += 1
            return X.exp()

    class Flatten(nn.Module):  # changes the shape: needs unsafe=True
        def forward(self, X):
            return X.reshape(-1)

    class ToDouble(nn.Module):
        def forward(self, X):
            return X.double()

    return {
        "Symmetric": Symmetric,
        "Scale": Scale,
        "SumOfTwo": SumOfTwo,
        "Counting": Counting,
        "Flatten": Flatten,
        "ToDouble": ToDouble,
    }


T, E = classes(torch), classes(ember)


def same(e, t, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-5)


def twin_linear(n_in=3, n_out=3, bias=True, seed=0):
    torch.manual_seed(seed)
    t = torch.nn.Linear(n_in, n_out, bias=bias)
    e = ember.nn.Linear(n_in, n_out, bias=bias)
    e.load_state_dict(t.state_dict())
    return e, t


def same_state(e_mod, t_mod):
    es, ts = e_mod.state_dict(), t_mod.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        same(es[k], ts[k])


def test_layout_class_swap_and_values():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["Symmetric"]())
    eparam.register_parametrization(e, "weight", E["Symmetric"]())
    assert type(e).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert type(e).__bases__ == (ember.nn.Linear,)
    assert isinstance(e, ember.nn.Linear)
    assert type(ember.nn.Linear(2, 2)).__name__ == "Linear"  # other instances untouched
    assert "weight" not in e._parameters
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e.parametrizations, ember.nn.ModuleDict)
    assert isinstance(e.parametrizations.weight, eparam.ParametrizationList)
    assert isinstance(e.parametrizations.weight.original, ember.nn.Parameter)
    same_state(e, t)
    same(e.weight, t.weight)
    assert repr(e) == repr(t)
    assert eparam.is_parametrized(e) and eparam.is_parametrized(e, "weight")
    assert not eparam.is_parametrized(e, "bias")
    assert eparam.type_before_parametrizations(e) is ember.nn.Linear


def test_output_and_gradients_of_original():
    e, t = twin_linear(4, 4)
    tparam.register_parametrization(t, "weight", T["Symmetric"]())
    eparam.register_parametrization(e, "weight", E["Symmetric"]())
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    g = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    yt, ye = t(torch.tensor(x)), e(ember.tensor(x))
    same(ye, yt)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    same(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)
    same(e.bias.grad, t.bias.grad)


def test_right_inverse_sets_original_and_assignment():
    e, t = twin_linear()
    param_before = e.weight
    tparam.register_parametrization(t, "weight", T["Scale"](4.0))
    eparam.register_parametrization(e, "weight", E["Scale"](4.0))
    # The original Parameter object is kept (optimizers hold it), its value is right_inverse(W).
    assert e.parametrizations.weight.original is param_before
    same(e.parametrizations.weight.original, t.parametrizations.weight.original)
    same(e.weight, t.weight)
    new = np.arange(9, dtype=np.float32).reshape(3, 3)
    t.weight = torch.tensor(new)
    e.weight = ember.tensor(new)
    same(e.parametrizations.weight.original, t.parametrizations.weight.original)
    same(e.weight, torch.tensor(new))
    assert e.parametrizations.weight.original is param_before


def test_chained_parametrizations():
    e, t = twin_linear()
    for mod, lib, reg in ((t, T, tparam), (e, E, eparam)):
        reg.register_parametrization(mod, "weight", lib["Scale"](2.0))
        reg.register_parametrization(mod, "weight", lib["Symmetric"]())
        reg.register_parametrization(mod, "weight", lib["Scale"](3.0))
    assert len(e.parametrizations.weight) == 3
    same_state(e, t)
    same(e.weight, t.weight)
    x = np.ones((2, 3), np.float32)
    t(torch.tensor(x)).sum().backward()
    e(ember.tensor(x)).sum().backward()
    same(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)


def test_sequence_right_inverse_layout():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["SumOfTwo"]())
    eparam.register_parametrization(e, "weight", E["SumOfTwo"]())
    assert list(e.state_dict()) == list(t.state_dict()) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    same_state(e, t)
    same(e.weight, t.weight)
    assert isinstance(e.parametrizations.weight.original1, ember.nn.Parameter)
    t.weight.sum().backward()
    e.weight.sum().backward()
    same(e.parametrizations.weight.original1.grad, t.parametrizations.weight.original1.grad)
    # Assignment goes through right_inverse into both originals.
    t.weight = torch.ones(3, 3)
    e.weight = ember.ones(3, 3)
    same_state(e, t)


def test_buffer_parametrization_stays_a_buffer():
    tm, em = torch.nn.Module(), ember.nn.Module()
    tm.register_buffer("w", torch.arange(4.0).reshape(2, 2))
    em.register_buffer("w", ember.arange(4.0).reshape(2, 2))
    tparam.register_parametrization(tm, "w", T["Scale"](2.0))
    eparam.register_parametrization(em, "w", E["Scale"](2.0))
    assert list(dict(em.named_buffers())) == list(dict(tm.named_buffers())) == ["parametrizations.w.original"]
    assert list(em.parameters()) == []
    same_state(em, tm)
    assert type(em).__name__ == "ParametrizedModule"


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    e, t = twin_linear()
    param = e.weight
    tparam.register_parametrization(t, "weight", T["Scale"](3.0))
    eparam.register_parametrization(e, "weight", E["Scale"](3.0))
    tparam.register_parametrization(t, "bias", T["Scale"](2.0))
    eparam.register_parametrization(e, "bias", E["Scale"](2.0))
    tparam.remove_parametrizations(t, "weight", leave_parametrized=leave)
    eparam.remove_parametrizations(e, "weight", leave_parametrized=leave)
    assert type(e).__name__ == "ParametrizedLinear"  # bias is still parametrized
    same_state(e, t)
    assert e.weight is param and isinstance(e.weight, ember.nn.Parameter)
    tparam.remove_parametrizations(t, "bias", leave_parametrized=leave)
    eparam.remove_parametrizations(e, "bias", leave_parametrized=leave)
    assert type(e) is ember.nn.Linear
    assert not hasattr(e, "parametrizations")
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight", "bias"]
    same_state(e, t)
    same(e(ember.ones(1, 3)), t(torch.ones(1, 3)))


def test_remove_sequence_parametrization():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["SumOfTwo"]())
    eparam.register_parametrization(e, "weight", E["SumOfTwo"]())
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        eparam.remove_parametrizations(e, "weight", leave_parametrized=False)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        tparam.remove_parametrizations(t, "weight", leave_parametrized=False)
    tparam.remove_parametrizations(t, "weight")
    eparam.remove_parametrizations(e, "weight")
    assert isinstance(e.weight, ember.nn.Parameter) and e.weight.requires_grad
    same_state(e, t)
    # Without requires_grad the result is a plain tensor, registered as a buffer (as torch).
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["SumOfTwo"]())
    eparam.register_parametrization(e, "weight", E["SumOfTwo"]())
    t.requires_grad_(False)
    e.requires_grad_(False)
    tparam.remove_parametrizations(t, "weight")
    eparam.remove_parametrizations(e, "weight")
    assert type(t.weight) is torch.Tensor and not isinstance(e.weight, ember.nn.Parameter)
    assert list(dict(e.named_buffers())) == list(dict(t.named_buffers())) == ["weight"]


def test_cached():
    for lib, reg, mod in ((T, tparam, torch.nn.Linear(2, 2)), (E, eparam, ember.nn.Linear(2, 2))):
        counting = lib["Counting"]
        counting.calls = 0
        reg.register_parametrization(mod, "weight", counting())
        counting.calls = 0
        _ = (mod.weight, mod.weight)
        assert counting.calls == 2
        with reg.cached():
            a = mod.weight
            b = mod.weight
            assert a is b
        assert counting.calls == 3
        assert mod.weight is not a


def test_sgd_training_matches_torch():
    e, t = twin_linear(4, 4, seed=3)
    tparam.register_parametrization(t, "weight", T["Symmetric"]())
    eparam.register_parametrization(e, "weight", E["Symmetric"]())
    tparam.register_parametrization(t, "weight", T["Scale"](0.5))
    eparam.register_parametrization(e, "weight", E["Scale"](0.5))
    t_opt = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal((6, 4)).astype(np.float32)
        y = rng.standard_normal((6, 4)).astype(np.float32)
        for mod, opt, lib in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            loss = ((mod(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
    same_state(e, t, )
    same(e.weight, t.weight)


def test_load_state_dict_into_parametrized_module():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["Scale"](2.0))
    eparam.register_parametrization(e, "weight", E["Scale"](2.0))
    with torch.no_grad():
        t.parametrizations.weight.original.mul_(-1.5)
    e.load_state_dict(t.state_dict())
    same_state(e, t)
    same(e.weight, t.weight)


def test_deepcopy_and_pickle():
    e, _ = twin_linear()
    eparam.register_parametrization(e, "weight", E["Scale"](2.0))
    c = copy.deepcopy(e)
    assert type(c).__name__ == "ParametrizedLinear"
    same(c.weight, e.weight)
    assert c.parametrizations.weight.original is not e.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(e)


def test_transfer_parametrizations_and_params():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["Scale"](2.0))
    eparam.register_parametrization(e, "weight", E["Scale"](2.0))
    e2, t2 = twin_linear(seed=5)
    tparam.transfer_parametrizations_and_params(t, t2)
    eparam.transfer_parametrizations_and_params(e, e2)
    same_state(e2, t2)
    same(e2.weight, t2.weight)


def test_errors():
    for lib, reg, fw in ((T, tparam, torch), (E, eparam, ember)):
        nn = fw.nn
        lin = nn.Linear(3, 3)
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name 'foo'"):
            reg.register_parametrization(lin, "foo", lib["Symmetric"]())
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            reg.remove_parametrizations(lin, "weight")
        with pytest.raises(ValueError, match="may not change the shape"):
            reg.register_parametrization(lin, "weight", lib["Flatten"]())
        with pytest.raises(ValueError, match="may not change the dtype"):
            reg.register_parametrization(lin, "weight", lib["ToDouble"]())
        assert type(lin).__name__ == "Linear"  # a failed registration leaves the module alone
        reg.register_parametrization(lin, "weight", lib["Flatten"](), unsafe=True)
        assert tuple(lin.weight.shape) == (9,)
        with pytest.raises(RuntimeError, match="does not implement right_inverse"):
            lin.weight = fw.zeros(9)
        lin2 = nn.Linear(3, 3)
        reg.register_parametrization(lin2, "weight", lib["Symmetric"]())
        with pytest.raises(ValueError, match="may not change the shape"):
            reg.register_parametrization(lin2, "weight", lib["Flatten"]())
        with pytest.raises(ValueError, match="requires one or more modules"):
            reg.ParametrizationList([], fw.zeros(2))


def test_remove_leave_parametrized_with_shape_change():
    e, t = twin_linear()
    tparam.register_parametrization(t, "weight", T["Flatten"](), unsafe=True)
    eparam.register_parametrization(e, "weight", E["Flatten"](), unsafe=True)
    tparam.remove_parametrizations(t, "weight")
    eparam.remove_parametrizations(e, "weight")
    same_state(e, t)
