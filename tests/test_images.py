"""dlcourse.images: digits at 28x28, whole-pixel moves, and a loader that moves every batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse import augment, images, train


def test_upsample_keeps_the_frame_and_the_range():
    rng = np.random.default_rng(0)
    X = rng.random((5, 64))
    up = images.upsample(X)
    assert up.shape == (5, 1, 28, 28) and up.dtype == np.float32
    assert X.min() - 1e-6 <= up.min() and up.max() <= X.max() + 1e-6
    np.testing.assert_allclose(images.upsample(np.full((2, 64), 0.7)), 0.7, rtol=1e-6)
    # a bright left half stays on the left
    half = np.zeros((1, 8, 8))
    half[:, :, :4] = 1.0
    up = images.upsample(half.reshape(1, 64))[0, 0]
    assert up[:, :12].min() == pytest.approx(1.0) and up[:, 16:].max() == pytest.approx(0.0)
    assert images.upsample(X, size=16).shape == (5, 1, 16, 16)


def test_upsample_rejects_bad_input():
    with pytest.raises(
        ValueError,
        match=r"X must be a 2-D array of shape \(m, 64\); got shape \(3, 8, 8\)",
    ):
        images.upsample(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="size must be an integer >= 1; got 0"):
        images.upsample(np.zeros((3, 64)), size=0)


@pytest.mark.parametrize("rows,cols", [(2, 1), (-1, 0), (0, -3), (3, 3)])
def test_translate_agrees_with_augment_shift(rows, cols):
    X = np.random.default_rng(1).random((4, 64))
    moved = images.translate(X.reshape(4, 1, 8, 8), rows, cols)
    np.testing.assert_array_equal(moved.reshape(4, 64), augment.shift(X, rows, cols))


def test_translate_rejects_bad_input():
    with pytest.raises(ValueError, match=r"4-D array of shape \(N, C, H, W\); got shape \(8, 8\)"):
        images.translate(np.zeros((8, 8)), 1, 1)
    with pytest.raises(ValueError, match=r"rows must be an integer <= 7 \(a move .* 8x8\); got 8"):
        images.translate(np.zeros((1, 1, 8, 8)), 8, 0)


def test_random_translate_moves_each_image_by_an_allowed_amount():
    rng = np.random.default_rng(2)
    x = torch.tensor(rng.random((20, 2, 9, 7)), dtype=torch.float32)
    out = images.random_translate(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    moves = set()
    for n in range(len(x)):
        found = [
            (r, c)
            for r in range(-2, 3)
            for c in range(-2, 3)
            if np.array_equal(out[n].numpy(), images.translate(x[n : n + 1].numpy(), r, c)[0])
        ]
        assert len(found) == 1, f"image {n} is not one allowed move of its input"
        moves.add(found[0])
    assert len(moves) > 5  # the images moved independently
    again = images.random_translate(x, 2, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # the generator decides everything
    assert images.random_translate(x, 0) is x


def test_random_translate_rejects_bad_input():
    with pytest.raises(ValueError, match=r"4-D tensor \(N, C, H, W\); got shape \(3, 8, 8\)"):
        images.random_translate(torch.zeros(3, 8, 8), 1)
    with pytest.raises(
        ValueError, match=r"max_shift must be an integer <= 7 \(smaller than the side of x"
    ):
        images.random_translate(torch.zeros(1, 1, 8, 8), 8)


def test_random_shift_wraps_a_loader_and_feeds_fit():
    rng = np.random.default_rng(3)
    X, y = rng.random((50, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 50)
    loader = train.make_loader(X, y, 16)
    shifted = images.RandomShift(loader, max_shift=2, seed=0)
    assert len(shifted) == len(loader) == 4
    batches = list(shifted)
    assert [len(xb) for xb, _ in batches] == [16, 16, 16, 2]
    assert torch.equal(torch.cat([yb for _, yb in batches]), torch.as_tensor(y))
    assert not all(torch.equal(xb, ob) for (xb, _), (ob, _) in zip(batches, loader, strict=True))
    second_epoch = list(shifted)
    assert not torch.equal(batches[0][0], second_epoch[0][0])  # new moves every epoch
    replay = list(images.RandomShift(loader, max_shift=2, seed=0))
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(batches, replay, strict=True))
    with pytest.raises(ValueError, match="max_shift must be an integer >= 0; got -1"):
        images.RandomShift(loader, max_shift=-1)
