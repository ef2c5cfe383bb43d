"""Attention: a soft dictionary lookup, written out, and the multi-head layers built on it.

``scaled_dot_product_attention`` is the formula softmax(Q K^T / sqrt(d_k)) V, step by step, and
returns the attention weights as well as the output, so they can be looked at.
``MultiHeadSelfAttention`` projects a sequence into queries, keys and values, splits them into
heads, attends in each head and mixes the heads back together; ``MultiHeadCrossAttention`` takes
its keys and values from a second sequence (a decoder reading an encoder). They equal PyTorch's
``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` (tests/test_attention.py).
``KVCache`` keeps the keys and values of the positions already seen, for generation.

Masks are boolean and mean what they mean in torch: ``True`` = this query may attend to this key.
A query whose row of the mask is all ``False`` (a padding position, say) may attend to nothing:
its weights are all zero and its output is the zero vector, as with torch's
``F.scaled_dot_product_attention`` (since PyTorch 2.5); no NaN appears, forward or backward.
(``nn.MultiheadAttention`` returns NaN there instead.)

Bad values: inputs are checked for shape and dtype, never scanned for NaN or inf; a NaN in the
input propagates to the output as it does in torch (docs/notation.md, "Bad values").
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.checks import (
    check_array,
    check_bool,
    check_count,
    check_instance,
    check_size,
)
from dlcourse.device import as_device
from dlcourse.guards import checked_by

__all__ = [
    "KVCache",
    "MultiHeadCrossAttention",
    "MultiHeadSelfAttention",
    "causal_mask",
    "padding_mask",
    "scaled_dot_product_attention",
]


def _check_mask(mask: torch.Tensor | None, scores_shape: torch.Size) -> None:
    if mask is None:
        return
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        dtype = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ValueError(f"mask must be a bool tensor (True = may attend); got {dtype}")
    try:
        broadcast = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        broadcast = None
    if broadcast != scores_shape:  # the mask may not enlarge the scores either
        raise ValueError(
            f"mask must be broadcastable to the scores' shape {tuple(scores_shape)} "
            f"(batch..., T_q, T_k); got {tuple(mask.shape)}"
        )


def _check_float(name: str, t, dtype: torch.dtype | None = None, whose: str = "q's") -> None:
    """``t`` must be a floating-point tensor (of ``dtype``, ``whose`` dtype, when given)."""
    check_instance(name, t, torch.Tensor)
    if not t.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {t.dtype}")
    if dtype is not None and t.dtype != dtype:
        raise TypeError(
            f"{name} must have {whose} dtype {dtype}; got {t.dtype} "
            "(convert one of them: layer.double() or x.float(), say)"
        )


def _check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_float(name, t, None if name == "q" else q.dtype)
        if t.numel() == 0:
            raise ValueError(f"{name} must not be empty; got shape {tuple(t.shape)}")
    if q.ndim < 2 or k.ndim != q.ndim or v.ndim != q.ndim:
        raise ValueError(
            "q, k, v must have the same number of dimensions, at least 2 (..., T, d); "
            f"got q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    if q.shape[:-2] != k.shape[:-2] or k.shape[:-2] != v.shape[:-2]:
        raise ValueError(
            "q, k, v must have the same leading (batch) dimensions; "
            f"got q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must have the same feature size d_k; got q {tuple(q.shape)}, "
            f"k {tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same length T_k (one value per key); got k {tuple(k.shape)}, "
            f"v {tuple(v.shape)}"
        )


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T / sqrt(d_k)) v, with the weights.

    Args:
        q: queries (..., T_q, d_k).
        k: keys (..., T_k, d_k).
        v: values (..., T_k, d_v). The leading (batch) dimensions of q, k, v must match, and so
            must their floating-point dtype.
        mask: bool, broadcastable to (..., T_q, T_k); ``True`` where a query may attend to a
            key. ``None``: every query sees every key.

    Returns:
        ``(out (..., T_q, d_v), weights (..., T_q, T_k))``; each row of ``weights`` sums to 1,
        except a row the mask forbids entirely, which is all zeros (and its output is zero).
    """
    _check_qkv(q, k, v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T_q, T_k)
    if mask is None:
        weights = torch.softmax(scores, dim=-1)  # each row: how much each key counts
    else:
        _check_mask(mask, scores.shape)
        mask = mask.expand(scores.shape)
        scores = scores.masked_fill(~mask, float("-inf"))  # exp(-inf) = 0: no weight there
        # A row with no allowed key would be softmax of all -inf = 0/0 = NaN. Give such rows
        # finite scores first, then zero their weights: no NaN forward nor backward.
        allowed = mask.any(dim=-1, keepdim=True)  # (..., T_q, 1)
        weights = torch.softmax(scores.masked_fill(~allowed, 0.0), dim=-1) * allowed
    return weights @ v, weights  # (..., T_q, d_v): a weighted mean of the values


