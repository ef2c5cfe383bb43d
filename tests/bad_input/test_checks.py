"""Bad input for dlcourse.checks.

The helpers name the argument they are given, not their own parameter
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import (
    INF,
    NAN,
    Array,
    Choice,
    Count,
    Flag,
    Func,
    Instance,
    Interval,
    Labels,
    Opaque,
    Other,
    Probability,
    Recipe,
)
from bad_input.registry import Registry
from bad_input.values import CLASSES, NON_NEGATIVE, SEED, X2
from dlcourse import checks

RECIPES = Registry()
register = RECIPES.register

register(checks.describe, value=(np.zeros(2), Opaque()))
K = {"value": "k"}
register(
    checks.check_int,
    names=K,
    name=("k", Opaque()),
    value=(3, Count(1, capped=False)),
    min=(1, Opaque()),
)
register(checks.check_seed, names=K, name=("k", Opaque()), value=(3, SEED))
register(
    checks.check_real, names=K, name=("k", Opaque()), value=(0.5, NON_NEGATIVE), min=(0.0, Opaque())
)
register(checks.check_probability, names=K, name=("k", Opaque()), value=(0.5, Probability()))
register(checks.check_bool, names=K, name=("k", Opaque()), value=(True, Flag()))
register(
    checks.check_in,
    names=K,
    name=("k", Opaque()),
    value=("a", Choice(("a", "b"))),
    choices=(("a", "b"), Opaque()),
)
register(
    checks.check_instance,
    names=K,
    name=("k", Opaque()),
    value=(torch.nn.Linear(1, 1), Instance()),
    types=(torch.nn.Module, Opaque()),
)
register(checks.check_callable, names=K, name=("k", Opaque()), value=(print, Func()))
register(
    checks.check_size, names={"n_elements": "k"}, name=("k", Opaque()), n_elements=(10, Count(0))
)
register(checks.check_interval, names=K, name=("k", Opaque()), value=((0.0, 1.0), Interval()))
register(
    checks.check_array,
    names=K,
    name=("k", Opaque()),
    value=(X2, Array(like=X2)),
    ndim=(2, Opaque()),
)
register(checks.check_labels, names=K, name=("k", Opaque()), value=(CLASSES, Labels()))
register(
    checks.check_scalar,
    names=K,
    name=("k", Opaque()),
    value=(2.5, Other(bad_values=(NAN, INF, "3", True, 1j, None, np.ones(3), [[1.0, 2.0]]))),
)
RECIPES.append(
    Recipe(
        checks.check_same_length,
        {
            "a": (
                np.zeros(2),
                Other(bad_values=(None, 3, np.zeros(3)), odd_values=(np.zeros(2), [1, 2])),
            )
        },
        call=lambda a: checks.check_same_length("k and other", a, np.zeros(2)),
        names={"a": "k"},
    )
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
