"""The PyTorch workflow of lecture 001: a straight-line model built from two ``nn.Parameter``s.

``LinearRegressionModel`` is the model of the lecture's exercise set: a weight and a bias,
randomly initialised, learnable (``requires_grad=True``), registered on an ``nn.Module`` so that
``parameters()``, ``state_dict()``, ``.to(device)`` and ``load_state_dict`` all work for free.
``l1_steps_needed`` is the arithmetic behind a fact the chapter measures: with the L1 loss and
plain SGD, a parameter moves by a bounded amount per step, so a far-away start needs many epochs.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlcourse.checks import check_instance, check_real, check_seed

__all__ = ["LinearRegressionModel", "l1_steps_needed"]


class LinearRegressionModel(nn.Module):
    """``y = weight * x + bias`` with a scalar weight and bias drawn from a standard normal.

    Args:
        seed: seed of a private generator for the initial values, so that the same seed gives
            the same start whatever else the program has drawn; ``None`` uses torch's global
            generator (``torch.manual_seed`` then decides).
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__()
        seed = None if seed is None else check_seed("seed", seed)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        # nn.Parameter registers the tensor with the module: it shows up in parameters() and
        # state_dict(), and moves with .to(device). requires_grad=True is the default, spelled
        # out because the lecture asks for it.
        self.weight = nn.Parameter(torch.randn(1, generator=generator), requires_grad=True)
        self.bias = nn.Parameter(torch.randn(1, generator=generator), requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map x of shape (N, 1) to predictions of shape (N, 1)."""
        # A (N,) input would broadcast silently against (N, 1) targets inside a loss, turning
        # an N-vector of errors into an N x N matrix; insisting on (N, 1) catches that early.
        check_instance("x", x, torch.Tensor, "a torch.Tensor of shape (N, 1)")
        if x.ndim != 2 or x.shape[1] != 1:
            raise ValueError(f"x must have shape (N, 1), one example per row; got {tuple(x.shape)}")
        return self.weight * x + self.bias


def l1_steps_needed(start: float, target: float, lr: float, max_grad: float = 1.0) -> int:
    """A lower bound on the SGD steps that take a parameter from ``start`` to ``target``.

    The gradient of the mean absolute error ``mean(|w * x + b - y|)`` is a mean of signs times
    x: it never exceeds ``1`` for the bias and ``mean(|x|)`` for the weight, however wrong the
    model is. So one SGD step moves a parameter by at most ``lr * max_grad``, and covering the
    distance takes at least ``ceil(|target - start| / (lr * max_grad))`` steps.

    Args:
        start, target: the initial and the desired value of the parameter.
        lr: the learning rate, ``> 0``.
        max_grad: the largest magnitude the parameter's gradient can have, ``> 0``.

    Returns:
        The bound, an integer ``>= 0``.
    """
    start, target = check_real("start", start), check_real("target", target)
    lr = check_real("lr", lr, min=0, min_open=True)
    max_grad = check_real("max_grad", max_grad, min=0, min_open=True)
    steps = abs(target - start) / (lr * max_grad)
    if not math.isfinite(steps):
        raise ValueError(
            f"too many steps to count: |target - start| / (lr * max_grad) overflows; got "
            f"start={start}, target={target}, lr={lr}, max_grad={max_grad}"
        )
    # Round away tiny float error so that an exact multiple (0.1 / 0.01) is not counted as 11.
    return math.ceil(round(steps, 9))
