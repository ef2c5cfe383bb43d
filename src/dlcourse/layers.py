"""Dropout, batch normalisation and weight initialisation, written from their formulas.

- ``Dropout(p)`` and ``BatchNorm1d(num_features)`` are ``torch.nn.Module`` subclasses whose
  ``forward`` spells out the formulas (autograd supplies the backward pass). They follow
  ``nn.Dropout`` and ``nn.BatchNorm1d`` in training and in evaluation mode: same outputs, same
  gradients, same running statistics, same ``state_dict`` keys.
- ``batchnorm_forward`` / ``batchnorm_backward`` are batch normalisation in NumPy with the
  backward pass by hand, as in the backpropagation chapter.
- ``xavier_std`` / ``he_std`` are the standard deviations that keep a layer's output variance
  equal to its input's; ``xavier_uniform_``, ``xavier_normal_``, ``he_uniform_`` and
  ``he_normal_`` fill a weight with them, drawing exactly what ``torch.nn.init`` draws.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from dlcourse.checks import (
    check_array,
    check_count,
    check_instance,
    check_probability,
    check_real,
    check_size,
    describe,
)

__all__ = [
    "BatchNorm1d",
    "Dropout",
    "batchnorm_backward",
    "batchnorm_forward",
    "fans",
    "he_normal_",
    "he_std",
    "he_uniform_",
    "xavier_normal_",
    "xavier_std",
    "xavier_uniform_",
]


class Dropout(nn.Module):
    """Inverted dropout: in training, zero each entry with probability ``p`` and scale the
    survivors by ``1 / (1 - p)``, so that the expected output equals the input; in evaluation
    mode, the identity.

    Draws its mask as ``nn.Dropout`` does (``bernoulli_(1 - p)`` on a tensor like the input),
    so with the same seed both drop the same entries. The last mask (1 = kept) is kept in
    ``self.mask`` for inspection.

    Args:
        p: probability of dropping an entry, in [0, 1].
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = check_probability("p", p)
        self.mask: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: any shape; returns the same shape."""
        check_instance("x", x, torch.Tensor)
        if not self.training or self.p == 0:
            return x
        keep = 1.0 - self.p
        self.mask = torch.empty_like(x).bernoulli_(keep)  # 1 with probability 1 - p
        scale = 0.0 if keep == 0 else 1.0 / keep  # p = 1 drops everything
        return x * self.mask * scale

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(nn.Module):
    """Batch normalisation over the batch (and length) dimension, one statistic per feature.

    Training: ``x_hat = (x - mean) / sqrt(var + eps)`` with the batch's mean and *biased*
    variance (divided by n), then ``gamma * x_hat + beta``; the running statistics move towards
    the batch's, ``running = (1 - momentum) * running + momentum * batch``, the variance's with
    the *unbiased* estimate (divided by n - 1), as torch does. Evaluation: the running
    statistics replace the batch's, so an example's output no longer depends on its batch.

    Args:
        num_features: C, the number of features (channels).
        eps: added to the variance before the square root, > 0.
        momentum: weight of the new batch in the running statistics, in [0, 1]; ``None``
            averages all batches seen so far equally (a cumulative mean).

    Parameters and buffers carry ``nn.BatchNorm1d``'s names (``weight`` is gamma, ``bias`` is
    beta, ``running_mean``, ``running_var``, ``num_batches_tracked``), so the two load each
    other's ``state_dict``.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1) -> None:
        super().__init__()
        num_features = check_count("num_features", num_features)
        check_size("num_features", num_features)
        eps = check_real("eps", eps, min=0.0, min_open=True)
        if momentum is not None:
            momentum = check_probability("momentum", momentum)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))  # gamma: learnable scale
        self.bias = nn.Parameter(torch.zeros(num_features))  # beta: learnable shift
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C) or (N, C, L); returns the same shape."""
        C = self.num_features
        check_instance("x", x, torch.Tensor)
        if x.ndim not in (2, 3) or x.shape[1] != C:
            raise ValueError(
                f"BatchNorm1d expects x of shape (N, {C}) or (N, {C}, L); got {tuple(x.shape)}"
            )
        dims = (0,) if x.ndim == 2 else (0, 2)  # statistics over everything but the features
        shape = (1, C) if x.ndim == 2 else (1, C, 1)  # broadcast one value per feature
        if self.training:
            n = x.numel() // C
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d needs more than 1 value per feature in training; got x "
                    f"of shape {tuple(x.shape)}"
                )
            mean = x.mean(dim=dims)
            var = ((x - mean.reshape(shape)) ** 2).mean(dim=dims)  # biased: divided by n
            with torch.no_grad():
                self.num_batches_tracked += 1
                m = (
                    1.0 / float(self.num_batches_tracked)
                    if self.momentum is None
                    else self.momentum
                )
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                # The running variance estimates the population's: unbiased, n - 1.
                self.running_var.mul_(1 - m).add_(var.detach() * n / (n - 1), alpha=m)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + self.eps)
        return self.weight.reshape(shape) * x_hat + self.bias.reshape(shape)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


# --- Batch normalisation in NumPy, backward by hand --------------------------------------------


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Training-mode batch normalisation of x (N, D) with gamma (D,) and beta (D,).

    Returns:
        ``(out (N, D), cache)``; the cache holds what ``batchnorm_backward`` needs.
    """
    x = check_array("x", x, ndim=2, shape="(N, D)")
    gamma = check_array("gamma", gamma, ndim=1, shape="(D,)")
    beta = check_array("beta", beta, ndim=1, shape="(D,)")
    if x.shape[0] < 2:
        raise ValueError(f"x must have shape (N, D) with N >= 2; got {x.shape}")
    D = x.shape[1]
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (D,):
            raise ValueError(
                f"{name} must have shape ({D},) to match x {x.shape}; got {value.shape}"
            )
    eps = check_real("eps", eps, min=0.0, min_open=True)
    mean = x.mean(axis=0)  # (D,)
    var = x.var(axis=0)  # (D,), biased: divided by N
    inv_std = 1.0 / np.sqrt(var + eps)  # (D,)
    x_hat = (x - mean) * inv_std  # (N, D)
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through ``batchnorm_forward``, given dout = dL/dout (N, D).

    The mean and the variance depend on every example, so each x_i's gradient gets two extra
    terms besides the direct path: ``dx = inv_std / N * (N dx_hat - sum(dx_hat)
    - x_hat * sum(dx_hat * x_hat))`` with ``dx_hat = dout * gamma`` and sums over the batch.

    Returns:
        ``(dx (N, D), dgamma (D,), dbeta (D,))``.
    """
    if not (
        isinstance(cache, tuple)
        and len(cache) == 3
        and all(isinstance(a, np.ndarray) for a in cache)
    ):
        raise TypeError(
            f"cache must be the (x_hat, inv_std, gamma) tuple from batchnorm_forward; "
            f"got {describe(cache)}"
        )
    x_hat, inv_std, gamma = cache
    dout = check_array("dout", dout, ndim=2, shape="(N, D)")
    if dout.shape != x_hat.shape:
        raise ValueError(
            f"dout must have the forward output's shape {x_hat.shape}; got {dout.shape}"
        )
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)  # out = gamma * x_hat + beta
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


# --- Initialisation: keep the variance of the signal through the layers -----------------------


def fans(shape: tuple[int, ...] | torch.Size) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight in torch's layout (out, in, *kernel)."""
    if not isinstance(shape, (tuple, list, torch.Size)):
        raise TypeError(f"shape must be a tuple of integers (out, in, ...); got {describe(shape)}")
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions (out, in, ...); got {shape}")
    shape = tuple(check_count(f"shape[{i}]", n) for i, n in enumerate(shape))
    receptive = math.prod(shape[2:])  # 1 for a linear layer
    return shape[1] * receptive, shape[0] * receptive


