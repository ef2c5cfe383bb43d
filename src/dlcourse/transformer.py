"""A small decoder-only transformer (a GPT), meant to be read top to bottom.

The order follows nanoGPT's ``model.py``: positional encodings, the MLP, the transformer block,
the configuration, and the model, whose ``forward`` maps token ids (B, T) to next-token logits
(B, T, vocab_size) and whose ``generate`` samples text one token at a time. The attention is
``dlcourse.attention.MultiHeadSelfAttention`` with a causal mask: position t sees 0..t only.

Inputs are checked once, where they come in (``GPT`` checks the token ids' shape and dtype, and
the blocks inside it trust what it hands them: ``dlcourse.guards.checked_by``); nothing reads
the data to check it, so a forward pass never waits for a GPU. Bad values: a NaN propagates as
in torch (docs/notation.md, "Bad values").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import checks
from dlcourse.attention import KVCache, MultiHeadSelfAttention
from dlcourse.checks import (
    MAX_COUNT,
    check_bool,
    check_count,
    check_instance,
    check_probability,
    check_real,
    check_size,
)
from dlcourse.guards import checked_by

__all__ = ["GPT", "Block", "GPTConfig", "MLP", "lm_loss", "sinusoidal_positions"]

MIN_TEMPERATURE = 1e-6  # GPT.generate's lowest temperature


def _weights(what: str, n: int) -> None:
    # GPT-2 small alone has 124 million weights (built on the meta device in chapter 15):
    # a model may be ten times past the package's limit for one array.
    check_size(what, n, limit=10 * checks.MAX_ELEMENTS)


def _check_stream(x: torch.Tensor, n_embd: int, dtype: torch.dtype, block: bool) -> None:
    """x must be a floating-point (..., n_embd) tensor of the model's dtype; (B, T, n_embd),
    not empty, for a block."""
    check_instance("x", x, torch.Tensor)
    if not x.is_floating_point() or x.dtype != dtype:
        raise TypeError(f"x must hold floating-point numbers of dtype {dtype}; got {x.dtype}")
    shape = "(B, T, n_embd" if block else "(..., n_embd"
    if (x.ndim != 3 or x.numel() == 0) if block else x.ndim < 1:
        raise ValueError(f"x must have shape {shape}={n_embd}); got {tuple(x.shape)}")
    if x.shape[-1] != n_embd:
        raise ValueError(f"x must have shape {shape}={n_embd}); got {tuple(x.shape)}")


def _check_mlp_input(mlp: MLP, x: torch.Tensor) -> None:
    _check_stream(x, mlp.n_embd, mlp.fc.weight.dtype, block=False)


def _check_block_input(block: Block, x, mask=None, need_weights=False, is_causal=False, cache=None):
    _check_stream(x, block.n_embd, block.ln_1.weight.dtype, block=True)
    block.attn.check_input(x, mask, need_weights, is_causal, cache)


def sinusoidal_positions(T: int, d_model: int) -> torch.Tensor:
    """The fixed positional encodings of the 2017 transformer, (T, d_model).

    PE[t, 2i] = sin(t / 10000^(2i / d_model)) and PE[t, 2i + 1] = cos(same angle): each pair of
    columns is a clock turning at its own speed, from one turn every 2 pi positions down to
    one every 10000 * 2 pi positions, so every position gets a distinct pattern.
    """
    T = check_count("T", T, min=0)
    d_model = check_count("d_model", d_model, min=0)
    if T < 1 or d_model < 2 or d_model % 2:
        raise ValueError(f"need T >= 1 and an even d_model >= 2; got T={T}, d_model={d_model}")
    check_size("the encodings (T * d_model)", T * d_model)
    t = torch.arange(T, dtype=torch.float32)[:, None]  # (T, 1)
    speeds = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d/2,)
    pe = torch.zeros(T, d_model)
    pe[:, 0::2] = torch.sin(t * speeds)
    pe[:, 1::2] = torch.cos(t * speeds)
    return pe


class MLP(nn.Module):
    """Position-wise feed-forward: each position alone, d -> 4d -> GELU -> d."""

    def __init__(self, n_embd: int, bias: bool = True, dropout: float = 0.0):
        super().__init__()
        n_embd = check_count("n_embd", n_embd)
        bias, dropout = check_bool("bias", bias), check_probability("dropout", dropout)
        _weights("the MLP's weights (8 * n_embd**2)", 8 * n_embd**2 + 5 * n_embd)
        self.n_embd = n_embd
        self.fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.drop = nn.Dropout(dropout)

    @checked_by(_check_mlp_input)
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., n_embd) -> (..., n_embd), each position on its own."""
        return self.drop(self.proj(F.gelu(self.fc(x))))


