"""Attention: a soft dictionary lookup, written out, and the multi-head layer built on it.

``scaled_dot_product_attention`` is the formula softmax(Q K^T / sqrt(d_k)) V, step by step, and
returns the attention weights as well as the output, so they can be looked at.
``MultiHeadSelfAttention`` projects a sequence into queries, keys and values, splits them into
heads, attends in each head and mixes the heads back together. Both equal PyTorch's
``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` (tests/test_attention.py).

Masks are boolean and mean what they mean in torch: ``True`` = this query may attend to this key.
A query whose row of the mask is all ``False`` (a padding position, say) may attend to nothing:
its weights are all zero and its output is the zero vector, as with torch's
``F.scaled_dot_product_attention``; no NaN appears, forward or backward.
(``nn.MultiheadAttention`` returns NaN there instead.)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_bool,
    check_instance,
    check_int,
    check_size,
)
from dlcourse.device import as_device

__all__ = [
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


def _check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        check_instance(name, t, torch.Tensor)
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
        v: values (..., T_k, d_v). The leading (batch) dimensions of q, k, v must match.
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
    T = check_int("T", T, min=1, max=MAX_COUNT)
    check_size("the mask (T * T)", T * T)
    device = None if device is None else as_device(device)
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def padding_mask(lengths, T: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(B, 1, 1, T) bool: ``True`` on the first ``lengths[b]`` positions of sequence b.

    The two singleton dimensions broadcast over heads and queries: every query may attend to
    the real tokens of its sequence and to none of the padding after them.
    """
    T = check_int("T", T, min=1, max=MAX_COUNT)
    device = None if device is None else as_device(device)
    lengths = check_array("lengths", lengths, ndim=1, shape="(B,)", dtype=None)
    if lengths.dtype.kind not in "iu" or (lengths < 0).any() or (lengths > T).any():
        raise ValueError(f"lengths must be integers in [0, T] = [0, {T}]; got {lengths.tolist()}")
    check_size("the mask (B * T)", len(lengths) * T)
    lengths = torch.as_tensor(lengths, device=device)
    positions = torch.arange(T, device=lengths.device)
    return (positions[None, :] < lengths[:, None])[:, None, None, :]


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
        d_model = check_int("d_model", d_model, min=1, max=MAX_COUNT)
        num_heads = check_int("num_heads", num_heads, min=1, max=MAX_COUNT)
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

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, need_weights: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend over the sequence ``x`` (B, T, d_model).

        Args:
            x: the input sequence (B, T, d_model).
            mask: bool, broadcastable to (B, num_heads, T, T), ``True`` = may attend: a causal
                mask is (T, T), a padding mask (B, 1, 1, T) (see ``causal_mask``,
                ``padding_mask``).
            need_weights: ``False`` skips the textbook path and calls torch's fused kernel
                (same result, no T x T weights kept in memory); the weights returned are then
                ``None``.

        Returns:
            ``(out (B, T, d_model), weights (B, num_heads, T, T) or None)``.
        """
        check_instance("x", x, torch.Tensor)
        need_weights = check_bool("need_weights", need_weights)
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(
                f"x must have shape (B, T, d_model={self.d_model}); got {tuple(x.shape)}"
            )
        B, T, C = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, C) -> (B, heads, T, d_k)
            return t.view(B, T, self.num_heads, self.d_k).transpose(1, 2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        if need_weights:
            y, weights = scaled_dot_product_attention(q, k, v, mask)  # (B, heads, T, d_k)
        else:
            if mask is not None:
                _check_mask(mask, torch.Size((B, self.num_heads, T, T)))
            y, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask), None
        y = y.transpose(1, 2).reshape(B, T, C)  # the heads side by side again: (B, T, C)
        return self.out_proj(y), weights
