"""dlcourse.transformer: cases that mutation testing (mutmut) found unchecked."""

from __future__ import annotations

import math

import pytest
import torch

from dlcourse import transformer


def test_the_smallest_sinusoidal_encoding_has_one_sine_and_one_cosine():
    """d_model = 2 is allowed: one frequency, 1 (speed 10000^0), as sin and cos."""
    pe = transformer.sinusoidal_positions(4, 2)
    t = torch.arange(4, dtype=torch.float32)
    torch.testing.assert_close(pe, torch.stack([torch.sin(t), torch.cos(t)], dim=1))
    with pytest.raises(ValueError):
        transformer.sinusoidal_positions(4, 1)
    assert math.isclose(float(pe[1, 0]), math.sin(1.0), rel_tol=1e-6)


def test_bias_false_reaches_every_layer_and_bias_true_is_the_mlps_default():
    assert transformer.MLP(8).fc.bias is not None
    model = transformer.GPT(transformer.GPTConfig(n_embd=16, n_head=2, bias=False))
    assert not [name for name, _ in model.named_parameters() if name.endswith("bias")]
    assert model.ln_f.bias is None and model.blocks[0].mlp.fc.bias is None


def test_the_sinusoidal_table_is_a_buffer_outside_the_state_dict():
    model = transformer.GPT(transformer.GPTConfig(positions="sinusoidal"))
    assert "pe" in dict(model.named_buffers())
    assert "pe" not in model.state_dict()  # computed again at construction, never saved


def test_gpt_initial_weights_have_gpt2s_scales():
    """Weights N(0, 0.02); the residual projections N(0, 0.02 / sqrt(2 * n_layer))."""
    torch.manual_seed(0)
    L = 8
    model = transformer.GPT(transformer.GPTConfig(n_layer=L, n_embd=64, vocab_size=500))
    residual = torch.cat(
        [p.flatten() for b in model.blocks for p in (b.attn.out_proj.weight, b.mlp.proj.weight)]
    )
    assert abs(residual.std().item() / (0.02 / math.sqrt(2 * L)) - 1) < 0.1
    assert abs(model.blocks[0].mlp.fc.weight.std().item() / 0.02 - 1) < 0.1
    assert abs(model.wte.weight.std().item() / 0.02 - 1) < 0.1  # the embeddings too


def test_sinusoidal_positions_need_an_even_n_embd():
    transformer.GPTConfig(positions="learned", n_embd=15, n_head=3)  # odd is fine when learned
    with pytest.raises(ValueError, match="n_embd"):
        transformer.GPTConfig(positions="sinusoidal", n_embd=15, n_head=3)


def test_lm_loss_takes_a_single_position():
    """logits (V,) with one target: the (..., V) of the docstring with no leading axis."""
    logits = torch.tensor([0.5, -1.0, 2.0, 0.0])
    expected = torch.nn.functional.cross_entropy(logits[None], torch.tensor([2]))
    torch.testing.assert_close(transformer.lm_loss(logits, torch.tensor(2)), expected)


def test_a_cache_entry_of_the_wrong_type_is_named_by_its_index():
    model = transformer.GPT(transformer.GPTConfig(n_layer=2))
    idx = torch.zeros(1, 3, dtype=torch.long)
    with pytest.raises(TypeError, match=r"^cache\[1\] "):
        model(idx, cache=[transformer.KVCache(), object()])
