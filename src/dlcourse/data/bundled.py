"""Real datasets that ship inside scikit-learn: loaded from disk, never downloaded."""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_bool

__all__ = ["digits", "wine"]


def digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits that ship inside scikit-learn (no download).

    Returns:
        ``(X, y)``: X (1797, 64) float pixels, divided by 16 into [0, 1] when ``scale``;
        y (1797,) integer labels 0 to 9. ``X[i].reshape(8, 8)`` is the image.
    """
    scale = check_bool("scale", scale)
    from sklearn.datasets import load_digits  # here: importing scikit-learn takes a while

    bunch = load_digits()
    X = bunch.data.astype(np.float64)
    return (X / 16.0 if scale else X), bunch.target.astype(np.int64)


def wine() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The wine recognition data that ships inside scikit-learn (no download).

    178 wines from three cultivars, 13 chemical measurements in their raw units, which differ
    wildly in scale (proline runs to about 1700, hue stays near 1).

    Returns:
        ``(X, y, feature_names)``: X (178, 13) floats, y (178,) integer cultivar 0 to 2.
    """
    from sklearn.datasets import load_wine

    bunch = load_wine()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64), list(bunch.feature_names)
