"""Tests of the plotting helpers that Part I adds to dlcourse.plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import plot  # noqa: E402


def _grid_lines(ax):
    return [line for line in ax.get_lines()]


def test_identity_grid_has_the_requested_lines_and_extent():
    fig, ax = plt.subplots()
    plot.warped_grid(ax, lim=2.0, n_lines=5, basis=False)
    lines = _grid_lines(ax)
    assert len(lines) == 2 * 5
    xs = np.concatenate([line.get_xdata() for line in lines])
    ys = np.concatenate([line.get_ydata() for line in lines])
    assert xs.min() == pytest.approx(-2.0) and xs.max() == pytest.approx(2.0)
    assert ys.min() == pytest.approx(-2.0) and ys.max() == pytest.approx(2.0)
    plt.close(fig)


def test_matrix_grid_lines_are_the_mapped_points_and_arrows_are_the_columns():
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    fig, ax = plt.subplots()
    plot.warped_grid(ax, lambda P: P @ A.T, lim=1.0, n_lines=3)
    for line in _grid_lines(ax):
        points = np.column_stack([line.get_xdata(), line.get_ydata()])
        original = np.linalg.solve(A, points.T).T
        # Each drawn line is the image of a horizontal or a vertical line of the square grid.
        assert np.allclose(original[:, 0], original[0, 0]) or np.allclose(
            original[:, 1], original[0, 1]
        )
    tips = sorted(tuple(np.round(a.xy, 6)) for a in ax.texts if hasattr(a, "arrow_patch"))
    assert tips == sorted([tuple(A[:, 0]), tuple(A[:, 1])])
    plt.close(fig)


def test_nonlinear_transform_is_allowed():
    fig, ax = plt.subplots()
    plot.warped_grid(ax, np.tanh, lim=3.0, n_lines=4)
    ys = np.concatenate([line.get_ydata() for line in _grid_lines(ax)])
    assert np.abs(ys).max() < 1.0
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lim": 0.0}, "lim must be a finite real number > 0; got 0.0"),
        ({"lim": float("nan")}, "lim must be a finite real number > 0; got nan"),
        ({"n_lines": 1}, "n_lines must be an integer >= 2; got 1"),
        ({"color": "not-a-colour"}, "color must be a matplotlib colour"),
        ({"transform": lambda P: P[:, :1]}, r"map an \(N, 2\) array to \(N, 2\); got \(101, 2\)"),
    ],
)
def test_warped_grid_rejects_bad_arguments(kwargs, message):
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match=message):
            plot.warped_grid(ax, **kwargs)
    finally:
        plt.close(fig)


def test_show_source_cuts_docstrings_to_their_summary(capsys):
    from dlcourse import linear

    plot.show_source(linear.normal_equation)
    short = capsys.readouterr().out
    plot.show_source(linear.normal_equation, full_docstrings=True)
    full = capsys.readouterr().out
    assert "Args:" in full and "Args:" not in short
    assert len(short.splitlines()) < len(full.splitlines())
    # Only the docstring went: the signature and the body are the same, line for line.
    assert short.splitlines()[0] == full.splitlines()[0]
    body = full.split('"""')[-1]
    assert short.endswith(body) and len(body.splitlines()) > 5


def test_shorten_docstrings_keeps_the_first_paragraph_and_the_indentation():
    source = (
        "    def f(x):\n"
        '        """Add one to x,\n'
        "        and return it.\n"
        "\n"
        "        Args:\n"
        "            x: a number.\n"
        '        """\n'
        "        y = x + 1\n"
        "        return y\n"
    )
    assert plot.shorten_docstrings(source) == (
        "    def f(x):\n"
        '        """Add one to x,\n'
        '        and return it."""\n'
        "        y = x + 1\n"
        "        return y\n"
    )


def test_shorten_docstrings_leaves_a_one_line_docstring_and_methods_alone():
    source = (
        'class A:\n    """One line."""\n\n'
        '    def m(self):\n        """Sum.\n\n        More.\n        """\n        return 1\n'
    )
    assert plot.shorten_docstrings(source) == (
        'class A:\n    """One line."""\n\n    def m(self):\n        """Sum."""\n        return 1\n'
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ax: plot.warped_grid(None), "ax must be matplotlib Axes"),
        (lambda ax: plot.warped_grid(ax, n_lines=2.5), "n_lines must be an integer"),
        (lambda ax: plot.warped_grid(ax, transform="rotate"), "transform must be a function"),
        (lambda ax: plot.show(ax.figure, alt=None), "alt must be a string"),
        (lambda ax: plot.show(ax, alt="a plot"), "fig must be a matplotlib Figure"),
        (lambda ax: plot.show_source(42), "obj must be a function, class, method or module"),
    ],
)
def test_wrong_types_are_type_errors(call, message):
    fig, ax = plt.subplots()
    try:
        with pytest.raises(TypeError, match=message):
            call(ax)
    finally:
        plt.close(fig)
