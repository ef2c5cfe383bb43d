"""Generative models: a variational autoencoder and a generative adversarial network (GAN).

A VAE's encoder outputs a Gaussian ``N(mu, sigma^2)`` per example instead of one code; the
reparameterisation trick ``z = mu + sigma * eps`` keeps the sample differentiable, and a KL term
pulls every Gaussian towards ``N(0, I)``, so decoding ``z ~ N(0, I)`` gives new examples.

A GAN trains two networks against each other: the generator maps noise to fake examples, the
discriminator tells real from fake. ``gan_step`` is one round of that game. The toy data is a
ring of Gaussians, where one can count how many of the modes the generator covers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.autoencoders import check_widths, mlp
from dlcourse.checks import (
    check_array,
    check_count,
    check_in,
    check_instance,
    check_probability,
    check_real,
    check_seed,
    check_size,
)

__all__ = [
    "VAE",
    "vae_loss",
    "reparameterise",
    "Generator",
    "Discriminator",
    "gan_step",
    "GAN_LOSSES",
    "ring_centres",
    "ring_of_gaussians",
    "modes_covered",
]


MAX_BETA = 1e6


def _shape(
    name: str, t: torch.Tensor, expected: tuple, nonempty: bool = False, match: str = ""
) -> None:
    """Raise unless ``t`` is a floating-point tensor of shape ``expected``; a str entry (``"B"``)
    matches any size. ``nonempty``: refuse an empty batch too (a mean over it would be NaN).
    ``match``: the argument that set ``expected``, named in the error too."""
    check_instance(name, t, torch.Tensor)
    if not t.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {t.dtype}")
    ok = t.ndim == len(expected) and all(
        isinstance(e, str) or e == s for e, s in zip(expected, t.shape, strict=True)
    )
    if not ok:
        shown = ", ".join(str(e) for e in expected) + ("," if len(expected) == 1 else "")
        shown = f"({shown})"
        also = f", which does not match {match}" if match else ""
        raise ValueError(f"{name} must have shape {shown}; got {tuple(t.shape)}{also}")
    if nonempty and t.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(t.shape)}")


def _beta(beta: float) -> float:
    # beta-VAEs use up to a few hundred; past MAX_BETA the loss is all KL, and a beta past
    # float32's range would turn a zero KL into NaN (inf * 0).
    return check_real("beta", beta, min=0.0, max=MAX_BETA)


def _weights(what: str, widths: list[int]) -> None:
    """Refuse, before allocating, an MLP through ``widths`` with too many weights."""
    check_size(what, sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True)))


def _n_samples(n: int, width: int) -> int:
    n = check_count("n", n)
    check_size(f"n samples of {width} numbers (n * {width})", n * width)
    return n


# ---------------------------------------------------------------------------------------------
# Variational autoencoder


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """A sample ``z = mu + sigma * eps``, ``eps ~ N(0, I)``: random, yet differentiable in
    ``mu`` and ``logvar`` (the randomness sits in ``eps``, outside the graph). Shapes (B, d)."""
    _shape("mu", mu, ("B", "d"))
    _shape("logvar", logvar, tuple(mu.shape), match="mu")
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def vae_loss(
    logits: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    beta: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The negative evidence lower bound, per example, averaged over the batch.

    reconstruction = sum over pixels of the binary cross-entropy between ``sigmoid(logits)``
    and ``x``; kl = KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2).
    For binary ``x`` the reconstruction is -log p(x | z) of a Bernoulli decoder, in nats; for
    greyscale ``x`` in [0, 1] it is the usual surrogate (its minimum is not 0), and the total
    is a training objective rather than a bound on a normalised likelihood.

    Args:
        logits: (B, n) decoder outputs before the sigmoid.
        x: (B, n) targets in [0, 1] (checked with one reduction; outside, the cross-entropy
            would go negative).
        mu, logvar: (B, d) the encoder's Gaussian (``logvar`` = log sigma^2).
        beta: weight of the KL term (1 gives the ELBO), in [0, 1e6].

    Returns:
        ``(total, reconstruction, kl)``, scalars; ``total = reconstruction + beta * kl``.
    """
    _shape("logits", logits, ("B", "n"), nonempty=True)
    _shape("x", x, tuple(logits.shape), match="logits")
    _shape("mu", mu, (logits.shape[0], "d"), nonempty=True, match="logits")
    _shape("logvar", logvar, tuple(mu.shape), match="mu")
    beta = _beta(beta)
    low, high = torch.aminmax(x.detach())
    if low < 0 or high > 1:  # NaN passes (and propagates): docs/notation.md, "Bad values"
        raise ValueError(
            f"x must hold targets in [0, 1] (pixel intensities); got values in "
            f"[{low.item():g}, {high.item():g}]"
        )
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()
    return reconstruction + beta * kl, reconstruction, kl