class Block(nn.Module):
    """One transformer block: attention (positions talk), then an MLP (each position thinks).

    Each sub-layer is added to a residual stream. Pre-norm (``norm_first=True``, GPT-2 and
    later) normalises the sub-layer's input and leaves the stream itself untouched; post-norm
    (the 2017 original) normalises the stream after each addition.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        bias: bool = True,
        dropout: float = 0.0,
        norm_first: bool = True,
    ):
        super().__init__()
        n_embd = check_count("n_embd", n_embd)
        n_head = check_count("n_head", n_head)
        bias, dropout = check_bool("bias", bias), check_probability("dropout", dropout)
        self.norm_first = check_bool("norm_first", norm_first)
        if n_embd % n_head:
            raise ValueError(f"n_head must divide n_embd; got n_embd={n_embd}, n_head={n_head}")
        _weights("the block's weights (12 * n_embd**2)", 12 * n_embd**2 + 13 * n_embd)
        self.n_embd = n_embd
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = MultiHeadSelfAttention(n_embd, n_head, bias=bias)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, bias=bias, dropout=dropout)
        self.drop = nn.Dropout(dropout)

    @checked_by(_check_block_input)
    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        is_causal: bool = False,
        cache: KVCache | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, T, n_embd) -> (x (B, T, n_embd), attention weights (B, heads, T, T) or None).

        ``mask``, ``need_weights``, ``is_causal`` and ``cache`` go to the attention
        (``MultiHeadSelfAttention.forward``)."""
        if self.norm_first:
            a, weights = self.attn(self.ln_1(x), mask, need_weights, is_causal, cache)
            x = x + self.drop(a)
            x = x + self.mlp(self.ln_2(x))
        else:
            a, weights = self.attn(x, mask, need_weights, is_causal, cache)
            x = self.ln_1(x + self.drop(a))
            x = self.ln_2(x + self.mlp(x))
        return x, weights


@dataclass
class GPTConfig:
    """The sizes of a ``GPT``; checked when made and again when a model is built from it."""

    vocab_size: int = 100
    block_size: int = 32  # the longest context the model sees, in tokens
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0
    bias: bool = True
    positions: str = "learned"  # or "sinusoidal": fixed, nothing to learn
    norm_first: bool = True  # pre-norm; False: post-norm, as in the 2017 transformer
    tie_weights: bool = False  # True: lm_head reuses wte's matrix, as in GPT-2

    def __post_init__(self) -> None:
        _check_config(self)


def _check_config(c: GPTConfig, p: str = "") -> None:
    """Check every field; ``p`` prefixes their names in errors ("config." for GPT's argument)."""
    for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
        check_count(p + name, getattr(c, name))
    check_probability(p + "dropout", c.dropout)
    check_bool(p + "bias", c.bias)
    check_bool(p + "norm_first", c.norm_first)
    check_bool(p + "tie_weights", c.tie_weights)
    if not isinstance(c.positions, str) or c.positions not in ("learned", "sinusoidal"):
        raise ValueError(f"{p}positions must be 'learned' or 'sinusoidal'; got {c.positions!r}")
    if c.n_embd % c.n_head:
        raise ValueError(
            f"{p}n_head must divide {p}n_embd; got n_embd={c.n_embd}, n_head={c.n_head}"
        )
    if c.positions == "sinusoidal" and c.n_embd % 2:
        raise ValueError(f"sinusoidal positions need an even {p}n_embd; got {c.n_embd}")
    _weights(
        f"the model's weights ({p}vocab_size, {p}block_size, {p}n_layer and {p}n_embd)",
        12 * c.n_layer * c.n_embd**2 + (2 * c.vocab_size + c.block_size) * c.n_embd,
    )


