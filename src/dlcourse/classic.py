"""Machine learning before deep learning: k-nearest neighbours, k-means and PCA, in NumPy.

Each function is the textbook algorithm written out, short enough to read in one sitting, and
checked against scikit-learn in ``tests/test_classic.py``. The tabular Q-learning agent and its
gridworld, the chapter's last part, live in :mod:`dlcourse.rl`.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_instance,
    check_int,
    check_labels,
    check_seed,
    check_size,
)

__all__ = [
    "inertia",
    "kmeans",
    "kmeans_plus_plus",
    "knn_predict",
    "lloyd",
    "pca",
    "squared_distances",
]


def _as_2d(X: np.ndarray, name: str, like: tuple[str, np.ndarray] | None = None) -> np.ndarray:
    """A finite float (rows, features) array; with ``like=(name, array)``, as many features."""
    X = check_array(name, X, ndim=2, shape="(examples, features)")
    if like is not None and X.shape[1] != like[1].shape[1]:
        raise ValueError(
            f"{name} must have the {like[1].shape[1]} features (columns) of {like[0]} "
            f"{like[1].shape}; got shape {X.shape}"
        )
    return X


def squared_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance between every row of ``A`` (p, n) and of ``B`` (q, n).

    Uses ``|a - b|^2 = |a|^2 - 2 a.b + |b|^2``: one matrix product instead of a (p, q, n)
    array of differences, which would not fit in memory for a few thousand points. The
    expansion subtracts large numbers when the points lie far from the origin compared with
    their distances (catastrophic cancellation: at 1e4 from the origin a squared distance of 9
    keeps only about eight digits), so both sets are first shifted by the first row of ``B``,
    which leaves every distance unchanged in exact arithmetic. A data point rather than the
    mean: on data with few significant digits (pixels, integers) that shift is itself exact,
    so distances that tie exactly still tie. Rounding remains for other data: two distances
    equal on paper may differ in their last bits.

    Returns:
        (p, q) array, clipped at 0 (rounding can make a zero distance slightly negative).
    """
    A = _as_2d(A, "A")
    B = _as_2d(B, "B", like=("A", A))
    check_size(f"the ({len(A)}, {len(B)}) distances", len(A) * len(B))
    origin = B[0]  # (n,): distances do not change, the numbers in the expansion shrink
    A, B = A - origin, B - origin
    d2 = (A * A).sum(1)[:, None] - 2.0 * A @ B.T + (B * B).sum(1)[None, :]
    return np.maximum(d2, 0.0)


# ---------------------------------------------------------------------------------------------
# k-nearest neighbours: no training at all, the training set *is* the model.


def knn_predict(
    X_train: np.ndarray, y_train: np.ndarray, X_query: np.ndarray, k: int = 5
) -> np.ndarray:
    """Classify each query point by a majority vote of its ``k`` nearest training points.

    Args:
        X_train: (m, n) training inputs.
        y_train: (m,) training labels (integers or strings).
        X_query: (q, n) points to classify, with the same n features.
        k: number of neighbours that vote, 1 <= k <= m.

    Returns:
        (q,) predicted labels.

    Ties, made explicit so the result is reproducible (and equal to scikit-learn's
    ``KNeighborsClassifier`` with uniform weights):
      * two training points at exactly the same distance: the one that comes first in
        ``X_train`` is nearer (a stable sort);
      * two classes with the same number of votes: the smaller label wins.
    """
    X_train, X_query = _as_2d(X_train, "X_train"), _as_2d(X_query, "X_query")
    m, n = X_train.shape
    if X_query.shape[1] != n:
        raise ValueError(
            f"X_query must have the {n} features of X_train; got {X_query.shape[1]} "
            f"(X_train {X_train.shape}, X_query {X_query.shape})"
        )
    y_train = np.asarray(y_train)
    if y_train.dtype.kind not in "biuU":  # numbers (finite) or strings: anything np.unique sorts
        y_train = check_array("y_train", y_train, dtype=None)
    if y_train.shape != (m,):
        raise ValueError(
            f"y_train must have shape ({m},), a label per row of X_train; got {y_train.shape}"
        )
    k = check_int("k", k, min=1, max=m, note=f"X_train has {m} rows")

    d2 = squared_distances(X_query, X_train)  # (q, m)
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]  # (q, k) indices into X_train
    classes, codes = np.unique(y_train, return_inverse=True)  # classes sorted ascending
    votes = np.zeros((len(X_query), len(classes)), dtype=np.int64)  # (q, C)
    np.add.at(votes, (np.arange(len(X_query))[:, None], codes[nearest]), 1)
    return classes[votes.argmax(axis=1)]  # argmax takes the first maximum: smallest label


# ---------------------------------------------------------------------------------------------
# k-means: alternate "assign each point to its nearest centre" and "move each centre to the
# mean of its points". Neither step can increase the inertia, so the loop stops.


