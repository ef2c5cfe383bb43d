"""Bad input for dlcourse.architectures.

. The big constructors run on the meta device, as the chapter builds them: the same checks,
without allocating 138 million weights for every value tried.
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Flag, Opaque, Other, Probability
from bad_input.registry import Registry
from bad_input.values import accept_any
from dlcourse import architectures

RECIPES = Registry()
register = RECIPES.register


def on_meta(build):
    def call(**kwargs):
        with torch.device("meta"):
            return build(**kwargs)

    return call


def images_kind(shape):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros(shape),
            torch.zeros(shape[1:]),
            torch.zeros((shape[0], shape[1] + 1, *shape[2:])),
            torch.zeros(shape, dtype=torch.long),
        )
    )


LAYER_LIST = Other(
    bad_values=(None, 3, "M", [8, 0], [8, -1], [8, 2.5], [True], ["X"], [10**12], [2**31] * 4),
    odd_values=([], ["M"], [1, "M", 1]),
)
register(architectures.LeNet5, in_channels=(1, Count(1)), num_classes=(10, Count(1)))
register(
    architectures.LeNet5.forward,
    call=lambda self, x: self(x),
    self=(architectures.LeNet5(), Opaque()),
    x=(torch.zeros(2, 1, 28, 28), images_kind((2, 1, 28, 28))),
)
register(
    architectures.VGG,
    call=on_meta(architectures.VGG),
    layers=((8, "M", 16, "M"), LAYER_LIST),
    num_classes=(10, Count(1)),
    in_channels=(3, Count(1)),
    dropout=(0.5, Probability()),
)
register(
    architectures.VGG.forward,
    call=lambda self, x: self(x),
    self=(architectures.VGG((4, "M", 4, "M"), num_classes=3), Opaque()),
    x=(torch.zeros(2, 3, 8, 8), images_kind((2, 3, 8, 8))),
)
register(architectures.vgg16, call=on_meta(architectures.vgg16), num_classes=(10, Count(1)))
register(
    architectures.BasicBlock,
    in_channels=(4, Count(1)),
    out_channels=(8, Count(1)),
    stride=(2, Count(1)),
    shortcut=(True, Flag()),
)
register(
    architectures.BasicBlock.forward,
    call=lambda self, x: self(x),
    self=(architectures.BasicBlock(4, 8, stride=2), Opaque()),
    x=(torch.zeros(2, 4, 6, 6), images_kind((2, 4, 6, 6))),
)
register(
    architectures.ResNet,
    call=on_meta(architectures.ResNet),
    blocks=(
        (1, 1, 1, 1),
        Other(
            bad_values=(
                None,
                2,
                "2222",
                (2, 2, 2),
                (2, 2, 2, 0),
                (2, 2, 2, 2.5),
                (1, 1, 1, 10**12),
            ),
            odd_values=([1, 2, 1, 3],),
        ),
    ),
    num_classes=(10, Count(1)),
    in_channels=(3, Count(1)),
)
register(
    architectures.ResNet.forward,
    call=lambda self, x: self(x),
    self=(architectures.ResNet((1, 1, 1, 1), num_classes=3).eval(), Opaque()),
    x=(torch.zeros(2, 3, 16, 16), images_kind((2, 3, 16, 16))),
)
register(architectures.resnet18, call=on_meta(architectures.resnet18), num_classes=(10, Count(1)))
MODEL_KIND = Other(bad_values=(None, 3, "model", np.zeros(3), torch.zeros(3)))
register(architectures.count_parameters, model=(architectures.LeNet5(), MODEL_KIND), ok=accept_any)
register(
    architectures.multiply_adds,
    model=(architectures.LeNet5(), MODEL_KIND),
    input_shape=(
        (1, 28, 28),
        Other(
            bad_values=(
                None,
                3,
                "abc",
                (1, 28),
                (1, 1, 28, 28),
                (0, 28, 28),
                (1.5, 28, 28),
                (True, 28, 28),
                (2, 28, 28),
                (1, 32, 32),
                (1, 10**12, 10**12),
            )
        ),
    ),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
