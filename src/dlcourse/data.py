"""Datasets the book generates or loads from what installed packages already carry.

Nothing here downloads: every function either draws from a seeded generator or reads a dataset
that ships inside scikit-learn.
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear_data", "house_prices", "digits", "train_val_test_split", "blobs", "wine"]


def linear_data(
    m: int = 100,
    n: int = 1,
    noise: float = 0.1,
    seed: int = 0,
    W: np.ndarray | None = None,
    b: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``y = X @ W + b + noise`` with ``X`` uniform in [0, 1).

    Args:
        m: number of examples.
        n: number of features.
        noise: standard deviation of the Gaussian noise added to ``y``.
        seed: seed of the generator, so the same call returns the same data.
        W: (n,) true weights; drawn from a standard normal when ``None``.
        b: true bias.

    Returns:
        ``(X, y, W)``: X (m, n), y (m,), and the true W (n,).
    """
    if m < 1 or n < 1:
        raise ValueError(f"m and n must be >= 1; got m={m}, n={n}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(n) if W is None else np.asarray(W, dtype=float)
    if W.shape != (n,):
        raise ValueError(f"W must have shape ({n},); got {W.shape}")
    X = rng.random((m, n))
    y = X @ W + b + noise * rng.standard_normal(m)
    return X, y, W


# Price = base + per_m2 * area + per_room * rooms - per_year * age, in thousands.
HOUSE_PRICE_TRUTH = {"base": 50.0, "area_m2": 3.0, "rooms": 10.0, "age_years": -0.8}


def house_prices(m: int = 200, noise: float = 20.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic house-price table: 3 features, a price in thousands.

    Columns of ``X``: living area in m^2 (40 to 200), number of rooms (1 to 6), age in years
    (0 to 80). The price follows ``HOUSE_PRICE_TRUTH`` plus Gaussian noise of std ``noise``.

    Returns:
        ``(X, price)``: X (m, 3) in raw units, price (m,).
    """
    if m < 1:
        raise ValueError(f"m must be >= 1; got {m}")
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, m)
    rooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, m)), 1, 6)
    age = rng.uniform(0, 80, m)
    t = HOUSE_PRICE_TRUTH
    price = (
        t["base"] + t["area_m2"] * area + t["rooms"] * rooms + t["age_years"] * age
        + noise * rng.standard_normal(m)
    )
    return np.column_stack([area, rooms, age]), price


def digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits that ship inside scikit-learn (no download).

    Returns:
        ``(X, y)``: X (1797, 64) float pixels, divided by 16 into [0, 1] when ``scale``;
        y (1797,) integer labels 0 to 9. ``X[i].reshape(8, 8)`` is the image.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64)
    return (X / 16.0 if scale else X), bunch.target.astype(np.int64)


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle once and cut into train, validation and test sets.

    Args:
        X: (m, ...) inputs; y: (m, ...) targets with the same first dimension.
        val, test: fractions of m for the validation and test sets, each in [0, 1).

    Returns:
        ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}")
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"val and test must be in [0, 1) with val + test < 1; got {val}, {test}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test, n_val = int(round(test * len(X))), int(round(val * len(X)))
    test_idx, val_idx, train_idx = np.split(order, [n_test, n_test + n_val])
    return (X[train_idx], y[train_idx]), (X[val_idx], y[val_idx]), (X[test_idx], y[test_idx])


def blobs(
    m: int = 300,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    std: float = 1.0,
    box: tuple[float, float] = (-8.0, 8.0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Round Gaussian clusters, as many points in each (give or take one), in shuffled order.

    Args:
        m: number of points.
        centers: how many clusters (their centres then drawn uniformly in ``box`` along each
            feature), or the (c, n_features) centres themselves.
        n_features: dimension of each point (ignored when ``centers`` is an array).
        std: standard deviation of every cluster along every feature.
        box: range of the randomly drawn centres.
        seed: seed of the generator.

    Returns:
        ``(X, y)``: X (m, n_features) points, y (m,) the cluster each point was drawn from.
    """
    rng = np.random.default_rng(seed)
    if np.ndim(centers) == 0:
        if int(centers) < 1:
            raise ValueError(f"centers must be >= 1; got {centers}")
        centers = rng.uniform(box[0], box[1], size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"centers must be an int or a (c, n_features) array; got {centers.shape}")
    if m < len(centers) or std < 0:
        raise ValueError(f"need m >= number of centres and std >= 0; got m={m}, std={std}")
    y = rng.permutation(np.arange(m) % len(centers))
    X = centers[y] + std * rng.standard_normal((m, centers.shape[1]))
    return X, y.astype(np.int64)


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