def causal_mask(T: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(T, T) bool, lower triangular: position t may attend to positions 0..t, never the future."""
    T = check_count("T", T)
    check_size("the mask (T * T)", T * T)
    device = None if device is None else as_device(device)
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def padding_mask(lengths, T: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(B, 1, 1, T) bool: ``True`` on the first ``lengths[b]`` positions of sequence b.

    The two singleton dimensions broadcast over heads and queries: every query may attend to
    the real tokens of its sequence and to none of the padding after them.
    """
    T = check_count("T", T)
    device = None if device is None else as_device(device)
    lengths = check_array("lengths", lengths, ndim=1, shape="(B,)", dtype=None)
    if lengths.dtype.kind not in "iu" or (lengths < 0).any() or (lengths > T).any():
        raise ValueError(f"lengths must be integers in [0, T] = [0, {T}]; got {lengths.tolist()}")
    check_size("the mask (B * T)", len(lengths) * T)
    lengths = torch.as_tensor(lengths, device=device)
    positions = torch.arange(T, device=lengths.device)
    return (positions[None, :] < lengths[:, None])[:, None, None, :]


class KVCache:
    """The keys and values that one attention layer has computed so far, for generation.

    A language model generates one token at a time. Without a cache every step recomputes the
    keys and values of the whole context; with it, a step computes them for the new token only
    and attends over what the cache holds. ``length`` is the number of positions it holds.
    """

    def __init__(self):
        self.k: torch.Tensor | None = None  # (B, heads, length, d_k)
        self.v: torch.Tensor | None = None

    @property
    def length(self) -> int:
        return 0 if self.k is None else self.k.shape[-2]

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add the keys and values (B, heads, T, d_k) of T new positions; return all of them,
        (B, heads, length, d_k) each, oldest first."""
        _check_float("k", k, None if self.k is None else self.k.dtype, "the cache's")
        for name, t in (("k", k), ("v", v)):
            _check_float(name, t, k.dtype, "k's")
            if t.ndim != 4 or t.shape[-2] == 0 or t.shape != k.shape:
                raise ValueError(
                    f"{name} must have shape (B, heads, T >= 1, d_k), the same for k and v; "
                    f"got k {tuple(k.shape)}, v {tuple(v.shape)}"
                )
        held = self.k
        if held is not None and (k.shape[:2], k.shape[-1]) != (held.shape[:2], held.shape[-1]):
            raise ValueError(
                f"k must match the cached keys {tuple(self.k.shape)} in (B, heads, ., d_k); "
                f"got {tuple(k.shape)}"
            )
        self.k = k if self.k is None else torch.cat([self.k, k], dim=-2)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=-2)
        return self.k, self.v


def _check_input(layer, x, context, mask, need_weights, is_causal, cache) -> None:
    """The input checks of both layers: shapes and dtypes only, nothing read from the data."""
    dtype = layer.q_proj.weight.dtype
    for name, t in (("x", x),) + ((("context", context),) if context is not None else ()):
        _check_float(name, t, dtype, "the layer's")
        if t.ndim != 3 or t.shape[-1] != layer.d_model or t.shape[0] == 0 or t.shape[1] == 0:
            raise ValueError(
                f"{name} must have shape (B >= 1, T >= 1, d_model={layer.d_model}); "
                f"got {tuple(t.shape)}"
            )
    if context is not None and context.shape[0] != x.shape[0]:
        raise ValueError(
            f"x and context must hold the same number of sequences B; got x {tuple(x.shape)}, "
            f"context {tuple(context.shape)}"
        )
    check_bool("need_weights", need_weights)
    check_bool("is_causal", is_causal)
    if cache is not None:
        check_instance("cache", cache, KVCache)
    B, T = x.shape[:2]
    T_k = context.shape[1] if context is not None else T + (cache.length if cache else 0)
    _check_mask(mask, torch.Size((B, layer.num_heads, T, T_k)))


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention: every position of a sequence looks at every (allowed) other.

    The input is projected into queries, keys and values (``q_proj``, ``k_proj``, ``v_proj``),
    each split into ``num_heads`` heads of size d_k = d_model / num_heads; each head attends on
    its own; the heads' outputs are concatenated and mixed by ``out_proj``.

    Args:
        d_model: the feature size of the input and the output.
        num_heads: the number of heads; must divide ``d_model``.
        bias: whether the four linear layers have a bias.
    """

    def __init__(self, d_model: int, num_heads: int, bias: bool = True):
        super().__init__()
        d_model, num_heads = check_count("d_model", d_model), check_count("num_heads", num_heads)
        bias = check_bool("bias", bias)
        check_size("the four projections (4 * d_model * d_model)", 4 * d_model * d_model)
        if d_model % num_heads != 0:
            raise ValueError(
                f"num_heads must divide d_model; got d_model={d_model}, num_heads={num_heads} "
                f"(d_model / num_heads = {d_model / num_heads:g})"
            )
        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def check_input(self, x, mask=None, need_weights=True, is_causal=False, cache=None) -> None:
        """Raise ValueError/TypeError unless ``forward`` can take these arguments (shapes and
        dtypes only: nothing is read from the data, so nothing waits for a GPU)."""
        _check_input(self, x, None, mask, need_weights, is_causal, cache)

    @checked_by(check_input)
    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = True,
        is_causal: bool = False,
        cache: KVCache | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend over the sequence ``x`` (B, T, d_model).

        Args:
            x: the input sequence (B, T, d_model).
            mask: bool, broadcastable to (B, num_heads, T, T), ``True`` = may attend: a padding
                mask is (B, 1, 1, T) (see ``padding_mask``).
            need_weights: ``False`` skips the textbook path and calls torch's fused kernel
                (same result, no T x T weights kept in memory); the weights returned are then
                ``None``.
            is_causal: position t attends to positions 0..t only (``causal_mask``, combined
                with ``mask``); the fused path then builds no (T, T) mask at all.
            cache: keys and values of earlier positions (generation): ``x`` holds the next T
                positions, its keys and values are appended, and its queries attend over all.

        Returns:
            ``(out (B, T, d_model), weights (B, num_heads, T, T_k) or None)``.
        """
        q = self._heads(self.q_proj(x))  # (B, heads, T, d_k): what each position looks for
        k = self._heads(self.k_proj(x))  # what each position offers
        v = self._heads(self.v_proj(x))  # what each position gives if chosen
        if cache is not None:
            k, v = cache.append(k, v)  # (B, heads, positions so far, d_k)
        y, weights = self._attend(q, k, v, mask, need_weights, is_causal)
        return self.out_proj(self._merge(y)), weights

    def _heads(self, t: torch.Tensor) -> torch.Tensor:  # (B, T, d_model) -> (B, heads, T, d_k)
        B, T, _ = t.shape
        return t.view(B, T, self.num_heads, self.d_k).transpose(1, 2)

    def _merge(self, y: torch.Tensor) -> torch.Tensor:  # the heads side by side: (B, T, d_model)
        B, _, T, _ = y.shape
        return y.transpose(1, 2).reshape(B, T, self.d_model)

    @staticmethod
    def _attend(q, k, v, mask, need_weights: bool, is_causal: bool):
        T_q, T_k = q.shape[-2], k.shape[-2]
        if is_causal and (need_weights or mask is not None or T_q != T_k):
            # The T_q queries are the last T_q positions: query i sits at T_k - T_q + i.
            causal = torch.ones(T_q, T_k, dtype=torch.bool, device=q.device).tril(T_k - T_q)
            mask, is_causal = (causal if mask is None else mask & causal), False
        if need_weights:
            return scaled_dot_product_attention(q, k, v, mask)
        # torch's fused kernel: with is_causal=True it needs no (T, T) mask in memory.
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal), None


class MultiHeadCrossAttention(MultiHeadSelfAttention):
    """Multi-head cross-attention: the queries come from ``x``, the keys and values from another
    sequence, ``context`` (in the 2017 transformer, the decoder reading the encoder's output).

    Same layers as ``MultiHeadSelfAttention``; the two sequences may differ in length, not in
    width (``d_model``).
    """

    def check_input(self, x, context, mask=None, need_weights=True) -> None:
        """Raise ValueError/TypeError unless ``forward`` can take these arguments."""
        check_instance("context", context, torch.Tensor)
        _check_input(self, x, context, mask, need_weights, False, None)

    @checked_by(check_input)
    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Queries from ``x`` (B, T, d_model) attend over ``context`` (B, S, d_model).

        ``mask``: bool, broadcastable to (B, num_heads, T, S), ``True`` = may attend (a padding
        mask of the context is (B, 1, 1, S)). Returns ``(out (B, T, d_model), weights
        (B, num_heads, T, S) or None)``.
        """
        q = self._heads(self.q_proj(x))  # what each position of x looks for
        k, v = self._heads(self.k_proj(context)), self._heads(self.v_proj(context))
        y, weights = self._attend(q, k, v, mask, need_weights, is_causal=False)
        return self.out_proj(self._merge(y)), weights
