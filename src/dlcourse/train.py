"""A reusable training loop that reads top to bottom: forward, loss, backward, step, log.

``fit`` trains any ``nn.Module`` on any device, evaluates on a validation set after every epoch
and returns a ``History`` to plot. Plain arguments add a learning-rate scheduler, early stopping
(which restores the best weights), checkpoints (state_dicts, loaded with
``torch.load(..., weights_only=True)``) and resuming from one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
)

from dlcourse import device as _device

__all__ = ["History", "evaluate", "fit", "make_loader", "predict"]


@dataclass
class History:
    """Per-epoch numbers of a ``fit`` run, one list entry per epoch.

    ``train_loss``/``train_acc`` are running means over the epoch's mini-batches (train mode,
    so with dropout on); ``val_loss``/``val_acc`` come from ``evaluate`` after the epoch; ``lr``
    is the learning rate the epoch used; ``best_epoch`` (0-based) had the best validation score.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False


def make_loader(
    X: np.ndarray, y: np.ndarray, batch_size: int = 64, shuffle: bool = False
) -> DataLoader:
    """Wrap NumPy arrays X (m, ...) and y (m, ...) into a DataLoader of tensors.

    X becomes float32; integer y becomes int64 (class labels for cross-entropy), other y
    float32 (regression). ``shuffle=True`` (for training) draws a new order every epoch from
    torch's global generator, which ``dlcourse.seed_everything`` seeds.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    y_dtype = torch.int64 if np.issubdtype(y.dtype, np.integer) else torch.float32
    data = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=y_dtype))
    # Index the tensors with a whole batch of indices at once (batch_size=None): the default
    # fetches examples one by one and stacks them, which costs more than a tiny model's step.
    order = RandomSampler(data) if shuffle else SequentialSampler(data)
    return DataLoader(
        data, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None
    )


def _n_correct(output: torch.Tensor, target: torch.Tensor) -> float:
    """Correct predictions in a batch: argmax of (B, C) logits, or one logit > 0.
    NaN when the targets are not class labels (regression)."""
    if target.dtype != torch.int64:
        return float("nan")
    if output.ndim == 2 and output.shape[1] > 1:
        pred = output.argmax(dim=1)
    else:
        pred = (output.reshape(-1) > 0).long()
    return float((pred == target.reshape(-1)).sum())


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: DataLoader, loss_fn, device: torch.device | str | None = None
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode, without gradients.

    Args:
        model: maps inputs (B, ...) to (B, C) logits, or (B,) / (B, 1) outputs.
        loader: yields ``(inputs, targets)``.
        loss_fn: ``loss_fn(outputs, targets)``, a mean over the batch.
        device: default: the device of the model's parameters.

    Returns:
        ``(loss, accuracy)``, means over examples; accuracy is NaN for float targets.
    """
    device = next(model.parameters()).device if device is None else torch.device(device)
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    total_loss, correct, count = 0.0, 0.0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        output = model(xb)
        total_loss += float(loss_fn(output, yb)) * len(xb)
        correct += _n_correct(output, yb)
        count += len(xb)
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate needs a loader with at least one example; got an empty one")
    return total_loss / count, correct / count


@torch.no_grad()
def predict(
    model: nn.Module, X: np.ndarray, device: torch.device | str | None = None
) -> np.ndarray:
    """Outputs of ``model`` in eval mode for NumPy inputs X (m, ...), as a NumPy array."""
    device = next(model.parameters()).device if device is None else torch.device(device)
    was_training = model.training
    model.eval()
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    outputs = [model(X[i : i + 1024].to(device)).cpu() for i in range(0, len(X), 1024)]
    model.train(was_training)
    return torch.cat(outputs).numpy()


