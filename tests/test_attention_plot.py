"""dlcourse.attention_plot: the multi-head diagram and the attention heat map."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlcourse import attention_plot  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_heatmap_draws_one_cell_per_weight_and_annotates_small_maps(ax):
    weights = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    image = attention_plot.heatmap(ax, weights, ["a", "b"], title="t")
    np.testing.assert_array_equal(image.get_array(), weights.numpy())
    assert [t.get_text() for t in ax.texts] == ["1", ".25", ".75"]
    assert ax.get_title() == "t"
    attention_plot.heatmap(ax, np.eye(2), ("a", "b"), ["x", "y"], annotate=False)


def test_heatmap_names_the_bad_argument(ax):
    with pytest.raises(ValueError, match=r"weights must be \(T_q, T_k\) = \(2, 2\)"):
        attention_plot.heatmap(ax, np.eye(3), ["a", "b"])
    with pytest.raises(ValueError, match="weights must be finite"):
        attention_plot.heatmap(ax, np.full((2, 2), np.nan), ["a", "b"])
    with pytest.raises(TypeError, match="queries must be a list of strings"):
        attention_plot.heatmap(ax, np.eye(2), "ab")
    with pytest.raises(TypeError, match=r"keys\[1\] must be a string"):
        attention_plot.heatmap(ax, np.eye(2), ["a", "b"], ["x", 2])
    with pytest.raises(TypeError, match="ax must be Axes"):
        attention_plot.heatmap(None, np.eye(2), ["a", "b"])


def test_draw_multi_head_draws_one_card_per_head(ax):
    attention_plot.draw_multi_head(ax, num_heads=3)
    # x, q/k/v projections, the 3 heads, concatenate, out_proj, output
    assert len(ax.patches) == 1 + 3 + 3 + 1 + 1 + 1
    with pytest.raises(ValueError, match="num_heads must be an integer <= 64"):
        attention_plot.draw_multi_head(ax, num_heads=10**6)


def test_heatmaps_draw_one_panel_per_map_and_name_the_bad_one():
    w = np.eye(3)
    fig = attention_plot.heatmaps([w, w.T], ["a", "b", "c"], titles=["one", "two"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["one", "two"]
    assert len(fig.axes) == 3  # and the colour bar
    plt.close(fig)
    with pytest.raises(ValueError, match=r"maps\[1\]: weights must be \(T_q, T_k\)"):
        attention_plot.heatmaps([w, np.eye(2)], ["a", "b", "c"], titles=["one", "two"])
    with pytest.raises(ValueError, match="titles must hold one title per map, 2; got 1"):
        attention_plot.heatmaps([w, w], ["a", "b", "c"], titles=["one"])


def test_the_chapter_14_panels_and_the_encoder_decoder_diagram(ax):
    stats = np.ones((3, 3))
    fig = attention_plot.saturation_panels([4, 16, 64], stats, 0.5 * stats, n_keys=16)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3  # raw, scaled, uniform
    plt.close(fig)
    fig = attention_plot.temperature_panels([2.0, 0.0], [0.5, 2.0], [0.1, 1.0], [0.0, 0.6])
    assert len(fig.axes[0].patches) == 4  # 2 temperatures x 2 keys
    plt.close(fig)
    with pytest.raises(ValueError, match="taus must be 1 to 12 positive temperatures"):
        attention_plot.temperature_panels([2.0, 0.0], [0.0], [0.1], [0.0])
    attention_plot.draw_encoder_decoder(ax)
    assert len(ax.patches) == 9
