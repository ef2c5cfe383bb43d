"""dlcourse.metrics against scikit-learn: random cases, ties, edge cases and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.model_selection import KFold

from dlcourse import metrics

labels_pairs = st.integers(1, 60).flatmap(
    lambda m: st.tuples(
        st.lists(st.integers(0, 4), min_size=m, max_size=m),
        st.lists(st.integers(0, 4), min_size=m, max_size=m),
    )
)


def _sk(function, *args, **kwargs):
    """Call scikit-learn with its undefined-metric warnings silenced (we test the values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return function(*args, **kwargs)


@settings(max_examples=60, deadline=None)
@given(labels_pairs)
def test_accuracy_and_confusion_matrix_match_sklearn(pair):
    y_true, y_pred = map(np.array, pair)
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    C = metrics.confusion_matrix(y_true, y_pred, num_classes=5)
    np.testing.assert_array_equal(C, skm.confusion_matrix(y_true, y_pred, labels=range(5)))
    assert C.sum() == len(y_true)


def test_confusion_matrix_rows_are_the_truth():
    C = metrics.confusion_matrix([0, 0, 1, 2], [1, 1, 1, 2])
    np.testing.assert_array_equal(C, [[0, 2, 0], [0, 1, 0], [0, 0, 1]])
    # The default size is max label + 1 over both arrays: a class seen only in y_pred counts.
    assert metrics.confusion_matrix([0, 0], [0, 3]).shape == (4, 4)


@settings(max_examples=60, deadline=None)
@given(labels_pairs, st.sampled_from(["macro", "micro", None]), st.sampled_from([0.0, 1.0]))
def test_precision_recall_f1_match_sklearn_multiclass(pair, average, zero_division):
    y_true, y_pred = map(np.array, pair)
    ours = metrics.precision_recall_f1(y_true, y_pred, average, zero_division=zero_division)
    p, r, f, _ = _sk(
        skm.precision_recall_fscore_support,
        y_true,
        y_pred,
        average=average,
        zero_division=zero_division,
    )
    for a, b in zip(ours, (p, r, f), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda m: st.tuples(
            st.lists(st.integers(0, 1), min_size=m, max_size=m),
            st.lists(st.integers(0, 1), min_size=m, max_size=m),
        )
    ),
    st.sampled_from([0.0, 1.0]),
)
def test_precision_recall_f1_match_sklearn_binary(pair, zero_division):
    y_true, y_pred = map(np.array, pair)
    ours = metrics.precision_recall_f1(y_true, y_pred, zero_division=zero_division)
    theirs = (
        _sk(skm.precision_score, y_true, y_pred, zero_division=zero_division),
        _sk(skm.recall_score, y_true, y_pred, zero_division=zero_division),
        _sk(skm.f1_score, y_true, y_pred, zero_division=zero_division),
    )
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_class_never_predicted_takes_the_zero_division_value():
    y_true = np.array([0, 1, 1, 0, 1])
    y_pred = np.zeros(5, dtype=int)  # class 1 is never predicted: TP + FP = 0
    for zero_division in (0.0, 1.0):
        p, r, f1 = metrics.precision_recall_f1(y_true, y_pred, zero_division=zero_division)
        assert p == zero_division  # undefined precision takes the chosen value
        assert r == 0.0 and f1 == 0.0  # recall and F1 are defined: 0 of 3 positives found
        with pytest.warns(UndefinedMetricWarning):  # scikit-learn's default warns
            assert (
                skm.precision_score(y_true, y_pred)
                == metrics.precision_recall_f1(y_true, y_pred)[0]
            )
    p, _, _ = metrics.precision_recall_f1(y_true, y_pred, zero_division=np.nan)
    assert np.isnan(p)


def test_micro_average_is_accuracy_for_single_label_problems():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
    p, r, f1 = metrics.precision_recall_f1(y_true, y_pred, "micro")
    assert p == r == f1 == pytest.approx(metrics.accuracy(y_true, y_pred))


scored = st.integers(2, 60).flatmap(
    lambda m: st.tuples(
        st.lists(st.integers(0, 1), min_size=m, max_size=m).filter(lambda y: 0 < sum(y) < len(y)),
        # Few distinct values, so that ties between scores are common.
        st.lists(st.integers(-3, 3).map(lambda v: v / 2), min_size=m, max_size=m),
    )
)


