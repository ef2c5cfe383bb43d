"""Datasets the book generates or loads from what installed packages already carry.

Nothing here downloads: every function either draws from a seeded generator or reads a dataset
that ships inside scikit-learn.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "linear_data",
    "house_prices",
    "digits",
    "train_val_test_split",
    "straight_line",
    "split_train_test",
    "toy_reviews",
    "REVIEW_WORDS",
    "toy_image",
    "blobs",
    "wine",
]


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


# --- Part I: the PyTorch workflow, bag-of-words sentiment, an image as a tensor ----------------


def straight_line(
    weight: float = 0.3,
    bias: float = 0.9,
    n: int = 100,
    start: float = 0.0,
    stop: float = 1.0,
    noise: float = 0.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points on the line ``y = weight * x + bias``, as float32 torch column vectors.

    ``x`` runs evenly from ``start`` (included) to ``stop`` (excluded) in ``n`` steps, so the
    defaults give ``x = 0.00, 0.01, ..., 0.99``: ``torch.arange(0, 1, 0.01)``, the lecture's
    dataset.

    Args:
        weight, bias: the true slope and intercept a model should recover.
        n: number of points, ``>= 2``.
        start, stop: the interval of x, ``start < stop``.
        noise: standard deviation of Gaussian noise added to y (0 gives an exact line).
        seed: seed of the noise generator (unused when ``noise == 0``).

    Returns:
        ``(X, y)``, both float32 tensors of shape (n, 1): one example per row, one feature.
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n}")
    if not start < stop:
        raise ValueError(f"start must be smaller than stop; got start={start}, stop={stop}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    X = start + (stop - start) * torch.arange(int(n), dtype=torch.float64) / n
    y = weight * X + bias
    if noise > 0:
        generator = torch.Generator().manual_seed(seed)
        y = y + noise * torch.randn(int(n), generator=generator, dtype=torch.float64)
    return X.float().unsqueeze(1), y.float().unsqueeze(1)


def split_train_test(X, y, train: float = 0.8, shuffle: bool = False, seed: int = 0) -> tuple:
    """Cut ``(X, y)`` into a training and a test set; works on NumPy arrays and torch tensors.

    Without ``shuffle`` the first ``train`` fraction of the rows is the training set and the
    rest the test set: on ``straight_line`` data the test points lie to the right of every
    training point, so the test measures extrapolation.

    Args:
        X: (m, ...) inputs; y: (m, ...) targets with the same first dimension.
        train: fraction of the m rows for training, strictly between 0 and 1; both sets get at
            least one row.
        shuffle: permute the rows (with ``seed``) before cutting.

    Returns:
        ``(X_train, y_train, X_test, y_test)``, of the same type as the inputs.
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}")
    if not 0 < train < 1:
        raise ValueError(f"train must be a fraction strictly between 0 and 1; got {train}")
    m = len(X)
    cut = int(round(train * m))
    if not 0 < cut < m:
        raise ValueError(
            f"train={train} of {m} rows leaves an empty set; need at least one row in each"
        )
    if shuffle:
        order = np.random.default_rng(seed).permutation(m)
        if isinstance(X, torch.Tensor):
            order = torch.from_numpy(order).to(X.device)
        X, y = X[order], y[order]
    return X[:cut], y[:cut], X[cut:], y[cut:]


# The vocabulary of ``toy_reviews``: adjectives carry the polarity, "not" flips it.
REVIEW_WORDS = {
    "subjects": ["film", "food", "service", "plot", "music", "room", "staff", "coffee"],
    "positive": ["good", "great", "excellent", "lovely", "fine", "nice"],
    "negative": ["bad", "awful", "boring", "poor", "terrible", "dull"],
    "endings": ["", " overall", " today", " again", " this time"],
}


def toy_reviews(n: int = 400, negated: float = 0.5, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Short generated reviews whose sentiment hinges on the word "not".

    Each review reads ``"the <subject> was [not] <adjective>[ <ending>]"``. Its label is 1
    (positive) when a positive adjective is not negated or a negative one is negated, and 0
    otherwise: the label is the XOR of "the adjective is positive" and "the word not occurs".

    Args:
        n: number of reviews, ``>= 1``.
        negated: probability that a review contains "not", in [0, 1].
        seed: seed of the generator.

    Returns:
        ``(texts, labels)``: a list of n strings and an int64 array of shape (n,) with 0 or 1.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1; got {n}")
    if not 0 <= negated <= 1:
        raise ValueError(f"negated must be a probability in [0, 1]; got {negated}")
    rng = np.random.default_rng(seed)
    words = REVIEW_WORDS
    texts, labels = [], np.zeros(int(n), dtype=np.int64)
    for i in range(int(n)):
        positive = bool(rng.random() < 0.5)
        negation = bool(rng.random() < negated)
        adjective = rng.choice(words["positive"] if positive else words["negative"])
        subject = rng.choice(words["subjects"])
        ending = rng.choice(words["endings"])
        texts.append(f"the {subject} was {'not ' if negation else ''}{adjective}{ending}")
        labels[i] = int(positive != negation)
    return texts, labels


def toy_image(height: int = 48, width: int = 64) -> np.ndarray:
    """A small synthetic colour picture: a blue sky, a yellow sun, green hills, a house.

    Made from formulas (no file, no download), so that a page can show an image as a tensor.

    Args:
        height, width: size in pixels, each ``>= 8``.

    Returns:
        A float32 array of shape (height, width, 3): rows, columns, then the red, green and
        blue brightness of each pixel, in [0, 1].
    """
    if int(height) != height or int(width) != width or height < 8 or width < 8:
        raise ValueError(f"height and width must be integers >= 8; got {height} x {width}")
    H, W = int(height), int(width)
    rows = np.linspace(0.0, 1.0, H)[:, None]  # (H, 1): 0 at the top, 1 at the bottom
    cols = np.linspace(0.0, 1.0, W)[None, :]  # (1, W): 0 at the left, 1 at the right
    image = np.zeros((H, W, 3))
    # Sky: a vertical gradient from deep to pale blue.
    image[..., 0] = 0.25 + 0.45 * rows
    image[..., 1] = 0.45 + 0.40 * rows
    image[..., 2] = np.broadcast_to(0.95 - 0.10 * rows, (H, W))
    # Sun: a disc in the upper right (aspect ratio corrected so it is round).
    sun = (cols - 0.78) ** 2 * (W / H) ** 2 + (rows - 0.22) ** 2 < 0.12**2
    image[sun] = (1.0, 0.85, 0.2)
    # Hills: everything below a sine curve is green, darker further down.
    hills = rows > 0.62 + 0.08 * np.sin(2 * np.pi * 1.3 * cols)
    shade = np.broadcast_to(1.0 - 0.5 * rows, (H, W))[hills]
    image[hills] = np.stack([0.15 * shade, 0.65 * shade, 0.2 * shade], axis=-1)
    # House on the hill at the left: a red wall under a dark brown roof.
    wall = (cols > 0.18) & (cols < 0.36) & (rows > 0.52) & (rows < 0.78)
    image[wall] = (0.8, 0.15, 0.1)
    roof = (rows > 0.36) & (rows <= 0.52) & (np.abs(cols - 0.27) * (W / H) < 0.9 * (rows - 0.36))
    image[roof] = (0.35, 0.2, 0.1)
    return image.astype(np.float32)
