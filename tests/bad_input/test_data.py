"""Bad input for dlcourse.data."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import NAN, Array, Count, Flag, Interval, Other, Probability, Real
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, SEED, X2, Y1
from dlcourse import data

RECIPES = Registry()
register = RECIPES.register

register(
    data.linear_data,
    m=(20, Count(1)),
    n=(2, Count(1)),
    noise=(0.1, NON_NEGATIVE),
    seed=(0, SEED),
    W=(None, Array(ndims=(1,), like=np.ones(2), optional=True)),
    b=(0.5, Real()),
)
register(data.house_prices, m=(20, Count(1)), noise=(5.0, NON_NEGATIVE), seed=(0, SEED))
register(data.digits, scale=(True, Flag()))
register(data.wine)
register(
    data.blobs,
    m=(30, Count(1)),
    centers=(
        3,
        Other(
            bad_values=(
                0,
                -1,
                2.5,
                True,
                None,
                "3",
                10**12,
                np.zeros((0, 2)),
                np.full((2, 2), NAN),
            ),
            odd_values=(1, np.zeros((2, 2)), np.eye(3)),
        ),
    ),
    n_features=(2, Count(1)),
    std=(1.0, NON_NEGATIVE),
    box=((-8.0, 8.0), Interval()),
    seed=(0, SEED),
)
register(data.toy_reviews, n=(20, Count(1)), negated=(0.5, Probability()), seed=(0, SEED))
register(data.toy_image, height=(16, Count(8)), width=(20, Count(8)))
ROWS = Other(
    bad_values=(None, "abc", 3.0, {"a": 1}, [[1.0], [2.0, 3.0]]),
    odd_values=(np.zeros((3, 2)), torch.zeros(20, 1), [1, 2]),
)
register(
    data.train_val_test_split,
    X=(X2, ROWS),
    y=(Y1, ROWS),
    val=(0.25, Probability(max_open=True)),
    test=(0.25, Probability(max_open=True)),
    seed=(0, SEED),
    shuffle=(True, Flag()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
