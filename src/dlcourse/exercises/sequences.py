"""Checkers for chapters 12 and 14: an LSTM cell, scaled dot-product attention, a causal mask.
Torch tensors in and out, in torch's layouts."""

from __future__ import annotations

import math

import numpy as np
import torch

from dlcourse.exercises.core import (
    Exercise,
    ExerciseFailed,
    Mistake,
    call,
    compare,
    register,
    unpack,
)

__all__: list[str] = []  # checkers register themselves; use dlcourse.exercises.check

# --- lstm_cell (chapter 12) ----------------------------------------------------------------


def lstm_cell_reference(
    x,
    h,
    c,
    W_ih,
    W_hh,
    b_ih,
    b_hh,
    order="ifgo",
    forget=True,
    tanh_c=True,
    both_biases=True,
    g_act=torch.tanh,
):
    """One LSTM step in torch's layout: the rows of W_ih, W_hh, b_ih, b_hh stack the gates
    i, f, g, o. The keyword arguments switched off give typical wrong answers."""
    gates = x @ W_ih.T + h @ W_hh.T + b_ih + (b_hh if both_biases else 0)
    parts = dict(zip(order, gates.chunk(4, dim=-1), strict=True))
    i, f, o = torch.sigmoid(parts["i"]), torch.sigmoid(parts["f"]), torch.sigmoid(parts["o"])
    g = g_act(parts["g"])
    c_next = (f * c if forget else c) + i * g
    return o * (torch.tanh(c_next) if tanh_c else c_next), c_next


def _lstm_mistakes(index: int) -> list[Mistake]:
    def variant(hint, **kw):
        return Mistake(hint, lambda p, e: lstm_cell_reference(**p, **kw)[index])

    return [
        variant(
            "torch stacks the gates in the order i, f, g, o (input, forget, cell, output); "
            "you read them as i, f, o, g",
            order="ifog",
        ),
        variant(
            "torch stacks the gates in the order i, f, g, o; you read them as f, i, g, o",
            order="figo",
        ),
        variant(
            "the old cell state passes through the forget gate: c_next = f * c + i * g",
            forget=False,
        ),
        variant(
            "h_next = o * tanh(c_next): the cell state is squashed before the output gate",
            tanh_c=False,
        ),
        variant("torch has two biases, b_ih and b_hh: add both", both_biases=False),
        variant("the candidate g uses tanh, the three gates use the sigmoid", g_act=torch.sigmoid),
    ]


def _check_lstm_cell(candidate) -> list[str]:
    gen = torch.Generator().manual_seed(12)
    for B, n_in, H in [(3, 4, 5), (1, 2, 3)]:

        def rand(*shape):
            return torch.randn(*shape, generator=gen, dtype=torch.float64)

        probe = {
            "x": rand(B, n_in),
            "h": rand(B, H),
            "c": rand(B, H),
            "W_ih": rand(4 * H, n_in),
            "W_hh": rand(4 * H, H),
            "b_ih": rand(4 * H),
            "b_hh": rand(4 * H),
        }
        text = f"a batch of {B}, input size {n_in}, hidden size {H} (float64 tensors)"
        args = {k: v.clone() for k, v in probe.items()}
        got = unpack(
            "lstm_cell",
            call("lstm_cell", candidate, text, *args.values()),
            ("h_next", "c_next"),
            text,
        )
        cell = torch.nn.LSTMCell(n_in, H, dtype=torch.float64)
        cell.load_state_dict(
            {
                "weight_ih": probe["W_ih"],
                "weight_hh": probe["W_hh"],
                "bias_ih": probe["b_ih"],
                "bias_hh": probe["b_hh"],
            }
        )
        with torch.no_grad():
            expected = cell(probe["x"], (probe["h"], probe["c"]))
        for index, (name, value, ref) in enumerate(
            zip(("h_next", "c_next"), got, expected, strict=True)
        ):
            compare(
                "lstm_cell",
                name,
                value,
                ref,
                text,
                atol=1e-10,
                rtol=1e-8,
                mistakes=_lstm_mistakes(index),
                context=probe,
            )
    return ["h_next and c_next against torch.nn.LSTMCell with the same weights, on two sizes"]


register(
    Exercise(
        "lstm_cell",
        "12-recurrent-networks",
        "f(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h_next, c_next)",
        _check_lstm_cell,
        "torch's layout: W_ih (4H, I), W_hh (4H, H), gates stacked i, f, g, o",
    )
)


# --- scaled_dot_product_attention (chapter 14) ---------------------------------------------


def attention_reference(q, k, v, mask=None, scale="sqrt", dim=-1, invert=False, after=False):
    """softmax(q k^T / sqrt(d_k)) v and the weights; the keywords give typical wrong answers."""
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / {"sqrt": math.sqrt(d), "d": d, "none": 1.0}[scale]
    if mask is not None:
        mask = ~mask if invert else mask
    if mask is not None and not after:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=dim)
    if mask is not None and after:
        weights = weights * mask
    return weights @ v, weights


