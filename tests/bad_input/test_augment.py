"""Bad input for dlcourse.augment."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import Array, Count, Other
from bad_input.registry import Registry
from bad_input.values import IMAGE_SHAPE, IMAGES, NON_NEGATIVE, SEED
from dlcourse import augment

RECIPES = Registry()
register = RECIPES.register

SHIFTS = Other(
    bad_values=(None, (1, 0), [(1,)], [(1.5, 0)], [(9, 0)], "up", [("1", 0)], [(True, 0)]),
    odd_values=([], [(0, 0)], [(7, -7)]),
)
register(
    augment.shift,
    X=(IMAGES, Array(like=IMAGES)),
    rows=(1, Count(-7)),
    cols=(-1, Count(-7)),
    image_shape=((8, 8), IMAGE_SHAPE),
)
register(
    augment.unflatten,
    X=(IMAGES, Array(like=IMAGES)),
    image_shape=((8, 8), IMAGE_SHAPE),
)
register(
    augment.augment,
    X=(IMAGES, Array(like=IMAGES)),
    y=(np.array([0, 1, 2]), Other(bad_values=(None, [0, 1], np.zeros((3, 2)), 5))),
    shifts=(((1, 0), (0, -1)), SHIFTS),
    noise=(0.05, NON_NEGATIVE),
    image_shape=((8, 8), IMAGE_SHAPE),
    seed=(0, SEED),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
