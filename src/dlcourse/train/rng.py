"""Every global random state a training run draws from, saved and put back.

Shuffling (torch's generator), dropout (torch's, on the CPU and CUDA), NumPy's and Python's
global generators: a checkpoint that carries them all resumes a run on the same numbers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np
import torch

from dlcourse.checks import check_instance

__all__ = ["rng_state", "set_rng_state"]


def rng_state() -> dict:
    """Every global random state a training run draws from, as tensors and plain numbers."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, python_gauss = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": {
            "version": version,
            "state": torch.tensor(internal, dtype=torch.int64),
            "gauss": python_gauss,
        },
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping) -> None:
    """Put back what ``rng_state`` returned (missing parts are left alone)."""
    check_instance("state", state, Mapping, "a mapping returned by rng_state()")
    if not isinstance(state.get("torch"), torch.Tensor):
        raise ValueError(
            f"state must hold the 'torch' generator state that rng_state() returns; "
            f"got keys {sorted(map(str, state))}"
        )
    torch.set_rng_state(state["torch"].cpu())  # generators take CPU bytes, wherever it was loaded
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    if "numpy" in state:
        np_state = state["numpy"]
        keys = np_state["keys"].cpu().numpy().astype(np.uint32)
        np.random.set_state(
            ("MT19937", keys, np_state["pos"], np_state["has_gauss"], np_state["gauss"])
        )
    if "python" in state:
        py = state["python"]
        random.setstate((py["version"], tuple(py["state"].tolist()), py["gauss"]))
