"""Save a training run to one file and pick it up again exactly where it stopped; load weights
into a model all or nothing.

A checkpoint holds ``state_dict``s only (tensors and plain containers), so loading it with
``torch.load(..., weights_only=True)`` cannot run code hidden in the file. Beside the model and
the optimizer it keeps the learning-rate schedulers, the history and the state of every random
number generator a run draws from (torch on the CPU and CUDA, NumPy's and Python's global ones):
shuffling and dropout then draw the same numbers after a resume as they would have without one.

``load_state_dict_checked`` is the package's one loader of weights (``serving.load_weights``
and ``transfer.load_weights`` call it); ``load_checkpoint`` loads a whole run. Both check the
whole file before they load anything. One rule for every file that cannot be loaded (missing,
truncated, holding pickled objects or anything but what was expected, of another
architecture, another optimizer, the wrong hash): a ``ValueError`` that names the file, what
was expected and what was found, and nothing is loaded. A wrong type of argument (a number
where a path belongs) is a ``TypeError``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import nn

from dlcourse.checks import check_bool, check_instance, describe
from dlcourse.device import as_device
from dlcourse.train.checks import check_path
from dlcourse.train.rng import rng_state, set_rng_state

__all__ = [
    "load_checkpoint",
    "load_state_dict_checked",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
]

FORMAT = 2  # bumped when the layout of the file changes (2: the optimizer's class is saved)
SHOWN = 5  # an error lists at most this many problems
KEYS = (
    "model",
    "optimizer",
    "optimizer_class",
    "schedulers",
    "scheduler_classes",
    "history",
    "extra",
    "rng",
)


def _scheduler_list(scheduler) -> list:
    """One scheduler, ``None`` or a sequence of them (``None`` entries allowed) as a list."""
    schedulers = list(scheduler) if isinstance(scheduler, Sequence) else [scheduler]
    for s in schedulers:
        if s is not None and not callable(getattr(s, "state_dict", None)):
            raise TypeError(f"scheduler must have a state_dict(); got {describe(s)}")
    return schedulers


def _reason(error: BaseException) -> str:
    """The first line of why torch could not read a file (its messages run long)."""
    text = str(error).split("WeightsUnpickler error: ")[-1].split(". Please")[0].strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_loadable(name: str, value) -> None:
    """Refuse, at save time, what ``torch.load(weights_only=True)`` would refuse to read back:
    a file that saves but never loads is worse than an error now."""
    buffer = io.BytesIO()
    try:
        torch.save(value, buffer)
        buffer.seek(0)
        torch.load(buffer, weights_only=True)
    except Exception as error:  # noqa: BLE001 (pickling and unpickling raise many kinds)
        raise ValueError(
            f"{name} must hold only what torch.load(weights_only=True) reads back (tensors, "
            f"numbers, strings, lists, tuples, dicts); got {describe(value)}: {_reason(error)}"
        ) from None


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler=None,
    history=None,
    extra: Mapping | None = None,
) -> None:
    """Write model, optimizer, scheduler(s), history, ``extra`` and the random state to ``path``.

    Args:
        path: the file; written next to itself first and then renamed over it, so a crash
            while saving leaves the previous checkpoint whole.
        model, optimizer: saved as their ``state_dict()`` (and the optimizer's class name).
        scheduler: a learning-rate scheduler, ``None``, or a list of them (``None`` allowed).
        history: a dataclass (``dlcourse.train.History``) or a dict of plain values.
        extra: anything else ``torch.load(weights_only=True)`` reads back: tensors, numbers,
            strings, lists, tuples, dicts. Anything else is refused here, not at loading.
    """
    path = check_path("path", path)
    check_instance("model", model, nn.Module)
    check_instance("optimizer", optimizer, torch.optim.Optimizer)
    if extra is not None:
        check_instance("extra", extra, Mapping, "a mapping (dict) of extra things to save")
        extra = dict(extra)
        _check_loadable("extra", extra)
    schedulers = _scheduler_list(scheduler)
    if dataclasses.is_dataclass(history) and not isinstance(history, type):
        history = dataclasses.asdict(history)
    if history is not None:
        check_instance("history", history, Mapping, "a dataclass or a dict")
        history = dict(history)
        _check_loadable("history", history)
    checkpoint = {
        "format": FORMAT,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "optimizer_class": type(optimizer).__name__,
        "schedulers": [None if s is None else s.state_dict() for s in schedulers],
        "scheduler_classes": [type(s).__name__ for s in schedulers],
        "history": history,
        "extra": extra,
        "rng": rng_state(),
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(checkpoint, partial)
    os.replace(partial, path)


def _refused(path: Path, problem: str, details: Sequence[str] = ()) -> ValueError:
    """The one form of a loading error: the file, what is wrong, and that nothing was loaded."""
    text = f"path {path.name!r} {problem}; nothing was loaded"
    if details:
        more = len(details) - SHOWN
        text += ": " + "; ".join(details[:SHOWN]) + (f" (and {more} more)" if more > 0 else "")
    return ValueError(text)


def _existing(path, kind: str) -> Path:
    path = check_path("path", path)
    if not path.is_file():
        raise ValueError(f"path must be an existing {kind} file; got {str(path)!r}")
    return path


def _read(path: Path, map_location, expected_sha256: str | None = None):
    """The file's content, read once, with its hash checked first when one is expected."""
    data = path.read_bytes()
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise _refused(
                path, f"has sha256 {actual}, which does not match expected_sha256 {expected_sha256}"
            )
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as error:  # noqa: BLE001 (UnpicklingError, RuntimeError, EOFError, ...)
        raise _refused(path, f"does not load with weights_only=True: {_reason(error)}") from None


def _is_state_dict(value) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and torch.is_tensor(v) for k, v in value.items()
    )


