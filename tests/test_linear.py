"""dlcourse.linear: the contract's shapes, its errors, and agreement with NumPy and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from dlcourse import linear


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    W = np.array([1.5, -2.0, 0.5, 3.0])
    y = X @ W + 0.7 + 0.01 * rng.standard_normal(60)
    return X, y


def test_add_bias_column_appends_ones():
    X = np.arange(6.0).reshape(3, 2)
    out = linear.add_bias_column(X)
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out[:, :2], X)
    np.testing.assert_array_equal(out[:, 2], np.ones(3))


def test_normal_equation_single_target_shapes_and_sklearn(problem):
    X, y = problem
    W, b = linear.normal_equation(X, y)
    assert W.shape == (4,) and isinstance(b, float)
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(W, ref.coef_, rtol=1e-10, atol=1e-12)
    assert b == pytest.approx(ref.intercept_, rel=1e-10)


def test_normal_equation_multi_target_shapes(problem):
    X, y = problem
    Y = np.column_stack([y, 2 * y - 1, -y])  # (m, 3)
    W, b = linear.normal_equation(X, Y)
    assert W.shape == (4, 3) and b.shape == (3,)
    W0, b0 = linear.normal_equation(X, y)
    np.testing.assert_allclose(W[:, 1], 2 * W0, rtol=1e-10)
    assert b[1] == pytest.approx(2 * b0 - 1, rel=1e-10)


def test_ridge_matches_sklearn_and_does_not_shrink_bias(problem):
    X, y = problem
    W, b = linear.normal_equation(X, y, l2=5.0)
    ref = Ridge(alpha=5.0).fit(X, y)  # scikit-learn does not penalise the intercept either
    np.testing.assert_allclose(W, ref.coef_, rtol=1e-9)
    assert b == pytest.approx(ref.intercept_, rel=1e-9)
    W0, _ = linear.normal_equation(X, y)
    assert np.linalg.norm(W) < np.linalg.norm(W0)


def test_singular_system_raises_with_remedies(problem):
    X, y = problem
    X_dup = np.column_stack([X, X[:, 0]])  # a duplicated feature: X^T X is singular
    with pytest.raises(np.linalg.LinAlgError) as info:
        linear.normal_equation(X_dup, y)
    message = str(info.value)
    assert "singular" in message and "l2 > 0" in message and "least squares" in message


def test_singular_system_solved_by_ridge_and_least_squares(problem):
    X, y = problem
    X_dup = np.column_stack([X, X[:, 0]])
    W_ridge, _ = linear.normal_equation(X_dup, y, l2=1e-6)
    W_ls, b_ls = linear.least_squares(X_dup, y)
    # Both split the duplicated feature's weight evenly between its two copies.
    assert W_ls[0] == pytest.approx(W_ls[4], rel=1e-8)
    assert W_ls[0] + W_ls[4] == pytest.approx(linear.normal_equation(X, y)[0][0], rel=1e-8)
    np.testing.assert_allclose(W_ridge, W_ls, rtol=1e-4)


def test_fewer_examples_than_features_is_singular():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((3, 5)), rng.standard_normal(3)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        linear.normal_equation(X, y)
    W, b = linear.least_squares(X, y)
    np.testing.assert_allclose(X @ W + b, y, atol=1e-10)  # interpolates exactly


def test_as_many_examples_as_features_is_singular_too():
    # The condition is m < n + 1 (the bias is a column too), not "fewer examples than features".
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((4, 4)), rng.standard_normal(4)
    with pytest.raises(np.linalg.LinAlgError, match=r"singular.*m < n \+ 1"):
        linear.normal_equation(X, y)


def test_full_rank_but_ill_conditioned_is_worded_as_conditioning():
    # Columns that are independent in exact arithmetic, but so close that X^T X (whose
    # condition number is cond(X)^2) loses every digit; least squares on X still recovers them.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(200)
    X = np.column_stack([x, x + 1e-9 * rng.standard_normal(200)])
    assert np.linalg.matrix_rank(linear.add_bias_column(X)) == 3  # full column rank
    y = X @ np.array([1.0, 2.0]) + 0.5
    with pytest.raises(np.linalg.LinAlgError) as info:
        linear.normal_equation(X, y)
    message = str(info.value)
    assert "singular" in message and "condition number" in message
    assert "squares the condition number" in message and "least squares" in message
    W, b = linear.least_squares(X, y)
    np.testing.assert_allclose(X @ W + b, y, atol=1e-6)


@pytest.mark.parametrize(
    "fn", [linear.normal_equation, linear.gradient_descent, linear.least_squares]
)
def test_row_mismatch_names_both_shapes(fn, problem):
    X, y = problem
    with pytest.raises(ValueError) as info:
        fn(X, y[:-1])
    assert "(60, 4)" in str(info.value) and "(59,)" in str(info.value)


@pytest.mark.parametrize("fn", [linear.normal_equation, linear.gradient_descent])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["X", "y"])
def test_non_finite_input_rejected(fn, bad, where, problem):
    X, y = problem[0].copy(), problem[1].copy()
    (X if where == "X" else y)[3] = bad
    with pytest.raises(ValueError, match="finite"):
        fn(X, y)


def test_one_dimensional_X_rejected_with_its_shape():
    with pytest.raises(ValueError, match=r"2-D array of shape \(m, n\); got shape \(5,\)"):
        linear.normal_equation(np.arange(5.0), np.arange(5.0))


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"lr": 0.0}, ValueError),
        ({"lr": -1.0}, ValueError),
        ({"lr": float("nan")}, ValueError),
        ({"epochs": 0}, ValueError),
        ({"epochs": 2.5}, TypeError),
        ({"epochs": True}, TypeError),
        ({"epochs": 10**12}, ValueError),
    ],
)
def test_gradient_descent_rejects_bad_hyperparameters(kwargs, error, problem):
    name = next(iter(kwargs))
    with pytest.raises(error, match=rf"{name} must be"):
        linear.gradient_descent(*problem, **kwargs)


@pytest.mark.parametrize("where", ["X", "Y"])
def test_complex_input_is_a_type_error_not_a_lost_imaginary_part(where, problem):
    X, y = problem
    X, y = (X + 1j, y) if where == "X" else (X, y + 1j)
    with pytest.raises(TypeError, match=rf"{where} must hold real numbers; got complex"):
        linear.normal_equation(X, y)


def test_negative_l2_rejected(problem):
    with pytest.raises(ValueError, match="l2"):
        linear.normal_equation(*problem, l2=-1.0)


def test_gradient_descent_reaches_the_closed_form(problem):
    X, y = problem
    W, b, losses = linear.gradient_descent(X, y, lr=0.1, epochs=2000)
    W_star, b_star = linear.normal_equation(X, y)
    np.testing.assert_allclose(W, W_star, atol=1e-8)
    assert b == pytest.approx(b_star, abs=1e-8)
    assert losses.shape == (2000,)
    assert np.all(np.diff(losses) <= 1e-15)  # a small enough step never increases the MSE
    assert losses[0] == pytest.approx(np.mean(y**2))  # first loss is at W = 0, b = 0


def test_gradient_descent_multi_target(problem):
    X, y = problem
    Y = np.column_stack([y, -y])
    W, b, _ = linear.gradient_descent(X, Y, lr=0.1, epochs=2000)
    assert W.shape == (4, 2) and b.shape == (2,)
    np.testing.assert_allclose(W[:, 1], -W[:, 0], atol=1e-8)


def test_gradient_descent_matches_torch_autograd_gradient(problem):
    torch = pytest.importorskip("torch")
    X, y = problem
    # One step from zero with lr = 1 moves the parameters by minus the gradient.
    W1, b1, _ = linear.gradient_descent(X, y, lr=1.0, epochs=1)
    Wt = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    bt = torch.zeros((), dtype=torch.float64, requires_grad=True)
    loss = ((torch.from_numpy(X) @ Wt + bt - torch.from_numpy(y)) ** 2).mean()
    loss.backward()
    np.testing.assert_allclose(W1, -Wt.grad.numpy(), rtol=1e-12)
    assert b1 == pytest.approx(-bt.grad.item(), rel=1e-12)


def test_gradient_descent_divergence_is_reported_not_hidden(problem):
    X, y = problem
    W, b, losses = linear.gradient_descent(X, y, lr=5.0, epochs=500)
    assert np.isinf(losses[-1])  # diverged: the tail of the curve is inf
    finite = losses[np.isfinite(losses)]
    assert finite[-1] > 1e6 * finite[0]
    assert np.all(np.isfinite(W)) and np.isfinite(b)


def test_mse_and_predict(problem):
    X, y = problem
    W, b = linear.normal_equation(X, y)
    assert linear.mse(X, y, W, b) == pytest.approx(np.mean((X @ W + b - y) ** 2))
    with pytest.raises(ValueError, match="W must have 4 rows"):
        linear.predict(X, W[:3], b)