class VAE(nn.Module):
    """A variational autoencoder with fully connected encoder and decoder.

    ``forward(x)`` returns the decoder's logits (B, n_inputs) for a sampled code and keeps the
    encoder's ``mu`` and ``logvar`` of that batch, so that ``vae.loss`` works as the
    ``loss_fn`` of ``dlcourse.train.fit`` (targets = inputs).

    Args:
        n_inputs: features per example, values in [0, 1].
        latent: size of the code z.
        hidden: widths of the encoder's hidden layers (the decoder uses them reversed).
        beta: weight of the KL term in ``loss``, in [0, 1e6].
    """

    def __init__(
        self,
        n_inputs: int = 64,
        latent: int = 2,
        hidden: Sequence[int] = (128,),
        beta: float = 1.0,
    ):
        super().__init__()
        self.n_inputs = check_count("n_inputs", n_inputs)
        self.latent = check_count("latent", latent)
        self.beta = _beta(beta)
        hidden = check_widths("hidden", hidden)
        _weights(
            "the encoder's weights (n_inputs, *hidden, 2 * latent)", [n_inputs, *hidden, 2 * latent]
        )
        _weights("the decoder's weights (latent, *hidden, n_inputs)", [latent, *hidden, n_inputs])
        self.encoder = mlp([n_inputs, *hidden, 2 * latent])  # mu and logvar side by side
        self.decoder = mlp([latent, *hidden[::-1], n_inputs])  # logits
        self.mu = self.logvar = None

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, n_inputs) -> ``(mu, logvar)``, each (B, latent)."""
        _shape("x", x, ("B", self.n_inputs))
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, latent) codes -> (B, n_inputs) pixel probabilities."""
        _shape("z", z, ("B", self.latent))
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n_inputs) -> (B, n_inputs) logits, decoded from a sampled code (kept: mu, logvar)."""
        self.mu, self.logvar = self.encode(x)
        return self.decoder(reparameterise(self.mu, self.logvar))

    def loss(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``vae_loss`` of the last ``forward``'s batch: a ``loss_fn`` for ``fit``."""
        if self.mu is None:
            raise ValueError("call the model on a batch before its loss")
        return vae_loss(logits, x, self.mu, self.logvar, self.beta)[0]

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """``n`` new examples: codes drawn from the prior N(0, I), decoded. (n, n_inputs)."""
        n = _n_samples(n, max(self.latent, self.n_inputs))
        device = next(self.parameters()).device
        return self.decode(torch.randn(n, self.latent, device=device))


# ---------------------------------------------------------------------------------------------
# Generative adversarial network


class Generator(nn.Module):
    """Maps noise z (B, latent) to fake examples (B, n_outputs) through an MLP (ReLU)."""

    def __init__(
        self,
        latent: int = 2,
        n_outputs: int = 2,
        hidden: Sequence[int] = (128, 128),
        output: str = "linear",
    ):
        super().__init__()
        self.latent = latent = check_count("latent", latent)
        self.n_outputs = n_outputs = check_count("n_outputs", n_outputs)
        hidden = check_widths("hidden", hidden)
        output = check_in("output", output, ("linear", "sigmoid"))
        _weights("the weights (latent, *hidden, n_outputs)", [latent, *hidden, n_outputs])
        self.net = mlp([latent, *hidden, n_outputs], "relu", output)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        _shape("z", z, ("B", self.latent))
        return self.net(z)

    def sample(self, n: int) -> torch.Tensor:
        """``n`` fakes from fresh noise, (n, n_outputs); gradients flow (for the G step)."""
        n = _n_samples(n, max(self.latent, self.n_outputs))
        device = next(self.parameters()).device
        return self(torch.randn(n, self.latent, device=device))


class Discriminator(nn.Module):
    """Maps examples (B, n_inputs) to one logit each, (B,): > 0 means "real"."""

    def __init__(self, n_inputs: int = 2, hidden: Sequence[int] = (128, 128)):
        super().__init__()
        self.n_inputs = n_inputs = check_count("n_inputs", n_inputs)
        hidden = check_widths("hidden", hidden)
        _weights("the weights (n_inputs, *hidden, 1)", [n_inputs, *hidden, 1])
        self.net = mlp([n_inputs, *hidden, 1], "leaky_relu")  # leaky: fakes get a gradient

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _shape("x", x, ("B", self.n_inputs))
        return self.net(x).squeeze(1)


