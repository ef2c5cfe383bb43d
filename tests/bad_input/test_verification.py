"""Bad input for dlcourse.verification: the comparisons with PyTorch."""

from __future__ import annotations

from bad_input.registry import Registry
from bad_input.values import SEED, accept_any
from dlcourse import verification

RECIPES = Registry()
register = RECIPES.register

register(verification.run, ok=accept_any, seed=(0, SEED))

globals().update(RECIPES.tests())  # this file's tests: see registry.py
