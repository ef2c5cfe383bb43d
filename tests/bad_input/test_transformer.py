"""Bad input for dlcourse.transformer.

A small GPT
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Choice, Count, Flag, Opaque, Other, Probability
from bad_input.registry import Registry
from bad_input.values import POSITIVE, accept_any
from dlcourse import attention, transformer

RECIPES = Registry()
register = RECIPES.register

register(transformer.sinusoidal_positions, T=(8, Count(1)), d_model=(16, Count(2)))
STREAM = Other(
    bad_values=(
        None,
        "x",
        np.zeros((2, 5, 8)),
        torch.zeros(2, 5, 7),
        torch.zeros(2, 5, 8, dtype=torch.long),
        torch.zeros(5, 8)[0, :3],
    ),
)
register(transformer.MLP, n_embd=(8, Count(1)), bias=(True, Flag()), dropout=(0.0, Probability()))
register(
    transformer.MLP.forward,
    call=lambda self, x: self(x),
    self=(transformer.MLP(8), Opaque()),
    x=(torch.randn(2, 5, 8), STREAM),
)
register(
    transformer.Block,
    n_embd=(8, Count(1)),
    n_head=(2, Count(1)),
    bias=(True, Flag()),
    dropout=(0.0, Probability()),
    norm_first=(True, Flag()),
)
register(
    transformer.Block.forward,
    call=lambda self, x, mask, need_weights, is_causal, cache: self(
        x, mask, need_weights, is_causal, cache
    ),
    self=(transformer.Block(8, 2), Opaque()),
    x=(
        torch.randn(2, 5, 8),
        Other(
            bad_values=(
                *STREAM.bad_values,
                torch.zeros(5, 8),
                torch.zeros(2, 0, 8),
                torch.zeros(2, 5, 8, dtype=torch.float64),
            )
        ),
    ),
    mask=(
        attention.causal_mask(5),
        Other(
            bad_values=("m", torch.ones(3, 3, dtype=torch.bool), torch.ones(5, 5)), optional=True
        ),
    ),
    need_weights=(False, Flag()),
    is_causal=(False, Flag()),
    cache=(None, Other(bad_values=(3, "c", []), optional=True)),
)
register(
    transformer.GPTConfig,
    vocab_size=(11, Count(1)),
    block_size=(8, Count(1)),
    n_layer=(1, Count(1)),
    n_head=(2, Count(1)),
    n_embd=(8, Count(1)),
    dropout=(0.0, Probability()),
    bias=(True, Flag()),
    positions=("learned", Choice(("learned", "sinusoidal"))),
    norm_first=(True, Flag()),
    tie_weights=(False, Flag()),
    ok=accept_any,
)


def tiny_config(**changes):
    config = transformer.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    for name, value in changes.items():  # after construction: as a user might change one
        setattr(config, name, value)
    return config


register(
    transformer.GPT,
    config=(
        tiny_config(),
        Other(
            bad_values=(
                None,
                3,
                "config",
                {"vocab_size": 11},
                tiny_config(n_head=3),
                tiny_config(positions="rope"),
                tiny_config(n_layer=2.5),
            )
        ),
    ),
)
GPT_TINY = transformer.GPT(tiny_config())
TOKENS = Other(
    bad_values=(
        None,
        "ids",
        np.zeros((2, 4), dtype=int),
        torch.zeros(2, 4),
        torch.zeros(4, dtype=torch.int64),
        torch.zeros(2, 9, dtype=torch.int64),
        torch.zeros(0, 4, dtype=torch.int64),
    ),
)
# Ids out of [0, vocab_size): forward does not read the data to check them (a GPU would wait on
# every call); nn.Embedding refuses them itself. generate checks them once per call.
OUT_OF_VOCAB = (torch.tensor([[0, 11]]), torch.tensor([[-1, 0]]))
register(
    transformer.GPT.forward,
    call=lambda self, idx, need_weights, cache: self(idx, need_weights=need_weights, cache=cache),
    self=(GPT_TINY, Opaque()),
    idx=(torch.randint(0, 11, (2, 5)), TOKENS),
    need_weights=(False, Flag()),
    cache=(None, Other(bad_values=(3, "c", [], [attention.KVCache()] * 2), optional=True)),
)
register(
    transformer.GPT.generate,
    call=lambda self, **kw: self.generate(**kw),
    self=(GPT_TINY, Opaque()),
    idx=(
        torch.zeros(2, 1, dtype=torch.int64),
        Other(
            bad_values=tuple(
                v
                for v in (*TOKENS.bad_values, *OUT_OF_VOCAB)
                if not (isinstance(v, torch.Tensor) and v.shape == (2, 9))
            )
        ),  # longer than block_size: fine
    ),
    max_new_tokens=(3, Count(0)),
    temperature=(1.0, POSITIVE),
    top_k=(None, Count(1, optional=True)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
    use_cache=(True, Flag()),
)
register(
    transformer.GPT.num_parameters,
    call=lambda self: self.num_parameters(),
    self=(GPT_TINY, Opaque()),
)
register(
    transformer.lm_loss,
    logits=(
        torch.randn(2, 5, 7),
        Other(
            bad_values=(
                None,
                "l",
                np.zeros((2, 5, 7)),
                torch.zeros(2, 5, 7, dtype=torch.long),
                torch.zeros(()),
                torch.zeros(2, 5, 0),
                torch.zeros(2, 4, 7),
            )
        ),
    ),
    targets=(
        torch.randint(0, 7, (2, 5)),
        Other(
            bad_values=(
                None,
                "t",
                np.zeros((2, 5), dtype=int),
                torch.zeros(2, 5),
                torch.zeros(2, 4, dtype=torch.int64),
                torch.full((2, 5), 7),
                torch.full((2, 5), -1),
            )
        ),
    ),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
