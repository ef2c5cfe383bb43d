"""Bad input for dlcourse.transformer_plot."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Other
from bad_input.registry import Registry
from bad_input.values import accept_any, closed
from dlcourse import transformer_plot

RECIPES = Registry()
register = RECIPES.register

register(
    transformer_plot.positional_panels,
    call=closed(transformer_plot.positional_panels),
    pe=(np.zeros((8, 4)), Other(bad_values=(None, np.zeros(8), np.full((8, 4), NAN)))),
    offsets=([0, 1, 2], Other(bad_values=(None, [[0, 1, 2]], "k"))),
    similarity=(
        {0: [1.0, 0.5, 0.0]},
        Other(bad_values=(None, [1.0, 0.5, 0.0], {}, {0: [1.0]}, {0: "abc"})),
    ),
    ok=accept_any,
)
register(
    transformer_plot.loss_curves,
    call=closed(transformer_plot.loss_curves),
    curves=(
        {"train": ([1, 2], [2.0, 1.0])},
        Other(
            bad_values=(
                None,
                {},
                [1, 2],
                {"train": [2.0, 1.0]},
                {"train": ([1, 2], [2.0])},
                {3: ([1, 2], [2.0, 1.0])},
                {"train": ([1, 2], [NAN, 1.0])},
            )
        ),
    ),
    baselines=(
        {"bigram": 1.5},
        Other(bad_values=(3, [1.5], {"b": NAN}, {"b": "x"}), optional=True),
    ),
    title=("t", Other(bad_values=(None, 3))),
    ylabel=("loss", Other(bad_values=(None, 3))),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
