"""Bad input for dlcourse.backprop."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Choice, Fresh, Func, Labels, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import (
    CLASSES,
    LOGITS,
    POSITIVE,
    SEED,
    W34,
    X2,
    numerical_target,
    squared_norm,
    trained_mlp,
)
from dlcourse import backprop

RECIPES = Registry()
register = RECIPES.register

register(
    backprop.linear_forward,
    X=(X2, Array(like=X2)),
    W=(W34, Array(like=W34)),
    b=(np.zeros(4), Array(ndims=(1,), like=np.zeros(4))),
)
register(
    backprop.linear_backward,
    dZ=(np.ones((12, 4)), Array(like=np.ones((12, 4)))),
    X=(X2, Array(like=X2)),
    W=(W34, Array(like=W34)),
)
LAYERS = Other(
    bad_values=(
        None,
        3,
        "3,4",
        [3],
        [3, 0, 2],
        [3, -1],
        [3, 2.5],
        [3, True],
        [10**6, 10**6],
        (3, None),
    ),
    odd_values=([1, 1], (2, 3, 1), [5, 1, 1, 1]),
)
register(
    backprop.MLP,
    layer_sizes=([3, 4, 2], LAYERS),
    activation=("tanh", Choice(("relu", "sigmoid", "tanh"))),
    seed=(0, SEED),
)
register(
    backprop.MLP.forward,
    call=lambda self, X: self.forward(X),
    self=(Fresh(lambda: backprop.MLP([3, 4, 2])), Opaque()),
    X=(X2, Array(like=X2)),
)
register(
    backprop.MLP.backward,
    call=lambda self, grad_output: self.backward(grad_output),
    self=(Fresh(trained_mlp), Opaque()),
    grad_output=(np.ones((5, 2)), Array(ndims=(0, 1, 2, 3), like=np.ones((5, 2)))),
)
register(
    backprop.softmax_cross_entropy,
    logits=(LOGITS, Array(like=LOGITS)),
    labels=(CLASSES, Labels()),
)
register(
    backprop.mse_loss,
    pred=(np.ones((4, 2)), Array(ndims=(1, 2, 3), like=np.ones((4, 2)))),
    target=(np.zeros((4, 2)), Array(ndims=(1, 2, 3), like=np.zeros((4, 2)))),
)
register(
    backprop.numerical_gradient,
    f=(squared_norm, Func()),
    x=(
        Fresh(numerical_target),
        Other(bad_values=(None, [1.0, 2.0], np.array([1, 2]), np.array([NAN]), "x")),
    ),
    eps=(1e-6, POSITIVE),
)
register(
    backprop.relative_error,
    a=(np.ones(3), Array(ndims=(0, 1, 2), nonempty=False, like=np.ones(3))),
    b=(np.zeros(3), Array(ndims=(0, 1, 2), nonempty=False, like=np.zeros(3))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