def _check_tokens(model: GPT, idx, need_weights=False, cache=None, any_length=False) -> None:
    """idx: integer token ids (B, T), 1 <= T <= the room left in the context. Shapes and dtype
    only: the ids' values are not read (that would wait for a GPU on every forward)."""
    check_instance("idx", idx, torch.Tensor)
    if idx.ndim != 2 or idx.dtype not in (torch.int64, torch.int32) or idx.shape[0] == 0:
        raise ValueError(
            f"idx must be integer token ids of shape (B >= 1, T); got {idx.dtype} "
            f"{tuple(idx.shape)}"
        )
    check_bool("need_weights", need_weights)
    seen = 0
    if cache is not None:
        if not isinstance(cache, list) or len(cache) != model.config.n_layer:
            raise TypeError(
                f"cache must be a list of n_layer={model.config.n_layer} KVCache (one per "
                f"block), or None; got {checks.describe(cache)}"
            )
        for i, layer_cache in enumerate(cache):
            check_instance(f"cache[{i}]", layer_cache, KVCache)
        seen = cache[0].length
    room = MAX_COUNT if any_length else model.config.block_size - seen
    if not 1 <= idx.shape[1] <= room:
        raise ValueError(
            f"idx: T must be in [1, block_size={model.config.block_size}"
            + (f" - {seen} cached" if seen else "")
            + f"]; got {idx.shape[1]}"
        )


def _check_generate(
    model: GPT, idx, max_new_tokens, temperature, top_k, generator, use_cache
) -> None:
    _check_tokens(model, idx, any_length=True)  # longer than block_size is fine
    low, high = int(idx.min()), int(idx.max())  # once per call, not once per token
    if low < 0 or high >= model.config.vocab_size:
        raise ValueError(
            f"idx: token ids must be in [0, vocab_size={model.config.vocab_size}); "
            f"got min {low}, max {high}"
        )
    max_new_tokens = check_count("max_new_tokens", max_new_tokens, min=0)
    check_size(
        "the output (B * (T + max_new_tokens))", idx.shape[0] * (idx.shape[1] + max_new_tokens)
    )
    # Below MIN_TEMPERATURE, logits / temperature overflows to inf (NaN probabilities), and
    # sampling is the argmax anyway: top_k=1 asks for that.
    check_real("temperature", temperature, min=MIN_TEMPERATURE)
    if top_k is not None:
        check_count("top_k", top_k)
    if generator is not None:
        check_instance("generator", generator, torch.Generator)
    check_bool("use_cache", use_cache)


