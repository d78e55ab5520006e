"""ember.testing.assert_close and make_tensor against torch.testing's."""

import math

import numpy as np
import pytest
import torch

import ember
from ember.testing import assert_close, make_tensor

NAN, INF = math.nan, math.inf


def outcome(lib, fn):
    """("ok", None) or (exception type name, message) of ``fn(lib)``, with the Tensor class
    name written as torch's so messages compare directly."""
    try:
        fn(lib)
        return ("ok", None)
    except Exception as exc:  # noqa: BLE001 - any exception is part of the comparison
        return (type(exc).__name__, str(exc).replace("ember._tensor.Tensor", "torch.Tensor"))


def same_as_torch(fn):
    ours = outcome(ember, fn)
    theirs = outcome(torch, fn)
    assert ours == theirs
    return ours


def ac(lib):
    return lib.testing.assert_close


def T(lib, data, dtype=None):
    return lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype))


PASSING = [
    lambda m: ac(m)(T(m, [1.0, 2.0, 3.0]), T(m, [1.0, 2.0, 3.00001])),
    lambda m: ac(m)(T(m, [1.0, NAN]), T(m, [1.0, NAN]), equal_nan=True),
    lambda m: ac(m)(T(m, [1.0, INF, -INF]), T(m, [1.0, INF, -INF])),
    lambda m: ac(m)(T(m, [1, 2, 3]), T(m, [1.0, 2.0, 3.0]), check_dtype=False),
    lambda m: ac(m)(T(m, [1.0], "float64"), T(m, [1.0 + 2e-6], "float32"), check_dtype=False),
    lambda m: ac(m)(T(m, [1.0], "float16"), T(m, [1.001], "float16")),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.1]), rtol=0.2, atol=0),
    lambda m: ac(m)(T(m, [1, 2]), T(m, [1, 3]), atol=1, rtol=0),
    lambda m: ac(m)(T(m, []), T(m, [])),
    lambda m: ac(m)(T(m, [1.0], "float32").requires_grad_(), T(m, [1.0])),
    lambda m: ac(m)(T(m, [[1.0, 2.0], [3, 4]]), T(m, [[1.0, 2.0], [3, 4]]).t().contiguous().t()),
    lambda m: ac(m)(1.0, 1.0 + 1e-8),
    lambda m: ac(m)(1, 1.0, check_dtype=False),
    lambda m: ac(m)(NAN, NAN, equal_nan=True),
    lambda m: ac(m)(INF, INF),
    lambda m: ac(m)(2, 3, atol=2, rtol=0),
    lambda m: ac(m)(True, True),
    lambda m: ac(m)(None, None),
    lambda m: ac(m)([T(m, [1.0])], (T(m, [1.0]),)),
    lambda m: ac(m)((1, 2), [1, 2]),
    lambda m: ac(m)({"a": T(m, [1.0]), "b": [2, 3.0]}, {"b": [2, 3.0], "a": T(m, [1.0])}),
    lambda m: ac(m)(np.array([1.0, 2.0]), np.array([1.0, 2.0])),
    lambda m: ac(m)(actual=T(m, [1.0]), expected=T(m, [1.0])),
]


@pytest.mark.parametrize("case", range(len(PASSING)))
def test_assert_close_passes_where_torch_passes(case):
    assert same_as_torch(PASSING[case]) == ("ok", None)


