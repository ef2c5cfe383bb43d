"""Reinforcement learning in a table: a gridworld and a tabular Q-learning agent.

The world is a small maze drawn as strings. An agent moves up, right, down or left; it learns
from rewards alone, by trial and error, which move is best in each cell. ``value_iteration``
computes the exact answer from the known rules, so a test (and the chapter) can check that what
Q-learning found by trial and error is optimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_instance,
    check_int,
    check_probability,
    check_real,
    check_seed,
    describe,
)

__all__ = [
    "ACTIONS",
    "ARROWS",
    "DEFAULT_LAYOUT",
    "GridWorld",
    "draw_gridworld",
    "greedy_policy",
    "q_learning",
    "rollout",
    "value_iteration",
]

# Action a moves by ACTIONS[a] = (row step, column step); ARROWS[a] draws it.
ACTIONS = ((-1, 0), (0, 1), (1, 0), (0, -1))
ARROWS = ("↑", "→", "↓", "←")

# 'S' start, 'G' goal, '#' wall, '.' free. Letters in GridWorld.terminal_rewards end an episode.
DEFAULT_LAYOUT = (
    "......",
    ".##.#.",
    "..#.#.",
    "#.#...",
    "S...#G",
)


@dataclass(frozen=True)
class GridWorld:
    """A deterministic maze. A state is a cell's index ``row * cols + col``.

    Args:
        layout: equal-length strings, one per row: ``'#'`` wall, ``'S'`` start (exactly one),
            ``'.'`` free, and any letter of ``terminal_rewards`` a cell that ends the episode.
        terminal_rewards: reward for entering each kind of terminal cell, e.g. the goal
            ``'G'`` (+1) or a trap ``'T'`` (-1).
        step_reward: reward for every other move (negative: a cost per step).

    Moving into a wall or off the grid leaves the agent where it is.
    """

    layout: tuple[str, ...] = DEFAULT_LAYOUT
    terminal_rewards: Mapping[str, float] = field(default_factory=lambda: {"G": 1.0, "T": -1.0})
    step_reward: float = 0.0

    def __post_init__(self) -> None:
        layout = self.layout
        if not isinstance(layout, (tuple, list)) or not all(isinstance(r, str) for r in layout):
            raise TypeError(f"layout must be a tuple of strings (rows); got {describe(layout)}")
        if not layout or not layout[0]:
            raise ValueError(f"layout must have at least one row and one column; got {layout!r}")
        object.__setattr__(self, "layout", tuple(layout))  # frozen: a tuple stays unchanged
        rewards = check_instance("terminal_rewards", self.terminal_rewards, Mapping, "a dict")
        for letter, reward in rewards.items():
            if not (isinstance(letter, str) and len(letter) == 1) or letter in "#S.":
                raise ValueError(
                    f"terminal_rewards keys must be single letters other than '#', 'S', '.'; "
                    f"got {letter!r}"
                )
            check_real(f"terminal_rewards[{letter!r}]", reward)
        check_real("step_reward", self.step_reward)
        if len({len(row) for row in self.layout}) != 1:
            raise ValueError(f"layout rows must all have the same length; got {self.layout}")
        flat = "".join(self.layout)
        if flat.count("S") != 1:
            raise ValueError(f"layout needs exactly one start 'S'; found {flat.count('S')}")
        if not any(ch in self.terminal_rewards for ch in flat):
            raise ValueError(
                f"layout has no terminal cell; expected one of {sorted(self.terminal_rewards)}"
            )

    @property
    def rows(self) -> int:
        return len(self.layout)

    @property
    def cols(self) -> int:
        return len(self.layout[0])

    @property
    def n_states(self) -> int:
        return self.rows * self.cols

    n_actions = len(ACTIONS)

    def _state(self, state: int, name: str = "state") -> int:
        note = f"the grid has {self.n_states} cells"
        return check_int(name, state, min=0, max=self.n_states - 1, note=note)

    def char(self, state: int) -> str:
        """The layout letter of the cell ``state``."""
        state = self._state(state)
        return self.layout[state // self.cols][state % self.cols]

    def is_terminal(self, state: int) -> bool:
        return self.char(state) in self.terminal_rewards

    def free_states(self) -> list[int]:
        """States an agent can stand in and act from: neither walls nor terminal cells."""
        flat = "".join(self.layout)
        return [s for s, ch in enumerate(flat) if ch != "#" and ch not in self.terminal_rewards]

    def reset(self) -> int:
        """The start state."""
        return "".join(self.layout).index("S")

    def step(self, state: int, action: int) -> tuple[int, float, bool]:
        """Take ``action`` in ``state``; returns ``(next_state, reward, done)``."""
        if self.char(state) == "#" or self.is_terminal(state):
            raise ValueError(f"state {state} is a wall or terminal cell ('{self.char(state)}')")
        action = check_int("action", action, min=0, max=self.n_actions - 1)
        return self._move(state, action)

    def _move(self, state: int, action: int) -> tuple[int, float, bool]:
        """``step`` without its checks, for the learning loops that already made them."""
        dr, dc = ACTIONS[action]
        r, c = state // self.cols + dr, state % self.cols + dc
        if not (0 <= r < self.rows and 0 <= c < self.cols) or self.layout[r][c] == "#":
            return state, self.step_reward, False  # bumped into the edge or a wall
        nxt = r * self.cols + c
        if self.layout[r][c] in self.terminal_rewards:
            return nxt, float(self.terminal_rewards[self.layout[r][c]]), True
        return nxt, self.step_reward, False


def q_learning(
    env: GridWorld,
    episodes: int = 1000,
    alpha: float = 0.5,
    gamma: float = 0.95,
    epsilon: float = 0.5,
    seed: int = 0,
    max_steps: int = 100,
) -> np.ndarray:
    """Learn the action values ``Q`` (n_states, n_actions) by tabular Q-learning.

    After each move the agent nudges its estimate towards what it just saw:
    ``Q[s, a] += alpha * (r + gamma * max_a' Q[s', a'] - Q[s, a])`` (no future after a
    terminal cell). It explores with probability ``epsilon`` (a random move) and otherwise
    takes its current best move, breaking ties at random. Each episode starts in a random
    free cell ("exploring starts") so that every cell gets visited, and lasts at most
    ``max_steps`` moves.
    """
    check_instance("env", env, GridWorld)
    episodes = check_int("episodes", episodes, min=1, max=MAX_COUNT)
    max_steps = check_int("max_steps", max_steps, min=1, max=MAX_COUNT)
    alpha = check_probability("alpha", alpha, min_open=True)  # a step size in (0, 1]
    gamma = check_probability("gamma", gamma)
    epsilon = check_probability("epsilon", epsilon)
    rng = np.random.default_rng(check_seed("seed", seed))
    Q = np.zeros((env.n_states, env.n_actions))
    starts = env.free_states()
    for _ in range(episodes):
        state = starts[rng.integers(len(starts))]
        for _ in range(max_steps):
            if rng.random() < epsilon:
                action = int(rng.integers(env.n_actions))
            else:
                best = np.flatnonzero(Q[state] == Q[state].max())
                action = int(best[rng.integers(len(best))])
            nxt, reward, done = env._move(state, action)
            target = reward if done else reward + gamma * Q[nxt].max()
            Q[state, action] += alpha * (target - Q[state, action])
            if done:
                break
            state = nxt
    return Q


def greedy_policy(Q: np.ndarray) -> np.ndarray:
    """The best action in each state, ``argmax_a Q[s, a]`` (ties: the first action). (n_states,)"""
    Q = check_array("Q", Q, ndim=2, shape="(states, actions)")
    return Q.argmax(axis=1)


def rollout(
    env: GridWorld, policy: np.ndarray, start: int | None = None, max_steps: int | None = None
) -> list[int]:
    """Follow ``policy`` (n_states,) from ``start`` (default: 'S'); returns the visited states.

    Stops at a terminal cell or after ``max_steps`` moves (default: the number of cells, the
    longest path a deterministic policy can take without going round in a loop).
    """
    check_instance("env", env, GridWorld)
    policy = check_array("policy", policy, ndim=1, shape=f"({env.n_states},)", dtype=None)
    if policy.shape != (env.n_states,) or np.any(policy != np.round(policy)):
        raise ValueError(f"policy must be ({env.n_states},) whole numbers; got {policy.shape}")
    if policy.min() < 0 or policy.max() >= env.n_actions:
        raise ValueError(f"policy must hold actions in [0, {env.n_actions}); got {policy.max()}")
    policy = policy.astype(np.int64)
    state = env.reset() if start is None else env._state(start, "start")
    max_steps = env.n_states if max_steps is None else max_steps
    max_steps = check_int("max_steps", max_steps, min=0, max=MAX_COUNT)
    if state not in env.free_states():
        raise ValueError(f"start must be a free cell; got {state} ('{env.char(state)}')")
    path = [state]
    for _ in range(max_steps):
        state, _, done = env._move(state, int(policy[state]))
        path.append(state)
        if done:
            break
    return path


def value_iteration(
    env: GridWorld, gamma: float = 0.95, tol: float = 1e-12, max_iter: int = 100_000
) -> np.ndarray:
    """The optimal action values ``Q*`` (n_states, n_actions), from the known rules.

    Repeats the Bellman optimality update ``Q[s, a] = r + gamma * max_a' Q[s', a']`` over
    every free cell and action until nothing changes by more than ``tol``. Rows of walls and
    terminal cells stay 0. Each sweep shrinks the error by a factor ``gamma``, so about
    ``log(tol) / log(gamma)`` sweeps suffice (540 for the defaults); ``max_iter`` bounds
    them all the same, since rounding can keep a tiny ``tol`` from ever being met.

    Raises:
        ValueError: when ``max_iter`` sweeps did not get below ``tol``.
    """
    check_instance("env", env, GridWorld)
    gamma = check_real("gamma", gamma, min=0, max=1, max_open=True)  # < 1: a contraction
    tol = check_real("tol", tol, min=0, min_open=True)
    max_iter = check_int("max_iter", max_iter, min=1, max=MAX_COUNT)
    moves = [(s, a, *env._move(s, a)) for s in env.free_states() for a in range(env.n_actions)]
    Q = np.zeros((env.n_states, env.n_actions))
    for _ in range(max_iter):
        new = Q.copy()
        for s, a, nxt, reward, done in moves:
            new[s, a] = reward if done else reward + gamma * Q[nxt].max()
        if np.abs(new - Q).max() < tol:
            return new
        Q = new
    raise ValueError(
        f"max_iter={max_iter} sweeps are too few to reach tol={tol:g} with gamma={gamma}; "
        "raise max_iter or tol"
    )


def draw_gridworld(env: GridWorld, Q: np.ndarray, ax, title: str = "") -> None:
    """Draw the grid on matplotlib ``ax``: cell colour = value max_a Q, arrow = greedy move.

    Walls are dark grey; terminal cells are green (positive reward) or red (negative).
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle

    from dlcourse.plot import COLORS

    check_instance("env", env, GridWorld)
    Q = check_array("Q", Q, ndim=2, shape=f"({env.n_states}, {env.n_actions})")
    if Q.shape != (env.n_states, env.n_actions):
        raise ValueError(f"Q must have shape ({env.n_states}, {env.n_actions}); got {Q.shape}")
    check_instance("ax", ax, Axes, "matplotlib Axes")
    check_instance("title", title, str)
    values = Q.max(axis=1).reshape(env.rows, env.cols)
    policy = greedy_policy(Q)
    free = set(env.free_states())
    hidden = [
        [s not in free for s in range(r * env.cols, (r + 1) * env.cols)] for r in range(env.rows)
    ]
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.25")  # masked cells: dark grey
    image = ax.imshow(np.ma.masked_array(values, mask=hidden), cmap=cmap)
    for s in range(env.n_states):
        r, c = divmod(s, env.cols)
        colour = "white"
        if s in free:
            label = f"{ARROWS[policy[s]]}\n{values[r, c]:.2f}"
            colour = "black" if image.norm(values[r, c]) > 0.6 else "white"  # on light cells
        elif env.is_terminal(s):
            reward = env.terminal_rewards[env.char(s)]
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color=COLORS[2 if reward > 0 else 3]))
            label = f"{env.char(s)}\n{reward:+g}"
        else:
            continue
        ax.text(c, r, label, ha="center", va="center", fontsize=10, color=colour)
    ax.set_xticks(range(env.cols))
    ax.set_yticks(range(env.rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.grid(False)
    ax.set_title(title)
    plt.colorbar(image, ax=ax, label="value max$_a$ Q(s, a)", shrink=0.8)
