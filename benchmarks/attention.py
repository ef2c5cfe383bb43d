"""Our scaled dot-product attention against torch's fused kernel, and the T x T weights' memory.

``dlcourse.attention.scaled_dot_product_attention`` computes the formula as written: it builds
the (B, heads, T, T) scores, their softmax, and only then the output, and it returns the weights
so a reader can look at them. ``torch.nn.functional.scaled_dot_product_attention`` picks a fused
kernel (FlashAttention-style on a GPU, a blocked one on the CPU) that never keeps the whole
T x T matrix. This measures, per sequence length T (causal mask, B=4, 8 heads, d_k=64):

- forward and forward+backward seconds of both (medians, synchronised on a GPU);
- the bytes of the weights tensor ours returns (B * heads * T^2 numbers: quadratic in T);
- on CUDA, the peak memory each allocates during a forward pass;
- ``GPT.generate`` with and without its KV cache (``dlcourse.attention.KVCache``): the seconds
  to fill a whole context, and whether both drew the same tokens.

    python benchmarks/attention.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from _common import emit, parse_args

from dlcourse.attention import causal_mask, scaled_dot_product_attention
from dlcourse.timing import log_log_slope, synchronizer, timeit_median
from dlcourse.transformer import GPT, GPTConfig

B, HEADS, D_K = 4, 8, 64


def ours(q, k, v, mask):
    return scaled_dot_product_attention(q, k, v, mask)[0]


def fused(q, k, v, mask):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def forward_backward(fn, q, k, v, mask):
    def run():
        fn(q, k, v, mask).sum().backward()
        q.grad = k.grad = v.grad = None

    return run


def peak_bytes(fn, q, k, v, mask, device) -> int | None:
    """Peak memory allocated on CUDA by one forward pass, above what was already there."""
    if device.type != "cuda":
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    with torch.no_grad():
        out = fn(q, k, v, mask)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated(device) - before
    del out
    return int(peak)


def generation(device, quick: bool, repeats: int) -> dict:
    """Seconds for ``GPT.generate`` to fill its context, with and without the KV cache."""
    block, layers, width = (16, 2, 32) if quick else (256, 4, 128)
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=100, block_size=block, n_layer=layers, n_head=4, n_embd=width)
    model = GPT(config).to(device).eval()
    start = torch.zeros(8, 1, dtype=torch.int64, device=device)

    def draw(use_cache):
        g = torch.Generator().manual_seed(0)
        return model.generate(start, block - 1, generator=g, use_cache=use_cache)

    row = {"device": device.type, "block_size": block, "batch": 8}
    row["same_tokens"] = bool(torch.equal(draw(True), draw(False)))
    sync = synchronizer(device)
    for use_cache in (False, True):
        name = "cached" if use_cache else "uncached"
        row[f"{name}_seconds"] = timeit_median(
            partial(draw, use_cache), repeats=repeats, number=1, sync=sync
        )
    row["speedup"] = row["uncached_seconds"] / row["cached_seconds"]
    return row


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    cpu_sizes = [32, 64] if args.quick else [128, 256, 512, 1024]
    gpu_sizes = cpu_sizes if args.quick else [*cpu_sizes, 2048, 4096]
    repeats = 3 if args.quick else 7
    generator = torch.Generator().manual_seed(0)
    results, summary = [], {}
    for device in args.devices:
        sync = synchronizer(device)
        sizes = cpu_sizes if device.type == "cpu" else gpu_sizes
        for T in sizes:
            q, k, v = (
                torch.randn(B, HEADS, T, D_K, generator=generator).to(device).requires_grad_(True)
                for _ in range(3)
            )
            mask = causal_mask(T, device=device)
            with torch.no_grad():
                _, weights = scaled_dot_product_attention(q, k, v, mask)
                max_diff = float((ours(q, k, v, mask) - fused(q, k, v, mask)).abs().max())
            row = {
                "device": device.type,
                "T": T,
                "weights_bytes": weights.nelement() * weights.element_size(),
                "max_abs_difference": max_diff,
            }
            del weights
            # Several calls per measurement when the sizes are small (not in a --quick check).
            number = 2 if args.quick else max(1, min(50, 2**20 // T**2))
            for name, fn in (("ours", ours), ("fused", fused)):
                with torch.no_grad():
                    row[f"{name}_forward_seconds"] = timeit_median(
                        partial(fn, q, k, v, mask), repeats=repeats, number=number, sync=sync
                    )
                row[f"{name}_forward_backward_seconds"] = timeit_median(
                    forward_backward(fn, q, k, v, mask), repeats=repeats, number=number, sync=sync
                )
                peak = peak_bytes(fn, q, k, v, mask, device)
                if peak is not None:
                    row[f"{name}_peak_bytes"] = peak
            row["ours_over_fused_forward"] = (
                row["ours_forward_seconds"] / row["fused_forward_seconds"]
            )
            results.append(row)
        rows = [r for r in results if r["device"] == device.type]
        summary[device.type] = {
            "weights_bytes_exponent": log_log_slope(
                [r["T"] for r in rows], [r["weights_bytes"] for r in rows]
            ),
            "ours_forward_exponent": log_log_slope(
                [r["T"] for r in rows], [r["ours_forward_seconds"] for r in rows]
            ),
            "ours_over_fused_forward_at_largest_T": rows[-1]["ours_over_fused_forward"],
        }
    generate = [generation(device, args.quick, 1 if args.quick else 5) for device in args.devices]
    for row in generate:
        summary[row["device"]]["generate_speedup_with_kv_cache"] = row["speedup"]
    results.extend(generate)
    emit("attention", args.quick, results, summary)


if __name__ == "__main__":
    main()
