"""A training loop that reads top to bottom: forward, loss, backward, step, log.

``train_epoch`` is one pass over the training data, one batch at a time; its options are the
ones later chapters need (a learning rate changed every batch, gradient clipping, mixed
precision, gradient accumulation). ``fit`` repeats it for a number of epochs, evaluates on a
validation set after each, and adds early stopping, checkpoints (``dlcourse.checkpoint``),
resuming, and a progress bar (``dlcourse.train.progress``). It returns a ``History`` to plot.
Arguments are checked once per call, before the first step (``dlcourse.train.checks``).
"""

from __future__ import annotations

import contextlib
import math
import os
import time

import torch
from torch import nn
from torch.utils.data import DataLoader

from dlcourse.checks import check_instance
from dlcourse.device import as_device, is_main_process
from dlcourse.train.batches import evaluate_batches, n_correct
from dlcourse.train.checks import (
    EpochPlan,
    check_fit_args,
    check_path,
    check_targets,
    epoch_setup,
    grad_scaler,
)
from dlcourse.train.history import History
from dlcourse.train.progress import bar, bar_wanted
from dlcourse.train.resume import ResumeState, resume, save_run

__all__ = ["fit", "train_epoch"]


def _run_epoch(model, loader, loss_fn, optimizer, plan: EpochPlan, scaler, check: bool = True):
    """``train_epoch`` on checked arguments; ``check``: check the first batch's targets."""
    n_batches = len(loader)
    # Mixed precision: the forward pass and the loss run in amp_dtype where that is safe.
    autocast = (
        torch.autocast(plan.device.type, plan.amp_dtype)
        if plan.amp_dtype
        else contextlib.nullcontext()
    )
    model.train()  # dropout on, batch norm uses (and updates) batch statistics
    optimizer.zero_grad(set_to_none=True)  # no gradient left over from before this epoch
    total_loss, correct, count = 0.0, 0.0, 0
    for i, (xb, yb) in enumerate(loader):
        xb, yb = xb.to(plan.device), yb.to(plan.device)
        with autocast:
            output = model(xb)  # forward
            if i == 0 and check:  # (B,) targets against (B, 1) outputs give a (B, B) loss
                check_targets(output, yb, loss_fn)
            loss = loss_fn(output, yb)  # loss
        # .grad adds up over a group of `accumulate` batches: divide so that it averages.
        group = min(plan.accumulate, n_batches - i + i % plan.accumulate)
        scaler.scale(loss / group if group > 1 else loss).backward()  # backward
        if (i + 1) % plan.accumulate == 0 or i + 1 == n_batches:
            if plan.clip_grad_norm is not None:
                scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
                nn.utils.clip_grad_norm_(model.parameters(), plan.clip_grad_norm)
            scaler.step(optimizer)  # step (skipped if fp16 gradients overflowed)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            if plan.scheduler is not None:
                plan.scheduler.step()  # once per optimizer step, not per batch
        total_loss += float(loss.detach()) * len(xb)  # a sum over examples, not batches
        correct += n_correct(output.detach(), yb)
        count += len(xb)
    return total_loss / count, correct / count


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
            Put in train mode (and left in it).
        loader: yields ``(inputs (B, ...), targets (B, ...))``; must have a length. The first
            batch's targets are checked against the outputs and the loss: integer targets
            with an elementwise loss such as ``nn.MSELoss``, or float targets that would
            broadcast into a bigger tensor, are a ``ValueError`` before the first step.
        loss_fn: ``loss_fn(outputs, targets) -> scalar``, a mean over the batch.
        optimizer: steps the parameters it holds (frozen ones get no gradient, so no step).
            Gradients left in ``.grad`` from before are cleared first.
        device: where batches go; default the device of the model's parameters.
        scheduler: stepped after every optimizer step (a per-batch schedule such as
            ``OneCycleLR`` or ``dlcourse.schedulers``' cyclical rates).
        clip_grad_norm: rescale the gradients so that their total 2-norm is at most this.
        amp: mixed precision with ``torch.autocast``: ``False`` (default), ``"auto"`` (on a
            CUDA GPU only), ``True``, or a dtype; fp16 on CUDA gets a gradient scaler.
        accumulate: add up the gradients of this many batches before each step; the loss is
            divided by the group's size, so with equal batches a step equals one on a batch
            ``accumulate`` times larger. A last, shorter group still steps.
        scaler: a ``torch.amp.GradScaler`` to reuse across epochs.

    Returns:
        ``(loss, accuracy)``: means over the epoch's examples; accuracy is NaN for float targets.
    """
    plan = epoch_setup(
        model,
        loader,
        loss_fn,
        optimizer,
        device=device,
        scheduler=scheduler,
        clip_grad_norm=clip_grad_norm,
        amp=amp,
        accumulate=accumulate,
    )
    if scaler is None:
        scaler = grad_scaler(plan)
    check_instance("scaler", scaler, torch.amp.GradScaler)
    return _run_epoch(model, loader, loss_fn, optimizer, plan, scaler)


def _log(history: History, epoch: int, numbers: tuple, state: ResumeState, monitor: str) -> bool:
    """Append the epoch's numbers and update the best score; True if this epoch is the best."""
    for name, value in zip(
        ("train_loss", "train_acc", "val_loss", "val_acc", "lr"), numbers, strict=True
    ):
        getattr(history, name).append(value)
    score = history.val_loss[-1] if monitor == "val_loss" else -history.val_acc[-1]
    if score < state.best_score:  # NaN (no validation set) is never a new best
        state.best_score, state.wait, history.best_epoch = score, 0, epoch
        return True
    state.wait += 1
    return False


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None,
    loss_fn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    scheduler=None,
    *,
    device: torch.device | str | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    checkpoint_path: str | os.PathLike | None = None,
    resume_from: str | os.PathLike | None = None,
    progress: int | str | None = "auto",
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
            (``dlcourse.checkpoint``; one file, overwritten; only by process 0). It holds
            the model once: with ``patience``, when the model moves on from its best epoch,
            that epoch's weights go to ``<stem>.best<suffix>`` beside it (a ``state_dict``).
        resume_from: a checkpoint written by ``fit``: go on from where that run was. The
            result is the uninterrupted run's when shuffling and dropout draw from the global
            generators (``make_loader`` and ``nn.Dropout`` do).
        progress: ``"auto"``: a progress bar when someone is watching
            (``dlcourse.train.progress.bar_wanted``), else silent; an int ``n``: print a line
            every ``n`` epochs; ``None`` or 0: silent.
        batch_scheduler: stepped after every optimizer STEP (``train_epoch``'s ``scheduler``).
        clip_grad_norm, amp, accumulate: as in ``train_epoch``.
    """
    plan = epoch_setup(  # every argument is checked here, once, before anything moves
        model,
        train_loader,
        loss_fn,
        optimizer,
        device=as_device(device),  # None: the best one here
        scheduler=batch_scheduler,
        clip_grad_norm=clip_grad_norm,
        amp=amp,
        accumulate=accumulate,
        names=("train_loader", "batch_scheduler"),
    )
    epochs, progress = check_fit_args(val_loader, epochs, scheduler, patience, monitor, progress)
    if checkpoint_path is not None:
        checkpoint_path = check_path("checkpoint_path", checkpoint_path)
    if resume_from is not None and not check_path("resume_from", resume_from).is_file():
        raise ValueError(f"resume_from must be an existing checkpoint file; got {resume_from!r}")
    model.to(plan.device)
    schedulers = [scheduler, batch_scheduler]
    scaler = grad_scaler(plan)  # one for the whole run: it learns its scale as it goes
    history, state, best = History(), ResumeState(), None
    if resume_from is not None:
        history, state, best = resume(
            resume_from, model, optimizer, schedulers, scaler, patience, plan.device
        )

    main = is_main_process()  # with several processes, only rank 0 prints and saves
    show_bar = main and progress == "auto" and bar_wanted()
    first, start = len(history.train_loss), time.perf_counter()
    epoch_bar = bar(range(first, epochs), show_bar, initial=first, total=epochs, unit="epoch")
    for epoch in epoch_bar:
        if history.stopped_early:  # a resumed run that had already stopped
            break
        _set_epoch(train_loader, epoch)
        lr = optimizer.param_groups[0]["lr"]
        batches = bar(train_loader, show_bar, leave=False, unit="batch")
        check = epoch == first  # the targets against the loss: on the first batch, once
        train_loss, train_acc = _run_epoch(model, batches, loss_fn, optimizer, plan, scaler, check)
        val_loss, val_acc = math.nan, math.nan
        if val_loader is not None:
            val_loss, val_acc = evaluate_batches(model, val_loader, loss_fn, plan.device, check)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None:
            scheduler.step()

        numbers = (train_loss, train_acc, val_loss, val_acc, lr)
        improved = _log(history, epoch, numbers, state, monitor)
        if improved and patience is not None:  # a copy: later steps must not change it
            best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        history.stopped_early = patience is not None and state.wait >= patience
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
            save_run(checkpoint_path, model, optimizer, schedulers, history, state, scaler, best)
        if history.stopped_early:
            break

    if patience is not None and best is not None:
        model.load_state_dict(best)  # early stopping: back to the best epoch's weights
    return history


def _set_epoch(loader, epoch: int) -> None:
    """Tell a ``DistributedSampler`` (any sampler with ``set_epoch``) which epoch this is, so
    that every epoch shuffles differently, and identically on every process."""
    samplers = []
    for holder in (getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None)):
        samplers += [holder, getattr(holder, "sampler", None)]
    for sampler in {id(s): s for s in samplers if hasattr(s, "set_epoch")}.values():
        sampler.set_epoch(epoch)
