"""The small support modules: device, seeding, data, plot."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import dlcourse
from dlcourse import data, device, plot


def test_best_device_is_usable():
    dev = device.best()
    assert dev.type in {"cuda", "mps", "cpu"}
    assert torch.ones(2, device=dev).sum().item() == 2.0
    if torch.cuda.is_available():
        assert dev.type == "cuda"
    assert dev.type in device.describe(dev)


def test_available_devices_end_with_the_cpu_and_start_with_the_best():
    found = device.available()
    assert found[-1] == torch.device("cpu") and found[0] == device.best()
    assert (torch.device("cuda") in found) == torch.cuda.is_available()


def test_seed_everything_repeats_numpy_and_torch():
    rng = dlcourse.seed_everything(3)
    a = (rng.random(3), np.random.rand(3), torch.rand(3))
    rng = dlcourse.seed_everything(3)
    b = (rng.random(3), np.random.rand(3), torch.rand(3))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"seed": -1}, ValueError), ({"threads": 0}, ValueError), ({"seed": 1.5}, TypeError)],
)
def test_seed_everything_rejects_bad_values(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        dlcourse.seed_everything(**kwargs)


def test_seed_everything_leaves_hash_seeding_alone():
    # PYTHONHASHSEED only acts when Python starts: setting it at run time would pretend.
    before = os.environ.get("PYTHONHASHSEED")
    dlcourse.seed_everything(7)
    assert os.environ.get("PYTHONHASHSEED") == before


def test_linear_data_is_seeded_and_shaped():
    X1, y1, W1 = data.linear_data(m=20, n=3, seed=5)
    X2, y2, W2 = data.linear_data(m=20, n=3, seed=5)
    assert X1.shape == (20, 3) and y1.shape == (20,) and W1.shape == (3,)
    np.testing.assert_array_equal(y1, y2)
    with pytest.raises(ValueError, match=r"W must have shape \(3,\)"):
        data.linear_data(n=3, W=np.ones(2))


def test_house_prices_follow_their_truth():
    X, price = data.house_prices(m=5000, noise=0.0, seed=1)
    t = data.HOUSE_PRICE_TRUTH
    expected = t["base"] + X @ np.array([t["area_m2"], t["rooms"], t["age_years"]])
    np.testing.assert_allclose(price, expected)
    assert X[:, 1].min() >= 1 and X[:, 1].max() <= 6


def test_digits_and_split():
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data.train_val_test_split(X, y, val=0.2, test=0.1)
    assert len(Xtr) + len(Xva) + len(Xte) == 1797
    assert len(Xte) == 180 and len(Xva) == 359
    # Disjoint: every example lands in exactly one split.
    rows = {r.tobytes() for r in np.vstack([Xtr, Xva, Xte])}
    assert len(rows) == len({r.tobytes() for r in X})
    with pytest.raises(ValueError, match="same length"):
        data.train_val_test_split(X, y[:-1])
    with pytest.raises(ValueError, match="val [+] test"):
        data.train_val_test_split(X, y, val=0.6, test=0.5)


def test_show_requires_alt_text():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt must describe the figure"):
        plot.show(fig, alt="  ")
    plot.show(fig, alt="an empty axis")  # outside a notebook: plt.show() on Agg, then closed
    assert not plt.get_fignums()