@settings(max_examples=80, deadline=None)
@given(scored, st.booleans())
def test_roc_curve_and_auc_match_sklearn(pair, drop_intermediate):
    y_true, scores = map(np.array, pair)
    fpr, tpr, thr = metrics.roc_curve(y_true, scores, drop_intermediate=drop_intermediate)
    sk_fpr, sk_tpr, sk_thr = skm.roc_curve(y_true, scores, drop_intermediate=drop_intermediate)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_array_equal(thr, sk_thr)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert metrics.roc_auc(y_true, scores) == pytest.approx(skm.roc_auc_score(y_true, scores))


@settings(max_examples=80, deadline=None)
@given(scored)
def test_precision_recall_curve_and_average_precision_match_sklearn(pair):
    y_true, scores = map(np.array, pair)
    ours_all = metrics.precision_recall_curve(y_true, scores)
    theirs_all = skm.precision_recall_curve(y_true, scores)
    for ours, theirs in zip(ours_all, theirs_all, strict=True):
        np.testing.assert_allclose(ours, theirs)
    assert metrics.average_precision(y_true, scores) == pytest.approx(
        skm.average_precision_score(y_true, scores)
    )


def test_auc_is_the_probability_a_positive_outranks_a_negative():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    scores = rng.normal(size=300).round(1) + y  # rounded: many ties
    pos, neg = scores[y == 1], scores[y == 0]
    pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    assert metrics.roc_auc(y, scores) == pytest.approx(pairs.mean())


def test_perfect_and_reversed_scores():
    y = np.array([0, 0, 1, 1])
    assert metrics.roc_auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.roc_auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert metrics.average_precision(y, [0.1, 0.2, 0.8, 0.9]) == 1.0


@pytest.mark.parametrize("only", [0, 1])
def test_roc_with_a_single_class_raises(only):
    with pytest.raises(ValueError, match=f"both classes.*only class {only}"):
        metrics.roc_curve(np.full(5, only), np.arange(5.0))
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc(np.full(5, only), np.arange(5.0))


@pytest.mark.parametrize(
    "n, k, shuffle, seed", [(10, 2, True, 0), (11, 3, True, 7), (100, 5, False, 0), (7, 7, True, 3)]
)
def test_kfold_matches_sklearn(n, k, shuffle, seed):
    folds = metrics.kfold_indices(n, k, shuffle=shuffle, seed=seed)
    splitter = KFold(k, shuffle=shuffle, random_state=seed if shuffle else None)
    assert len(folds) == k
    for (train, val), (sk_train, sk_val) in zip(folds, splitter.split(np.zeros(n)), strict=True):
        np.testing.assert_array_equal(train, sk_train)
        np.testing.assert_array_equal(val, sk_val)
    every_val = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(every_val), np.arange(n))  # each example once
    for train, val in folds:
        assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == n


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.accuracy([0, 1], [0, 1, 1]), "same length; got 2 and 3"),
        (lambda: metrics.accuracy([], []), "y_true must not be empty"),
        (lambda: metrics.accuracy([0.5, 1], [0, 1]), "y_true must hold whole-number labels"),
        (lambda: metrics.confusion_matrix([-1, 0], [0, 0]), r"y_true must hold labels in \[0,"),
        (lambda: metrics.confusion_matrix([0, 3], [0, 0], num_classes=3), "num_classes must be >"),
        # A label that is not a class index would ask for a 10**6 x 10**6 matrix (7.28 TiB).
        (lambda: metrics.confusion_matrix([0, 10**6], [0, 1]), "num_classes=1000001"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], num_classes=10**5), "num_classes="),
        (lambda: metrics.accuracy([0, np.nan], [0, 1]), "y_true must be finite"),
        (lambda: metrics.precision_recall_f1([0, 1, 2], [0, 1, 2]), "at most 2 labels"),
        (lambda: metrics.precision_recall_f1([0, 1], [0, 1], average="weighted"), "average"),
        (lambda: metrics.precision_recall_f1([0, 2], [0, 2]), "pos_label=1"),
        (lambda: metrics.precision_recall_f1([0, 1], [0, 1], zero_division=0.5), "zero_division"),
        (lambda: metrics.roc_curve([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (lambda: metrics.roc_curve([0, 1], [0.1]), "shape"),
        (lambda: metrics.roc_curve([0, 1], [0.1, np.nan]), "finite"),
        (lambda: metrics.precision_recall_curve([0, 0], [0.1, 0.2]), "at least one positive"),
        (lambda: metrics.kfold_indices(10, 1), "k must be"),
        (lambda: metrics.kfold_indices(3, 5), "k must be at most n.*got k=5, n=3"),
        (lambda: metrics.kfold_indices(10**6, 10**6), "folds of n"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], num_classes=2.7), "num_classes"),
        (lambda: metrics.kfold_indices(10, 2.5), "k must be an integer"),
        (lambda: metrics.kfold_indices(10, True), "k must be an integer"),
        (lambda: metrics.kfold_indices(10, 2, shuffle="yes"), "shuffle must be True or False"),
        (lambda: metrics.accuracy(["a", "b"], [0, 1]), "y_true must be an array of real"),
        (lambda: metrics.precision_recall_f1([0, 1], [0, 1], zero_division="1"), "zero_division"),
    ],
)
def test_a_wrong_type_raises_a_clear_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# ---- confidence intervals ------------------------------------------------------------------


