"""Classification metrics and k-fold splits from scratch, in NumPy.

They give the same numbers as scikit-learn.

Labels are integers ``0 .. K-1`` (binary problems: 0 = negative, 1 = positive). Scores are any
real numbers where larger means "more positive" (a probability, a logit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from dlcourse.checks import (
    check_array,
    check_bool,
    check_callable,
    check_count,
    check_in,
    check_int,
    check_labels,
    check_real,
    check_same_length,
    check_seed,
    check_size,
    describe,
)

__all__ = [
    "accuracy",
    "average_precision",
    "binomial_ci",
    "bootstrap_ci",
    "confusion_matrix",
    "kfold_indices",
    "precision_recall_curve",
    "precision_recall_f1",
    "roc_auc",
    "roc_curve",
]


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two (m,) arrays of integer labels >= 0 of the same length."""
    y_true, y_pred = check_labels("y_true", y_true), check_labels("y_pred", y_pred)
    check_same_length("y_true and y_pred", y_true, y_pred)
    return y_true, y_pred


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the truth; y_true and y_pred are (m,) labels."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int | None = None
) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of true class i predicted as class j (rows = truth).

    Args:
        y_true, y_pred: (m,) integer labels in ``0 .. num_classes - 1``.
        num_classes: K, an integer >= 1; default ``max(label) + 1`` over both arrays. Pass it
            when some classes may be absent from the labels.

    Returns:
        (K, K) int64 matrix; ``C.sum() == m`` and the diagonal holds the correct predictions.

    Raises:
        ValueError: a label ``>= num_classes``, or a K whose K * K cells exceed
            ``dlcourse.checks.MAX_ELEMENTS`` (about 10,000 classes): a label such as 10**6
            is then almost surely an id or a score, not a class index, and the matrix would
            not fit in memory.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    largest = int(max(y_true.max(), y_pred.max()))
    if num_classes is None:
        K = largest + 1
    else:
        K = check_int("num_classes", num_classes, min=1)
        if K <= largest:
            raise ValueError(f"num_classes must be > every label; got {K} for label {largest}")
    check_size(f"a confusion matrix of num_classes={K} (K * K cells)", K * K)
    # One bincount over the pair index i * K + j counts every cell at once.
    return np.bincount(y_true * K + y_pred, minlength=K * K).reshape(K, K)


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    """num / den, with ``zero_division`` wherever den == 0 (a ratio that is undefined)."""
    out = np.full(np.shape(num), float(zero_division))
    np.divide(num, den, out=out, where=den != 0)
    return out


