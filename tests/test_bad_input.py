"""Malformed arguments against every public function of dlcourse: a clear error or a right answer.

``REGISTRY`` holds a valid call (a ``Recipe``) of every public function, class and method of the
package; ``test_every_public_function_is_registered`` fails when one is missing, so a new
function cannot skip this file. For each recipe:

- every *bad* value of every argument's kind (wrong type, NaN, inf, negative, zero, huge, bool,
  string, complex, wrong ndim, empty, ...) must raise ``ValueError`` or ``TypeError`` whose
  message names the argument (a deterministic sweep);
- hypothesis draws *odd* values (arrays of random shapes, counts at their edges) and the call
  must raise such an error or return an answer the recipe accepts;
- no call may hang or allocate without bound: each runs under ``fuzzing.guarded``.

The machinery (kinds, recipes, the guard) is in ``tests/fuzzing.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import inspect
import io
import os
import pkgutil
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from fuzzing import (  # noqa: E402
    INF,
    MEMORY_HEADROOM,
    NAN,
    Array,
    Choice,
    Count,
    Flag,
    Fresh,
    Func,
    Hang,
    Instance,
    Interval,
    Labels,
    Opaque,
    Other,
    Points,
    Probability,
    Real,
    Recipe,
    guarded,
    outcome,
)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import dlcourse  # noqa: E402
from dlcourse import (  # noqa: E402
    activations,
    architectures,
    attention,
    attention_plot,
    augment,
    autoencoders,
    autograd,
    autograd_graph,
    autograd_nn,
    backprop,
    batches,
    checkpoint,
    checks,
    classic,
    cnn,
    data,
    device,
    distributed,
    fewshot,
    frameworks,
    generative,
    images,
    layers,
    linear,
    meta,
    metrics,
    optim,
    plot,
    progress,
    rl,
    rnn,
    schedulers,
    seeding,
    sequences,
    serving,
    surfaces,
    text,
    timing,
    train,
    transfer,
    transformer,
    workflow,
)

# Modules not fuzzed here: none. Every chapter module is registered below. Registering Part IV
# (cnn, images, sequences, layers, attention, architectures, attention_plot, autoencoders,
# generative, rnn, text, transformer) and then the newer modules of Parts V and VI
# (autograd_nn, fewshot, meta, transfer, frameworks, serving, distributed) found and fixed
# counts that took floats, bools and 10**12, arrays and tensors that took strings, NaN and the
# wrong dtype, and errors that named no argument. Where a valid call would block or launch
# processes (serving.serve, distributed.launch), its recipe records the call instead of making
# it, after every argument has been checked; distributed.setup and main join a process group of
# one process. (The training loop's internal checks in dlcourse.train_checks declare an empty
# __all__ and need no entry.)
EXCLUDED_MODULES: set[str] = set()
# Binary operators of autograd.Value: public API although their names start with "_".
OPERATORS = {
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__pow__",
}  # fmt: skip

# --- shared valid values ----------------------------------------------------------------------

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(12, 3))  # a small design matrix: 12 examples, 3 features
Y1 = X2 @ np.array([1.0, -2.0, 0.5]) + 0.3
LOGITS = RNG.normal(size=(4, 3))
CLASSES = np.array([0, 2, 1, 2])
BINARY = np.array([0, 1, 1, 0, 1])
SCORES = np.array([0.1, 0.8, 0.35, 0.4, 0.9])
IMAGES = RNG.random((3, 64))
ENV = rl.GridWorld()
SMALL_ENV = rl.GridWorld(layout=("S.G",))
Q_ENV = rl.value_iteration(ENV)
POLICY = rl.greedy_policy(Q_ENV)
FIG, AX = plt.subplots()  # one figure for every drawing call, cleared each time


def axes():
    AX.clear()
    return AX


def params():
    return [torch.zeros(3, requires_grad=True)]


def sgd():
    return optim.SGD(params(), lr=0.1)


def value_graph():
    x, y = autograd.Value(2.0, label="x"), autograd.Value(-1.0)
    out = (x * y + x).tanh()
    out.backward()
    return out


def trained_mlp():
    model = backprop.MLP([3, 4, 2], seed=0)
    model.forward(X2[:5])
    return model


def squared_norm(v):
    with np.errstate(over="ignore"):  # a huge eps overflows to inf, which must be refused
        return float(np.sum(v**2))


def numerical_target():
    return np.array([0.5, -1.0])


ARRAY = Array(ndims=tuple(range(0, 4)), nonempty=False)  # activations: any shape, even empty
POSITIVE = Real(min=0.0, min_open=True)
NON_NEGATIVE = Real(min=0.0)
SEED = Count(0)

# --- the registry -----------------------------------------------------------------------------

RECIPES: list[Recipe] = []


def register(target, /, call=None, ok=None, names=None, **args):
    recipe = Recipe(target, args, call=call, names=names or {})
    if ok is not None:
        recipe.ok = ok
    RECIPES.append(recipe)


def accept_any(result):
    return True


# activations
for fn in (
    activations.sigmoid, activations.sigmoid_grad, activations.tanh, activations.tanh_grad,
    activations.relu, activations.relu_grad, activations.linear, activations.linear_grad,
):  # fmt: skip
    register(fn, z=(np.linspace(-3, 3, 7), ARRAY))
register(
    activations.softmax, logits=(LOGITS, Array(ndims=(1, 2, 3), like=LOGITS)), axis=(-1, Count(-2))
)
register(
    activations.log_softmax,
    logits=(LOGITS, Array(ndims=(1, 2, 3), like=LOGITS)),
    axis=(1, Count(-2)),
)
register(activations.get, name=("relu", Choice(("sigmoid", "tanh", "relu", "linear"))))

# augment
SHIFTS = Other(
    bad_values=(None, (1, 0), [(1,)], [(1.5, 0)], [(9, 0)], "up", [("1", 0)], [(True, 0)]),
    odd_values=([], [(0, 0)], [(7, -7)]),
)
IMAGE_SHAPE = Other(
    bad_values=(
        None,
        8,
        "8x8",
        (8,),
        (8, 8, 1),
        (0, 8),
        (-1, 8),
        (8.0, 8),
        (True, 8),
        (10**6, 10**6),
    ),
    odd_values=((4, 16), (16, 4), (1, 64)),
)
register(
    augment.shift,
    X=(IMAGES, Array(like=IMAGES)),
    rows=(1, Count(-7)),
    cols=(-1, Count(-7)),
    image_shape=((8, 8), IMAGE_SHAPE),
)
register(
    augment.augment,
    X=(IMAGES, Array(like=IMAGES)),
    y=(np.array([0, 1, 2]), Other(bad_values=(None, [0, 1], np.zeros((3, 2)), 5))),
    shifts=(((1, 0), (0, -1)), SHIFTS),
    noise=(0.05, NON_NEGATIVE),
    image_shape=((8, 8), IMAGE_SHAPE),
    seed=(0, SEED),
)

# autograd
DATA = Other(
    bad_values=(NAN, INF, -INF, "3", True, 1j, None, np.ones(3), [[1.0, 2.0]], object()),
    odd_values=(np.float32(2.5), np.array([[4.0]]), 1e308, -0.0, 7),
)
register(autograd.Value, data=(3.0, DATA), label=("x", Other(bad_values=(None, 3, b"x"))))
OTHER = Other(
    bad_values=(NAN, INF, "3", None, True, 1j, [1.0], np.array([1.0, 2.0])),
    odd_values=(0.0, 1e300, -2, np.float64(3.0), autograd.Value(0.5), -1e-300),
)
for op in OPERATORS - {"__pow__"}:
    register(
        getattr(autograd.Value, op),
        call=lambda self, other, op=op: getattr(self, op)(other),
        self=(Fresh(lambda: autograd.Value(1.5)), Opaque()),
        other=(2.0, OTHER),
    )
register(
    autograd.Value.__pow__,
    call=lambda self, k: self**k,
    self=(Fresh(lambda: autograd.Value(2.0)), Opaque()),
    k=(
        3,
        Other(bad_values=(NAN, INF, "2", None, True, 1j), odd_values=(0, -1, 0.5, 1e300, -1e300)),
    ),
)
register(
    autograd.Value.__neg__,
    call=lambda self: -self,
    self=(Fresh(lambda: autograd.Value(2.0)), Opaque()),
)
for method in ("exp", "relu", "tanh", "sigmoid", "topological_order", "backward"):
    register(
        getattr(autograd.Value, method),
        call=lambda self, method=method: getattr(self, method)(),
        self=(Fresh(lambda: autograd.Value(-0.5) * 2.0), Opaque()),
    )
register(autograd_graph.trace, root=(Fresh(value_graph), Instance()))
register(
    autograd_graph.draw_graph,
    root=(Fresh(value_graph), Instance()),
    ax=(Fresh(axes), Instance(optional=True)),
    show_grad=(True, Flag()),
)

# backprop
W34 = RNG.normal(size=(3, 4))
register(
    backprop.linear_forward,
    X=(X2, Array(like=X2)),
    W=(W34, Array(like=W34)),
    b=(np.zeros(4), Array(ndims=(1,), like=np.zeros(4))),
)
register(
    backprop.linear_backward,
    dZ=(np.ones((12, 4)), Array(like=np.ones((12, 4)))),
    X=(X2, Array(like=X2)),
    W=(W34, Array(like=W34)),
)
LAYERS = Other(
    bad_values=(
        None,
        3,
        "3,4",
        [3],
        [3, 0, 2],
        [3, -1],
        [3, 2.5],
        [3, True],
        [10**6, 10**6],
        (3, None),
    ),
    odd_values=([1, 1], (2, 3, 1), [5, 1, 1, 1]),
)
register(
    backprop.MLP,
    layer_sizes=([3, 4, 2], LAYERS),
    activation=("tanh", Choice(("relu", "sigmoid", "tanh"))),
    seed=(0, SEED),
)
register(
    backprop.MLP.forward,
    call=lambda self, X: self.forward(X),
    self=(Fresh(lambda: backprop.MLP([3, 4, 2])), Opaque()),
    X=(X2, Array(like=X2)),
)
register(
    backprop.MLP.backward,
    call=lambda self, grad_output: self.backward(grad_output),
    self=(Fresh(trained_mlp), Opaque()),
    grad_output=(np.ones((5, 2)), Array(ndims=(0, 1, 2, 3), like=np.ones((5, 2)))),
)
register(
    backprop.softmax_cross_entropy,
    logits=(LOGITS, Array(like=LOGITS)),
    labels=(CLASSES, Labels()),
)
register(
    backprop.mse_loss,
    pred=(np.ones((4, 2)), Array(ndims=(1, 2, 3), like=np.ones((4, 2)))),
    target=(np.zeros((4, 2)), Array(ndims=(1, 2, 3), like=np.zeros((4, 2)))),
)
register(
    backprop.numerical_gradient,
    f=(squared_norm, Func()),
    x=(
        Fresh(numerical_target),
        Other(bad_values=(None, [1.0, 2.0], np.array([1, 2]), np.array([NAN]), "x")),
    ),
    eps=(1e-6, POSITIVE),
)
register(
    backprop.relative_error,
    a=(np.ones(3), Array(ndims=(0, 1, 2), nonempty=False, like=np.ones(3))),
    b=(np.zeros(3), Array(ndims=(0, 1, 2), nonempty=False, like=np.zeros(3))),
)

# checks: the helpers name the argument they are given, not their own parameter
register(checks.describe, value=(np.zeros(2), Opaque()))
K = {"value": "k"}
register(
    checks.check_int,
    names=K,
    name=("k", Opaque()),
    value=(3, Count(1, capped=False)),
    min=(1, Opaque()),
)
register(checks.check_seed, names=K, name=("k", Opaque()), value=(3, SEED))
register(
    checks.check_real, names=K, name=("k", Opaque()), value=(0.5, NON_NEGATIVE), min=(0.0, Opaque())
)
register(checks.check_probability, names=K, name=("k", Opaque()), value=(0.5, Probability()))
register(checks.check_bool, names=K, name=("k", Opaque()), value=(True, Flag()))
register(
    checks.check_in,
    names=K,
    name=("k", Opaque()),
    value=("a", Choice(("a", "b"))),
    choices=(("a", "b"), Opaque()),
)
register(
    checks.check_instance,
    names=K,
    name=("k", Opaque()),
    value=(torch.nn.Linear(1, 1), Instance()),
    types=(torch.nn.Module, Opaque()),
)
register(checks.check_callable, names=K, name=("k", Opaque()), value=(print, Func()))
register(
    checks.check_device,
    names=K,
    name=("k", Opaque()),
    value=("cpu", Other(bad_values=(None, 3, "no-such-device", 1.5))),
)
register(
    checks.check_size, names={"n_elements": "k"}, name=("k", Opaque()), n_elements=(10, Count(0))
)
register(checks.check_interval, names=K, name=("k", Opaque()), value=((0.0, 1.0), Interval()))
register(
    checks.check_array,
    names=K,
    name=("k", Opaque()),
    value=(X2, Array(like=X2)),
    ndim=(2, Opaque()),
)
register(checks.check_labels, names=K, name=("k", Opaque()), value=(CLASSES, Labels()))
register(
    checks.check_scalar,
    names=K,
    name=("k", Opaque()),
    value=(2.5, Other(bad_values=(NAN, INF, "3", True, 1j, None, np.ones(3), [[1.0, 2.0]]))),
)
RECIPES.append(
    Recipe(
        checks.check_same_length,
        {
            "a": (
                np.zeros(2),
                Other(bad_values=(None, 3, np.zeros(3)), odd_values=(np.zeros(2), [1, 2])),
            )
        },
        call=lambda a: checks.check_same_length("k and other", a, np.zeros(2)),
        names={"a": "k"},
    )
)

# classic
register(classic.squared_distances, A=(X2, Array(like=X2)), B=(X2[:4], Array(like=X2[:4])))
register(
    classic.knn_predict,
    X_train=(X2, Array(like=X2)),
    y_train=(
        np.arange(12) % 3,
        Other(bad_values=(None, np.zeros(5), np.full(12, NAN), np.full(12, 1j), "abc")),
    ),
    X_query=(X2[:4], Array(like=X2[:4])),
    k=(3, Count(1)),
)
register(
    classic.kmeans_plus_plus,
    X=(X2, Array(like=X2)),
    k=(3, Count(1)),
    rng=(
        Fresh(lambda: np.random.default_rng(0)),
        Other(bad_values=(None, 0, np.random.RandomState(0), "rng")),
    ),
)
register(
    classic.lloyd,
    X=(X2, Array(like=X2)),
    centers=(X2[:3], Array(like=X2[:3])),
    max_iter=(50, Count(0)),
)
register(
    classic.inertia,
    X=(X2, Array(like=X2)),
    centers=(X2[:3], Array(like=X2[:3])),
    labels=(np.arange(12) % 3, Labels()),
)
register(
    classic.kmeans,
    X=(X2, Array(like=X2)),
    k=(3, Count(1)),
    seed=(0, SEED),
    n_init=(2, Count(1)),
    max_iter=(50, Count(1)),
)
register(classic.pca, X=(X2, Array(like=X2)), n_components=(2, Count(1)))

# data
register(
    data.linear_data,
    m=(20, Count(1)),
    n=(2, Count(1)),
    noise=(0.1, NON_NEGATIVE),
    seed=(0, SEED),
    W=(None, Array(ndims=(1,), like=np.ones(2), optional=True)),
    b=(0.5, Real()),
)
register(data.house_prices, m=(20, Count(1)), noise=(5.0, NON_NEGATIVE), seed=(0, SEED))
register(data.digits, scale=(True, Flag()))
register(data.wine)
register(
    data.blobs,
    m=(30, Count(1)),
    centers=(
        3,
        Other(
            bad_values=(
                0,
                -1,
                2.5,
                True,
                None,
                "3",
                10**12,
                np.zeros((0, 2)),
                np.full((2, 2), NAN),
            ),
            odd_values=(1, np.zeros((2, 2)), np.eye(3)),
        ),
    ),
    n_features=(2, Count(1)),
    std=(1.0, NON_NEGATIVE),
    box=((-8.0, 8.0), Interval()),
    seed=(0, SEED),
)
register(data.toy_reviews, n=(20, Count(1)), negated=(0.5, Probability()), seed=(0, SEED))
register(data.toy_image, height=(16, Count(8)), width=(20, Count(8)))
ROWS = Other(
    bad_values=(None, "abc", 3.0, {"a": 1}, [[1.0], [2.0, 3.0]]),
    odd_values=(np.zeros((3, 2)), torch.zeros(20, 1), [1, 2]),
)
register(
    data.train_val_test_split,
    X=(X2, ROWS),
    y=(Y1, ROWS),
    val=(0.25, Probability(max_open=True)),
    test=(0.25, Probability(max_open=True)),
    seed=(0, SEED),
    shuffle=(True, Flag()),
)

# device
register(device.available)
register(device.best)
register(
    device.as_device,
    device=(
        "cpu",
        Other(
            bad_values=(3, "no-such-device", 1.5, torch.zeros(1)),
            odd_values=("cuda", "mps", torch.device("cpu")),
            optional=True,
        ),
    ),
)
register(
    device.describe,
    device=(
        "cpu",
        Other(
            bad_values=(3, "no-such-device", 1.5, torch.zeros(1)),
            odd_values=("cuda", "mps", torch.device("cpu")),
            optional=True,
        ),
    ),
)

# linear
register(linear.add_bias_column, X=(X2, Array(like=X2)))
XY = {"X": (X2, Array(like=X2)), "Y": (Y1, Array(ndims=(1, 2), like=Y1))}
register(linear.normal_equation, **XY, l2=(0.0, NON_NEGATIVE))
register(linear.least_squares, **XY)
register(
    linear.gradient_descent,
    X=(X2, Array(like=X2)),
    y=(Y1, Array(ndims=(1, 2), like=Y1)),
    lr=(0.01, POSITIVE),
    epochs=(20, Count(1)),
)
W3 = np.array([1.0, -2.0, 0.5])
register(
    linear.predict,
    X=(X2, Array(like=X2)),
    W=(W3, Array(ndims=(1, 2), like=W3)),
    b=(0.3, Other(bad_values=(NAN, "b", None, np.ones(5)), odd_values=(0.0, np.float64(1.0)))),
)
register(
    linear.mse,
    **XY,
    W=(W3, Array(ndims=(1, 2), like=W3)),
    b=(0.3, Other(bad_values=(NAN, "b", None, np.ones(5)))),
)

# metrics
PAIR = {"y_true": (CLASSES, Labels()), "y_pred": (np.array([0, 1, 1, 2]), Labels())}
register(metrics.accuracy, **PAIR)
register(metrics.confusion_matrix, **PAIR, num_classes=(None, Count(1, optional=True)))
register(
    metrics.precision_recall_f1,
    **PAIR,
    average=("macro", Choice(("binary", "macro", "micro", None))),
    pos_label=(1, Count(0, capped=False)),
    zero_division=(
        0.0,
        Other(bad_values=("0", None, True, 0.5, -1.0, INF, 1j), odd_values=(0.0, 1.0, NAN)),
    ),
    ok=accept_any,  # zero_division=nan asks for NaN where a ratio is undefined
)
BINARY_ARGS = {
    "y_true": (BINARY, Labels()),
    "scores": (SCORES, Array(ndims=(1,), like=SCORES)),
}
register(metrics.roc_curve, **BINARY_ARGS, drop_intermediate=(True, Flag()))
register(metrics.roc_auc, **BINARY_ARGS)
register(metrics.precision_recall_curve, **BINARY_ARGS)
register(metrics.average_precision, **BINARY_ARGS)
register(
    metrics.kfold_indices, n=(10, Count(2)), k=(3, Count(2)), shuffle=(True, Flag()), seed=(0, SEED)
)

# optim
PARAMS = Other(bad_values=(None, torch.zeros(2), [], [1.0, 2.0], "params", 3), odd_values=())
RATE = NON_NEGATIVE
DECAY = Real(min=0.0, max=1.0, max_open=True)
register(
    optim.SGD,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    momentum=(0.9, RATE),
    weight_decay=(0.0, RATE),
)
register(
    optim.AdaGrad,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    eps=(1e-10, RATE),
    eps_inside_sqrt=(False, Flag()),
)
register(
    optim.RMSProp,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    rho=(0.9, DECAY),
    eps=(1e-8, RATE),
    eps_inside_sqrt=(False, Flag()),
)
register(
    optim.Adam,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    betas=(
        (0.9, 0.999),
        Other(
            bad_values=(
                None,
                0.9,
                (0.9,),
                (0.9, 0.99, 0.5),
                (1.0, 0.9),
                (NAN, 0.9),
                ("0.9", 0.999),
                (0.9, -0.1),
            )
        ),
    ),
    eps=(1e-8, RATE),
    weight_decay=(0.0, RATE),
    bias_correction=(True, Flag()),
)
register(
    optim._FromScratch.step,
    call=lambda self, closure: self.step(closure),
    self=(Fresh(sgd), Opaque()),
    closure=(None, Func(optional=True)),
)
register(
    optim._FromScratch.add_param_group,
    call=lambda self, param_group: self.add_param_group(param_group),
    self=(Fresh(sgd), Opaque()),
    param_group=(
        Fresh(lambda: {"params": params(), "lr": 0.01}),
        Other(
            bad_values=(
                None,
                3,
                "group",
                {"lr": 0.1},
                {"params": None},
                {"params": params(), "lr": NAN},
                {"params": params(), "momentum": -1.0},
            )
        ),
    ),
)

# plot
register(plot.use_style, call=lambda: matplotlib.rc_context()(plot.use_style)())


def show_and_close(fig, alt, caption):
    """plot.show, closing the figure even when show refuses its arguments."""
    try:
        return plot.show(fig, alt=alt, caption=caption)
    finally:
        if isinstance(fig, matplotlib.figure.Figure):
            plt.close(fig)


register(
    plot.show,
    call=show_and_close,
    fig=(Fresh(lambda: plt.figure()), Instance(optional=True)),
    alt=("a test figure", Other(bad_values=(None, "", "   ", 3, b"alt"))),
    caption=(None, Other(bad_values=(3, b"c"), optional=True)),
)
register(plot.show_source, obj=(plot.use_style, Other(bad_values=(None, 3, "x", np.zeros(2), [1]))))
register(
    plot.warped_grid,
    ax=(Fresh(axes), Instance()),
    transform=(lambda P: P @ np.array([[1.0, 0.5], [0.0, 1.0]]), Func(optional=True)),
    lim=(1.0, POSITIVE),
    n_lines=(3, Count(2)),
    color=(None, Other(bad_values=("not-a-colour", 3.5, [1, 2]), optional=True)),
    basis=(True, Flag()),
)

# rl
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

# schedulers
register(
    schedulers.triangular_lr,
    t=(3, Count(0, capped=False)),
    base_lr=(0.01, RATE),
    max_lr=(0.1, RATE),
    step_size_up=(4, Count(1, capped=False)),
    step_size_down=(None, Count(1, capped=False, optional=True)),
)
GROUP_RATE = Other(bad_values=(NAN, INF, -1.0, "0.1", None, True, [0.1, 0.2], np.array([0.1, 0.2])))
register(
    schedulers.CyclicalLR,
    optimizer=(Fresh(sgd), Other(bad_values=(None, "sgd", torch.zeros(2), 3))),
    base_lr=(0.01, GROUP_RATE),
    max_lr=(0.1, GROUP_RATE),
    step_size_up=(4, Count(1, capped=False)),
    step_size_down=(None, Count(1, capped=False, optional=True)),
    last_epoch=(-1, Other(bad_values=(-2, 1.5, True, None, "0"))),
)
register(
    schedulers.CyclicalLR.get_lr,
    call=lambda self: self.get_lr(),
    self=(Fresh(lambda: schedulers.CyclicalLR(sgd(), 0.01, 0.1, 4)), Opaque()),
)

# seeding (also exported as dlcourse.seed_everything)


def seed_and_restore(seed, threads):
    """seed_everything, then the thread count this test session had (a side effect undone)."""
    before = torch.get_num_threads()
    try:
        return seeding.seed_everything(seed, threads)
    finally:
        torch.set_num_threads(before)


register(
    seeding.seed_everything,
    call=seed_and_restore,
    seed=(0, SEED),
    threads=(2, Other(bad_values=(0, -1, 1.5, True, "2", NAN, 10**12), odd_values=(1, 2, None))),
)

# surfaces
register(surfaces.ravine, p=(torch.zeros(3, 2), Points()), a=(1.0, Real()), b=(20.0, Real()))
register(surfaces.rosenbrock, p=(torch.zeros(3, 2), Points()), a=(1.0, Real()), b=(100.0, Real()))
register(surfaces.saddle, p=(torch.zeros(3, 2), Points()))
SURFACE = Other(bad_values=(None, 3, "f", lambda p: p.sum()), odd_values=(surfaces.saddle,))
register(
    surfaces.grid,
    f=(surfaces.saddle, SURFACE),
    xlim=((-1.0, 1.0), Interval()),
    ylim=((-1.0, 1.0), Interval()),
    n=(5, Count(2)),
)
register(
    surfaces.plot_contours,
    ax=(Fresh(axes), Instance()),
    f=(surfaces.saddle, SURFACE),
    xlim=((-1.0, 1.0), Interval()),
    ylim=((-1.0, 1.0), Interval()),
    n=(8, Count(2)),
    levels=(5, Count(1)),
    log=(True, Flag()),
)
register(
    surfaces.trajectory,
    f=(surfaces.rosenbrock, Other(bad_values=(None, 3, "f", lambda p: p))),
    start=((-1.0, 1.0), Array(ndims=(1,), like=np.array([-1.0, 1.0]))),
    make_optimizer=(
        lambda ps: optim.SGD(ps, lr=1e-3),
        Other(bad_values=(None, 3, lambda ps: None, lambda ps: "sgd")),
    ),
    steps=(5, Count(0)),
)
register(
    surfaces.steps_to,
    losses=([5.0, 2.0, 0.5], Array(ndims=(1,), finite=False, nonempty=False)),
    threshold=(1.0, Real()),
)

# timing
register(timing.synchronizer, device=("cpu", Other(bad_values=(None, 3, "no-such-device", 1.5))))
register(
    timing.timeit_median,
    fn=(lambda: None, Func()),
    repeats=(2, Count(1)),
    number=(2, Count(1)),
    warmup=(0, Count(0)),
    sync=(None, Func(optional=True)),
)
SIZES = np.array([10.0, 20.0, 40.0])
register(
    timing.log_log_slope,
    sizes=(
        SIZES,
        Other(
            bad_values=(
                None,
                "abc",
                [10.0],
                [10.0, -20.0, 40.0],
                [10.0, NAN, 40.0],
                np.zeros((3, 3)),
            )
        ),
    ),
    seconds=(SIZES**2, Other(bad_values=(None, [1.0], [1.0, 0.0, 4.0], [1.0, INF, 4.0], "s"))),
)

# workflow
register(workflow.LinearRegressionModel, seed=(0, Count(0, optional=True)))
register(
    workflow.LinearRegressionModel.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: workflow.LinearRegressionModel(seed=0)), Opaque()),
    x=(
        torch.zeros(4, 1),
        Other(bad_values=(None, np.zeros((3, 1)), torch.zeros(3), torch.zeros(3, 2), "x")),
    ),
)
register(
    workflow.l1_steps_needed,
    start=(0.0, Real()),
    target=(1.0, Real()),
    lr=(0.1, POSITIVE),
    max_grad=(1.0, POSITIVE),
)

# the training loop: dlcourse.batches, train, checkpoint, progress
TRAIN_X = X2[:8].astype(np.float32)
TRAIN_Y = (X2[:8, 0] > 0).astype(np.int64)  # class labels: accuracy is a number, not NaN


def tiny_model():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def tiny_loader():
    return batches.make_loader(TRAIN_X, TRAIN_Y, batch_size=4)


def tiny_sgd_for(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)


OPTIMIZER = "<an SGD on the model>"  # the valid value: built on the very model of the call


def trained(call):
    """``call`` with ``optimizer=OPTIMIZER`` replaced by an optimizer on the call's model."""

    def run(model, optimizer=OPTIMIZER, **kwargs):
        if optimizer is OPTIMIZER:
            host = model if isinstance(model, torch.nn.Module) else tiny_model()
            optimizer = tiny_sgd_for(host)
        return call(model=model, optimizer=optimizer, **kwargs)

    return run


