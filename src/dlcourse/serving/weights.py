"""Weights I/O for serving: load a saved ``state_dict`` into a model without running any code.

``load_weights`` reads a ``state_dict`` (a bare one, or a ``dlcourse.checkpoint`` file) with
``torch.load(..., weights_only=True)``: a file that holds anything but tensors and plain
containers is refused instead of run.
"""

import os
from pathlib import Path

import torch
from torch import nn

from dlcourse.checkpoint import _model_problems, load_checkpoint
from dlcourse.checks import check_instance as check_type
from dlcourse.checks import describe

__all__ = ["load_weights"]


def load_weights(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load the weights saved at ``path`` into ``model``, without running any code in the file.

    Args:
        path: ``torch.save(model.state_dict(), path)``, or a ``dlcourse.checkpoint`` file.
        model: a model of the architecture that was saved; receives the weights.

    Returns:
        ``model``, in eval mode.

    Raises:
        ValueError: the file is missing, is not a weights file (it holds pickled objects that
            ``weights_only=True`` refuses), or its keys or shapes do not fit ``model`` (the
            message names them; the model is then left untouched).
    """
    check_type("path", path, (str, os.PathLike))
    check_type("model", model, nn.Module)
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing weights file; got {str(path)!r}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError, RuntimeError, struct.error, EOFError, ...
        text = str(error)  # torch's message is long; its reason follows this marker
        reason = text.split("WeightsUnpickler error: ")[-1].split(". Please")[0].strip()
        reason = reason.splitlines()[0] if reason else type(error).__name__
        raise ValueError(
            f"path {str(path)!r} is not a file of weights that loads with weights_only=True: "
            f"{reason}"
        ) from None
    if isinstance(saved, dict) and "format" in saved and "model" in saved:
        load_checkpoint(path, model, restore_rng=False)  # a dlcourse checkpoint: it checks
        return model.eval()
    if not isinstance(saved, dict) or not all(torch.is_tensor(v) for v in saved.values()):
        raise ValueError(f"{path} must hold a state_dict (names to tensors); got {describe(saved)}")
    problems = _model_problems(saved, model)
    if problems:
        raise ValueError(f"weights in {path} do not fit the model: " + "; ".join(problems))
    model.load_state_dict(saved)
    return model.eval()
