"""repr(ember tensor) must equal repr(torch tensor), character for character."""

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)


def _pair(array, dtype=None):
    e = ember.tensor(array) if dtype is None else ember.tensor(array, dtype=getattr(ember, dtype))
    t = torch.tensor(array) if dtype is None else torch.tensor(array, dtype=getattr(torch, dtype))
    return e, t


def assert_same_repr(e, t):
    assert repr(e) == repr(t), f"\nember:\n{e!r}\ntorch:\n{t!r}"
    assert str(e) == str(t)


CASES = [
    # (data, dtype name or None)
    ([1, 2, 3], None),
    ([-1, 20, 300], None),
    ([True, False], None),
    ([1.0, 2.0, 3.0], None),
    ([1.5, -2.25, 3.0], None),
    ([0.1, 0.2, 0.3], None),
    ([1.0, 10000.0], None),
    ([1.0, 1000.0], None),
    ([1e-5, 1.0], None),
    ([1e-4, 2e-4], None),
    ([123456789.0, 1.0], None),
    ([1e9, 2e9], None),
    ([1e10], None),
    ([0.0, 0.0], None),
    ([0.0, 1.5], None),
    ([-0.0, 1.0], None),
    ([float("nan"), 1.0], None),
    ([float("inf"), -float("inf"), 1.0], None),
    ([float("nan"), 1.5, float("inf")], None),
    ([float("nan"), 1e-8, 1.0], None),
    ([float("nan")], None),
    ([float("inf"), 0.0], None),
    ([1.0, 2.0], "float64"),
    ([1.123456, 2.5], "float64"),
    ([1.5, 2.0], "float16"),
    ([1.5, 2.0, 1e-3], "bfloat16"),
    ([1, 2], "int32"),
    ([1, 2], "int8"),
    ([1, 200], "uint8"),
    ([-5, 7], "int16"),
    ([True], "bool"),
    (3.5, None),
    (3.0, None),
    (7, None),
    (True, None),
    (1e-7, None),
    (float("nan"), None),
    (2.5, "float64"),
    (5, "int32"),
    ([[1.0, 2.0], [3.0, 4.0]], None),
    ([[1.5, -2.0], [300.25, 4.0]], None),
    ([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], None),
    ([[[1.0, 2.5]], [[3.0, 4.0]], [[-5.0, 6.0]]], None),
    ([[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]], None),
    ([[True, False], [False, True]], None),
    ([1234567.0, 0.5], None),
    ([0.00012345, 0.5], None),
    ([99999.5, 0.5], None),
]


@pytest.mark.parametrize("data,dtype", CASES)
def test_repr_matches_torch(data, dtype):
    assert_same_repr(*_pair(data, dtype))


@pytest.mark.parametrize(
    "shape,dtype,scale",
    [
        ((30,), "float32", 1.0),
        ((30,), "float32", 1000.0),
        ((25,), "int64", 1000),
        ((100,), "float64", 1.0),
        ((8, 12), "float32", 1.0),
        ((4, 5, 6), "float32", 10.0),
        ((2, 3, 4, 5), "float32", 1.0),
        ((1001,), "float32", 1.0),
        ((2000,), "int64", 100),
        ((40, 40), "float32", 1.0),
        ((10, 10, 11), "float32", 1.0),
        ((5, 300), "float32", 1.0),
        ((300, 5), "float64", 1e-6),
        ((3, 2, 200), "int64", 10),
        ((1, 1001), "float32", 1e6),
        ((12, 20, 5), "bool", None),
        ((50,), "float32", 1e12),
    ],
)
def test_repr_of_larger_and_summarized_tensors(shape, dtype, scale):
    if dtype == "bool":
        data = RNG.random(shape) > 0.5
    elif dtype == "int64":
        data = RNG.integers(-scale, scale, shape)
    else:
        data = (RNG.standard_normal(shape) * scale).astype(dtype)
    assert_same_repr(ember.from_numpy(data.copy()), torch.from_numpy(data.copy()))


