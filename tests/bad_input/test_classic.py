"""Bad input for dlcourse.classic."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Count, Fresh, Labels, Other
from bad_input.registry import Registry
from bad_input.values import SEED, X2
from dlcourse import classic

RECIPES = Registry()
register = RECIPES.register

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

globals().update(RECIPES.tests())  # this file's tests: see registry.py
