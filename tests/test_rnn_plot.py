"""dlcourse.rnn_plot: the pictures of the recurrent-networks chapter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import rnn_plot  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_draw_unrolled_labels_every_input_and_state(ax):
    xs = np.array([[1.0], [-0.5]])
    hs = np.array([[0.0, 0.0], [0.5, -0.25], [0.125, 1.0]])
    rnn_plot.draw_unrolled(ax, xs, hs)
    texts = [t.get_text() for t in ax.texts]
    assert "$x_1$ = +1.0" in texts and "$x_2$ = -0.5" in texts
    assert "$h_2$ = (0.12, 1.00)" in texts and "$h_0 = 0$" in texts
    with pytest.raises(ValueError, match=r"hs must have shape \(T \+ 1, 2\)"):
        rnn_plot.draw_unrolled(ax, xs, hs[:2])


def test_gradient_norms_draws_one_line_per_name_on_a_log_scale(ax):
    rnn_plot.gradient_norms(ax, {"a": np.array([1e-3, 1.0]), "b": np.ones(2)}, "t")
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.get_yscale() == "log" and "after step 2" in ax.get_xlabel()
    with pytest.raises(ValueError, match="positive"):
        rnn_plot.gradient_norms(ax, {"a": np.zeros(2)})


def test_curves_draws_named_lines_and_the_guessing_level(ax):
    rnn_plot.curves(ax, [2, 8, 32], {"LSTM": [0.3, 0.6, 0.9]}, "H", "acc", chance=0.25, log="x")
    (line,) = [ln for ln in ax.lines if ln.get_label() == "LSTM"]
    np.testing.assert_array_equal(line.get_ydata(), [0.3, 0.6, 0.9])
    assert any(ln.get_label() == "guessing" for ln in ax.lines)
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "H"
    with pytest.raises(ValueError, match=r"ys\['a'\] must have len\(x\) = 3 values"):
        rnn_plot.curves(ax, [1, 2, 3], {"a": [1.0]})
