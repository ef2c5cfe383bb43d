"""Bad input for dlcourse.rl."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Count, Fresh, Instance, Opaque, Other, Probability, Real
from bad_input.registry import Registry
from bad_input.values import ENV, POLICY, POSITIVE, Q_ENV, SEED, SMALL_ENV, axes
from dlcourse import rl

RECIPES = Registry()
register = RECIPES.register

LAYOUT = Other(
    bad_values=(
        "S.G",
        ("S.G", 3),
        (),
        ("S.G", "S"),
        ("...", "..G"),
        ("S..",),
        None,
        [[1, 2]],
        ("",),
    ),
    odd_values=(("S.G",), ["S#", ".G"], ("S", "G")),
)
REWARDS = Other(
    bad_values=(
        None,
        {"G": NAN},
        {"GG": 1.0},
        {3: 1.0},
        [("G", 1.0)],
        {"G": "1"},
        {"#": 1.0},
        {"G": True},
    ),
    odd_values=({"G": 1.0}, {"G": -1.0, "T": 0.0}),
)
register(
    rl.GridWorld,
    layout=(("S.G",), LAYOUT),
    terminal_rewards=({"G": 1.0}, REWARDS),
    step_reward=(0.0, Real()),
)
GRID = {"self": (ENV, Opaque())}
register(rl.GridWorld.char, call=lambda self, state: self.char(state), **GRID, state=(0, Count(0)))
register(
    rl.GridWorld.is_terminal,
    call=lambda self, state: self.is_terminal(state),
    **GRID,
    state=(0, Count(0)),
)
register(rl.GridWorld.free_states, call=lambda self: self.free_states(), **GRID)
register(rl.GridWorld.reset, call=lambda self: self.reset(), **GRID)
register(
    rl.GridWorld.step,
    call=lambda self, state, action: self.step(state, action),
    **GRID,
    state=(ENV.reset(), Count(0)),
    action=(1, Count(0)),
)
ENV_KIND = Other(bad_values=(None, "maze", 3, object(), rl.DEFAULT_LAYOUT))
register(
    rl.q_learning,
    env=(SMALL_ENV, ENV_KIND),
    episodes=(5, Count(1)),
    alpha=(0.5, Probability(min_open=True)),
    gamma=(0.9, Probability()),
    epsilon=(0.5, Probability()),
    seed=(0, SEED),
    max_steps=(10, Count(1)),
)
register(rl.greedy_policy, Q=(Q_ENV, Array(like=Q_ENV)))
register(
    rl.rollout,
    env=(ENV, ENV_KIND),
    policy=(
        POLICY,
        Other(
            bad_values=(
                None,
                np.zeros(3),
                np.full(30, 4),
                np.full(30, 0.5),
                np.full(30, NAN),
                "up",
            ),
            odd_values=(np.zeros(30), np.full(30, 3)),
        ),
    ),
    start=(None, Count(0, optional=True)),
    max_steps=(None, Count(0, optional=True)),
)
register(
    rl.value_iteration,
    env=(SMALL_ENV, ENV_KIND),
    gamma=(0.9, Real(min=0.0, max=1.0, max_open=True)),
    tol=(1e-9, POSITIVE),
    max_iter=(1000, Count(1)),
)
register(
    rl.draw_gridworld,
    env=(ENV, ENV_KIND),
    Q=(Q_ENV, Array(like=Q_ENV)),
    ax=(Fresh(axes), Instance()),
    title=("t", Other(bad_values=(None, 3, b"t"))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