MODEL = Instance()
LOADER = Other(bad_values=(None, 3, "loader", [], np.zeros(2), torch.zeros(4), object()))
LOSS_FN = Func()
DEVICE_ARG = Other(bad_values=("tpu", "not a device", 3.5, "cuda:99"), optional=True)
SCHEDULER = Other(bad_values=(3, "cosine", object()), optional=True)
AMP = Other(bad_values=("yes", 3, torch.float64, "bf16"), odd_values=(False, True, "auto"))
CLIP = Real(min=0.0, min_open=True, optional=True)
CROSS_ENTROPY = torch.nn.CrossEntropyLoss()

register(
    batches.make_loader,
    X=(TRAIN_X, Array(ndims=(2, 1, 3), like=TRAIN_X)),
    y=(TRAIN_Y, Other(bad_values=(None, "y", np.zeros(3), np.zeros((0,))))),
    batch_size=(4, Count(1)),
    shuffle=(False, Flag()),
    ok=lambda loader: sum(len(xb) for xb, _ in loader) == len(TRAIN_X),
)
register(
    batches.evaluate,
    model=(Fresh(tiny_model), MODEL),
    loader=(Fresh(tiny_loader), LOADER),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    device=("cpu", DEVICE_ARG),
)
register(
    batches.predict,
    model=(Fresh(tiny_model), MODEL),
    X=(TRAIN_X, Array(like=TRAIN_X)),
    device=("cpu", DEVICE_ARG),
)
register(
    train.train_epoch,
    call=trained(train.train_epoch),
    model=(Fresh(tiny_model), MODEL),
    loader=(Fresh(tiny_loader), LOADER),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    optimizer=(OPTIMIZER, Instance()),
    device=("cpu", DEVICE_ARG),
    scheduler=(None, SCHEDULER),
    clip_grad_norm=(None, CLIP),
    amp=(False, AMP),
    accumulate=(1, Count(1)),
    scaler=(None, Opaque()),
)
register(
    train.fit,
    call=trained(train.fit),
    ok=lambda history: len(history.train_loss) >= 1 and np.isfinite(history.train_loss).all(),
    model=(Fresh(tiny_model), MODEL),
    train_loader=(Fresh(tiny_loader), LOADER),
    val_loader=(Fresh(tiny_loader), Other(bad_values=(3, "loader", [], np.zeros(2)))),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    optimizer=(OPTIMIZER, Instance()),
    epochs=(2, Count(1)),
    scheduler=(None, SCHEDULER),
    device=("cpu", DEVICE_ARG),
    patience=(None, Count(1, optional=True)),
    monitor=("val_loss", Choice(("val_loss", "val_acc"))),
    checkpoint_path=(None, Opaque()),
    resume_from=(None, Opaque()),
    progress=(None, Other(bad_values=(-1, "always", 2.5, [1]), odd_values=(0, 1, "auto"))),
    batch_scheduler=(None, SCHEDULER),
    clip_grad_norm=(None, CLIP),
    amp=(False, AMP),
    accumulate=(1, Count(1)),
)
register(train.History, ok=lambda history: history.train_loss == [])
register(checkpoint.is_main_process, ok=lambda main: main is True)
register(checkpoint.rng_state, ok=lambda state: "torch" in state or "cpu" in state or state)
register(
    checkpoint.set_rng_state,
    ok=lambda result: result is None,
    state=(Fresh(checkpoint.rng_state), Other(bad_values=(None, 3, "state", {}, {"x": 1}))),
)


