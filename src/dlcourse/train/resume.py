"""How ``fit`` resumes exactly: the state it carries between epochs, saved with the checkpoint.

A checkpoint of ``fit`` holds the model once. With early stopping, the best epoch's weights are
needed again at the end; while they are the model's (the last epoch was the best) the
checkpoint itself holds them, and once the model moves on they go to a file of their own
beside it (``run.pt`` -> ``run.best.pt``), named in the checkpoint by its sha256 and checked
when it is read back.
"""

from __future__ import annotations

import copy
import hashlib
import io
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

from dlcourse.train.checkpoint import load_checkpoint, load_state_dict_checked, save_checkpoint
from dlcourse.train.history import History

# Internal: fit's machinery (dlcourse.train.loop), not part of the API.
__all__: list[str] = []


@dataclass
class ResumeState:
    """What ``fit`` carries from epoch to epoch besides the model, the optimizer, the
    schedulers and the history; saved in a checkpoint's ``extra["fit"]`` to resume exactly."""

    best_score: float = math.inf  # the lowest val_loss (or -val_acc) so far
    wait: int = 0  # epochs since the best one
    best_sha256: str | None = None  # early stopping: the file of the best weights, if not these
    scaler: dict = field(default_factory=dict)  # the gradient scaler's state

    @classmethod
    def peek(cls, path) -> ResumeState:
        """The state saved in the checkpoint at ``path``, read before anything is loaded."""
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # noqa: BLE001 (a damaged file: say so, naming the argument)
            raise ValueError(
                f"resume_from {str(path)!r} must be a checkpoint written by "
                f"fit(checkpoint_path=...); it does not load with weights_only=True "
                f"({type(error).__name__}); nothing was loaded"
            ) from None
        extra = ckpt.get("extra") if isinstance(ckpt, dict) else None
        state = extra.get("fit") if isinstance(extra, dict) else None
        saved = ckpt.get("history") if isinstance(ckpt, dict) else None
        if (
            not isinstance(state, dict)
            or set(state) != {f.name for f in fields(cls)}
            or not isinstance(saved, dict)
            or set(saved) != {f.name for f in fields(History)}
        ):
            raise ValueError(
                f"resume_from {str(path)!r} must be a checkpoint written by "
                "fit(checkpoint_path=...); it has no fit state; nothing was loaded"
            )
        return cls(**state)


def best_path(checkpoint_path: Path) -> Path:
    """Where early stopping keeps the best epoch's weights: ``run.pt`` -> ``run.best.pt``."""
    return checkpoint_path.with_name(f"{checkpoint_path.stem}.best{checkpoint_path.suffix}")


def save_weights(path: Path, state_dict: dict) -> str:
    """Write a ``state_dict`` to ``path`` (aside, then renamed over it); return its sha256."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, path)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def resume(path, model, optimizer, schedulers, scaler, patience, device):
    """Load a ``fit`` checkpoint; return ``(history, state, best weights or None)``."""
    ResumeState.peek(path)  # a checkpoint without fit's state is refused before loading
    ckpt = load_checkpoint(path, model, optimizer, schedulers, map_location=device)
    state, history = ResumeState(**ckpt["extra"]["fit"]), History(**ckpt["history"])
    if state.scaler:
        scaler.load_state_dict(state.scaler)
    if patience is None or history.best_epoch < 0:
        return history, state, None
    if state.wait == 0:  # the best epoch was the last one saved: its weights are the model's
        return history, state, copy.deepcopy(model.state_dict())
    if state.best_sha256 is None:
        raise ValueError(
            f"patience: resume_from {str(path)!r} was written without early stopping, so the "
            f"weights of its best epoch ({history.best_epoch}) were not kept"
        )
    best = copy.deepcopy(model)  # the best weights, read into a copy of the model
    load_state_dict_checked(best, best_path(Path(path)), expected_sha256=state.best_sha256)
    return history, state, best.state_dict()


def save_run(path, model, optimizer, schedulers, history, state, scaler, best) -> None:
    """Save a resumable checkpoint, which holds the model once. With early stopping
    (``best``), once the model has moved on from its best epoch, the best weights go to their
    own file first, and the checkpoint names that file by its hash."""
    state.scaler = scaler.state_dict()
    if best is None or state.wait == 0:
        state.best_sha256 = None  # no early stopping, or the best weights are the model's
    elif state.best_sha256 is None:  # the first epoch after the best: keep the best aside
        state.best_sha256 = save_weights(best_path(path), best)
    save_checkpoint(path, model, optimizer, schedulers, history, {"fit": asdict(state)})