# How the generator is scored, given the discriminator's logits s on its fakes, D = sigmoid(s):
# "minimax" minimises log(1 - D), the game's own objective, whose gradient vanishes when D is
# sure the fakes are fake (early in training); "non-saturating" minimises -log D instead.
GAN_LOSSES = {
    "minimax": lambda s: -F.binary_cross_entropy_with_logits(s, torch.zeros_like(s)),
    "non-saturating": lambda s: F.binary_cross_entropy_with_logits(s, torch.ones_like(s)),
}


def gan_step(
    generator: Generator,
    discriminator: Discriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real: torch.Tensor,
    loss: str = "non-saturating",
) -> tuple[float, float]:
    """One round of the two-player game on a batch ``real`` (B, n): a discriminator step,
    then a generator step.

    The discriminator minimises -log D(real) - log(1 - D(fake)) (binary cross-entropy with
    real = 1, fake = 0; it equals 2 log 2 when D can only guess 1/2). The generator then moves
    its fakes towards what the updated discriminator calls real (``GAN_LOSSES[loss]``).

    Returns:
        ``(d_loss, g_loss)`` of this step, as floats.
    """
    check_instance("generator", generator, Generator)
    check_instance("discriminator", discriminator, Discriminator)
    check_instance("opt_g", opt_g, torch.optim.Optimizer)
    check_instance("opt_d", opt_d, torch.optim.Optimizer)
    loss = check_in("loss", loss, GAN_LOSSES)
    _shape("real", real, ("B", discriminator.n_inputs), nonempty=True)
    if generator.n_outputs != discriminator.n_inputs:
        raise ValueError(
            f"generator makes examples of {generator.n_outputs} numbers, discriminator takes "
            f"{discriminator.n_inputs}"
        )
    B = len(real)
    # 1. The discriminator: real -> 1, fake -> 0. detach(): this step must not move G.
    fake = generator.sample(B).detach()
    real_logits, fake_logits = discriminator(real), discriminator(fake)
    d_loss = F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    # 2. The generator: fresh fakes, judged by the updated D; only opt_g steps.
    g_loss = GAN_LOSSES[loss](discriminator(generator.sample(B)))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()  # also fills D's .grad; opt_d.zero_grad clears it next round
    opt_g.step()
    return d_loss.item(), g_loss.item()


# ---------------------------------------------------------------------------------------------
# Toy data: a ring of Gaussians, and how many of its modes a set of points covers


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """(modes, 2) centres evenly spaced on a circle of ``radius`` around the origin."""
    modes = check_count("modes", modes)
    check_size("modes (2 numbers each)", 2 * modes)
    radius = check_real("radius", radius, min=0.0)
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def ring_of_gaussians(
    m: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """``m`` points from an equal mixture of round Gaussians (``std``) on ``ring_centres``.

    Returns:
        ``(X (m, 2), mode (m,))``: the points and the mode each was drawn from.
    """
    std = check_real("std", std, min=0.0, min_open=True)
    m = check_count("m", m)
    check_size("m points (m * 2)", 2 * m)
    centres = ring_centres(modes, radius)
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(check_seed("seed", seed))
    )
    mode = rng.integers(0, modes, m)
    return centres[mode] + std * rng.standard_normal((m, 2)), mode


def modes_covered(
    points: np.ndarray, centres: np.ndarray, within: float, min_share: float = 0.02
) -> tuple[int, float, np.ndarray]:
    """How many modes a sample covers.

    Args:
        points: (m, 2) generated points.
        centres: (k, 2) the modes' centres.
        within: a point belongs to a mode if closer than this to its centre (3 std, say).
        min_share: a mode counts as covered if at least this share of the points is in it.

    Returns:
        ``(covered, near, counts)``: the number of covered modes; the share of points that
        are near any mode (sample quality); the (k,) count of points in each mode.
    """
    points = check_array("points", points, ndim=2, shape="(m, d)")
    centres = check_array("centres", centres, ndim=2, shape="(k, d)")
    if points.shape[1] != centres.shape[1]:
        raise ValueError(
            f"points (m, d) and centres (k, d) need the same d; got {points.shape} "
            f"and {centres.shape}"
        )
    within = check_real("within", within, min=0.0, min_open=True)
    min_share = check_probability("min_share", min_share)
    check_size("the distances (m * k * d)", points.size * len(centres))
    dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)  # (m, k)
    nearest = dist.argmin(1)
    inside = dist[np.arange(len(points)), nearest] < within
    counts = np.bincount(nearest[inside], minlength=len(centres))
    covered = int(np.sum(counts >= min_share * len(points)))
    return covered, float(inside.mean()), counts
