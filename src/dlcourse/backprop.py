"""A multilayer perceptron in NumPy whose backward pass is written by hand, layer by layer.

Notation (as in the lectures), for a batch of N examples and a layer with n_in inputs and
n_out units:

    Z = X @ W + b        X (N, n_in), W (n_in, n_out), b (n_out,)  ->  Z (N, n_out)
    A = f(Z)             elementwise activation                    ->  A (N, n_out)

and, walking back with the gradient of the loss L, written dZ = dL/dZ and so on:

    dZ = dA * f'(Z)      (N, n_out)
    dW = X.T @ dZ        (n_in, N) @ (N, n_out)   -> (n_in, n_out), the shape of W
    db = dZ.sum(axis=0)  (n_out,), the shape of b: b was added to every row
    dX = dZ @ W.T        (N, n_out) @ (n_out, n_in) -> (N, n_in), passed to the layer below

Every gradient has the shape of the thing it is the gradient of; that is the quickest check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlcourse import activations
from dlcourse.checks import (
    check_array,
    check_callable,
    check_in,
    check_instance,
    check_int,
    check_labels,
    check_real,
    check_seed,
    check_size,
)

__all__ = [
    "MLP",
    "linear_backward",
    "linear_forward",
    "mse_loss",
    "numerical_gradient",
    "relative_error",
    "softmax_cross_entropy",
]


def _check_layer(X, W) -> tuple[np.ndarray, np.ndarray]:
    """X (N, n_in) and W (n_in, n_out) as finite float arrays that fit together."""
    X = check_array("X", X, ndim=2, shape="(N, n_in)")
    W = check_array("W", W, ndim=2, shape="(n_in, n_out)")
    if W.shape[0] != X.shape[1]:
        raise ValueError(f"W must have shape ({X.shape[1]}, n_out) for X {X.shape}; got {W.shape}")
    return X, W


def _shaped(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a finite float array of exactly ``shape``."""
    value = check_array(name, value)
    if value.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to fit X and W; got {value.shape}")
    return value


def linear_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Z = X @ W + b. X (N, n_in), W (n_in, n_out), b (n_out,) -> Z (N, n_out)."""
    X, W = _check_layer(X, W)
    b = _shaped("b", b, (W.shape[1],))
    return X @ W + b  # b broadcasts over the N rows


def linear_backward(
    dZ: np.ndarray, X: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of Z = X @ W + b, given dZ = dL/dZ (N, n_out).

    Returns:
        ``(dX, dW, db)`` with shapes (N, n_in), (n_in, n_out), (n_out,).
    """
    X, W = _check_layer(X, W)
    dZ = _shaped("dZ", dZ, (len(X), W.shape[1]))
    dW = X.T @ dZ  # (n_in, N) @ (N, n_out) -> (n_in, n_out): sums over the batch
    db = dZ.sum(axis=0)  # (n_out,): the bias touched every row, so its gradients add up
    dX = dZ @ W.T  # (N, n_out) @ (n_out, n_in) -> (N, n_in)
    return dX, dW, db


