"""Measure how long code takes, honestly: warm up, repeat, report the median.

One run of a function is a noisy measurement (another process, a cache, the first call's
set-up), so ``timeit_median`` runs it several times and keeps the median, which ignores the
occasional slow outlier. GPU work is asynchronous: a kernel launch returns before the GPU is
done, so ``synchronizer(device)`` gives the call that waits for the device before the clock
stops. ``log_log_slope`` turns timings at several sizes into the exponent of their growth.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

import numpy as np
import torch

from dlcourse.checks import MAX_COUNT, check_array, check_callable, check_int
from dlcourse.device import as_device

__all__ = ["log_log_slope", "synchronizer", "timeit_median"]


def synchronizer(device: torch.device | str) -> Callable[[], None]:
    """The function that waits until ``device`` has finished its queued work (a no-op on CPU)."""
    device = as_device(device, available_only=False)
    if device.type == "cuda":
        return torch.cuda.synchronize
    if device.type == "mps":
        return torch.mps.synchronize
    return lambda: None


def timeit_median(
    fn: Callable[[], object],
    repeats: int = 5,
    number: int = 1,
    warmup: int = 1,
    sync: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """The median time in seconds of one call of ``fn``.

    Args:
        fn: a function of no arguments: the work to time (wrap arguments in a lambda).
        repeats: how many measurements to take the median of, ``>= 1``.
        number: calls per measurement, ``>= 1``; each measurement is divided by it, so a very
            fast ``fn`` can be timed over many calls and still report seconds per call.
        warmup: untimed calls first (caches, lazy initialisation, kernel compilation), ``>= 0``.
        sync: called before the clock starts and before it stops, e.g. ``synchronizer(device)``.
        clock: returns the time in seconds; ``time.perf_counter`` (a test passes a fake one).

    Returns:
        Seconds per call, the median over ``repeats`` measurements.
    """
    check_callable("fn", fn)
    repeats = check_int("repeats", repeats, min=1, max=MAX_COUNT)
    number = check_int("number", number, min=1, max=MAX_COUNT)
    warmup = check_int("warmup", warmup, min=0, max=MAX_COUNT)
    sync = (lambda: None) if sync is None else check_callable("sync", sync)
    check_callable("clock", clock)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = clock()
        for _ in range(number):
            fn()
        sync()
        times.append((clock() - start) / number)
    return statistics.median(times)


def log_log_slope(sizes: Iterable[float], seconds: Iterable[float]) -> float:
    """The exponent k in ``seconds ~ size**k``: the slope of a line fitted in log-log space.

    Args:
        sizes: the problem sizes, (N,) with N >= 2, all > 0.
        seconds: the time measured at each size, (N,), all > 0.
    """
    sizes = check_array("sizes", sizes, ndim=1, shape="(N,)", nonempty=False)
    seconds = check_array("seconds", seconds, ndim=1, shape="(N,)", nonempty=False)
    if len(sizes) != len(seconds) or len(sizes) < 2:
        raise ValueError(
            f"need at least two (size, seconds) pairs of equal length (sizes and seconds); "
            f"got {len(sizes)} sizes and {len(seconds)} times"
        )
    for name, values in (("sizes", sizes), ("seconds", seconds)):
        if values.min() <= 0:
            raise ValueError(f"{name} must all be > 0 (logarithms are fitted); got {values.min()}")
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])
