"""Pictures of attention: the multi-head and encoder-decoder data flows as diagrams, weights as
heat maps, and the two figures of chapter 14's scaling and temperature experiments.

The pages call one of these per figure, so that a page reads as prose, code and pictures; the
drawing code lives here.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from dlcourse.checks import (
    check_array,
    check_bool,
    check_instance,
    check_int,
    describe,
)

__all__ = [
    "draw_encoder_decoder",
    "draw_multi_head",
    "heatmap",
    "heatmaps",
    "saturation_panels",
    "temperature_panels",
]

MAX_PANELS = 12  # heat maps side by side in one figure

# More heads than this would not fit in the drawing (and a typo such as 10**9 would draw forever).
MAX_HEADS_DRAWN = 64


def _labels(name: str, value) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of strings, one per row or column; got {describe(value)}"
        )
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{i}] must be a string; got {describe(item)}")
    return list(value)


def _box(ax, x, y, w, h, text, color, fontsize=9):
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            facecolor=color,
            edgecolor="0.2",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.2, "shrinkA": 0, "shrinkB": 0},
    )


def draw_multi_head(ax: plt.Axes, num_heads: int = 4) -> plt.Axes:
    """Draw the data flow of ``MultiHeadSelfAttention`` on ``ax``, left to right.

    x (B, T, d) -> three projections, each split into ``num_heads`` heads (B, h, T, d_k) ->
    attention in every head at once -> heads concatenated (B, T, d) -> out_proj -> output.
    ``num_heads``: 1 to ``MAX_HEADS_DRAWN`` (64).
    """
    check_instance("ax", ax, Axes)
    num_heads = check_int("num_heads", num_heads, min=1, max=MAX_HEADS_DRAWN)
    blue, orange, green, white = "#cfe3f3", "#fbe3b8", "#c8eadf", "white"
    step, cx, w = 0.1, 5.8, 2.6  # the deck of heads: offset per card, centre, width
    _box(ax, 0.6, 1.5, 1.0, 0.7, "x\n(B, T, d)", white)
    for name, y in (("q", 2.65), ("k", 1.5), ("v", 0.35)):
        label = f"{name}_proj: d → d\nsplit into heads\n{name.upper()}: (B, h, T, d_k)"
        _box(ax, 2.75, y, 1.9, 0.95, label, blue, 8)
        _arrow(ax, (1.1, 1.5), (1.8, y))
        _arrow(ax, (3.7, y), (cx - w / 2 - 0.02, 1.5 + (y - 1.5) * 0.4))
    # The heads: a deck of cards, one per head, all computed at once.
    for i in reversed(range(num_heads)):
        text = "" if i else "in each head:\nsoftmax(QKᵀ/√d_k) V\n(B, h, T, d_k)"
        _box(ax, cx + step * i, 1.5 + step * i, w, 1.5, text, orange, 8.5)
    ax.text(
        cx + step * num_heads / 2,
        0.55,
        f"h = {num_heads} heads in parallel",
        ha="center",
        va="top",
        fontsize=8,
        style="italic",
    )
    right = cx + w / 2 + step * (num_heads - 1) + 0.05
    _arrow(ax, (right, 1.5), (right + 0.45, 1.5))
    _box(ax, right + 1.25, 1.5, 1.6, 0.8, "concatenate\nthe heads\n(B, T, d)", green, 8.5)
    _arrow(ax, (right + 2.05, 1.5), (right + 2.5, 1.5))
    _box(ax, right + 3.25, 1.5, 1.5, 0.8, "out_proj:\nd → d\n(mixes heads)", green, 8.5)
    _arrow(ax, (right + 4.0, 1.5), (right + 4.45, 1.5))
    _box(ax, right + 5.0, 1.5, 1.1, 0.7, "output\n(B, T, d)", white)
    ax.set_xlim(0, right + 5.65)
    ax.set_ylim(-0.2, 3.25)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def heatmap(
    ax: plt.Axes,
    weights,
    queries: list[str],
    keys: list[str] | None = None,
    title: str = "",
    annotate: bool = True,
):
    """Draw attention weights (T_q, T_k) as a heat map: one row per query, one column per key.

    Returns the image, for a colour bar. ``annotate`` writes each weight (two decimals) in its
    cell when the matrix is small enough to read.
    """
    check_instance("ax", ax, Axes)
    w = check_array("weights", weights, ndim=2, shape="(T_q, T_k)")
    queries = _labels("queries", queries)
    keys = queries if keys is None else _labels("keys", keys)
    check_instance("title", title, str)
    annotate = check_bool("annotate", annotate)
    if w.shape != (len(queries), len(keys)):
        raise ValueError(
            f"weights must be (T_q, T_k) = ({len(queries)}, {len(keys)}); got {w.shape}"
        )
    image = ax.imshow(w, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(keys)), keys, rotation=90 if max(map(len, keys)) > 2 else 0)
    ax.set_yticks(range(len(queries)), queries)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query")
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=10)
    if annotate and w.size <= 100:
        for (i, j), value in np.ndenumerate(w):
            if value >= 0.005:  # two decimals without the leading zero: ".25"; "1" for ~1
                text = "1" if value >= 0.995 else f"{value:.2f}"[1:]
                color = "white" if value > 0.5 else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    return image


def _titles(titles, n: int) -> list[str]:
    titles = _labels("titles", titles)
    if len(titles) != n:
        raise ValueError(f"titles must hold one title per map, {n}; got {len(titles)}")
    return titles


def heatmaps(
    maps,
    queries: list[str],
    titles: list[str],
    keys: list[str] | None = None,
    annotate: bool = True,
) -> Figure:
    """Several attention maps side by side, one colour bar for all; returns the figure.

    Args:
        maps: a list of 1 to 12 weight matrices (T_q, T_k) (arrays or tensors).
        queries, keys: the row and column labels (``keys`` defaults to ``queries``).
        titles: one per map.
        annotate: write each weight in its cell when the maps are small (see ``heatmap``).
    """
    if not isinstance(maps, (list, tuple)) or not 1 <= len(maps) <= MAX_PANELS:
        raise TypeError(
            f"maps must be a list of 1 to {MAX_PANELS} weight matrices; got {describe(maps)}"
        )
    titles = _titles(titles, len(maps))
    queries = _labels("queries", queries)
    keys = queries if keys is None else _labels("keys", keys)
    annotate = check_bool("annotate", annotate)
    many = max(len(queries), len(keys)) > 20  # long sequences: small tick labels, no labels
    width = 3.2 * len(maps) * (1 if len(keys) >= len(queries) else len(keys) / len(queries))
    fig, axes = plt.subplots(1, len(maps), figsize=(max(4.5, width + 1.2), 3.6), squeeze=False)
    for i, (ax, w, title) in enumerate(zip(axes[0], maps, titles, strict=True)):
        try:
            image = heatmap(ax, w, queries, keys, title=title, annotate=annotate and not many)
        except (TypeError, ValueError) as error:
            plt.close(fig)
            raise type(error)(f"maps[{i}]: {error}") from None
        if many:
            ax.tick_params(labelsize=5)
            ax.set(xlabel="", ylabel="")
    fig.colorbar(image, ax=axes[0].tolist(), label="weight", shrink=0.8)
    return fig


def saturation_panels(d_ks, raw, scaled, n_keys: int) -> Figure:
    """Chapter 14's scaling experiment: the mean largest softmax weight and the mean gradient
    norm against the key size, with and without the 1/sqrt(d_k).

    Args:
        d_ks: the key sizes (n,), positive.
        raw, scaled: (n, 3) rows of (score std, mean largest weight, mean gradient norm) for the
            unscaled and the scaled scores.
        n_keys: keys per query (draws the uniform weight 1 / n_keys).
    """
    d_ks = check_array("d_ks", d_ks, ndim=1, shape="(n,)")
    if (d_ks <= 0).any():
        raise ValueError(f"d_ks must be positive key sizes; got {d_ks.tolist()}")
    rows = {}
    for name, value in (("raw", raw), ("scaled", scaled)):
        rows[name] = check_array(name, value, ndim=2, shape="(n, 3)")
        if rows[name].shape != (len(d_ks), 3):
            raise ValueError(
                f"{name} must be (len(d_ks), 3) = ({len(d_ks)}, 3); got {rows[name].shape}"
            )
    n_keys = check_int("n_keys", n_keys, min=1, max=10**6)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for col, (ax, ylabel) in enumerate(
        zip(axes, ["mean largest weight", "mean gradient norm"], strict=True)
    ):
        for name, marker, label in (("raw", "o", "q·k"), ("scaled", "s", "q·k / √d_k")):
            ax.plot(d_ks, rows[name][:, col + 1], marker=marker, label=label)
        ax.set(xscale="log", xlabel="key size d_k", ylabel=ylabel)
    axes[0].axhline(1 / n_keys, color="gray", ls=":", label=f"uniform (1/{n_keys})")
    axes[0].set(ylim=(0, 1), title="Softmax saturation")
    axes[1].set(ylim=(0, None), title="Gradient reaching the scores")
    axes[0].legend()
    return fig


def temperature_panels(scores, taus, temperatures, entropies) -> Figure:
    """Left: the softmax of ``scores`` at a few temperatures ``taus``, as bars. Right: its
    entropy (nats) against the temperature, from ``temperatures`` and ``entropies`` (same
    length), with the uniform distribution's ln n."""
    scores = check_array("scores", scores, ndim=1, shape="(n,)")
    taus = check_array("taus", taus, ndim=1, shape="(m,)")
    if (taus <= 0).any() or len(taus) > MAX_PANELS:
        raise ValueError(f"taus must be 1 to {MAX_PANELS} positive temperatures; got {taus}")
    temperatures = check_array("temperatures", temperatures, ndim=1, shape="(k,)")
    entropies = check_array("entropies", entropies, ndim=1, shape="(k,)")
    if len(entropies) != len(temperatures) or (temperatures <= 0).any():
        raise ValueError(
            "temperatures must be positive and entropies hold one value per temperature; "
            f"got {len(temperatures)} temperatures, {len(entropies)} entropies"
        )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    n, width = len(scores), 0.8 / len(taus)
    for i, tau in enumerate(taus):
        p = np.exp((scores - scores.max()) / tau)
        offsets = np.arange(n) + (i - (len(taus) - 1) / 2) * width
        ax1.bar(offsets, p / p.sum(), width, label=f"τ = {tau:g}")
    shown = ", ".join(f"{s:g}" for s in scores)
    ax1.set(xlabel=f"key (scores {shown})", ylabel="weight", title="softmax(s / τ)")
    ax1.legend()
    ax2.plot(temperatures, entropies)
    ax2.axhline(math.log(n), color="gray", ls=":", label=f"uniform, ln {n}")
    ax2.set(xscale="log", xlabel="temperature τ", ylabel="entropy (nats)")
    ax2.set_title("From argmax to uniform")
    ax2.legend()
    return fig