def _rng_state() -> dict:
    """The random state behind shuffling and dropout: a resumed run draws the same numbers."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    # Loading with map_location=device may have moved these to the GPU; generators take CPU bytes.
    torch.set_rng_state(state["cpu"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None,
    loss_fn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    scheduler=None,
    device: torch.device | str | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    checkpoint_path: str | Path | None = None,
    resume_from: str | Path | None = None,
    progress: int | str | None = "auto",
) -> History:
    """Train ``model`` in place for ``epochs`` epochs in all (resumed ones included).

    Args:
        model: any ``nn.Module``; moved to ``device``.
        train_loader: yields ``(inputs (B, ...), targets (B, ...))``, shuffled.
        val_loader: evaluated after every epoch; ``None`` to skip.
        loss_fn: ``loss_fn(outputs, targets) -> scalar``, e.g. ``nn.CrossEntropyLoss()``.
        optimizer: built on ``model.parameters()``.
        epochs: total number of epochs, ``>= 1``.
        scheduler: a ``torch.optim.lr_scheduler``, stepped once per epoch
            (``ReduceLROnPlateau`` gets the validation loss).
        device: default ``dlcourse.device.best()``.
        patience: early stopping: stop after ``patience`` epochs without a new best validation
            score, and load the best epoch's weights back into ``model``.
        monitor: what "best" means: ``"val_loss"`` (lowest) or ``"val_acc"`` (highest).
        checkpoint_path: after every epoch, save model, optimizer, scheduler, history and
            random state there (state_dicts, one file, overwritten).
        resume_from: a checkpoint written by ``fit``: go on from where that run was. The
            result is the uninterrupted run's when shuffling and dropout draw from torch's
            global generator (``make_loader`` does).
        progress: print a line every ``progress`` epochs; ``"auto"``: at most one line per
            10 seconds (so short runs print nothing); ``None`` or 0: silent.
    """
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1; got {epochs}")
    if patience is not None and (patience < 1 or val_loader is None):
        raise ValueError(f"early stopping needs patience >= 1 and a val_loader; got {patience}")
    if monitor not in ("val_loss", "val_acc"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_acc'; got {monitor!r}")
    device = _device.best() if device is None else torch.device(device)
    model.to(device)
    history, best_score, best_state, wait = History(), float("inf"), None, 0
    if resume_from is not None:
        ckpt = torch.load(resume_from, map_location=device, weights_only=True)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        history = History(**ckpt["history"])
        best_score, best_state, wait = ckpt["best_score"], ckpt["best_state"], ckpt["wait"]
        _set_rng_state(ckpt["rng"])

    start = last_print = time.perf_counter()
    for epoch in range(len(history.train_loss), int(epochs)):
        if history.stopped_early:  # a resumed run that had already stopped
            break
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        total_loss, correct, count = 0.0, 0.0, 0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            output = model(xb)  # forward
            loss = loss_fn(output, yb)  # loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # backward
            optimizer.step()  # step
            total_loss += float(loss.detach()) * len(xb)
            correct += _n_correct(output.detach(), yb)
            count += len(xb)
        val_loss, val_acc = np.nan, np.nan
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None:
            scheduler.step()

        # log
        history.train_loss.append(total_loss / count)
        history.train_acc.append(correct / count)
        history.val_loss.append(val_loss)
        history.val_acc.append(val_acc)
        history.lr.append(lr)
        score = val_loss if monitor == "val_loss" else -val_acc
        if score < best_score:  # NaN (no validation set) is never a new best
            best_score, wait, history.best_epoch = score, 0, epoch
            if patience is not None:  # a copy: later steps must not change it
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
        history.stopped_early = patience is not None and wait >= patience

        now, every = time.perf_counter(), progress if isinstance(progress, int) else 0
        due = every > 0 and (
            (epoch + 1) % every == 0 or epoch + 1 == epochs or history.stopped_early
        )
        if due or (progress == "auto" and now - last_print > 10):
            print(
                f"epoch {epoch + 1:4d}/{epochs}  train_loss {history.train_loss[-1]:.4f}  "
                f"val_loss {val_loss:.4f}  val_acc {val_acc:.4f}  lr {lr:.2g}  "
                f"({now - start:.1f} s)"
            )
            last_print = now
        if checkpoint_path is not None:
            checkpoint = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else {},
                "history": asdict(history),
                "best_score": best_score,
                "best_state": best_state,
                "wait": wait,
                "rng": _rng_state(),
            }
            torch.save(checkpoint, checkpoint_path)
        if history.stopped_early:
            break

    if patience is not None and best_state is not None:
        model.load_state_dict(best_state)  # early stopping: back to the best epoch's weights
    return history
