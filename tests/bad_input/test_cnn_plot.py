"""Bad input for dlcourse.cnn_plot."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Count, Fresh, Instance, Other, Real
from bad_input.registry import Registry
from bad_input.values import accept_any, axes
from dlcourse import cnn_plot

RECIPES = Registry()
register = RECIPES.register

TITLES_KIND = Other(bad_values=(3, ["t"], b"t"))
AX_KIND = (Fresh(axes), Instance())
register(
    cnn_plot.image_grid,
    ok=accept_any,
    images=(
        [np.eye(3), np.ones((2, 4))],
        Other(
            bad_values=(
                None,
                "abc",
                3,
                [],
                [np.zeros(4)],
                [np.zeros((2, 2, 4))],
                [[np.full((2, 2), NAN)]],
                [[np.zeros((2, 2))], "x"],
                np.zeros((2, 2, 2, 2)),
                [np.zeros((2, 2))] * 65,
            )
        ),
    ),
    titles=(
        ["a", "b"],
        Other(bad_values=("ab", ["a"], [1, 2], 3, [["a", "b"]]), optional=True),
    ),
    cmaps=("gray_r", Other(bad_values=("no such map", 3, None, ["gray", "gray"], [3]))),
    size=(1.7, Real(min=0.5, max=5.0)),
)
register(
    cnn_plot.draw_grid,
    ok=accept_any,
    ax=AX_KIND,
    values=(np.arange(4.0).reshape(2, 2), Array(ndims=(2,), like=np.arange(4.0).reshape(2, 2))),
    title=("t", TITLES_KIND),
    box=(
        (0, 0, 1, 1),
        Other(
            bad_values=(
                "b",
                (0, 0, 1),
                (0, 0, 0, 1),
                (-1, 0, 1, 1),
                (0, 0, 1.5, 1),
                (0, 0, True, 1),
            ),
            optional=True,
        ),
    ),
    cmap=("Blues", Other(bad_values=("no such map", 3, None))),
)
register(
    cnn_plot.draw_windows,
    ok=accept_any,
    ax=AX_KIND,
    size=(5, Count(1)),
    kernel=(3, Count(1)),
    stride=(2, Count(1)),
    padding=(1, Count(0)),
)
register(
    cnn_plot.draw_filter_stack,
    ok=accept_any,
    ax=AX_KIND,
    channels=(3, Count(1)),
    kernel=(3, Count(1)),
    side=(7, Count(1)),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
