"""A 2-D convolution three ways: Python loops, im2col + one matrix product, and PyTorch.

``dlcourse.cnn.conv2d`` computes the same numbers with ``method="loops"`` (one window at a
time) and ``method="im2col"`` (every window unfolded into a matrix, then one product); PyTorch's
``conv2d`` runs a tuned kernel (float64 on the CPU to compare like with like, float32 on every
device). The backward pass is timed too: ``cnn.conv2d_backward`` against ``torch.autograd``.
Each row gives the median seconds per call and the rate in multiply-adds per second; the
summary gives, per size, how many times faster im2col is than the loops and torch than im2col.
The loops are only timed on sizes where they stay within seconds.

    python benchmarks/conv.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from _common import emit, parse_args

from dlcourse import cnn
from dlcourse.timing import synchronizer, timeit_median

LOOP_MAX_WINDOWS = 20_000  # N * out_channels * Ho * Wo windows: about 0.5 s in Python


def multiply_adds(N: int, C: int, H: int, W: int, Co: int, k: int, padding: int) -> int:
    Ho, Wo = cnn.output_size(H, k, 1, padding), cnn.output_size(W, k, 1, padding)
    return N * Co * Ho * Wo * C * k * k


def torch_backward(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, g: torch.Tensor) -> None:
    out = F.conv2d(x, w, b, padding=w.shape[-1] // 2)
    dx, dw, db = torch.autograd.grad(out, (x, w, b), g)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    # (N, C, H, W, out_channels, k): a LeNet-sized layer, a VGG-like 3x3 layer, a wider one
    sizes = (
        [(2, 1, 12, 12, 4, 3), (4, 3, 16, 16, 8, 3)]
        if args.quick
        else [(8, 1, 28, 28, 6, 5), (8, 16, 32, 32, 32, 3), (32, 64, 28, 28, 64, 3)]
    )
    repeats = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    results, summary = [], {}
    for N, C, H, W, Co, k in sizes:
        name = f"N{N}_C{C}_{H}x{W}_out{Co}_k{k}"
        shape = {"N": N, "C": C, "H": H, "W": W, "out_channels": Co, "kernel": k}
        padding = k // 2  # "same" padding: the output has the input's size
        macs = multiply_adds(N, C, H, W, Co, k, padding)
        x, w = rng.standard_normal((N, C, H, W)), rng.standard_normal((Co, C, k, k))
        b = rng.standard_normal(Co)
        g = rng.standard_normal(cnn.conv2d(x, w, b, padding=padding).shape)

        def row(method, device, dtype, direction, seconds, shape=shape, macs=macs):
            results.append(
                {
                    **shape,
                    "method": method,
                    "device": device,
                    "dtype": dtype,
                    "pass": direction,
                    "seconds": seconds,
                    "gmacs_per_second": macs / seconds / 1e9,
                }
            )
            return seconds

        times = {}
        if N * Co * H * W <= LOOP_MAX_WINDOWS:
            loops = partial(cnn.conv2d, x, w, b, padding=padding, method="loops")
            times["loops"] = row("loops", "cpu", "float64", "forward", timeit_median(loops, 3))
        im2col = partial(cnn.conv2d, x, w, b, padding=padding)
        times["im2col"] = row(
            "im2col", "cpu", "float64", "forward", timeit_median(im2col, repeats, number=3)
        )
        backward = partial(cnn.conv2d_backward, x, w, g, padding=padding)
        times["im2col_backward"] = row(
            "im2col", "cpu", "float64", "backward", timeit_median(backward, repeats, number=3)
        )
        for device in args.devices:
            dtypes = (torch.float64, torch.float32) if device.type == "cpu" else (torch.float32,)
            for dtype in dtypes:
                xt, wt, bt, gt = (
                    torch.tensor(a, dtype=dtype, device=device, requires_grad=True)
                    for a in (x, w, b, g)
                )
                sync, label = synchronizer(device), str(dtype).removeprefix("torch.")
                with torch.no_grad():
                    forward = partial(F.conv2d, xt, wt, bt, padding=padding)
                    seconds = timeit_median(forward, repeats, number=10, sync=sync)
                times[f"torch_{device.type}_{label}"] = row(
                    "torch", device.type, label, "forward", seconds
                )
                seconds = timeit_median(
                    partial(torch_backward, xt, wt, bt, gt), repeats, number=5, sync=sync
                )
                times[f"torch_{device.type}_{label}_backward"] = row(
                    "torch", device.type, label, "backward", seconds
                )
        # Ratios of times measured in this run (a CPU-only torch row is absent with --device cuda).
        ratios = {
            "im2col_over_loops": ("loops", "im2col"),
            "torch_cpu_float64_over_im2col": ("im2col", "torch_cpu_float64"),
            "torch_cpu_float64_over_im2col_backward": (
                "im2col_backward",
                "torch_cpu_float64_backward",
            ),
        }
        summary[name] = {
            ratio: times[slow] / times[fast]
            for ratio, (slow, fast) in ratios.items()
            if slow in times and fast in times
        }
    emit("conv", args.quick, results, summary)


if __name__ == "__main__":
    main()
