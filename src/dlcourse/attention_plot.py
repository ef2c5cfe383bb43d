"""Pictures of attention: the multi-head data flow as a diagram, and weights as heat maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from dlcourse.checks import check_array, check_bool, check_instance, check_int, describe

__all__ = ["draw_multi_head", "heatmap"]

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
