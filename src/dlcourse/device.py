"""Pick the fastest available torch device, so that one line makes a page device-agnostic."""

from __future__ import annotations

import torch

from dlcourse.checks import check_device

__all__ = ["as_device", "available", "best", "describe"]


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


def as_device(device: torch.device | str | None = None, name: str = "device") -> torch.device:
    """The one device rule of the package: ``None`` means ``best()``; anything else must be a
    ``torch.device`` or its name, of a kind available on this machine.

    Raises:
        TypeError: ``device`` is neither ``None``, a string nor a ``torch.device`` (``3.5``).
        ValueError: it names no torch device (``"gpu"``), or one this machine lacks.
    """
    if device is None:
        return best()
    device = check_device(name, device)
    kinds = [d.type for d in available()]
    if device.type not in kinds:
        raise ValueError(f"{name} {device.type!r} is not available here; available: {kinds}")
    return device


def describe(device: torch.device | str | None = None) -> str:
    """A one-line description of `device` (default: `best()`) for the top of a chapter."""
    device = best() if device is None else check_device("device", device)
    if device.type not in {d.type for d in available()}:
        names = ", ".join(d.type for d in available())
        raise ValueError(f"device must be available here ({names}); got {device}")
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
