"""dlcourse.rl: the gridworld, tabular Q-learning against value iteration, and bad input."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcourse import rl

# --- gridworld and Q-learning ----------------------------------------------------------------


def test_greedy_policy_reaches_goal_from_every_cell():
    env = rl.GridWorld()
    policy = rl.greedy_policy(rl.q_learning(env, seed=0))
    for s in env.free_states():
        assert env.char(rl.rollout(env, policy, start=s)[-1]) == "G", f"stuck from {s}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_q_learning_finds_an_optimal_policy(seed):
    env = rl.GridWorld()
    Q, Q_star = rl.q_learning(env, seed=seed), rl.value_iteration(env, gamma=0.95)
    free = env.free_states()
    policy = rl.greedy_policy(Q)
    np.testing.assert_allclose(Q_star[free, policy[free]], Q_star[free].max(1))
    np.testing.assert_allclose(Q[free].max(1), Q_star[free].max(1), atol=0.01)


def test_value_iteration_counts_steps_to_goal():
    env = rl.GridWorld(layout=("S..G",))
    V = rl.value_iteration(env, gamma=0.5).max(1)
    np.testing.assert_allclose(V[:3], [0.25, 0.5, 1.0])


def test_trap_changes_the_policy():
    env = rl.GridWorld(layout=("S.G", "..."))
    trapped = rl.GridWorld(layout=("S.G", ".T."))
    plain = rl.greedy_policy(rl.value_iteration(env))
    detour = rl.greedy_policy(rl.value_iteration(trapped))
    assert rl.ARROWS[plain[0]] == "→"
    start_path = rl.rollout(trapped, detour)
    assert trapped.char(start_path[-1]) == "G" and 4 not in start_path


def test_step_rules():
    env = rl.GridWorld(layout=("S#", ".G"), step_reward=-0.1)
    assert env.step(0, 0) == (0, -0.1, False)  # off the grid: stay
    assert env.step(0, 1) == (0, -0.1, False)  # into the wall: stay
    assert env.step(0, 2) == (2, -0.1, False)
    assert env.step(2, 1) == (3, 1.0, True)
    assert env.reset() == 0 and env.free_states() == [0, 2]


def test_gridworld_bad_input():
    with pytest.raises(ValueError, match="same length"):
        rl.GridWorld(layout=("S..", "G."))
    with pytest.raises(ValueError, match="exactly one start"):
        rl.GridWorld(layout=("...", "..G"))
    with pytest.raises(ValueError, match="no terminal cell"):
        rl.GridWorld(layout=("S..",))
    env = rl.GridWorld()
    with pytest.raises(ValueError, match="wall or terminal"):
        env.step(env.layout[4].index("G") + 4 * env.cols, 0)
    with pytest.raises(ValueError, match="action must be an integer <= 3; got 4"):
        env.step(env.reset(), 4)
    with pytest.raises(ValueError, match=r"alpha must be .*\(0, 1\]; got 0"):
        rl.q_learning(env, alpha=0)
    with pytest.raises(ValueError, match="gamma must be .* in \\[0, 1\\); got 1.0"):
        rl.value_iteration(env, gamma=1.0)
    with pytest.raises(ValueError, match="2-D"):
        rl.greedy_policy(np.zeros(4))


@pytest.mark.parametrize("tol", [math.nan, -1.0, 0.0, math.inf])
def test_value_iteration_rejects_a_tolerance_it_could_never_meet(tol):
    # nan and -1 used to loop forever: no change is ever "< nan" or "< -1".
    with pytest.raises(ValueError, match=r"tol must be a finite real number > 0; got"):
        rl.value_iteration(rl.GridWorld(), tol=tol)


def test_value_iteration_is_bounded_by_max_iter():
    with pytest.raises(ValueError, match="max_iter=3 sweeps are too few"):
        rl.value_iteration(rl.GridWorld(), gamma=0.99, max_iter=3)
    assert rl.value_iteration(rl.GridWorld(layout=("S.G",)), gamma=0.0, max_iter=3)[1, 1] == 1.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda env: rl.q_learning(env, episodes=0), ValueError, "episodes must be"),
        (lambda env: rl.q_learning(env, episodes=2.5), TypeError, "episodes must be an integer"),
        (lambda env: rl.q_learning(env, epsilon=math.nan), ValueError, "epsilon must be"),
        (lambda env: rl.q_learning("maze"), TypeError, "env must be GridWorld"),
        (lambda env: rl.rollout(env, np.zeros(3)), ValueError, r"policy must be \(30,\)"),
        (lambda env: rl.rollout(env, np.full(30, 4)), ValueError, r"actions in \[0, 4\)"),
        (lambda env: rl.rollout(env, np.zeros(30), start=7), ValueError, "start must be a free"),
        (lambda env: rl.rollout(env, np.zeros(30), start=99), ValueError, "start must be"),
        (lambda env: env.step(1.5, 0), TypeError, "state must be an integer"),
        (lambda env: env.char(-1), ValueError, "state must be an integer >= 0"),
        (lambda env: rl.GridWorld(layout="S.G"), TypeError, "layout must be a tuple"),
        (lambda env: rl.GridWorld(step_reward="0"), TypeError, "step_reward must be"),
        (lambda env: rl.GridWorld(terminal_rewards={"G": math.nan}), ValueError, "terminal_rew"),
        (lambda env: rl.draw_gridworld(env, np.zeros((3, 4)), None), ValueError, r"\(30, 4"),
    ],
)
def test_bad_input_names_the_argument(call, error, message):
    env = rl.GridWorld()
    with pytest.raises(error, match=message):
        call(env)


def test_draw_gridworld_needs_axes():
    env = rl.GridWorld()
    with pytest.raises(TypeError, match="ax must be matplotlib Axes"):
        rl.draw_gridworld(env, rl.value_iteration(env), ax=None)
    plt.close("all")
