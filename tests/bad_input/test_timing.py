"""Bad input for dlcourse.timing."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import INF, NAN, Count, Func, Other
from bad_input.registry import Registry
from dlcourse import timing

RECIPES = Registry()
register = RECIPES.register

register(
    timing.synchronizer,
    device=("cpu", Other(bad_values=(3, "no-such-device", 1.5), optional=True)),
)
register(
    timing.timeit_median,
    fn=(lambda: None, Func()),
    repeats=(2, Count(1)),
    number=(2, Count(1)),
    warmup=(0, Count(0)),
    sync=(None, Func(optional=True)),
)
SIZES = np.array([10.0, 20.0, 40.0])
register(
    timing.log_log_slope,
    sizes=(
        SIZES,
        Other(
            bad_values=(
                None,
                "abc",
                [10.0],
                [10.0, -20.0, 40.0],
                [10.0, NAN, 40.0],
                np.zeros((3, 3)),
            )
        ),
    ),
    seconds=(SIZES**2, Other(bad_values=(None, [1.0], [1.0, 0.0, 4.0], [1.0, INF, 4.0], "s"))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
