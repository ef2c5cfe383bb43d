"""Bad input for dlcourse.images."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Other
from bad_input.registry import Registry
from bad_input.values import IMAGE_SHAPE, IMAGES, IMG3, SEED
from dlcourse import images

RECIPES = Registry()
register = RECIPES.register

register(
    images.upsample,
    X=(IMAGES, Array(like=IMAGES)),
    size=(16, Count(1)),
    image_shape=((8, 8), IMAGE_SHAPE),
)
register(
    images.translate, images=(IMG3, Array(ndims=(4,), like=IMG3)), rows=(1, Count(-7)),
    cols=(-2, Count(-7)),
)  # fmt: skip
register(
    images.random_translate,
    x=(
        torch.rand(2, 1, 8, 8),
        Other(bad_values=(None, "x", np.zeros((2, 1, 8, 8)), torch.zeros(8))),
    ),
    max_shift=(2, Count(0)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
)
LOADER = [(torch.rand(4, 1, 8, 8), torch.zeros(4, dtype=torch.long))]
register(
    images.RandomShift,
    loader=(LOADER, Other(bad_values=(None, 3, 2.5))),
    max_shift=(2, Count(0)),
    seed=(0, SEED),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
