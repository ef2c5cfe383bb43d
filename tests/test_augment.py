"""dlcourse.augment: shifted copies move pixels without wrapping; augment keeps labels aligned."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse import augment


def _images(m=5, seed=0):
    return np.random.default_rng(seed).random((m, 64))


@pytest.mark.parametrize("rows, cols", [(1, 0), (-1, 0), (0, 1), (0, -1), (2, -3), (0, 0)])
def test_shift_is_np_roll_with_the_wrapped_edge_zeroed(rows, cols):
    X = _images()
    rolled = np.roll(X.reshape(-1, 8, 8), (rows, cols), axis=(1, 2))
    if rows > 0:
        rolled[:, :rows] = 0
    if rows < 0:
        rolled[:, rows:] = 0
    if cols > 0:
        rolled[:, :, :cols] = 0
    if cols < 0:
        rolled[:, :, cols:] = 0
    np.testing.assert_array_equal(augment.shift(X, rows, cols), rolled.reshape(-1, 64))


def test_shift_there_and_back_keeps_the_inside():
    X = _images()
    back = augment.shift(augment.shift(X, 1, 1), -1, -1).reshape(-1, 8, 8)
    np.testing.assert_array_equal(back[:, :7, :7], X.reshape(-1, 8, 8)[:, :7, :7])
    assert np.all(back[:, 7, :] == 0) and np.all(back[:, :, 7] == 0)


def test_shift_works_for_other_image_shapes():
    X = np.arange(12.0).reshape(1, 12)  # one 3x4 image
    out = augment.shift(X, 0, 1, image_shape=(3, 4)).reshape(3, 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 2], [0, 4, 5, 6], [0, 8, 9, 10]])


def test_augment_stacks_copies_with_their_labels():
    X, y = _images(6), np.arange(6)
    X_aug, y_aug = augment.augment(X, y)
    assert X_aug.shape == (30, 64) and y_aug.shape == (30,)
    np.testing.assert_array_equal(X_aug[:6], X)  # the originals come first, untouched
    np.testing.assert_array_equal(y_aug, np.tile(y, 5))
    for k, (rows, cols) in enumerate(augment.ONE_PIXEL_SHIFTS, start=1):
        np.testing.assert_array_equal(X_aug[6 * k : 6 * (k + 1)], augment.shift(X, rows, cols))


def test_augment_noise_is_seeded_clipped_and_spares_the_originals():
    X, y = _images(4), np.zeros(4, dtype=int)
    a, _ = augment.augment(X, y, noise=0.3, seed=1)
    b, _ = augment.augment(X, y, noise=0.3, seed=1)
    c, _ = augment.augment(X, y, noise=0.3, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a[:4], X)
    assert a.min() >= 0.0 and a.max() <= 1.0
    clean, _ = augment.augment(X, y)
    assert 0.1 < np.std(a[4:] - clean[4:]) < 0.3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: augment.shift(np.zeros((2, 63)), 1, 0), r"shape \(m, 64\)"),
        (lambda: augment.shift(np.zeros(64), 1, 0), r"shape \(m, 64\)"),
        (lambda: augment.shift(np.zeros((2, 64)), 8, 0), r"<= 7 \(a move smaller than image_shape"),
        (lambda: augment.augment(np.zeros((2, 64)), [0]), r"y must have shape \(2,\)"),
        (lambda: augment.augment(np.zeros((2, 64)), [0, 1], noise=-1), "noise"),
        # NaN compares False with everything: it used to skip the noise without a word.
        (lambda: augment.augment(np.zeros((2, 64)), [0, 1], noise=np.nan), "noise must be"),
        (lambda: augment.augment(np.zeros((2, 64)), [0, 1], shifts=[(9, 0)]), r"shifts\[0\]"),
        (lambda: augment.shift(np.full((2, 64), np.nan), 1, 0), "X must be finite"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: augment.shift(np.zeros((2, 64)), 1.5, 0), "rows must be an integer"),
        (lambda: augment.shift(np.zeros((2, 64)), 0, True), "cols must be an integer"),
        (lambda: augment.shift(np.zeros((2, 64)), 1, 0, image_shape=8), "image_shape must be"),
        (lambda: augment.augment(np.zeros((2, 64)), [0, 1], noise="0.1"), "noise must be"),
        (lambda: augment.augment(np.zeros((2, 64)), [0, 1], shifts=(1, 0)), r"shifts\[0\]"),
    ],
)
def test_wrong_types_raise_a_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()
