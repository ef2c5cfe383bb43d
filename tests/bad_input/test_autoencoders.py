"""Bad input for dlcourse.autoencoders."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import INF, NAN, Array, Choice, Count, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import IMAGES, NON_NEGATIVE
from dlcourse import autoencoders

RECIPES = Registry()
HIDDEN = Other(
    bad_values=(None, 4, "4", [0], [-1], [2.5], [True], [10**9]), odd_values=((), [1, 1])
)
register = RECIPES.register

WIDTHS = Other(
    bad_values=(None, 3, "3,2", [3], [3, 0, 2], [3, -1], [3, 2.5], [3, True], [10**6, 10**6]),
    odd_values=([1, 1], (2, 3, 1)),
)
ACTIVATION = Choice(("relu", "tanh", "leaky_relu"))
OUTPUT = Choice(("linear", "sigmoid"))
register(
    autoencoders.mlp,
    sizes=([3, 5, 2], WIDTHS),
    activation=("tanh", ACTIVATION),
    output=("sigmoid", OUTPUT),
)
register(
    autoencoders.Autoencoder,
    n_inputs=(6, Count(1)),
    bottleneck=(2, Count(1)),
    hidden=(
        (4,),
        Other(
            bad_values=(None, 4, "4", [0], [-1], [2.5], [True], [10**9]), odd_values=((), [1, 1])
        ),
    ),
    activation=("relu", ACTIVATION),
    output=("sigmoid", OUTPUT),
)
AE = autoencoders.Autoencoder(6, bottleneck=2, hidden=(4,))


def ae_tensor(width):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros((3, width)),
            torch.zeros(width),
            torch.zeros(3, width + 1),
            torch.zeros(3, width, dtype=torch.long),
        )
    )


for method, width in (("encode", 6), ("decode", 2), ("forward", 6)):
    name = "z" if method == "decode" else "x"
    register(
        getattr(autoencoders.Autoencoder, method),
        call=lambda self, method=method, **kw: getattr(self, method)(*kw.values()),
        self=(AE, Opaque()),
        **{name: (torch.rand(3, width), ae_tensor(width))},
    )
NOISE_CLIP = Other(
    bad_values=(3.0, "ab", (1.0,), (1.0, 0.0), (NAN, 1.0), (0.0, INF), ("a", 1.0)),
    odd_values=((-1.0, 1.0), [0.0, 1e-3]),
    optional=True,
)
register(autoencoders.GaussianNoise, std=(0.1, NON_NEGATIVE), clip=((0.0, 1.0), NOISE_CLIP))
register(
    autoencoders.GaussianNoise.forward,
    call=lambda self, x: self(x),
    self=(autoencoders.GaussianNoise(0.1), Opaque()),
    x=(
        torch.rand(3, 4),
        Other(bad_values=(None, "x", np.zeros(3), 3.0, torch.zeros(3, dtype=torch.long))),
    ),
)
register(
    autoencoders.add_noise,
    X=(IMAGES, Array(like=IMAGES)),
    std=(0.1, NON_NEGATIVE),
    seed=(0, Other(bad_values=(-1, 2.5, True, "0", 2**63, NAN, None), odd_values=(0, 2**32 - 1))),
    clip=((0.0, 1.0), NOISE_CLIP),
)
register(
    autoencoders.reconstruction_error,
    model=(AE, Other(bad_values=(None, 3, "m", np.zeros(3), AE.encoder))),
    X=(IMAGES[:, :6], Array(like=IMAGES[:, :6])),
    target=(None, Array(like=IMAGES[:, :6], optional=True)),
)

register(
    autoencoders.check_widths,
    name=("hidden", Other(bad_values=(None, 3))),
    sizes=((4, 2), Other(bad_values=HIDDEN.bad_values[:-1], odd_values=HIDDEN.odd_values)),
    names={"sizes": "hidden"},  # the error names the argument the caller checks
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
