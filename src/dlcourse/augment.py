"""Data augmentation for small images stored as flat rows: shifted and noisy copies, in NumPy.

A digit moved by one pixel, or drawn with a little sensor noise, is still the same digit, so each
copy is a new labelled example for free. The digits of ``dlcourse.data.digits`` are rows of 64
pixels; ``X[i].reshape(8, 8)`` is the image.
"""

from __future__ import annotations

import numpy as np

__all__ = ["augment", "shift"]

# The four one-pixel moves (rows, columns): down, up, right, left.
ONE_PIXEL_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _images(X: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    H, W = image_shape
    if X.ndim != 2 or X.shape[1] != H * W:
        raise ValueError(
            f"X must have shape (m, {H * W}) for images of shape {image_shape}; got {X.shape}"
        )
    return X.reshape(-1, H, W)


def shift(X: np.ndarray, rows: int, cols: int, image_shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Move every image ``rows`` pixels down and ``cols`` pixels right, filling with zeros.

    Args:
        X: (m, H * W) flat images.
        rows, cols: the move; negative values move up or left. Pixels pushed off the edge
            are lost (unlike ``np.roll``, nothing wraps around).
        image_shape: (H, W).

    Returns:
        (m, H * W) shifted images.
    """
    images = _images(X, image_shape)
    H, W = image_shape
    if abs(rows) >= H or abs(cols) >= W:
        raise ValueError(
            f"a shift must be smaller than the image {image_shape}; got {(rows, cols)}"
        )
    out = np.zeros_like(images)
    # Destination and source windows of the part of the image that stays inside the frame.
    out[:, max(rows, 0) : H + min(rows, 0), max(cols, 0) : W + min(cols, 0)] = images[
        :, max(-rows, 0) : H + min(-rows, 0), max(-cols, 0) : W + min(-cols, 0)
    ]
    return out.reshape(len(images), H * W)


def augment(
    X: np.ndarray,
    y: np.ndarray,
    shifts: tuple[tuple[int, int], ...] = ONE_PIXEL_SHIFTS,
    noise: float = 0.0,
    image_shape: tuple[int, int] = (8, 8),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The original examples followed by one shifted copy per entry of ``shifts``.

    Args:
        X: (m, H * W) flat images with pixels in [0, 1]; y: (m,) labels.
        shifts: (rows, cols) moves, one copy of the whole set per move.
        noise: standard deviation of Gaussian noise added to the copies (not to the
            originals), clipped back into [0, 1].
        seed: seed of the noise.

    Returns:
        ``(X_aug, y_aug)``: ((1 + len(shifts)) * m, H * W) and ((1 + len(shifts)) * m,).
    """
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    rng = np.random.default_rng(seed)
    copies = []
    for rows, cols in shifts:
        moved = shift(X, rows, cols, image_shape)
        if noise > 0:
            moved = np.clip(moved + noise * rng.standard_normal(moved.shape), 0.0, 1.0)
        copies.append(moved)
    X_aug = np.concatenate([_images(X, image_shape).reshape(len(y), -1), *copies])
    return X_aug, np.tile(y, 1 + len(shifts))
