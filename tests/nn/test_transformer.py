"""Transformer encoder/decoder layers, stacks and nn.Transformer against torch (eval mode: dropout off)."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module
from tests.oracle import assert_same, check_error, make_array

D, H, FF = 8, 2, 16


def _t(mod, array):
    m = ember if isinstance(mod, ember.nn.Module) else torch
    return None if array is None else m.tensor(array)


def _causal(n):
    return np.triu(np.full((n, n), -np.inf, np.float32), 1)


def _padding(batch, length, lengths):
    return np.arange(length)[None, :] >= np.asarray(lengths)[:, None]


ACTIVATIONS = [
    ("relu", lambda m: "relu"),
    ("gelu", lambda m: "gelu"),
    ("callable", lambda m: m.nn.functional.silu),
    ("module", lambda m: m.nn.GELU(approximate="tanh")),
]


def _quiet(fn):
    """Build a module without torch's nested-tensor advisory warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("name,activation", ACTIVATIONS)
def test_encoder_layer_matches_torch(norm_first, batch_first, name, activation):
    make = lambda m: m.nn.TransformerEncoderLayer(D, H, FF, activation=activation(m), norm_first=norm_first,
                                                  batch_first=batch_first)
    shape = (3, 5, D) if batch_first else (5, 3, D)
    check_module(make, [shape], train=False)
    pad = _padding(3, 5, [5, 2, 4])
    check_module(make, [shape], train=False,
                 call=lambda mod, x: mod(x, src_mask=_t(mod, _causal(5)), src_key_padding_mask=_t(mod, pad)))


def test_encoder_layer_in_training_mode_without_dropout_matches_torch():
    check_module(lambda m: m.nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, layer_norm_eps=1e-3, bias=False),
                 [(4, 2, D)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_with_final_norm_matches_torch(norm_first):
    def make(m):
        layer = m.nn.TransformerEncoderLayer(D, H, FF, norm_first=norm_first, batch_first=True)
        return _quiet(lambda: m.nn.TransformerEncoder(layer, 2, norm=m.nn.LayerNorm(D)))

    check_module(make, [(2, 5, D)], train=False)
    check_module(make, [(2, 5, D)], train=False, call=lambda mod, x: mod(x, mask=_t(mod, _causal(5))))
    check_module(make, [(2, 5, D)], train=False, call=lambda mod, x: mod(x, mask=_t(mod, _causal(5)), is_causal=True))
    pad = _padding(2, 5, [3, 5])
    check_module(make, [(2, 5, D)], train=False, call=lambda mod, x: mod(x, src_key_padding_mask=_t(mod, pad)))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_and_stack_match_torch(norm_first, batch_first):
    def layer(m, activation="relu"):
        return m.nn.TransformerDecoderLayer(D, H, FF, activation=activation, norm_first=norm_first,
                                            batch_first=batch_first)

    tgt_shape, mem_shape = ((3, 4, D), (3, 6, D)) if batch_first else ((4, 3, D), (6, 3, D))
    check_module(layer, [tgt_shape, mem_shape], train=False)
    check_module(lambda m: layer(m, "gelu"), [tgt_shape, mem_shape], train=False)
    tgt_pad, mem_pad = _padding(3, 4, [4, 2, 3]), _padding(3, 6, [6, 1, 4])
    memory_mask = np.random.default_rng(0).random((4, 6)) > 0.7
    memory_mask[:, 0] = False

    def call(mod, tgt, memory):
        return mod(tgt, memory, tgt_mask=_t(mod, _causal(4)), memory_mask=_t(mod, memory_mask),
                   tgt_key_padding_mask=_t(mod, tgt_pad), memory_key_padding_mask=_t(mod, mem_pad))

    check_module(layer, [tgt_shape, mem_shape], train=False, call=call)
    check_module(lambda m: m.nn.TransformerDecoder(layer(m), 2, norm=m.nn.LayerNorm(D)), [tgt_shape, mem_shape],
                 train=False, call=call)
    check_module(lambda m: m.nn.TransformerDecoder(layer(m), 2), [tgt_shape, mem_shape], train=False)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(norm_first, batch_first):
    def make(m):
        return _quiet(lambda: m.nn.Transformer(D, H, 2, 1, FF, norm_first=norm_first, batch_first=batch_first))

    src_shape, tgt_shape = ((2, 6, D), (2, 4, D)) if batch_first else ((6, 2, D), (4, 2, D))
    check_module(make, [src_shape, tgt_shape], train=False)
    src_pad = _padding(2, 6, [6, 3])

    def call(mod, src, tgt):
        mask = mod.generate_square_subsequent_mask(4)
        return mod(src, tgt, tgt_mask=mask, src_key_padding_mask=_t(mod, src_pad),
                   memory_key_padding_mask=_t(mod, src_pad))

    check_module(make, [src_shape, tgt_shape], train=False, call=call)


def test_generate_square_subsequent_mask_matches_torch():
    assert_same(ember.nn.Transformer.generate_square_subsequent_mask(4),
                torch.nn.Transformer.generate_square_subsequent_mask(4))
    assert_same(ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64),
                torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))