def _gain(gain: float) -> float:
    # Gains are activation slopes, 1 to about 5 in practice; 100 keeps every bound finite in
    # float16 too, where a typo like 1e300 would otherwise surface as a torch RuntimeError.
    return check_real("gain", gain, min=0.0, min_open=True, max=100.0)


def _weight(weight: torch.Tensor) -> torch.Tensor:
    check_instance("weight", weight, torch.Tensor)
    if weight.ndim < 2 or weight.numel() == 0:
        raise ValueError(
            f"weight must have at least 2 dimensions (out, in, ...) and no empty one; "
            f"got shape {tuple(weight.shape)}"
        )
    return weight


def _generator(generator) -> torch.Generator | None:
    if generator is not None:
        check_instance("generator", generator, torch.Generator)
    return generator


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot and Bengio (2010): ``gain * sqrt(2 / (fan_in + fan_out))``.

    A layer ``y = W x`` with independent zero-mean entries has ``Var(y) = fan_in Var(W) Var(x)``
    going forward, and ``fan_out Var(W)`` times the gradient's variance going back. Both stay
    put with ``Var(W) = 1 / fan_in`` and ``1 / fan_out``; the compromise is their harmonic mean.
    Right for tanh (slope 1 at 0) and the sigmoid family, with ``gain`` for their slope.
    """
    fan_in, fan_out = check_count("fan_in", fan_in), check_count("fan_out", fan_out)
    return _gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He et al. (2015): ``gain / sqrt(fan_in)``, with ``gain = sqrt(2)`` for ReLU, which zeroes
    half of its inputs and so halves the second moment that reaches the next layer."""
    return _gain(gain) / math.sqrt(check_count("fan_in", fan_in))


def _uniform_(weight: torch.Tensor, std: float, generator) -> torch.Tensor:
    generator = _generator(generator)
    bound = math.sqrt(3.0) * std  # U(-a, a) has variance a^2 / 3
    with torch.no_grad():
        return weight.uniform_(-bound, bound, generator=generator)


def _normal_(weight: torch.Tensor, std: float, generator) -> torch.Tensor:
    generator = _generator(generator)
    with torch.no_grad():
        return weight.normal_(0.0, std, generator=generator)


def xavier_uniform_(weight: torch.Tensor, gain: float = 1.0, generator=None) -> torch.Tensor:
    """Fill ``weight`` (out, in, ...) in place from U(-a, a) with standard deviation
    ``xavier_std``; draws what ``nn.init.xavier_uniform_`` draws."""
    return _uniform_(weight, xavier_std(*fans(_weight(weight).shape), gain), generator)


def xavier_normal_(weight: torch.Tensor, gain: float = 1.0, generator=None) -> torch.Tensor:
    """Fill ``weight`` (out, in, ...) in place from N(0, ``xavier_std``^2)."""
    return _normal_(weight, xavier_std(*fans(_weight(weight).shape), gain), generator)


def he_uniform_(weight: torch.Tensor, generator=None) -> torch.Tensor:
    """Fill ``weight`` (out, in, ...) in place from U(-a, a) with standard deviation ``he_std``;
    as ``nn.init.kaiming_uniform_(weight, nonlinearity="relu")``."""
    return _uniform_(weight, he_std(fans(_weight(weight).shape)[0]), generator)


def he_normal_(weight: torch.Tensor, generator=None) -> torch.Tensor:
    """Fill ``weight`` (out, in, ...) in place from N(0, ``he_std``^2); as
    ``nn.init.kaiming_normal_(weight, nonlinearity="relu")``."""
    return _normal_(weight, he_std(fans(_weight(weight).shape)[0]), generator)
