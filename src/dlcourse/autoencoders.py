"""Autoencoders: a network trained to give back its own input through a narrow bottleneck.

The data is its own label (self-supervised learning): the target of every example is the
example itself, so ``dlcourse.train.fit(model, make_loader(X, X), ...)`` trains one. A
*denoising* autoencoder sees a corrupted input and is asked for the clean one:
``nn.Sequential(GaussianNoise(std), autoencoder)`` corrupts in training mode only, like
dropout, so the same ``fit`` call trains it with fresh noise in every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlcourse import train
from dlcourse.checks import (
    check_array,
    check_count,
    check_in,
    check_instance,
    check_interval,
    check_real,
    check_seed,
    check_size,
    describe,
)

__all__ = [
    "Autoencoder",
    "GaussianNoise",
    "add_noise",
    "check_widths",
    "mlp",
    "reconstruction_error",
]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2)}
OUTPUTS = {"linear": None, "sigmoid": nn.Sigmoid}


def check_widths(name: str, sizes: Sequence[int]) -> list[int]:
    """``sizes`` as a list of layer widths (a list or tuple, each an integer >= 1), or a
    ``TypeError``/``ValueError`` that names ``name`` (``hidden[1]``, say)."""
    check_instance("name", name, str)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple)):
        raise TypeError(f"{name} must be a list of layer widths; got {describe(sizes)}")
    return [check_count(f"{name}[{i}]", s) for i, s in enumerate(sizes)]


def _check_tensor(name: str, t: torch.Tensor, width: int) -> None:
    """``t`` must be a floating-point (batch, width) tensor."""
    check_instance(name, t, torch.Tensor)
    if t.ndim != 2 or t.shape[1] != width:
        raise ValueError(f"{name} must have shape (batch, {width}); got {tuple(t.shape)}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {t.dtype}")


def _clip(clip) -> tuple[float, float] | None:
    return None if clip is None else check_interval("clip", clip)


def mlp(sizes: Sequence[int], activation: str = "relu", output: str = "linear") -> nn.Sequential:
    """A fully connected network ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Args:
        sizes: layer widths, at least two (input and output).
        activation: between layers: ``"relu"``, ``"tanh"`` or ``"leaky_relu"`` (slope 0.2).
        output: after the last layer: ``"linear"`` (nothing) or ``"sigmoid"`` (into (0, 1)).
    """
    sizes = check_widths("sizes", sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size; got {sizes}")
    activation = check_in("activation", activation, ACTIVATIONS)
    output = check_in("output", output, OUTPUTS)
    check_size(
        "the weights (sizes[i] * sizes[i + 1], summed)",
        sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True)),
    )
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    if OUTPUTS[output] is not None:
        layers.append(OUTPUTS[output]())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Encoder ``n_inputs -> hidden... -> bottleneck``, decoder the mirror image back.

    With ``hidden=()`` and ``output="linear"`` both halves are single linear maps: a *linear*
    autoencoder, which learns the same subspace as PCA.

    Args:
        n_inputs: features per example (64 for the 8x8 digits).
        bottleneck: size of the code; smaller than ``n_inputs`` makes it undercomplete.
        hidden: widths of the encoder's hidden layers (the decoder uses them reversed).
        activation: between layers (see ``mlp``); the code itself is linear.
        output: ``"sigmoid"`` for pixels in [0, 1], ``"linear"`` for any real numbers.
    """

    def __init__(
        self,
        n_inputs: int = 64,
        bottleneck: int = 8,
        hidden: Sequence[int] = (128,),
        activation: str = "relu",
        output: str = "sigmoid",
    ):
        super().__init__()
        self.n_inputs = n_inputs = check_count("n_inputs", n_inputs)
        self.bottleneck = bottleneck = check_count("bottleneck", bottleneck)
        hidden = check_widths("hidden", hidden)
        activation = check_in("activation", activation, ACTIVATIONS)
        output = check_in("output", output, OUTPUTS)
        widths = [n_inputs, *hidden, bottleneck]
        check_size(
            "the weights for (n_inputs, *hidden, bottleneck)",
            2 * sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True)),
        )
        self.encoder = mlp([n_inputs, *hidden, bottleneck], activation)
        self.decoder = mlp([bottleneck, *hidden[::-1], n_inputs], activation, output)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n_inputs) -> (B, bottleneck) codes."""
        _check_tensor("x", x, self.n_inputs)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, bottleneck) codes -> (B, n_inputs) reconstructions."""
        _check_tensor("z", z, self.bottleneck)
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n_inputs) -> (B, n_inputs): the input squeezed through the code and back."""
        return self.decode(self.encode(x))


class GaussianNoise(nn.Module):
    """Adds N(0, std^2) noise to its input in training mode; the identity in eval mode.

    Placed in front of an autoencoder it turns ``fit(model, make_loader(X, X), ...)`` into
    denoising training: a fresh corruption of every batch, the clean batch as the target.
    ``clip`` keeps the noisy values in a range, e.g. (0, 1) for pixels.
    """

    def __init__(self, std: float, clip: tuple[float, float] | None = (0.0, 1.0)):
        super().__init__()
        self.std, self.clip = check_real("std", std, min=0.0), _clip(clip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: any shape, floating point; returns the same shape (noisy in training mode)."""
        check_instance("x", x, torch.Tensor)
        if not x.is_floating_point():
            raise TypeError(f"x must hold floating-point numbers; got dtype {x.dtype}")
        if not self.training or self.std == 0:
            return x
        noisy = x + self.std * torch.randn_like(x)
        return noisy.clamp(*self.clip) if self.clip is not None else noisy


