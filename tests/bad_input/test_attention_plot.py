"""Bad input for dlcourse.attention_plot."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import INF, NAN, Count, Flag, Fresh, Instance, Other
from bad_input.registry import Registry
from bad_input.values import accept_any, axes, closed
from dlcourse import attention_plot

RECIPES = Registry()
register = RECIPES.register

register(
    attention_plot.draw_multi_head,
    ax=(Fresh(axes), Instance()),
    num_heads=(4, Count(1)),
    ok=accept_any,
)
WEIGHTS = torch.softmax(torch.randn(3, 4), dim=-1)
LABEL_LIST = Other(bad_values=(None, "abc", 3, ["a", 1, "c"], [None, "b", "c"]))
register(
    attention_plot.heatmap,
    ax=(Fresh(axes), Instance()),
    weights=(
        WEIGHTS,
        Other(
            bad_values=(
                None,
                "w",
                np.ones(3),
                np.ones((2, 3, 4)),
                np.ones((3, 5)),
                np.zeros((0, 4)),
                np.full((3, 4), NAN),
                torch.full((3, 4), INF),
                np.full((3, 4), 1j),
            ),
            odd_values=(np.ones((3, 4)), np.zeros((3, 4)), WEIGHTS.double()),
        ),
    ),
    queries=(["a", "b", "c"], LABEL_LIST),
    keys=(["w", "x", "y", "z"], Other(bad_values=("wxyz", 4, ["w", 2, "y", "z"]), optional=True)),
    title=("t", Other(bad_values=(None, 3, b"t", ["t"]))),
    annotate=(True, Flag()),
    ok=accept_any,
)

register(attention_plot.draw_encoder_decoder, ax=(Fresh(axes), Instance()), ok=accept_any)
register(
    attention_plot.heatmaps,
    call=closed(attention_plot.heatmaps),
    maps=(
        [WEIGHTS, WEIGHTS],
        Other(bad_values=(None, WEIGHTS, [], [WEIGHTS] * 13, [WEIGHTS, np.ones((3, 5))])),
    ),
    queries=(["a", "b", "c"], LABEL_LIST),
    titles=(["one", "two"], Other(bad_values=(None, "one", ["one"], ["one", 2]))),
    keys=(["w", "x", "y", "z"], Other(bad_values=("wxyz", 4, ["w", 2, "y", "z"]), optional=True)),
    annotate=(True, Flag()),
    ok=accept_any,
)
D_KS_VALID = [4, 16, 64]
STATS = np.ones((3, 3))
register(
    attention_plot.saturation_panels,
    call=closed(attention_plot.saturation_panels),
    d_ks=(D_KS_VALID, Other(bad_values=(None, "d", [0, 4, 16], [[4, 16, 64]]))),
    raw=(STATS, Other(bad_values=(None, np.ones((2, 3)), np.ones(3), np.full((3, 3), NAN)))),
    scaled=(STATS, Other(bad_values=(None, np.ones((3, 2)), "s"))),
    n_keys=(16, Count(1)),
    ok=accept_any,
)
register(
    attention_plot.temperature_panels,
    call=closed(attention_plot.temperature_panels),
    scores=([2.0, 1.0, 0.0], Other(bad_values=(None, "s", [[1.0]], [NAN, 1.0]))),
    taus=([0.5, 2.0], Other(bad_values=(None, [0.0, 1.0], [-1.0], [1.0] * 13))),
    temperatures=([0.1, 1.0, 10.0], Other(bad_values=(None, [0.0, 1.0, 2.0], [[1.0]]))),
    entropies=([0.1, 0.5, 1.0], Other(bad_values=(None, [0.1, 0.5], "e"))),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
