"""nn.ChannelShuffle and F.channel_shuffle against torch: values, gradients, repr, errors."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import check, check_error, gradcheck


@pytest.mark.parametrize(
    "shape,groups",
    [((2, 6, 3), 2), ((2, 6, 3), 3), ((2, 6, 3), 6), ((2, 6, 3), 1), ((1, 12, 2, 3), 4), ((2, 4, 2, 3, 2), 2)],
)
def test_channel_shuffle_matches_torch(shape, groups):
    check(lambda m, x: m.nn.functional.channel_shuffle(x, groups), [shape])


def test_channel_shuffle_is_torch_channel_shuffle_and_moves_channels():
    assert torch.nn.functional.channel_shuffle is torch.channel_shuffle
    x = ember.arange(6.0).reshape(1, 6, 1)
    out = ember.nn.functional.channel_shuffle(x, 3)
    assert out.flatten().tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]


def test_channel_shuffle_float64_int_and_non_contiguous():
    check(lambda m, x: m.nn.functional.channel_shuffle(x, 2), [(3, 4, 5)], dtype="float64")
    check(lambda m, x: m.nn.functional.channel_shuffle(x, 3), [(2, 6, 2)], dtype="int32", grad=False)
    check(lambda m, x: m.nn.functional.channel_shuffle(x.transpose(0, 2), 2), [(5, 4, 3)])


def test_channel_shuffle_result_is_a_copy_with_torch_grad_fn():
    x = ember.randn(2, 6, 3, requires_grad=True)
    out = ember.nn.functional.channel_shuffle(x, 3)
    t_out = torch.channel_shuffle(torch.randn(2, 6, 3, requires_grad=True), 3)
    assert type(out.grad_fn).__name__ == type(t_out.grad_fn).__name__ == "ChannelShuffleBackward0"
    assert out.is_contiguous()
    with ember.no_grad():
        out.zero_()
    assert bool((x != 0).any())


def test_channel_shuffle_empty():
    check(lambda m, x: m.nn.functional.channel_shuffle(x, 2), [(0, 6, 3)])
    # torch's backward fails on zero channels (it shuffles by 0 groups); ember's passes the empty grad on.
    check(lambda m, x: m.nn.functional.channel_shuffle(x, 2), [(2, 0, 3)], grad=False)
    x = ember.zeros(2, 0, 3, requires_grad=True)
    ember.nn.functional.channel_shuffle(x, 2).sum().backward()
    assert tuple(x.grad.shape) == (2, 0, 3)


def test_channel_shuffle_gradcheck_first_and_second_order():
    gradcheck(lambda m, x: m.nn.functional.channel_shuffle(x, 3), [(2, 6, 2)])
    gradcheck(lambda m, x: m.nn.functional.channel_shuffle(x, 2) * x, [(1, 4, 3)])


@pytest.mark.parametrize("groups", [2, 3])
def test_channel_shuffle_module_matches_torch(groups):
    em, tm = check_module(lambda m: m.nn.ChannelShuffle(groups), [(2, 6, 4, 4)])
    assert repr(em) == repr(tm) == f"ChannelShuffle(groups={groups})"
    assert em.groups == tm.groups


@pytest.mark.parametrize(
    "shape,groups",
    [((2, 6, 3), 4), ((6,), 2), ((2, 6), 2), ((2, 6, 3), 0), ((2, 6, 3), -2)],
)
def test_channel_shuffle_errors(shape, groups):
    x = np.zeros(shape, np.float32)
    exc = check_error(lambda m, x: m.nn.functional.channel_shuffle(x, groups), [x], RuntimeError)
    assert str(groups) in str(exc) or str(list(shape)) in str(exc)
    check_error(lambda m, x: m.nn.ChannelShuffle(groups)(x), [x], RuntimeError)


@pytest.mark.parametrize("groups", [2.0, True])
def test_channel_shuffle_groups_must_be_an_int(groups):
    check_error(lambda m, x: m.nn.functional.channel_shuffle(x, groups), [np.zeros((2, 6, 3), np.float32)], TypeError)
    out = ember.nn.functional.channel_shuffle(ember.zeros(2, 6, 3), np.int64(2))
    assert tuple(out.shape) == (2, 6, 3)


def test_top_level_channel_shuffle_like_torch():
    x = np.arange(24, dtype=np.float32).reshape(1, 6, 2, 2)
    assert ember.channel_shuffle(ember.tensor(x), 3).tolist() == torch.channel_shuffle(torch.tensor(x), 3).tolist()