def add_noise(
    X: np.ndarray,
    std: float,
    seed: int | np.random.Generator = 0,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """NumPy version of ``GaussianNoise``: ``X + N(0, std^2)``, clipped to ``clip``.

    Args:
        X: (m, n) clean examples.
        std: noise standard deviation, >= 0.
        seed: a seed or a generator (draw from the page's ``rng`` to keep one stream).
        clip: (low, high), or ``None`` to leave the values unbounded.

    Returns:
        (m, n) noisy copy; ``X`` is not changed.
    """
    X = check_array("X", X, ndim=2, shape="(m, n)")
    std = check_real("std", std, min=0.0)
    clip = _clip(clip)
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(check_seed("seed", seed))
    )
    noisy = X + std * rng.standard_normal(X.shape)
    return np.clip(noisy, *clip) if clip is not None else noisy


def reconstruction_error(model: nn.Module, X: np.ndarray, target: np.ndarray | None = None):
    """Per-example mean squared error between ``model(X)`` and ``target`` (default ``X``).

    Args:
        model: maps (m, n) to (m, n), e.g. an ``Autoencoder``; run in eval mode.
        X: (m, n) inputs.
        target: (m, n) what the output should be: the clean images when ``X`` is noisy.

    Returns:
        (m,) errors, averaged over the n features. A large error marks an example unlike
        the training data, which is what anomaly detection uses.
    """
    check_instance("model", model, nn.Module)
    X = check_array("X", X, ndim=2, shape="(m, n)")
    target = X if target is None else check_array("target", target, ndim=2, shape="(m, n)")
    if target.shape != X.shape:
        raise ValueError(
            f"X must be (m, n) and target the same shape; got X {X.shape}, target {target.shape}"
        )
    try:
        output = train.predict(model, X)
    except ValueError as error:  # the model's own complaint about its input (it may say "x")
        raise ValueError(f"model could not take X of shape {X.shape}: {error}") from None
    if output.shape != X.shape:
        raise ValueError(f"model must map X {X.shape} to the same shape; got {output.shape}")
    return ((output - target) ** 2).mean(axis=1)
