"""dlcourse.transformer: positional encodings, the block against PyTorch's, the GPT."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlcourse.attention import KVCache, causal_mask
from dlcourse.transformer import GPT, Block, GPTConfig, lm_loss, sinusoidal_positions

TOL = dict(atol=1e-6, rtol=1e-6)


# --- positional encodings -------------------------------------------------------------------


def test_sinusoidal_positions_formula():
    pe = sinusoidal_positions(50, 8)
    assert pe.shape == (50, 8)
    torch.testing.assert_close(pe[0], torch.tensor([0.0, 1.0] * 4))  # sin 0, cos 0
    t, i = 7, 2  # column 2i = 4
    angle = t / 10000 ** (2 * i / 8)
    assert pe[t, 4].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert pe[t, 5].item() == pytest.approx(math.cos(angle), abs=1e-6)
    assert len({tuple(row.tolist()) for row in pe}) == 50  # every position distinct


def test_sinusoidal_offset_is_a_rotation():
    # PE[t + k] is PE[t] turned by a fixed angle in each (sin, cos) pair: a linear map that
    # depends on the offset k only, which is what lets attention find "k positions back".
    pe = sinusoidal_positions(40, 6).double()
    k = 3
    speeds = 10000.0 ** (-torch.arange(0, 6, 2, dtype=torch.float64) / 6)
    for t in (0, 5, 20):
        for j, w in enumerate(speeds.tolist()):
            c, s = math.cos(k * w), math.sin(k * w)
            sin_t, cos_t = pe[t, 2 * j].item(), pe[t, 2 * j + 1].item()
            assert pe[t + k, 2 * j].item() == pytest.approx(sin_t * c + cos_t * s, abs=1e-6)
            assert pe[t + k, 2 * j + 1].item() == pytest.approx(cos_t * c - sin_t * s, abs=1e-6)


@pytest.mark.parametrize("T, d", [(0, 8), (4, 7), (4, 0)])
def test_sinusoidal_rejects_bad_sizes(T, d):
    with pytest.raises(ValueError, match=f"got T={T}, d_model={d}"):
        sinusoidal_positions(T, d)


# --- the block against nn.TransformerEncoderLayer -------------------------------------------


def _block_pair(norm_first: bool, d=16, heads=4):
    torch.manual_seed(0)
    ours = Block(d, heads, norm_first=norm_first).double().eval()
    ref = (
        nn.TransformerEncoderLayer(
            d,
            heads,
            dim_feedforward=4 * d,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=norm_first,
        )
        .double()
        .eval()
    )
    with torch.no_grad():
        for proj, w, b in zip(
            (ours.attn.q_proj, ours.attn.k_proj, ours.attn.v_proj),
            ref.self_attn.in_proj_weight.chunk(3),
            ref.self_attn.in_proj_bias.chunk(3),
            strict=True,
        ):
            proj.weight.copy_(w)
            proj.bias.copy_(b)
        pairs = [
            (ours.attn.out_proj, ref.self_attn.out_proj),
            (ours.mlp.fc, ref.linear1),
            (ours.mlp.proj, ref.linear2),
            (ours.ln_1, ref.norm1),
            (ours.ln_2, ref.norm2),
        ]
        for a, b in pairs:
            a.load_state_dict(b.state_dict())
    return ours, ref


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("B", [1, 3])
def test_block_equals_torch_encoder_layer(norm_first, B):
    ours, ref = _block_pair(norm_first)
    x = torch.randn(B, 6, 16, dtype=torch.float64)
    mask = causal_mask(6)
    out, weights = ours(x, mask)
    assert weights is None  # not asked for
    torch.testing.assert_close(out, ref(x, src_mask=~mask), **TOL)  # torch: True = blocked
    out_w, weights = ours(x, mask, need_weights=True)
    torch.testing.assert_close(out_w, out, **TOL)
    assert weights.shape == (B, 4, 6, 6)
    torch.testing.assert_close(ours(x)[0], ref(x), **TOL)  # no mask


# --- the GPT ----------------------------------------------------------------------------------


def _gpt(**overrides) -> GPT:
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    for key, value in overrides.items():
        setattr(config, key, value)
    return GPT(config)


def test_gpt_logits_shape_and_parameter_count():
    model = _gpt()
    idx = torch.randint(0, 11, (3, 8))
    assert model(idx).shape == (3, 8, 11)
    V, T, d, L = 11, 8, 16, 2
    per_block = 2 * d + 4 * (d * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d)
    expected = V * d + T * d + L * per_block + 2 * d + V * d
    assert model.num_parameters() == expected


def test_gpt_is_causal():
    model = _gpt()
    idx = torch.randint(0, 11, (2, 8))
    changed = idx.clone()
    changed[:, 5] = (changed[:, 5] + 1) % 11
    a, b = model(idx), model(changed)
    torch.testing.assert_close(a[:, :5], b[:, :5])  # the past does not see the future
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_gpt_attention_maps_and_fused_path_agree():
    model = _gpt().double()
    idx = torch.randint(0, 11, (2, 7))
    logits, maps = model(idx, need_weights=True)
    torch.testing.assert_close(logits, model(idx), **TOL)  # textbook path = fused path
    assert len(maps) == 2 and all(m.shape == (2, 2, 7, 7) for m in maps)
    for m in maps:
        torch.testing.assert_close(m.sum(-1), torch.ones(2, 2, 7, dtype=torch.float64))
        assert (m[..., ~causal_mask(7)] == 0).all()


def test_gpt_sinusoidal_positions_have_no_parameters():
    learned, fixed = _gpt(), _gpt(positions="sinusoidal")
    assert learned.num_parameters() - fixed.num_parameters() == 8 * 16
    assert not hasattr(fixed, "wpe")
    assert fixed(torch.zeros(1, 8, dtype=torch.int64)).shape == (1, 8, 11)
    with pytest.raises(ValueError, match="'learned' or 'sinusoidal'; got 'rope'"):
        _gpt(positions="rope")


def test_gpt_rejects_bad_token_ids():
    model = _gpt()
    with pytest.raises(ValueError, match=r"shape \(B >= 1, T\); got torch.float32"):
        model(torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"shape \(B >= 1, T\); got torch.int64 \(4,\)"):
        model(torch.zeros(4, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"T must be in \[1, block_size=8\]; got 9"):
        model(torch.zeros(1, 9, dtype=torch.int64))
    # The ids' values are not read by forward (that would wait for a GPU on every call):
    # nn.Embedding itself refuses an id out of range, on the CPU with an IndexError.
    with pytest.raises(IndexError):
        model(torch.tensor([[0, 11]]))


def _scalar_reads(fn):
    """The ops of ``fn()`` that copy a value from a tensor to Python (a GPU would wait)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    seen = []

    class Record(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(str(func))
            return func(*args, **(kwargs or {}))

    with Record():
        fn()
    return [
        op for op in seen if "local_scalar_dense" in op or op.startswith(("aten.min", "aten.max"))
    ]


def test_forward_and_a_cached_step_read_no_value_from_the_data():
    model = _gpt()
    idx = torch.randint(0, 11, (2, 8))
    assert _scalar_reads(lambda: model(idx)) == []
    assert _scalar_reads(lambda: model(idx, need_weights=True)) == []
    caches = [KVCache() for _ in model.blocks]
    assert _scalar_reads(lambda: model(idx[:, :5], cache=caches)) == []
    assert _scalar_reads(lambda: model(idx[:, 5:6], cache=caches)) == []


def test_the_blocks_inside_a_gpt_do_not_check_again(monkeypatch):
    from dlcourse import guards

    calls = []

    def check(layer, x):
        calls.append(type(layer).__name__)
        if x.ndim != 2:
            raise ValueError(f"x must be 2-D; got {x.ndim}")

    class Inner(nn.Module):
        @guards.checked_by(check)
        def forward(self, x):
            return x + 1

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Inner(), Inner()])

        @guards.checked_by(check)
        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    assert Outer()(torch.zeros(2, 3)).eq(2).all()
    assert calls == ["Outer"]  # once, at the entry
    calls.clear()
    Inner()(torch.zeros(2, 3))
    assert calls == ["Inner"]  # alone, a layer checks its own input
    with pytest.raises(ValueError, match="x must be 2-D"):
        Outer()(torch.zeros(3))
    calls.clear()

    class Boom(nn.Module):
        @guards.checked_by(check)
        def forward(self, x):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):  # an error inside the forward leaves no state behind
        Boom()(torch.zeros(1, 1))
    Inner()(torch.zeros(1, 1))
    assert calls == ["Boom", "Inner"]
    with pytest.raises(TypeError, match="check must be a function"):
        guards.checked_by(3)


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
@pytest.mark.parametrize("prompt", [1, 3, 8, 11])
def test_generate_with_and_without_the_cache_draws_the_same_tokens(positions, prompt):
    model = _gpt(positions=positions).double()
    start = torch.randint(0, 11, (3, prompt), generator=torch.Generator().manual_seed(prompt))

    def draw(use_cache):
        g = torch.Generator().manual_seed(5)
        return model.generate(start, 12, generator=g, use_cache=use_cache)

    assert torch.equal(draw(True), draw(False))