def saved_checkpoint():
    import tempfile

    folder = tempfile.mkdtemp(prefix="dlcourse-bad-input-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = f"{folder}/ckpt.pt"
    model = tiny_model()
    checkpoint.save_checkpoint(path, model, tiny_sgd_for(model))
    return path


PATH = Other(bad_values=(None, 3, ["a"], object()))
register(
    checkpoint.save_checkpoint,
    call=trained(checkpoint.save_checkpoint),
    ok=lambda result: True,
    path=(Fresh(lambda: saved_checkpoint()), PATH),
    model=(Fresh(tiny_model), MODEL),
    optimizer=(OPTIMIZER, Instance()),
    scheduler=(None, SCHEDULER),
    history=(None, Other(bad_values=(3, "history"), optional=True)),
    extra=(None, Other(bad_values=(3, "extra", [1]), optional=True)),
)
register(
    checkpoint.load_checkpoint,
    ok=lambda result: isinstance(result, dict),
    path=(Fresh(saved_checkpoint), Other(bad_values=(None, 3, ["a"], "/no/such/file.pt"))),
    model=(Fresh(tiny_model), MODEL),
    optimizer=(None, Other(bad_values=(3, "sgd", object()), optional=True)),
    scheduler=(None, SCHEDULER),
    map_location=(None, Other(bad_values=(3.5, "tpu"), optional=True)),
    restore_rng=(False, Flag()),
)
register(
    progress.bar,
    ok=lambda result: list(result) == [1, 2, 3],
    iterable=([1, 2, 3], Other(bad_values=(None, 3, 2.5))),
    enabled=(False, Flag()),
)
register(
    progress.bar_wanted,
    ok=lambda wanted: wanted is False,
    environ=(
        {"DLCOURSE_PROGRESS": "0"},
        Other(bad_values=(3, "env", ["a"], {"DLCOURSE_PROGRESS": "maybe"}), optional=True),
    ),
    stream=(None, Other(bad_values=(3, "stderr"), optional=True)),
    names={"environ": "environ"},
)
register(
    plot.shorten_docstrings,
    ok=lambda text: isinstance(text, str),
    source=('def f():\n    """One.\n\n    Two."""\n', Other(bad_values=(None, 3, b"x", "def ("))),
)


# cnn: NCHW arrays for the from-scratch convolution and pooling
IMG4 = RNG.normal(size=(2, 3, 6, 6))  # 2 images, 3 channels, 6x6
KERNEL = RNG.normal(size=(4, 3, 3, 3))  # 4 filters of 3x3 over 3 channels
IMG4_KIND = Array(ndims=(4,), like=IMG4)
KERNEL_KIND = Array(ndims=(4,), like=KERNEL)
register(
    cnn.output_size, size=(6, Count(1)), kernel=(3, Count(1)), stride=(1, Count(1)),
    padding=(0, Count(0)),
)  # fmt: skip
register(
    cnn.im2col, x=(IMG4, IMG4_KIND), kh=(3, Count(1)), kw=(3, Count(1)), stride=(1, Count(1)),
    padding=(1, Count(0)),
)  # fmt: skip
register(
    cnn.conv2d,
    x=(IMG4, IMG4_KIND),
    weight=(KERNEL, KERNEL_KIND),
    bias=(np.zeros(4), Array(ndims=(1,), like=np.zeros(4), optional=True)),
    stride=(1, Count(1)),
    padding=(1, Count(0)),
    method=("im2col", Choice(("im2col", "loops"))),
)
register(
    cnn.conv2d_backward,
    x=(IMG4, IMG4_KIND),
    weight=(KERNEL, KERNEL_KIND),
    grad_out=(np.ones((2, 4, 4, 4)), Array(ndims=(4,), like=np.ones((2, 4, 4, 4)))),
    stride=(1, Opaque()),
    padding=(0, Opaque()),
)
for fn in (cnn.max_pool2d, cnn.avg_pool2d):
    register(
        fn, x=(IMG4, IMG4_KIND), kernel_size=(2, Count(1)), stride=(None, Count(1, optional=True)),
        padding=(0, Count(0)),
    )  # fmt: skip
for fn in (cnn.max_pool2d_backward, cnn.avg_pool2d_backward):
    register(
        fn,
        x=(IMG4, IMG4_KIND),
        grad_out=(np.ones((2, 3, 3, 3)), Array(ndims=(4,), like=np.ones((2, 3, 3, 3)))),
        kernel_size=(2, Opaque()),
        stride=(None, Opaque()),
        padding=(0, Opaque()),
    )
# images
register(
    images.upsample,
    X=(IMAGES, Array(like=IMAGES)),
    size=(16, Count(1)),
    image_shape=((8, 8), IMAGE_SHAPE),
)
IMG3 = RNG.random((3, 1, 8, 8))
register(
    images.translate, images=(IMG3, Array(ndims=(4,), like=IMG3)), rows=(1, Count(-7)),
    cols=(-2, Count(-7)),
)  # fmt: skip
register(
    images.random_translate,
    x=(
        torch.rand(2, 1, 8, 8),
        Other(bad_values=(None, "x", np.zeros((2, 1, 8, 8)), torch.zeros(8))),
    ),
    max_shift=(2, Count(0)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
)
LOADER = [(torch.rand(4, 1, 8, 8), torch.zeros(4, dtype=torch.long))]
register(
    images.RandomShift,
    loader=(LOADER, Other(bad_values=(None, 3, 2.5))),
    max_shift=(2, Count(0)),
    seed=(0, SEED),
)

# sequences
TEXTS = ["the cat sat", "a dog ran", "the dog sat"]
TEXT_LIST = Other(bad_values=(None, "the cat", [1, 2], ["a", None], 3), odd_values=([], [""]))
register(sequences.build_vocab, texts=(TEXTS, TEXT_LIST))
VOCAB = sequences.build_vocab(TEXTS)
register(
    sequences.encode,
    texts=(TEXTS, TEXT_LIST),
    vocab=(VOCAB, Other(bad_values=(None, 3, ["a"], {"a": "b"}, {"a": -1}))),
    length=(None, Count(1, optional=True)),
)
IDS = np.array([[2, 3, 1], [4, 1, 0]])
ID_KIND = Other(
    bad_values=(None, "abc", np.array([[0.5, 1.0]]), np.array([[-1, 0]]), np.array([[NAN]])),
    odd_values=(np.zeros((1, 1), dtype=int), np.arange(5).reshape(1, 5)),
)
register(sequences.bag_of_words, ids=(IDS, ID_KIND), vocab_size=(6, Count(1)))
register(sequences.one_hot, ids=(IDS, ID_KIND), num_classes=(6, Count(1)))
register(
    sequences.random_symbols, n=(4, Count(1)), length=(5, Count(1)), num_symbols=(3, Count(1)),
    seed=(0, SEED),
)  # fmt: skip
register(
    sequences.first_symbol, n=(4, Count(1)), length=(5, Count(1)), num_symbols=(3, Count(2)),
    seed=(0, SEED),
)  # fmt: skip
register(
    sequences.seasonal_series, n=(48, Count(1)), period=(12, Count(1)), noise=(0.1, NON_NEGATIVE),
    seed=(0, SEED),
)  # fmt: skip
SERIES = np.sin(np.arange(30) / 3)
register(
    sequences.windows,
    series=(SERIES, Array(ndims=(1,), like=SERIES)),
    lookback=(5, Count(1)),
    horizon=(1, Count(1)),
)

# layers: from-scratch dropout, batch norm and initialisers
TENSOR = Other(bad_values=(None, "x", np.zeros((4, 3)), 3.0))
register(layers.Dropout, p=(0.5, Probability()))
register(
    layers.Dropout.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: layers.Dropout(0.5)), Opaque()),
    x=(torch.ones(4, 3), TENSOR),
)
register(
    layers.Dropout.extra_repr,
    call=lambda self: self.extra_repr(),
    self=(layers.Dropout(), Opaque()),
)
register(
    layers.BatchNorm1d,
    num_features=(3, Count(1)),
    eps=(1e-5, POSITIVE),
    momentum=(0.1, Probability(optional=True)),
)
register(
    layers.BatchNorm1d.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: layers.BatchNorm1d(3)), Opaque()),
    x=(torch.randn(4, 3), Other(bad_values=(None, "x", np.zeros((4, 3)), torch.zeros(4, 5)))),
)
register(
    layers.BatchNorm1d.extra_repr,
    call=lambda self: self.extra_repr(),
    self=(layers.BatchNorm1d(3), Opaque()),
)
register(
    layers.batchnorm_forward,
    x=(X2, Array(like=X2)),
    gamma=(np.ones(3), Array(ndims=(1,), like=np.ones(3))),
    beta=(np.zeros(3), Array(ndims=(1,), like=np.zeros(3))),
    eps=(1e-5, POSITIVE),
)
register(
    layers.batchnorm_backward,
    dout=(np.ones((12, 3)), Array(like=np.ones((12, 3)))),
    cache=(
        Fresh(lambda: layers.batchnorm_forward(X2, np.ones(3), np.zeros(3))[1]),
        Other(bad_values=(None, 3, (), ("a", "b"))),
    ),
)
register(
    layers.fans,
    shape=((4, 3), Other(bad_values=(None, 3, (), (4, 0), (4, -1), (4.5, 3), "43"))),
)
register(layers.xavier_std, fan_in=(4, Count(1)), fan_out=(3, Count(1)), gain=(1.0, POSITIVE))
register(layers.he_std, fan_in=(4, Count(1)), gain=(2**0.5, POSITIVE))
WEIGHT = Other(bad_values=(None, "w", np.zeros((3, 4)), torch.zeros(3), torch.zeros(0, 4)))
GENERATOR = Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)
for fn in (layers.xavier_uniform_, layers.xavier_normal_):
    register(
        fn,
        weight=(Fresh(lambda: torch.empty(3, 4)), WEIGHT),
        gain=(1.0, POSITIVE),
        generator=(None, GENERATOR),
    )
