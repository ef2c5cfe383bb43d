"""Bad input for dlcourse.exercises: the checker of a reader's own code."""

from __future__ import annotations

import torch

from bad_input.fuzzing import Choice, Func, Other
from bad_input.registry import Registry
from bad_input.values import accept_any
from dlcourse import exercises

RECIPES = Registry()
register = RECIPES.register

IDS = tuple(exercises.available())
register(exercises.available)
register(exercises.signature, exercise_id=("causal_mask", Choice(IDS)))
register(
    exercises.check,
    ok=accept_any,
    # Another id would check the causal mask against another exercise: a failure, not bad input.
    exercise_id=("causal_mask", Other(bad_values=("conv3d", 3, None, "CAUSAL_MASK"))),
    candidate=(lambda T: torch.ones(T, T, dtype=torch.bool).tril(), Func()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
