"""dlcourse.cnn_plot: the pictures of the convolutional-networks chapter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import cnn_plot  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_image_grid_lays_out_rows_of_images_with_their_titles():
    rng = np.random.default_rng(0)
    rows = [[rng.random((4, 4))], [rng.standard_normal((3, 5)) for _ in range(3)]]
    fig = cnn_plot.image_grid(rows, [["a"], ["b", "c", "d"]], cmaps=["gray_r", "RdBu"])
    axes = fig.axes
    assert len(axes) == 2 * 3  # the grid is as wide as the longest row
    drawn = [ax for ax in axes if ax.images]
    assert [ax.get_title() for ax in drawn] == ["a", "b", "c", "d"]
    low, high = drawn[1].images[0].get_clim()  # a diverging map is centred on zero
    assert low == -high == -np.abs(rows[1][0]).max()
    plt.close(fig)


def test_image_grid_takes_one_row_a_stack_or_a_colour_image():
    fig = cnn_plot.image_grid(np.zeros((3, 4, 4)), ["x", "y", "z"])
    assert sum(bool(ax.images) for ax in fig.axes) == 3
    plt.close(fig)
    fig = cnn_plot.image_grid([np.zeros((4, 6, 3))])  # (H, W, 3): colour
    assert fig.axes[0].images[0].get_array().shape == (4, 6, 3)
    plt.close(fig)


def test_image_grid_rejects_mismatched_titles_and_bad_images():
    with pytest.raises(ValueError, match="titles must give one string per image"):
        cnn_plot.image_grid([np.zeros((2, 2))] * 2, ["only one"])
    with pytest.raises(ValueError, match="cmaps"):
        cnn_plot.image_grid([np.zeros((2, 2))], cmaps="no such map")
    with pytest.raises(ValueError, match=r"images\[0\]\[0\] must be a 2-D or 3-D array"):
        cnn_plot.image_grid([np.zeros(4)])
    with pytest.raises(TypeError, match="images must be a non-empty list"):
        cnn_plot.image_grid([])


def test_draw_grid_writes_every_number_and_outlines_the_window(ax):
    values = np.arange(9.0).reshape(3, 3)
    cnn_plot.draw_grid(ax, values, "t", box=(1, 0, 2, 2))
    assert [t.get_text() for t in ax.texts] == [str(v) for v in range(9)]
    (box,) = ax.patches
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (-0.5, 0.5, 2, 2)
    with pytest.raises(ValueError, match="box"):
        cnn_plot.draw_grid(ax, values, box=(0, 0, 0, 1))


def test_draw_windows_draws_one_window_per_output_up_to_three(ax):
    cnn_plot.draw_windows(ax, size=5, kernel=3, stride=2, padding=1)
    windows = [p for p in ax.patches if p.get_label().startswith("output")]
    assert [w.get_x() + 0.5 - 0.08 * q for q, w in enumerate(windows)] == pytest.approx([0, 2, 4])
    assert "3 x 3 output" in ax.get_title()
    with pytest.raises(ValueError, match="kernel"):
        cnn_plot.draw_windows(ax, size=2, kernel=5)


def test_draw_filter_stack_draws_every_channel_and_names_the_filter(ax):
    cnn_plot.draw_filter_stack(ax, channels=4, kernel=3)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "(4, 3, 3)" in texts and "C = 4 channels" in texts and "4 x 3 x 3 products" in texts
    with pytest.raises(ValueError, match="at most 8 channels"):
        cnn_plot.draw_filter_stack(ax, channels=9)
