"""Bad input for dlcourse.attention."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Flag, Fresh, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import DEVICE_ARG, accept_any
from dlcourse import attention

RECIPES = Registry()
register = RECIPES.register

QKV = torch.randn(2, 5, 4)  # batch 2, 5 positions, d_k = 4
QKV_KIND = Other(
    bad_values=(
        None,
        "q",
        np.zeros((2, 5, 4)),
        torch.zeros(5),
        torch.zeros(2, 5, 0),
        torch.zeros(2, 5, 4, dtype=torch.float64),
        torch.zeros(2, 5, 4, dtype=torch.int64),
    )
)
register(
    attention.scaled_dot_product_attention,
    q=(QKV, QKV_KIND),
    k=(QKV, QKV_KIND),
    v=(QKV, QKV_KIND),
    mask=(
        None,
        Other(
            bad_values=("m", torch.ones(3, 3, dtype=torch.bool), np.ones((5, 5), dtype=bool)),
            optional=True,
        ),
    ),
)
register(attention.causal_mask, T=(5, Count(1)), device=(None, DEVICE_ARG))
register(
    attention.padding_mask,
    lengths=([5, 3], Other(bad_values=(None, "ab", [6, 1], [-1, 2], [2.5, 1], [[1, 2]]))),
    T=(5, Count(1)),
    device=(None, DEVICE_ARG),
)
register(
    attention.MultiHeadSelfAttention,
    d_model=(8, Count(1)),
    num_heads=(2, Count(1)),
    bias=(True, Flag()),
)
register(
    attention.MultiHeadSelfAttention.forward,
    call=lambda self, x, mask, need_weights, is_causal, cache: self(
        x, mask=mask, need_weights=need_weights, is_causal=is_causal, cache=cache
    ),
    self=(Fresh(lambda: attention.MultiHeadSelfAttention(8, 2)), Opaque()),
    x=(
        torch.randn(2, 5, 8),
        Other(
            bad_values=(
                None,
                "x",
                torch.zeros(2, 5, 3),
                torch.zeros(5),
                torch.zeros(2, 0, 8),
                torch.zeros(2, 5, 8, dtype=torch.float64),
                torch.zeros(2, 5, 8, dtype=torch.int64),
            )
        ),
    ),
    mask=(None, Other(bad_values=("m", torch.ones(2, 2, dtype=torch.bool)), optional=True)),
    need_weights=(True, Flag()),
    is_causal=(False, Flag()),
    cache=(None, Other(bad_values=(3, "c", [], (None, None)), optional=True)),
)

register(attention.KVCache, ok=accept_any)
KV = torch.zeros(2, 2, 3, 4)  # (B, heads, T, d_k)
KV_KIND = Other(
    bad_values=(
        None,
        "k",
        np.zeros((2, 2, 3, 4)),
        torch.zeros(2, 3, 4),
        torch.zeros(2, 2, 0, 4),
        torch.zeros(2, 2, 3, 5),
        torch.zeros(2, 2, 3, 4, dtype=torch.int64),
    )
)
register(
    attention.KVCache.append,
    call=lambda self, k, v: self.append(k, v),
    self=(Fresh(attention.KVCache), Opaque()),
    k=(KV, KV_KIND),
    v=(KV, KV_KIND),
)
ATTENTION_X = Other(
    bad_values=(
        None,
        "x",
        torch.zeros(2, 5, 3),
        torch.zeros(5),
        torch.zeros(2, 0, 8),
        torch.zeros(2, 5, 8, dtype=torch.float64),
        torch.zeros(2, 5, 8, dtype=torch.int64),
    )
)
register(
    attention.MultiHeadSelfAttention.check_input,
    call=lambda self, **kw: self.check_input(**kw),
    self=(Fresh(lambda: attention.MultiHeadSelfAttention(8, 2)), Opaque()),
    x=(torch.randn(2, 5, 8), ATTENTION_X),
    mask=(None, Other(bad_values=("m", torch.ones(2, 2, dtype=torch.bool)), optional=True)),
    need_weights=(True, Flag()),
    is_causal=(False, Flag()),
    cache=(None, Other(bad_values=(3, "c", []), optional=True)),
    ok=accept_any,
)
register(
    attention.MultiHeadCrossAttention,
    d_model=(8, Count(1)),
    num_heads=(2, Count(1)),
    bias=(True, Flag()),
)
for method in ("forward", "check_input"):
    register(
        getattr(attention.MultiHeadCrossAttention, method),
        call=lambda self, method=method, **kw: getattr(self, method)(**kw),
        self=(Fresh(lambda: attention.MultiHeadCrossAttention(8, 2)), Opaque()),
        x=(torch.randn(2, 5, 8), ATTENTION_X),
        context=(torch.randn(2, 7, 8), ATTENTION_X),
        mask=(
            attention.padding_mask([7, 3], 7),
            Other(bad_values=("m", torch.ones(5, 5, dtype=torch.bool)), optional=True),
        ),
        need_weights=(True, Flag()),
        ok=accept_any,
    )

globals().update(RECIPES.tests())  # this file's tests: see registry.py
