"""Valid values that several files of the bad-input suite share.

The random ones are drawn from one generator in a fixed order, so that every file sees the
same numbers whichever files run.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Other, Real
from dlcourse import autograd, backprop, optim, rl

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(12, 3))  # a small design matrix: 12 examples, 3 features
Y1 = X2 @ np.array([1.0, -2.0, 0.5]) + 0.3
LOGITS = RNG.normal(size=(4, 3))
CLASSES = np.array([0, 2, 1, 2])
BINARY = np.array([0, 1, 1, 0, 1])
SCORES = np.array([0.1, 0.8, 0.35, 0.4, 0.9])
IMAGES = RNG.random((3, 64))
W34 = RNG.normal(size=(3, 4))
IMG4 = RNG.normal(size=(2, 3, 6, 6))  # 2 images, 3 channels, 6x6
KERNEL = RNG.normal(size=(4, 3, 3, 3))  # 4 filters of 3x3 over 3 channels
IMG3 = RNG.random((3, 1, 8, 8))
ENV = rl.GridWorld()
SMALL_ENV = rl.GridWorld(layout=("S.G",))
Q_ENV = rl.value_iteration(ENV)
POLICY = rl.greedy_policy(Q_ENV)
FIG, AX = plt.subplots()  # one figure for every drawing call, cleared each time


def axes():
    AX.clear()
    return AX


def params():
    return [torch.zeros(3, requires_grad=True)]


def sgd():
    return optim.SGD(params(), lr=0.1)


def value_graph():
    x, y = autograd.Value(2.0, label="x"), autograd.Value(-1.0)
    out = (x * y + x).tanh()
    out.backward()
    return out


def trained_mlp():
    model = backprop.MLP([3, 4, 2], seed=0)
    model.forward(X2[:5])
    return model


def squared_norm(v):
    with np.errstate(over="ignore"):  # a huge eps overflows to inf, which must be refused
        return float(np.sum(v**2))


def numerical_target():
    return np.array([0.5, -1.0])


ARRAY = Array(ndims=tuple(range(0, 4)), nonempty=False)  # activations: any shape, even empty
POSITIVE = Real(min=0.0, min_open=True)
NON_NEGATIVE = Real(min=0.0)
SEED = Count(0)

# Kinds of arguments that several modules take.
IMAGE_SHAPE = Other(  # (H, W) of flat images: augment, images
    bad_values=(
        None,
        8,
        "8x8",
        (8,),
        (8, 8, 1),
        (0, 8),
        (-1, 8),
        (8.0, 8),
        (True, 8),
        (10**6, 10**6),
    ),
    odd_values=((4, 16), (16, 4), (1, 64)),
)
# a device argument
DEVICE_ARG = Other(bad_values=("tpu", "not a device", 3.5, "cuda:99"), optional=True)
# mixed precision: train, transfer
AMP = Other(bad_values=("yes", 3, torch.float64, "bf16"), odd_values=(False, True, "auto"))
# a model argument
MODULE_KIND = Other(bad_values=(None, 3, "model", lambda x: x))


def accept_any(result):
    return True


def closed(make_figure):
    """Call a helper that makes its own figure, and close that figure."""

    def call(**kwargs):
        fig = make_figure(**kwargs)
        plt.close(fig)
        return fig

    return call
