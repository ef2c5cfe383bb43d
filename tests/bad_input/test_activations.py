"""Bad input for dlcourse.activations."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import Array, Choice, Count
from bad_input.registry import Registry
from bad_input.values import ARRAY, LOGITS
from dlcourse import activations

RECIPES = Registry()
register = RECIPES.register

for fn in (
    activations.sigmoid, activations.sigmoid_grad, activations.tanh, activations.tanh_grad,
    activations.relu, activations.relu_grad, activations.linear, activations.linear_grad,
):  # fmt: skip
    register(fn, z=(np.linspace(-3, 3, 7), ARRAY))
register(
    activations.softmax, logits=(LOGITS, Array(ndims=(1, 2, 3), like=LOGITS)), axis=(-1, Count(-2))
)
register(
    activations.log_softmax,
    logits=(LOGITS, Array(ndims=(1, 2, 3), like=LOGITS)),
    axis=(1, Count(-2)),
)
register(activations.get, name=("relu", Choice(("sigmoid", "tanh", "relu", "linear"))))

globals().update(RECIPES.tests())  # this file's tests: see registry.py