for fn in (layers.he_uniform_, layers.he_normal_):
    register(fn, weight=(Fresh(lambda: torch.empty(3, 4)), WEIGHT), generator=(None, GENERATOR))

# attention
QKV = torch.randn(2, 5, 4)  # batch 2, 5 positions, d_k = 4
QKV_KIND = Other(bad_values=(None, "q", np.zeros((2, 5, 4)), torch.zeros(5), torch.zeros(2, 5, 0)))
register(
    attention.scaled_dot_product_attention,
    q=(QKV, QKV_KIND),
    k=(QKV, QKV_KIND),
    v=(QKV, QKV_KIND),
    mask=(
        None,
        Other(
            bad_values=("m", torch.ones(3, 3, dtype=torch.bool), np.ones((5, 5), dtype=bool)),
            optional=True,
        ),
    ),
)
register(attention.causal_mask, T=(5, Count(1)), device=(None, DEVICE_ARG))
register(
    attention.padding_mask,
    lengths=([5, 3], Other(bad_values=(None, "ab", [6, 1], [-1, 2], [2.5, 1], [[1, 2]]))),
    T=(5, Count(1)),
    device=(None, DEVICE_ARG),
)
register(
    attention.MultiHeadSelfAttention,
    d_model=(8, Count(1)),
    num_heads=(2, Count(1)),
    bias=(True, Flag()),
)
register(
    attention.MultiHeadSelfAttention.forward,
    call=lambda self, x, mask, need_weights: self(x, mask=mask, need_weights=need_weights),
    self=(Fresh(lambda: attention.MultiHeadSelfAttention(8, 2)), Opaque()),
    x=(torch.randn(2, 5, 8), Other(bad_values=(None, "x", torch.zeros(2, 5, 3), torch.zeros(5)))),
    mask=(None, Other(bad_values=("m", torch.ones(2, 2, dtype=torch.bool)), optional=True)),
    need_weights=(True, Flag()),
)


# architectures. The big constructors run on the meta device, as the chapter builds them:
# the same checks, without allocating 138 million weights for every value tried.
def on_meta(build):
    def call(**kwargs):
        with torch.device("meta"):
            return build(**kwargs)

    return call


def images_kind(shape):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros(shape),
            torch.zeros(shape[1:]),
            torch.zeros((shape[0], shape[1] + 1, *shape[2:])),
            torch.zeros(shape, dtype=torch.long),
        )
    )


LAYER_LIST = Other(
    bad_values=(None, 3, "M", [8, 0], [8, -1], [8, 2.5], [True], ["X"], [10**12], [2**31] * 4),
    odd_values=([], ["M"], [1, "M", 1]),
)
register(architectures.LeNet5, in_channels=(1, Count(1)), num_classes=(10, Count(1)))
register(
    architectures.LeNet5.forward,
    call=lambda self, x: self(x),
    self=(architectures.LeNet5(), Opaque()),
    x=(torch.zeros(2, 1, 28, 28), images_kind((2, 1, 28, 28))),
)
register(
    architectures.VGG,
    call=on_meta(architectures.VGG),
    layers=((8, "M", 16, "M"), LAYER_LIST),
    num_classes=(10, Count(1)),
    in_channels=(3, Count(1)),
    dropout=(0.5, Probability()),
)
register(
    architectures.VGG.forward,
    call=lambda self, x: self(x),
    self=(architectures.VGG((4, "M", 4, "M"), num_classes=3), Opaque()),
    x=(torch.zeros(2, 3, 8, 8), images_kind((2, 3, 8, 8))),
)
register(architectures.vgg16, call=on_meta(architectures.vgg16), num_classes=(10, Count(1)))
register(
    architectures.BasicBlock,
    in_channels=(4, Count(1)),
    out_channels=(8, Count(1)),
    stride=(2, Count(1)),
    shortcut=(True, Flag()),
)
register(
    architectures.BasicBlock.forward,
    call=lambda self, x: self(x),
    self=(architectures.BasicBlock(4, 8, stride=2), Opaque()),
    x=(torch.zeros(2, 4, 6, 6), images_kind((2, 4, 6, 6))),
)
register(
    architectures.ResNet,
    call=on_meta(architectures.ResNet),
    blocks=(
        (1, 1, 1, 1),
        Other(
            bad_values=(
                None,
                2,
                "2222",
                (2, 2, 2),
                (2, 2, 2, 0),
                (2, 2, 2, 2.5),
                (1, 1, 1, 10**12),
            ),
            odd_values=([1, 2, 1, 3],),
        ),
    ),
    num_classes=(10, Count(1)),
    in_channels=(3, Count(1)),
)
register(
    architectures.ResNet.forward,
    call=lambda self, x: self(x),
    self=(architectures.ResNet((1, 1, 1, 1), num_classes=3).eval(), Opaque()),
    x=(torch.zeros(2, 3, 16, 16), images_kind((2, 3, 16, 16))),
)
register(architectures.resnet18, call=on_meta(architectures.resnet18), num_classes=(10, Count(1)))
MODEL_KIND = Other(bad_values=(None, 3, "model", np.zeros(3), torch.zeros(3)))
register(architectures.count_parameters, model=(architectures.LeNet5(), MODEL_KIND), ok=accept_any)
register(
    architectures.multiply_adds,
    model=(architectures.LeNet5(), MODEL_KIND),
    input_shape=(
        (1, 28, 28),
        Other(
            bad_values=(
                None,
                3,
                "abc",
                (1, 28),
                (1, 1, 28, 28),
                (0, 28, 28),
                (1.5, 28, 28),
                (True, 28, 28),
                (2, 28, 28),
                (1, 32, 32),
                (1, 10**12, 10**12),
            )
        ),
    ),
    ok=accept_any,
)

# attention_plot
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

# autoencoders
WIDTHS = Other(
    bad_values=(None, 3, "3,2", [3], [3, 0, 2], [3, -1], [3, 2.5], [3, True], [10**6, 10**6]),
    odd_values=([1, 1], (2, 3, 1)),
)
ACTIVATION = Choice(("relu", "tanh", "leaky_relu"))
OUTPUT = Choice(("linear", "sigmoid"))
register(
    autoencoders.mlp,
    sizes=([3, 5, 2], WIDTHS),
    activation=("tanh", ACTIVATION),
    output=("sigmoid", OUTPUT),
)
register(
    autoencoders.Autoencoder,
    n_inputs=(6, Count(1)),
    bottleneck=(2, Count(1)),
    hidden=(
        (4,),
        Other(
            bad_values=(None, 4, "4", [0], [-1], [2.5], [True], [10**9]), odd_values=((), [1, 1])
        ),
    ),
    activation=("relu", ACTIVATION),
    output=("sigmoid", OUTPUT),
)
AE = autoencoders.Autoencoder(6, bottleneck=2, hidden=(4,))


