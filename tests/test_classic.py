"""dlcourse.classic against scikit-learn: k-nearest neighbours, k-means and PCA."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from dlcourse import classic, data


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Small matrices: BLAS and OpenMP threads cost more than they give on a shared 2-core box.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def digits():
    return data.digits()


# --- k-nearest neighbours --------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5, 15])
def test_knn_matches_sklearn_on_blobs(k):
    X, y = data.blobs(300, 4, std=2.5, seed=1)  # overlapping clusters: many close votes
    Q = np.random.default_rng(2).uniform(-10, 10, (200, 2))
    expected = KNeighborsClassifier(k, algorithm="brute").fit(X, y).predict(Q)
    np.testing.assert_array_equal(classic.knn_predict(X, y, Q, k), expected)


def test_knn_matches_sklearn_on_digits(digits):
    X, y = digits
    (X_tr, y_tr), _, (X_te, y_te) = data.train_val_test_split(X, y, 0.0, 0.2, seed=0)
    mine = classic.knn_predict(X_tr, y_tr, X_te, k=5)
    np.testing.assert_array_equal(mine, KNeighborsClassifier(5).fit(X_tr, y_tr).predict(X_te))
    assert (mine == y_te).mean() > 0.95


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 9), st.integers(2, 4))
def test_knn_matches_sklearn_random(seed, k, n_classes):
    rng = np.random.default_rng(seed)
    X, Q = rng.normal(size=(40, 3)), rng.normal(size=(15, 3))
    y = rng.integers(0, n_classes, 40)
    expected = KNeighborsClassifier(k, algorithm="brute").fit(X, y).predict(Q)
    np.testing.assert_array_equal(classic.knn_predict(X, y, Q, k), expected)


def test_knn_vote_tie_goes_to_smallest_label():
    X = np.array([[-1.0], [1.0]])
    assert classic.knn_predict(X, np.array([7, 3]), np.array([[0.0]]), k=2)[0] == 3
    assert classic.knn_predict(X, np.array(["b", "a"]), np.array([[0.0]]), k=2)[0] == "a"


def test_knn_distance_tie_goes_to_earlier_training_point():
    X = np.array([[-1.0], [1.0], [5.0]])
    assert classic.knn_predict(X, np.array([4, 2, 2]), np.array([[0.0]]), k=1)[0] == 4


def test_knn_training_points_predict_their_own_label_with_k1():
    X, y = data.blobs(50, 3, seed=3)
    np.testing.assert_array_equal(classic.knn_predict(X, y, X, k=1), y)


def test_knn_bad_input():
    X, y = np.zeros((5, 3)), np.zeros(5)
    with pytest.raises(ValueError, match=r"3 features.*got 2"):
        classic.knn_predict(X, y, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"k must be an integer <= 5 \(X_train has 5 rows\)"):
        classic.knn_predict(X, y, np.zeros((2, 3)), k=6)
    with pytest.raises(TypeError, match=r"k must be an integer.*got 2.5"):
        classic.knn_predict(X, y, np.zeros((2, 3)), k=2.5)
    with pytest.raises(TypeError, match=r"k must be an integer.*got True"):
        classic.knn_predict(X, y, np.zeros((2, 3)), k=True)
    with pytest.raises(ValueError, match=r"y_train must have shape \(5,\)"):
        classic.knn_predict(X, np.zeros(4), np.zeros((2, 3)), k=1)
    with pytest.raises(ValueError, match="2-D"):
        classic.knn_predict(np.zeros(5), y, np.zeros((2, 3)))


# --- k-means ---------------------------------------------------------------------------------


def _sklearn_inertia(X, k):
    return KMeans(k, n_init=10, random_state=0).fit(X).inertia_


def test_kmeans_inertia_within_1_percent_of_sklearn_on_blobs():
    X, _ = data.blobs(500, 5, std=1.5, seed=4)
    centers, labels = classic.kmeans(X, 5, seed=0)
    assert classic.inertia(X, centers, labels) <= 1.01 * _sklearn_inertia(X, 5)


def test_kmeans_inertia_within_1_percent_of_sklearn_on_digits(digits):
    X, _ = digits
    centers, labels = classic.kmeans(X, 10, seed=0)
    assert classic.inertia(X, centers, labels) <= 1.01 * _sklearn_inertia(X, 10)


def test_kmeans_result_is_a_fixed_point():
    X, _ = data.blobs(200, 3, std=2.0, seed=5)
    centers, labels = classic.kmeans(X, 4, seed=1)
    assert centers.shape == (4, 2) and labels.shape == (200,)
    # every point is with its nearest centre, and every centre is the mean of its points
    np.testing.assert_array_equal(labels, classic.squared_distances(X, centers).argmin(1))
    for j in range(4):
        np.testing.assert_allclose(centers[j], X[labels == j].mean(0))


def test_kmeans_edge_cases_and_determinism():
    X, _ = data.blobs(30, 2, seed=6)
    centers, labels = classic.kmeans(X, 1)
    np.testing.assert_allclose(centers[0], X.mean(0))
    centers, labels = classic.kmeans(X, 30)  # one point per cluster: nothing left to explain
    assert classic.inertia(X, centers, labels) == pytest.approx(0.0, abs=1e-12)
    a, b = classic.kmeans(X, 3, seed=7), classic.kmeans(X, 3, seed=7)
    np.testing.assert_array_equal(a[1], b[1])


def test_lloyd_never_increases_inertia():
    X, _ = data.blobs(300, 4, std=2.0, seed=8)
    start = X[:4]  # a poor start: four arbitrary points
    _, _, history = classic.lloyd(X, start)
    scores = [classic.inertia(X, c, classic.squared_distances(X, c).argmin(1)) for c in history]
    assert len(history) >= 3
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(scores))


def test_kmeans_plus_plus_picks_distinct_data_points():
    X, _ = data.blobs(100, 3, seed=9)
    centers = classic.kmeans_plus_plus(X, 5, np.random.default_rng(0))
    assert len({tuple(c) for c in centers}) == 5
    assert all((X == c).all(1).any() for c in centers)


def test_kmeans_bad_input():
    with pytest.raises(ValueError, match=r"k must be an integer <= 3 \(X has 3 points\); got 4"):
        classic.kmeans(np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match=r"k must be an integer >= 1 \(X has 3 points\); got 0"):
        classic.kmeans(np.zeros((3, 2)), 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        classic.kmeans(np.zeros((3, 2)), 1.5)
    with pytest.raises(ValueError, match="X must be finite; got 1 NaN"):
        classic.kmeans(np.array([[0.0, np.nan], [1.0, 2.0]]), 1)
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1; got -1"):
        classic.kmeans(np.zeros((3, 2)), 1, max_iter=-1)
    with pytest.raises(ValueError, match="labels must be"):
        classic.inertia(np.zeros((3, 2)), np.zeros((2, 2)), np.array([0, 1, 2]))


# --- PCA -------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 10, 40])
def test_pca_matches_sklearn_on_digits(digits, k):
    X, _ = digits
    components, ratio = classic.pca(X, k)
    reference = PCA(k).fit(X)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, rtol=0, atol=1e-8)
    # equal up to the sign of each direction; compare only well-separated directions
    # (two directions with almost equal variance can rotate into each other)
    signs = np.sign((components * reference.components_).sum(1))
    np.testing.assert_allclose(components * signs[:, None], reference.components_, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(2, 8))
def test_pca_matches_sklearn_random(seed, m, n):
    X = np.random.default_rng(seed).normal(size=(m, n)) * np.arange(1, n + 1)
    k = min(m, n)
    components, ratio = classic.pca(X, k)
    np.testing.assert_allclose(ratio, PCA(k).fit(X).explained_variance_ratio_, atol=1e-8)
    np.testing.assert_allclose(components @ components.T, np.eye(k), atol=1e-10)
    assert np.all(np.diff(ratio) <= 1e-12)


def test_pca_all_components_explain_everything():
    X, _ = data.blobs(50, 2, n_features=4, seed=10)
    _, ratio = classic.pca(X, 4)
    assert ratio.sum() == pytest.approx(1.0)


def test_pca_bad_input():
    with pytest.raises(ValueError, match=r"<= 3 \(min\(examples, features\) of X = min\(10, 3\)\)"):
        classic.pca(np.random.default_rng(0).normal(size=(10, 3)), 4)
    with pytest.raises(ValueError, match="n_components must be .*got 0"):
        classic.pca(np.ones((10, 3)), 0)
    with pytest.raises(TypeError, match="n_components must be an integer.*got 1.5"):
        classic.pca(np.ones((10, 3)), 1.5)
    with pytest.raises(ValueError, match="zero variance"):
        classic.pca(np.ones((10, 3)), 1)


# --- data helpers ----------------------------------------------------------------------------


def test_blobs_shapes_balance_and_seed():
    X, y = data.blobs(301, 3, n_features=5, seed=11)
    assert X.shape == (301, 5) and y.shape == (301,)
    assert sorted(np.bincount(y)) == [100, 100, 101]
    np.testing.assert_array_equal(X, data.blobs(301, 3, n_features=5, seed=11)[0])
    X, y = data.blobs(400, np.array([[0.0, 0.0], [10.0, 0.0]]), std=0.5, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(0), [10.0, 0.0], atol=0.1)
    with pytest.raises(ValueError, match=r"m must be >= the number of centres \(3\); got m=2"):
        data.blobs(2, 3)


def test_wine():
    X, y, names = data.wine()
    assert X.shape == (178, 13) and set(y) == {0, 1, 2} and len(names) == 13


def test_squared_distances_far_from_the_origin_keep_ties_and_digits():
    # |a|^2 - 2 a.b + |b|^2 at 1e6 from the origin leaves only a few digits of a distance of 3;
    # shifting both sets by a point of B first keeps the three-way tie exact.
    query = np.array([[1e6 + 0.1, 1e6 + 0.7]])
    around = query + np.array([[3.0, 0.0], [0.0, -3.0], [-3.0, 0.0]])
    np.testing.assert_array_equal(classic.squared_distances(query, around), [[9.0, 9.0, 9.0]])
    rng = np.random.default_rng(0)
    A, B = 1e8 + rng.standard_normal((5, 3)), 1e8 + rng.standard_normal((4, 3))
    exact = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(classic.squared_distances(A, B), exact, rtol=1e-6)
