"""default_collate and default_convert against torch's on the same samples."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from tests.data.helpers import assert_same_tree

Point = collections.namedtuple("Point", "x y")


def samples(m):
    """Named batches (lists of samples) built the same way for ember and torch."""
    f32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    return {
        "float tensors": [m.from_numpy(f32.copy()), m.from_numpy(f32 + 1)],
        "int64 scalars tensors": [m.tensor(3), m.tensor(4)],
        "bool tensors": [m.tensor([True, False]), m.tensor([False, False])],
        "uint8 tensors": [m.from_numpy(np.array([1, 2], np.uint8)), m.from_numpy(np.array([3, 4], np.uint8))],
        "mixed dtype tensors": [m.from_numpy(np.zeros(2, np.int32)), m.from_numpy(np.ones(2, np.float32))],
        "numpy float64": [np.arange(3.0), np.arange(3.0) + 1],
        "numpy int32 2d": [np.ones((2, 2), np.int32), np.zeros((2, 2), np.int32)],
        "numpy bool": [np.array([True]), np.array([False])],
        "numpy 0-d": [np.array(1.5), np.array(2.5)],
        "numpy float32 scalars": [np.float32(1), np.float32(2)],
        "numpy float64 scalars": [np.float64(1), np.float64(2)],
        "numpy int32 scalars": [np.int32(1), np.int32(2)],
        "numpy bool scalars": [np.bool_(True), np.bool_(False)],
        "python floats": [1.5, 2.0],
        "python ints": [1, 2],
        "python bools": [True, False],
        "int then float": [1, 2.5],
        "strings": ["a", "bc"],
        "bytes": [b"a", b"b"],
        "tuples": [(1, "a", 0.5), (2, "b", 1.5)],
        "lists": [[1, 2], [3, 4]],
        "dicts": [{"x": m.tensor([1.0]), "y": 1, "s": "p"}, {"x": m.tensor([2.0]), "y": 2, "s": "q"}],
        "nested": [{"a": (m.tensor(1), [1.0, 2.0])}, {"a": (m.tensor(2), [3.0, 4.0])}],
        "namedtuples": [Point(m.tensor(1.0), 2), Point(m.tensor(3.0), 4)],
        "ordered dicts": [collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)],
        "tuple of (image, label)": [(np.zeros((2, 2), np.uint8), 3), (np.ones((2, 2), np.uint8), 4)],
    }


@pytest.mark.parametrize("name", list(samples(torch)))
def test_default_collate_matches_torch(name):
    e = edata.default_collate(samples(ember)[name])
    t = tdata.default_collate(samples(torch)[name])
    assert_same_tree(e, t)  # containers (list vs tuple vs dict), dtypes, shapes, values


def test_collate_keeps_ordered_dict_type():
    out = edata.default_collate(samples(ember)["ordered dicts"])
    assert isinstance(out, collections.OrderedDict) and list(out) == ["b", "a"]


def bad_batches(m):
    return {
        "none": [None, None],
        "string arrays": [np.array(["a"]), np.array(["b"])],
        "object": [object(), object()],
        "unequal lists": [[1, 2], [3]],
        "unequal shapes": [m.zeros(3), m.zeros(4)],
        "tensor then int": [m.zeros(3), 1],
    }


@pytest.mark.parametrize("name", list(bad_batches(torch)))
def test_default_collate_errors_match_torch(name):
    with pytest.raises(Exception) as t_info:
        tdata.default_collate(bad_batches(torch)[name])
    with pytest.raises(Exception) as e_info:
        edata.default_collate(bad_batches(ember)[name])
    assert isinstance(e_info.value, type(t_info.value))
    t_msg = str(t_info.value)
    if name == "object":  # the class name is the only part that differs
        t_msg = t_msg.replace("builtins.", "")
    assert str(e_info.value) == t_msg


def converts(m):
    return {
        "numpy array": np.arange(3.0),
        "numpy scalar": np.float32(3),
        "python number": 3,
        "tuple": (np.zeros(2), 1),
        "list": [np.ones(1, np.int32), "a"],
        "dict": {"a": np.zeros(1), "b": "text"},
        "namedtuple": Point(np.zeros(1), 2),
        "string": "abc",
        "string array": np.array(["a"]),
        "tensor": m.tensor([1, 2]),
    }


@pytest.mark.parametrize("name", list(converts(torch)))
def test_default_convert_matches_torch(name):
    e = edata.default_convert(converts(ember)[name])
    t = tdata.default_convert(converts(torch)[name])
    assert_same_tree(e, t)


def test_default_convert_shares_memory():
    a = np.zeros(3, np.float32)
    t = edata.default_convert(a)
    a[0] = 5
    assert t[0].item() == 5


def test_collate_fn_map_extension():
    from ember.utils.data.collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    fmap = dict(default_collate_fn_map)
    fmap[Box] = lambda batch, *, collate_fn_map: sum(b.v for b in batch)
    assert collate([(Box(1), 1.0), (Box(2), 2.0)], collate_fn_map=fmap)[0] == 3
