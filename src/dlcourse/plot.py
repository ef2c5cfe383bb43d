"""One plotting style for the whole book, and `show`, which gives every figure its alt text.

On a built page a figure is an ``<img>`` inside a ``<figure>``, with the alt text a screen reader
reads and an optional caption. Outside a notebook (a script, the test suite) ``show`` falls back
to ``plt.show()``, so a snippet pasted into a reader's project still works.
"""

from __future__ import annotations

import ast
import base64
import html
import inspect
import io
import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlcourse.checks import (
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_real,
    describe,
)

__all__ = ["use_style", "show", "show_source", "shorten_docstrings", "COLORS", "warped_grid"]

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
    check_instance("alt", alt, str, "a string (the alt text)")
    if not alt.strip():
        raise ValueError(f"alt must describe the figure (alt text); got {alt!r}")
    if caption is not None:
        check_instance("caption", caption, str)
    fig = plt.gcf() if fig is None else check_instance("fig", fig, Figure, "a matplotlib Figure")
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
    check_instance("ax", ax, Axes, "matplotlib Axes")
    lim = check_real("lim", lim, min=0, min_open=True)
    n_lines = check_int("n_lines", n_lines, min=2, max=1000)
    basis = check_bool("basis", basis)
    transform = (lambda P: P) if transform is None else check_callable("transform", transform)
    color = COLORS[0] if color is None else color
    if not mpl.colors.is_color_like(color):
        raise ValueError(f"color must be a matplotlib colour such as 'C0'; got {describe(color)}")
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


def show_source(obj, full_docstrings: bool = False) -> None:
    """Show the source code of ``obj`` (a function, class or module), syntax-highlighted.

    In a notebook (and on a built page) the source appears as a highlighted block that scrolls
    sideways instead of wrapping its long lines; elsewhere it is printed. Pages use it to teach
    a package function without keeping a copy of it. Docstrings are cut to their summary (the
    page's prose explains the rest); ``full_docstrings=True`` shows them whole.
    """
    kinds = (inspect.ismodule, inspect.isclass, inspect.isfunction, inspect.ismethod)
    if not any(kind(obj) for kind in kinds):
        raise TypeError(f"obj must be a function, class, method or module; got {describe(obj)}")
    try:
        source = inspect.getsource(obj)
    except OSError as error:  # defined in an interactive session: no file to read
        raise ValueError(f"obj has no source file to show; got {describe(obj)}") from error
    if not full_docstrings:
        source = shorten_docstrings(source)
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


def shorten_docstrings(source: str) -> str:
    """Cut every docstring in ``source`` (module, classes, functions) to its first paragraph.

    ``source`` may be indented, as ``inspect.getsource`` returns a method. A docstring that is
    only its summary is left as it is; the code around the docstrings is returned unchanged.
    """
    check_instance("source", source, str, "Python source code (a str)")
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError as error:
        raise ValueError(f"source must be valid Python; {error}") from None
    lines = source.splitlines(keepends=True)
    spans = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if not (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            continue
        doc = inspect.cleandoc(first.value.value)
        summary = doc.split("\n\n", 1)[0].strip().splitlines()  # the first paragraph
        if summary == doc.splitlines():
            continue  # nothing to cut
        spans.append((first.lineno, first.end_lineno, summary))
    for start, end, summary in sorted(spans, reverse=True):
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        summary[0] = '"""' + summary[0]
        summary[-1] += '"""'
        lines[start - 1 : end] = [f"{indent}{line}\n" for line in summary]
    return "".join(lines)
