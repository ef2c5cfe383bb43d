"""Activation functions and their derivatives, in NumPy.

Each activation ``f`` comes with ``f_grad``, its derivative with respect to the pre-activation
``z``, evaluated elementwise. The backward pass of a layer multiplies the incoming gradient by
``f_grad(z)``: that is all an activation contributes to backpropagation.

All functions take an array ``z`` of any shape (finite real numbers; ``ValueError`` otherwise)
and return an array of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcourse.checks import check_array, check_in, check_int

__all__ = [
    "ACTIVATIONS",
    "get",
    "linear",
    "linear_grad",
    "log_softmax",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]


def _z(z: np.ndarray) -> np.ndarray:
    """The pre-activation as a float array of any shape, finite (empty is fine)."""
    return check_array("z", z, nonempty=False)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), squashing any real number into (0, 1).

    Written in two branches so that no ``exp`` ever overflows: for z < 0 it uses the equal
    form exp(z) / (1 + exp(z)).
    """
    z = _z(z)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)); at most 0.25, reached at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, in (-1, 1) and centred on zero."""
    return np.tanh(_z(z))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2; at most 1, reached at z = 0."""
    t = np.tanh(_z(z))
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z): the identity for positive inputs, zero otherwise."""
    return np.maximum(_z(z), 0.0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0. At the kink z = 0 we pick 0, as PyTorch does."""
    return (_z(z) > 0).astype(float)


def linear(z: np.ndarray) -> np.ndarray:
    """The identity: no non-linearity at all (used on regression outputs)."""
    return _z(z).copy()


def linear_grad(z: np.ndarray) -> np.ndarray:
    """The derivative of the identity is 1 everywhere."""
    return np.ones_like(_z(z))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z_k) / sum_j exp(z_j) along ``axis``: scores to probabilities that sum to 1.

    Subtracting the maximum first changes nothing mathematically (the factor exp(-max) cancels)
    but keeps every ``exp`` at most 1, so large logits cannot overflow.
    """
    return np.exp(log_softmax(logits, axis=axis))


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z) = z - log sum_j exp(z_j) along ``axis``, computed without overflow.

    The log-sum-exp trick: with ``M = max_j z_j``, ``log sum_j exp(z_j) = M + log sum_j
    exp(z_j - M)``, and every ``exp(z_j - M)`` is at most 1. Cross-entropy needs the log of a
    probability; taking it here, rather than ``log(softmax(z))``, never computes ``log(0)``.

    Args:
        logits: (..., C, ...) finite scores, non-empty along ``axis``.
        axis: the axis that holds the C classes.

    Returns:
        An array of the shape of ``logits``: log-probabilities, each <= 0.
    """
    z = check_array("logits", logits)
    if z.ndim == 0:
        raise ValueError(f"logits must have at least one axis; got shape {z.shape}")
    axis = check_int("axis", axis, min=-z.ndim, max=z.ndim - 1, note=f"logits has {z.ndim} axes")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# name -> (f, f'): what a layer needs for its forward and its backward pass.
ArrayFn = Callable[[np.ndarray], np.ndarray]
ACTIVATIONS: dict[str, tuple[ArrayFn, ArrayFn]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "linear": (linear, linear_grad),
}


def get(name: str) -> tuple[ArrayFn, ArrayFn]:
    """Return ``(f, f_grad)`` for an activation name; ValueError names the valid choices."""
    return ACTIVATIONS[check_in("name", name, sorted(ACTIVATIONS))]
