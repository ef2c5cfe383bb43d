"""The two tasks of the transfer-learning chapter, made from scikit-learn's digits (no download).

The *source* task is made from the 901 images of the digits 0 to 4: each image turned by 0, 1,
2 or 3 quarter turns and jittered (a small random rotation, scale and shift); by default the
label is the pair (digit, quarter turns), 20 classes. The *target* task is the digits 5 to 9
with only a few labels per class.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dlcourse.checks import MAX_COUNT, check_bool, check_int, check_seed, check_size

__all__ = ["source_task", "target_task"]


def _digit_images(low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    from dlcourse.data import digits

    X, y = digits()
    keep = (y >= low) & (y <= high)
    return X[keep].reshape(-1, 1, 8, 8).astype(np.float32), y[keep] - low


def _jitter(x: torch.Tensor, generator: torch.Generator, degrees: float = 15.0) -> torch.Tensor:
    """Each image of (N, 1, H, W) turned by up to ``degrees``, scaled by 0.9 to 1.1 and
    moved by up to an eighth of its side, bilinearly resampled, zero outside."""
    n = len(x)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * np.radians(degrees)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    move = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.25  # in [-1, 1] coordinates
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, move[:, 0]], 1), torch.stack([sin, cos, move[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def source_task(
    copies: int = 3,
    rotations: bool = True,
    jitter: bool = True,
    seed: int = 0,
    turn_labels: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The pretraining data, made from the 901 images of digits 0 to 4.

    Args:
        copies: jittered copies of each (image, quarter turn) pair, ``>= 1``.
        rotations: every image at 0, 1, 2 and 3 quarter turns; ``False``: upright images only.
        jitter: a small random rotation, scale and shift of every copy.
        seed: seed of the jitter.
        turn_labels: with ``rotations``, label (digit, quarter turns), 20 classes
            (``4 * digit + turns``); ``False``: the digit alone, 5 classes, whatever the turn.
            Without ``rotations`` the label is always the digit.

    Returns:
        ``(X, y)``: X (m, 1, 8, 8) float32 in [0, 1], y (m,) int64;
        m = 901 * copies * (4 if rotations else 1).
    """
    copies = check_int("copies", copies, min=1, max=MAX_COUNT)
    rotations = check_bool("rotations", rotations)
    jitter = check_bool("jitter", jitter)
    turn_labels = check_bool("turn_labels", turn_labels)
    check_size("copies (images of 8x8 pixels)", 901 * 4 * copies * 64)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    images, digits = _digit_images(0, 4)
    base = torch.as_tensor(images)
    X, y = [], []
    for turns in range(4 if rotations else 1):
        turned = torch.rot90(base, turns, dims=(2, 3))
        for _ in range(copies):
            X.append(_jitter(turned, generator) if jitter else turned)
            y.append(digits * 4 + turns if rotations and turn_labels else digits)
    X = torch.cat(X).clamp(0, 1).numpy()
    return X, np.concatenate(y).astype(np.int64)


def target_task(labels_per_class: int, seed: int = 0, n_test: int = 400) -> dict[str, np.ndarray]:
    """The digits 5 to 9 (labels 0 to 4): a few labelled images, the rest unlabelled, a test set.

    The test set (the same for every seed) is ``n_test`` images; of the other 500, ``seed``
    draws ``labels_per_class`` labelled images per class; the rest are "unlabelled" (their
    labels are returned too, to measure pseudo-labels, never to train).

    Returns:
        dict with ``X_train (5k, 1, 8, 8)``, ``y_train (5k,)``, ``X_unlabelled``,
        ``y_unlabelled``, ``X_test (n_test, 1, 8, 8)``, ``y_test``.
    """
    images, labels = _digit_images(5, 9)
    n_test = check_int("n_test", n_test, min=1, max=len(images) - 100)
    k = check_int("labels_per_class", labels_per_class, min=1, max=20)
    order = np.random.default_rng(0).permutation(len(images))
    test, pool = order[:n_test], order[n_test:]
    rng = np.random.default_rng(check_seed("seed", seed))
    chosen = np.concatenate(
        [rng.choice(pool[labels[pool] == c], k, replace=False) for c in range(5)]
    )
    rest = np.setdiff1d(pool, chosen)
    return {
        "X_train": images[chosen], "y_train": labels[chosen],
        "X_unlabelled": images[rest], "y_unlabelled": labels[rest],
        "X_test": images[test], "y_test": labels[test],
    }  # fmt: skip
