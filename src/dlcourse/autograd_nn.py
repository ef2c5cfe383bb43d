"""A neural network built from scalar ``Value``s: a Neuron, a Layer of them, an MLP of Layers.

Everything here is ordinary Python arithmetic on :class:`dlcourse.autograd.Value`, so one call of
``backward()`` on a loss gives every weight its gradient. It is slow (one graph node per
multiplication) and meant for understanding; ``dlcourse.backprop.MLP`` is the matrix version.

Shapes follow the book's notation: a layer's weights, read as a matrix by :meth:`MLP.matrices`,
are ``W`` of shape ``(inputs, outputs)`` and ``b`` of shape ``(outputs,)``.
"""

from __future__ import annotations

import contextlib
import gc
import math
import random
from collections.abc import Sequence

import numpy as np

from dlcourse.autograd import Value
from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_in,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_size,
    describe,
)

__all__ = ["ACTIVATIONS", "Neuron", "Layer", "MLP", "hinge_loss", "fit"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
# Every weight is a Python object of a few hundred bytes, and every use of one a graph node:
# a million weights is far past what this slow, didactic network is for.
MAX_WEIGHTS = 10**6


def _inputs(x: Sequence, n: int) -> list:
    """``x`` as a list of ``n`` Values or finite reals; ValueError naming the length otherwise."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"x must be a sequence of {n} numbers or Values; got {describe(x)}")
    if len(x) != n:
        raise ValueError(f"x must hold {n} inputs (the layer's n_inputs); got {len(x)}")
    return [xi if isinstance(xi, Value) else check_real(f"x[{i}]", xi) for i, xi in enumerate(x)]


def _activate(z: Value, activation: str) -> Value:
    if activation == "relu":
        return z.relu()
    if activation == "tanh":
        return z.tanh()
    if activation == "sigmoid":
        return z.sigmoid()
    return z  # linear


class Neuron:
    """One unit: ``activation(w . x + b)`` on a list of ``n_inputs`` numbers.

    Args:
        n_inputs: how many inputs it reads (>= 1).
        activation: one of ``ACTIVATIONS``.
        rng: the ``random.Random`` that draws its weights, N(0, 1/n_inputs) (so that the sum
            ``w . x`` keeps about the scale of one input); the bias starts at 0.
    """

    def __init__(
        self, n_inputs: int, activation: str = "relu", rng: random.Random | None = None
    ) -> None:
        self.n_inputs = check_int("n_inputs", n_inputs, min=1, max=MAX_WEIGHTS)
        self.activation = check_in("activation", activation, ACTIVATIONS)
        if rng is None:
            rng = random.Random(0)
        check_instance("rng", rng, random.Random)
        scale = 1.0 / math.sqrt(self.n_inputs)
        self.w = [Value(rng.gauss(0.0, scale)) for _ in range(self.n_inputs)]
        self.b = Value(0.0)

    def __call__(self, x: Sequence) -> Value:
        """x: ``n_inputs`` numbers or Values. Returns one Value."""
        x = _inputs(x, self.n_inputs)
        z = self.b
        for wi, xi in zip(self.w, x, strict=True):
            z = z + wi * xi
        return _activate(z, self.activation)

    def parameters(self) -> list[Value]:
        """The weights, then the bias: ``n_inputs + 1`` Values."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({self.n_inputs}, {self.activation!r})"


class Layer:
    """``n_outputs`` neurons, each reading the same ``n_inputs`` inputs.

    Args:
        n_inputs, n_outputs: sizes (>= 1 each).
        activation: one of ``ACTIVATIONS``, shared by the layer's neurons.
        rng: the ``random.Random`` that draws the weights (see :class:`Neuron`).
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str = "relu",
        rng: random.Random | None = None,
    ) -> None:
        n_outputs = check_int("n_outputs", n_outputs, min=1, max=MAX_WEIGHTS)
        n_inputs = check_int("n_inputs", n_inputs, min=1, max=MAX_WEIGHTS)
        check_size("n_inputs * n_outputs", n_inputs * n_outputs, limit=MAX_WEIGHTS)
        rng = random.Random(0) if rng is None else check_instance("rng", rng, random.Random)
        self.neurons = [Neuron(n_inputs, activation, rng) for _ in range(n_outputs)]

    def __call__(self, x: Sequence) -> list[Value]:
        """x: ``n_inputs`` numbers or Values. Returns a list of ``n_outputs`` Values."""
        x = _inputs(x, self.neurons[0].n_inputs)
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        """Neuron by neuron, each neuron's weights then its bias."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({n.n_inputs}, {len(self.neurons)}, {n.activation!r})"


class MLP:
    """A multilayer perceptron of Layers: hidden layers use ``activation``, the last is linear.

    Args:
        sizes: layer widths, inputs first, e.g. ``[2, 16, 16, 1]`` (at least two, each >= 1).
        activation: the hidden layers' activation, one of ``ACTIVATIONS``.
        seed: seeds the ``random.Random`` that draws every weight.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", seed: int = 0) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 layer widths; got {describe(sizes)}")
        self.sizes = [
            check_int(f"sizes[{i}]", s, min=1, max=MAX_WEIGHTS) for i, s in enumerate(sizes)
        ]
        weights = sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))
        check_size("sizes (their weights)", weights, limit=MAX_WEIGHTS)
        check_in("activation", activation, ACTIVATIONS)
        rng = random.Random(check_seed("seed", seed))
        last = len(self.sizes) - 2
        self.layers = [
            Layer(n_in, n_out, activation if i < last else "linear", rng)
            for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        ]

    def __call__(self, x: Sequence) -> list[Value]:
        """x: ``sizes[0]`` numbers or Values. Returns a list of ``sizes[-1]`` Values."""
        out = _inputs(x, self.sizes[0])
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self) -> list[Value]:
        """Layer by layer; ``sum((n_in + 1) * n_out)`` Values."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def matrices(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The weights as arrays, layer by layer: ``W`` (inputs, outputs) and ``b`` (outputs,).

        A copy: ``W[i, j]`` is the weight from input ``i`` to neuron ``j``, so a batch ``X`` of
        shape (N, inputs) gives the layer's pre-activations as ``X @ W + b``.
        """
        return [
            (
                np.array([[w.data for w in n.w] for n in layer.neurons]).T,
                np.array([n.b.data for n in layer.neurons]),
            )
            for layer in self.layers
        ]

    def predict(self, X) -> np.ndarray:
        """The same forward pass on a batch, as matrix products: X (N, sizes[0]) -> (N, sizes[-1]).

        Plain floats, no graph: fast enough for a grid of thousands of points.
        """
        X = check_array("X", X, ndim=2)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have {self.sizes[0]} columns (sizes[0]); got {X.shape[1]}")
        act = {
            "relu": lambda z: np.maximum(z, 0.0),
            "tanh": np.tanh,
            "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
            "linear": lambda z: z,
        }[self.layers[0].neurons[0].activation]
        A = X
        for i, (W, b) in enumerate(self.matrices()):
            Z = A @ W + b
            A = act(Z) if i < len(self.layers) - 1 else Z
        return A

    def __repr__(self) -> str:
        return f"MLP({self.sizes}, {self.layers[0].neurons[0].activation!r})"


def _labels(y, m: int, of: str) -> list[float]:
    y = check_array("y", y, ndim=1)
    if len(y) != m:
        raise ValueError(f"y must hold one label per example of {of} ({m}); got {len(y)}")
    if not np.all(np.abs(y) == 1):
        raise ValueError(f"y must hold labels -1 and +1; got values {sorted(set(y.tolist()))[:5]}")
    return y.tolist()


def hinge_loss(scores: Sequence[Value], y) -> Value:
    """The mean hinge (max-margin) loss, ``mean(max(0, 1 - y_i s_i))``.

    Args:
        scores: m Values, one score per example (positive means class +1).
        y: m labels, each -1 or +1.
    Zero for an example on the right side with a margin of at least 1.
    """
    if isinstance(scores, (str, bytes)) or not hasattr(scores, "__iter__"):
        raise TypeError(f"scores must be a non-empty list of Values; got {describe(scores)}")
    scores = list(scores)
    if not scores or not all(isinstance(s, Value) for s in scores):
        raise ValueError("scores must be a non-empty list of Values")
    y = _labels(y, len(scores), "scores")
    return sum((1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)) * (1.0 / len(scores))


@contextlib.contextmanager
def _graph_garbage_only():
    """Pause Python's cycle collector, then free only the young objects (the step's graph).

    Every Value's closure refers to the Value itself, so each step leaves a graph of reference
    cycles. Left on, the collector rescans the whole process (torch's objects included) while
    the graph grows; this halves the time of a step or better.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if enabled:
            gc.enable()


def fit(model: MLP, X, y, steps: int, lr: float) -> dict[str, list[float]]:
    """Full-batch gradient descent on the hinge loss, one graph per step.

    Args:
        model: an MLP with one output (its score).
        X: (m, sizes[0]) inputs; y: (m,) labels -1 or +1.
        steps: how many steps; lr: the learning rate (the book's eta).
    Returns:
        ``{"loss": [...], "accuracy": [...]}``, each measured before each step (length steps).
    """
    check_instance("model", model, MLP)
    if model.sizes[-1] != 1:
        raise ValueError(f"model must have 1 output (a score); got {model.sizes[-1]}")
    X = check_array("X", X, ndim=2)
    if X.shape[1] != model.sizes[0]:
        raise ValueError(f"X must have {model.sizes[0]} columns (sizes[0]); got {X.shape[1]}")
    y = _labels(y, len(X), "X")
    steps = check_int("steps", steps, min=1, max=MAX_COUNT)
    lr = check_real("lr", lr, min=0, min_open=True)
    rows = X.tolist()
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    for _ in range(steps):
        with _graph_garbage_only():  # see its docstring: speed only
            scores = [model(x)[0] for x in rows]  # forward: builds the graph
            loss = hinge_loss(scores, y)
            model.zero_grad()
            loss.backward()  # every parameter's .grad
            for p in model.parameters():
                p.data -= lr * p.grad  # one step of gradient descent
            right = sum((s.data > 0) == (yi > 0) for s, yi in zip(scores, y, strict=True))
            history["loss"].append(loss.data)
            history["accuracy"].append(right / len(y))
            del scores, loss  # the graph is garbage now: freed on leaving the block
    return history
