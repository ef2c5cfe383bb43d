"""Argument checks of the training loop (``dlcourse.train``), kept out of the loop's way.

Each public function of ``train`` calls these once, at its entry: a wrong argument raises a
``ValueError`` (or a ``TypeError`` for a wrong type) that names the argument, what it should be
and what it was, before any training happens.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import nn

from dlcourse.checks import MAX_COUNT, check_callable, check_instance, check_int, check_real
from dlcourse.device import as_device  # noqa: F401  (the one device rule; used below)

# Internal: what dlcourse.train, batches and checkpoint check at their entries. The public
# functions are theirs; the shared checks themselves live in dlcourse.checks.
__all__: list[str] = []


def int_at_least(name: str, value, low: int) -> int:
    """A count: an integer >= ``low`` (and below dlcourse.checks.MAX_COUNT)."""
    return check_int(name, value, min=low, max=MAX_COUNT)


check_type = check_instance


def check_target_shape(output: torch.Tensor, target: torch.Tensor) -> None:
    """Float targets that broadcast against the outputs into a bigger tensor, like (N,) against
    (N, 1) giving (N, N), make an elementwise loss average the wrong thing without a word."""
    if not target.is_floating_point() or output.shape == target.shape:
        return
    try:
        broadcast = torch.broadcast_shapes(output.shape, target.shape)
    except RuntimeError:
        return  # the loss function raises its own error
    if broadcast != output.shape:
        raise ValueError(
            f"targets of shape {tuple(target.shape)} against outputs of shape "
            f"{tuple(output.shape)} broadcast to {tuple(broadcast)}: reshape the targets to "
            f"{tuple(output.shape)} (for example y[:, None])"
        )


def check_loader(loader, name: str = "loader") -> None:
    """A loader is iterable, has a length (a DataLoader over a map-style dataset) and is not
    empty: an epoch without a batch would divide by zero examples."""
    not_a_loader = (str, bytes, dict, np.ndarray, torch.Tensor)  # iterable, but not of batches
    if isinstance(loader, not_a_loader) or not (
        hasattr(loader, "__iter__") and hasattr(loader, "__len__")
    ):
        raise TypeError(f"{name} must be a DataLoader (iterable, with a length); got {loader!r}")
    if len(loader) == 0:
        raise ValueError(f"{name} must yield at least one batch; got an empty one")


def check_model_and_loader(model, loader, loss_fn) -> None:
    check_type("model", model, nn.Module)
    check_callable("loss_fn", loss_fn)
    check_loader(loader)


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


def check_clip(clip_grad_norm) -> None:
    """``None`` (no clipping) or a finite max norm > 0."""
    if clip_grad_norm is not None:
        check_real("clip_grad_norm", clip_grad_norm, min=0, min_open=True)


def epoch_setup(
    model,
    loader,
    loss_fn,
    optimizer,
    device=None,
    scheduler=None,
    clip_grad_norm=None,
    amp=False,
    accumulate=1,
) -> tuple[torch.device, torch.dtype | None]:
    """Check ``train_epoch``'s arguments; return its device and autocast dtype (or None)."""
    check_model_and_loader(model, loader, loss_fn)
    check_type("optimizer", optimizer, torch.optim.Optimizer)
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise ValueError(
            "a per-batch scheduler cannot be ReduceLROnPlateau (it needs a "
            "validation loss): pass it to fit(scheduler=...), stepped per epoch"
        )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"scheduler must have a step() method; got {type(scheduler).__name__}")
    check_clip(clip_grad_norm)
    int_at_least("accumulate", accumulate, 1)
    device = model_device(model, device)
    return device, amp_dtype(amp, device)


def grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A loss scaler, enabled for fp16 on CUDA only: fp16 gradients underflow to 0 without one,
    bf16 ones do not. Disabled, it passes every call straight through."""
    enabled = dtype == torch.float16 and device.type == "cuda"
    return torch.amp.GradScaler(device.type, enabled=enabled)


def check_fit_args(val_loader, epochs, scheduler, patience, monitor, progress):
    """Check what ``fit`` adds to ``train_epoch``'s arguments; return ``(epochs, progress)``."""
    epochs = int_at_least("epochs", epochs, 1)
    if patience is not None:
        int_at_least("patience", patience, 1)
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
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"scheduler must have a step() method; got {type(scheduler).__name__}")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and val_loader is None:
        raise ValueError("ReduceLROnPlateau steps on the validation loss: it needs a val_loader")
    if progress is None or progress == "auto":
        return epochs, progress
    if isinstance(progress, bool) or not isinstance(progress, numbers.Integral) or progress < 0:
        raise ValueError(f"progress must be None, 'auto' or an int >= 0; got {progress!r}")
    return epochs, int(progress)