FAILING = [
    # values: counts, greatest differences and their indices, tolerances by dtype
    lambda m: ac(m)(T(m, [1.0, 2.0, 3.0]), T(m, [1.0, 2.5, 3.0])),
    lambda m: ac(m)(T(m, [1.0, 2.0, 3.0]), T(m, [1.0, 2.0, 3.0001])),
    lambda m: ac(m)(T(m, [[1.0, 2.0], [3.0, 4.0]]), T(m, [[1.0, 2.0], [3.0, 4.5]])),
    lambda m: ac(m)(T(m, [1.0, 2.0]), T(m, [3.0, 4.0])),
    lambda m: ac(m)(T(m, [1.0, 2.0, 3.0, 4.0]), T(m, [1.0, 2.0, 3.0, 400.0])),
    lambda m: ac(m)(T(m, [0.0, 1000.0]), T(m, [1e-4, 1000.001])),
    lambda m: ac(m)(T(m, [1.0, 0.0]), T(m, [2.0, 0.0])),
    lambda m: ac(m)(T(m, [1.0, 5.0]), T(m, [2.0, 0.0])),
    lambda m: ac(m)(T(m, [100.0]), T(m, [101.0])),
    lambda m: ac(m)(T(m, [1.0], "float16"), T(m, [1.01], "float16")),
    lambda m: ac(m)(T(m, [1.5], "bfloat16"), T(m, [1.0], "bfloat16")),
    lambda m: ac(m)(T(m, [1.0], "float64"), T(m, [1.0 + 2e-6], "float64")),
    lambda m: ac(m)(T(m, [1.0], "float16"), T(m, [1.002], "float64"), check_dtype=False),
    lambda m: ac(m)(T(m, [1, 2], "int32"), T(m, [1.0, 2.5]), check_dtype=False),
    # non-finite values
    lambda m: ac(m)(T(m, [1.0, NAN]), T(m, [1.0, NAN])),
    lambda m: ac(m)(T(m, [NAN, 1.0]), T(m, [1.0, NAN])),
    lambda m: ac(m)(T(m, [1.0, 2.0, 3.0, INF]), T(m, [1.0, 2.0, 3.0, -INF])),
    lambda m: ac(m)(T(m, [1.0]), T(m, [INF])),
    # integers and bools compare exactly, differences in int64
    lambda m: ac(m)(T(m, [1, 2, 3]), T(m, [1, 2, 4])),
    lambda m: ac(m)(T(m, [1, 0]), T(m, [2, 0])),
    lambda m: ac(m)(T(m, [1, 0], "uint8"), T(m, [0, 2], "uint8")),
    lambda m: ac(m)(T(m, [1, 0], "int8"), T(m, [-128, 2], "int8")),
    lambda m: ac(m)(T(m, [True, False]), T(m, [True, True])),
    lambda m: ac(m)(T(m, [[True]]), T(m, [[False]])),
    lambda m: ac(m)(T(m, [1, 2]), T(m, [1, 4]), atol=1, rtol=0),
    lambda m: ac(m)(T(m, [1, 2]), T(m, [1, 4]), atol=1, rtol=0.1),
    lambda m: ac(m)(T(m, [1.5]), T(m, [1.0]), atol=0.1, rtol=0.0),
    # 0-d tensors report as scalars
    lambda m: ac(m)(T(m, 1.0), T(m, 2.0)),
    # attributes
    lambda m: ac(m)(T(m, [1, 2, 3]), T(m, [1.0, 2.0, 3.0])),
    lambda m: ac(m)(T(m, [1.0, 2.0]), T(m, [1.0, 2.0, 3.0])),
    lambda m: ac(m)(T(m, 1.0), T(m, [1.0])),
    lambda m: ac(m)(T(m, [1]), T(m, [1.0, 2.0])),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.0], "float64")),
    lambda m: ac(m)(T(m, [[1.0, 2.0], [3.0, 4.0]]).t(), T(m, [[1.0, 3.0], [2.0, 4.0]]), check_stride=True),
    # Python scalars
    lambda m: ac(m)(1.0, 1.1),
    lambda m: ac(m)(1, 2),
    lambda m: ac(m)(1, 1.0),
    lambda m: ac(m)(1, 2.0, check_dtype=False),
    lambda m: ac(m)(NAN, NAN),
    lambda m: ac(m)(True, False),
    # containers: the failing item is named
    lambda m: ac(m)([T(m, [1.0]), T(m, [2.0])], [T(m, [1.0]), T(m, [2.1])]),
    lambda m: ac(m)({"a": T(m, [1.0]), "b": T(m, [2.0])}, {"a": T(m, [1.0]), "b": T(m, [2.1])}),
    lambda m: ac(m)([[T(m, [1.0])], [T(m, [2.0])]], [[T(m, [1.0])], [T(m, [3.0])]]),
    lambda m: ac(m)({"a": [T(m, [1.0])]}, {"a": [T(m, [3.0])]}),
    lambda m: ac(m)([1.0, 2.0], [1.0, 2.5]),
    lambda m: ac(m)({"b": 1, "a": 2}, {"a": 1, "b": 2}),
    lambda m: ac(m)([T(m, [1.0])], [T(m, [1.0]), T(m, [1.0])]),
    lambda m: ac(m)({"a": 1, "c": 2}, {"b": 1, "c": 2, "d": 3}),
    lambda m: ac(m)({"a": 1}, {"a": 1, "b": 2}),
    # msg replaces or rewrites the report (not structural errors)
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.5]), msg="custom"),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.5]), msg=lambda text: "X" + text),
    lambda m: ac(m)([T(m, [1.0])], [T(m, [3.0])], msg=lambda text: "<" + text + ">"),
    lambda m: ac(m)([1], [2], msg=lambda text: "<" + text + ">"),
    lambda m: ac(m)([T(m, [1.0])], [T(m, [3.0])], msg="boom"),
    lambda m: ac(m)([T(m, [1.0])], [T(m, [3.0]), T(m, [1.0])], msg="boom"),
    lambda m: ac(m)(T(m, [1.0]), T(m, [2.0]), msg=3),
    # unsupported pairs and bad tolerances
    lambda m: ac(m)(T(m, [1.0]), 1.0),
    lambda m: ac(m)(T(m, [1.0]), [1.0]),
    lambda m: ac(m)(T(m, [1.0]), np.array([1.0])),
    lambda m: ac(m)([1.0], 1.0),
    lambda m: ac(m)({"a": 1.0}, [1.0]),
    lambda m: ac(m)("a", "a"),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.1]), rtol=0.2),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.0]), atol=1e-3),
    lambda m: ac(m)(T(m, [1.0]), T(m, [1.0]), 1e-3, 1e-3),
]