def _attention_mistakes(index: int) -> list[Mistake]:
    def variant(hint, **kw):
        return Mistake(hint, lambda p, e: attention_reference(**p, **kw)[index])

    return [
        variant(
            "divide the scores by sqrt(d_k): without it, large d_k saturates the softmax",
            scale="none",
        ),
        variant("divide the scores by sqrt(d_k), not by d_k", scale="d"),
        variant("the softmax runs over the keys (dim=-1): each query's weights sum to 1", dim=-2),
        variant(
            "the mask is True where attention is ALLOWED (as in torch): you blocked the "
            "allowed positions",
            invert=True,
        ),
        variant(
            "apply the mask to the scores (as -inf) before the softmax; zeroing weights "
            "after it leaves rows that no longer sum to 1",
            after=True,
        ),
    ]


def _check_attention(candidate) -> list[str]:
    gen = torch.Generator().manual_seed(14)
    T = 5
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    keys_allowed = torch.tensor([True, True, True, False, False, True])
    cases = [
        ((2, 4, 8), (2, 6, 8), (2, 6, 5), None, "no mask; T_q = 4, T_k = 6, d_k = 8, d_v = 5"),
        ((1, T, 16), (1, T, 16), (1, T, 3), causal, "a causal mask (5, 5), d_k = 16"),
        ((2, 3, 4), (2, 6, 4), (2, 6, 4), keys_allowed, "a padding mask of shape (6,) over keys"),
    ]
    checked = []
    for q_shape, k_shape, v_shape, mask, text in cases:
        probe = {
            "q": torch.randn(*q_shape, generator=gen, dtype=torch.float64) * 2,
            "k": torch.randn(*k_shape, generator=gen, dtype=torch.float64) * 2,
            "v": torch.randn(*v_shape, generator=gen, dtype=torch.float64),
            "mask": mask,
        }
        args = [probe[key].clone() for key in ("q", "k", "v")]
        if mask is not None:
            args.append(mask.clone())
        result = call("scaled_dot_product_attention", candidate, text, *args)
        out, weights = result if isinstance(result, (tuple, list)) else (result, None)
        if isinstance(result, (tuple, list)) and len(result) != 2:
            raise ExerciseFailed(
                "scaled_dot_product_attention: return out, or (out, weights); "
                f"got a tuple of {len(result)} values\n  on {text}"
            )
        expected = attention_reference(**probe)
        compare(
            "scaled_dot_product_attention",
            "out",
            out,
            expected[0],
            text,
            atol=1e-9,
            rtol=1e-7,
            mistakes=_attention_mistakes(0),
            context=probe,
        )
        if weights is not None:
            compare(
                "scaled_dot_product_attention",
                "weights",
                weights,
                expected[1],
                text,
                atol=1e-9,
                rtol=1e-7,
                mistakes=_attention_mistakes(1),
                context=probe,
            )
            checked.append("weights")
    also = " and the weights" if checked else ""
    return [
        f"the output{also} against softmax(q k^T / sqrt(d_k)) v: no mask, a causal mask, "
        "a padding mask over the keys"
    ]


register(
    Exercise(
        "scaled_dot_product_attention",
        "14-attention",
        "f(q, k, v, mask=None) -> out, or (out, weights)",
        _check_attention,
        "torch tensors (..., T, d); mask bool, True where a query may attend to a key",
    )
)


# --- causal_mask (chapter 14) --------------------------------------------------------------


def _check_causal_mask(candidate) -> list[str]:
    for T in (1, 4, 7):
        text = f"T = {T}"
        got = call("causal_mask", candidate, text, T)
        if not isinstance(got, torch.Tensor):
            raise ExerciseFailed(
                f"causal_mask: return a torch tensor; got {type(got).__name__}\n  on {text}"
            )
        expected = torch.ones(T, T, dtype=torch.bool).tril()
        if got.dtype != torch.bool:
            hint = (
                "return a bool tensor (dtype torch.bool), True where attention is allowed: "
                "an additive mask of 0 and -inf is another convention"
            )
            raise ExerciseFailed(
                f"causal_mask: dtype is {got.dtype}; expected torch.bool\n"
                f"  on {text}\n  hint: {hint}"
            )
        mistakes = [
            Mistake(
                "True must be on and below the diagonal: position t sees 0..t, never the "
                "future (tril, not triu)",
                lambda p, e: np.triu(np.ones_like(e)),
            ),
            Mistake(
                "a position may attend to itself: include the diagonal (tril(), not tril(-1))",
                lambda p, e: np.tril(np.ones_like(e), -1),
            ),
        ]
        compare(
            "causal_mask",
            "mask",
            got.to(torch.float64),
            expected.to(torch.float64),
            text,
            atol=0,
            rtol=0,
            mistakes=mistakes,
        )
        if T == 7:
            for t in range(T):
                if bool(got[t, t + 1 :].any()):
                    raise ExerciseFailed(f"causal_mask: position {t} sees the future")
    return ["a (T, T) bool tensor, True on and below the diagonal, for T = 1, 4, 7"]


register(
    Exercise(
        "causal_mask",
        "14-attention",
        "f(T) -> bool tensor (T, T)",
        _check_causal_mask,
        "True where position t may attend to position s, that is s <= t",
    )
)
