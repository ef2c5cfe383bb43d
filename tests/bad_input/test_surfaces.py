"""Bad input for dlcourse.surfaces."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Flag, Fresh, Instance, Interval, Other, Points, Real
from bad_input.registry import Registry
from bad_input.values import axes
from dlcourse import optim, surfaces

RECIPES = Registry()
register = RECIPES.register

register(surfaces.ravine, p=(torch.zeros(3, 2), Points()), a=(1.0, Real()), b=(20.0, Real()))
register(surfaces.rosenbrock, p=(torch.zeros(3, 2), Points()), a=(1.0, Real()), b=(100.0, Real()))
register(surfaces.saddle, p=(torch.zeros(3, 2), Points()))
SURFACE = Other(bad_values=(None, 3, "f", lambda p: p.sum()), odd_values=(surfaces.saddle,))
register(
    surfaces.grid,
    f=(surfaces.saddle, SURFACE),
    xlim=((-1.0, 1.0), Interval()),
    ylim=((-1.0, 1.0), Interval()),
    n=(5, Count(2)),
)
register(
    surfaces.plot_contours,
    ax=(Fresh(axes), Instance()),
    f=(surfaces.saddle, SURFACE),
    xlim=((-1.0, 1.0), Interval()),
    ylim=((-1.0, 1.0), Interval()),
    n=(8, Count(2)),
    levels=(5, Count(1)),
    log=(True, Flag()),
)
register(
    surfaces.trajectory,
    f=(surfaces.rosenbrock, Other(bad_values=(None, 3, "f", lambda p: p))),
    start=((-1.0, 1.0), Array(ndims=(1,), like=np.array([-1.0, 1.0]))),
    make_optimizer=(
        lambda ps: optim.SGD(ps, lr=1e-3),
        Other(bad_values=(None, 3, lambda ps: None, lambda ps: "sgd")),
    ),
    steps=(5, Count(0)),
)
register(
    surfaces.steps_to,
    losses=([5.0, 2.0, 0.5], Array(ndims=(1,), finite=False, nonempty=False)),
    threshold=(1.0, Real()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