@pytest.mark.parametrize("case", range(len(FAILING)))
def test_assert_close_failures_match_torch_exactly(case):
    kind, _ = same_as_torch(FAILING[case])
    assert kind != "ok"


def test_report_names_counts_and_greatest_differences():
    with pytest.raises(AssertionError) as info:
        assert_close(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), ember.tensor([[1.0, 2.5], [3.0, 6.0]]))
    lines = str(info.value).splitlines()
    assert lines[0] == "Tensor-likes are not close!"
    assert lines[2] == "Mismatched elements: 2 / 4 (50.0%)"
    assert lines[3] == "Greatest absolute difference: 2.0 at index (1, 1) (up to 1e-05 allowed)"
    assert lines[4].startswith("Greatest relative difference: 0.33333") and "at index (1, 1)" in lines[4]


def test_assert_close_reads_non_contiguous_views():
    x = ember.arange(12.0).reshape(3, 4)
    assert_close(x.t(), ember.tensor(np.ascontiguousarray(np.arange(12.0, dtype=np.float32).reshape(3, 4).T)))
    with pytest.raises(AssertionError, match="stride"):
        assert_close(x.t(), x.t().contiguous(), check_stride=True)


def test_allow_subclasses_false_still_accepts_same_class():
    assert_close(ember.ones(2), ember.ones(2), allow_subclasses=False)


