"""ember.finfo / ember.iinfo against torch's."""

import pytest
import torch

import ember
from tests.oracle import check_error

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    ours, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    ours, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_default_dtype_and_equality():
    assert ember.finfo() == ember.finfo(ember.float32)
    with ember.autograd.grad_mode.set_grad_enabled(False):  # any context: finfo() reads the default
        ember.set_default_dtype(ember.float64)
        try:
            assert ember.finfo().dtype == "float64"
        finally:
            ember.set_default_dtype(ember.float32)
    assert ember.finfo(ember.float16) != ember.finfo(ember.float32)


@pytest.mark.parametrize(
    "call",
    [lambda m: m.finfo(m.int32), lambda m: m.finfo(m.bool), lambda m: m.iinfo(m.float32), lambda m: m.iinfo(m.bool)],
)
def test_wrong_kind_of_dtype_raises_like_torch(call):
    exc = check_error(call, [], TypeError)
    try:
        call(torch)
    except TypeError as err:
        assert str(exc) == str(err)
