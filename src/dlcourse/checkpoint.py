"""Save a training run to one file and pick it up again exactly where it stopped.

A checkpoint holds ``state_dict``s only (tensors and plain containers), so loading it with
``torch.load(..., weights_only=True)`` cannot run code hidden in the file. Beside the model and
the optimizer it keeps the learning-rate schedulers, the history and the state of every random
number generator a run draws from (torch on the CPU and CUDA, NumPy's and Python's global ones):
shuffling and dropout then draw the same numbers after a resume as they would have without one.

``load_checkpoint`` checks the whole file against the model, the optimizer and the schedulers
before it loads anything: a checkpoint of another architecture raises a ``ValueError`` naming
the offending keys and shapes, and leaves the model as it was.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlcourse.checks import check_bool, check_instance
from dlcourse.device import as_device
from dlcourse.train_checks import check_type

__all__ = ["is_main_process", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state"]

FORMAT = 1  # bumped if the layout of the file changes


def is_main_process() -> bool:
    """True unless this is a ``torch.distributed`` worker of rank > 0: only rank 0 prints and
    saves, so that N processes do not write N copies of one file."""
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def rng_state() -> dict:
    """Every global random state a training run draws from, as tensors and plain numbers."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, python_gauss = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": {
            "version": version,
            "state": torch.tensor(internal, dtype=torch.int64),
            "gauss": python_gauss,
        },
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping) -> None:
    """Put back what ``rng_state`` returned (missing parts are left alone)."""
    check_instance("state", state, Mapping, "a mapping returned by rng_state()")
    if not isinstance(state.get("torch"), torch.Tensor):
        raise ValueError(
            f"state must hold the 'torch' generator state that rng_state() returns; "
            f"got keys {sorted(map(str, state))}"
        )
    torch.set_rng_state(state["torch"].cpu())  # generators take CPU bytes, wherever it was loaded
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    if "numpy" in state:
        np_state = state["numpy"]
        keys = np_state["keys"].cpu().numpy().astype(np.uint32)
        np.random.set_state(
            ("MT19937", keys, np_state["pos"], np_state["has_gauss"], np_state["gauss"])
        )
    if "python" in state:
        py = state["python"]
        random.setstate((py["version"], tuple(py["state"].tolist()), py["gauss"]))


def _scheduler_list(scheduler) -> list:
    """One scheduler, ``None`` or a sequence of them (``None`` entries allowed) as a list."""
    schedulers = list(scheduler) if isinstance(scheduler, Sequence) else [scheduler]
    for s in schedulers:
        if s is not None and not callable(getattr(s, "state_dict", None)):
            raise TypeError(f"scheduler must have a state_dict(); got {type(s).__name__}")
    return schedulers


def _check_path(path) -> Path:
    check_type("path", path, (str, os.PathLike))
    return Path(path)


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
        model, optimizer: saved as their ``state_dict()``.
        scheduler: a learning-rate scheduler, ``None``, or a list of them (``None`` allowed).
        history: a dataclass (``dlcourse.train.History``) or a dict of plain values.
        extra: anything else ``torch.load(weights_only=True)`` accepts: tensors, numbers,
            strings, lists, dicts.
    """
    path = _check_path(path)
    check_type("model", model, nn.Module)
    check_type("optimizer", optimizer, torch.optim.Optimizer)
    if extra is not None:
        check_instance("extra", extra, Mapping, "a mapping (dict) of extra things to save")
    schedulers = _scheduler_list(scheduler)
    if dataclasses.is_dataclass(history):
        history = dataclasses.asdict(history)
    if history is not None and not isinstance(history, Mapping):
        raise TypeError(f"history must be a dataclass or a dict; got {type(history).__name__}")
    checkpoint = {
        "format": FORMAT,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedulers": [None if s is None else s.state_dict() for s in schedulers],
        "scheduler_classes": [type(s).__name__ for s in schedulers],
        "history": None if history is None else dict(history),
        "extra": None if extra is None else dict(extra),
        "rng": rng_state(),
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(checkpoint, partial)
    os.replace(partial, path)


def _shape(t) -> tuple:
    return tuple(t.shape)


def _model_problems(saved: Mapping, model: nn.Module) -> list[str]:
    """Why ``saved`` cannot be loaded into ``model``; empty when it can."""
    own = model.state_dict()
    problems = []
    missing = [k for k in own if k not in saved]
    unexpected = [k for k in saved if k not in own]
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected:
        problems.append(f"unexpected keys {unexpected}")
    for key in own.keys() & saved.keys():
        if torch.is_tensor(own[key]) and _shape(own[key]) != _shape(saved[key]):
            problems.append(
                f"{key}: checkpoint shape {_shape(saved[key])}, model shape {_shape(own[key])}"
            )
    return problems


def _optimizer_problems(saved: Mapping, optimizer: torch.optim.Optimizer) -> list[str]:
    """Why ``saved`` cannot be loaded into ``optimizer``: the groups, their sizes, and per
    parameter state (momentum, Adam's moments) that does not broadcast to its parameter."""
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
                            f"{_shape(value)}, the parameter {_shape(param)}"
                        )
    return problems


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler=None,
    map_location: torch.device | str | None = None,
    restore_rng: bool = True,
) -> dict:
    """Load a ``save_checkpoint`` file into ``model`` (and ``optimizer``, ``scheduler``).

    Everything is checked before anything is loaded: a mismatch raises a ``ValueError`` that
    names the missing and unexpected keys and the mismatched shapes, and the model, optimizer
    and scheduler are left untouched.

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
    path = _check_path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing checkpoint file; got {str(path)!r}")
    if map_location is not None:
        map_location = as_device(map_location, "map_location")
    restore_rng = check_bool("restore_rng", restore_rng)
    check_type("model", model, nn.Module)
    check_type("optimizer", optimizer, (torch.optim.Optimizer, type(None)))
    schedulers = _scheduler_list(scheduler) if scheduler is not None else []
    ckpt = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} is not a dlcourse checkpoint (format {FORMAT})")

    problems = [f"model: {p}" for p in _model_problems(ckpt["model"], model)]
    if optimizer is not None:
        problems += [f"optimizer: {p}" for p in _optimizer_problems(ckpt["optimizer"], optimizer)]
    if schedulers:
        wanted = [type(s).__name__ for s in schedulers]
        if wanted != ckpt["scheduler_classes"]:
            problems.append(f"schedulers: checkpoint has {ckpt['scheduler_classes']}, got {wanted}")
    if problems:
        raise ValueError(f"checkpoint {path} does not fit: " + "; ".join(problems))

    model.load_state_dict(ckpt["model"])
    if optimizer is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    for s, state in zip(schedulers, ckpt["schedulers"], strict=False):  # none given: none
        if s is not None:
            s.load_state_dict(state)
    if restore_rng:
        set_rng_state(ckpt["rng"])
    return ckpt
