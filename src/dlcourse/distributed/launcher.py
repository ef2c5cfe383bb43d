"""Starting the ranks from Python: the ``torchrun`` command line, and ``launch``, which runs it
and reads back what every rank wrote."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from dlcourse.checks import MAX_COUNT, check_instance, check_int, check_real
from dlcourse.distributed.config import DDPConfig, parse_modes

__all__ = ["LaunchResult", "launch", "torchrun_command"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_command(
    modes: str, out: str | Path, config: DDPConfig | None = None, nproc: int = 2, port=None
) -> list[str]:
    """The ``torchrun`` command line (as ``python -m torch.distributed.run``) for one node."""
    nproc = check_int("nproc", nproc, min=1, max=MAX_COUNT)
    parse_modes(modes)
    check_instance("out", out, (str, Path), "a folder (str or pathlib.Path)")
    if config is not None:
        check_instance("config", config, DDPConfig)
    try:
        config = (config or DDPConfig()).checked(nproc)
    except ValueError as error:  # the config was fine on its own: nproc is what does not fit
        if not str(error).startswith("n_examples must be a multiple of world_size"):
            raise
        raise ValueError(f"config does not fit nproc={nproc} processes: {error}") from None
    port = _free_port() if port is None else check_int("port", port, min=1, max=65535)
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1",
               f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1", f"--master_port={port}",
               "-m", "dlcourse.distributed", "--modes", modes, "--out", str(out)]  # fmt: skip
    for name, value in asdict(config).items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    return command


@dataclass
class LaunchResult:
    """What a ``launch`` left behind, per training mode (``"ddp"``, ``"fsdp"``): the loss of
    every step averaged over the ranks (``losses[mode]``), every rank's final weights
    (``states[mode][rank]``), for FSDP the shape of rank 0's shard of each parameter; and
    rank 0's printed ``output``."""

    output: str
    losses: dict[str, list[float]]
    states: dict[str, list[dict]]
    shards: dict[str, dict]

    def lines(self, prefix: str) -> str:
        """The lines of ``output`` that start with ``prefix`` (e.g. ``"fsdp"``)."""
        check_instance("prefix", prefix, str)
        return "\n".join(ln for ln in self.output.splitlines() if ln.startswith(prefix))


def launch(
    modes: str,
    out: str | Path,
    config: DDPConfig | None = None,
    nproc: int = 2,
    timeout: float = 300.0,
) -> LaunchResult:
    """Run ``torchrun_command`` in a subprocess and read back what the ranks wrote.

    Args:
        modes: comma-separated, run in this order in one launch, e.g. ``"allreduce,ddp"``.
        out: an existing or new folder for the files.
        config: the training run (default ``DDPConfig()``), checked for ``nproc`` processes.
        nproc: number of processes (ranks).
        timeout: seconds before the launch is given up (``subprocess.TimeoutExpired``).

    Raises:
        RuntimeError: with every rank's output, if ``torchrun`` failed.
    """
    check_real("timeout", timeout, min=0.0, min_open=True)
    command = torchrun_command(modes, out, config, nproc)  # checks modes, out, config, nproc
    out = Path(out)
    package_root = str(Path(__file__).resolve().parents[2])  # the same dlcourse in every rank
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(":")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"torchrun failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = LaunchResult(done.stdout, {}, {}, {})
    for mode in parse_modes(modes):
        if mode == "allreduce":
            continue
        report = json.loads((out / f"{mode}.json").read_text())
        result.losses[mode], result.shards[mode] = report["losses"], report["shards"]
        result.states[mode] = [
            torch.load(out / f"{mode}-rank{r}.pt", weights_only=True) for r in range(nproc)
        ]
    return result
