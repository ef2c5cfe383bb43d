"""Meta-learning on sine waves: MAML (second- and first-order) against plain pretraining.

Every **task** is a sine wave ``y = a sin(x - phase)`` with its own amplitude ``a`` in
[0.1, 5] and phase in [0, pi], seen through ``k`` points with ``x`` in [-5, 5] (Finn et al.,
2017). **MAML** learns initial weights ``theta`` such that a few gradient steps on a new task's
``k`` points fit that task well: the *inner loop* adapts ``theta`` to each task,

    theta'_i = theta - alpha * grad L_i^support(theta),

and the *outer loop* moves ``theta`` to lower the loss of the adapted weights on fresh points
of the same tasks, ``sum_i L_i^query(theta'_i)``. Its gradient runs back through the inner
step, so it holds the inner loss's Hessian; **first-order MAML** drops that term. The
**pretraining** baseline trains one network on all tasks' points at once, then fine-tunes with
the same steps.

The network is any ``nn.Module``: its weights are passed as a dict to
``torch.func.functional_call``, and ``torch.func.vmap`` runs a batch of tasks at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_bool,
    check_instance,
    check_int,
    check_real,
    check_same_length,
    check_size,
    describe,
)

__all__ = [
    "AMPLITUDE",
    "PHASE",
    "X_RANGE",
    "SineTasks",
    "adapt",
    "adaptation_curve",
    "adapted_predictions",
    "maml_loss",
    "mse",
    "sine_net",
    "train_maml",
    "train_pretrained",
]

AMPLITUDE = (0.1, 5.0)
PHASE = (0.0, float(np.pi))
X_RANGE = (-5.0, 5.0)

Params = dict[str, torch.Tensor]


def _points(name: str, t, ndim: int, shape: str = "") -> torch.Tensor:
    """A floating-point tensor of points, (k, 1) for ``ndim=2`` or (T, k, 1) for ``ndim=3``."""
    check_instance(name, t, torch.Tensor)
    if not t.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {t.dtype}")
    if t.dim() != ndim or t.shape[-1] != 1:
        shape = shape or ("(T, k, 1)" if ndim == 3 else "(k, 1)")
        raise ValueError(f"{name} must have shape {shape}; got {tuple(t.shape)}")
    return t


def _model_and_params(model, params) -> None:
    check_instance("model", model, nn.Module)
    check_instance("params", params, dict, "a dict of the model's weights by name")
    names = {n for n, _ in model.named_parameters()} | {n for n, _ in model.named_buffers()}
    unknown = [n for n in params if n not in names]
    if unknown:
        raise ValueError(f"params must name weights of model; got unknown names {unknown[:3]}")


@dataclass
class SineTasks:
    """A batch of T sine-wave tasks: ``amplitude`` (T,) and ``phase`` (T,)."""

    amplitude: np.ndarray
    phase: np.ndarray

    def __post_init__(self) -> None:
        self.amplitude = check_array("amplitude", self.amplitude, ndim=1, shape="(T,)")
        self.phase = check_array("phase", self.phase, ndim=1, shape="(T,)")
        check_same_length("amplitude and phase", self.amplitude, self.phase)

    @classmethod
    def sample(cls, n: int, rng: np.random.Generator) -> SineTasks:
        """``n`` tasks with amplitude uniform in [0.1, 5] and phase uniform in [0, pi]."""
        n = check_int("n", n, min=1, max=MAX_COUNT)
        check_size("n", n)
        check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
        return cls(rng.uniform(*AMPLITUDE, size=n), rng.uniform(*PHASE, size=n))

    def __len__(self) -> int:
        return len(self.amplitude)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The true curves at ``x`` (T, k, 1): ``a_t sin(x - phase_t)``, shape (T, k, 1)."""
        check_instance("x", x, torch.Tensor)
        if x.dim() != 3 or x.shape[0] != len(self) or x.shape[2] != 1:
            raise ValueError(f"x must have shape ({len(self)}, k, 1); got {tuple(x.shape)}")
        a = torch.as_tensor(self.amplitude, dtype=x.dtype).view(-1, 1, 1)
        phase = torch.as_tensor(self.phase, dtype=x.dtype).view(-1, 1, 1)
        return a * torch.sin(x - phase)

    def points(self, k: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``k`` points of each task, ``x`` uniform in [-5, 5]: x (T, k, 1), y (T, k, 1)."""
        k = check_int("k", k, min=1, max=MAX_COUNT)
        check_size("k (points per task, times T tasks)", len(self) * k)
        check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
        x = torch.as_tensor(rng.uniform(*X_RANGE, size=(len(self), k, 1)), dtype=torch.float32)
        return x, self(x)


def sine_net(hidden: int = 40) -> nn.Sequential:
    """The regressor of the MAML paper: 1 -> hidden -> hidden -> 1 with ReLUs; (B, 1) -> (B, 1)."""
    hidden = check_int("hidden", hidden, min=1, max=MAX_COUNT)
    check_size("hidden * hidden (weights)", hidden * hidden)
    return nn.Sequential(
        nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
    )


def mse(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of ``model`` run with weights ``params`` on x (k, 1), y (k, 1)."""
    _model_and_params(model, params)
    _points("x", x, 2)
    _points("y", y, 2)
    out = functional_call(model, params, (x,))
    if out.shape != y.shape:  # (k, 1) - (k,) would broadcast to (k, k) silently
        raise ValueError(
            f"y must have the model's output shape {tuple(out.shape)}; got {tuple(y.shape)}"
        )
    return (out - y).pow(2).mean()


def adapt(
    model: nn.Module,
    params: Params,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    steps: int,
    first_order: bool = False,
) -> Params:
    """The inner loop: ``steps`` plain gradient steps on one task's points x (k, 1), y (k, 1).

    Returns new weights ``theta - lr * grad`` (repeated); ``params`` is left as it is. The
    result stays differentiable with respect to ``params``: through the gradients themselves
    (second order, the Hessian term) unless ``first_order``, which treats each inner gradient
    as a constant. Works inside ``torch.func.vmap``.
    """
    _model_and_params(model, params)
    lr = check_real("lr", lr, min=0)
    steps = check_int("steps", steps, min=0, max=MAX_COUNT)
    first_order = check_bool("first_order", first_order)
    for _ in range(steps):
        g = grad(mse, argnums=1)(model, params, x, y)
        if first_order:
            g = {name: v.detach() for name, v in g.items()}
        params = {name: p - lr * g[name] for name, p in params.items()}
    return params


def _check_task_tensors(**tensors: torch.Tensor) -> None:
    shapes = {}
    for name, t in tensors.items():
        _points(name, t, 3)
        shapes[name] = tuple(t.shape)
    if len({s[0] for s in shapes.values()}) > 1:
        raise ValueError(f"every tensor must hold the same number of tasks T; got {shapes}")


def maml_loss(
    model: nn.Module,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    x_query: torch.Tensor,
    y_query: torch.Tensor,
    *,
    inner_lr: float,
    inner_steps: int = 1,
    first_order: bool = False,
) -> torch.Tensor:
    """The MAML objective for a batch of T tasks: the mean query loss after adaptation.

    ``x_support``, ``y_support`` (T, k, 1) adapt; ``x_query``, ``y_query`` (T, q, 1) score.
    ``.backward()`` on the result gives the meta-gradient in ``model``'s parameters.
    """
    _check_task_tensors(x_support=x_support, y_support=y_support, x_query=x_query, y_query=y_query)
    check_instance("model", model, nn.Module)
    inner_lr = check_real("inner_lr", inner_lr, min=0)
    inner_steps = check_int("inner_steps", inner_steps, min=0, max=MAX_COUNT)
    first_order = check_bool("first_order", first_order)
    params = dict(model.named_parameters())

    def one_task(xs, ys, xq, yq):
        adapted = adapt(model, params, xs, ys, lr=inner_lr, steps=inner_steps,
                        first_order=first_order)  # fmt: skip
        return mse(model, adapted, xq, yq)

    return vmap(one_task)(x_support, y_support, x_query, y_query).mean()


def train_maml(
    model: nn.Module,
    *,
    meta_steps: int,
    meta_batch: int = 25,
    k_shot: int = 10,
    inner_lr: float = 0.01,
    inner_steps: int = 1,
    outer_lr: float = 1e-3,
    first_order: bool = False,
    rng: np.random.Generator,
) -> list[float]:
    """The outer loop: Adam on ``maml_loss`` over fresh tasks. Returns the meta-loss per step.

    Each step draws ``meta_batch`` tasks, ``k_shot`` support and ``k_shot`` query points each.
    """
    check_instance("model", model, nn.Module)
    meta_steps = check_int("meta_steps", meta_steps, min=1, max=MAX_COUNT)
    meta_batch = check_int("meta_batch", meta_batch, min=1, max=MAX_COUNT)
    k_shot = check_int("k_shot", k_shot, min=1, max=MAX_COUNT)
    check_size("meta_batch * k_shot", meta_batch * k_shot)
    inner_lr = check_real("inner_lr", inner_lr, min=0)
    inner_steps = check_int("inner_steps", inner_steps, min=0, max=MAX_COUNT)
    first_order = check_bool("first_order", first_order)
    check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
    outer_lr = check_real("outer_lr", outer_lr, min=0, min_open=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=outer_lr)
    losses = []
    for _ in range(meta_steps):
        tasks = SineTasks.sample(meta_batch, rng)
        xs, ys = tasks.points(k_shot, rng)
        xq, yq = tasks.points(k_shot, rng)
        loss = maml_loss(model, xs, ys, xq, yq, inner_lr=inner_lr, inner_steps=inner_steps,
                         first_order=first_order)  # fmt: skip
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_pretrained(
    model: nn.Module,
    *,
    steps: int,
    meta_batch: int = 25,
    k_shot: int = 10,
    lr: float = 1e-3,
    rng: np.random.Generator,
) -> list[float]:
    """The baseline: Adam on the plain MSE of all tasks' points at once, no inner loop.

    Same tasks, points and optimizer as ``train_maml``; only the objective differs. The best
    single curve is the average task: with phases uniform in [0, pi] the waves do not cancel,
    and it is ``-(2 / pi) E[a] cos x``, about ``-1.62 cos x`` (not zero).
    """
    check_instance("model", model, nn.Module)
    steps = check_int("steps", steps, min=1, max=MAX_COUNT)
    meta_batch = check_int("meta_batch", meta_batch, min=1, max=MAX_COUNT)
    k_shot = check_int("k_shot", k_shot, min=1, max=MAX_COUNT)
    check_size("meta_batch * k_shot", 2 * meta_batch * k_shot)
    check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
    lr = check_real("lr", lr, min=0, min_open=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        tasks = SineTasks.sample(meta_batch, rng)
        x, y = tasks.points(2 * k_shot, rng)  # as many points as MAML sees per task
        loss = (model(x.view(-1, 1)) - y.view(-1, 1)).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def adaptation_curve(
    model: nn.Module,
    tasks: SineTasks,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    *,
    lr: float,
    steps: int,
    n_grid: int = 200,
) -> np.ndarray:
    """Fine-tune ``model`` on each task's points and score it after 0, 1, ..., steps steps.

    ``x_support``, ``y_support`` (T, k, 1) are the points each task may learn from. The score
    is the MSE against the true curve on ``n_grid`` evenly spaced x in [-5, 5], averaged over
    tasks. Returns (steps + 1,); ``model`` itself is not changed.
    """
    check_instance("model", model, nn.Module)
    check_instance("tasks", tasks, SineTasks)
    _check_task_tensors(x_support=x_support, y_support=y_support)
    if len(x_support) != len(tasks):
        raise ValueError(
            f"x_support must hold one row per task ({len(tasks)}); got {len(x_support)}"
        )
    steps = check_int("steps", steps, min=0, max=MAX_COUNT)
    n_grid = check_int("n_grid", n_grid, min=1, max=MAX_COUNT)
    check_size("n_grid * T (tasks) * (steps + 1)", len(tasks) * n_grid * (steps + 1))
    lr = check_real("lr", lr, min=0)
    x_grid = torch.linspace(*X_RANGE, n_grid).view(1, -1, 1).expand(len(tasks), -1, -1)
    y_grid = tasks(x_grid)
    params = {n: p.detach() for n, p in model.named_parameters()}

    def curve(xs, ys, xg, yg):
        out, p = [], params
        for _ in range(steps + 1):
            out.append(mse(model, p, xg, yg))
            p = adapt(model, p, xs, ys, lr=lr, steps=1, first_order=True)
        return torch.stack(out)

    return vmap(curve)(x_support, y_support, x_grid, y_grid).mean(0).detach().numpy()


def adapted_predictions(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    x_grid: torch.Tensor,
    *,
    lr: float,
    steps: int,
) -> torch.Tensor:
    """One task: fine-tune on x (k, 1), y (k, 1) for ``steps`` steps, predict at x_grid (n, 1)."""
    check_instance("model", model, nn.Module)
    for name, t in (("x", x), ("y", y), ("x_grid", x_grid)):
        _points(name, t, 2, "(n, 1)")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape; got {describe(x)} and {describe(y)}")
    params = {n: p.detach() for n, p in model.named_parameters()}
    params = adapt(model, params, x, y, lr=check_real("lr", lr, min=0),
                   steps=check_int("steps", steps, min=0, max=MAX_COUNT),
                   first_order=True)  # fmt: skip
    return functional_call(model, params, (x_grid,)).detach()
