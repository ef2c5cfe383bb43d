"""dlcourse.transformer_plot: chapter 15's figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import transformer_plot  # noqa: E402
from dlcourse.transformer import sinusoidal_positions  # noqa: E402


def test_positional_panels_draw_the_encodings_and_one_curve_per_start():
    pe = sinusoidal_positions(16, 8)
    fig = transformer_plot.positional_panels(pe, range(4), {0: [4, 3, 2, 1], 5: [4, 3, 2, 1]})
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), pe.T.numpy())
    assert len(fig.axes[1].lines) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match=r"similarity\[0\] must hold one value per offset, 4"):
        transformer_plot.positional_panels(pe, range(4), {0: [1.0]})


def test_loss_curves_draw_curves_and_baselines():
    fig = transformer_plot.loss_curves(
        {"train": ([1, 2, 3], [3.0, 2.0, 1.5]), "val": ([0, 3], [4.0, 1.7])},
        baselines={"bigram": 2.5},
        title="t",
    )
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_title() == "t"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"curves\['train'\] needs one loss per step"):
        transformer_plot.loss_curves({"train": ([1, 2], [1.0])})
