"""Bad input for dlcourse.device."""

from __future__ import annotations

import torch

from bad_input.fuzzing import Flag, Opaque, Other
from bad_input.registry import Registry
from dlcourse import device

RECIPES = Registry()
register = RECIPES.register

register(device.available)
register(device.best)
register(
    device.as_device,
    device=(
        "cpu",
        Other(
            bad_values=(3, "no-such-device", 1.5, torch.zeros(1)),
            odd_values=("cuda", "mps", torch.device("cpu")),
            optional=True,
        ),
    ),
    name=("device", Opaque()),
    available_only=(True, Flag()),
)
register(
    device.describe,
    device=(
        "cpu",
        Other(
            bad_values=(3, "no-such-device", 1.5, torch.zeros(1)),
            odd_values=("cuda", "mps", torch.device("cpu")),
            optional=True,
        ),
    ),
)
register(device.is_main_process, ok=lambda main: main is True)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
