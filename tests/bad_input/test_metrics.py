"""Bad input for dlcourse.metrics."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import INF, NAN, Array, Choice, Count, Flag, Func, Labels, Other, Real
from bad_input.registry import Registry
from bad_input.values import BINARY, CLASSES, SCORES, SEED, accept_any
from dlcourse import metrics

RECIPES = Registry()
register = RECIPES.register

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
register(
    metrics.binomial_ci,
    successes=(80, Count(0)),
    n=(100, Count(1, capped=False)),
    level=(0.95, Real(min=0.0, max=1.0, min_open=True, max_open=True)),
)
register(
    metrics.bootstrap_ci,
    metric=(metrics.accuracy, Func()),
    y_true=(CLASSES, Labels()),
    y_pred=(np.array([0, 1, 1, 2]), Array(ndims=(1,), like=np.array([0.0, 1.0, 1.0, 2.0]))),
    n_resamples=(50, Count(1)),
    level=(0.9, Real(min=0.0, max=1.0, min_open=True, max_open=True)),
    seed=(0, SEED),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