def test_repr_of_empty_tensors():
    for make in (
        lambda m: m.zeros(0),
        lambda m: m.zeros(0, 3),
        lambda m: m.zeros(2, 0, 1),
        lambda m: m.zeros(0, dtype=m.int64),
        lambda m: m.zeros(0, 2, dtype=m.bool),
        lambda m: m.zeros(0, dtype=m.float64),
        lambda m: m.tensor([]),
        lambda m: m.zeros(0, requires_grad=True),
    ):
        assert_same_repr(make(ember), make(torch))


def test_repr_with_autograd_suffixes():
    for m_pair in (
        lambda m: m.tensor([1.0, 2.0], requires_grad=True),
        lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
        lambda m: m.tensor([1.0, 2.0], requires_grad=True) + 1,
        lambda m: m.tensor([1.0, 2.0], requires_grad=True).sum(),
        lambda m: m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True) * 3,
        lambda m: m.tensor(2.0, requires_grad=True),
        lambda m: m.tensor([[1.0, 2.0]], requires_grad=True)[0],
        lambda m: m.tensor([[1.0, 2.0]], requires_grad=True)[:, [1, 0]],
        lambda m: m.tensor([1.0, 2.0], requires_grad=True).detach(),
        lambda m: m.arange(30.0, requires_grad=True) * 2,
        lambda m: m.arange(2000.0, requires_grad=True).reshape(40, 50) * 1,
    ):
        assert_same_repr(m_pair(ember), m_pair(torch))


def test_long_suffixes_wrap_to_a_new_line():
    data = np.array([-123.4567, 234.5, -345.25, 456.125, -567.0625, 678.5])
    e = ember.tensor(data, requires_grad=True) * 2
    t = torch.tensor(data, requires_grad=True) * 2
    assert_same_repr(e, t)
    assert ",\n       dtype=torch.float64" in repr(e)
    data = (RNG.standard_normal((3, 7)) * 100).astype(np.float64)
    assert_same_repr(ember.tensor(data, requires_grad=True) * 2, torch.tensor(data, requires_grad=True) * 2)


def test_default_dtype_change_moves_the_dtype_suffix():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for data, dtype in (([1.5], None), ([1.5], "float32"), ([], None), ([1], None)):
            assert_same_repr(*_pair(data, dtype))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 8},
        {"sci_mode": True},
        {"sci_mode": False},
        {"threshold": 5},
        {"edgeitems": 1, "threshold": 10},
        {"linewidth": 40},
        {"profile": "short"},
        {"profile": "full"},
    ],
)
def test_set_printoptions_matches_torch(options):
    data = [
        np.array([1.123456789, -22.5, 0.000123, 3.0], np.float32),
        np.arange(40, dtype=np.float32).reshape(4, 10) / 3,
        np.array([1.0, 2.0, 3.0], np.float32),
        np.arange(2000, dtype=np.int64),
    ]
    ember.set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        for arr in data:
            assert_same_repr(ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy()))
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_printoptions_context_restores():
    from ember._formatting import get_printoptions, printoptions

    before = get_printoptions()
    with printoptions(precision=1):
        assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    assert get_printoptions() == before


def test_format_of_0d_tensor_with_spec():
    assert f"{ember.tensor(1.23456):.2f}" == f"{torch.tensor(1.23456):.2f}"
    assert f"{ember.tensor([1.0, 2.0])}" == f"{torch.tensor([1.0, 2.0])}"


def test_random_sweep_of_shapes_dtypes_and_magnitudes():
    rng = np.random.default_rng(1)
    for _ in range(300):
        shape = tuple(int(s) for s in rng.integers(0, 8, rng.integers(0, 4)))
        kind = str(rng.choice(["float32", "float64", "int64", "int32", "bool", "float16"]))
        x = np.asarray(rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 12))
        if rng.random() < 0.3:
            x = np.round(x)
        if rng.random() < 0.1 and x.size:
            x.ravel()[0] = np.nan
        if rng.random() < 0.1 and x.size:
            x.ravel()[-1] = np.inf
        if kind == "bool":
            a = np.asarray(x > 0)
        elif kind.startswith("int"):
            a = np.asarray(np.nan_to_num(x, nan=0.0, posinf=0.0).clip(-1e9, 1e9).astype(kind))
        else:
            with np.errstate(over="ignore"):
                a = np.asarray(x.astype(kind))
        assert_same_repr(ember.from_numpy(a.copy()), torch.from_numpy(a.copy()))
