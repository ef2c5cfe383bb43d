"""Bad input for dlcourse.meta.

Sine-wave tasks, MAML and its baseline (chapter 17)
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from bad_input.fuzzing import Array, Count, Flag, Fresh, Opaque, Other, Real
from bad_input.registry import Registry
from bad_input.values import MODULE_KIND, accept_any
from dlcourse import meta

RECIPES = Registry()
register = RECIPES.register

GENERATOR = Other(bad_values=(None, 3, "rng", np.random.RandomState(0), torch.Generator()))


class StepSize(Real):
    """A learning rate: every bad value of a Real >= 0 (> 0 if ``min_open``), but odd values only
    up to 1, since gradient descent with a step of 1e300 diverges to inf and NaN, as it must (a
    check inside vmap cannot look at the numbers)."""

    def odd(self):
        return st.sampled_from([v for v in (0.0, 1e-300, 1e-3, 0.5, 1.0) if self._inside(v)])


META_LR, META_OUTER_LR = StepSize(min=0.0), StepSize(min=0.0, min_open=True)
AMPLITUDES, PHASES = np.array([1.0, 2.0]), np.array([0.0, 1.0])
register(
    meta.SineTasks,
    amplitude=(AMPLITUDES, Array(ndims=(1,), like=AMPLITUDES)),
    phase=(PHASES, Array(ndims=(1,), like=PHASES)),
    ok=accept_any,
)
SINES = meta.SineTasks(AMPLITUDES, PHASES)
register(
    meta.SineTasks.points,
    call=lambda self, **kw: self.points(**kw),
    self=(SINES, Opaque()),
    k=(3, Count(1)),
    rng=(Fresh(lambda: np.random.default_rng(0)), GENERATOR),
)
register(meta.sine_net, hidden=(4, Count(1)), ok=accept_any)
SINE_NET = meta.sine_net(4)

PARAMS_KIND = Other(bad_values=(None, 3, "p", [torch.zeros(1)], {"no.such": torch.zeros(1)}))


def point_kind(shape):
    """A (k, 1) or (T, k, 1) tensor of points."""
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros(shape),
            torch.zeros(shape[:-1]),
            torch.zeros(*shape[:-1], 2),
            torch.zeros(shape, dtype=torch.long),
            torch.zeros(shape, dtype=torch.complex64),
            torch.zeros(2, *shape),
        )
    )


XK, YK = torch.linspace(-1, 1, 5).view(5, 1), torch.sin(torch.linspace(-1, 1, 5)).view(5, 1)
register(
    meta.mse,
    model=(SINE_NET, MODULE_KIND),
    params=(dict(SINE_NET.named_parameters()), PARAMS_KIND),
    x=(XK, point_kind((5, 1))),
    y=(YK, point_kind((5, 1))),
)
register(
    meta.adapt,
    model=(SINE_NET, MODULE_KIND),
    params=(dict(SINE_NET.named_parameters()), PARAMS_KIND),
    x=(XK, point_kind((5, 1))),
    y=(YK, point_kind((5, 1))),
    lr=(0.01, META_LR),
    steps=(1, Count(0)),
    first_order=(False, Flag()),
)
XS, YS = SINES.points(3, np.random.default_rng(0))
register(
    meta.maml_loss,
    model=(SINE_NET, MODULE_KIND),
    x_support=(XS, point_kind((2, 3, 1))),
    y_support=(YS, point_kind((2, 3, 1))),
    x_query=(XS, point_kind((2, 3, 1))),
    y_query=(YS, point_kind((2, 3, 1))),
    inner_lr=(0.01, META_LR),
    inner_steps=(1, Count(0)),
    first_order=(False, Flag()),
)
register(
    meta.train_maml,
    model=(Fresh(lambda: meta.sine_net(4)), MODULE_KIND),
    meta_steps=(1, Count(1)),
    meta_batch=(2, Count(1)),
    k_shot=(3, Count(1)),
    inner_lr=(0.01, META_LR),
    inner_steps=(1, Count(0)),
    outer_lr=(1e-3, META_OUTER_LR),
    first_order=(False, Flag()),
    rng=(Fresh(lambda: np.random.default_rng(0)), GENERATOR),
)
register(
    meta.train_pretrained,
    model=(Fresh(lambda: meta.sine_net(4)), MODULE_KIND),
    steps=(1, Count(1)),
    meta_batch=(2, Count(1)),
    k_shot=(3, Count(1)),
    lr=(1e-3, META_OUTER_LR),
    rng=(Fresh(lambda: np.random.default_rng(0)), GENERATOR),
)
register(
    meta.adaptation_curve,
    model=(SINE_NET, MODULE_KIND),
    tasks=(SINES, Other(bad_values=(None, 3, "tasks", (AMPLITUDES, PHASES)))),
    x_support=(XS, point_kind((2, 3, 1))),
    y_support=(YS, point_kind((2, 3, 1))),
    lr=(0.01, META_LR),
    steps=(2, Count(0)),
    n_grid=(10, Count(1)),
)
register(
    meta.adapted_predictions,
    model=(SINE_NET, MODULE_KIND),
    x=(XK, point_kind((5, 1))),
    y=(YK, point_kind((5, 1))),
    x_grid=(XK, point_kind((5, 1))),
    lr=(0.01, META_LR),
    steps=(1, Count(0)),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
