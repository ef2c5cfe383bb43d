"""``dlcourse.checkpoint``: a training run saved to one file, and the one loader of weights.

The code lives in ``dlcourse.train.checkpoint``, inside the training package; this module keeps
``from dlcourse import checkpoint`` working.
"""

from dlcourse.train.checkpoint import (
    load_checkpoint,
    load_state_dict_checked,
    rng_state,
    save_checkpoint,
    set_rng_state,
)

__all__ = [
    "load_checkpoint",
    "load_state_dict_checked",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
]