def precision_recall_f1(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: str | None = "binary",
    pos_label: int = 1,
    zero_division: float = 0.0,
) -> tuple:
    """Precision TP / (TP + FP), recall TP / (TP + FN) and F1, their harmonic mean.

    Args:
        y_true, y_pred: (m,) integer labels.
        average: ``"binary"``: the scores of class ``pos_label`` (at most two labels allowed);
            ``"macro"``: per-class scores, then their plain mean over the classes present in
            y_true or y_pred (every class counts the same, however rare); ``"micro"``: TP, FP,
            FN summed over classes first (equals the accuracy for single-label problems);
            ``None``: per-class arrays, one entry per class present, in sorted order.
        pos_label: the positive class for ``average="binary"``.
        zero_division: the value of a ratio whose denominator is 0, as scikit-learn's
            argument of the same name: a class never predicted has TP + FP = 0, so its
            precision is undefined. The default 0.0 is scikit-learn's ``"warn"`` value
            without the warning; 1.0 and ``np.nan`` are the other choices.
            F1 is ``2 TP / (2 TP + FP + FN)``, so it is 0, not undefined, when only
            precision is: ``zero_division`` reaches F1 only if TP + FP + FN = 0.

    Returns:
        ``(precision, recall, f1)``: floats, or (K,) arrays for ``average=None``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    average = check_in("average", average, ("binary", "macro", "micro", None))
    pos_label = check_int("pos_label", pos_label, min=0)
    is_number = isinstance(zero_division, (int, float, np.floating, np.integer))
    if isinstance(zero_division, bool) or not is_number:
        raise TypeError(f"zero_division must be 0.0, 1.0 or nan; got {describe(zero_division)}")
    if not (zero_division in (0.0, 1.0) or math.isnan(zero_division)):
        raise ValueError(f"zero_division must be 0.0, 1.0 or nan; got {zero_division}")
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs at most 2 labels; got {len(present)} ({present}). "
                "Use average='macro' or 'micro' for more classes."
            )
        if len(present) == 2 and pos_label not in present:
            raise ValueError(f"pos_label={pos_label} is not one of the labels {present}")
        classes = np.array([pos_label])
    else:  # "macro", "micro" or None
        classes = present

    # Per-class counts, each an array of shape (len(classes),).
    tp = np.array([np.sum((y_pred == c) & (y_true == c)) for c in classes], dtype=float)
    fp = np.array([np.sum((y_pred == c) & (y_true != c)) for c in classes], dtype=float)
    fn = np.array([np.sum((y_pred != c) & (y_true == c)) for c in classes], dtype=float)
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    precision = _divide(tp, tp + fp, zero_division)
    recall = _divide(tp, tp + fn, zero_division)
    f1 = _divide(2 * tp, 2 * tp + fp + fn, zero_division)
    if average is None:
        return precision, recall, f1
    return float(np.mean(precision)), float(np.mean(recall)), float(np.mean(f1))


def _binary_scores(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = check_labels("y_true", y_true)
    scores = check_array("scores", scores, ndim=1, shape="(m,)")
    if scores.shape != y_true.shape:
        raise ValueError(f"scores must have the shape of y_true {y_true.shape}; got {scores.shape}")
    if np.any(y_true > 1):
        raise ValueError(f"y_true must be binary (0 or 1); got labels {np.unique(y_true)}")
    return y_true, scores


def _counts_at_thresholds(
    y_true: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FP and TP when predicting "positive" for ``scores >= t``, for each distinct score t.

    Returns ``(fps, tps, thresholds)``, each (d,), thresholds in decreasing order.
    """
    order = np.argsort(scores, kind="mergesort")[::-1]  # highest score first
    scores, y_true = scores[order], y_true[order]
    # The last index of each run of equal scores: tied examples switch to positive together.
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tps = np.cumsum(y_true)[last].astype(float)
    fps = (last + 1) - tps
    return fps, tps, scores[last]


