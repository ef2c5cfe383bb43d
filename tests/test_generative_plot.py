"""dlcourse.generative_plot: chapter 13's figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import generative_plot  # noqa: E402

RNG = np.random.default_rng(0)
DIGITS = RNG.random((3, 64))


def test_mosaic_places_each_digit_in_its_cell():
    picture = generative_plot.mosaic([DIGITS, DIGITS[::-1]])
    assert picture.shape == (20, 30)
    np.testing.assert_array_equal(picture[1:9, 11:19], DIGITS[1].reshape(8, 8))
    np.testing.assert_array_equal(picture[11:19, 1:9], DIGITS[2].reshape(8, 8))
    assert picture[0].sum() == 0  # the one-pixel frame
    with pytest.raises(ValueError, match="rows must all hold as many digits"):
        generative_plot.mosaic([DIGITS, DIGITS[:2]])


def test_each_figure_helper_draws_its_panels():
    figs = [
        generative_plot.code_size_panels([2, 4], [0.1, 0.05], [0.2, 0.1], [DIGITS], ["x"]),
        generative_plot.code_map(RNG.normal(size=(6, 2)), np.array([0, 1, 2] * 2)),
        generative_plot.image_strip(DIGITS, ["a", "b", "c"]),
        generative_plot.anomaly_panels(
            np.array([0.1, 0.2, 0.8]), np.array([0, 0, 1]), [0, 1], [0, 1], 0.9
        ),
        generative_plot.vae_panels(RNG.random((100, 64)), RNG.random((100, 64)), 2.0),
        generative_plot.tradeoff([0.5, 1.0], [20.0, 21.0], [3.0, 2.0]),
    ]
    assert [len(fig.axes) for fig in figs] == [2, 1, 3, 2, 2, 1]
    assert len(figs[5].axes[0].texts) == 2  # one "β = ..." label per point
    for fig in figs:
        plt.close(fig)


def test_posterior_contours_zoom_on_the_densities():
    z = np.linspace(-5, 5, 101)
    bump = np.exp(-((z[None, :] - 1) ** 2 + z[:, None] ** 2) / 0.1)
    fig = generative_plot.posterior_contours(z, z, {"p": bump, "q": bump}, point=[1.0, 0.0])
    low, high = fig.axes[0].get_xlim()
    assert -0.5 < low < 1 < high < 2.5
    plt.close(fig)


def test_gan_figures_name_a_missing_step():
    fakes = {0: RNG.normal(size=(10, 2))}
    fig = generative_plot.gan_snapshots(
        RNG.normal(size=(20, 2)), {"good": fakes}, [0], {"good": {0: 1}}
    )
    assert fig.axes[0].get_title() == "step 0: 1/8 modes"
    plt.close(fig)
    with pytest.raises(ValueError, match="steps must be in runs"):
        generative_plot.gan_snapshots(np.zeros((3, 2)), {"good": fakes}, [0, 5], {"good": {0: 1}})
    log = {"d_loss": np.ones(60), "g_loss": np.ones(60)}
    fig = generative_plot.gan_losses({"good": log}, {"good": "t"}, window=50)
    assert len(fig.axes[0].lines[0].get_xdata()) == 11  # 60 - 50 + 1 running means
    plt.close(fig)