def kmeans_plus_plus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``k`` starting centres from the rows of ``X`` (m, n), spread out (k-means++).

    The first centre is a uniformly random point; each next one is a point drawn with
    probability proportional to its squared distance to the nearest centre chosen so far.
    As scikit-learn does ("greedy" k-means++), we draw a few candidates each time and keep
    the one that lowers the total squared distance most. Returns (k, n) centres.
    """
    X = _as_2d(X, "X")
    m = len(X)
    k = check_int("k", k, min=1, max=m, note=f"X has {m} points")
    check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
    candidates_per_step = 2 + int(np.log(k))
    centers = [X[rng.integers(m)]]
    closest = squared_distances(X, centers[0][None])[:, 0]  # (m,) to the nearest centre
    for _ in range(1, k):
        total = closest.sum()
        if total == 0:  # every point sits on a centre already (duplicates): any point will do
            picks = rng.integers(m, size=candidates_per_step)
        else:
            picks = rng.choice(m, size=candidates_per_step, p=closest / total)
        # (candidates, m): each candidate's effect on every point's nearest distance
        trial = np.minimum(closest[None, :], squared_distances(X[picks], X))
        best = trial.sum(1).argmin()
        centers.append(X[picks[best]])
        closest = trial[best]
    return np.array(centers)


def lloyd(
    X: np.ndarray, centers: np.ndarray, max_iter: int = 300
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Lloyd's algorithm from given starting ``centers`` (k, n) on data ``X`` (m, n).

    Stops when no point changes cluster (then the centres cannot move either) or after
    ``max_iter`` rounds. A centre that loses all its points stays where it is.

    Returns:
        ``(centers (k, n), labels (m,), history)``: ``history`` lists the centres before the
        first round and after each round, for plotting how they move.
    """
    X = _as_2d(X, "X")
    centers = _as_2d(centers, "centers", like=("X", X)).copy()
    max_iter = check_int("max_iter", max_iter, min=0, max=MAX_COUNT)
    labels = squared_distances(X, centers).argmin(1)
    history = [centers.copy()]
    for _ in range(max_iter):
        for j in range(len(centers)):  # update step: each centre to the mean of its points
            members = X[labels == j]
            if len(members):
                centers[j] = members.mean(0)
        history.append(centers.copy())
        new_labels = squared_distances(X, centers).argmin(1)  # assignment step
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return centers, labels, history


def inertia(X: np.ndarray, centers: np.ndarray, labels: np.ndarray) -> float:
    """The k-means objective: sum of squared distances of each point to its own centre.

    X (m, n), centers (k, n), labels (m,) integers in [0, k).
    """
    X = _as_2d(X, "X")
    centers = _as_2d(centers, "centers", like=("X", X))
    labels = check_labels("labels", labels)
    if labels.shape != (len(X),) or labels.max() >= len(centers):
        raise ValueError(
            f"labels must be ({len(X)},) integers in [0, {len(centers)}), one per row of X, "
            f"each a row of centers; got shape {labels.shape} with largest {labels.max()}"
        )
    return float(((X - centers[labels]) ** 2).sum())


def kmeans(
    X: np.ndarray, k: int, seed: int = 0, n_init: int = 10, max_iter: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster the rows of ``X`` (m, n) into ``k`` groups; as good as ``KMeans(n_init=10)``.

    Lloyd's algorithm only finds a local minimum that depends on where it starts, so we run
    it ``n_init`` times from k-means++ starts and keep the run with the lowest inertia.

    Returns:
        ``(centers (k, n), labels (m,))`` with labels in 0..k-1.
    """
    X = _as_2d(X, "X")
    k = check_int("k", k, min=1, max=len(X), note=f"X has {len(X)} points")
    n_init = check_int("n_init", n_init, min=1, max=MAX_COUNT)
    max_iter = check_int("max_iter", max_iter, min=1, max=MAX_COUNT)
    rng = np.random.default_rng(check_seed("seed", seed))
    best = None
    # The matrix products here are small (m x n times n x k): BLAS threads would cost more in
    # start-up and contention than they save, so run them on one thread (scikit-learn does too).
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(n_init):
            centers, labels, _history = lloyd(X, kmeans_plus_plus(X, k, rng), max_iter)
            score = inertia(X, centers, labels)
            if best is None or score < best[0]:
                best = (score, centers, labels)
    return best[1], best[2]


# ---------------------------------------------------------------------------------------------
# PCA: the directions of largest variance are the right singular vectors of the centred data.


def pca(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Principal component analysis of ``X`` (m, n) by singular value decomposition.

    With the centred data ``Xc = U S V^T``, the rows of ``V^T`` are the principal directions,
    and the variance along direction i is ``S_i^2 / (m - 1)``. Each direction's sign is
    arbitrary; we make its largest-magnitude entry positive (scikit-learn's convention).

    Args:
        X: (m, n) data, one example per row.
        n_components: how many directions to keep, 1 <= n_components <= min(m, n).

    Returns:
        ``(components (k, n), explained_variance_ratio (k,))``: orthonormal rows, sorted by
        the fraction of the total variance each explains. Project with
        ``(X - X.mean(0)) @ components.T``.
    """
    X = _as_2d(X, "X")
    m, n = X.shape
    limit = f"min(examples, features) of X = min({m}, {n})"
    n_components = check_int("n_components", n_components, min=1, max=min(m, n), note=limit)
    Xc = X - X.mean(0)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    variance = S**2  # proportional to the variance along each direction
    if variance.sum() == 0:
        raise ValueError("X has zero variance: every row is the same, there is no direction")
    components = Vt[:n_components]
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(1)])
    return components * signs[:, None], variance[:n_components] / variance.sum()
