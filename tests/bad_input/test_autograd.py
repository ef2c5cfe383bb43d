"""Bad input for dlcourse.autograd."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import INF, NAN, Fresh, Opaque, Other
from bad_input.registry import OPERATORS, Registry
from dlcourse import autograd

RECIPES = Registry()
register = RECIPES.register

DATA = Other(
    bad_values=(NAN, INF, -INF, "3", True, 1j, None, np.ones(3), [[1.0, 2.0]], object()),
    odd_values=(np.float32(2.5), np.array([[4.0]]), 1e308, -0.0, 7),
)
register(autograd.Value, data=(3.0, DATA), label=("x", Other(bad_values=(None, 3, b"x"))))
OTHER = Other(
    bad_values=(NAN, INF, "3", None, True, 1j, [1.0], np.array([1.0, 2.0])),
    odd_values=(0.0, 1e300, -2, np.float64(3.0), autograd.Value(0.5), -1e-300),
)
for op in OPERATORS - {"__pow__"}:
    register(
        getattr(autograd.Value, op),
        call=lambda self, other, op=op: getattr(self, op)(other),
        self=(Fresh(lambda: autograd.Value(1.5)), Opaque()),
        other=(2.0, OTHER),
    )
register(
    autograd.Value.__pow__,
    call=lambda self, k: self**k,
    self=(Fresh(lambda: autograd.Value(2.0)), Opaque()),
    k=(
        3,
        Other(bad_values=(NAN, INF, "2", None, True, 1j), odd_values=(0, -1, 0.5, 1e300, -1e300)),
    ),
)
register(
    autograd.Value.__neg__,
    call=lambda self: -self,
    self=(Fresh(lambda: autograd.Value(2.0)), Opaque()),
)
for method in ("exp", "relu", "tanh", "sigmoid", "topological_order", "backward"):
    register(
        getattr(autograd.Value, method),
        call=lambda self, method=method: getattr(self, method)(),
        self=(Fresh(lambda: autograd.Value(-0.5) * 2.0), Opaque()),
    )

globals().update(RECIPES.tests())  # this file's tests: see registry.py
