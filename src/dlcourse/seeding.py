"""One call that makes a chapter print the same numbers on every run."""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from threadpoolctl import threadpool_limits

_blas_limit = None  # kept alive: threadpoolctl's limit lasts as long as this object


def seed_everything(seed: int = 0, threads: int | None = 2) -> np.random.Generator:
    """Seed Python, NumPy and torch, fix the thread counts, and return a NumPy generator.

    Args:
        seed: the seed for every random number generator.
        threads: threads for torch and for NumPy's BLAS. A fixed count keeps floating-point
            reductions in the same order, so printed numbers do not drift between machines
            with different core counts. ``None`` leaves the libraries' defaults alone.

    Returns:
        ``np.random.default_rng(seed)``: pages draw their NumPy randomness from it.
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    global _blas_limit
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    os.environ["PYTHONHASHSEED"] = str(seed)
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1 or None, got {threads}")
        torch.set_num_threads(threads)
        _blas_limit = threadpool_limits(limits=threads)
    return np.random.default_rng(seed)