def ae_tensor(width):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros((3, width)),
            torch.zeros(width),
            torch.zeros(3, width + 1),
            torch.zeros(3, width, dtype=torch.long),
        )
    )


for method, width in (("encode", 6), ("decode", 2), ("forward", 6)):
    name = "z" if method == "decode" else "x"
    register(
        getattr(autoencoders.Autoencoder, method),
        call=lambda self, method=method, **kw: getattr(self, method)(*kw.values()),
        self=(AE, Opaque()),
        **{name: (torch.rand(3, width), ae_tensor(width))},
    )
NOISE_CLIP = Other(
    bad_values=(3.0, "ab", (1.0,), (1.0, 0.0), (NAN, 1.0), (0.0, INF), ("a", 1.0)),
    odd_values=((-1.0, 1.0), [0.0, 1e-3]),
    optional=True,
)
register(autoencoders.GaussianNoise, std=(0.1, NON_NEGATIVE), clip=((0.0, 1.0), NOISE_CLIP))
register(
    autoencoders.GaussianNoise.forward,
    call=lambda self, x: self(x),
    self=(autoencoders.GaussianNoise(0.1), Opaque()),
    x=(
        torch.rand(3, 4),
        Other(bad_values=(None, "x", np.zeros(3), 3.0, torch.zeros(3, dtype=torch.long))),
    ),
)
register(
    autoencoders.add_noise,
    X=(IMAGES, Array(like=IMAGES)),
    std=(0.1, NON_NEGATIVE),
    seed=(0, Other(bad_values=(-1, 2.5, True, "0", 2**63, NAN, None), odd_values=(0, 2**32 - 1))),
    clip=((0.0, 1.0), NOISE_CLIP),
)
register(
    autoencoders.reconstruction_error,
    model=(AE, Other(bad_values=(None, 3, "m", np.zeros(3), AE.encoder))),
    X=(IMAGES[:, :6], Array(like=IMAGES[:, :6])),
    target=(None, Array(like=IMAGES[:, :6], optional=True)),
)


# generative
def float_tensor(shape):
    """Bad values of a floating-point tensor argument of shape ``shape`` (B first)."""
    wrong = (shape[0], shape[1] + 1) if len(shape) == 2 else (shape[0] + 1,)
    return Other(
        bad_values=(
            None,
            "t",
            np.zeros(shape),
            3.0,
            torch.zeros(wrong),
            torch.zeros(shape[1:] or (2, 2)),
            torch.zeros(shape, dtype=torch.long),
        )
    )


MU = torch.zeros(3, 2)
register(
    generative.reparameterise,
    mu=(MU, float_tensor((3, 2))),
    logvar=(MU, float_tensor((3, 2))),
)
register(
    generative.vae_loss,
    logits=(
        torch.zeros(3, 4),
        Other(
            bad_values=(
                None,
                "l",
                np.zeros((3, 4)),
                torch.zeros(4),
                torch.zeros(0, 4),
                torch.zeros(3, 4, dtype=torch.long),
            )
        ),
    ),
    x=(torch.rand(3, 4), float_tensor((3, 4))),
    mu=(MU, float_tensor((3, 2))),
    logvar=(MU, float_tensor((3, 2))),
    beta=(1.0, Real(min=0.0, max=generative.MAX_BETA)),
)
HIDDEN = Other(
    bad_values=(None, 4, "4", [0], [-1], [2.5], [True], [10**9]), odd_values=((), [1, 1])
)
register(
    generative.VAE,
    n_inputs=(6, Count(1)),
    latent=(2, Count(1)),
    hidden=((4,), HIDDEN),
    beta=(1.0, Real(min=0.0, max=generative.MAX_BETA)),
)
VAE6 = generative.VAE(6, latent=2, hidden=(4,))
register(
    generative.VAE.encode,
    call=lambda self, x: self.encode(x),
    self=(VAE6, Opaque()),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)
register(
    generative.VAE.decode,
    call=lambda self, z: self.decode(z),
    self=(VAE6, Opaque()),
    z=(torch.zeros(3, 2), float_tensor((3, 2))),
)
register(
    generative.VAE.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: generative.VAE(6, latent=2, hidden=(4,))), Opaque()),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)


def called_vae():
    vae = generative.VAE(6, latent=2, hidden=(4,))
    vae(torch.rand(3, 6))
    return vae


register(
    generative.VAE.loss,
    call=lambda self, logits, x: self.loss(logits, x),
    self=(Fresh(called_vae), Opaque()),
    logits=(torch.zeros(3, 6), float_tensor((3, 6))),
    x=(torch.rand(3, 6), float_tensor((3, 6))),
)
register(
    generative.VAE.sample, call=lambda self, n: self.sample(n), self=(VAE6, Opaque()),
    n=(4, Count(1)),
)  # fmt: skip
register(
    generative.Generator,
    latent=(2, Count(1)),
    n_outputs=(2, Count(1)),
    hidden=((4,), HIDDEN),
    output=("linear", Choice(("linear", "sigmoid"))),
)
G2 = generative.Generator(2, 2, hidden=(4,))
D2 = generative.Discriminator(2, hidden=(4,))
register(
    generative.Generator.forward,
    call=lambda self, z: self(z),
    self=(G2, Opaque()),
    z=(torch.zeros(3, 2), float_tensor((3, 2))),
)
register(
    generative.Generator.sample, call=lambda self, n: self.sample(n), self=(G2, Opaque()),
    n=(4, Count(1)),
)  # fmt: skip
register(generative.Discriminator, n_inputs=(2, Count(1)), hidden=((4,), HIDDEN))
register(
    generative.Discriminator.forward,
    call=lambda self, x: self(x),
    self=(D2, Opaque()),
    x=(torch.zeros(3, 2), float_tensor((3, 2))),
)
OPTIMIZER_KIND = Other(bad_values=(None, 3, "sgd", object()))
register(
    generative.gan_step,
    generator=(
        Fresh(lambda: generative.Generator(2, 2, hidden=(4,))),
        Other(bad_values=(None, 3, "g", D2, generative.Generator(2, 3, hidden=(4,)))),
    ),
    discriminator=(
        Fresh(lambda: generative.Discriminator(2, hidden=(4,))),
        Other(bad_values=(None, 3, "d", G2)),
    ),
    opt_g=(Fresh(lambda: torch.optim.SGD(params(), lr=0.0)), OPTIMIZER_KIND),
    opt_d=(Fresh(lambda: torch.optim.SGD(params(), lr=0.0)), OPTIMIZER_KIND),
    real=(
        torch.randn(8, 2),
        Other(
            bad_values=(
                None,
                "r",
                np.zeros((8, 2)),
                torch.zeros(8, 3),
                torch.zeros(0, 2),
                torch.zeros(8, 2, dtype=torch.long),
            )
        ),
    ),
    loss=("minimax", Choice(("minimax", "non-saturating"))),
)
register(generative.ring_centres, modes=(8, Count(1)), radius=(2.0, NON_NEGATIVE))
register(
    generative.ring_of_gaussians,
    m=(16, Count(1)),
    modes=(4, Count(1)),
    radius=(2.0, NON_NEGATIVE),
    std=(0.05, POSITIVE),
    seed=(0, Other(bad_values=(-1, 2.5, True, "0", 2**63, NAN, None), odd_values=(0, 2**32 - 1))),
)
RING = generative.ring_of_gaussians(32, modes=4, std=0.05)[0]
CENTRES = generative.ring_centres(4)
register(
    generative.modes_covered,
    points=(RING, Array(like=RING)),
    centres=(CENTRES, Array(like=CENTRES)),
    within=(0.15, POSITIVE),
    min_share=(0.02, Probability()),
)


# rnn: the step equations, then cells (one step) and layers (a sequence), in torch's layout
def step_tensor(shape):
    wrong = list(shape)
    wrong[-1] += 1
    return Other(
        bad_values=(
            None,
            "t",
            np.zeros(shape),
            3.0,
            torch.zeros(wrong),
            torch.zeros(1, *shape),
            torch.zeros(shape, dtype=torch.long),
            torch.zeros(shape, dtype=torch.float64),
        )
    )


B_, H_ = 3, 2
for fn, G_ in ((rnn.rnn_step, 1), (rnn.gru_step, 3)):
    register(
        fn,
        x_part=(torch.randn(B_, G_ * H_), step_tensor((B_, G_ * H_))),
        h=(
            torch.zeros(B_, H_),
            Other(
                bad_values=(
                    None,
                    "h",
                    np.zeros((B_, H_)),
                    torch.zeros(H_),
                    torch.zeros(B_, 0),
                    torch.zeros(B_, H_ + 1),
                )
            ),
        ),
        weight_hh=(torch.randn(G_ * H_, H_), step_tensor((G_ * H_, H_))),
        bias_hh=(torch.zeros(G_ * H_), step_tensor((G_ * H_,))),
    )
register(
    rnn.lstm_step,
    x_part=(torch.randn(B_, 4 * H_), step_tensor((B_, 4 * H_))),
    h=(torch.zeros(B_, H_), Other(bad_values=(None, "h", np.zeros((B_, H_)), torch.zeros(H_)))),
    c=(torch.zeros(B_, H_), step_tensor((B_, H_))),
    weight_hh=(torch.randn(4 * H_, H_), step_tensor((4 * H_, H_))),
    bias_hh=(torch.zeros(4 * H_), step_tensor((4 * H_,))),
)
for cls in (rnn.RNNCell, rnn.GRUCell, rnn.RNN, rnn.GRU):
    register(cls, input_size=(3, Count(1)), hidden_size=(4, Count(1)))
for cls in (rnn.LSTMCell, rnn.LSTM):
    register(
        cls, input_size=(3, Count(1)), hidden_size=(4, Count(1)),
        forget_bias=(None, Real(min=-100.0, max=100.0, optional=True)),
    )  # fmt: skip
register(rnn.RNN.extra_repr, call=lambda self: self.extra_repr(), self=(rnn.RNN(3, 4), Opaque()))


def sequence_kind(shape):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros(shape),
            [[0.0] * shape[-1]],
            torch.zeros(*shape[:-1], 5),
            torch.zeros(shape, dtype=torch.long),
            torch.zeros(shape, dtype=torch.float64),
            torch.zeros(shape[-1]),
        )
    )


STATE = Other(
    bad_values=(
        "h",
        np.zeros((2, 4)),
        torch.zeros(2, 5),
        torch.zeros(1, 2, 4),
        torch.zeros(2, 4, dtype=torch.float64),
    ),
    optional=True,
)
LSTM_STATE = Other(
    bad_values=(
        "s",
        torch.zeros(2, 4),
        (torch.zeros(2, 4),),
        (torch.zeros(2, 4), None),
        (torch.zeros(2, 5), torch.zeros(2, 4)),
        [torch.zeros(2, 4), "c"],
    ),
    optional=True,
)
for cls, shape in ((rnn.RNNCell, (2, 3)), (rnn.GRUCell, (2, 3)), (rnn.RNN, (2, 5, 3)),
                   (rnn.GRU, (2, 5, 3))):  # fmt: skip
    register(
        cls.forward,
        call=lambda self, x, h: self(x, h),
        self=(cls(3, 4), Opaque()),
        x=(torch.randn(shape), sequence_kind(shape)),
        h=(None, STATE),
    )
for cls, shape in ((rnn.LSTMCell, (2, 3)), (rnn.LSTM, (2, 5, 3))):
    register(
        cls.forward,
        call=lambda self, x, state: self(x, state),
        self=(cls(3, 4), Opaque()),
        x=(torch.randn(shape), sequence_kind(shape)),
        state=(None, LSTM_STATE),
    )

