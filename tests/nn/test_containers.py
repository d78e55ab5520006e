"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against torch."""

from collections import OrderedDict

import pytest
import torch

import ember


def both(fn):
    return fn(ember), fn(torch)


def test_sequential_indexing_slicing_and_editing():
    def ops(m):
        nn = m.nn
        s = nn.Sequential(nn.Linear(1, 2), nn.Identity(), nn.Linear(2, 3))
        out = [repr(s[1:]), repr(s[-1]), len(s)]
        del s[0]
        out.append(repr(s))
        s.insert(0, nn.Linear(1, 1))
        s.append(nn.Identity())
        s.extend([nn.Linear(3, 3)])
        out += [list(s._modules), repr(s)]
        s[1] = nn.Linear(5, 5)
        out.append(repr(s))
        out.append(repr(s + nn.Sequential(nn.Identity())))
        out.append(repr(s.pop(0)))
        out.append(repr(s * 2))
        del s[1:3]
        out.append(repr(s))
        out.append([n for n in dir(s) if n.isdigit()])
        return out

    e, t = both(ops)
    assert e == t


def test_sequential_from_ordered_dict_and_forward():
    def make(m):
        return m.nn.Sequential(OrderedDict([("fc", m.nn.Linear(2, 3)), ("id", m.nn.Identity())]))

    e, t = both(make)
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = [[1.0, 2.0]]
    assert e(ember.tensor(x)).tolist()[0] == pytest.approx(t(torch.tensor(x)).tolist()[0], abs=1e-6)


@pytest.mark.parametrize(
    "action",
    [
        lambda m: m.nn.Sequential(m.nn.Identity())[5],
        lambda m: m.nn.Sequential(m.nn.Identity())["a"],
        lambda m: m.nn.Sequential(m.nn.Identity()).insert(5, m.nn.Identity()),
        lambda m: m.nn.Sequential(3),
        lambda m: m.nn.Sequential() + 3,
        lambda m: m.nn.ModuleList([m.nn.Identity()])[3],
        lambda m: m.nn.ModuleList(3),
        lambda m: m.nn.ModuleDict([("a",)]),
        lambda m: m.nn.ModuleDict(3),
        lambda m: m.nn.ParameterList([m.ones(1)])[2],
        lambda m: m.nn.ParameterList(m.ones(2)),
        lambda m: m.nn.ParameterList()(1),
        lambda m: m.nn.ParameterDict()[3],
        lambda m: m.nn.ParameterDict()["missing"],
    ],
)
def test_container_errors_match_torch(action):
    t_exc = e_exc = None
    try:
        action(torch)
    except Exception as exc:  # noqa: BLE001
        t_exc = exc
    try:
        action(ember)
    except Exception as exc:  # noqa: BLE001
        e_exc = exc
    assert t_exc is not None and e_exc is not None
    assert type(e_exc) is type(t_exc), (e_exc, t_exc)


def test_module_list_behaviour_and_repr():
    def ops(m):
        nn = m.nn
        ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        ml.append(nn.Identity())
        ml.extend([nn.Linear(1, 1), nn.Linear(1, 1)])
        ml.insert(1, nn.Identity())
        out = [repr(ml), len(ml), repr(ml[-1]), repr(ml[1:3])]
        del ml[0]
        out.append(list(ml._modules))
        ml += [nn.Identity()]
        out.append(repr(ml))
        out.append(repr(ml + nn.ModuleList([nn.Identity()])))
        out.append(list(ml.state_dict()))
        out.append(repr(ml.pop(1)))
        out.append(repr(nn.ModuleList()))
        return out

    e, t = both(ops)
    assert e == t


def test_module_dict_behaviour():
    def ops(m):
        nn = m.nn
        md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
        md["c"] = nn.Linear(2, 2)
        md.update([("d", nn.Identity())])
        out = [repr(md), list(md.keys()), len(md), "a" in md, list(md.state_dict())]
        out.append(repr(md.pop("b")))
        del md["a"]
        out.append([k for k, _ in md.items()])
        out.append(len(list(md.values())))
        md.clear()
        out.append(len(md))
        return out

    e, t = both(ops)
    assert e == t


def test_parameter_list_behaviour_and_repr():
    def ops(m):
        nn = m.nn
        pl = nn.ParameterList([nn.Parameter(m.ones(2)), m.zeros(3, dtype=m.float64)])
        pl.append(m.ones(2, 3))
        pl.extend([m.ones(1)])
        out = [repr(pl), len(pl), list(pl.state_dict()), [type(p).__name__ for p in pl]]
        out.append(all(p.requires_grad for p in pl))
        out.append(repr(pl[1:3]))
        pl[0] = m.ones(4)
        out.append(tuple(pl[0].shape))
        out.append(len(list(pl.parameters())))
        mixed = nn.ParameterList([nn.Parameter(m.ones(2, 3)), 3, "x"])
        out.append(repr(mixed))
        return out

    e, t = both(ops)
    assert e == t


def test_parameter_dict_behaviour_and_repr():
    def ops(m):
        nn = m.nn
        pd = nn.ParameterDict({"b": nn.Parameter(m.ones(2)), "a": m.zeros(3, dtype=m.float64)})
        out = [repr(pd), list(pd.keys()), list(pd.state_dict())]
        pd.update(OrderedDict([("z", m.ones(1)), ("c", m.ones(1))]))
        out.append(list(pd.keys()))
        out.append(tuple(pd.setdefault("q", m.ones(5)).shape))
        out.append(pd.get("nope") is None)
        out.append(tuple(pd.pop("a").shape))
        out.append(list(pd))
        out.append("b" in pd)
        out.append(type(pd["b"]).__name__)
        out.append(list((pd | nn.ParameterDict({"y": m.ones(1)})).keys()))
        return out

    e, t = both(ops)
    assert e == t