def test_wilson_interval_known_values_and_edges():
    # 0 of 10: the Wilson upper end is z^2 / (n + z^2) = 3.8415 / 13.8415
    low, high = metrics.binomial_ci(0, 10)
    assert low == 0.0 and abs(high - 0.27753) < 1e-4
    low, high = metrics.binomial_ci(10, 10)
    assert high == 1.0 and abs(low - (1 - 0.27753)) < 1e-4
    # symmetric under swapping successes and failures
    a, b = metrics.binomial_ci(13, 40, 0.9), metrics.binomial_ci(27, 40, 0.9)
    assert np.allclose(a, (1 - b[1], 1 - b[0]))
    # large n: the textbook p +- 1.96 sqrt(p (1 - p) / n)
    low, high = metrics.binomial_ci(9_000, 10_000)
    half = 1.959964 * np.sqrt(0.9 * 0.1 / 10_000)
    assert abs(low - (0.9 - half)) < 5e-4 and abs(high - (0.9 + half)) < 5e-4


def test_wilson_interval_covers_the_true_proportion_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    for p, n in [(0.9, 300), (0.5, 50), (0.02, 500)]:
        draws = rng.binomial(n, p, size=4000)
        intervals = [metrics.binomial_ci(int(k), n) for k in draws]
        covered = np.mean([lo <= p <= hi for lo, hi in intervals])
        assert 0.93 < covered < 0.97, (p, n, covered)


def test_bootstrap_interval_of_accuracy_is_close_to_wilsons():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, 2000)
    y_pred = np.where(rng.random(2000) < 0.85, y_true, (y_true + 1) % 3)
    hits = int(np.sum(y_true == y_pred))
    boot = metrics.bootstrap_ci(metrics.accuracy, y_true, y_pred, n_resamples=2000, seed=0)
    wilson = metrics.binomial_ci(hits, 2000)
    assert np.allclose(boot, wilson, atol=4e-3)
    assert boot[0] < hits / 2000 < boot[1]
    again = metrics.bootstrap_ci(metrics.accuracy, y_true, y_pred, n_resamples=2000, seed=0)
    assert again == boot  # the seed fixes the resamples


def test_bootstrap_takes_scores_for_a_ranking_metric():
    rng = np.random.default_rng(2)
    y_true = (rng.random(400) < 0.3).astype(int)
    scores = y_true + rng.normal(size=400)
    low, high = metrics.bootstrap_ci(metrics.roc_auc, y_true, scores, n_resamples=300)
    assert low < metrics.roc_auc(y_true, scores) < high and high - low < 0.2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.binomial_ci(11, 10), "successes must be an integer <= 10"),
        (lambda: metrics.binomial_ci(3, 0), "n must be an integer >= 1"),
        (lambda: metrics.binomial_ci(3, 10, level=1.0), "level must be"),
        (lambda: metrics.bootstrap_ci(metrics.accuracy, [0, 1], [0]), "same length"),
        (lambda: metrics.bootstrap_ci(metrics.accuracy, [0, 1], [0, 1], level=0), "level"),
        (lambda: metrics.bootstrap_ci(metrics.accuracy, [], []), "y_true must not be empty"),
    ],
)
def test_bad_interval_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