def roc_curve(
    y_true: np.ndarray, scores: np.ndarray, drop_intermediate: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ROC curve: false-positive rate against true-positive rate, threshold by threshold.

    Args:
        y_true: (m,) labels 0 or 1, both present.
        scores: (m,) scores, larger = more positive.
        drop_intermediate: drop points on straight segments (as scikit-learn does by default);
            the curve and its area do not change.

    Returns:
        ``(fpr, tpr, thresholds)``, each (d + 1,): the curve starts at (0, 0) with threshold
        ``inf`` (nothing predicted positive) and ends at (1, 1).
    """
    y_true, scores = _binary_scores(y_true, scores)
    drop_intermediate = check_bool("drop_intermediate", drop_intermediate)
    if len(np.unique(y_true)) < 2:
        raise ValueError(
            f"roc_curve needs both classes in y_true; got only class {y_true[0]}: with no "
            "positives (or no negatives) the true- (or false-) positive rate is 0/0"
        )
    fps, tps, thresholds = _counts_at_thresholds(y_true, scores)
    if drop_intermediate and len(fps) > 2:
        # A point is a corner if the slope changes there (non-zero second difference).
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds]


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids): the probability that a random positive scores
    above a random negative, ties counted half. Arguments as in ``roc_curve``."""
    fpr, tpr, _ = roc_curve(y_true, scores, drop_intermediate=False)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def precision_recall_curve(
    y_true: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at every distinct threshold, in scikit-learn's order.

    Args:
        y_true: (m,) labels 0 or 1 with at least one positive; scores: (m,).

    Returns:
        ``(precision, recall, thresholds)``: precision and recall (d + 1,), thresholds (d,)
        increasing; recall decreases along the arrays and the last point is (recall 0,
        precision 1), which has no threshold.
    """
    y_true, scores = _binary_scores(y_true, scores)
    if not np.any(y_true == 1):
        raise ValueError("precision_recall_curve needs at least one positive in y_true; got none")
    fps, tps, thresholds = _counts_at_thresholds(y_true, scores)
    precision = tps / (tps + fps)  # tps + fps >= 1: each threshold predicts something
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall step curve: sum over thresholds of
    (recall gained) x (precision there). Arguments as in ``precision_recall_curve``."""
    precision, recall, _ = precision_recall_curve(y_true, scores)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def kfold_indices(
    n: int, k: int, shuffle: bool = True, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(n)`` into k folds; each fold is the validation set once.

    The first ``n % k`` folds get one extra example. With ``shuffle`` the order comes from
    ``np.random.RandomState(seed)``, the generator scikit-learn's ``KFold(k, shuffle=True,
    random_state=seed)`` uses, so the folds are the same as its folds.

    Returns:
        k pairs ``(train_idx, val_idx)``: sorted int arrays that partition ``range(n)``.
    """
    k, n = check_int("k", k, min=2), check_int("n", n, min=0)
    if n < k:
        raise ValueError(f"k must be at most n, so every fold gets an example; got k={k}, n={n}")
    check_size(f"k = {k} folds of n = {n} indices", n * k)
    shuffle, seed = check_bool("shuffle", shuffle), check_seed("seed", seed)
    order = np.random.RandomState(seed).permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    folds, start = [], 0
    for size in sizes:
        val_idx = order[start : start + size]
        in_val = np.zeros(n, dtype=bool)
        in_val[val_idx] = True
        folds.append((np.flatnonzero(~in_val), np.flatnonzero(in_val)))
        start += size
    return folds


def binomial_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: ``successes`` of ``n`` independent trials.

    An accuracy measured on ``n`` test examples is such a proportion (each example is right or
    wrong). With ``p = successes / n`` and ``z`` the normal quantile for ``level``, the interval
    is ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``: close to the textbook
    ``p +- z sqrt(p(1-p)/n)`` for large ``n``, but it stays inside [0, 1] and does not shrink
    to a point when ``p`` is 0 or 1.

    Returns:
        ``(low, high)``, the interval at confidence ``level`` (for example 0.95).
    """
    n = check_int("n", n, min=1)
    successes = check_int("successes", successes, min=0, max=n, note=f"n = {n} trials")
    level = check_real("level", level, min=0, max=1, min_open=True, max_open=True)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = 0.0 if successes == 0 else max(0.0, center - half)  # exact ends, not 1e-17 off
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric(y_true, y_pred)`` over the test examples.

    Draws ``n_resamples`` test sets of the same size from the examples, with replacement,
    computes the metric on each, and returns the middle ``level`` of those values. It works for
    any metric (F1, recall, ROC AUC, ...), where no formula for the error is at hand.

    Args:
        metric: ``metric(y_true, y_pred) -> float``, e.g. ``accuracy`` or ``roc_auc``.
        y_true: (m,) labels; y_pred: (m,) predictions or scores, whatever ``metric`` takes.
        n_resamples: how many resampled test sets (1,000 is usual).
        level: the confidence level, in (0, 1).
        seed: seed of the resampling.

    Returns:
        ``(low, high)``: the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles.
    """
    check_callable("metric", metric)
    y_true = check_labels("y_true", y_true)
    y_pred = check_array("y_pred", y_pred, ndim=1, shape="(m,)", dtype=None)  # labels or scores
    m = check_same_length("y_true and y_pred", y_true, y_pred)
    n_resamples = check_count("n_resamples", n_resamples)
    check_size(f"n_resamples * m = {n_resamples} * {m} drawn indices", n_resamples * m)
    level = check_real("level", level, min=0, max=1, min_open=True, max_open=True)
    rng = np.random.default_rng(check_seed("seed", seed))
    values = np.empty(n_resamples)
    for i in range(n_resamples):
        idx = rng.integers(0, m, size=m)  # one test set of m examples, drawn with replacement
        values[i] = metric(y_true[idx], y_pred[idx])
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)