def _model_problems(saved: Mapping, model: nn.Module) -> list[str]:
    """Why ``saved`` cannot be loaded into ``model``; empty when it can."""
    own = model.state_dict()
    problems = [f"missing {k}" for k in own if k not in saved]
    problems += [f"unexpected {k}" for k in saved if k not in own]
    for key, mine in own.items():
        theirs = saved.get(key)
        if not (torch.is_tensor(mine) and torch.is_tensor(theirs)):
            continue
        if theirs.shape != mine.shape:
            problems.append(f"{key}: file {tuple(theirs.shape)} vs model {tuple(mine.shape)}")
        elif theirs.is_complex() and not mine.is_complex():
            problems.append(f"{key}: file {theirs.dtype} vs model {mine.dtype}")
    return problems


def load_state_dict_checked(
    model: nn.Module, path: str | os.PathLike, *, expected_sha256: str | None = None
) -> nn.Module:
    """Load the weights saved at ``path`` into ``model``, all or nothing.

    Three checks come first, and ``model`` changes only when all three pass:

    1. the bytes: with ``expected_sha256``, the file's sha256 must equal it;
    2. tensors only: the file is read with ``torch.load(weights_only=True)``, which refuses
       pickled objects (they could run code), and must hold a ``state_dict``;
    3. the names and shapes: every key of ``model.state_dict()`` is in the file, with its
       shape, and the file holds no other.

    Args:
        model: receives the weights, in the mode (train or eval) it is in.
        path: a file written by ``torch.save(model.state_dict(), path)``, or a checkpoint of
            ``save_checkpoint`` (its model is loaded).
        expected_sha256: the file's sha256 as 64 hex digits; ``None`` skips that check.

    Returns:
        ``model``.

    Raises:
        ValueError: the file is missing or fails a check; the message names the file, what
            was expected and what was found.
    """
    check_instance("model", model, nn.Module)
    path = _existing(path, "weights")
    if expected_sha256 is not None:
        check_instance("expected_sha256", expected_sha256, str, "a hex digest (str) or None")
        if not re.fullmatch(r"[0-9a-fA-F]{64}", expected_sha256):
            raise ValueError(f"expected_sha256 must be 64 hex digits; got {expected_sha256!r:.80}")
        expected_sha256 = expected_sha256.lower()
    saved = _read(path, "cpu", expected_sha256)
    if isinstance(saved, Mapping) and saved.get("format") == FORMAT and "model" in saved:
        saved = saved["model"]  # a checkpoint of save_checkpoint: its model
    if not _is_state_dict(saved):
        raise _refused(path, f"must hold a state_dict (names to tensors), got {describe(saved)}")
    problems = _model_problems(saved, model)
    if problems:
        raise _refused(path, f"does not fit model ({type(model).__name__})", problems)
    model.load_state_dict(saved)
    return model