def test_encoder_without_grad_in_eval_zeroes_padded_positions_like_torch():
    """torch's nested-tensor path (eval, no grad, batch_first, padding mask) skips padded positions."""
    pad = _padding(3, 5, [5, 2, 4])

    def make(m, norm=False):
        layer = m.nn.TransformerEncoderLayer(D, H, FF, batch_first=True)
        return m.nn.TransformerEncoder(layer, 2, norm=m.nn.LayerNorm(D) if norm else None)

    for norm in (False, True):
        def call(mod, x):
            m = ember if isinstance(mod, ember.nn.Module) else torch
            with m.no_grad():
                return mod(x, src_key_padding_mask=_t(mod, pad))

        check_module(lambda m, norm=norm: make(m, norm), [(3, 5, D)], train=False, grad=False, call=call)
    check_module(make, [(3, 5, D)], train=False, grad=False,
                        call=lambda mod, x: mod(x, src_key_padding_mask=_t(mod, pad)))


def test_state_dict_names_and_repr_match_torch():
    for make in (
        lambda m: m.nn.TransformerEncoderLayer(D, H, FF),
        lambda m: m.nn.TransformerEncoderLayer(D, H, FF, activation=m.nn.GELU(), norm_first=True, bias=False),
        lambda m: m.nn.TransformerDecoderLayer(D, H, FF, batch_first=True),
        lambda m: _quiet(lambda: m.nn.TransformerEncoder(m.nn.TransformerEncoderLayer(D, H, FF), 2, m.nn.LayerNorm(D))),
        lambda m: _quiet(lambda: m.nn.Transformer(D, H, 1, 2, FF)),
    ):
        e, t = make(ember), make(torch)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in t.state_dict().items()
        ]
        assert repr(e) == repr(t)


def test_transformer_init_is_xavier_uniform_for_matrices():
    ember.manual_seed(0)
    model = _quiet(lambda: ember.nn.Transformer(16, 2, 1, 1, 32))
    w = model.encoder.layers[0].linear1.weight.detach().numpy()  # (32, 16)
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(model.encoder.norm.weight.detach().numpy() == 1)


def test_nested_tensor_warning_and_flags_match_torch():
    for make in (
        lambda m: m.nn.TransformerEncoderLayer(D, H, FF),
        lambda m: m.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, norm_first=True),
        lambda m: m.nn.TransformerEncoderLayer(D, H, FF, batch_first=True),
    ):
        messages, flags = [], []
        for m in (torch, ember):
            layer = make(m)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                enc = m.nn.TransformerEncoder(layer, 1)
            messages.append([str(w.message) for w in caught if "nested" in str(w.message)])
            flags.append((enc.enable_nested_tensor, enc.use_nested_tensor))
        assert messages[0] == messages[1]
        assert flags[0] == flags[1]


def test_errors_match_torch():
    make = lambda m: _quiet(lambda: m.nn.Transformer(D, H, 1, 1, FF))
    check_error(lambda m, s, t: make(m)(s, t), [make_array((3, 2, D)), make_array((4, 3, D))],
                match="the batch number of src and tgt must be equal")
    check_error(lambda m, s, t: make(m)(s, t), [make_array((3, 2, D)), make_array((4, 2, 7))],
                match="the feature number of src and tgt must be equal to d_model")
    check_error(lambda m: m.nn.TransformerEncoderLayer(D, H, activation="tanh"), [],
                match="activation should be relu/gelu, not tanh")
