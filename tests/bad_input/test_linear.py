"""Bad input for dlcourse.linear."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Count, Other
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, POSITIVE, X2, Y1
from dlcourse import linear

RECIPES = Registry()
register = RECIPES.register

register(linear.add_bias_column, X=(X2, Array(like=X2)))
XY = {"X": (X2, Array(like=X2)), "Y": (Y1, Array(ndims=(1, 2), like=Y1))}
register(linear.normal_equation, **XY, l2=(0.0, NON_NEGATIVE))
register(linear.least_squares, **XY)
register(
    linear.gradient_descent,
    X=(X2, Array(like=X2)),
    y=(Y1, Array(ndims=(1, 2), like=Y1)),
    lr=(0.01, POSITIVE),
    epochs=(20, Count(1)),
)
W3 = np.array([1.0, -2.0, 0.5])
register(
    linear.predict,
    X=(X2, Array(like=X2)),
    W=(W3, Array(ndims=(1, 2), like=W3)),
    b=(0.3, Other(bad_values=(NAN, "b", None, np.ones(5)), odd_values=(0.0, np.float64(1.0)))),
)
register(
    linear.mse,
    **XY,
    W=(W3, Array(ndims=(1, 2), like=W3)),
    b=(0.3, Other(bad_values=(NAN, "b", None, np.ones(5)))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