# text: a corpus, a character tokenizer, windows of ids, count baselines
NOTATION = text.book_docs() / "notation.md"
STRINGS = Other(bad_values=(None, 3, b"ab", ["a", "b"], 1.5))
register(text.book_docs, ok=accept_any)
register(text.package_docstrings, ok=accept_any)
register(
    text.load_corpus,
    path=(NOTATION, Other(bad_values=(3, b"docs", ["docs"], "", "/no/such/folder"), optional=True)),
    ok=accept_any,
)
register(
    text.Corpus,
    documents=({"a": "one", "b": "two"}, Other(bad_values=(None, "ab", ["a"], {"a": 1}, {1: "a"}))),
    origin=("here", STRINGS),
    ok=accept_any,
)
CORPUS = text.Corpus({"a": "one\n```py\nx\n```\n", "b": "two words"}, "here")
register(
    text.Corpus.without_code,
    call=lambda self: self.without_code(),
    self=(CORPUS, Opaque()),
    ok=accept_any,
)
register(
    text.Corpus.split,
    call=lambda self, val_fraction: self.split(val_fraction),
    self=(CORPUS, Opaque()),
    val_fraction=(0.1, Probability(min_open=True, max_open=True)),
    ok=accept_any,
)
register(
    text.CharTokenizer,
    text=("hello world", Other(bad_values=(None, "", 3, b"ab", ["a", "b"]))),
    ok=accept_any,
)
TOKENIZER = text.CharTokenizer("abc ")
register(
    text.CharTokenizer.encode,
    call=lambda self, text: self.encode(text),
    self=(TOKENIZER, Opaque()),
    text=("a cab", Other(bad_values=(None, 3, b"ab", ["a"], "xyz"), odd_values=("",))),
)
register(
    text.CharTokenizer.decode,
    call=lambda self, ids: self.decode(ids),
    self=(TOKENIZER, Opaque()),
    ids=(
        [0, 3, 2],
        Other(
            bad_values=(
                None,
                3,
                "ab",
                [0.5],
                [True],
                [-1],
                [4],
                [[0, 1]],
                torch.zeros(2, 2, dtype=int),
                torch.tensor([0.5]),
                torch.tensor([4]),
                np.array([0.5]),
            ),
            odd_values=([], torch.tensor([1, 2]), np.array([0, 1]), (3,)),
        ),
    ),
    ok=accept_any,
)
IDS50 = torch.arange(50) % 7
register(
    text.windows_loader,
    ids=(
        IDS50,
        Other(
            bad_values=(
                None,
                "abc",
                3,
                torch.zeros(50),
                torch.zeros(5, 10, dtype=torch.int64),
                torch.arange(4),
                [None, 1],
            )
        ),
    ),
    block_size=(8, Count(1)),
    batch_size=(4, Count(1)),
    num_batches=(None, Count(1, optional=True)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
    ok=accept_any,
)
TRAIN_IDS, VAL_IDS = torch.tensor([0, 1, 2, 1, 0, 2]), torch.tensor([1, 0, 2])
IDS_KIND = Other(
    bad_values=(
        None,
        "ab",
        [0, 1],
        torch.tensor([0.0, 1.0]),
        torch.tensor([0]),
        torch.tensor([0, 3]),
        torch.tensor([-1, 0]),
        torch.zeros(2, 2, dtype=int),
        torch.tensor([True, False]),
    ),
)
for fn in (text.unigram_loss, text.bigram_loss):
    register(
        fn, train_ids=(TRAIN_IDS, IDS_KIND), val_ids=(VAL_IDS, IDS_KIND),
        vocab_size=(3, Count(3)), alpha=(1.0, POSITIVE),
    )  # fmt: skip
register(
    text.bigram_log_probs, ids=(TRAIN_IDS, IDS_KIND), vocab_size=(3, Count(3)),
    alpha=(1.0, POSITIVE),
)  # fmt: skip
register(
    text.known_word_fraction,
    sample=("the cat", STRINGS),
    reference=("the cat sat", STRINGS),
)
register(text.uniform_loss, vocab_size=(3, Count(1)))

# transformer: a small GPT
register(transformer.sinusoidal_positions, T=(8, Count(1)), d_model=(16, Count(2)))
STREAM = Other(
    bad_values=(
        None,
        "x",
        np.zeros((2, 5, 8)),
        torch.zeros(2, 5, 7),
        torch.zeros(2, 5, 8, dtype=torch.long),
        torch.zeros(5, 8)[0, :3],
    ),
)
register(transformer.MLP, n_embd=(8, Count(1)), bias=(True, Flag()), dropout=(0.0, Probability()))
register(
    transformer.MLP.forward,
    call=lambda self, x: self(x),
    self=(transformer.MLP(8), Opaque()),
    x=(torch.randn(2, 5, 8), STREAM),
)
register(
    transformer.Block,
    n_embd=(8, Count(1)),
    n_head=(2, Count(1)),
    bias=(True, Flag()),
    dropout=(0.0, Probability()),
    norm_first=(True, Flag()),
)
register(
    transformer.Block.forward,
    call=lambda self, x, mask, need_weights: self(x, mask, need_weights),
    self=(transformer.Block(8, 2), Opaque()),
    x=(torch.randn(2, 5, 8), Other(bad_values=(*STREAM.bad_values, torch.zeros(5, 8)))),
    mask=(
        attention.causal_mask(5),
        Other(
            bad_values=("m", torch.ones(3, 3, dtype=torch.bool), torch.ones(5, 5)), optional=True
        ),
    ),
    need_weights=(False, Flag()),
)
register(
    transformer.GPTConfig,
    vocab_size=(11, Count(1)),
    block_size=(8, Count(1)),
    n_layer=(1, Count(1)),
    n_head=(2, Count(1)),
    n_embd=(8, Count(1)),
    dropout=(0.0, Probability()),
    bias=(True, Flag()),
    positions=("learned", Choice(("learned", "sinusoidal"))),
    norm_first=(True, Flag()),
    ok=accept_any,
)


def tiny_config(**changes):
    config = transformer.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    for name, value in changes.items():  # after construction: as a user might change one
        setattr(config, name, value)
    return config


register(
    transformer.GPT,
    config=(
        tiny_config(),
        Other(
            bad_values=(
                None,
                3,
                "config",
                {"vocab_size": 11},
                tiny_config(n_head=3),
                tiny_config(positions="rope"),
                tiny_config(n_layer=2.5),
            )
        ),
    ),
)
GPT_TINY = transformer.GPT(tiny_config())
TOKENS = Other(
    bad_values=(
        None,
        "ids",
        np.zeros((2, 4), dtype=int),
        torch.zeros(2, 4),
        torch.zeros(4, dtype=torch.int64),
        torch.zeros(2, 9, dtype=torch.int64),
        torch.zeros(0, 4, dtype=torch.int64),
        torch.tensor([[0, 11]]),
        torch.tensor([[-1, 0]]),
    ),
)
register(
    transformer.GPT.forward,
    call=lambda self, idx, need_weights: self(idx, need_weights=need_weights),
    self=(GPT_TINY, Opaque()),
    idx=(torch.randint(0, 11, (2, 5)), TOKENS),
    need_weights=(False, Flag()),
)
register(
    transformer.GPT.generate,
    call=lambda self, **kw: self.generate(**kw),
    self=(GPT_TINY, Opaque()),
    idx=(
        torch.zeros(2, 1, dtype=torch.int64),
        Other(
            bad_values=tuple(
                v
                for v in TOKENS.bad_values
                if not (isinstance(v, torch.Tensor) and v.shape == (2, 9))
            )
        ),  # longer than block_size: fine
    ),
    max_new_tokens=(3, Count(0)),
    temperature=(1.0, POSITIVE),
    top_k=(None, Count(1, optional=True)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
)
register(
    transformer.GPT.num_parameters,
    call=lambda self: self.num_parameters(),
    self=(GPT_TINY, Opaque()),
)
register(
    transformer.lm_loss,
    logits=(
        torch.randn(2, 5, 7),
        Other(
            bad_values=(
                None,
                "l",
                np.zeros((2, 5, 7)),
                torch.zeros(2, 5, 7, dtype=torch.long),
                torch.zeros(()),
                torch.zeros(2, 5, 0),
                torch.zeros(2, 4, 7),
            )
        ),
    ),
    targets=(
        torch.randint(0, 7, (2, 5)),
        Other(
            bad_values=(
                None,
                "t",
                np.zeros((2, 5), dtype=int),
                torch.zeros(2, 5),
                torch.zeros(2, 4, dtype=torch.int64),
                torch.full((2, 5), 7),
                torch.full((2, 5), -1),
            )
        ),
    ),
)

# autograd_nn: a network of scalar Values (chapter 07)
RNG_KIND = Other(bad_values=(3, "rng", np.random.default_rng(0), object()), optional=True)
ACTIVATION = Choice(autograd_nn.ACTIVATIONS)
register(
    autograd_nn.Neuron,
    n_inputs=(3, Count(1)),
    activation=("tanh", ACTIVATION),
    rng=(None, RNG_KIND),
    ok=accept_any,
)
register(
    autograd_nn.Layer,
    n_inputs=(3, Count(1)),
    n_outputs=(2, Count(1)),
    activation=("relu", ACTIVATION),
    rng=(None, RNG_KIND),
    ok=accept_any,
)
SIZES_BAD = (None, 3, "23", [], [3], [3, 0], [3, 2.5], [3, True], [3, 2**63], [3, None])
register(
    autograd_nn.MLP,
    sizes=([3, 4, 1], Other(bad_values=SIZES_BAD, odd_values=((1, 1), [2, 3, 2]))),
    activation=("tanh", ACTIVATION),
    seed=(0, SEED),
    ok=accept_any,
)
VALUE_MLP = autograd_nn.MLP([3, 4, 1], activation="tanh")
for cls, obj in (
    (autograd_nn.Neuron, autograd_nn.Neuron(3)),
    (autograd_nn.Layer, autograd_nn.Layer(3, 2)),
    (autograd_nn.MLP, VALUE_MLP),
):
    register(
        cls.parameters, call=lambda self: self.parameters(), self=(obj, Opaque()), ok=accept_any
    )
register(
    autograd_nn.MLP.zero_grad,
    call=lambda self: self.zero_grad(),
    self=(Fresh(lambda: autograd_nn.MLP([3, 4, 1])), Opaque()),
    ok=accept_any,
)
register(autograd_nn.MLP.matrices, call=lambda self: self.matrices(), self=(VALUE_MLP, Opaque()))
register(
    autograd_nn.MLP.predict,
    call=lambda self, X: self.predict(X),
    self=(VALUE_MLP, Opaque()),
    X=(X2, Array(ndims=(2,), like=X2)),
)
PM1 = np.where(Y1 > 0, 1.0, -1.0)
register(
    autograd_nn.hinge_loss,
    scores=(
        [autograd.Value(0.5), autograd.Value(-2.0)],
        Other(bad_values=(None, 3, "ab", [], [0.5, 1.0], [autograd.Value(1.0), 2.0])),
    ),
    y=(
        np.array([1.0, -1.0]),
        Other(
            bad_values=(
                None,
                "ab",
                [1.0],
                [1.0, 0.0],
                [1.0, NAN],
                [[1.0, -1.0]],
                np.array([1j, 1]),
                [True, False],
            )
        ),
    ),
    ok=accept_any,
)
register(
    autograd_nn.fit,
    model=(Fresh(lambda: autograd_nn.MLP([3, 4, 1], activation="tanh")), Instance()),
    X=(X2, Array(ndims=(2,), like=X2)),
    y=(PM1, Other(bad_values=(None, "y", PM1[:5], PM1 * 2, np.array([NAN] * 12), PM1[None]))),
    steps=(2, Count(1)),
    lr=(0.1, POSITIVE),
)

# fewshot: episodes, prototypes, a prototypical network (chapter 17)
FEW_X = np.random.default_rng(1).normal(size=(40, 64))
FEW_Y = np.repeat(np.arange(5), 8)
GENERATOR = Other(bad_values=(None, 3, "rng", np.random.RandomState(0), torch.Generator()))


def torch_kind(shape, dtype=torch.float32, *extra):
    """Bad values of a tensor argument of ``shape``: not a tensor, the wrong shape or dtype.

    NaN is not among them: a forward pass lets it through (as torch does), where a check would
    cost a GPU a synchronisation per step."""
    wrong = list(shape)
    wrong[-1] += 1
    bad = [None, "t", 3.0, np.zeros(shape), torch.zeros(wrong, dtype=dtype), torch.zeros(2, 2, 2)]
    bad += [torch.zeros(shape, dtype=torch.complex64)]
    bad += [] if dtype.is_floating_point else [torch.zeros(shape), torch.full(shape, -1)]
    return Other(bad_values=(*bad, *extra))


def episode_kwargs(**kinds):
    args = dict(
        X=(FEW_X, Array(ndims=(2,), like=FEW_X)),
        y=(FEW_Y, Labels()),
        n_way=(3, Count(1)),
        k_shot=(2, Count(1)),
        n_query=(2, Count(1)),
        rng=(Fresh(lambda: np.random.default_rng(0)), GENERATOR),
    )
    return {**args, **kinds}


register(fewshot.sample_episode, ok=accept_any, **episode_kwargs())
register(  # a plain record, made by sample_episode: nothing to check
    fewshot.Episode,
    ok=accept_any,
    **{f: (np.zeros(2), Opaque()) for f in fewshot.Episode.__dataclass_fields__},
)
register(
    fewshot.prototypes,
    embeddings=(torch.randn(6, 4), torch_kind((7, 4))),
    labels=(torch.tensor([0, 0, 1, 1, 2, 2]), torch_kind((6,), torch.long, torch.tensor([0] * 6))),
    n_way=(3, Count(1)),
)
register(
    fewshot.squared_distances,
    a=(torch.randn(5, 4), torch_kind((5, 4))),
    b=(torch.randn(3, 4), torch_kind((3, 4))),
)
register(fewshot.ConvEmbedding, channels=(2, Count(1)))
EMBED = fewshot.ConvEmbedding(2)
register(
    fewshot.ConvEmbedding.forward,
    call=lambda self, x: self(x),
    self=(EMBED, Opaque()),
    x=(torch.randn(3, 64), torch_kind((3, 64))),
)
register(
    fewshot.ProtoNet,
    embed=(EMBED, Other(bad_values=(None, 3, "embed", lambda x: x))),
    ok=accept_any,
)
PROTO = fewshot.ProtoNet(fewshot.ConvEmbedding(2))
register(
    fewshot.ProtoNet.forward,
    call=lambda self, **kw: self(**kw),
    self=(PROTO, Opaque()),
    support_x=(torch.randn(6, 64), torch_kind((6, 64))),
    support_y=(torch.tensor([0, 0, 1, 1, 2, 2]), torch_kind((6,), torch.long)),
    query_x=(torch.randn(4, 64), torch_kind((4, 64))),
    n_way=(3, Count(1)),
)
SUPPORT_X, SUPPORT_Y, QUERY_X = FEW_X[:6], np.array([0, 0, 1, 1, 2, 2]), FEW_X[6:10]
register(
    fewshot.ProtoNet.predict,
    call=lambda self, **kw: self.predict(**kw),
    self=(PROTO, Opaque()),
    support_x=(SUPPORT_X, Array(ndims=(2,), like=SUPPORT_X)),
    support_y=(SUPPORT_Y, Labels()),
    query_x=(QUERY_X, Array(ndims=(2,), like=QUERY_X)),
)
register(
    fewshot.train_protonet,
    model=(Fresh(lambda: fewshot.ProtoNet(fewshot.ConvEmbedding(2))), Instance()),
    episodes=(1, Count(1)),
    lr=(1e-3, POSITIVE),
    **episode_kwargs(),
)
register(
    fewshot.nearest_neighbour_predict,
    support_x=(SUPPORT_X, Array(ndims=(2,), like=SUPPORT_X)),
    support_y=(SUPPORT_Y, Labels()),
    query_x=(QUERY_X, Array(ndims=(2,), like=QUERY_X)),
)
register(
    fewshot.evaluate_episodes,
    predict=(fewshot.nearest_neighbour_predict, Func()),
    episodes=(2, Count(1)),
    **episode_kwargs(),
)
register(
    fewshot.mean_ci95,
    values=(np.array([0.5, 0.75, 1.0]), Array(ndims=(1,), like=np.array([0.5, 0.75, 1.0]))),
)


# meta: sine-wave tasks, MAML and its baseline (chapter 17)
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
MODULE_KIND = Other(bad_values=(None, 3, "model", lambda x: x))
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

# transfer: a small ResNet, pretrained on the digits, fine-tuned four ways (chapter 16)
PATH_KIND = Other(bad_values=(None, 3, 2.5, ["p"], b"\0"))
register(
    transfer.SmallResNet,
    num_classes=(5, Count(1)),
    widths=((4, 8), Other(bad_values=(None, 3, "ab", (), (4, 0), (4, 2.5), (4, True), (4, 2**40)))),
)
TINY_RESNET = transfer.SmallResNet(5, widths=(4,))
IMAGES_8X8 = torch.rand(2, 1, 8, 8)
register(
    transfer.SmallResNet.forward,
    call=lambda self, x: self(x),
    self=(TINY_RESNET, Opaque()),
    x=(
        IMAGES_8X8,
        Other(
            bad_values=(
                None,
                "x",
                np.zeros((2, 1, 8, 8)),
                torch.zeros(2, 8, 8),
                torch.zeros(2, 3, 8, 8),
                torch.zeros(2, 1, 8, 8, dtype=torch.long),
                torch.zeros(2, 1, 8, 8, dtype=torch.complex64),
            )
        ),
    ),
)
register(
    transfer.SmallResNet.train,
    call=lambda self, mode: self.train(mode),
    self=(Fresh(lambda: transfer.SmallResNet(5, widths=(4,))), Opaque()),
    mode=(True, Flag()),
    ok=accept_any,
)
register(
    transfer.freeze_backbone,
    model=(Fresh(lambda: transfer.SmallResNet(5, widths=(4,))), Instance()),
    frozen=(True, Flag()),
    ok=accept_any,
)
register(
    transfer.param_groups,
    model=(TINY_RESNET, Instance()),
    lr=(0.01, POSITIVE),
    backbone_factor=(0.1, NON_NEGATIVE),
    ok=accept_any,
)
register(
    transfer.source_task,
    copies=(1, Count(1)),
    rotations=(False, Flag()),
    jitter=(True, Flag()),
    seed=(0, SEED),
    turn_labels=(True, Flag()),
)
register(
    transfer.target_task,
    labels_per_class=(2, Count(1)),
    seed=(0, SEED),
    n_test=(100, Count(1)),
)
# One epoch over the 901 upright images of digits 0 to 4: the bad values are refused before
# any training, and no odd value of a count is drawn (each would train again).
register(
    transfer.pretrain,
    call=lambda **kw: transfer.pretrain(**kw, copies=1, rotations=False, jitter=False),
    epochs=(1, Other(bad_values=tuple(Count(1).bad()))),
    seed=(0, Other(bad_values=tuple(SEED.bad()))),
    progress=(None, Opaque()),  # train.fit's own argument, fuzzed there
    ok=accept_any,
)
register(transfer.sha256, path=(transfer.WEIGHTS_PATH, PATH_KIND))
WEIGHTS_PATH_KIND = Other(bad_values=(3, 2.5, ["p"], b"\0"), optional=True)
SHA_KIND = Other(bad_values=(3, b"ab", "0" * 64, ["a"]), optional=True)
register(
    transfer.load_weights,
    model=(Fresh(transfer.SmallResNet), Other(bad_values=(None, 3, "m", TINY_RESNET))),
    path=(transfer.WEIGHTS_PATH, PATH_KIND),  # a missing file: FileNotFoundError, as Python's
    expected_sha256=(transfer.WEIGHTS_SHA256, SHA_KIND),
    ok=accept_any,
)
register(
    transfer.pretrained,
    path=(None, WEIGHTS_PATH_KIND),  # not a missing file: that pretrains, as documented
    expected_sha256=("default", SHA_KIND),
    ok=accept_any,
)
FT_X = np.random.default_rng(2).random((5, 1, 8, 8)).astype(np.float32)
register(
    transfer.fine_tune,
    pretrained_model=(TINY_RESNET, Other(bad_values=(None, 3, "m", torch.nn.Linear(2, 2)))),
    method=("probe", Choice(transfer.METHODS)),
    X=(FT_X, Array(ndims=(4,), like=FT_X)),
    y=(np.arange(5), Labels()),
    epochs=(1, Other(bad_values=tuple(Count(1).bad()))),
    lr=(3e-3, POSITIVE),
    device=("cpu", Other(bad_values=(3, "gpu0", ["cpu"]))),  # None: the best device
    amp=(False, AMP),  # train.fit's
    ok=accept_any,
)
register(
    transfer.pseudo_label,
    model=(TINY_RESNET, MODULE_KIND),
    X=(FT_X, Array(ndims=(4,), like=FT_X)),
    threshold=(0.5, Probability()),
)

# frameworks: one MLP in PyTorch and Keras, TensorBoard curves (chapter 18). Keras is
# imported on the torch backend by the first call (warm_up), not when this file is collected.
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

# serving: weights loaded safely, a FastAPI app, uvicorn (chapter 19). No recipe lets uvicorn
# serve for long: serve's valid call reaches uvicorn.run through a recorder (serve blocks
# until Ctrl-C), and running's starts a server on a free port of 127.0.0.1 and stops it.
SERVED = torch.nn.Sequential(torch.nn.Linear(4, 3))


@functools.cache
def served_weights() -> str:
    folder = tempfile.mkdtemp(prefix="dlcourse-fuzz-weights-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "w.pt"
    torch.save(SERVED.state_dict(), path)
    return str(path)


register(
    serving.load_weights,
    call=lambda path, model: serving.load_weights(
        served_weights() if path == "WEIGHTS" else path, model
    ),
    path=("WEIGHTS", Other(bad_values=(None, 3, b"w.pt", "/no/such/file.pt", __file__))),
    model=(
        Fresh(lambda: torch.nn.Sequential(torch.nn.Linear(4, 3))),
        Other(bad_values=(None, 3, "m", torch.nn.Linear(4, 2))),
    ),
    ok=accept_any,
)
SHAPE_BAD = (None, 4, "4", (), (0,), (4.0,), (True,), (2**63,), (10**12,), (5,), [[4]])
register(
    serving.create_app,
    model=(SERVED, Other(bad_values=(None, 3, "m", lambda x: x))),
    input_shape=((4,), Other(bad_values=SHAPE_BAD)),
    classes=(["a", "b", "c"], Other(bad_values=("abc", [1, 2, 3], ["a", "b"], 3), optional=True)),
    max_rows=(8, Count(1)),
    max_body_bytes=(10_000, Count(2, capped=False)),
    ok=accept_any,
)
APP = serving.create_app(SERVED, (4,), ["a", "b", "c"])


def serve_recorded(**kwargs):
    """serve, with uvicorn.run replaced by a recorder: the arguments it would serve with."""
    import uvicorn

    calls = []
    real, uvicorn.run = uvicorn.run, lambda app, **kw: calls.append((app, kw))
    try:
        serving.serve(**kwargs)
    finally:
        uvicorn.run = real
    return calls


register(
    serving.serve,
    call=serve_recorded,
    app=(APP, Other(bad_values=(None, 3, b"app"))),
    port=(8000, Other(bad_values=(0, -1, 65536, 2**63, 80.0, True, "8000", None))),
    host=("127.0.0.1", Other(bad_values=(None, 3, b"127.0.0.1", ""))),
    ok=lambda calls: len(calls) == 1 and calls[0][1]["port"] in range(1, 65536),
)


def run_briefly(**kwargs):
    with serving.running(**kwargs) as url:
        return url


register(
    serving.running,
    call=run_briefly,
    app=(APP, Other(bad_values=(None, 3, b"app"))),
    port=(0, Other(bad_values=(-1, 65536, 2**63, 80.0, True, "0", None))),
    host=("127.0.0.1", Other(bad_values=(None, 3, b"127.0.0.1", ""))),
    timeout=(60.0, Other(bad_values=tuple(POSITIVE.bad()))),  # a tiny one: "did not start"
    ok=lambda url: url.startswith("http://127.0.0.1:"),
)


@functools.cache
def api_client():
    from fastapi.testclient import TestClient

    return TestClient(APP)


X4 = np.random.default_rng(3).random((4, 4))
register(
    serving.batching_throughput,
    call=lambda client, **kw: serving.batching_throughput(
        client=api_client() if client == "CLIENT" else client, **kw
    ),
    model=(SERVED, Other(bad_values=(None, 3, "m"))),
    client=("CLIENT", Other(bad_values=(None, 3, "http://x", object()))),
    X=(X4, Array(ndims=(2, 3), like=X4)),
    batch_sizes=((1, 2), Other(bad_values=(None, 3, "12", (), (0,), (5,), (1.5,), (True,)))),
    repeats=(1, Count(1)),
    ok=accept_any,
)

# distributed: DDP launched by torchrun (chapter 20). Nothing here launches a process: setup
# and main join a process group of ONE process in this one (gloo, world_size 1, through the
# variables torchrun would set), and launch's valid call reaches subprocess.run through a
# recorder; the arguments are all checked before that.
SMALL_DDP = distributed.DDPConfig(epochs=1, batch_size=8, n_examples=64)
DDP_KIND = Other(bad_values=(None, 3, "config", {"epochs": 1}))


@contextlib.contextmanager
def single_process_group_env():
    names = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    saved = {k: os.environ.get(k) for k in names}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1")
    os.environ["MASTER_PORT"] = str(port)
    try:
        yield
    finally:
        distributed.cleanup()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def setup_alone():
    with single_process_group_env():
        return distributed.setup()


def main_alone(argv):
    with single_process_group_env(), contextlib.redirect_stdout(io.StringIO()):
        return distributed.main(argv)


register(
    distributed.DDPConfig,
    epochs=(1, Count(1)),
    batch_size=(8, Count(1)),
    lr=(0.2, POSITIVE),
    hidden=(4, Count(1)),
    n_examples=(64, Count(1)),
    seed=(0, SEED),
    dtype=("float64", Choice(("float32", "float64"))),
    batch_norm=(False, Flag()),
    ok=accept_any,
)
register(
    distributed.DDPConfig.checked,
    call=lambda self, world_size: self.checked(world_size),
    self=(SMALL_DDP, Opaque()),
    world_size=(2, Count(1)),
    ok=accept_any,
)
register(distributed.backend_for, device_type=("cpu", Choice(("cpu", "cuda"))))
register(distributed.setup, call=setup_alone, ok=lambda r: r[:2] == (0, 1))
register(distributed.cleanup, ok=accept_any)
register(
    distributed.main,
    call=main_alone,
    argv=(["--modes", "allreduce", "--out", tempfile.gettempdir()], Opaque()),  # argparse's
    ok=accept_any,
)
register(distributed.make_data, config=(SMALL_DDP, DDP_KIND), ok=accept_any)
register(distributed.make_model, config=(SMALL_DDP, DDP_KIND), ok=accept_any)
register(
    distributed.global_batches,
    n=(20, Count(1)),
    world_size=(2, Count(1)),
    batch_size=(4, Count(1)),
    epoch=(0, Count(0)),
    seed=(0, SEED),
    ok=accept_any,
)
register(
    distributed.CombinedBatchSampler,
    n=(20, Count(1)),
    world_size=(2, Count(1)),
    batch_size=(4, Count(1)),
    seed=(0, SEED),
    ok=accept_any,
)
register(
    distributed.CombinedBatchSampler.set_epoch,
    call=lambda self, epoch: self.set_epoch(epoch),
    self=(distributed.CombinedBatchSampler(20, 2, 4), Opaque()),
    epoch=(1, Count(0)),
    ok=accept_any,
)
register(  # a plain record, made by launch: nothing to check
    distributed.LaunchResult,
    ok=accept_any,
    **{f: ({}, Opaque()) for f in distributed.LaunchResult.__dataclass_fields__},
)
register(
    distributed.LaunchResult.lines,
    call=lambda self, prefix: self.lines(prefix),
    self=(distributed.LaunchResult("ddp: a\nfsdp: b", {}, {}, {}), Opaque()),
    prefix=("ddp", Other(bad_values=(None, 3, b"ddp", ["ddp"]))),
    ok=accept_any,
)
MODES_KIND = Other(bad_values=(None, 3, "", "ddp,", "gpu", ["ddp"], b"ddp"))
OUT_KIND = Other(bad_values=(None, 3, ["run"], b"run"))
register(
    distributed.torchrun_command,
    modes=("allreduce,ddp", MODES_KIND),
    out=("run", OUT_KIND),
    config=(SMALL_DDP, Other(bad_values=(3, "config", {"epochs": 1}), optional=True)),
    nproc=(2, Count(1)),
    port=(None, Other(bad_values=(0, 65536, 2**63, 80.0, True, "29500"), optional=True)),
    ok=accept_any,
)


def launch_recorded(**kwargs):
    """launch, with subprocess.run replaced by a recorder that answers success."""
    calls = []

    def record(command, **kw):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, "allreduce: recorded", "")

    real, subprocess.run = subprocess.run, record
    try:
        result = distributed.launch(**kwargs)
    finally:
        subprocess.run = real
    return result, calls


register(
    distributed.launch,
    call=launch_recorded,
    modes=("allreduce", MODES_KIND),
    out=("run", OUT_KIND),
    config=(SMALL_DDP, Other(bad_values=(3, "config", {"epochs": 1}), optional=True)),
    nproc=(2, Count(1)),
    timeout=(300.0, Other(bad_values=tuple(POSITIVE.bad()))),
    ok=lambda r: len(r[1]) == 1 and r[0].output == "allreduce: recorded",
)
register(
    distributed.train_single,
    config=(SMALL_DDP, DDP_KIND),
    world_size=(2, Count(1)),
    ok=accept_any,
)

REGISTRY = {recipe.target: recipe for recipe in RECIPES}

# --- the tests --------------------------------------------------------------------------------


def public_callables() -> dict:
    """Every public function, class and method of dlcourse outside EXCLUDED_MODULES.

    Public: named in a module's ``__all__`` (or not starting with "_" where there is none),
    defined in dlcourse; for a class, its methods defined in dlcourse whose names do not start
    with "_", and Value's operators.
    """
    modules = [dlcourse] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(dlcourse.__path__, "dlcourse.")
        if info.name not in EXCLUDED_MODULES
    ]
    found: dict = {}
    for module in modules:
        names = getattr(module, "__all__", None)
        if names is None:  # no __all__: the public names the module defines itself
            names = [
                n
                for n, obj in vars(module).items()
                if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
            ]
        for name in names:
            obj = getattr(module, name)
            home = getattr(obj, "__module__", "") or ""
            if not callable(obj) or not home.startswith("dlcourse") or home in EXCLUDED_MODULES:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            found.setdefault(obj, f"{module.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            for attr, member in inspect.getmembers(obj, inspect.isfunction):
                public = not attr.startswith("_") or attr in OPERATORS | {"__neg__"}
                if public and member.__module__.startswith("dlcourse"):
                    found.setdefault(member, f"{module.__name__}.{name}.{attr}")
    return found


PUBLIC = public_callables()


def label(recipe: Recipe) -> str:
    return PUBLIC.get(recipe.target, recipe.target.__qualname__).removeprefix("dlcourse.")


def test_every_public_function_is_registered():
    missing = sorted(name for obj, name in PUBLIC.items() if obj not in REGISTRY)
    assert not missing, (
        "give these a valid-call recipe in tests/test_bad_input.py, so that bad input is thrown "
        f"at them too: {missing}"
    )


def test_the_registry_holds_only_public_functions_once_each():
    stale = [r.target.__qualname__ for r in RECIPES if r.target not in PUBLIC]
    assert not stale, f"not public (renamed or removed?): {stale}"
    assert len(REGISTRY) == len(RECIPES), "a function is registered twice"


@pytest.mark.skipif(sys.platform != "linux", reason="the guard's limits need Linux")
def test_the_guard_stops_an_endless_loop_and_an_unbounded_allocation():
    with pytest.raises(Hang, match="CPU time"), guarded(seconds=0.2):
        while True:
            pass
    # np.zeros only reserves address space (pages are touched lazily), so without the guard
    # this would succeed; under it the reservation itself must fail.
    with pytest.raises(MemoryError), guarded():
        np.zeros(MEMORY_HEADROOM + 2**30, dtype=np.uint8)


@pytest.fixture(autouse=True)
def close_stray_figures():
    yield
    for number in plt.get_fignums():
        if number != FIG.number:
            plt.close(number)


WARM: set = set()


def warm_up(recipe: Recipe) -> None:
    """Make the valid call once, unguarded: a first call may import a large module (torch's
    compiler stack on an optimizer's first step, scikit-learn's datasets), which the hang
    detector must not mistake for a hang on a busy machine."""
    if recipe.target not in WARM:
        recipe.invoke()
        WARM.add(recipe.target)


@pytest.mark.parametrize("recipe", RECIPES, ids=label)
def test_the_valid_call_works(recipe):
    # A recipe must be a real call: otherwise every bad value would "raise" for the wrong reason.
    warm_up(recipe)
    with guarded():
        result = recipe.invoke()
    assert recipe.ok(result), f"{label(recipe)}: the valid call gave {result!r:.200}"


FUZZED = [r for r in RECIPES if r.fuzzable()]


@pytest.mark.parametrize("recipe", FUZZED, ids=label)
def test_malformed_arguments_raise_a_clear_error(recipe):
    warm_up(recipe)
    problems = [
        problem
        for name in recipe.fuzzable()
        for value in recipe.args[name][1].bad()
        if (problem := outcome(recipe, name, value, must_raise=True)) is not None
    ]
    assert not problems, f"{label(recipe)}:\n  " + "\n  ".join(problems)


def odd_arguments(recipe: Recipe) -> list[str]:
    return [n for n in recipe.fuzzable() if not recipe.args[n][1].odd().is_empty]


WITH_ODD = [r for r in FUZZED if odd_arguments(r)]


@pytest.mark.parametrize("recipe", WITH_ODD, ids=label)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_odd_arguments_raise_a_clear_error_or_give_a_right_answer(recipe, data):
    warm_up(recipe)
    name = data.draw(st.sampled_from(odd_arguments(recipe)), label="argument")
    value = data.draw(recipe.args[name][1].odd(), label=name)
    problem = outcome(recipe, name, value, must_raise=False)
    assert problem is None, f"{label(recipe)}: {problem}"


# --- added by late: transfer and distributed as packages (chapters 16 and 20) ---------------
# Registered after REGISTRY and the parametrised lists were made, so this block adds its
# recipes to them itself.
_LATE_START = len(RECIPES)
register(transfer.machine, ok=lambda r: {"torch", "cpu"} <= set(r))
register(
    transfer.source_accuracy,
    model=(Fresh(transfer.SmallResNet), Other(bad_values=(None, 3, "m", TINY_RESNET))),
    seed=(1, SEED),
    ok=lambda r: 0.0 <= r <= 1.0,
)
register(distributed.parse_modes, modes=("allreduce,ddp", MODES_KIND), ok=accept_any)
register(distributed.LossRecorder, ok=accept_any)
register(
    distributed.LossRecorder.forward,
    call=lambda self, **kw: self(**kw),
    self=(Fresh(distributed.LossRecorder), Opaque()),
    output=(torch.randn(4, 3), Opaque()),  # torch's cross_entropy checks these
    target=(torch.tensor([0, 2, 1, 0]), Opaque()),
    ok=accept_any,
)
_LATE = RECIPES[_LATE_START:]
REGISTRY.update({recipe.target: recipe for recipe in _LATE})
FUZZED.extend(recipe for recipe in _LATE if recipe.fuzzable())
WITH_ODD.extend(recipe for recipe in _LATE if recipe.fuzzable() and odd_arguments(recipe))
# --- end of the block added by late ---------------------------------------------------------
