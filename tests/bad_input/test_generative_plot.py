"""Bad input for dlcourse.generative_plot."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Fresh, Instance, Other, Real
from bad_input.registry import Registry
from bad_input.values import POSITIVE, RNG, accept_any, axes, closed
from dlcourse import generative_plot

RECIPES = Registry()
register = RECIPES.register

DIGITS = RNG.random((4, 64))
DIGITS_KIND = Other(
    bad_values=(
        None,
        "d",
        np.zeros(64),
        np.zeros((4, 63)),
        np.full((4, 64), NAN),
        np.zeros((0, 64)),
    )
)
ROWS_KIND = Other(bad_values=(None, DIGITS, [], [DIGITS, DIGITS[:2]], [np.zeros((4, 63))]))
register(generative_plot.mosaic, rows=([DIGITS, DIGITS], ROWS_KIND))
register(
    generative_plot.digit_rows,
    ax=(Fresh(axes), Instance()),
    rows=([DIGITS, DIGITS], ROWS_KIND),
    labels=(["a", "b"], Other(bad_values=("ab", ["a"], 3), optional=True)),
    title=("t", Other(bad_values=(None, 3))),
    ok=accept_any,
)
SIZES = [2, 4]
register(
    generative_plot.code_size_panels,
    call=closed(generative_plot.code_size_panels),
    code_sizes=(SIZES, Other(bad_values=(None, [0, 4], [2], "k"))),
    ae_error=([0.1, 0.05], Other(bad_values=(None, [0.1], [NAN, 0.1]))),
    pc_error=([0.2, 0.1], Other(bad_values=(None, [0.1], "p"))),
    rows=([DIGITS, DIGITS], ROWS_KIND),
    labels=(["a", "b"], Other(bad_values=("ab", ["a"], 3))),
    ok=accept_any,
)
register(
    generative_plot.code_map,
    call=closed(generative_plot.code_map),
    codes=(RNG.normal(size=(6, 2)), Other(bad_values=(None, np.zeros((6, 3)), np.zeros(6)))),
    labels=(np.array([0, 1, 2, 0, 1, 2]), Other(bad_values=(None, [0, 1], np.full(6, 11), "l"))),
    ok=accept_any,
)
register(
    generative_plot.image_strip,
    call=closed(generative_plot.image_strip),
    images=(DIGITS, DIGITS_KIND),
    titles=(["a", "b", "c", "d"], Other(bad_values=(None, ["a"], "abcd"))),
    ok=accept_any,
)
SCORE = np.array([0.1, 0.2, 0.8, 0.9])
register(
    generative_plot.anomaly_panels,
    call=closed(generative_plot.anomaly_panels),
    score=(SCORE, Other(bad_values=(None, [0.1], np.full(4, NAN), "s"))),
    is_anomaly=(
        np.array([0, 0, 1, 1]),
        Other(bad_values=(None, [0, 0, 0, 0], [0, 1], [0, 2, 1, 1])),
    ),
    fpr=([0.0, 0.5, 1.0], Other(bad_values=(None, [0.0], "f"))),
    tpr=([0.0, 1.0, 1.0], Other(bad_values=(None, [0.0], [[0.0]]))),
    auc=(0.9, Real(min=0.0, max=1.0)),
    ok=accept_any,
)
HUNDRED = RNG.random((100, 64))
register(
    generative_plot.vae_panels,
    call=closed(generative_plot.vae_panels),
    tiles=(HUNDRED, Other(bad_values=(None, DIGITS, np.zeros((100, 63))))),
    samples=(HUNDRED, Other(bad_values=(None, DIGITS, "s"))),
    extent=(2.0, POSITIVE),
    ok=accept_any,
)
register(
    generative_plot.tradeoff,
    call=closed(generative_plot.tradeoff),
    betas=([0.5, 1.0], Other(bad_values=(None, [0.5], "b"))),
    reconstruction=([20.0, 22.0], Other(bad_values=(None, [20.0], [NAN, 1.0]))),
    kl=([3.0, 2.0], Other(bad_values=(None, [3.0, 2.0, 1.0], "k"))),
    ok=accept_any,
)
GRID = np.linspace(-1, 1, 5)
BUMP = np.exp(-(GRID[:, None] ** 2 + GRID[None, :] ** 2))
register(
    generative_plot.posterior_contours,
    call=closed(generative_plot.posterior_contours),
    z1=(GRID, Other(bad_values=(None, [[0.0]], "z"))),
    z2=(GRID, Other(bad_values=(None, np.zeros((5, 5))))),
    densities=({"p": BUMP}, Other(bad_values=(None, {}, BUMP, {"p": BUMP[:3]}, {3: BUMP}))),
    point=(None, Other(bad_values=([0.0], "p", [NAN, 0.0]), optional=True)),
    ok=accept_any,
)
FAKES = {0: RNG.normal(size=(20, 2)), 100: RNG.normal(size=(20, 2))}
register(
    generative_plot.gan_snapshots,
    call=closed(generative_plot.gan_snapshots),
    real=(RNG.normal(size=(30, 2)), Other(bad_values=(None, np.zeros((30, 3)), "r"))),
    runs=({"good": FAKES}, Other(bad_values=(None, {}, FAKES, {"good": {0: np.zeros(3)}}))),
    steps=([0, 100], Other(bad_values=(None, [], [0, 5], 0))),
    counts=({"good": {0: 0, 100: 3}}, Other(bad_values=(None, {}, {"bad": {0: 0}}))),
    ok=accept_any,
)
LOSSES = {"d_loss": list(np.linspace(1.0, 1.4, 60)), "g_loss": list(np.linspace(1.0, 0.7, 60))}
register(
    generative_plot.gan_losses,
    call=closed(generative_plot.gan_losses),
    runs=(
        {"good": LOSSES},
        Other(bad_values=(None, {}, {"good": [1.0]}, {"good": {"d_loss": []}})),
    ),
    titles=({"good": "t"}, Other(bad_values=(None, {}, "t"))),
    window=(50, Other(bad_values=(None, 0, NAN, "w", 100))),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
