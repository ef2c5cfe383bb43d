"""Where the work runs: the fastest available torch device, and which process of several this is.

``best()`` makes a page device-agnostic in one line. ``as_device`` is the package's one device
rule: every function that takes a ``device`` argument checks it there. ``is_main_process`` says
whether this process is the one that prints and saves when several train together.
"""

from __future__ import annotations

import torch

from dlcourse.checks import check_bool
from dlcourse.checks import describe as describe_value

__all__ = ["as_device", "available", "best", "describe", "is_main_process"]


def available() -> list[torch.device]:
    """Every kind of device torch can use here, best first: CUDA, then Apple's MPS, then the CPU.

    >>> available()[-1]
    device(type='cpu')
    """
    found = []
    if torch.cuda.is_available():
        found.append(torch.device("cuda"))
    mps = getattr(torch.backends, "mps", None)  # absent from some builds
    if mps is not None and mps.is_available():
        found.append(torch.device("mps"))
    return [*found, torch.device("cpu")]


def best() -> torch.device:
    """Return the best device available: CUDA, then Apple's MPS, then the CPU.

    >>> best().type in {"cuda", "mps", "cpu"}
    True
    """
    return available()[0]


def as_device(
    device: torch.device | str | None = None, name: str = "device", *, available_only: bool = True
) -> torch.device:
    """The one device rule of the package: ``None`` means ``best()``; anything else must be a
    ``torch.device`` or its name (``"cpu"``, ``"cuda:1"``), of a kind this machine has.

    Args:
        device: the device, its name, or ``None``.
        name: the argument's name, for the error message.
        available_only: refuse a kind of device this machine lacks (``"cuda"`` on a laptop);
            ``False`` only checks that the name is a torch device.

    Raises:
        TypeError: ``device`` is neither ``None``, a string nor a ``torch.device`` (``3.5``).
        ValueError: it names no torch device (``"gpu"``), or one this machine lacks.
    """
    available_only = check_bool("available_only", available_only)
    if device is None:
        return best()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"{name} must be a torch.device or its name ('cpu'); got {describe_value(device)}"
        )
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ValueError(f"{name} must name a torch device such as 'cpu'; got {device!r}") from None
    kinds = [d.type for d in available()]
    if available_only and device.type not in kinds:
        raise ValueError(f"{name} {device.type!r} is not available here; available: {kinds}")
    return device


def describe(device: torch.device | str | None = None) -> str:
    """A one-line description of `device` (default: `best()`) for the top of a chapter."""
    device = as_device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def is_main_process() -> bool:
    """True unless this is a ``torch.distributed`` worker of rank > 0: only rank 0 prints and
    saves, so that N processes do not write N copies of one file."""
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0