def draw_encoder_decoder(ax: plt.Axes) -> plt.Axes:
    """Draw the 2017 encoder-decoder transformer on ``ax``: the encoder reads the source with
    self-attention; every decoder block attends to its own past (causal self-attention), then
    to the encoder's output (cross-attention: queries from the decoder, keys and values from
    the encoder), then predicts the next target token."""
    check_instance("ax", ax, Axes)
    blue, orange, green, white = "#cfe3f3", "#fbe3b8", "#c8eadf", "white"
    _box(ax, 1.5, 0.4, 2.2, 0.5, "source tokens\n(S of them)", white, 8)
    _box(ax, 1.5, 1.45, 2.2, 0.7, "self-attention\n(no mask)", blue, 8)
    _box(ax, 1.5, 2.45, 2.2, 0.6, "MLP", blue, 8)
    _box(ax, 1.5, 3.5, 2.2, 0.6, "encoder output\n(S, d)", white, 8)
    _box(ax, 5.5, 0.4, 2.2, 0.5, "target so far\n(T tokens)", white, 8)
    _box(ax, 5.5, 1.45, 2.2, 0.7, "causal\nself-attention", orange, 8)
    _box(ax, 5.5, 2.6, 2.2, 0.8, "cross-attention\nQ: decoder\nK, V: encoder", green, 8)
    _box(ax, 5.5, 3.65, 2.2, 0.5, "MLP", orange, 8)
    _box(ax, 5.5, 4.55, 2.2, 0.5, "next target token", white, 8)
    for x, (y0, y1) in [(1.5, (0.65, 1.1)), (1.5, (1.8, 2.15)), (1.5, (2.75, 3.2))]:
        _arrow(ax, (x, y0), (x, y1))
    for y0, y1 in [(0.65, 1.1), (1.8, 2.2), (3.0, 3.4), (3.9, 4.3)]:
        _arrow(ax, (5.5, y0), (5.5, y1))
    _arrow(ax, (2.6, 3.5), (4.4, 2.75))  # the encoder's output, read by every decoder block
    ax.text(3.5, 3.35, "keys, values", ha="center", va="bottom", fontsize=8, style="italic")
    ax.text(2.75, 1.95, "× N\nblocks", ha="left", va="center", fontsize=8, style="italic")
    ax.text(7.0, 2.6, "× N\nblocks", ha="center", va="center", fontsize=8, style="italic")
    ax.set_xlim(0, 7.6)
    ax.set_ylim(0, 4.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
