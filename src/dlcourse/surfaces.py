"""Small loss surfaces in two dimensions, and helpers to watch an optimizer walk on them.

A surface is a function of a tensor ``p`` of shape (..., 2) that returns the loss at every point,
shape (...): the same function gives the loss at one point (autograd then supplies the gradient)
and on a whole grid (for a contour plot). `trajectory` runs any `torch.optim.Optimizer` on a
surface and records where it went.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.optim import Optimizer

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_interval,
    check_real,
    check_size,
    describe,
)

__all__ = [
    "grid",
    "plot_contours",
    "ravine",
    "rosenbrock",
    "saddle",
    "steps_to",
    "trajectory",
]

Surface = Callable[[torch.Tensor], torch.Tensor]


def _xy(p: torch.Tensor, **coefficients: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The two coordinates of the points ``p`` (..., 2), a finite float tensor."""
    check_instance("p", p, torch.Tensor, "a torch.Tensor of shape (..., 2)")
    if p.shape[-1:] != (2,) or not p.is_floating_point():
        raise ValueError(
            f"p must be a float tensor of points of shape (..., 2); got shape {tuple(p.shape)} "
            f"and dtype {p.dtype}"
        )
    if not torch.isfinite(p).all():
        raise ValueError("p must be finite; got NaN or inf coordinates")
    for name, value in coefficients.items():
        largest = torch.finfo(p.dtype).max  # a coefficient past it would be inf in p's dtype
        check_real(name, value, min=-largest, max=largest)
    return p[..., 0], p[..., 1]


def ravine(p: torch.Tensor, a: float = 1.0, b: float = 20.0) -> torch.Tensor:
    """``(a x^2 + b y^2) / 2``: a valley along x, steep across it when ``b >> a``.

    Its curvatures are ``a`` along the valley and ``b`` across it, so plain gradient descent is
    stable only for ``lr < 2 / b`` and then shrinks x by only ``1 - lr * a`` per step.
    Minimum 0 at (0, 0). ``p``: (..., 2); returns (...).
    """
    x, y = _xy(p, a=a, b=b)
    return 0.5 * (a * x**2 + b * y**2)


def rosenbrock(p: torch.Tensor, a: float = 1.0, b: float = 100.0) -> torch.Tensor:
    """``(a - x)^2 + b (y - x^2)^2``: a curved, flat-bottomed valley; minimum 0 at (a, a^2).

    ``p``: (..., 2); returns (...).
    """
    x, y = _xy(p, a=a, b=b)
    return (a - x) ** 2 + b * (y - x**2) ** 2


def saddle(p: torch.Tensor) -> torch.Tensor:
    """``x^2 / 2 + y^4 / 4 - y^2 / 2``: a saddle point at (0, 0) where the loss is 0.

    Downhill along x it is a minimum, along y a maximum; the two true minima are at (0, +-1)
    with loss -1/4. ``p``: (..., 2); returns (...).
    """
    x, y = _xy(p)
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def grid(
    f: Surface,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    n: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``f`` on an ``n`` x ``n`` grid: returns ``(X, Y, Z)``, each (n, n), for contours.

    ``xlim`` and ``ylim`` are ``(low, high)`` pairs; ``n >= 2``.
    """
    check_callable("f", f)
    xlim, ylim = check_interval("xlim", xlim), check_interval("ylim", ylim)
    n = check_int("n", n, min=2)
    check_size(f"an n x n grid with n={n}", n * n)
    xs = torch.linspace(*xlim, n, dtype=torch.float64)
    ys = torch.linspace(*ylim, n, dtype=torch.float64)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")  # (n, n): rows follow y, columns follow x
    with torch.no_grad():
        Z = f(torch.stack([X, Y], dim=-1))
    if not isinstance(Z, torch.Tensor) or Z.shape != (n, n):
        raise ValueError(f"f must map points (n, n, 2) to losses (n, n); got {describe(Z)}")
    return X.numpy(), Y.numpy(), Z.numpy()


def plot_contours(ax, f: Surface, xlim, ylim, n: int = 200, levels: int = 20, log: bool = True):
    """Draw the level lines of ``f`` on the matplotlib axes ``ax``; return the contour set.

    With ``log`` the levels are spaced evenly in ``log(f - min f)``, so that the flat bottom of
    a valley is drawn as finely as its steep walls.
    """
    from matplotlib.axes import Axes

    check_instance("ax", ax, Axes, "matplotlib Axes")
    levels = check_int("levels", levels, min=1, max=10_000)
    log = check_bool("log", log)
    X, Y, Z = grid(f, xlim, ylim, n)
    if Z.max() == Z.min():
        raise ValueError(
            f"f is constant ({Z.min():g}) on the n x n = {n} x {n} grid over xlim={xlim}, "
            f"ylim={ylim}: there are no level lines to draw"
        )
    if log:
        shifted = Z - Z.min()
        positive = shifted[shifted > 0]
        low = max(positive.min(), shifted.max() * 1e-6) if positive.size else 1e-12
        steps = np.geomspace(low, shifted.max(), levels)
        contour = ax.contour(X, Y, Z, levels=Z.min() + steps, colors="0.6", linewidths=0.7)
    else:
        contour = ax.contour(X, Y, Z, levels=levels, colors="0.6", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return contour


def trajectory(
    f: Surface,
    start: Sequence[float],
    make_optimizer: Callable[[list[torch.Tensor]], Optimizer],
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``f`` from ``start`` for ``steps`` optimizer steps, in float64.

    Args:
        f: the loss, from points of shape (..., d) to (...).
        start: the first point, d numbers.
        make_optimizer: builds the optimizer from the parameter list, e.g.
            ``lambda params: dlcourse.optim.SGD(params, lr=0.1)``.
        steps: how many updates, >= 0.

    Returns:
        ``(path, losses)``: path (k + 1, d), the points visited starting with ``start``, and
        losses (k + 1,). ``k == steps`` unless the loss stopped being finite (the run
        diverged), in which case the run stops there and ``k < steps``.
    """
    check_callable("f", f)
    start = check_array("start", start, ndim=1, shape="(d,)")
    check_callable("make_optimizer", make_optimizer)
    steps = check_int("steps", steps, min=0, max=MAX_COUNT)
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([point])
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"make_optimizer must return a torch Optimizer; got {describe(optimizer)}")
    path, losses = [], []
    for step in range(steps + 1):
        try:
            loss = f(point)
        except (ValueError, TypeError) as error:
            if step > 0:
                raise
            raise type(error)(f"f cannot take start {tuple(start)}: {error}") from error
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError(f"f must return a one-number tensor (the loss); got {describe(loss)}")
        path.append(point.detach().clone())
        losses.append(loss.item())
        if step == steps or not math.isfinite(losses[-1]):
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.stack(path).numpy(), np.array(losses)


def steps_to(losses: Sequence[float], threshold: float) -> int | None:
    """The first step ``t`` at which ``losses[t] < threshold``, or ``None`` if never.

    ``losses`` (k,) may end with the inf or NaN of a run that diverged; ``threshold`` is finite.
    """
    losses = check_array("losses", losses, ndim=1, shape="(k,)", finite=False, nonempty=False)
    threshold = check_real("threshold", threshold)
    below = np.flatnonzero(losses < threshold)
    return int(below[0]) if below.size else None
