"""A training loop that reads top to bottom: forward, loss, backward, step, log.

``train_epoch`` is one pass over the training data, one batch at a time; its options are the
ones later chapters need (a learning rate changed every batch, gradient clipping, mixed
precision, gradient accumulation). ``fit`` repeats it for a number of epochs, evaluates on a
validation set after each, and adds early stopping, checkpoints (``dlcourse.checkpoint``),
resuming, and a progress bar (``dlcourse.progress``). It returns a ``History`` to plot.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

from dlcourse import progress as _progress
from dlcourse.batches import evaluate, make_loader, n_correct, predict
from dlcourse.checkpoint import is_main_process, load_checkpoint, save_checkpoint
from dlcourse.checks import describe
from dlcourse.train_checks import (
    as_device,
    check_fit_args,
    check_loader,
    check_target_shape,
    epoch_setup,
    grad_scaler,
)

__all__ = ["History", "evaluate", "fit", "make_loader", "predict", "train_epoch"]


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


def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    loss_fn,
    optimizer: torch.optim.Optimizer,
    *,
    device: torch.device | str | None = None,
    scheduler=None,
    clip_grad_norm: float | None = None,
    amp: bool | str | torch.dtype = False,
    accumulate: int = 1,
    scaler: torch.amp.GradScaler | None = None,
) -> tuple[float, float]:
    """One pass over ``loader``: forward, loss, backward, step, one batch at a time.

    Args:
        model: maps inputs (B, ...) to outputs, e.g. (B, C) logits; already on ``device``.
        loader: yields ``(inputs (B, ...), targets (B, ...))``; must have a length.
        loss_fn: ``loss_fn(outputs, targets) -> scalar``, a mean over the batch.
        optimizer: steps the parameters it holds (frozen ones get no gradient, so no step).
        device: where batches go; default the device of the model's parameters.
        scheduler: stepped after every optimizer step (a per-batch schedule such as
            ``OneCycleLR`` or ``dlcourse.schedulers``' cyclical rates).
        clip_grad_norm: rescale the gradients so that their total 2-norm is at most this.
        amp: mixed precision with ``torch.autocast``: ``False`` (default), ``"auto"`` (on a
            CUDA GPU only), ``True``, or a dtype; fp16 on CUDA gets a gradient scaler.
        accumulate: add up the gradients of this many batches before each step; the loss is
            divided by the group's size, so with equal batches a step equals one on a batch
            ``accumulate`` times larger. A last, shorter group still steps.
        scaler: a ``torch.amp.GradScaler`` to reuse across epochs (``fit`` passes one).

    Returns:
        ``(loss, accuracy)``: means over the epoch's examples; accuracy is NaN for float targets.
    """
    device, amp_dtype = epoch_setup(
        model, loader, loss_fn, optimizer, device, scheduler, clip_grad_norm, amp, accumulate
    )
    scaler = grad_scaler(device, amp_dtype) if scaler is None else scaler
    n_batches = len(loader)
    # Mixed precision: the forward pass and the loss run in amp_dtype where that is safe.
    autocast = torch.autocast(device.type, amp_dtype) if amp_dtype else contextlib.nullcontext()
    model.train()  # dropout on, batch norm uses (and updates) batch statistics
    optimizer.zero_grad(set_to_none=True)
    total_loss, correct, count = 0.0, 0.0, 0
    for i, (xb, yb) in enumerate(loader):
        xb, yb = xb.to(device), yb.to(device)
        with autocast:
            output = model(xb)  # forward
            if i == 0:  # targets (B,) against outputs (B, 1) would broadcast to a (B, B) loss
                check_target_shape(output, yb)
            loss = loss_fn(output, yb)  # loss
        # .grad adds up over a group of `accumulate` batches: divide so that it averages.
        group = min(accumulate, n_batches - i + i % accumulate)
        scaler.scale(loss / group if group > 1 else loss).backward()  # backward
        if (i + 1) % accumulate == 0 or i + 1 == n_batches:
            if clip_grad_norm is not None:
                scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            scaler.step(optimizer)  # step (skipped if fp16 gradients overflowed)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            if scheduler is not None:
                scheduler.step()
        total_loss += float(loss.detach()) * len(xb)  # a sum over examples, not batches
        correct += n_correct(output.detach(), yb)
        count += len(xb)
    return total_loss / count, correct / count


def _set_epoch(loader, epoch: int) -> None:
    """Tell a ``DistributedSampler`` (any sampler with ``set_epoch``) which epoch this is, so
    that every epoch shuffles differently, and identically on every process."""
    samplers = []
    for holder in (getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None)):
        samplers += [holder, getattr(holder, "sampler", None)]
    for sampler in {id(s): s for s in samplers if hasattr(s, "set_epoch")}.values():
        sampler.set_epoch(epoch)


def _log(
    history: History,
    epoch: int,
    numbers: tuple,
    best: dict,
    monitor: str,
    patience,
    model: nn.Module,
) -> None:
    """Append the epoch's numbers; keep the best score, its epoch and (for early stopping) a
    copy of its weights; count the epochs since, and stop after ``patience`` of them."""
    for name, value in zip(
        ("train_loss", "train_acc", "val_loss", "val_acc", "lr"), numbers, strict=True
    ):
        getattr(history, name).append(value)
    score = history.val_loss[-1] if monitor == "val_loss" else -history.val_acc[-1]
    if score < best["score"]:  # NaN (no validation set) is never a new best
        best.update(score=score, wait=0)
        history.best_epoch = epoch
        if patience is not None:  # a copy: later steps must not change it
            best["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    else:
        best["wait"] += 1
    history.stopped_early = patience is not None and best["wait"] >= patience


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
    *,
    batch_scheduler=None,
    clip_grad_norm: float | None = None,
    amp: bool | str | torch.dtype = False,
    accumulate: int = 1,
) -> History:
    """Train ``model`` in place for ``epochs`` epochs in all (resumed ones included).

    Args:
        model: any ``nn.Module``; moved to ``device``.
        train_loader: yields ``(inputs (B, ...), targets (B, ...))``, shuffled. A sampler with
            ``set_epoch`` (``DistributedSampler``) is told the epoch before each one.
        val_loader: evaluated after every epoch; ``None`` to skip.
        loss_fn: ``loss_fn(outputs, targets) -> scalar``, e.g. ``nn.CrossEntropyLoss()``.
        optimizer: on the model's parameters (groups with their own rates are fine).
        epochs: total number of epochs, ``>= 1``.
        scheduler: stepped once per EPOCH (``ReduceLROnPlateau`` gets the validation loss).
        device: default ``dlcourse.device.best()``.
        patience: early stopping: stop after ``patience`` epochs without a new best validation
            score, and load the best epoch's weights back into ``model``.
        monitor: what "best" means: ``"val_loss"`` (lowest) or ``"val_acc"`` (highest; needs
            class labels).
        checkpoint_path: after every epoch, save all that a resume needs there
            (``dlcourse.checkpoint``; one file, overwritten; only by process 0).
        resume_from: a checkpoint written by ``fit``: go on from where that run was. The
            result is the uninterrupted run's when shuffling and dropout draw from the global
            generators (``make_loader`` and ``nn.Dropout`` do).
        progress: ``"auto"``: a progress bar when someone is watching
            (``dlcourse.progress.bar_wanted``), else silent; an int ``n``: print a line
            every ``n`` epochs; ``None`` or 0: silent.
        batch_scheduler: stepped after every optimizer STEP (``train_epoch``'s ``scheduler``).
        clip_grad_norm, amp, accumulate: passed to ``train_epoch``.
    """
    check_loader(train_loader, "train_loader")
    if batch_scheduler is not None and not callable(getattr(batch_scheduler, "step", None)):
        raise TypeError(
            f"batch_scheduler must have a step() method; got {describe(batch_scheduler)}"
        )
    epochs, progress = check_fit_args(val_loader, epochs, scheduler, patience, monitor, progress)
    device = as_device(device)  # None: the best one here
    epoch_args = dict(
        scheduler=batch_scheduler, clip_grad_norm=clip_grad_norm, amp=amp, accumulate=accumulate
    )
    checked = epoch_setup(model, train_loader, loss_fn, optimizer, device, **epoch_args)
    scaler = grad_scaler(*checked)  # one for the whole run: it learns its scale as it goes
    model.to(device)
    schedulers = [scheduler, batch_scheduler]
    history, best = History(), {"score": math.inf, "state": None, "wait": 0}
    if resume_from is not None:
        ckpt = load_checkpoint(resume_from, model, optimizer, schedulers, map_location=device)
        history, extra = History(**(ckpt["history"] or {})), ckpt["extra"] or {}
        best = extra.get("best", best)
        if extra.get("scaler"):
            scaler.load_state_dict(extra["scaler"])

    main = is_main_process()  # with several processes, only rank 0 prints and saves
    show_bar = main and progress == "auto" and _progress.bar_wanted()
    first, start = len(history.train_loss), time.perf_counter()
    epoch_bar = _progress.bar(
        range(first, epochs), show_bar, initial=first, total=epochs, unit="epoch"
    )
    for epoch in epoch_bar:
        if history.stopped_early:  # a resumed run that had already stopped
            break
        _set_epoch(train_loader, epoch)
        lr = optimizer.param_groups[0]["lr"]
        batches = _progress.bar(train_loader, show_bar, leave=False, unit="batch")
        train_loss, train_acc = train_epoch(
            model, batches, loss_fn, optimizer, **epoch_args, scaler=scaler
        )
        val_loss, val_acc = math.nan, math.nan
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None:
            scheduler.step()

        numbers = (train_loss, train_acc, val_loss, val_acc, lr)
        _log(history, epoch, numbers, best, monitor, patience, model)
        if show_bar:
            epoch_bar.set_postfix(train_loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
        every, last = progress if isinstance(progress, int) else 0, epoch + 1 == epochs
        if main and every and ((epoch + 1) % every == 0 or last or history.stopped_early):
            print(
                f"epoch {epoch + 1:4d}/{epochs}  train_loss {train_loss:.4f}  "
                f"val_loss {val_loss:.4f}  val_acc {val_acc:.4f}  lr {lr:.2g}  "
                f"({time.perf_counter() - start:.1f} s)"
            )
        if checkpoint_path is not None and main:
            extra = {"best": best, "scaler": scaler.state_dict()}
            save_checkpoint(checkpoint_path, model, optimizer, schedulers, history, extra)
        if history.stopped_early:
            break

    if patience is not None and best["state"] is not None:
        model.load_state_dict(best["state"])  # early stopping: back to the best epoch's weights
    return history
