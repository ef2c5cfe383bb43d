"""dlcourse.attention: cases that mutation testing (mutmut) found unchecked."""

from __future__ import annotations

import pytest
import torch

from dlcourse import attention


def test_the_kv_cache_refuses_keys_without_a_heads_axis():
    cache = attention.KVCache()
    k = torch.zeros(2, 3, 4)  # (B, T, d_k): no heads axis
    with pytest.raises(ValueError, match=r"^k must have shape \(B, heads, T >= 1, d_k\)"):
        cache.append(k, k.clone())
    assert cache.k is None


def test_bias_false_leaves_every_projection_without_a_bias():
    layer = attention.MultiHeadSelfAttention(8, 2, bias=False)
    assert [name for name, _ in layer.named_parameters() if name.endswith("bias")] == []
    assert all(
        p.bias is not None
        for p in attention.MultiHeadSelfAttention(8, 2).children()
        if isinstance(p, torch.nn.Linear)
    )
