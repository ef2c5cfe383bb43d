"""A Python loop vs NumPy vs PyTorch on one task: the mean squared error of two float32 vectors.

The maths-toolkit chapter runs this race once at one size; here it runs at several sizes and on
every device, and reports seconds per call and the speed-up over the loop. The loop is only timed
up to a size where it stays under a second.

    python benchmarks/vectorisation.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from _common import emit, parse_args

from dlcourse.timing import synchronizer, timeit_median

LOOP_MAX = 1_000_000  # the pure-Python loop takes ~0.1 us per element: stop it here


def mse_loop(a: list[float], b: list[float]) -> float:
    total = 0.0
    for x, y in zip(a, b, strict=True):
        total += (x - y) ** 2
    return total / len(a)


def mse_numpy(a: np.ndarray, b: np.ndarray) -> float:
    return np.mean((a - b) ** 2)


def mse_torch(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.mean((a - b) ** 2)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000, 10_000_000]
    repeats = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    results = []
    for n in sizes:
        a = rng.standard_normal(n).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        row = {"n": n, "seconds": {}}
        if n <= LOOP_MAX:
            a_list, b_list = a.tolist(), b.tolist()
            row["seconds"]["python_loop"] = timeit_median(
                partial(mse_loop, a_list, b_list), repeats=repeats
            )
        row["seconds"]["numpy"] = timeit_median(
            partial(mse_numpy, a, b), repeats=repeats, number=10
        )
        for device in args.devices:
            ta, tb = torch.from_numpy(a).to(device), torch.from_numpy(b).to(device)
            row["seconds"][f"torch_{device.type}"] = timeit_median(
                partial(mse_torch, ta, tb),
                repeats=repeats,
                number=10,
                sync=synchronizer(device),
            )
        if "python_loop" in row["seconds"]:
            loop = row["seconds"]["python_loop"]
            row["speedup_over_loop"] = {
                name: loop / s for name, s in row["seconds"].items() if name != "python_loop"
            }
        results.append(row)
    emit("vectorisation", args.quick, results)


if __name__ == "__main__":
    main()
