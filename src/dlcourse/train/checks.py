"""Argument checks of the training loop, kept out of the loop's way.

Each public function of ``dlcourse.train`` calls these once, at its entry: a wrong argument
raises a ``ValueError`` (or a ``TypeError`` for a wrong type) that names the argument, what it
should be and what it was, before any training happens. What they check is returned in checked
form (``EpochPlan``), so the loop itself never checks an argument again.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlcourse.checks import check_callable, check_count, check_instance, check_real, describe
from dlcourse.device import as_device

# Internal: what dlcourse.train's modules check at their entries. The public functions are
# theirs; the shared checks themselves live in dlcourse.checks and dlcourse.device.
__all__: list[str] = []

# Losses that compare each output with a float target of the same shape: integer targets
# (class labels) are a mistake with them, and a target of another shape broadcasts silently.
ELEMENTWISE_LOSSES = (
    nn.MSELoss,
    nn.L1Loss,
    nn.SmoothL1Loss,
    nn.HuberLoss,
    nn.BCELoss,
    nn.BCEWithLogitsLoss,
)


@dataclass(frozen=True)
class EpochPlan:
    """``train_epoch``'s options, checked: what the loop does besides forward, loss, backward
    and step."""

    device: torch.device
    amp_dtype: torch.dtype | None  # autocast to this dtype; None: full precision
    scheduler: object | None  # stepped after every optimizer step
    clip_grad_norm: float | None
    accumulate: int  # batches per optimizer step


def check_path(name: str, value) -> Path:
    """A file path: a ``str`` or ``os.PathLike`` (TypeError otherwise), without NUL bytes."""
    check_instance(name, value, (str, os.PathLike), "a path (str or os.PathLike)")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {describe(value)}")
    if "\0" in text:
        raise ValueError(f"{name} must be a path without NUL bytes; got {text!r}")
    return Path(text)


def check_targets(output: torch.Tensor, target: torch.Tensor, loss_fn) -> None:
    """Targets that fit the outputs and the loss, checked on a first batch.

    An elementwise loss (``nn.MSELoss``, ``nn.BCEWithLogitsLoss``, ...) needs float targets:
    integer class labels there are a mistake. Float targets that broadcast against the outputs
    into a bigger tensor, like (N,) against (N, 1) giving (N, N), make an elementwise loss
    average the wrong thing without a word.
    """
    wanted = tuple(output.shape)
    if isinstance(loss_fn, ELEMENTWISE_LOSSES) and not target.is_floating_point():
        raise ValueError(
            f"targets of dtype {target.dtype} and shape {tuple(target.shape)} do not suit "
            f"loss_fn {type(loss_fn).__name__}, which compares each output with a float "
            f"target: give float targets of the outputs' shape {wanted} "
            "(for example y.astype(np.float32)[:, None])"
        )
    if not target.is_floating_point() or wanted == tuple(target.shape):
        return
    try:
        broadcast = torch.broadcast_shapes(output.shape, target.shape)
    except RuntimeError:
        return  # the loss function raises its own error
    if broadcast != output.shape:
        raise ValueError(
            f"targets of shape {tuple(target.shape)} against outputs of shape {wanted} "
            f"broadcast to {tuple(broadcast)}: reshape the targets to {wanted} "
            "(for example y[:, None])"
        )


def check_loader(loader, name: str = "loader") -> None:
    """A loader is iterable, has a length (a DataLoader over a map-style dataset) and is not
    empty: an epoch without a batch would divide by zero examples."""
    not_a_loader = (str, bytes, dict, np.ndarray, torch.Tensor)  # iterable, but not of batches
    if isinstance(loader, not_a_loader) or not (
        hasattr(loader, "__iter__") and hasattr(loader, "__len__")
    ):
        raise TypeError(
            f"{name} must be a DataLoader (iterable, with a length); got {describe(loader)}"
        )
    if len(loader) == 0:
        raise ValueError(f"{name} must yield at least one batch; got an empty one")


def check_model_and_loader(model, loader, loss_fn, loader_name: str = "loader") -> None:
    check_instance("model", model, nn.Module)
    check_callable("loss_fn", loss_fn)
    check_loader(loader, loader_name)


def check_scheduler(name: str, scheduler) -> None:
    """``None``, or an object with a ``step()`` method."""
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"{name} must have a step() method; got {describe(scheduler)}")


def model_device(model: nn.Module, device=None) -> torch.device:
    """``device`` checked, or else where the model's tensors live (the CPU if it has none)."""
    if device is not None:
        return as_device(device)
    tensor = next(iter(model.parameters()), None)
    tensor = next(iter(model.buffers()), None) if tensor is None else tensor
    return torch.device("cpu") if tensor is None else tensor.device


