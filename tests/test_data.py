"""Tests of dlcourse.data: the split, the generated reviews and picture."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse import data


def test_the_package_keeps_one_import_path_and_one_function_per_job():
    # dlcourse.data is a package of themed modules; everything is importable from it.
    assert {"linear_data", "train_val_test_split", "digits", "toy_reviews"} <= set(data.__all__)
    for gone in ("straight_line", "split_train_test"):  # one line generator, one split
        assert not hasattr(data, gone)


def line(n=100):
    """The lecture's straight line, as chapter 5 builds it."""
    X = torch.arange(n).unsqueeze(1) / n
    return X, 0.3 * X + 0.9


def test_split_without_shuffle_keeps_the_order():
    X, y = line()
    (X_train, y_train), (X_val, y_val), (X_test, y_test) = data.train_val_test_split(
        X, y, val=0.0, test=0.2, shuffle=False
    )
    assert type(X_train) is torch.Tensor and len(X_train) == 80 and len(X_test) == 20
    assert len(X_val) == len(y_val) == 0
    torch.testing.assert_close(torch.cat([X_train, X_test]), X)
    torch.testing.assert_close(torch.cat([y_train, y_test]), y)
    assert float(X_train.max()) < float(X_test.min())  # the test set is to the right
    (X_train, _), (X_val, _), (X_test, _) = data.train_val_test_split(
        X, y, val=0.1, test=0.2, shuffle=False
    )
    assert float(X_val.min()) > float(X_train.max()) and float(X_test.min()) > float(X_val.max())


@pytest.mark.parametrize("as_torch", [False, True])
def test_split_shuffles_rows_together(as_torch):
    X = np.arange(50.0).reshape(25, 2)
    y = X[:, 0] * 10
    if as_torch:
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    splits = data.train_val_test_split(X, y, val=0.2, test=0.2, seed=1)
    assert [len(Xs) for Xs, _ in splits] == [15, 5, 5]
    for Xs, ys in splits:
        assert type(Xs) is type(X)
        assert np.allclose(np.asarray(Xs)[:, 0] * 10, np.asarray(ys))  # pairs stay together
    rows = sorted(r for Xs, _ in splits for r in np.asarray(Xs)[:, 0].tolist())
    assert rows == np.asarray(X)[:, 0].tolist()  # every row lands in exactly one set
    X_train = np.asarray(splits[0][0])[:, 0].tolist()
    assert X_train != sorted(X_train)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": np.zeros(9)}, ValueError, "X and y must have the same length; got 10 and 9"),
        ({"test": 1.0}, ValueError, r"test must be a finite real number in \[0, 1\); got 1.0"),
        ({"val": 0.6, "test": 0.5}, ValueError, "val [+] test must be < 1"),
        ({"val": 0.01}, ValueError, "val=0.01 of m=10 rows leaves the val set empty"),
        ({"val": float("nan")}, ValueError, "val must be"),
        ({"val": "0.1"}, TypeError, "val must be"),
        ({"shuffle": "no"}, TypeError, "shuffle must be True or False"),
        ({"seed": -1}, ValueError, "seed must be"),
        ({"X": 3.0}, TypeError, "X must be an array or tensor"),
    ],
)
def test_split_rejects_bad_input(kwargs, error, message):
    args = {"X": np.zeros((10, 1)), "y": np.zeros(10), **kwargs}
    with pytest.raises(error, match=message):
        data.train_val_test_split(**args)


def test_toy_reviews_labels_follow_the_negation_rule():
    texts, labels = data.toy_reviews(n=300, seed=5)
    assert len(texts) == 300 and labels.shape == (300,) and labels.dtype == np.int64
    positive, negative = set(data.REVIEW_WORDS["positive"]), set(data.REVIEW_WORDS["negative"])
    for text, label in zip(texts, labels, strict=True):
        words = text.split()
        assert words[0] == "the" and words[2] == "was"
        negated = "not" in words
        adjective = words[4] if negated else words[3]
        assert adjective in positive | negative
        assert label == int((adjective in positive) != negated)
    # Both classes and both forms occur, in roughly the requested proportions.
    assert 0.35 < labels.mean() < 0.65
    assert 0.35 < np.mean(["not" in t.split() for t in texts]) < 0.65


def test_toy_reviews_is_deterministic_and_respects_negated():
    t1, l1 = data.toy_reviews(n=20, seed=1)
    t2, l2 = data.toy_reviews(n=20, seed=1)
    assert t1 == t2 and np.array_equal(l1, l2)
    never, _ = data.toy_reviews(n=50, negated=0.0)
    always, _ = data.toy_reviews(n=50, negated=1.0)
    assert not any("not" in t.split() for t in never)
    assert all("not" in t.split() for t in always)


def test_toy_reviews_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must be an integer >= 1; got 0"):
        data.toy_reviews(n=0)
    with pytest.raises(ValueError, match=r"negated must be a finite real .* \[0, 1\]; got 1.5"):
        data.toy_reviews(negated=1.5)
    with pytest.raises(TypeError, match="n must be an integer"):
        data.toy_reviews(n=2.0)


@pytest.mark.parametrize(("height", "width"), [(8, 8), (48, 64), (30, 17)])
def test_toy_image_is_an_hwc_tensor_in_the_unit_interval(height, width):
    image = data.toy_image(height, width)
    assert image.shape == (height, width, 3)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_toy_image_has_sky_sun_and_grass_where_expected():
    image = data.toy_image(48, 64)
    top_left, bottom_left = image[0, 0], image[-1, 0]
    assert top_left[2] > top_left[0] and top_left[2] > top_left[1]  # blue sky
    assert bottom_left[1] > bottom_left[0] and bottom_left[1] > bottom_left[2]  # green grass
    sun = image[int(0.22 * 47), int(0.78 * 63)]
    assert sun[0] > 0.9 and sun[1] > 0.8 and sun[2] < 0.3  # yellow
    assert np.array_equal(image, data.toy_image(48, 64))  # no randomness


@pytest.mark.parametrize(
    ("height", "width", "error", "message"),
    [
        (7, 20, ValueError, "height must be an integer >= 8; got 7"),
        (20, 4, ValueError, "width must be an integer >= 8; got 4"),
        (10.5, 20, TypeError, "height must be an integer >= 8; got 10.5"),
        (10**6, 10**6, ValueError, "height x width"),
    ],
)
def test_toy_image_rejects_tiny_fractional_or_huge_sizes(height, width, error, message):
    with pytest.raises(error, match=message):
        data.toy_image(height, width)
