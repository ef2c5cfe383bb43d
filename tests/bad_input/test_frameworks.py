"""Bad input for dlcourse.frameworks.

One MLP in PyTorch and Keras, TensorBoard curves (chapter 18). Keras is imported on the torch
backend by the first call (warm_up), not when this file is collected.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from bad_input.fuzzing import INF, NAN, Count, Fresh, Other
from bad_input.registry import Registry
from bad_input.values import accept_any
from dlcourse import frameworks

RECIPES = Registry()
register = RECIPES.register

SIZES_KIND = Other(
    bad_values=(None, 3, "64", [], [4], [4, 0], [4, 2.5], [4, True], [4, 2**63], {4: 2}),
    odd_values=((1, 1), [3, 2, 2]),
)
register(
    frameworks.import_keras,
    backend=("torch", Other(bad_values=("pytorch", None, 3, b"torch"))),
    ok=accept_any,
)
register(frameworks.mlp_torch, layer_sizes=((4, 3, 2), SIZES_KIND), ok=accept_any)
TORCH_MLP = frameworks.mlp_torch((4, 3, 2))
KERAS_KIND = Other(bad_values=(None, 3, "keras", TORCH_MLP))
register(
    frameworks.mlp_keras,
    layer_sizes=((4, 3, 2), SIZES_KIND),
    like=(TORCH_MLP, Other(bad_values=(3, "m", frameworks.mlp_torch((4, 5, 2))), optional=True)),
    ok=accept_any,
)
for fn in (frameworks.copy_weights_to_keras, frameworks.weight_gap):
    register(
        fn,
        torch_model=(TORCH_MLP, Other(bad_values=(None, 3, "m", frameworks.mlp_torch((4, 5, 2))))),
        keras_model=(Fresh(lambda: frameworks.mlp_keras((4, 3, 2))), KERAS_KIND),
        ok=accept_any,
    )


class ScalarSink:
    """Anything with add_scalar is a writer (as the docstring says): no files written."""

    def add_scalar(self, tag, value, step):
        pass


register(
    frameworks.log_scalars,
    writer=(ScalarSink(), Other(bad_values=(None, 3, "w", object()))),
    step=(3, Count(0, capped=False)),
    scalars=(
        {"loss/train": 0.5, "acc": torch.tensor(0.25)},
        Other(
            bad_values=(
                None,
                3,
                "loss",
                [("a", 1.0)],
                {"": 1.0},
                {1: 1.0},
                {"a": NAN},
                {"a": INF},
                {"a": "1"},
                {"a": True},
                {"a": None},
                {"a": torch.zeros(2)},
                {"a": 1j},
            ),
            odd_values=({}, {"a": 0}, {"a": np.float32(1.5)}),
        ),
    ),
    ok=accept_any,
)


@functools.cache
def tensorboard_run() -> str:
    from torch.utils.tensorboard import SummaryWriter

    folder = tempfile.mkdtemp(prefix="dlcourse-fuzz-tb-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with SummaryWriter(folder) as writer:
        frameworks.log_scalars(writer, 0, {"loss": 1.0})
    return folder


register(
    frameworks.read_scalars,
    call=lambda log_dir: frameworks.read_scalars(
        tensorboard_run() if log_dir == "RUN" else log_dir
    ),
    log_dir=(
        "RUN",
        Other(
            bad_values=(
                None,
                3,
                b"dir",
                ["d"],
                "/no/such/folder",
                str(Path(frameworks.__file__).parent),  # a folder without event files
            )
        ),
    ),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
