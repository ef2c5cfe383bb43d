"""Bad input for dlcourse.autograd_nn.

A network of scalar Values (chapter 07)
"""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Choice, Count, Fresh, Instance, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import POSITIVE, SEED, X2, Y1, accept_any
from dlcourse import autograd, autograd_nn

RECIPES = Registry()
register = RECIPES.register

RNG_KIND = Other(bad_values=(3, "rng", np.random.default_rng(0), object()), optional=True)
ACTIVATION = Choice(autograd_nn.ACTIVATIONS)
register(
    autograd_nn.Neuron,
    n_inputs=(3, Count(1)),
    activation=("tanh", ACTIVATION),
    rng=(None, RNG_KIND),
    ok=accept_any,
)
register(
    autograd_nn.Layer,
    n_inputs=(3, Count(1)),
    n_outputs=(2, Count(1)),
    activation=("relu", ACTIVATION),
    rng=(None, RNG_KIND),
    ok=accept_any,
)
SIZES_BAD = (None, 3, "23", [], [3], [3, 0], [3, 2.5], [3, True], [3, 2**63], [3, None])
register(
    autograd_nn.MLP,
    sizes=([3, 4, 1], Other(bad_values=SIZES_BAD, odd_values=((1, 1), [2, 3, 2]))),
    activation=("tanh", ACTIVATION),
    seed=(0, SEED),
    ok=accept_any,
)
VALUE_MLP = autograd_nn.MLP([3, 4, 1], activation="tanh")
for cls, obj in (
    (autograd_nn.Neuron, autograd_nn.Neuron(3)),
    (autograd_nn.Layer, autograd_nn.Layer(3, 2)),
    (autograd_nn.MLP, VALUE_MLP),
):
    register(
        cls.parameters, call=lambda self: self.parameters(), self=(obj, Opaque()), ok=accept_any
    )
register(
    autograd_nn.MLP.zero_grad,
    call=lambda self: self.zero_grad(),
    self=(Fresh(lambda: autograd_nn.MLP([3, 4, 1])), Opaque()),
    ok=accept_any,
)
register(autograd_nn.MLP.matrices, call=lambda self: self.matrices(), self=(VALUE_MLP, Opaque()))
register(
    autograd_nn.MLP.predict,
    call=lambda self, X: self.predict(X),
    self=(VALUE_MLP, Opaque()),
    X=(X2, Array(ndims=(2,), like=X2)),
)
PM1 = np.where(Y1 > 0, 1.0, -1.0)
register(
    autograd_nn.hinge_loss,
    scores=(
        [autograd.Value(0.5), autograd.Value(-2.0)],
        Other(bad_values=(None, 3, "ab", [], [0.5, 1.0], [autograd.Value(1.0), 2.0])),
    ),
    y=(
        np.array([1.0, -1.0]),
        Other(
            bad_values=(
                None,
                "ab",
                [1.0],
                [1.0, 0.0],
                [1.0, NAN],
                [[1.0, -1.0]],
                np.array([1j, 1]),
                [True, False],
            )
        ),
    ),
    ok=accept_any,
)
register(
    autograd_nn.fit,
    model=(Fresh(lambda: autograd_nn.MLP([3, 4, 1], activation="tanh")), Instance()),
    X=(X2, Array(ndims=(2,), like=X2)),
    y=(PM1, Other(bad_values=(None, "y", PM1[:5], PM1 * 2, np.array([NAN] * 12), PM1[None]))),
    steps=(2, Count(1)),
    lr=(0.1, POSITIVE),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