def amp_dtype(amp, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``, or None for full precision.

    ``False``/``None``: off. ``"auto"``: on for CUDA only (bf16 where the GPU supports it,
    else fp16), off elsewhere. ``True``: on everywhere (bf16 on the CPU, fp16 on MPS).
    A dtype (``torch.bfloat16``, ``torch.float16``) is used as given.
    """
    if amp is None or amp is False:
        return None
    if amp in (torch.bfloat16, torch.float16):
        return amp
    if amp == "auto" and device.type != "cuda":
        return None
    if amp is True or amp == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float16 if device.type == "mps" else torch.bfloat16
    raise ValueError(
        f"amp must be False, True, 'auto', torch.bfloat16 or torch.float16; got {amp!r}"
    )


def epoch_setup(
    model,
    loader,
    loss_fn,
    optimizer,
    *,
    device=None,
    scheduler=None,
    clip_grad_norm=None,
    amp=False,
    accumulate=1,
    names: tuple[str, str] = ("loader", "scheduler"),
) -> EpochPlan:
    """Check ``train_epoch``'s arguments, once; return them as an ``EpochPlan``.

    ``names``: what the caller calls its loader and its per-batch scheduler, for the errors.
    """
    loader_name, name = names
    check_model_and_loader(model, loader, loss_fn, loader_name)
    check_instance("optimizer", optimizer, torch.optim.Optimizer)
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise ValueError(
            f"{name}, stepped every batch, cannot be ReduceLROnPlateau (it needs a "
            "validation loss): pass it to fit(scheduler=...), stepped per epoch"
        )
    check_scheduler(name, scheduler)
    if clip_grad_norm is not None:
        clip_grad_norm = check_real("clip_grad_norm", clip_grad_norm, min=0, min_open=True)
    accumulate = check_count("accumulate", accumulate)
    device = model_device(model, device)
    return EpochPlan(device, amp_dtype(amp, device), scheduler, clip_grad_norm, accumulate)


def grad_scaler(plan: EpochPlan) -> torch.amp.GradScaler:
    """A loss scaler, enabled for fp16 on CUDA only: fp16 gradients underflow to 0 without one,
    bf16 ones do not. Disabled, it passes every call straight through."""
    enabled = plan.amp_dtype == torch.float16 and plan.device.type == "cuda"
    return torch.amp.GradScaler(plan.device.type, enabled=enabled)


def check_fit_args(val_loader, epochs, scheduler, patience, monitor, progress):
    """Check what ``fit`` adds to ``train_epoch``'s arguments; return ``(epochs, progress)``."""
    epochs = check_count("epochs", epochs)
    if patience is not None:
        check_count("patience", patience)
        if val_loader is None:
            raise ValueError(f"early stopping (patience={patience}) needs a val_loader; got None")
    if monitor not in ("val_loss", "val_acc"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_acc'; got {monitor!r}")
    if val_loader is not None:
        check_loader(val_loader, "val_loader")
        if monitor == "val_acc":
            with torch.random.fork_rng(devices=[]):  # peeking must not move the random stream
                target = next(iter(val_loader))[1]
            if target.dtype != torch.int64:
                raise ValueError(
                    f"monitor='val_acc' needs class labels (int64 targets); "
                    f"val_loader gives {target.dtype}: use monitor='val_loss'"
                )
    check_scheduler("scheduler", scheduler)
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and val_loader is None:
        raise ValueError("ReduceLROnPlateau steps on the validation loss: it needs a val_loader")
    if progress is None or progress == "auto":
        return epochs, progress
    if isinstance(progress, bool) or not isinstance(progress, numbers.Integral) or progress < 0:
        raise ValueError(f"progress must be None, 'auto' or an int >= 0; got {progress!r}")
    return epochs, int(progress)
