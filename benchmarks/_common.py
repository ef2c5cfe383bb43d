"""What every benchmark shares: its command line, the list of devices, and the JSON it prints.

A benchmark is a script, ``python benchmarks/NAME.py [--quick] [--device cpu|cuda|mps|all]``,
that prints one JSON object to standard output::

    {"benchmark": "matmul", "quick": false, "environment": {...}, "results": [{...}, ...],
     "summary": {...}}

``environment`` says what the numbers were measured on (versions, CPU threads, GPU name), so that
two runs are only compared when they are comparable. Times are medians of several repeats
(``dlcourse.timing.timeit_median``), and GPU work is synchronised before the clock stops.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Iterable

import numpy as np
import torch

import dlcourse
import dlcourse.device

DEVICE_CHOICES = ("all", "cpu", "cuda", "mps")


def parse_args(description: str, cpu_only: bool = False) -> argparse.Namespace:
    """The command line every benchmark takes: ``--quick`` and ``--device``.

    Returns the parsed arguments with ``devices``, the list of ``torch.device`` to measure on.
    Asking for a device that is absent ends the script with a usage error, not a traceback.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--quick", action="store_true", help="small sizes and few repeats: checks that it runs"
    )
    p.add_argument(
        "--device",
        default="cpu" if cpu_only else "all",
        choices=DEVICE_CHOICES,
        help="where to measure; 'all': the CPU and every accelerator present"
        + (" (this benchmark is NumPy: CPU only)" if cpu_only else " (the default)"),
    )
    args = p.parse_args()
    if cpu_only and args.device not in ("cpu", "all"):
        p.error(f"this benchmark runs on NumPy, on the CPU only; got --device {args.device}")
    try:
        args.devices = [torch.device("cpu")] if cpu_only else devices(args.device)
    except ValueError as err:
        p.error(str(err))
    return args


def devices(choice: str) -> list[torch.device]:
    """The devices ``--device choice`` asks for; a ValueError when that one is absent."""
    if choice not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {DEVICE_CHOICES}; got {choice!r}")
    present = dlcourse.device.available()[::-1]  # the CPU first: it is the baseline
    if choice == "all":
        return present
    wanted = torch.device(choice)
    if wanted not in present:
        names = ", ".join(d.type for d in present)
        raise ValueError(f"device {choice!r} is not available here; present: {names}")
    return [wanted]


def environment() -> dict:
    """What the numbers were measured on."""
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "dlcourse": dlcourse.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        env["cuda"] = torch.version.cuda
        env["gpu"] = torch.cuda.get_device_name(0)
    return env


def emit(name: str, quick: bool, results: Iterable[dict], summary: dict | None = None) -> dict:
    """Print the benchmark's JSON object to standard output and return it.

    ``results`` holds one dict per measurement; ``summary``, what is derived from all of them
    (a fitted exponent, a ratio).
    """
    report = {
        "benchmark": name,
        "quick": quick,
        "environment": environment(),
        "results": list(results),
    }
    if summary is not None:
        report["summary"] = summary
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return report
