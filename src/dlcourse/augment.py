"""Data augmentation for small images stored as flat rows: shifted and noisy copies, in NumPy.

A digit moved by one pixel, or drawn with a little sensor noise, is still the same digit, so each
copy is a new labelled example for free. The digits of ``dlcourse.data.digits`` are rows of 64
pixels; ``X[i].reshape(8, 8)`` is the image.
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_array, check_int, check_real, check_seed, describe

__all__ = ["augment", "shift", "unflatten"]

# The four one-pixel moves (rows, columns): down, up, right, left.
ONE_PIXEL_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _pair(name: str, value, low: tuple, high: tuple, note: str = "") -> tuple[int, int]:
    """Two integers, each in [low_i, high_i]: an image shape or a move."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of integers; got {describe(value)}")
    return tuple(
        check_int(f"{name}[{i}]", v, min=lo, max=hi, note=note)
        for i, (v, lo, hi) in enumerate(zip(value, low, high, strict=True))
    )


def unflatten(X: np.ndarray, image_shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Flat images X (m, H * W), checked (finite, of the right width), as (m, H, W) images.

    ``image_shape`` is (H, W), each >= 1.
    """
    H, W = _pair("image_shape", image_shape, (1, 1), (None, None))
    X = check_array("X", X, ndim=2, shape=f"(m, {H * W})")
    if X.shape[1] != H * W:
        raise ValueError(f"X must have shape (m, {H * W}) for image_shape={(H, W)}; got {X.shape}")
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
    images = unflatten(X, image_shape)
    _, H, W = images.shape
    where = f"a move smaller than image_shape={(H, W)}"
    rows = check_int("rows", rows, min=1 - H, max=H - 1, note=where)
    cols = check_int("cols", cols, min=1 - W, max=W - 1, note=where)
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
    images = unflatten(X, image_shape)
    H, W = images.shape[1:]
    y = np.asarray(y)
    if y.shape != (len(images),):
        raise ValueError(f"y must have shape ({len(images)},), a label per row of X; got {y.shape}")
    if not isinstance(shifts, (tuple, list)):
        raise TypeError(f"shifts must be a list of (rows, cols) pairs; got {describe(shifts)}")
    for i, move in enumerate(shifts):
        _pair(f"shifts[{i}]", move, (1 - H, 1 - W), (H - 1, W - 1), f"image_shape={(H, W)}")
    noise = check_real("noise", noise, min=0)  # NaN would silently add no noise at all
    rng = np.random.default_rng(check_seed("seed", seed))
    copies = []
    for rows, cols in shifts:
        moved = shift(X, rows, cols, image_shape)
        if noise > 0:
            moved = np.clip(moved + noise * rng.standard_normal(moved.shape), 0.0, 1.0)
        copies.append(moved)
    X_aug = np.concatenate([images.reshape(len(y), -1), *copies])
    return X_aug, np.tile(y, 1 + len(shifts))
