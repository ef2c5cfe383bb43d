"""The figures of chapter 15 (transformers): positional encodings and training curves.

The page calls one of these per figure, so that it reads as prose, code and pictures; the
drawing code lives here. Attention maps are drawn by ``dlcourse.attention_plot.heatmaps``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from dlcourse.checks import check_array, check_instance, check_real, describe

__all__ = ["loss_curves", "positional_panels"]

MAX_LINES = 8  # curves or baselines in one chart: one colour each


def positional_panels(pe, offsets, similarity) -> Figure:
    """Left: sinusoidal encodings ``pe`` (T, d) as a heat map, one column per position. Right:
    the dot product PE[t] · PE[t + k] against the offset k, one curve per starting position.

    Args:
        pe: (T, d) encodings in [-1, 1].
        offsets: the offsets k (n,).
        similarity: ``{t: (n,) dot products}``, 1 to 8 starting positions.
    """
    pe = check_array("pe", pe, ndim=2, shape="(T, d)")
    offsets = check_array("offsets", offsets, ndim=1, shape="(n,)")
    if not isinstance(similarity, dict) or not 1 <= len(similarity) <= MAX_LINES:
        raise TypeError(
            f"similarity must be a dict of 1 to {MAX_LINES} curves {{t: values}}; "
            f"got {describe(similarity)}"
        )
    curves = {}
    for t, values in similarity.items():
        curves[t] = check_array(f"similarity[{t!r}]", values, ndim=1, shape="(n,)")
        if len(curves[t]) != len(offsets):
            raise ValueError(
                f"similarity[{t!r}] must hold one value per offset, {len(offsets)}; "
                f"got {len(curves[t])}"
            )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    image = ax1.imshow(pe.T, cmap="RdBu", aspect="auto", vmin=-1, vmax=1)
    ax1.set(xlabel="position t", ylabel="dimension", title="Sinusoidal encodings")
    ax1.grid(False)
    fig.colorbar(image, ax=ax1)
    for i, (t, values) in enumerate(curves.items()):
        ax2.plot(offsets, values, label=f"from t = {t}", lw=3 - 2 * i / len(curves))
    ax2.set(xlabel="offset k", ylabel="PE[t] · PE[t + k]")
    ax2.set_title("Similarity depends on the offset only")
    ax2.legend()
    return fig


def loss_curves(
    curves: dict, baselines: dict | None = None, title: str = "", ylabel: str = "loss"
) -> Figure:
    """Training curves against the optimizer step, with horizontal baselines.

    Args:
        curves: ``{name: (steps, losses)}``, 1 to 8 curves, each two sequences of one length.
        baselines: ``{name: value}``, up to 8 horizontal lines (grey, dotted and dashed).
        title, ylabel: the chart's title and the y axis's label.
    """
    if not isinstance(curves, dict) or not 1 <= len(curves) <= MAX_LINES:
        raise TypeError(
            f"curves must be a dict of 1 to {MAX_LINES} {{name: (steps, losses)}}; "
            f"got {describe(curves)}"
        )
    baselines = {} if baselines is None else baselines
    if not isinstance(baselines, dict) or len(baselines) > MAX_LINES:
        raise TypeError(
            f"baselines must be a dict of up to {MAX_LINES} {{name: value}}; "
            f"got {describe(baselines)}"
        )
    check_instance("title", title, str)
    check_instance("ylabel", ylabel, str)
    fig, ax = plt.subplots()
    markers = "os^vD<>p"
    for i, (name, pair) in enumerate(curves.items()):
        if not isinstance(name, str) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                f"curves must map a name (str) to (steps, losses); got {describe(name)} -> "
                f"{describe(pair)}"
            )
        steps = check_array(f"curves[{name!r}] steps", pair[0], ndim=1, shape="(n,)")
        losses = check_array(f"curves[{name!r}] losses", pair[1], ndim=1, shape="(n,)")
        if len(steps) != len(losses):
            raise ValueError(
                f"curves[{name!r}] needs one loss per step; got {len(steps)} steps, "
                f"{len(losses)} losses"
            )
        ax.plot(steps, losses, marker=markers[i], markersize=4, label=name)
    for i, (name, value) in enumerate(baselines.items()):
        check_instance("baselines' names", name, str)
        value = check_real(f"baselines[{name!r}]", value)
        ax.axhline(value, color="gray", ls=(":", "--", "-.")[i % 3], label=name)
    ax.set(xlabel="optimizer step", ylabel=ylabel, title=title)
    ax.legend(fontsize=9)
    return fig
