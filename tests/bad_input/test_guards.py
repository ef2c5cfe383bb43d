"""Bad input for dlcourse.guards."""

from __future__ import annotations

from bad_input.fuzzing import Func
from bad_input.registry import Registry
from dlcourse import guards

RECIPES = Registry()
register = RECIPES.register

register(guards.checked_by, check=(lambda layer, x: None, Func()), ok=callable)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