def test_cached_logits_equal_the_full_forward():
    model = _gpt(n_layer=2).double().eval()
    idx = torch.randint(0, 11, (2, 8))
    caches = [KVCache() for _ in model.blocks]
    steps = [model(idx[:, :3], cache=caches)] + [
        model(idx[:, t : t + 1], cache=caches) for t in range(3, 8)
    ]
    torch.testing.assert_close(torch.cat(steps, 1), model(idx), **TOL)
    assert caches[0].length == caches[1].length == 8
    with pytest.raises(ValueError, match=r"T must be in \[1, block_size=8 - 8 cached\]; got 1"):
        model(idx[:, :1], cache=caches)
    with pytest.raises(TypeError, match="cache must be a list of n_layer=2 KVCache"):
        model(idx, cache=caches[:1])


def test_tied_weights_share_one_matrix():
    tied = _gpt(tie_weights=True)
    assert tied.lm_head.weight is tied.wte.weight
    assert _gpt().num_parameters() - tied.num_parameters() == 11 * 16
    state = tied.state_dict()
    copy = _gpt(tie_weights=True)
    copy.load_state_dict(state)
    assert copy.lm_head.weight is copy.wte.weight


def test_blocks_refuse_another_dtype_by_name():
    with pytest.raises(TypeError, match="x must hold floating-point numbers of dtype"):
        Block(8, 2)(torch.zeros(2, 5, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, n_embd=8\); got \(2, 0, 8\)"):
        Block(8, 2)(torch.zeros(2, 0, 8))


def test_gpt_learns_a_repeating_pattern():
    model = _gpt(n_layer=1)
    pattern = torch.tensor([1, 4, 2, 8, 5, 7] * 20)
    x = torch.stack([pattern[i : i + 8] for i in range(6)])
    y = torch.stack([pattern[i + 1 : i + 9] for i in range(6)])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = lm_loss(model(x), y).item()
    for _ in range(150):
        loss = lm_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert first > 2.0 and loss.item() < 0.05
    out = model.generate(pattern[:3].view(1, -1), 12, top_k=1)
    assert out[0].tolist() == pattern[:15].tolist()


def test_generate_is_reproducible_and_slides_the_context():
    model = _gpt()
    start = torch.zeros(2, 1, dtype=torch.int64)
    a = model.generate(start, 20, generator=torch.Generator().manual_seed(1))
    b = model.generate(start, 20, generator=torch.Generator().manual_seed(1))
    assert a.shape == (2, 21) and torch.equal(a, b)  # longer than block_size=8: it slides
    assert model.training  # generate restores the mode it found
    greedy = model.generate(start, 1, top_k=1)
    assert greedy[0, 1] == model(start)[0, -1].argmax()
    with pytest.raises(
        ValueError, match="temperature must be a finite real number >= 1e-06; got 0"
    ):
        model.generate(start, 1, temperature=0)


def test_state_dict_round_trip(tmp_path):
    model = _gpt()
    torch.save(model.state_dict(), tmp_path / "gpt.pt")
    copy = GPT(model.config)
    copy.load_state_dict(torch.load(tmp_path / "gpt.pt", weights_only=True))
    idx = torch.randint(0, 11, (1, 8))
    torch.testing.assert_close(copy(idx), model(idx))


def test_lm_loss_flattens_positions():
    logits = torch.randn(2, 5, 7)
    targets = torch.randint(0, 7, (2, 5))
    expected = nn.functional.cross_entropy(logits.transpose(1, 2), targets)
    torch.testing.assert_close(lm_loss(logits, targets), expected)
    torch.testing.assert_close(lm_loss(logits.flatten(0, 1), targets), expected)
    with pytest.raises(
        ValueError, match=r"logits \(2, 5, 7\) give 10 positions, targets \(2, 4\) 8"
    ):
        lm_loss(logits, targets[:, :4])
    with pytest.raises(ValueError, match=r"targets must be token ids in \[0, V=7\)"):
        lm_loss(logits, torch.full((2, 5), 7))
    with pytest.raises(TypeError, match="targets must hold integer token ids"):
        lm_loss(logits, targets.float())


def test_config_block_and_generate_name_the_bad_argument():
    with pytest.raises(ValueError, match="n_head must divide n_embd; got n_embd=8, n_head=3"):
        GPTConfig(n_head=3, n_embd=8)
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    config.n_layer = 2.5  # changed after it was checked: GPT checks again
    with pytest.raises(TypeError, match=r"config.n_layer must be an integer"):
        GPT(config)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, n_embd=8\)"):
        Block(8, 2)(torch.zeros(2, 5, 7))
    with pytest.raises(ValueError, match="n_head must divide n_embd"):
        Block(8, 3)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8))
    start = torch.zeros(1, 1, dtype=torch.int64)
    with pytest.raises(TypeError, match="max_new_tokens must be an integer"):
        model.generate(start, 2.0)
    with pytest.raises(ValueError, match=r"idx: token ids must be in \[0, vocab_size=11\)"):
        model.generate(torch.tensor([[11]]), 0)
    with pytest.raises(ValueError, match="top_k must be an integer >= 1"):
        model.generate(start, 1, top_k=0)
