"""A triangular cyclical learning rate (Smith, 2017), written as a torch `LRScheduler`.

The learning rate climbs linearly from ``base_lr`` to ``max_lr`` in ``step_size_up`` steps,
falls back in ``step_size_down`` steps, and repeats. Smith's argument: the short phases of a
large learning rate help to cross saddle points and plateaus, the phases of a small one let the
loss settle, and one sweep costs no more than a constant rate.

``step()`` is meant to be called after every *batch* (one optimizer step), not every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from dlcourse.checks import check_count, check_instance, check_int, check_real

__all__ = ["CyclicalLR", "triangular_lr"]


def _rates(base_lr: float, max_lr: float) -> tuple[float, float]:
    """Two learning rates with ``0 <= base_lr <= max_lr``, both finite."""
    base_lr = check_real("base_lr", base_lr, min=0)
    max_lr = check_real("max_lr", max_lr, min=0)
    if max_lr < base_lr:
        raise ValueError(f"max_lr must be >= base_lr = {base_lr}; got max_lr={max_lr}")
    return base_lr, max_lr


def triangular_lr(
    t: int,
    base_lr: float,
    max_lr: float,
    step_size_up: int,
    step_size_down: int | None = None,
) -> float:
    """The triangular schedule's learning rate after ``t`` steps (``t = 0`` gives ``base_lr``).

    Args:
        t: number of optimizer steps taken so far, >= 0.
        base_lr: the lowest learning rate, at the start of every cycle, >= 0.
        max_lr: the highest, reached after ``step_size_up`` steps of each cycle, >= base_lr.
        step_size_up: steps from ``base_lr`` up to ``max_lr``, >= 1.
        step_size_down: steps back down; ``None`` means the same as ``step_size_up``.

    Returns:
        ``base_lr + (max_lr - base_lr) * h`` where ``h`` in [0, 1] is the triangle's height.
    """
    t = check_int("t", t, min=0)
    base_lr, max_lr = _rates(base_lr, max_lr)
    up = check_count("step_size_up", step_size_up)
    down = up if step_size_down is None else check_count("step_size_down", step_size_down)
    where = t % (up + down)  # position inside the current cycle
    height = where / up if where <= up else (up + down - where) / down
    return base_lr + (max_lr - base_lr) * height


def _per_group(name: str, value: float | Sequence[float], optimizer: Optimizer) -> list[float]:
    """One value per parameter group: a float is repeated, a list must match the groups."""
    n = len(optimizer.param_groups)
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(f"{name} needs one value per parameter group ({n}); got {len(values)}")
    return [check_real(name, v, min=0) for v in values]


class CyclicalLR(LRScheduler):
    """Cycle each parameter group's learning rate along `triangular_lr`.

    Equal to ``torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr, max_lr, step_size_up,
    step_size_down, mode="triangular", cycle_momentum=False)``.

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` this scheduler sets.
        base_lr: lowest learning rate, a float or one per parameter group.
        max_lr: highest learning rate, a float or one per group; each >= its ``base_lr``.
        step_size_up: optimizer steps from ``base_lr`` to ``max_lr``, >= 1.
        step_size_down: steps back down; ``None`` means the same as ``step_size_up``.
        last_epoch: the number of steps already taken minus one, to resume; -1 starts afresh.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        last_epoch: int = -1,
    ) -> None:
        check_instance("optimizer", optimizer, Optimizer, "a torch.optim.Optimizer")
        base_lrs = _per_group("base_lr", base_lr, optimizer)
        self.max_lrs = _per_group("max_lr", max_lr, optimizer)
        for low, high in zip(base_lrs, self.max_lrs, strict=True):
            _rates(low, high)
        last_epoch = check_int("last_epoch", last_epoch, min=-1)
        self.step_size_up = check_count("step_size_up", step_size_up)
        self.step_size_down = (
            step_size_up
            if step_size_down is None
            else check_count("step_size_down", step_size_down)
        )
        if last_epoch == -1:
            # Start every group at its base rate, recorded where LRScheduler looks for it.
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = group["initial_lr"] = lr
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def get_lr(self) -> list[float]:
        """The learning rate of each group after ``self.last_epoch`` steps."""
        return [
            triangular_lr(self.last_epoch, low, high, self.step_size_up, self.step_size_down)
            for low, high in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
