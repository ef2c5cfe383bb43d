"""Bad input for dlcourse.schedulers."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import INF, NAN, Count, Fresh, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, sgd
from dlcourse import schedulers

RECIPES = Registry()
register = RECIPES.register

RATE = NON_NEGATIVE
register(
    schedulers.triangular_lr,
    t=(3, Count(0, capped=False)),
    base_lr=(0.01, RATE),
    max_lr=(0.1, RATE),
    step_size_up=(4, Count(1)),
    step_size_down=(None, Count(1, optional=True)),
)
GROUP_RATE = Other(bad_values=(NAN, INF, -1.0, "0.1", None, True, [0.1, 0.2], np.array([0.1, 0.2])))
register(
    schedulers.CyclicalLR,
    optimizer=(Fresh(sgd), Other(bad_values=(None, "sgd", torch.zeros(2), 3))),
    base_lr=(0.01, GROUP_RATE),
    max_lr=(0.1, GROUP_RATE),
    step_size_up=(4, Count(1)),
    step_size_down=(None, Count(1, optional=True)),
    last_epoch=(-1, Other(bad_values=(-2, 1.5, True, None, "0"))),
)
register(
    schedulers.CyclicalLR.get_lr,
    call=lambda self: self.get_lr(),
    self=(Fresh(lambda: schedulers.CyclicalLR(sgd(), 0.01, 0.1, 4)), Opaque()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
