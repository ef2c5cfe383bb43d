"""Generated datasets: a linear relation, a house-price table, clusters, a picture.

Every function draws from a seeded generator (or from formulas), so the same call returns the
same data on every machine.
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import (
    check_array,
    check_int,
    check_interval,
    check_real,
    check_seed,
    check_size,
)

__all__ = ["HOUSE_PRICE_TRUTH", "blobs", "house_prices", "linear_data", "toy_image"]


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
    m, n = check_int("m", m, min=1), check_int("n", n, min=1)
    check_size(f"X of shape (m, n) = ({m}, {n})", m * n)
    noise, b = check_real("noise", noise, min=0), check_real("b", b)
    rng = np.random.default_rng(check_seed("seed", seed))
    W = rng.standard_normal(n) if W is None else check_array("W", W)
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
    m = check_int("m", m, min=1)
    check_size(f"X of shape (m, 3) with m={m}", 3 * m)
    noise = check_real("noise", noise, min=0)
    rng = np.random.default_rng(check_seed("seed", seed))
    area = rng.uniform(40, 200, m)
    rooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, m)), 1, 6)
    age = rng.uniform(0, 80, m)
    t = HOUSE_PRICE_TRUTH
    price = (
        t["base"]
        + t["area_m2"] * area
        + t["rooms"] * rooms
        + t["age_years"] * age
        + noise * rng.standard_normal(m)
    )
    return np.column_stack([area, rooms, age]), price


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
    m = check_int("m", m, min=1)
    std, box = check_real("std", std, min=0), check_interval("box", box)
    rng = np.random.default_rng(check_seed("seed", seed))
    if isinstance(centers, (int, np.integer, bool, float)):
        centers = check_int("centers", centers, min=1)
        n_features = check_int("n_features", n_features, min=1)
        check_size(f"centers={centers} of n_features={n_features}", centers * n_features)
        centers = rng.uniform(box[0], box[1], size=(centers, n_features))
    centers = check_array("centers", centers, ndim=2, shape="(c, n_features), or an int")
    if m < len(centers):
        raise ValueError(f"m must be >= the number of centres ({len(centers)}); got m={m}")
    check_size(f"X of shape (m, n_features) = ({m}, {centers.shape[1]})", m * centers.shape[1])
    y = rng.permutation(np.arange(m) % len(centers))
    X = centers[y] + std * rng.standard_normal((m, centers.shape[1]))
    return X, y.astype(np.int64)


def toy_image(height: int = 48, width: int = 64) -> np.ndarray:
    """A small synthetic colour picture: a blue sky, a yellow sun, green hills, a house.

    Made from formulas (no file, no download), so that a page can show an image as a tensor.

    Args:
        height, width: size in pixels, each ``>= 8``.

    Returns:
        A float32 array of shape (height, width, 3): rows, columns, then the red, green and
        blue brightness of each pixel, in [0, 1].
    """
    H, W = check_int("height", height, min=8), check_int("width", width, min=8)
    check_size(f"an image of height x width = {H} x {W} pixels, 3 colours", 3 * H * W)
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
