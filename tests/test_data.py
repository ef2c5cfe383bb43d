"""Tests of the datasets in dlcourse.data that Part I adds (straight line, reviews, image)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse import data


def test_straight_line_is_the_lecture_dataset():
    X, y = data.straight_line()
    assert X.shape == (100, 1) and y.shape == (100, 1)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
    # The lecture builds it as torch.arange(0, 1, 0.01) and weight * X + bias.
    expected_X = torch.arange(0, 1, 0.01).unsqueeze(1)
    torch.testing.assert_close(X, expected_X)
    torch.testing.assert_close(y, 0.3 * expected_X + 0.9)


@settings(max_examples=25, deadline=None)
@given(
    weight=st.floats(-5, 5),
    bias=st.floats(-5, 5),
    n=st.integers(2, 300),
    start=st.floats(-10, 10),
    width=st.floats(0.1, 10),
)
def test_straight_line_points_lie_on_the_line(weight, bias, n, start, width):
    X, y = data.straight_line(weight, bias, n=n, start=start, stop=start + width)
    assert X.shape == (n, 1)
    assert float(X[0, 0]) == pytest.approx(start, abs=1e-5)
    assert float(X[-1, 0]) < start + width
    assert torch.all(X[1:] > X[:-1])
    torch.testing.assert_close(y, weight * X + bias, atol=1e-4, rtol=1e-5)


def test_straight_line_noise_is_seeded_and_has_the_requested_spread():
    X, y1 = data.straight_line(noise=0.05, n=2000, seed=3)
    _, y2 = data.straight_line(noise=0.05, n=2000, seed=3)
    _, y3 = data.straight_line(noise=0.05, n=2000, seed=4)
    torch.testing.assert_close(y1, y2)
    assert not torch.equal(y1, y3)
    residual = y1 - (0.3 * X + 0.9)
    assert abs(float(residual.std()) - 0.05) < 0.005


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "n must be an integer >= 2; got 1"),
        ({"n": 2.5}, "n must be an integer >= 2; got 2.5"),
        ({"start": 1.0, "stop": 1.0}, "start must be smaller than stop; got start=1.0, stop=1.0"),
        ({"noise": -0.1}, "noise must be >= 0; got -0.1"),
    ],
)
def test_straight_line_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        data.straight_line(**kwargs)


def test_split_train_test_keeps_order_by_default():
    X, y = data.straight_line()
    X_train, y_train, X_test, y_test = data.split_train_test(X, y)
    assert len(X_train) == 80 and len(X_test) == 20
    torch.testing.assert_close(torch.cat([X_train, X_test]), X)
    torch.testing.assert_close(torch.cat([y_train, y_test]), y)
    assert float(X_train.max()) < float(X_test.min())  # the test set is to the right


@pytest.mark.parametrize("as_torch", [False, True])
def test_split_train_test_shuffles_rows_together(as_torch):
    X = np.arange(50.0).reshape(25, 2)
    y = X[:, 0] * 10
    if as_torch:
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    X_train, y_train, X_test, y_test = data.split_train_test(X, y, train=0.6, shuffle=True, seed=1)
    assert type(X_train) is type(X)
    assert len(X_train) == 15 and len(X_test) == 10
    for Xs, ys in ((X_train, y_train), (X_test, y_test)):
        assert np.allclose(np.asarray(Xs)[:, 0] * 10, np.asarray(ys))  # pairs stay together
    rows = sorted(np.asarray(X_train)[:, 0].tolist() + np.asarray(X_test)[:, 0].tolist())
    assert rows == np.asarray(X)[:, 0].tolist()  # every row lands in exactly one set
    assert np.asarray(X_train)[:, 0].tolist() != sorted(np.asarray(X_train)[:, 0].tolist())


def test_split_train_test_rejects_bad_input():
    X, y = np.zeros((10, 1)), np.zeros(10)
    with pytest.raises(ValueError, match="same length; got 10 and 9"):
        data.split_train_test(X, y[:9])
    with pytest.raises(ValueError, match="strictly between 0 and 1; got 1.0"):
        data.split_train_test(X, y, train=1.0)
    with pytest.raises(ValueError, match="leaves an empty set"):
        data.split_train_test(X[:2], y[:2], train=0.1)


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
    with pytest.raises(ValueError, match=r"negated must be a probability in \[0, 1\]; got 1.5"):
        data.toy_reviews(negated=1.5)


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


@pytest.mark.parametrize(("height", "width"), [(7, 20), (20, 4), (10.5, 20)])
def test_toy_image_rejects_tiny_or_fractional_sizes(height, width):
    with pytest.raises(ValueError, match=f"integers >= 8; got {height} x {width}"):
        data.toy_image(height, width)
