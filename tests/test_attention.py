"""dlcourse.attention against PyTorch: the formula, the masks, the multi-head layer."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.attention import (
    KVCache,
    MultiHeadCrossAttention,
    MultiHeadSelfAttention,
    causal_mask,
    padding_mask,
    scaled_dot_product_attention,
)

TOL = dict(atol=1e-6, rtol=1e-6)


def _qkv(B=2, heads=3, T_q=5, T_k=5, d_k=4, d_v=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (B, heads)

    def draw(*s):
        return torch.randn(*shape, *s, generator=g, dtype=torch.float64)

    return draw(T_q, d_k), draw(T_k, d_k), draw(T_k, d_v)


# --- scaled dot-product attention -----------------------------------------------------------


@pytest.mark.parametrize("B", [1, 4])
def test_sdpa_equals_torch_without_mask(B):
    q, k, v = _qkv(B=B, T_q=5, T_k=7)
    out, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), **TOL)
    assert weights.shape == (B, 3, 5, 7)
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, 3, 5, dtype=torch.float64))


def test_sdpa_weights_are_the_softmax_of_scaled_scores():
    q, k, v = _qkv(B=1, heads=1)
    _, weights = scaled_dot_product_attention(q, k, v)
    expected = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    torch.testing.assert_close(weights, expected, **TOL)


@pytest.mark.parametrize("B", [1, 3])
def test_sdpa_equals_torch_with_causal_mask(B):
    q, k, v = _qkv(B=B, T_q=6, T_k=6)
    mask = causal_mask(6)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), **TOL)
    assert (weights[..., ~mask] == 0).all()  # nothing from the future


@pytest.mark.parametrize("B", [1, 3])
def test_sdpa_equals_torch_with_padding_mask(B):
    q, k, v = _qkv(B=B, T_q=6, T_k=6)
    lengths = [6, 2, 4][:B]
    mask = padding_mask(lengths, 6)  # (B, 1, 1, T): broadcast over heads and queries
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    for b, n in enumerate(lengths):
        assert (weights[b, :, :, n:] == 0).all()
        torch.testing.assert_close(weights[b].sum(-1), torch.ones(3, 6, dtype=torch.float64))


def test_padded_keys_do_not_change_the_output():
    q, k, v = _qkv(B=1)
    mask = padding_mask([3], 5)
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    k2, v2 = k.clone(), v.clone()
    k2[..., 3:, :], v2[..., 3:, :] = 100.0, -100.0  # garbage in the padding
    out2, _ = scaled_dot_product_attention(q, k2, v2, mask)
    torch.testing.assert_close(out, out2, **TOL)


def test_fully_masked_row_gives_zero_weights_and_output_without_nan():
    q, k, v = _qkv(B=2, T_q=3, T_k=3)
    q.requires_grad_(True)
    mask = torch.tensor([[True, True, False], [False, False, False], [True, True, True]])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert (weights[..., 1, :] == 0).all() and (out[..., 1, :] == 0).all()
    # The other rows are exactly torch's, and torch also gives zeros for the empty row.
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    out.sum().backward()
    assert torch.isfinite(q.grad).all()
    assert (q.grad[..., 1, :] == 0).all()  # a query that sees nothing gets no gradient


def test_sdpa_cross_attention_lengths_and_float32():
    q, k, v = (t.float() for t in _qkv(T_q=2, T_k=9))
    mask = torch.rand(2, 9, generator=torch.Generator().manual_seed(1)) > 0.3
    mask[:, 0] = True
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert out.shape == (2, 3, 2, 6) and weights.shape == (2, 3, 2, 9)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_sdpa_gradients_match_torch():
    q, k, v = (t.requires_grad_(True) for t in _qkv())
    mask = causal_mask(5)
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    grads = torch.autograd.grad(out.square().sum(), (q, k, v))
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    ref_grads = torch.autograd.grad(ref.square().sum(), (q, k, v))
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r, **TOL)


def test_sdpa_gradcheck_with_mask():
    q, k, v = (t[:1, :1].clone().requires_grad_(True) for t in _qkv(T_q=3, T_k=3))
    mask = torch.tensor([[True, False, False], [False, False, False], [True, True, True]])
    assert torch.autograd.gradcheck(
        lambda q, k, v: scaled_dot_product_attention(q, k, v, mask)[0], (q, k, v)
    )


@pytest.mark.parametrize(
    "shapes, message",
    [
        (
            ((2, 5, 4), (2, 5, 3), (2, 5, 6)),
            "same feature size d_k; got q \\(2, 5, 4\\), k \\(2, 5, 3\\)",
        ),
        (((2, 5, 4), (2, 7, 4), (2, 6, 6)), "same length T_k .*k \\(2, 7, 4\\), v \\(2, 6, 6\\)"),
        (((2, 5, 4), (3, 5, 4), (3, 5, 6)), "same leading \\(batch\\) dimensions"),
        (((2, 5, 4), (5, 4), (5, 6)), "same number of dimensions"),
        (((4,), (4,), (4,)), "at least 2"),
    ],
)
def test_sdpa_rejects_mismatched_qkv(shapes, message):
    q, k, v = (torch.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(q, k, v)


def test_sdpa_rejects_bad_masks():
    q, k, v = (t.float() for t in _qkv(T_q=5, T_k=7))
    with pytest.raises(ValueError, match=r"broadcastable to .*\(2, 3, 5, 7\).*got \(5, 5\)"):
        scaled_dot_product_attention(q, k, v, torch.ones(5, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"got \(4, 2, 3, 5, 7\)"):  # would enlarge the scores
        scaled_dot_product_attention(q, k, v, torch.ones(4, 2, 3, 5, 7, dtype=torch.bool))
    with pytest.raises(ValueError, match="bool tensor .*got torch.float32"):
        scaled_dot_product_attention(q, k, v, torch.zeros(5, 7))
    with pytest.raises(ValueError, match="bool tensor .*got list"):
        scaled_dot_product_attention(q, k, v, [[True] * 7] * 5)


# --- masks ----------------------------------------------------------------------------------


def test_causal_mask_is_lower_triangular():
    m = causal_mask(4)
    assert m.dtype == torch.bool and m.shape == (4, 4)
    assert m.tolist() == [[j <= i for j in range(4)] for i in range(4)]
    with pytest.raises(ValueError, match="T must be an integer >= 1; got 0"):
        causal_mask(0)


def test_padding_mask_marks_real_tokens():
    m = padding_mask([3, 1], 4)
    assert m.shape == (2, 1, 1, 4)
    assert m[:, 0, 0].tolist() == [[True, True, True, False], [True, False, False, False]]
    with pytest.raises(ValueError, match=r"in \[0, T\] = \[0, 4\]"):
        padding_mask([5], 4)


# --- multi-head self-attention --------------------------------------------------------------


def _pair(d_model=8, heads=2, bias=True, seed=0):
    """Our layer and nn.MultiheadAttention with the same weights, in float64."""
    torch.manual_seed(seed)
    ours = MultiHeadSelfAttention(d_model, heads, bias=bias).double()
    ref = nn.MultiheadAttention(d_model, heads, bias=bias, batch_first=True).double()
    with torch.no_grad():
        # torch keeps the three input projections stacked in one (3 d_model, d_model) matrix.
        w_q, w_k, w_v = ref.in_proj_weight.chunk(3)
        for proj, w in ((ours.q_proj, w_q), (ours.k_proj, w_k), (ours.v_proj, w_v)):
            proj.weight.copy_(w)
        ours.out_proj.weight.copy_(ref.out_proj.weight)
        if bias:
            for proj, b in zip(
                (ours.q_proj, ours.k_proj, ours.v_proj), ref.in_proj_bias.chunk(3), strict=True
            ):
                proj.bias.copy_(b)
            ours.out_proj.bias.copy_(ref.out_proj.bias)
    return ours, ref


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_mhsa_equals_torch_without_mask(B, bias):
    ours, ref = _pair(bias=bias)
    x = torch.randn(B, 5, 8, dtype=torch.float64)
    out, weights = ours(x)
    ref_out, ref_weights = ref(x, x, x, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, **TOL)
    torch.testing.assert_close(weights, ref_weights, **TOL)
    assert weights.shape == (B, 2, 5, 5)


@pytest.mark.parametrize("B", [1, 3])
def test_mhsa_equals_torch_with_causal_mask(B):
    ours, ref = _pair(d_model=12, heads=3)
    x = torch.randn(B, 6, 12, dtype=torch.float64)
    mask = causal_mask(6)
    out, weights = ours(x, mask)
    # torch's attn_mask says the opposite: True = may NOT attend.
    ref_out, ref_weights = ref(x, x, x, attn_mask=~mask, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, **TOL)
    torch.testing.assert_close(weights, ref_weights, **TOL)


@pytest.mark.parametrize("B", [1, 3])
def test_mhsa_equals_torch_with_padding_mask(B):
    ours, ref = _pair()
    x = torch.randn(B, 5, 8, dtype=torch.float64)
    lengths = [5, 2, 3][:B]
    mask = padding_mask(lengths, 5)
    out, weights = ours(x, mask)
    ref_out, ref_weights = ref(x, x, x, key_padding_mask=~mask[:, 0, 0], average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, **TOL)
    torch.testing.assert_close(weights, ref_weights, **TOL)


def test_mhsa_padding_and_causal_together():
    ours, ref = _pair()
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    pad = padding_mask([5, 3], 5)
    out, _ = ours(x, pad & causal_mask(5))
    ref_out, _ = ref(x, x, x, attn_mask=~causal_mask(5), key_padding_mask=~pad[:, 0, 0])
    torch.testing.assert_close(out, ref_out, **TOL)


def test_mhsa_fully_masked_query_is_zero_where_torch_gives_nan():
    ours, ref = _pair()
    x = torch.randn(2, 4, 8, dtype=torch.float64)
    pad = padding_mask([4, 0], 4)  # the second sequence is all padding
    out, weights = ours(x, pad)
    ref_out, _ = ref(x, x, x, key_padding_mask=~pad[:, 0, 0])
    assert torch.isnan(ref_out[1]).all()  # torch's nn.MultiheadAttention: NaN
    torch.testing.assert_close(out[0], ref_out[0], **TOL)
    assert (weights[1] == 0).all()
    # No value reaches those queries: what is left is out_proj's bias.
    torch.testing.assert_close(out[1], ours.out_proj.bias.expand(4, 8), **TOL)


def test_mhsa_fused_path_equals_textbook_path():
    ours, _ = _pair(d_model=16, heads=4)
    x = torch.randn(3, 7, 16, dtype=torch.float64)
    for mask in (None, causal_mask(7), padding_mask([7, 4, 1], 7)):
        out, weights = ours(x, mask)
        fast, none = ours(x, mask, need_weights=False)
        assert none is None
        torch.testing.assert_close(out, fast, **TOL)


def test_mhsa_gradients_flow_to_every_projection():
    ours, ref = _pair()
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    ours(x, causal_mask(5))[0].square().sum().backward()
    ref(x, x, x, attn_mask=~causal_mask(5))[0].square().sum().backward()
    w_q, w_k, w_v = ref.in_proj_weight.grad.chunk(3)
    torch.testing.assert_close(ours.q_proj.weight.grad, w_q, **TOL)
    torch.testing.assert_close(ours.k_proj.weight.grad, w_k, **TOL)
    torch.testing.assert_close(ours.v_proj.weight.grad, w_v, **TOL)
    torch.testing.assert_close(ours.out_proj.weight.grad, ref.out_proj.weight.grad, **TOL)


def test_mhsa_rejects_bad_arguments():
    with pytest.raises(
        ValueError, match="num_heads must divide d_model; got d_model=10, num_heads=4"
    ):
        MultiHeadSelfAttention(10, 4)
    with pytest.raises(ValueError, match="num_heads must be an integer >= 1; got 0"):
        MultiHeadSelfAttention(8, 0)
    layer = MultiHeadSelfAttention(8, 2)
    with pytest.raises(ValueError, match=r"\(B >= 1, T >= 1, d_model=8\); got \(2, 5, 6\)"):
        layer(torch.zeros(2, 5, 6))
    with pytest.raises(ValueError, match=r"\(B >= 1, T >= 1, d_model=8\); got \(5, 8\)"):
        layer(torch.zeros(5, 8))
    x = torch.zeros(2, 5, 8)
    for need_weights in (True, False):
        with pytest.raises(ValueError, match=r"\(2, 2, 5, 5\).*got \(2, 5\)"):
            layer(x, torch.ones(2, 5, dtype=torch.bool), need_weights=need_weights)
        with pytest.raises(ValueError, match="bool tensor .*torch.int64"):
            layer(x, torch.ones(5, 5, dtype=torch.int64), need_weights=need_weights)


# --- the causal flag, the cache, cross-attention, dtypes ------------------------------------


@pytest.mark.parametrize("need_weights", [True, False])
def test_is_causal_equals_the_causal_mask(need_weights):
    ours, ref = _pair(d_model=12, heads=3)
    x = torch.randn(2, 6, 12, dtype=torch.float64)
    out, _ = ours(x, is_causal=True, need_weights=need_weights)
    ref_out, _ = ref(x, x, x, attn_mask=~causal_mask(6))
    torch.testing.assert_close(out, ref_out, **TOL)
    pad = padding_mask([6, 3], 6)  # combined with a padding mask
    out, _ = ours(x, pad, is_causal=True, need_weights=need_weights)
    torch.testing.assert_close(out, ours(x, pad & causal_mask(6))[0], **TOL)


def test_the_fused_causal_path_passes_no_mask_to_torch(monkeypatch):
    calls = []
    real = F.scaled_dot_product_attention

    def spy(q, k, v, attn_mask=None, is_causal=False, **kwargs):
        calls.append((attn_mask, is_causal))
        return real(q, k, v, attn_mask=attn_mask, is_causal=is_causal, **kwargs)

    monkeypatch.setattr(F, "scaled_dot_product_attention", spy)
    layer = MultiHeadSelfAttention(8, 2)
    layer(torch.randn(2, 5, 8), is_causal=True, need_weights=False)
    assert calls == [(None, True)]  # no (T, T) mask in memory: the kernel knows "causal"


def test_a_cache_gives_the_same_output_as_the_whole_sequence():
    ours, _ = _pair(d_model=12, heads=3)
    x = torch.randn(2, 7, 12, dtype=torch.float64)
    whole, _ = ours(x, is_causal=True)
    for need_weights in (True, False):
        cache = KVCache()
        parts = [ours(x[:, :4], is_causal=True, cache=cache, need_weights=need_weights)[0]]
        for t in range(4, 7):
            parts.append(ours(x[:, t : t + 1], is_causal=True, cache=cache)[0])
        torch.testing.assert_close(torch.cat(parts, 1), whole, **TOL)
        assert cache.length == 7 and cache.k.shape == (2, 3, 7, 4)
    cache = KVCache()  # two new positions at once after three: the offset causal mask
    ours(x[:, :3], is_causal=True, cache=cache)
    two, weights = ours(x[:, 3:5], is_causal=True, cache=cache)
    torch.testing.assert_close(two, whole[:, 3:5], **TOL)
    assert weights.shape == (2, 3, 2, 5) and (weights[..., 0, 4] == 0).all()


def test_kv_cache_refuses_mismatched_keys():
    cache = KVCache()
    k = torch.zeros(2, 3, 4, 5)
    with pytest.raises(ValueError, match="the same for k and v"):
        cache.append(k, torch.zeros(2, 3, 5, 5))
    cache.append(k, k)
    with pytest.raises(ValueError, match=r"k must match the cached keys \(2, 3, 4, 5\)"):
        cache.append(torch.zeros(1, 3, 1, 5), torch.zeros(1, 3, 1, 5))
    with pytest.raises(TypeError, match="k must have the cache's dtype torch.float32"):
        cache.append(k.double(), k.double())
    assert cache.length == 4


def test_cross_attention_equals_torch():
    torch.manual_seed(0)
    ours = MultiHeadCrossAttention(8, 2).double()
    ref = nn.MultiheadAttention(8, 2, batch_first=True).double()
    with torch.no_grad():
        for proj, w, b in zip(
            (ours.q_proj, ours.k_proj, ours.v_proj),
            ref.in_proj_weight.chunk(3),
            ref.in_proj_bias.chunk(3),
            strict=True,
        ):
            proj.weight.copy_(w)
            proj.bias.copy_(b)
        ours.out_proj.load_state_dict(ref.out_proj.state_dict())
    x = torch.randn(2, 3, 8, dtype=torch.float64)  # 3 queries
    context = torch.randn(2, 6, 8, dtype=torch.float64)  # 6 keys and values
    pad = padding_mask([6, 4], 6)
    for mask, kwargs in ((None, {}), (pad, {"key_padding_mask": ~pad[:, 0, 0]})):
        for need_weights in (True, False):
            out, weights = ours(x, context, mask, need_weights=need_weights)
            ref_out, ref_w = ref(x, context, context, average_attn_weights=False, **kwargs)
            torch.testing.assert_close(out, ref_out, **TOL)
            if need_weights:
                assert weights.shape == (2, 2, 3, 6)
                torch.testing.assert_close(weights, ref_w, **TOL)
    with pytest.raises(ValueError, match=r"context must have shape \(B >= 1, T >= 1, d_model=8\)"):
        ours(x, context[..., :4])
    with pytest.raises(ValueError, match="x and context must hold the same number"):
        ours(x, context[:1])
    with pytest.raises(TypeError, match="context must"):
        ours(x, None)


def test_other_dtypes_and_empty_sequences_are_named():
    q = torch.randn(2, 3, 4)
    with pytest.raises(TypeError, match="k must have q's dtype torch.float32; got torch.float64"):
        scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(
        TypeError, match="q must hold floating-point numbers; got dtype torch.int64"
    ):
        scaled_dot_product_attention(q.long(), q, q)
    layer = MultiHeadSelfAttention(8, 2)
    with pytest.raises(TypeError, match="x must have the layer's dtype torch.float32"):
        layer(torch.zeros(2, 5, 8, dtype=torch.float64))
    with pytest.raises(TypeError, match="x must hold floating-point numbers"):
        layer(torch.zeros(2, 5, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"x must have shape .*; got \(2, 0, 8\)"):
        layer(torch.zeros(2, 0, 8))
    with pytest.raises(ValueError, match=r"x must have shape .*; got \(0, 5, 8\)"):
        layer(torch.zeros(0, 5, 8))


def test_nan_propagates_and_is_not_scanned_for():
    layer = MultiHeadSelfAttention(8, 2)
    x = torch.randn(1, 4, 8)
    x[0, 2, 3] = float("nan")
    out, _ = layer(x)
    assert torch.isnan(out).all()  # every position attends to the NaN one: as in torch
