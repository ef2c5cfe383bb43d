"""What every rank agrees on before it starts: the run's configuration, its data and model,
the collective backend for a device, and a loss that remembers every step."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import TensorDataset

from dlcourse.checks import (
    MAX_COUNT,
    check_bool,
    check_in,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_size,
)

__all__ = [
    "MODES",
    "DDPConfig",
    "LossRecorder",
    "backend_for",
    "make_data",
    "make_model",
    "parse_modes",
]

MODES = ("allreduce", "ddp", "fsdp")


@dataclass
class DDPConfig:
    """One small training run: a 64-32-10 MLP on the first ``n_examples`` digits, plain SGD."""

    epochs: int = 4
    batch_size: int = 32  # per process: the effective batch is world_size * batch_size
    lr: float = 0.2
    hidden: int = 32
    n_examples: int = 1792  # 1792 = 28 * 64: whole batches for 2 ranks of 32 (no padding)
    seed: int = 0  # model initialisation and the sampler's shuffling
    dtype: str = "float64"  # float64: DDP and one process agree to ~1e-12
    batch_norm: bool = False  # a BatchNorm1d after the first layer: statistics per rank

    def __post_init__(self) -> None:
        self._check_fields()

    def _check_fields(self) -> None:
        """Each field on its own (again: a field may be changed after the config is made)."""
        check_int("epochs", self.epochs, min=1, max=MAX_COUNT)
        check_int("batch_size", self.batch_size, min=1, max=MAX_COUNT)
        check_real("lr", self.lr, min=0.0, min_open=True)
        check_int("hidden", self.hidden, min=1, max=MAX_COUNT)
        check_size("hidden (weights: 75 * hidden)", 75 * self.hidden)
        check_int("n_examples", self.n_examples, min=1, max=1797, note="digits has 1797")
        check_seed("seed", self.seed)
        check_in("dtype", self.dtype, ("float32", "float64"))
        check_bool("batch_norm", self.batch_norm)

    def checked(self, world_size: int) -> DDPConfig:
        """This config, validated for ``world_size`` processes (``ValueError`` if not)."""
        world_size = check_int("world_size", world_size, min=1, max=MAX_COUNT)
        self._check_fields()
        step = world_size * self.batch_size
        if self.n_examples % step:
            raise ValueError(
                f"n_examples must be a multiple of world_size * batch_size = {world_size} * "
                f"{self.batch_size} = {step} (whole batches on every rank); got {self.n_examples}"
            )
        return self


def backend_for(device_type: str) -> str:
    """The collective backend for a device type: ``nccl`` for ``"cuda"``, ``gloo`` for ``"cpu"``."""
    device_type = check_in("device_type", device_type, ("cpu", "cuda"))
    return "nccl" if device_type == "cuda" else "gloo"


def parse_modes(modes: str) -> list[str]:
    """``"allreduce,ddp"`` -> ``["allreduce", "ddp"]``, each one of ``MODES`` (else ValueError)."""
    check_instance("modes", modes, str, "a comma-separated str such as 'allreduce,ddp'")
    for mode in modes.split(","):
        if mode not in MODES:
            raise ValueError(f"modes must be comma-separated names of {MODES}; got {modes!r}")
    return modes.split(",")


def _check_config(config) -> None:
    check_instance("config", config, DDPConfig)
    config._check_fields()


def make_data(config: DDPConfig) -> TensorDataset:
    """The first ``n_examples`` digits: inputs (n, 64) in [0, 1], labels (n,)."""
    from dlcourse.data import digits

    _check_config(config)
    X, y = digits()
    n = config.n_examples
    dtype = getattr(torch, config.dtype)
    return TensorDataset(torch.tensor(X[:n], dtype=dtype), torch.tensor(y[:n]))


def make_model(config: DDPConfig) -> nn.Sequential:
    """The 64-``hidden``-10 MLP, initialised from ``config.seed`` (the same on every rank).

    With ``config.batch_norm``, a ``BatchNorm1d(hidden)`` follows the first layer: in training
    mode it normalises with the statistics of the batch it is given, on each rank its own slice.
    """
    _check_config(config)
    torch.manual_seed(config.seed)
    layers = [nn.Linear(64, config.hidden), nn.ReLU(), nn.Linear(config.hidden, 10)]
    if config.batch_norm:
        layers.insert(1, nn.BatchNorm1d(config.hidden))
    return nn.Sequential(*layers).to(getattr(torch, config.dtype))


class LossRecorder(nn.Module):
    """Cross-entropy that remembers every batch's loss in ``losses`` (``fit`` calls it once per
    batch): ``forward(output (B, C), target (B,))`` -> the mean loss."""

    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = nn.functional.cross_entropy(output, target)
        self.losses.append(float(loss.detach()))
        return loss
