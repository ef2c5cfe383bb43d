"""Bad input for dlcourse.seeding.

(also exported as dlcourse.seed_everything)
"""

from __future__ import annotations

import torch

from bad_input.fuzzing import NAN, Other
from bad_input.registry import Registry
from bad_input.values import SEED
from dlcourse import seeding

RECIPES = Registry()
register = RECIPES.register


def seed_and_restore(seed, threads):
    """seed_everything, then the thread count this test session had (a side effect undone)."""
    before = torch.get_num_threads()
    try:
        return seeding.seed_everything(seed, threads)
    finally:
        torch.set_num_threads(before)


register(
    seeding.seed_everything,
    call=seed_and_restore,
    seed=(0, SEED),
    threads=(2, Other(bad_values=(0, -1, 1.5, True, "2", NAN, 10**12), odd_values=(1, 2, None))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
