"""Bad input for dlcourse.rnn_plot."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import INF, NAN, Array, Choice, Fresh, Instance, Other, Real
from bad_input.registry import Registry
from bad_input.values import accept_any, axes
from dlcourse import rnn_plot

RECIPES = Registry()
register = RECIPES.register

TITLES_KIND = Other(bad_values=(3, ["t"], b"t"))
AX_KIND = (Fresh(axes), Instance())
register(
    rnn_plot.draw_unrolled,
    ok=accept_any,
    ax=AX_KIND,
    xs=(
        np.array([[1.0], [-0.5]]),
        Other(
            bad_values=(
                None,
                "x",
                np.zeros(2),
                np.zeros((2, 2)),
                np.zeros((9, 1)),
                np.full((2, 1), NAN),
            )
        ),  # fmt: skip
    ),
    hs=(
        np.zeros((3, 2)),
        Other(
            bad_values=(
                None,
                "h",
                np.zeros((2, 2)),
                np.zeros((3, 3)),
                np.zeros(6),
                np.full((3, 2), INF),
            )
        ),  # fmt: skip
    ),
)
register(
    rnn_plot.gradient_norms,
    ok=accept_any,
    ax=AX_KIND,
    norms=(
        {"a": np.ones(3)},
        Other(
            bad_values=(
                None,
                {},
                [np.ones(3)],
                {"a": np.zeros(3)},
                {"a": "x"},
                {3: np.ones(3)},
                {"a": np.ones((2, 2))},
                {"a": [NAN, 1.0]},
            )
        ),
    ),
    title=("t", TITLES_KIND),
)
register(
    rnn_plot.curves,
    ok=accept_any,
    ax=AX_KIND,
    x=(np.arange(3.0), Array(ndims=(1,), like=np.arange(3.0))),
    ys=(
        {"a": np.ones(3)},
        Other(
            bad_values=(
                None,
                {},
                [1.0],
                {"a": np.ones(2)},
                {"a": "x"},
                {1: np.ones(3)},
                {"a": np.full(3, NAN)},
            )
        ),
    ),
    xlabel=("x", TITLES_KIND),
    ylabel=("y", TITLES_KIND),
    title=("t", TITLES_KIND),
    chance=(None, Real(optional=True)),
    log=(None, Choice((None, "x", "y"))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
