"""What a ``fit`` run records: its numbers per epoch, for plots and for a resume."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["History"]


@dataclass
class History:
    """Per-epoch numbers of a ``fit`` run, one list entry per epoch.

    ``train_loss``/``train_acc`` are means over the epoch's training examples (train mode, so
    with dropout on, and measured while the weights change); ``val_loss``/``val_acc`` come from
    ``evaluate`` after the epoch; ``lr`` is the first parameter group's learning rate at the
    start of the epoch; ``best_epoch`` (0-based) had the best validation score.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False