class MLP:
    """A fully connected network: Linear, activation, Linear, activation, ..., Linear.

    Args:
        layer_sizes: ``[n_inputs, hidden_1, ..., n_outputs]``, at least two positive ints.
        activation: ``"relu"``, ``"sigmoid"`` or ``"tanh"``, used after every hidden layer.
            The last layer has none: it outputs raw scores (logits) or regression values.
        seed: seed of the weight initialisation.

    Attributes:
        params: ``{"W1": (n0, n1), "b1": (n1,), "W2": (n1, n2), ...}``, float64 arrays that
            training updates in place.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str = "relu", seed: int = 0):
        check_instance("layer_sizes", layer_sizes, (list, tuple), "a list of layer widths")
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes must hold at least 2 widths; got {layer_sizes!r}")
        sizes = [check_int(f"layer_sizes[{i}]", s, min=1) for i, s in enumerate(layer_sizes)]
        self.layer_sizes = sizes
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
            check_size(f"layer_sizes: W{i} of shape ({n_in}, {n_out})", n_in * n_out)
        self.activation = check_in("activation", activation, ("relu", "sigmoid", "tanh"))
        seed = check_seed("seed", seed)
        self._f, self._f_grad = activations.get(activation)
        rng = np.random.default_rng(seed)
        # He initialisation for ReLU (it zeroes half of its inputs), Xavier/Glorot otherwise:
        # both keep the scale of the activations roughly constant from layer to layer.
        self.params: dict[str, np.ndarray] = {}
        pairs = zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True)
        for i, (n_in, n_out) in enumerate(pairs, 1):
            scale = np.sqrt(2.0 / n_in) if activation == "relu" else np.sqrt(2.0 / (n_in + n_out))
            self.params[f"W{i}"] = rng.standard_normal((n_in, n_out)) * scale
            self.params[f"b{i}"] = np.zeros(n_out)  # hidden biases start at zero
        self._cache: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._out_shape: tuple[int, ...] | None = None

    @property
    def num_layers(self) -> int:
        return len(self.layer_sizes) - 1

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (N, n_inputs) -> outputs (N, n_outputs); remembers what backward() needs."""
        X = check_array("X", X, ndim=2, shape=f"(N, {self.layer_sizes[0]})")
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have shape (N, {self.layer_sizes[0]}); got {X.shape}")
        cache = []
        A = X
        for i in range(1, self.num_layers + 1):
            Z = linear_forward(A, self.params[f"W{i}"], self.params[f"b{i}"])  # (N, n_i)
            cache.append((A, Z))  # the layer's input and pre-activation
            A = self._f(Z) if i < self.num_layers else Z  # no activation after the last
        self._cache, self._out_shape = cache, A.shape
        return A

    __call__ = forward

    def backward(self, grad_output: np.ndarray) -> dict[str, np.ndarray]:
        """Given dL/d(outputs) (the shape of the last forward's output), return dL/d(params).

        Returns:
            ``{"W1": dW1, "b1": db1, ...}``, each the shape of its parameter.
        """
        if self._cache is None:
            raise RuntimeError("backward() needs a forward pass first; call forward(X)")
        dA = check_array("grad_output", grad_output)
        if dA.shape != self._out_shape:
            raise ValueError(
                f"grad_output must have the shape of the last forward output {self._out_shape}; "
                f"got {dA.shape}"
            )
        grads: dict[str, np.ndarray] = {}
        for i in range(self.num_layers, 0, -1):  # from the output back to the input
            A_in, Z = self._cache[i - 1]
            dZ = dA if i == self.num_layers else dA * self._f_grad(Z)  # (N, n_i)
            dA, grads[f"W{i}"], grads[f"b{i}"] = linear_backward(dZ, A_in, self.params[f"W{i}"])
        return {k: grads[k] for k in self.params}  # in the order W1, b1, W2, ...


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Args:
        logits: (N, C) raw scores.
        labels: (N,) integers in [0, C).

    Returns:
        ``(loss, dlogits)``: the mean over the batch of -log p[label], and dL/dlogits (N, C),
        which is (softmax(logits) - one_hot(labels)) / N.
    """
    logits = check_array("logits", logits, ndim=2, shape="(N, C)")
    labels = check_labels("labels", labels)
    N, C = logits.shape
    if labels.shape != (N,):
        raise ValueError(
            f"labels must have shape ({N},) to match logits {logits.shape}; got {labels.shape}"
        )
    if labels.max() >= C:
        raise ValueError(
            f"labels must be integers in [0, {C}) (logits has {C} columns); "
            f"got a label {labels.max()}"
        )
    log_probs = activations.log_softmax(logits, axis=1)  # (N, C), without overflow
    loss = -log_probs[np.arange(N), labels].mean()
    dlogits = np.exp(log_probs)  # softmax, (N, C)
    dlogits[np.arange(N), labels] -= 1.0
    return float(loss), dlogits / N


def mse_loss(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over every element, and its gradient.

    Args:
        pred, target: arrays of the same shape (any).

    Returns:
        ``(loss, dpred)``: mean((pred - target)^2) and 2 (pred - target) / pred.size.
    """
    pred, target = check_array("pred", pred), check_array("target", target)
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape; got {pred.shape} and {target.shape}"
        )
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central differences: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for each i.

    Args:
        f: a function of ``x`` returning a number. It may also ignore its argument and read
            ``x`` from elsewhere (a model's parameter array): ``x`` is nudged in place.
        x: a float array of any shape; each entry is perturbed in turn, then restored.
        eps: the step. The error of central differences shrinks like eps^2 until rounding
            errors (about 1e-16 / eps) take over; they balance near the cube root of float64's
            machine epsilon (a few times 1e-6), and the default 1e-6 lies on that flat optimum.

    Returns:
        An array of the shape of ``x``.
    """
    check_callable("f", f)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "x must be a float NumPy array (it is perturbed in place); got "
            f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}"
        )
    check_array("x", x, nonempty=False)  # finite
    eps = check_real("eps", eps, min=0, min_open=True)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old  # restore, so f sees the unperturbed x afterwards
        if not (np.isfinite(f_plus) and np.isfinite(f_minus)):
            raise ValueError(
                f"f must be finite near x: at index {i} with eps={eps:g}, f(x + eps) = {f_plus} "
                f"and f(x - eps) = {f_minus}"
            )
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, 1e-300): a scale-free distance between two gradients.

    Near 1e-10 means the two agree to float64 rounding; above 1e-5 usually means a bug.
    """
    a, b = check_array("a", a, nonempty=False), check_array("b", b, nonempty=False)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))
