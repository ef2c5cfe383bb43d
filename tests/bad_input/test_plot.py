"""Bad input for dlcourse.plot."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from bad_input.fuzzing import Count, Flag, Fresh, Func, Instance, Other
from bad_input.registry import Registry
from bad_input.values import POSITIVE, axes
from dlcourse import plot

RECIPES = Registry()
register = RECIPES.register

register(plot.use_style, call=lambda: matplotlib.rc_context()(plot.use_style)())


def show_and_close(fig, alt, caption):
    """plot.show, closing the figure even when show refuses its arguments."""
    try:
        return plot.show(fig, alt=alt, caption=caption)
    finally:
        if isinstance(fig, matplotlib.figure.Figure):
            plt.close(fig)


register(
    plot.show,
    call=show_and_close,
    fig=(Fresh(lambda: plt.figure()), Instance(optional=True)),
    alt=("a test figure", Other(bad_values=(None, "", "   ", 3, b"alt"))),
    caption=(None, Other(bad_values=(3, b"c"), optional=True)),
)
register(plot.show_source, obj=(plot.use_style, Other(bad_values=(None, 3, "x", np.zeros(2), [1]))))
register(
    plot.warped_grid,
    ax=(Fresh(axes), Instance()),
    transform=(lambda P: P @ np.array([[1.0, 0.5], [0.0, 1.0]]), Func(optional=True)),
    lim=(1.0, POSITIVE),
    n_lines=(3, Count(2)),
    color=(None, Other(bad_values=("not-a-colour", 3.5, [1, 2]), optional=True)),
    basis=(True, Flag()),
)
register(
    plot.shorten_docstrings,
    ok=lambda text: isinstance(text, str),
    source=('def f():\n    """One.\n\n    Two."""\n', Other(bad_values=(None, 3, b"x", "def ("))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