# --- make_tensor -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype, low, high",
    [
        ("float32", -9, 9),
        ("float64", -9, 9),
        ("float16", -9, 9),
        ("int64", -9, 9),
        ("int8", -9, 9),
        ("uint8", 0, 9),
    ],
)
def test_make_tensor_default_ranges(dtype, low, high):
    x = make_tensor(2000, dtype=getattr(ember, dtype), device="cpu")
    ref = torch.testing.make_tensor(2000, dtype=getattr(torch, dtype), device="cpu")
    assert str(x.dtype) == str(ref.dtype) and x.shape == (2000,)
    values = x.numpy().astype(np.float64)
    assert values.min() >= low and values.max() <= high
    # 2000 draws cover the range: both ends come close, as torch's do
    assert values.min() < low + 1 and values.max() > high - 1
    if not x.dtype.is_floating_point:
        assert set(np.unique(values)) == set(range(low, high + 1))


@pytest.mark.parametrize("shape", [(2, 3), ((2, 3),), ([4],), (ember.Size([1, 2]),), ()])
def test_make_tensor_shapes(shape):
    x = make_tensor(*shape, dtype=ember.float32, device="cpu")
    torch_shape = tuple(tuple(s) if isinstance(s, ember.Size) else s for s in shape)
    assert tuple(x.shape) == tuple(
        torch.testing.make_tensor(*torch_shape, dtype=torch.float32, device="cpu").shape
    )


def test_make_tensor_low_high_and_bool():
    x = make_tensor(500, dtype=ember.float32, device="cpu", low=5, high=6)
    assert ((x >= 5) & (x < 6)).all().item()
    i = make_tensor(500, dtype=ember.int64, device="cpu", low=0, high=3)
    assert set(np.unique(i.numpy())) == {0, 1, 2}
    u = make_tensor(500, dtype=ember.uint8, device="cpu", low=-5)
    assert u.numpy().min() >= 0
    b = make_tensor(200, dtype=ember.bool, device="cpu")
    assert b.dtype is ember.bool and 0 < b.sum().item() < 200


def test_make_tensor_is_seeded_by_ember():
    ember.manual_seed(3)
    a = make_tensor(5, dtype=ember.float32, device="cpu")
    ember.manual_seed(3)
    b = make_tensor(5, dtype=ember.float32, device="cpu")
    assert np.array_equal(a.numpy(), b.numpy())


def test_make_tensor_options():
    x = make_tensor(3, 4, dtype=ember.float32, device="cpu", noncontiguous=True)
    ref = torch.testing.make_tensor(3, 4, dtype=torch.float32, device="cpu", noncontiguous=True)
    assert x.is_contiguous() is ref.is_contiguous() is False
    assert x.stride() == ref.stride()
    g = make_tensor(3, dtype=ember.float32, device="cpu", requires_grad=True)
    assert g.requires_grad and g.is_leaf
    z = make_tensor(2000, dtype=ember.int8, device="cpu", exclude_zero=True, low=-1, high=2)
    assert (z != 0).all().item()
    with pytest.warns(FutureWarning):
        f = make_tensor(3, dtype=ember.float32, device="cpu", low=5, high=5)
    assert f.tolist() == [5.0, 5.0, 5.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dtype": "float32", "low": 6, "high": 5},
        {"dtype": "int64", "low": 5, "high": 5},
        {"dtype": "float32", "low": NAN},
        {"dtype": "int64", "requires_grad": True},
        {"dtype": "bool", "requires_grad": True},
    ],
)
def test_make_tensor_errors_match_torch(kwargs):
    def call(lib):
        options = dict(kwargs, dtype=getattr(lib, kwargs["dtype"]))
        lib.testing.make_tensor(3, device="cpu", **options)

    kind, _ = same_as_torch(call)
    assert kind == "ValueError"


@pytest.mark.parametrize("missing", ["dtype", "device"])
def test_make_tensor_requires_dtype_and_device(missing):
    def call(lib):
        options = {"dtype": lib.float32, "device": "cpu"}
        del options[missing]
        lib.testing.make_tensor(3, **options)

    kind, message = same_as_torch(call)
    assert kind == "TypeError" and missing in message
