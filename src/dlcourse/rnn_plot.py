"""Pictures for the recurrent-networks chapter: a cell unrolled through time, gradient norms
step by step, and named curves against a common axis.

Each function draws on the axes it is given and returns them; the chapter calls it in one line.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from dlcourse.checks import check_array, check_in, check_instance, check_real, describe

__all__ = ["curves", "draw_unrolled", "gradient_norms"]

MAX_STEPS_DRAWN = 8  # more cells than this do not fit side by side
ARROW = {"arrowstyle": "->", "color": "0.3", "lw": 1.2}


def draw_unrolled(ax: Axes, xs, hs) -> Axes:
    """A tanh RNN unrolled through time: one box per step, its input x_t from below, the
    previous hidden state from the left, the new one h_t above and on to the right.

    Args:
        ax: where to draw.
        xs: (T, 1), the scalar inputs (T from 1 to 8).
        hs: (T + 1, 2), the hidden states h_0 ... h_T (two units, as printed).
    """
    check_instance("ax", ax, Axes)
    xs = check_array("xs", xs, ndim=2, shape="(T, 1)")
    hs = check_array("hs", hs, ndim=2, shape="(T + 1, 2)")
    T = len(xs)
    if xs.shape[1] != 1 or not 1 <= T <= MAX_STEPS_DRAWN:
        raise ValueError(f"xs must have shape (T, 1) with 1 <= T <= 8; got {xs.shape}")
    if hs.shape != (T + 1, 2):
        raise ValueError(f"hs must have shape (T + 1, 2) = {(T + 1, 2)}; got {hs.shape}")
    for t in range(T):
        x0 = 2.4 * t
        ax.add_patch(Rectangle((x0, 1.0), 1.3, 0.8, fc="#dbe9f6", ec="#0072B2", lw=1.5))
        ax.text(x0 + 0.65, 1.4, "tanh cell", ha="center", va="center")
        ax.annotate("", (x0 + 0.65, 1.0), (x0 + 0.65, 0.45), arrowprops=ARROW)
        ax.text(x0 + 0.65, 0.25, f"$x_{t + 1}$ = {xs[t, 0]:+.1f}", ha="center", va="center")
        ax.annotate("", (x0 + 0.65, 2.35), (x0 + 0.65, 1.8), arrowprops=ARROW)
        h = hs[t + 1]
        label = f"$h_{t + 1}$ = ({h[0]:.2f}, {h[1]:.2f})"
        ax.text(x0 + 0.65, 2.55, label, ha="center", va="center")
        ax.annotate("", (x0, 1.4), (x0 - 1.1, 1.4), arrowprops=ARROW)
        if t > 0:
            ax.text(x0 - 0.55, 1.55, "$W_{hh}$", ha="center", fontsize=9)
    ax.text(-1.2, 1.4, "$h_0 = 0$", ha="right", va="center")
    ax.set(xlim=(-2.1, 2.4 * T - 0.6), ylim=(0, 2.8))
    ax.set_axis_off()
    return ax


def gradient_norms(ax: Axes, norms: dict, title: str = "") -> Axes:
    """|dL/dx_t| against the time step t, one line per entry of ``norms`` (name -> array of T
    norms), on a log scale: a line that falls to the left is a vanishing gradient."""
    check_instance("ax", ax, Axes)
    check_instance("title", title, str)
    if not isinstance(norms, dict) or not norms:
        raise TypeError(f"norms must be a non-empty dict name -> norms; got {describe(norms)}")
    for name, g in norms.items():
        check_instance("a name in norms", name, str)
        g = check_array(f"norms[{name!r}]", g, ndim=1, shape="(T,)")
        if np.any(g <= 0):
            raise ValueError(f"norms[{name!r}] must be positive (a log scale); got {g.min()}")
        ax.semilogy(np.arange(1, len(g) + 1), g, label=name)
    T = max(len(g) for g in norms.values())
    ax.set(
        xlabel=f"time step t (the loss is computed after step {T})",
        ylabel="gradient norm |dL/dx_t|",
        title=title,
    )
    ax.legend()
    return ax


def curves(
    ax: Axes,
    x,
    ys: dict,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    chance: float | None = None,
    log: str | None = None,
) -> Axes:
    """One line with markers per entry of ``ys`` (name -> values at ``x``), and a legend.

    Args:
        x: (n,), the common horizontal axis. ys: name -> (n,) values.
        xlabel, ylabel, title: the axes' labels.
        chance: draw a dotted "guessing" line at this height; None for none.
        log: "x" or "y" for a logarithmic axis (base 2 for x); None for none.
    """
    check_instance("ax", ax, Axes)
    x = check_array("x", x, ndim=1, shape="(n,)")
    for name, text in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        check_instance(name, text, str)
    log = check_in("log", log, (None, "x", "y"))
    if not isinstance(ys, dict) or not ys:
        raise TypeError(f"ys must be a non-empty dict name -> values; got {describe(ys)}")
    for name, values in ys.items():
        check_instance("a name in ys", name, str)
        values = check_array(f"ys[{name!r}]", values, ndim=1, shape="(n,)")
        if len(values) != len(x):
            raise ValueError(f"ys[{name!r}] must have len(x) = {len(x)} values; got {len(values)}")
        ax.plot(x, values, "o-", label=name)
    if chance is not None:
        ax.axhline(check_real("chance", chance), color="gray", ls=":", label="guessing")
    if log == "x":
        ax.set_xscale("log", base=2)
    elif log == "y":
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    return ax
