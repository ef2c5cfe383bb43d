"""Pick the fastest available torch device, so that one line makes a page device-agnostic."""

from __future__ import annotations

import torch


def best() -> torch.device:
    """Return the best device available: CUDA, then Apple's MPS, then the CPU.

    >>> best().type in {"cuda", "mps", "cpu"}
    True
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe(device: torch.device | None = None) -> str:
    """A one-line description of `device` (default: `best()`) for the top of a chapter."""
    device = best() if device is None else device
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