def _optimizer_problems(ckpt: Mapping, optimizer: torch.optim.Optimizer) -> list[str]:
    """Why the checkpoint's optimizer state cannot be loaded into ``optimizer``: its class,
    the groups, their sizes, and per parameter state (momentum, Adam's moments) that does not
    broadcast to its parameter."""
    if ckpt["optimizer_class"] != type(optimizer).__name__:
        return [f"optimizer: file {ckpt['optimizer_class']} vs {type(optimizer).__name__} here"]
    saved = ckpt["optimizer"]
    groups, saved_groups = optimizer.param_groups, saved["param_groups"]
    if len(groups) != len(saved_groups):
        return [f"parameter groups: {len(saved_groups)} in the checkpoint, {len(groups)} here"]
    problems = []
    for g, (group, saved_group) in enumerate(zip(groups, saved_groups, strict=True)):
        if len(group["params"]) != len(saved_group["params"]):
            problems.append(
                f"group {g}: checkpoint has {len(saved_group['params'])} parameters, "
                f"optimizer {len(group['params'])}"
            )
            continue
        for param, index in zip(group["params"], saved_group["params"], strict=True):
            for name, value in saved["state"].get(index, {}).items():
                if torch.is_tensor(value) and value.ndim > 0:
                    try:
                        fits = torch.broadcast_shapes(value.shape, param.shape) == param.shape
                    except RuntimeError:
                        fits = False
                    if not fits:
                        problems.append(
                            f"group {g}, parameter {index}: state {name!r} has shape "
                            f"{tuple(value.shape)}, the parameter {tuple(param.shape)}"
                        )
    return problems


def _layout_problems(ckpt) -> str | None:
    """Why ``ckpt`` is not a checkpoint of this version of ``save_checkpoint``, or None."""
    if not isinstance(ckpt, Mapping) or ckpt.get("format") != FORMAT:
        found = ckpt.get("format") if isinstance(ckpt, Mapping) else describe(ckpt)
        return f"is not a dlcourse checkpoint (format {FORMAT}), got format {found}"
    missing = [k for k in KEYS if k not in ckpt]
    if missing:
        return f"is not a whole dlcourse checkpoint: missing {missing}"
    if not _is_state_dict(ckpt["model"]) or not isinstance(ckpt["rng"], Mapping):
        return "is not a whole dlcourse checkpoint: its model or random state is damaged"
    return None


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler=None,
    map_location: torch.device | str | None = None,
    restore_rng: bool = True,
) -> dict:
    """Load a ``save_checkpoint`` file into ``model`` (and ``optimizer``, ``scheduler``).

    Everything is checked before anything is loaded: the file's layout, the model's keys and
    shapes, the optimizer's class, groups and state shapes, the schedulers' classes. A mismatch
    raises a ``ValueError`` naming each problem, and the model, optimizer and scheduler are
    left untouched.

    Args:
        path: the checkpoint file.
        model: receives the weights; any device (``load_state_dict`` copies onto it).
        optimizer, scheduler: loaded when given; ``scheduler`` as it was passed to
            ``save_checkpoint`` (one, or a list with ``None`` entries).
        map_location: where tensors land while loading; default the CPU.
        restore_rng: put the saved random state back (what an exact resume needs).

    Returns:
        The whole checkpoint as a dict: ``"history"`` (a dict, or None), ``"extra"`` and the
        state dicts.
    """
    path = _existing(path, "checkpoint")
    if map_location is not None:
        map_location = as_device(map_location, "map_location")
    restore_rng = check_bool("restore_rng", restore_rng)
    check_instance("model", model, nn.Module)
    check_instance("optimizer", optimizer, (torch.optim.Optimizer, type(None)))
    schedulers = _scheduler_list(scheduler) if scheduler is not None else []
    ckpt = _read(path, map_location or "cpu")
    layout = _layout_problems(ckpt)
    if layout is not None:
        raise _refused(path, layout)

    problems = [f"model: {p}" for p in _model_problems(ckpt["model"], model)]
    if optimizer is not None:
        problems += _optimizer_problems(ckpt, optimizer)
    if schedulers:
        wanted = [type(s).__name__ for s in schedulers]
        if wanted != ckpt["scheduler_classes"]:
            problems.append(f"schedulers: checkpoint has {ckpt['scheduler_classes']}, got {wanted}")
    if problems:
        raise _refused(path, "does not fit", problems)

    model.load_state_dict(ckpt["model"])
    if optimizer is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    for s, state in zip(schedulers, ckpt["schedulers"], strict=False):  # none given: none
        if s is not None:
            s.load_state_dict(state)
    if restore_rng:
        set_rng_state(ckpt["rng"])
    return ckpt
