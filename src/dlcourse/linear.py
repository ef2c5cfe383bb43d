"""Linear regression: the normal equation and batch gradient descent, in NumPy.

Notation follows the lectures: ``X`` is (m, n) with one example per row, ``Y`` is (m,) for a
single target or (m, t) for t targets, and the model is ``Y ~ X @ W + b``. The bias is absorbed
by appending a column of ones to ``X`` (``add_bias_column``), so that one matrix ``W_ext`` of
shape (n + 1, t) holds both ``W`` and ``b``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import MAX_ELEMENTS, check_array, check_int, check_real

__all__ = [
    "add_bias_column",
    "normal_equation",
    "least_squares",
    "gradient_descent",
    "predict",
    "mse",
]


def _as_matrix(X: np.ndarray) -> np.ndarray:
    """X as a finite float (m, n) array with at least one row (a complex X is a TypeError)."""
    X = check_array("X", X, ndim=2, shape="(m, n)", nonempty=False)
    if X.shape[0] == 0:
        raise ValueError(f"X must have at least one row; got shape {X.shape}")
    return X


def _check_xy(X: np.ndarray, Y: np.ndarray, name: str = "Y") -> tuple[np.ndarray, np.ndarray]:
    """Validate a design matrix and its targets; return them as float arrays."""
    X = _as_matrix(X)
    m = X.shape[0]
    Y = check_array(name, Y, ndim=(1, 2), shape=f"({m},) or ({m}, t)")
    if Y.shape[0] != m:
        raise ValueError(
            f"X and {name} must have the same number of rows: X is {X.shape}, so {name} must "
            f"be ({m},) or ({m}, t); got {name} of shape {Y.shape}"
        )
    return X, Y


def add_bias_column(X: np.ndarray) -> np.ndarray:
    """Append a column of ones: (m, n) -> (m, n + 1), the bias absorption trick."""
    X = _as_matrix(X)
    return _with_ones(X)


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _split(W_ext: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
    """Split (n + 1,) or (n + 1, t) into W and b: the last row of W_ext is the bias."""
    W, b = W_ext[:-1], W_ext[-1]
    return W, (float(b) if np.ndim(b) == 0 else b)


def normal_equation(
    X: np.ndarray, Y: np.ndarray, l2: float = 0.0
) -> tuple[np.ndarray, np.ndarray | float]:
    """Solve least squares in closed form: ``W_ext = (X_ext^T X_ext + l2 D)^{-1} X_ext^T Y``.

    ``D`` is the identity with a zero for the bias, so ridge (``l2 > 0``) shrinks the weights
    but never the intercept.

    Args:
        X: (m, n) inputs.
        Y: (m,) or (m, t) targets.
        l2: ridge strength, ``>= 0``: the number added to the diagonal, scikit-learn's
            ``Ridge(alpha=l2)``. In the book's convention (mean squared error plus
            ``(lam / 2) ||W||^2``, see docs/notation.md) pass ``l2 = m * lam / 2``.
            Any ``l2 > 0`` makes the system solvable.

    Returns:
        ``(W, b)``: ``W`` (n,) and a float ``b`` for ``Y`` of shape (m,); ``W`` (n, t) and
        ``b`` (t,) for ``Y`` of shape (m, t).

    Raises:
        ValueError: on mismatched shapes, non-finite input or a negative ``l2``.
        TypeError: on complex or non-numeric input (an imaginary part is never dropped).
        numpy.linalg.LinAlgError: when ``l2 == 0`` and ``X_ext^T X_ext`` is singular in
            float64: its columns are dependent, or so ill-conditioned that forming the product
            (which squares the condition number of ``X_ext``) lost every digit. Least squares
            on ``X_ext`` itself may still succeed there.
    """
    X, Y = _check_xy(X, Y)
    l2 = check_real("l2", l2, min=0)
    X_ext = _with_ones(X)  # (m, n + 1), the bias absorbed
    A = X_ext.T @ X_ext  # (n + 1, n + 1)
    if l2 > 0:
        A = A + l2 * np.diag(np.r_[np.ones(X.shape[1]), 0.0])
    else:
        # matrix_rank uses the tolerance max(eigenvalue) * size * eps, the usual test
        # for "singular in floating point".
        rank = np.linalg.matrix_rank(A, hermitian=True)
        if rank < A.shape[0]:
            size = np.abs(np.linalg.eigvalsh(A))
            cond = size.max() / size.min() if size.min() > 0 else np.inf
            raise np.linalg.LinAlgError(
                f"X_ext^T X_ext is singular to float64 precision: rank {rank} < {A.shape[0]} "
                f"(n + 1 with n = {X.shape[1]} features and m = {X.shape[0]} examples), "
                f"condition number {cond:.1e}. Either the columns of X_ext are linearly "
                "dependent (a duplicated or constant feature, or m < n + 1 examples), or they "
                "are so close to it that forming X_ext^T X_ext, which squares the condition "
                "number of X_ext, leaves no usable digits. Remedies: pass l2 > 0 (ridge "
                "regression), or use least squares (dlcourse.linear.least_squares, "
                "numpy.linalg.lstsq), which works on X_ext itself through the SVD and "
                "returns the minimum-norm solution."
            )
    W_ext = np.linalg.solve(A, X_ext.T @ Y)  # (n + 1,) or (n + 1, t)
    return _split(W_ext)


def least_squares(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
    """Minimum-norm least squares through the SVD (``numpy.linalg.lstsq``).

    Works when ``X_ext^T X_ext`` is singular: among all minimisers of the squared error it
    returns the one with the smallest ``||W_ext||``. Shapes as in ``normal_equation``.
    """
    X, Y = _check_xy(X, Y)
    W_ext, *_ = np.linalg.lstsq(_with_ones(X), Y, rcond=None)
    return _split(W_ext)


def predict(X: np.ndarray, W: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """``X @ W + b``: (m, n) with W (n,) gives (m,); with W (n, t) gives (m, t)."""
    X = _as_matrix(X)
    W = check_array("W", W, ndim=(1, 2), shape="(n,) or (n, t)")
    if W.shape[0] != X.shape[1]:
        raise ValueError(
            f"W must have {X.shape[1]} rows to match X of shape {X.shape}; got W of shape {W.shape}"
        )
    b = check_array("b", b)
    if b.shape not in ((), W.shape[1:]):
        raise ValueError(f"b must be a number or of shape {W.shape[1:]} to match W; got {b.shape}")
    return X @ W + b


def mse(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray | float) -> float:
    """Mean over examples of the squared error, summed over targets: ``||Y - XW - b||^2 / m``."""
    X, Y = _check_xy(X, Y)
    residual = Y - predict(X, W, b)
    if residual.shape != Y.shape:
        raise ValueError(f"W must give predictions of shape {Y.shape}, as Y; got W {np.shape(W)}")
    return float(np.sum(residual**2) / X.shape[0])


def gradient_descent(
    X: np.ndarray, y: np.ndarray, lr: float = 0.01, epochs: int = 1000
) -> tuple[np.ndarray, np.ndarray | float, np.ndarray]:
    """Batch gradient descent on the MSE, starting from ``W = 0, b = 0``.

    Each epoch uses all m examples once:

        residual = X @ W + b - y                  # (m,) or (m, t)
        dW = (2 / m) * X.T @ residual             # (n,) or (n, t)
        db = (2 / m) * residual.sum(axis=0)       # scalar or (t,)
        W -= lr * dW;  b -= lr * db

    Args:
        X: (m, n) inputs.
        y: (m,) or (m, t) targets.
        lr: learning rate, ``> 0``.
        epochs: number of full passes, ``>= 1``.

    Returns:
        ``(W, b, losses)`` with ``W`` and ``b`` shaped as in ``normal_equation`` and ``losses``
        of shape (epochs,): ``losses[k]`` is the MSE of the parameters that epoch k started
        from. If the loss overflows (a learning rate that is too large), the remaining
        entries are ``inf`` and ``W``, ``b`` are the last finite parameters.
    """
    X, y = _check_xy(X, y, name="y")
    lr = check_real("lr", lr, min=0, min_open=True)
    epochs = check_int("epochs", epochs, min=1, max=MAX_ELEMENTS)  # one loss per epoch is kept
    m, n = X.shape
    W = np.zeros((n,) + y.shape[1:])
    b = np.zeros(y.shape[1:])
    losses = np.full(epochs, np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            residual = X @ W + b - y
            loss = float(np.sum(residual**2) / m)
            if not np.isfinite(loss):
                break  # diverged: stop before the parameters become inf too
            losses[epoch] = loss
            W_next = W - lr * (2.0 / m) * (X.T @ residual)
            b_next = b - lr * (2.0 / m) * residual.sum(axis=0)
            if not (np.all(np.isfinite(W_next)) and np.all(np.isfinite(b_next))):
                break
            W, b = W_next, b_next
    return W, (float(b) if b.ndim == 0 else b), losses
