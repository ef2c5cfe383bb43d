"""Throughput of a float32 matrix product, C = A @ B with square n x n matrices, per device.

A product of two n x n matrices costs 2 n^3 floating-point operations, so the rate is
2 n^3 / seconds. Small products are dominated by call overhead (and, on a GPU, by the kernel
launch); the rate only approaches the hardware's peak for large n.

    python benchmarks/matmul.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

from functools import partial

import torch
from _common import emit, parse_args

from dlcourse.timing import synchronizer, timeit_median


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    cpu_sizes = [64, 128] if args.quick else [128, 256, 512, 1024, 2048]
    gpu_sizes = cpu_sizes if args.quick else [*cpu_sizes, 4096, 8192]
    repeats = 3 if args.quick else 7
    generator = torch.Generator().manual_seed(0)
    results = []
    for device in args.devices:
        sync = synchronizer(device)
        for n in cpu_sizes if device.type == "cpu" else gpu_sizes:
            A = torch.randn(n, n, generator=generator).to(device)
            B = torch.randn(n, n, generator=generator).to(device)
            # About 2 GFLOP per measurement: many calls of a small product, one of a big one.
            number = max(1, min(100, int(2e9 / (2 * n**3))))
            seconds = timeit_median(
                partial(torch.matmul, A, B), repeats=repeats, number=number, sync=sync
            )
            results.append(
                {
                    "device": device.type,
                    "n": n,
                    "seconds": seconds,
                    "gflops": 2 * n**3 / seconds / 1e9,
                }
            )
    emit("matmul", args.quick, results)


if __name__ == "__main__":
    main()
