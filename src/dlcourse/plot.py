"""One plotting style for the whole book, and `show`, which gives every figure its alt text.

On a built page a figure is an ``<img>`` inside a ``<figure>``, with the alt text a screen reader
reads and an optional caption. Outside a notebook (a script, the test suite) ``show`` falls back
to ``plt.show()``, so a snippet pasted into a reader's project still works.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["use_style", "show", "show_source", "COLORS", "warped_grid"]

# Colour-blind-safe palette (Okabe and Ito), in the order lines are drawn.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_style() -> None:
    """Apply the book's matplotlib style: readable sizes, light grid, the palette above."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "axes.prop_cycle": mpl.cycler(color=COLORS),
        }
    )


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def show(fig: plt.Figure | None = None, alt: str = "", caption: str | None = None) -> None:
    """Display ``fig`` (default: the current figure) with alt text, then close it.

    Args:
        fig: the figure to show.
        alt: what the figure shows, for readers who cannot see it. Required: an empty
            string raises ``ValueError``, so no figure in the book goes without one.
        caption: optional text printed under the figure.
    """
    if not alt.strip():
        raise ValueError("show() needs alt text describing the figure; got an empty string")
    fig = plt.gcf() if fig is None else fig
    if not _in_notebook():
        plt.show()
        plt.close(fig)
        return
    from IPython.display import HTML, display

    # SVG, not PNG: sharp at any zoom and on high-density screens, and smaller once the server
    # compresses it (see docs/how-this-book-is-built.md). No date and a fixed id salt: the same
    # figure gives the same bytes on every build.
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "dlcourse"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    display(
        HTML(
            f'<figure class="dl-figure"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}">{figcaption}</figure>'
        )
    )


def warped_grid(
    ax: plt.Axes,
    transform=None,
    lim: float = 1.0,
    n_lines: int = 9,
    color: str | None = None,
    basis: bool = True,
    **line_kwargs,
) -> None:
    """Draw the square grid ``[-lim, lim]^2`` after mapping every point through ``transform``.

    A matrix ``A`` is drawn with ``transform=lambda P: P @ A.T`` (each row of P is a point);
    any other map of the plane works too (a layer with a non-linearity, say). With
    ``basis=True`` the images of the unit vectors e1 and e2 are drawn as arrows: for a matrix
    they are its two columns.

    Args:
        ax: the axes to draw on.
        transform: a function from an (N, 2) array of points to an (N, 2) array; ``None``
            draws the grid unchanged.
        lim: half-width of the grid, ``> 0``.
        n_lines: grid lines in each direction, ``>= 2``.
        color: line colour (default: the first colour of ``COLORS``).
        basis: draw the images of e1 and e2.
        **line_kwargs: passed on to ``ax.plot`` for the grid lines.
    """
    if not lim > 0:
        raise ValueError(f"lim must be > 0; got {lim}")
    if int(n_lines) != n_lines or n_lines < 2:
        raise ValueError(f"n_lines must be an integer >= 2; got {n_lines}")
    transform = (lambda P: P) if transform is None else transform
    color = COLORS[0] if color is None else color
    t = np.linspace(-lim, lim, 101)  # many points per line, so curved images look smooth
    for c in np.linspace(-lim, lim, int(n_lines)):
        for points in (
            np.column_stack([t, np.full_like(t, c)]),
            np.column_stack([np.full_like(t, c), t]),
        ):
            mapped = np.asarray(transform(points), dtype=float)
            if mapped.shape != points.shape:
                raise ValueError(
                    f"transform must map an (N, 2) array to (N, 2); got {points.shape} -> "
                    f"{mapped.shape}"
                )
            ax.plot(mapped[:, 0], mapped[:, 1], color=color, lw=0.8, alpha=0.7, **line_kwargs)
    if basis:
        origin = np.asarray(transform(np.zeros((1, 2))), dtype=float)[0]
        for unit, arrow_color, name in (
            (np.array([[1.0, 0.0]]), COLORS[3], "e1"),
            (np.array([[0.0, 1.0]]), COLORS[2], "e2"),
        ):
            tip = np.asarray(transform(unit), dtype=float)[0]
            ax.annotate(
                "",
                xy=tip,
                xytext=origin,
                arrowprops={"arrowstyle": "-|>", "color": arrow_color, "lw": 2},
            )
            ax.text(*tip, f" {name}", color=arrow_color, fontsize=10, fontweight="bold")
    ax.set_aspect("equal")


def show_source(obj) -> None:
    """Show the source code of ``obj`` (a function, class or module), syntax-highlighted.

    In a notebook (and on a built page) the source appears as a highlighted block that scrolls
    sideways instead of wrapping its long lines; elsewhere it is printed. Pages use it to teach
    a package function without keeping a copy of it.
    """
    import inspect

    source = inspect.getsource(obj)
    if not _in_notebook():
        print(source)
        return
    from IPython.display import HTML, display
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    # Inline styles (noclasses): the page needs no extra stylesheet. ``white-space: pre`` keeps
    # each source line on one line; the block scrolls sideways like a code cell.
    code = highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))
    code = code.replace(
        '<pre style="',
        '<pre style="white-space: pre; overflow-x: auto; font-size: 0.8em; padding: 0.6em; ',
        1,
    )
    display(HTML(code))
