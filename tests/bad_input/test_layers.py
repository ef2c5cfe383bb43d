"""Bad input for dlcourse.layers.

From-scratch dropout, batch norm and initialisers
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Fresh, Opaque, Other, Probability
from bad_input.registry import Registry
from bad_input.values import POSITIVE, X2
from dlcourse import layers

RECIPES = Registry()
register = RECIPES.register

TENSOR = Other(bad_values=(None, "x", np.zeros((4, 3)), 3.0))
register(layers.Dropout, p=(0.5, Probability()))
register(
    layers.Dropout.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: layers.Dropout(0.5)), Opaque()),
    x=(torch.ones(4, 3), TENSOR),
)
register(
    layers.Dropout.extra_repr,
    call=lambda self: self.extra_repr(),
    self=(layers.Dropout(), Opaque()),
)
register(
    layers.BatchNorm1d,
    num_features=(3, Count(1)),
    eps=(1e-5, POSITIVE),
    momentum=(0.1, Probability(optional=True)),
)
register(
    layers.BatchNorm1d.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: layers.BatchNorm1d(3)), Opaque()),
    x=(torch.randn(4, 3), Other(bad_values=(None, "x", np.zeros((4, 3)), torch.zeros(4, 5)))),
)
register(
    layers.BatchNorm1d.extra_repr,
    call=lambda self: self.extra_repr(),
    self=(layers.BatchNorm1d(3), Opaque()),
)
register(
    layers.batchnorm_forward,
    x=(X2, Array(like=X2)),
    gamma=(np.ones(3), Array(ndims=(1,), like=np.ones(3))),
    beta=(np.zeros(3), Array(ndims=(1,), like=np.zeros(3))),
    eps=(1e-5, POSITIVE),
)
register(
    layers.batchnorm_backward,
    dout=(np.ones((12, 3)), Array(like=np.ones((12, 3)))),
    cache=(
        Fresh(lambda: layers.batchnorm_forward(X2, np.ones(3), np.zeros(3))[1]),
        Other(bad_values=(None, 3, (), ("a", "b"))),
    ),
)
register(
    layers.fans,
    shape=((4, 3), Other(bad_values=(None, 3, (), (4, 0), (4, -1), (4.5, 3), "43"))),
)
register(layers.xavier_std, fan_in=(4, Count(1)), fan_out=(3, Count(1)), gain=(1.0, POSITIVE))
register(layers.he_std, fan_in=(4, Count(1)), gain=(2**0.5, POSITIVE))
WEIGHT = Other(bad_values=(None, "w", np.zeros((3, 4)), torch.zeros(3), torch.zeros(0, 4)))
GENERATOR = Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)
for fn in (layers.xavier_uniform_, layers.xavier_normal_):
    register(
        fn,
        weight=(Fresh(lambda: torch.empty(3, 4)), WEIGHT),
        gain=(1.0, POSITIVE),
        generator=(None, GENERATOR),
    )
for fn in (layers.he_uniform_, layers.he_normal_):
    register(fn, weight=(Fresh(lambda: torch.empty(3, 4)), WEIGHT), generator=(None, GENERATOR))

globals().update(RECIPES.tests())  # this file's tests: see registry.py
