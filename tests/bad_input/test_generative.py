"""Bad input for dlcourse.generative."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import NAN, Array, Choice, Count, Fresh, Opaque, Other, Probability, Real
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, POSITIVE, params
from dlcourse import generative

RECIPES = Registry()
register = RECIPES.register


def float_tensor(shape):
    """Bad values of a floating-point tensor argument of shape ``shape`` (B first)."""
    wrong = (shape[0], shape[1] + 1) if len(shape) == 2 else (shape[0] + 1,)
    return Other(
        bad_values=(
            None,
            "t",
            np.zeros(shape),
            3.0,
            torch.zeros(wrong),
            torch.zeros(shape[1:] or (2, 2)),
            torch.zeros(shape, dtype=torch.long),
        )
    )


MU = torch.zeros(3, 2)
register(
    generative.reparameterise,
    mu=(MU, float_tensor((3, 2))),
    logvar=(MU, float_tensor((3, 2))),
)
register(
    generative.vae_loss,
    logits=(
        torch.zeros(3, 4),
        Other(
            bad_values=(
                None,
                "l",
                np.zeros((3, 4)),
                torch.zeros(4),
                torch.zeros(0, 4),
                torch.zeros(3, 4, dtype=torch.long),
            )
        ),
    ),
    x=(torch.rand(3, 4), float_tensor((3, 4))),
    mu=(MU, float_tensor((3, 2))),
    logvar=(MU, float_tensor((3, 2))),
    beta=(1.0, Real(min=0.0, max=generative.MAX_BETA)),
)
HIDDEN = Other(
    bad_values=(None, 4, "4", [0], [-1], [2.5], [True], [10**9]), odd_values=((), [1, 1])
)
register(
    generative.VAE,
    n_inputs=(6, Count(1)),
    latent=(2, Count(1)),
    hidden=((4,), HIDDEN),
    beta=(1.0, Real(min=0.0, max=generative.MAX_BETA)),
)
VAE6 = generative.VAE(6, latent=2, hidden=(4,))
register(
    generative.VAE.encode,
    call=lambda self, x: self.encode(x),
    self=(VAE6, Opaque()),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)
register(
    generative.VAE.decode,
    call=lambda self, z: self.decode(z),
    self=(VAE6, Opaque()),
    z=(torch.zeros(3, 2), float_tensor((3, 2))),
)
register(
    generative.VAE.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: generative.VAE(6, latent=2, hidden=(4,))), Opaque()),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)


def called_vae():
    vae = generative.VAE(6, latent=2, hidden=(4,))
    vae(torch.rand(3, 6))
    return vae


register(
    generative.VAE.loss,
    call=lambda self, logits, x: self.loss(logits, x),
    self=(Fresh(called_vae), Opaque()),
    logits=(torch.zeros(3, 6), float_tensor((3, 6))),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)
register(
    generative.VAE.sample, call=lambda self, n: self.sample(n), self=(VAE6, Opaque()),
    n=(4, Count(1)),
)  # fmt: skip
register(
    generative.Generator,
    latent=(2, Count(1)),
    n_outputs=(2, Count(1)),
    hidden=((4,), HIDDEN),
    output=("linear", Choice(("linear", "sigmoid"))),
)
G2 = generative.Generator(2, 2, hidden=(4,))
D2 = generative.Discriminator(2, hidden=(4,))
register(
    generative.Generator.forward,
    call=lambda self, z: self(z),
    self=(G2, Opaque()),
    z=(torch.zeros(3, 2), float_tensor((3, 2))),
)
register(
    generative.Generator.sample, call=lambda self, n: self.sample(n), self=(G2, Opaque()),
    n=(4, Count(1)),
)  # fmt: skip
register(generative.Discriminator, n_inputs=(2, Count(1)), hidden=((4,), HIDDEN))
register(
    generative.Discriminator.forward,
    call=lambda self, x: self(x),
    self=(D2, Opaque()),
    x=(torch.zeros(3, 2), float_tensor((3, 2))),
)
OPTIMIZER_KIND = Other(bad_values=(None, 3, "sgd", object()))
register(
    generative.gan_step,
    generator=(
        Fresh(lambda: generative.Generator(2, 2, hidden=(4,))),
        Other(bad_values=(None, 3, "g", D2, generative.Generator(2, 3, hidden=(4,)))),
    ),
    discriminator=(
        Fresh(lambda: generative.Discriminator(2, hidden=(4,))),
        Other(bad_values=(None, 3, "d", G2)),
    ),
    opt_g=(Fresh(lambda: torch.optim.SGD(params(), lr=0.0)), OPTIMIZER_KIND),
    opt_d=(Fresh(lambda: torch.optim.SGD(params(), lr=0.0)), OPTIMIZER_KIND),
    real=(
        torch.randn(8, 2),
        Other(
            bad_values=(
                None,
                "r",
                np.zeros((8, 2)),
                torch.zeros(8, 3),
                torch.zeros(0, 2),
                torch.zeros(8, 2, dtype=torch.long),
            )
        ),
    ),
    loss=("minimax", Choice(("minimax", "non-saturating"))),
)
register(generative.ring_centres, modes=(8, Count(1)), radius=(2.0, NON_NEGATIVE))
register(
    generative.ring_of_gaussians,
    m=(16, Count(1)),
    modes=(4, Count(1)),
    radius=(2.0, NON_NEGATIVE),
    std=(0.05, POSITIVE),
    seed=(0, Other(bad_values=(-1, 2.5, True, "0", 2**63, NAN, None), odd_values=(0, 2**32 - 1))),
)
RING = generative.ring_of_gaussians(32, modes=4, std=0.05)[0]
CENTRES = generative.ring_centres(4)
register(
    generative.modes_covered,
    points=(RING, Array(like=RING)),
    centres=(CENTRES, Array(like=CENTRES)),
    within=(0.15, POSITIVE),
    min_share=(0.02, Probability()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
