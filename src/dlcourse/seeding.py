"""One call that makes a chapter print the same numbers on every run."""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from dlcourse.checks import check_int, check_seed

__all__ = ["seed_everything"]

_blas_limit = None  # kept alive: threadpoolctl's limit lasts as long as this object


def seed_everything(seed: int = 0, threads: int | None = 2) -> np.random.Generator:
    """Seed Python, NumPy and torch, fix the thread counts, and return a NumPy generator.

    What it does not do: fix the hashing of strings. Python salts ``hash(str)`` with a random
    value chosen when the interpreter starts, so the iteration order of a ``set`` of strings
    can differ from run to run. Setting ``PYTHONHASHSEED`` inside a running program changes
    nothing (the salt is already chosen); it has to be set before Python starts, e.g.
    ``PYTHONHASHSEED=0 python script.py``. Code that must print the same thing on every run
    sorts a set of strings before iterating over it.

    Args:
        seed: the seed for every random number generator, an integer in [0, 2**32).
        threads: threads for torch and for NumPy's BLAS, >= 1. A fixed count keeps
            floating-point reductions in the same order, so printed numbers do not drift
            between machines with different core counts. ``None`` leaves the libraries'
            defaults alone. The environment variable ``DLCOURSE_THREADS``, when set, wins:
            the book's portability check runs every chapter with another thread count, as a
            reader's machine might.

    Returns:
        ``np.random.default_rng(seed)``: pages draw their NumPy randomness from it.
    """
    seed = check_seed("seed", seed)
    threads = None if threads is None else check_int("threads", threads, min=1, max=4096)
    override = os.environ.get("DLCOURSE_THREADS", "").strip()
    if override:
        if not override.isdigit() or int(override) < 1:
            raise ValueError(f"DLCOURSE_THREADS must be a positive integer; got {override!r}")
        threads = int(override)
    global _blas_limit
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    if threads is not None:
        torch.set_num_threads(threads)
        _blas_limit = threadpool_limits(limits=threads)
    return np.random.default_rng(seed)
