"""RNN, LSTM, GRU, their cells and nn.utils.rnn against torch (weights copied via state_dict)."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module, copy_state
from tests.oracle import as_numpy, assert_same, check, check_error, make_array, to_ember, to_torch


def _flat(out):
    """``(output, h)`` or ``(output, (h, c))`` as a flat tuple of tensors."""
    result = []
    for o in out if isinstance(out, tuple) else (out,):
        if isinstance(o, tuple) and not hasattr(o, "batch_sizes"):
            result.extend(o)
        elif hasattr(o, "batch_sizes"):  # a PackedSequence: compare its data and indices
            result.append(o.data)
        else:
            result.append(o)
    return tuple(result)


def _hidden(mode, layers, batch, hidden, proj, rng, unbatched=False):
    """Initial states as NumPy arrays (h0, or h0 and c0 for LSTM)."""
    shape = (layers, hidden) if unbatched else (layers, batch, hidden)
    h0 = make_array(shape[:-1] + (proj or hidden,), rng=rng)
    if mode == "LSTM":
        return [h0, make_array(shape, rng=rng)]
    return [h0]


def _call_with_state(mode):
    if mode == "LSTM":
        return lambda mod, x, h, c: _flat(mod(x, (h, c)))
    return lambda mod, x, h: _flat(mod(x, h))


CONFIGS = [
    {"num_layers": 1},
    {"num_layers": 2},
    {"num_layers": 2, "bidirectional": True},
    {"num_layers": 1, "batch_first": True, "bidirectional": True},
    {"num_layers": 2, "bias": False},
]
MODES = [
    ("RNN", {"nonlinearity": "tanh"}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 2}),
    ("GRU", {}),
]


def _make(mode, extra, config, input_size=3, hidden=4):
    return lambda m: getattr(m.nn, mode)(input_size, hidden, **extra, **config)


@pytest.mark.parametrize("mode,extra", MODES)
@pytest.mark.parametrize("config", CONFIGS)
def test_layers_match_torch_without_and_with_initial_state(mode, extra, config):
    rng = np.random.default_rng(1)
    shape = (2, 5, 3) if config.get("batch_first") else (5, 2, 3)
    check_module(_make(mode, extra, config), [shape], call=lambda mod, x: _flat(mod(x)))
    directions = 2 if config.get("bidirectional") else 1
    layers = config["num_layers"] * directions
    states = _hidden(mode, layers, 2, 4, extra.get("proj_size", 0), rng)
    check_module(
        _make(mode, extra, config),
        inputs=[make_array(shape, rng=rng), *states],
        call=_call_with_state(mode),
    )


@pytest.mark.parametrize("mode,extra", MODES)
def test_unbatched_input(mode, extra):
    rng = np.random.default_rng(2)
    config = {"num_layers": 2, "bidirectional": True}
    check_module(_make(mode, extra, config), [(5, 3)], call=lambda mod, x: _flat(mod(x)))
    states = _hidden(mode, 4, 1, 4, extra.get("proj_size", 0), rng, unbatched=True)
    check_module(
        _make(mode, extra, config), inputs=[make_array((5, 3), rng=rng), *states], call=_call_with_state(mode)
    )


def _packed_call(mode, lengths, enforce_sorted, batch_first=False, with_state=False):
    """Pack the padded input inside the call, run the layer, return output data, padded output and states."""

    def call(mod, x, *states):
        m = ember if isinstance(x, ember.Tensor) else torch
        packed = m.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        hx = None
        if with_state:
            hx = (states[0], states[1]) if mode == "LSTM" else states[0]
        out, hidden = mod(packed, hx)
        padded, out_lengths = m.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)
        assert out_lengths.tolist() == list(lengths)
        if out.sorted_indices is not None:
            assert out.sorted_indices.tolist() == packed.sorted_indices.tolist()
        return (out.data, padded) + (tuple(hidden) if isinstance(hidden, tuple) else (hidden,))

    return call


@pytest.mark.parametrize("mode,extra", MODES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_match_torch(mode, extra, bidirectional):
    rng = np.random.default_rng(3)
    config = {"num_layers": 2, "bidirectional": bidirectional}
    sorted_lengths = [5, 3, 3, 1]
    check_module(
        _make(mode, extra, config), [(5, 4, 3)], call=_packed_call(mode, sorted_lengths, True)
    )
    unsorted = [2, 5, 1, 4]
    states = _hidden(mode, 2 * (2 if bidirectional else 1), 4, 4, extra.get("proj_size", 0), rng)
    check_module(
        _make(mode, extra, {**config, "batch_first": True}),
        inputs=[make_array((4, 5, 3), rng=rng), *states],
        call=_packed_call(mode, unsorted, False, batch_first=True, with_state=True),
    )


def test_float64_lstm_matches_tightly():
    check_module(
        lambda m: m.nn.LSTM(3, 4, num_layers=2, bidirectional=True), [(6, 2, 3)], dtype="float64",
        atol=1e-12, rtol=1e-10, call=lambda mod, x: _flat(mod(x)),
    )


@pytest.mark.parametrize(
    "make,hidden_states",
    [
        (lambda m: m.nn.RNNCell(3, 4), 1),
        (lambda m: m.nn.RNNCell(3, 4, nonlinearity="relu", bias=False), 1),
        (lambda m: m.nn.GRUCell(3, 4), 1),
        (lambda m: m.nn.GRUCell(3, 4, bias=False), 1),
        (lambda m: m.nn.LSTMCell(3, 4), 2),
        (lambda m: m.nn.LSTMCell(3, 4, bias=False), 2),
    ],
)
def test_cells_match_torch(make, hidden_states):
    rng = np.random.default_rng(4)
    flat = lambda mod, *xs: _flat(mod(*xs))
    check_module(make, [(5, 3)], call=flat)
    check_module(make, [(3,)], call=flat)
    states = [make_array((5, 4), rng=rng) for _ in range(hidden_states)]
    if hidden_states == 2:
        call = lambda mod, x, h, c: _flat(mod(x, (h, c)))
    else:
        call = flat
    check_module(make, inputs=[make_array((5, 3), rng=rng), *states], call=call)
    unbatched_states = [make_array((4,), rng=rng) for _ in range(hidden_states)]
    check_module(make, inputs=[make_array((3,), rng=rng), *unbatched_states], call=call)


def test_parameter_names_shapes_order_and_repr():
    for make in (
        lambda m: m.nn.LSTM(4, 5, num_layers=2, bidirectional=True, proj_size=3),
        lambda m: m.nn.GRU(4, 5, bias=False, batch_first=True),
        lambda m: m.nn.RNN(4, 5, 2, nonlinearity="relu", dropout=0.2),
        lambda m: m.nn.LSTMCell(4, 5),
        lambda m: m.nn.GRUCell(4, 5, bias=False),
        lambda m: m.nn.RNNCell(4, 5, nonlinearity="relu"),
    ):
        e, t = make(ember), make(torch)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in t.state_dict().items()
        ]
        assert repr(e) == repr(t)
    e, t = (m.nn.LSTM(4, 5, 2, bidirectional=True) for m in (ember, torch))
    assert e._flat_weights_names == t._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in e.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in t.all_weights
    ]


def test_default_init_is_uniform_in_one_over_sqrt_hidden():
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(30, 100, num_layers=2)
    bound = 1 / math.sqrt(100)
    for name, p in lstm.named_parameters():
        w = p.detach().numpy()
        assert np.abs(w).max() <= bound, name
        assert np.abs(w).max() > 0.95 * bound, name
    w = lstm.weight_hh_l0.detach().numpy()
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound


def test_dropout_between_layers_only_in_training():
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = ember.randn(4, 2, 3)
    lstm.eval()
    a, _ = lstm(x)
    b, _ = lstm(x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    lstm.train()
    c, _ = lstm(x)
    d, _ = lstm(x)
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    assert not np.allclose(c.detach().numpy(), d.detach().numpy())
    # with one layer the dropout has nothing to act on
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        single = ember.nn.GRU(3, 8, dropout=0.5)
    e1, _ = single(x)
    e2, _ = single(x)
    assert np.array_equal(e1.detach().numpy(), e2.detach().numpy())


def test_eval_mode_with_dropout_matches_torch():
    check_module(lambda m: m.nn.GRU(3, 4, num_layers=3, dropout=0.3), [(4, 2, 3)], train=False,
                 call=lambda mod, x: _flat(mod(x)))


def test_gradcheck_cells_first_and_second_order():
    from ember.ops import rnn as R
    from tests.oracle import gradcheck

    gradcheck(lambda m, x, h, c, wi, wh, b: R.lstm_cell(x, (h, c), wi, wh, b, b)[0]
              + R.lstm_cell(x, (h, c), wi, wh, b, b)[1],
              [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,)])
    gradcheck(lambda m, x, h, wi, wh, bi, bh: R.gru_cell(x, h, wi, wh, bi, bh),
              [(2, 3), (2, 2), (6, 3), (6, 2), (6,), (6,)])
    gradcheck(lambda m, x, h, wi, wh: R.rnn_tanh_cell(x, h, wi, wh), [(2, 3), (2, 2), (2, 3), (2, 2)])
    gradcheck(lambda m, x, h, wi, wh: R.rnn_relu_cell(x, h, wi, wh), [(2, 3), (2, 2), (2, 3), (2, 2)],
              low=0.1, high=1.0)


def test_gradcheck_through_a_packed_bidirectional_lstm():
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(2, 3, bidirectional=True, proj_size=2).double()
    params = [p.detach().clone().requires_grad_() for p in lstm.parameters()]
    per_direction = len(params) // 2

    def fn(x, *ps):
        # the module's forward, run on the given tensors in place of its parameters
        lstm._layer_weights = lambda: [tuple(ps[i * per_direction:(i + 1) * per_direction]) for i in range(2)]
        packed = ember.nn.utils.rnn.pack_padded_sequence(x, [3, 2], enforce_sorted=False)
        out, (h, c) = lstm(packed)
        return out.data, h, c

    x = ember.randn(3, 2, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn, [x] + params)


@pytest.mark.parametrize("mode,extra", [("LSTM", {"proj_size": 1}), ("GRU", {}), ("RNN", {"nonlinearity": "tanh"})])
def test_gradgradcheck_through_packed_bidirectional_layers(mode, extra):
    ember.manual_seed(0)
    layer = getattr(ember.nn, mode)(2, 2, bidirectional=True, **extra).double()
    params = [p.detach().clone().requires_grad_() for p in layer.parameters()]
    per_direction = len(params) // 2

    def fn(x, *ps):
        # (w_ih, w_hh, b_ih, b_hh, w_hr) per direction, None where the layer has no such weight
        layer._layer_weights = lambda: [(*ps[i * per_direction:(i + 1) * per_direction], None, None, None)[:5]
                                        for i in range(2)]
        packed = ember.nn.utils.rnn.pack_padded_sequence(x, [2, 1], enforce_sorted=False)
        out, hidden = layer(packed)
        return (out.data, *(hidden if isinstance(hidden, tuple) else (hidden,)))

    x = ember.randn(2, 2, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(fn, [x] + params)


@pytest.mark.parametrize("which", [1, 2])
def test_gradient_from_final_states_only_matches_torch(which):
    def call(mod, x, h, c):
        _, (h_n, c_n) = mod(x, (h, c))
        return (h_n, c_n)[which - 1]

    rng = np.random.default_rng(6)
    check_module(lambda m: m.nn.LSTM(3, 4, num_layers=2, bidirectional=True), call=call,
                 inputs=[make_array((5, 2, 3), rng=rng), make_array((4, 2, 4), rng=rng), make_array((4, 2, 4), rng=rng)])


def test_double_backward_through_gru_matches_torch():
    rng = np.random.default_rng(5)
    x_np = make_array((3, 2, 3), rng=rng)
    torch_gru = torch.nn.GRU(3, 4)
    ember_gru = ember.nn.GRU(3, 4)
    copy_state(torch_gru, ember_gru)
    results = []
    for m, gru, x in ((torch, torch_gru, to_torch(x_np, True)), (ember, ember_gru, to_ember(x_np, True))):
        out, _ = gru(x)
        (g,) = m.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        g.pow(2).sum().backward()
        results.append((x.grad, gru.weight_hh_l0.grad))
    assert_same(results[1][0], results[0][0], atol=1e-4, rtol=1e-3)
    assert_same(results[1][1], results[0][1], atol=1e-4, rtol=1e-3)


def test_errors_match_torch():
    lstm_make = lambda m: m.nn.LSTM(4, 5, num_layers=2)
    for make, args, match in [
        (lstm_make, [(2, 3, 3)], r"input.size\(-1\) must be equal to input_size. Expected 4, got 3"),
        (lstm_make, [(2, 3, 4, 1)], "LSTM: Expected input to be 2D or 3D, got 4D instead"),
        (lstm_make, [(2, 3, 4), (2, 2, 5), (2, 3, 5)], r"Expected hidden\[0\] size \(2, 3, 5\), got \[2, 2, 5\]"),
        (lstm_make, [(2, 3, 4), (2, 3, 5), (2, 3, 4)], r"Expected hidden\[1\] size \(2, 3, 5\), got \[2, 3, 4\]"),
        (lstm_make, [(2, 4), (2, 1, 5), (2, 1, 5)], "For unbatched 2-D input, hx and cx should also be 2-D"),
        (lambda m: m.nn.GRU(4, 5), [(2, 3, 4), (1, 2, 5)], r"Expected hidden size \(1, 3, 5\), got \[1, 2, 5\]"),
        (lambda m: m.nn.GRU(4, 5), [(2, 4), (1, 3, 5)], "For unbatched 2-D input, hx should also be 2-D but got 3-D"),
        (lambda m: m.nn.RNN(4, 5), [(2, 3, 4), (1, 3)], "For batched 3-D input, hx should also be 3-D but got 2-D"),
        (lambda m: m.nn.LSTMCell(4, 5), [(3, 3)], "input has inconsistent input_size: got 3 expected 4"),
        (lambda m: m.nn.GRUCell(4, 5), [(3, 4), (2, 5)], "Input batch size 3 doesn't match hidden0 batch size 2"),
        (lambda m: m.nn.RNNCell(4, 5), [(3, 4), (3, 4)], "hidden0 has inconsistent hidden_size: got 4, expected 5"),
        (lambda m: m.nn.RNNCell(4, 5), [(3, 4, 1)], "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
        (lambda m: m.nn.RNNCell(4, 5, nonlinearity="x"), [(3, 4)], "Unknown nonlinearity: x"),
    ]:
        def fn(m, *xs, make=make):
            mod = make(m)
            if isinstance(mod, m.nn.LSTM) and len(xs) == 3:
                return mod(xs[0], (xs[1], xs[2]))
            return mod(*xs)

        check_error(fn, [make_array(s) for s in args], match=match)
    check_error(lambda m, x: m.nn.GRU(4, 5)(x.double()), [make_array((2, 3, 4))], match="input dtype")
    check_error(lambda m, x: m.nn.GRU(4, 5)(x), [make_array((0, 3, 4))], match="sequence length")
    for kwargs, match in [
        ({"nonlinearity": "sig"}, "Unknown nonlinearity 'sig'"),
        ({"num_layers": 0}, "num_layers must be greater than zero"),
        ({"dropout": 1.5}, "dropout should be a number in range"),
    ]:
        check_error(lambda m, kwargs=kwargs: m.nn.RNN(4, 5, **kwargs), [], match=match)
    check_error(lambda m: m.nn.RNN(4, 0), [], match="hidden_size must be greater than zero")
    check_error(lambda m: m.nn.GRU(4, 5, proj_size=2), [], match="proj_size argument is only supported for LSTM")
    check_error(lambda m: m.nn.LSTM(4, 5, proj_size=5), [], match="proj_size has to be smaller than hidden_size")


# ------------------------------------------------------------------ nn.utils.rnn
def _packed_fields(p):
    return (p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([3, 5, 1, 3], False), ([2, 2, 2, 2], False)])
def test_pack_and_pad_round_trip_match_torch(batch_first, lengths, enforce_sorted):
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    R = lambda m: m.nn.utils.rnn
    check(lambda m, x: _packed_fields(R(m).pack_padded_sequence(x, lengths, batch_first, enforce_sorted)), [shape])
    check(lambda m, x: _packed_fields(R(m).pack_padded_sequence(x, m.tensor(lengths), batch_first, enforce_sorted)),
          [shape])

    def round_trip(m, x, **kwargs):
        packed = R(m).pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
        return R(m).pad_packed_sequence(packed, batch_first=batch_first, **kwargs)

    check(round_trip, [shape])
    check(lambda m, x: round_trip(m, x, padding_value=-1.5, total_length=7), [shape])


def test_pad_sequence_pack_sequence_and_unpacking_match_torch():
    R = lambda m: m.nn.utils.rnn
    shapes = [(2, 3), (4, 3), (1, 3)]
    check(lambda m, *xs: R(m).pad_sequence(list(xs)), shapes)
    check(lambda m, *xs: R(m).pad_sequence(list(xs), batch_first=True, padding_value=2.0), shapes)
    check(lambda m, *xs: R(m).pad_sequence(list(xs), batch_first=True, padding_side="left"), shapes)
    check(lambda m, *xs: R(m).pad_sequence(list(xs), padding_side="left"), [(2,), (3,)])
    check(lambda m, *xs: _packed_fields(R(m).pack_sequence(list(xs), enforce_sorted=False)), shapes)
    check(lambda m, *xs: _packed_fields(R(m).pack_sequence(list(xs))), [(4, 3), (2, 3), (1, 3)])
    check(lambda m, *xs: tuple(R(m).unpack_sequence(R(m).pack_sequence(list(xs), enforce_sorted=False))), shapes)
    # (torch transposes a time-major input in place, so it gets a copy)
    check(lambda m, x: tuple(R(m).unpad_sequence(x * 1, m.tensor([3, 1]))), [(3, 2, 2)])
    check(lambda m, x: tuple(R(m).unpad_sequence(x, m.tensor([1, 3]), batch_first=True)), [(2, 3, 2)])


def test_packed_sequence_methods():
    p = ember.nn.utils.rnn.pack_sequence([ember.ones(3), ember.ones(2)])
    assert isinstance(p, tuple) and p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.double().data.dtype == ember.float64
    assert p.to(ember.float64).batch_sizes.dtype == ember.int64
    assert not p.is_cuda
    q = ember.nn.utils.rnn.PackedSequence(ember.ones(3), ember.tensor([2, 1]), ember.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    assert ember.nn.utils.rnn.PackedSequence(ember.ones(3), ember.tensor([2, 1])).unsorted_indices is None


def test_packing_errors_match_torch():
    R = lambda m: m.nn.utils.rnn
    x = [make_array((5, 4, 2))]
    check_error(lambda m, x: R(m).pack_padded_sequence(x, [3, 5, 1, 3]), x, match="must be sorted in decreasing order")
    check_error(lambda m, x: R(m).pack_padded_sequence(x, [5, 3, 0, 0]), x, match="has to be greater than 0")
    check_error(lambda m, x: R(m).pack_padded_sequence(x, [5, 3, 2]), x,
                match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3 \(batch_size=4\)")
    check_error(lambda m, x: R(m).pad_packed_sequence(R(m).pack_padded_sequence(x, [5, 3, 2, 1]), total_length=3), x,
                match="Expected total_length to be at least the length of the longest sequence")
    check_error(lambda m, a, b: R(m).pad_sequence([a, b]), [make_array((2, 3)), make_array((4, 2))])


def test_packed_output_of_unsorted_batch_keeps_indices():
    lstm = ember.nn.LSTM(2, 3)
    packed = ember.nn.utils.rnn.pack_sequence([ember.ones(1, 2), ember.ones(3, 2)], enforce_sorted=False)
    out, (h, _) = lstm(packed)
    assert out.sorted_indices.tolist() == [1, 0] and out.unsorted_indices.tolist() == [1, 0]
    assert out.batch_sizes.tolist() == [2, 1, 1]
    # the final state of sequence 0 (length 1) is its output at step 0
    padded, _ = ember.nn.utils.rnn.pad_packed_sequence(out)
    np.testing.assert_allclose(as_numpy(h[0, 0]), as_numpy(padded[0, 0]))
    np.testing.assert_allclose(as_numpy(h[0, 1]), as_numpy(padded[2, 1]))
