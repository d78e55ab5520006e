"""F.scaled_dot_product_attention, F.multi_head_attention_forward and nn.MultiheadAttention against torch."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.module_oracle import check_module, copy_state
from tests.oracle import check, check_error, gradcheck, make_array

SDPA = lambda m: m.nn.functional.scaled_dot_product_attention


# ------------------------------------------------------------------------- SDPA
@pytest.mark.parametrize(
    "shapes",
    [
        [(3, 4), (5, 4), (5, 2)],  # no batch dims
        [(2, 3, 4), (2, 5, 4), (2, 5, 6)],
        [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
        [(2, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)],  # broadcast batch
    ],
)
def test_sdpa_matches_torch(shapes):
    check(lambda m, q, k, v: SDPA(m)(q, k, v), shapes)
    check(lambda m, q, k, v: SDPA(m)(q, k, v, scale=0.3), shapes)
    check(lambda m, q, k, v: SDPA(m)(q, k, v, is_causal=True), shapes)


def test_sdpa_masks_match_torch():
    shapes = [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)]
    rng = np.random.default_rng(0)
    bool_mask = rng.random((3, 5)) > 0.3
    bool_mask[:, 0] = True
    check(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.tensor(bool_mask)), shapes)
    check(lambda m, q, k, v, mask: SDPA(m)(q, k, v, attn_mask=mask), shapes + [(2, 1, 3, 5)])  # learnable float bias
    per_head = rng.random((2, 2, 3, 5)) > 0.5
    per_head[..., 1] = True
    check(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.tensor(per_head)), shapes)


def test_sdpa_fully_masked_rows_give_zeros_and_zero_gradients():
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    check(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.tensor(mask)), [(2, 3, 4), (2, 5, 4), (2, 5, 6)])
    float_mask = np.zeros((3, 5), np.float32)
    float_mask[2] = -np.inf
    e, _ = check(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.tensor(float_mask)), [(2, 3, 4), (2, 5, 4), (2, 5, 6)])
    assert not np.any(e.detach().numpy()[:, 2])


def test_sdpa_rows_far_below_the_others_match_torch():
    """A row whose scores sit ~100 below the rest underflows against the matrix max: it must
    fall back to its own max and still match torch (as must a huge positive offset)."""
    for offset in (-100.0, -1e4, 60.0):
        mask = np.zeros((3, 5), np.float32)
        mask[1] = offset
        mask[2, :2] = -np.inf
        check(lambda m, q, k, v, mask=mask: SDPA(m)(q, k, v, attn_mask=m.tensor(mask)),
              [(2, 3, 4), (2, 5, 4), (2, 5, 6)])
        check(lambda m, q, k, v, mask=mask: SDPA(m)(q, k, v, attn_mask=m.tensor(mask.astype(np.float64))),
              [(2, 3, 4), (2, 5, 4), (2, 5, 6)], dtype="float64", atol=1e-10, rtol=1e-9)


def test_sdpa_grouped_query_attention_matches_torch():
    check(lambda m, q, k, v: SDPA(m)(q, k, v, enable_gqa=True), [(2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)])


def test_sdpa_dropout_keeps_expectation_and_zero_p_is_exact():
    ember.manual_seed(0)
    q, k, v = ember.randn(1, 4, 8), ember.randn(1, 6, 8), ember.ones(1, 6, 3)
    # with v all ones, every output is the sum of the dropped-out weights: 0 or 1/(1-p) per weight
    out = SDPA(ember)(q, k, v, dropout_p=1.0)
    assert not np.any(out.numpy())
    means = [SDPA(ember)(q, k, v, dropout_p=0.5).numpy().mean() for _ in range(200)]
    assert abs(np.mean(means) - 1.0) < 0.05
    a = SDPA(ember)(q, k, v, dropout_p=0.0).numpy()
    np.testing.assert_allclose(a, 1.0, rtol=1e-6)


def test_sdpa_float64_gradcheck_first_and_second_order():
    gradcheck(lambda m, q, k, v: SDPA(m)(q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    gradcheck(lambda m, q, k, v: SDPA(m)(q, k, v, is_causal=True, scale=0.7), [(1, 4, 3), (1, 4, 3), (1, 4, 2)])
    gradcheck(lambda m, q, k, v, bias: SDPA(m)(q, k, v, attn_mask=bias), [(2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5)])
    mask = np.ones((3, 4), dtype=bool)
    mask[0] = False  # a row that attends to nothing
    gradcheck(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.tensor(mask)), [(3, 2), (4, 2), (4, 2)])


def test_sdpa_double_backward_matches_torch():
    def fn(m, q, k, v):
        out = SDPA(m)(q, k, v, is_causal=True)
        (g,) = m.autograd.grad(out.pow(2).sum(), q, create_graph=True)
        return g

    check(fn, [(2, 4, 3), (2, 4, 3), (2, 4, 3)], atol=1e-4, rtol=1e-3)


def test_sdpa_errors_match_torch():
    shapes = [(2, 3, 4), (2, 5, 4), (2, 5, 6)]
    arrays = [make_array(s) for s in shapes]
    check_error(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.ones(3, 5, dtype=m.bool), is_causal=True), arrays,
                match="Explicit attn_mask should not be set when is_causal=True")
    check_error(lambda m, q, k, v: SDPA(m)(q.double(), k, v), arrays, match="to have the same dtype")
    check_error(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.zeros(3, 5, dtype=m.float64)), arrays,
                match="Expected attn_mask dtype to be bool or float or to match query dtype")
    check_error(lambda m, q: SDPA(m)(q, q, q), [make_array((4,))], match="at least 2 dimensional")
    check_error(lambda m, q, k, v: SDPA(m)(q, k[..., :3], v), arrays)
    check_error(lambda m, q, k, v: SDPA(m)(q, k, v[:, :4]), arrays)
    check_error(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.zeros(2, 5)), arrays, match="broadcast")
    check_error(lambda m, q, k, v: SDPA(m)(q, k, v, attn_mask=m.zeros(4, 2, 3, 5)), arrays)


# -------------------------------------------------------------------------- MHA
def _mha(**kwargs):
    return lambda m: m.nn.MultiheadAttention(8, 2, **kwargs)


def _call(**kwargs):
    """Self-attention call (query is key is value) returning output and weights."""
    def call(mod, x):
        return mod(x, x, x, **kwargs)
    return call


@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention_matches_torch(need_weights, average):
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    check_module(_mha(), [(5, 3, 8)], call=_call(**kw))
    check_module(_mha(batch_first=True), [(3, 5, 8)], call=_call(**kw))
    check_module(_mha(), [(5, 8)], call=_call(**kw))  # unbatched
    check_module(_mha(bias=False), [(5, 3, 8)], call=_call(**kw))


def test_mha_cross_attention_and_kdim_vdim_match_torch():
    check_module(_mha(), [(4, 3, 8), (6, 3, 8)], call=lambda mod, q, kv: mod(q, kv, kv))
    check_module(_mha(), [(4, 3, 8), (6, 3, 8), (6, 3, 8)], call=lambda mod, q, k, v: mod(q, k, v))
    check_module(_mha(kdim=5, vdim=3), [(4, 3, 8), (6, 3, 5), (6, 3, 3)], call=lambda mod, q, k, v: mod(q, k, v))
    check_module(_mha(kdim=5, vdim=3, batch_first=True), [(3, 4, 8), (3, 6, 5), (3, 6, 3)],
                 call=lambda mod, q, k, v: mod(q, k, v, need_weights=False))


def test_mha_bias_kv_and_zero_attn_match_torch():
    check_module(_mha(add_bias_kv=True), [(4, 3, 8), (6, 3, 8)], call=lambda mod, q, kv: mod(q, kv, kv))
    check_module(_mha(add_zero_attn=True), [(4, 3, 8), (6, 3, 8)], call=lambda mod, q, kv: mod(q, kv, kv))
    rng = np.random.default_rng(0)
    pad = rng.random((3, 6)) > 0.6
    pad[:, 0] = False
    mask = rng.random((4, 6)) > 0.7
    mask[:, 0] = False
    check_module(
        _mha(add_bias_kv=True, add_zero_attn=True),
        [(4, 3, 8), (6, 3, 8)],
        call=lambda mod, q, kv: mod(q, kv, kv, key_padding_mask=_t(mod, pad), attn_mask=_t(mod, mask)),
    )


def _t(mod, array):
    m = ember if isinstance(mod, ember.nn.Module) else torch
    return m.tensor(array)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_dtype", ["bool", "float"])
def test_mha_masks_match_torch(need_weights, mask_dtype):
    rng = np.random.default_rng(1)
    pad = rng.random((3, 5)) > 0.6
    pad[:, 0] = False
    attn2 = rng.random((5, 5)) > 0.7
    attn2[:, 1] = False
    attn3 = rng.random((6, 5, 5)) > 0.7
    attn3[..., 2] = False
    if mask_dtype == "float":
        pad, attn2, attn3 = (np.where(a, -np.inf, rng.standard_normal(a.shape)).astype(np.float32)
                             for a in (pad, attn2, attn3))
    for kwargs in (
        {"key_padding_mask": pad},
        {"attn_mask": attn2},
        {"attn_mask": attn3},
        {"attn_mask": attn2, "key_padding_mask": pad},
    ):
        def call(mod, x, kwargs=kwargs):
            masks = {k: _t(mod, v) for k, v in kwargs.items()}
            return mod(x, x, x, need_weights=need_weights, **masks)

        check_module(_mha(), [(5, 3, 8)], call=call)


def test_mha_causal_hint_matches_torch():
    causal = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    for need_weights in (True, False):
        check_module(_mha(batch_first=True), [(3, 5, 8)],
                     call=lambda mod, x, nw=need_weights: mod(x, x, x, attn_mask=_t(mod, causal), is_causal=True,
                                                              need_weights=nw))


def test_mha_fully_masked_rows_match_torch_nan_and_zeros():
    pad = np.zeros((3, 5), dtype=bool)
    pad[0] = True  # batch entry 0 may attend to nothing
    for need_weights in (True, False):
        check_module(_mha(), [(5, 3, 8)], grad=False,
                     call=lambda mod, x, nw=need_weights: mod(x, x, x, key_padding_mask=_t(mod, pad), need_weights=nw))


def test_mha_eval_mode_and_functional_form_match_torch():
    check_module(_mha(dropout=0.3), [(5, 3, 8)], train=False, call=_call())

    def functional(m, x, w_in, b_in, w_out, b_out):
        return m.nn.functional.multi_head_attention_forward(
            x, x, x, 8, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out, training=False,
            average_attn_weights=False)

    check(functional, [(4, 2, 8), (24, 8), (24,), (8, 8), (8,)])


def test_mha_dropout_in_training_only():
    ember.manual_seed(0)
    mha = ember.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(5, 3, 8)
    _, w_train = mha(x, x, x, average_attn_weights=False)
    assert np.any(w_train.detach().numpy() == 0)
    mha.eval()
    _, w_eval = mha(x, x, x, average_attn_weights=False)
    assert not np.any(w_eval.detach().numpy() == 0)
    np.testing.assert_allclose(w_eval.detach().numpy().sum(-1), 1.0, rtol=1e-5)


def test_mha_parameters_state_dict_and_repr_match_torch():
    for make in (_mha(), _mha(add_bias_kv=True), _mha(kdim=3, vdim=5, bias=False), _mha(batch_first=True)):
        e, t = make(ember), make(torch)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in t.state_dict().items()
        ]
        assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
        assert repr(e) == repr(t)
    e = ember.nn.MultiheadAttention(8, 2)
    assert not np.any(e.in_proj_bias.detach().numpy()) and not np.any(e.out_proj.bias.detach().numpy())
    bound = np.sqrt(6 / (8 + 24))  # xavier_uniform_ of (24, 8)
    w = np.abs(e.in_proj_weight.detach().numpy())
    assert w.max() <= bound and w.max() > 0.8 * bound


def test_mha_errors_match_torch():
    x = [make_array((3, 2, 8))]
    make = _mha()
    for fn, match in [
        (lambda m, x: make(m)(x, x, x, attn_mask=m.zeros(2, 2)), r"The shape of the 2D attn_mask is .*\[2, 2\]"),
        (lambda m, x: make(m)(x, x, x, attn_mask=m.zeros(5, 3, 3)), "The shape of the 3D attn_mask is"),
        (lambda m, x: make(m)(x, x, x, key_padding_mask=m.zeros(3, 3)), None),
        (lambda m, x: make(m)(x, x, x, is_causal=True), "Need attn_mask if specifying the is_causal hint"),
        (lambda m, x: make(m)(x[..., :7], x, x), "was expecting embedding dimension of 8, but got 7"),
        (lambda m, x: make(m)(x, x, x, attn_mask=m.zeros(3, 3, dtype=m.int64)), "only bool and floating types"),
        (lambda m, x: make(m)(x, x[0], x), "expected `key` and `value` to be 3-D"),
        (lambda m, x: make(m)(x, x, x, attn_mask=m.zeros(1, 1, 3, 3)), "2-D or 3-D but found 4-D"),
        (lambda m, x: make(m)(x[None], x, x), "query should be unbatched 2D or batched 3D"),
        (lambda m, x: make(m)(x[0], x[0], x[0], attn_mask=m.zeros(3, 3, 3)), "Expected `attn_mask` shape"),
    ]:
        check_error(fn, x, match=match)
    check_error(lambda m: m.nn.MultiheadAttention(8, 3), [], match="embed_dim must be divisible by num_heads")
    check_error(lambda m: m.nn.MultiheadAttention(0, 2), [], match="embed_dim and num_heads must be greater than 0")


def test_mha_double_backward_runs_and_matches_torch():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((3, 2, 4))
    tm = torch.nn.MultiheadAttention(4, 2).double()
    em = ember.nn.MultiheadAttention(4, 2).double()
    copy_state(tm, em)
    grads = []
    for m, mod in ((torch, tm), (ember, em)):
        x = m.tensor(x_np, requires_grad=True)
        out, w = mod(x, x, x)
        (g,) = m.autograd.grad((out.pow(2).sum() + w.pow(2).sum()), x, create_graph=True)
        g.pow(2).sum().backward()
        grads.append((x.grad.detach().numpy(), mod.in_proj_weight.grad.detach().numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-8, atol=1e-10)