class GPT(nn.Module):
    """A decoder-only transformer language model: token ids (B, T) -> logits (B, T, vocab)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        check_instance("config", config, GPTConfig)
        _check_config(config, "config.")  # again: its fields may have changed since
        self.config = c = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)  # token embeddings
        if c.positions == "learned":
            self.wpe = nn.Embedding(c.block_size, c.n_embd)  # one learned vector per position
        else:
            self.register_buffer("pe", sinusoidal_positions(c.block_size, c.n_embd), False)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(
            Block(c.n_embd, c.n_head, c.bias, c.dropout, c.norm_first) for _ in range(c.n_layer)
        )
        self.ln_f = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        if c.tie_weights:  # GPT-2: one matrix reads the tokens in and scores them out
            self.lm_head.weight = self.wte.weight

        # Small random weights (GPT-2's init). The layers that write into the residual stream
        # are scaled by 1/sqrt(2 n_layer): the stream still grows from block to block, but what
        # the 2 n_layer sub-layers add up to at the end stays about the same whatever the depth.
        self.apply(self._init_weights)
        for block in self.blocks:
            for proj in (block.attn.out_proj, block.mlp.proj):
                nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * c.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def num_parameters(self) -> int:
        """The number of trainable parameters (a tied matrix counts once)."""
        return sum(p.numel() for p in self.parameters())

    @checked_by(_check_tokens)
    def forward(self, idx: torch.Tensor, need_weights: bool = False, cache=None):
        """Next-token logits for token ids ``idx`` (B, T), T <= block_size.

        Returns logits (B, T, vocab_size): row t scores the token that follows idx[:, :t+1].
        With ``need_weights=True``, returns ``(logits, [weights (B, heads, T, T) per layer])``.
        ``cache``: a list of one ``KVCache`` per block (``generate`` uses it): ``idx`` then
        holds the positions that follow the cached ones. Ids must lie in [0, vocab_size); they
        are not read to check it (``nn.Embedding`` raises an IndexError on the CPU).
        """
        B, T = idx.shape
        start = cache[0].length if cache else 0  # positions already in the cache
        pe = self.wpe.weight if self.config.positions == "learned" else self.pe
        x = self.drop(self.wte(idx) + pe[start : start + T])  # (B, T, n_embd): what, and where
        maps = []
        for i, block in enumerate(self.blocks):
            x, weights = block(x, None, need_weights, True, cache[i] if cache else None)
            maps.append(weights)
        logits = self.lm_head(self.ln_f(x))  # (B, T, vocab_size)
        return (logits, maps) if need_weights else logits

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
        use_cache: bool = True,
    ) -> torch.Tensor:
        """Extend ``idx`` (B, T) by ``max_new_tokens`` sampled tokens; returns (B, T + new).

        Each step feeds the last ``block_size`` tokens, divides the last position's logits by
        ``temperature`` (below 1: safer, above 1: more adventurous), keeps the ``top_k`` most
        likely tokens if asked, and draws one token from the softmax. ``use_cache`` keeps each
        block's keys and values (``KVCache``), so that a step feeds only the newest token, until
        the context is full; the tokens drawn are the same either way.
        """
        _check_generate(self, idx, max_new_tokens, temperature, top_k, generator, use_cache)
        was_training = self.training
        self.eval()
        block_size = self.config.block_size
        cache = [KVCache() for _ in self.blocks] if use_cache else None
        for _ in range(max_new_tokens):
            if cache and cache[0].length == block_size:
                cache = None  # from here the window slides: every position changes, no reuse
            fed = idx[:, -1:] if cache and cache[0].length else idx[:, -block_size:]
            logits = self(fed, cache=cache)[:, -1, :] / temperature  # (B, vocab_size)
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = torch.softmax(logits, dim=-1)
            next_id = torch.multinomial(probs.cpu(), 1, generator=generator).to(idx.device)
            idx = torch.cat([idx, next_id], dim=1)
        self.train(was_training)
        return idx


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of next-token ``logits`` (..., V) against ``targets`` (...), in nats.

    The positions may come flattened on one side and not the other, e.g. logits (B * T, V)
    with targets (B, T): what counts is one target per row of logits.
    """
    check_instance("logits", logits, torch.Tensor)
    check_instance("targets", targets, torch.Tensor)
    if not logits.is_floating_point():
        raise TypeError(f"logits must hold floating-point scores; got dtype {logits.dtype}")
    if targets.is_floating_point() or targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(f"targets must hold integer token ids; got dtype {targets.dtype}")
    if logits.ndim < 1 or logits.shape[-1] == 0 or logits.numel() == 0:
        raise ValueError(f"logits must have shape (..., V) with V >= 1; got {tuple(logits.shape)}")
    V = logits.shape[-1]
    if logits.numel() // V != targets.numel():
        raise ValueError(
            f"one target per position: logits {tuple(logits.shape)} give "
            f"{logits.numel() // V} positions, targets {tuple(targets.shape)} {targets.numel()}"
        )
    if targets.min() < 0 or targets.max() >= V:
        raise ValueError(
            f"targets must be token ids in [0, V={V}) (V: the last axis of logits); "
            f"got min {int(targets.min())}, max {int(targets.max())}"
        )
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
