"""dlcourse.autograd_nn: a Neuron, Layer and MLP of Values, against torch on the same weights."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from dlcourse.autograd import Value
from dlcourse.autograd_nn import MLP, Layer, Neuron, fit, hinge_loss


@pytest.mark.parametrize("sizes", [[2, 1], [2, 16, 16, 1], [3, 4, 5, 2]])
def test_parameter_count(sizes):
    expected = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
    assert len(MLP(sizes).parameters()) == expected
    assert len(Layer(sizes[0], sizes[1]).parameters()) == (sizes[0] + 1) * sizes[1]
    assert len(Neuron(sizes[0]).parameters()) == sizes[0] + 1


def test_forward_shapes_and_matrices():
    model = MLP([3, 4, 5, 2], activation="tanh", seed=1)
    out = model([0.1, -0.2, 0.3])
    assert len(out) == 2 and all(isinstance(v, Value) for v in out)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4
    assert isinstance(Neuron(3)([1.0, 2.0, 3.0]), Value)
    shapes = [(W.shape, b.shape) for W, b in model.matrices()]
    assert shapes == [((3, 4), (4,)), ((4, 5), (5,)), ((5, 2), (2,))]
    X = np.random.default_rng(0).normal(size=(6, 3))
    scores = model.predict(X)
    assert scores.shape == (6, 2)
    by_value = np.array([[v.data for v in model(list(x))] for x in X])
    np.testing.assert_allclose(scores, by_value, rtol=1e-12, atol=1e-12)


def test_seed_decides_the_weights():
    a, b, c = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=1)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_gradients_match_torch(activation):
    model = MLP([2, 5, 4, 1], activation=activation, seed=3)
    for p in model.parameters():  # non-zero biases, so that every path is exercised
        p.data += 0.1
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 2))
    y = np.where(rng.random(7) < 0.5, -1.0, 1.0)
    loss = hinge_loss([model(list(x))[0] for x in X], y)
    model.zero_grad()
    loss.backward()

    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}.get(
        activation, lambda z: z
    )
    params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in model.matrices()
    ]
    A = torch.tensor(X)
    for i, (W, b) in enumerate(params):
        A = A @ W + b
        A = act(A) if i < len(params) - 1 else A
    t_loss = torch.relu(1 - torch.tensor(y) * A[:, 0]).mean()
    t_loss.backward()
    assert abs(t_loss.item() - loss.data) < 1e-12
    # Value's parameter order: layer by layer, neuron by neuron, weights then bias
    expected = []
    for W, b in params:
        for j in range(W.shape[1]):
            expected += [*W.grad[:, j].tolist(), b.grad[j].item()]
    got = [p.grad for p in model.parameters()]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_fit_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 0.5, size=(10, 2)), rng.normal(2, 0.5, size=(10, 2))])
    y = np.array([-1.0] * 10 + [1.0] * 10)
    model = MLP([2, 4, 1], activation="tanh", seed=0)
    history = fit(model, X, y, steps=20, lr=0.5)
    assert len(history["loss"]) == len(history["accuracy"]) == 20
    assert history["loss"][-1] < history["loss"][0]
    assert np.mean((model.predict(X)[:, 0] > 0) == (y > 0)) == 1.0


def test_zero_grad():
    model = MLP([2, 3, 1])
    model([1.0, 2.0])[0].backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Neuron(0), "n_inputs"),
        (lambda: Neuron(2, activation="softmax"), "activation"),
        (lambda: Neuron(2, rng=np.random.default_rng(0)), "rng"),
        (lambda: Neuron(10**12), "n_inputs must be an integer <= "),
        (lambda: Layer(2, 0), "n_outputs"),
        (lambda: Layer(10**4, 10**4), r"n_inputs \* n_outputs asks for"),
        (lambda: MLP([10**4, 10**4]), r"sizes \(their weights\)"),
        (lambda: Layer(2, 3, rng=0), "rng"),
        (lambda: MLP([2]), "sizes"),
        (lambda: MLP("21"), "sizes"),
        (lambda: MLP([2, 0, 1]), r"sizes\[1\]"),
        (lambda: MLP([2, 1.5]), r"sizes\[1\]"),
        (lambda: MLP([2, 1], activation="elu"), "activation"),
        (lambda: MLP([2, 1], seed=-1), "seed"),
        (lambda: MLP([2, 1])([1.0]), "x must hold 2"),
        (lambda: MLP([2, 1])(3.0), "x must be a sequence"),
        (lambda: MLP([2, 1])([1.0, float("nan")]), r"x\[1\]"),
        (lambda: MLP([2, 1])(["a", 1.0]), r"x\[0\]"),
        (lambda: Layer(2, 3)([1.0, 2.0, 3.0]), "x must hold 2"),
        (lambda: Neuron(2)([1.0]), "x must hold 2"),
        (lambda: MLP([2, 1]).predict(np.zeros((3, 3))), "3 columns|2 columns"),
        (lambda: MLP([2, 1]).predict(np.zeros(3)), "X"),
        (lambda: hinge_loss([], []), "scores"),
        (lambda: hinge_loss([1.0], [1]), "scores"),
        (lambda: hinge_loss(3, [1]), "scores must be a non-empty list"),
        (lambda: hinge_loss([Value(1.0)], [0]), "y must hold labels"),
        (lambda: hinge_loss([Value(1.0)], [1, -1]), "one label per example"),
        (lambda: fit("model", np.zeros((2, 2)), [1, -1], 1, 0.1), "model"),
        (lambda: fit(MLP([2, 2]), np.zeros((2, 2)), [1, -1], 1, 0.1), "1 output"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 3)), [1, -1], 1, 0.1), "columns"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 2)), [1, 2], 1, 0.1), "labels"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 2)), [1, -1], 0, 0.1), "steps"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 2)), [1, -1], 10**12, 0.1), "steps"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 2)), [1, -1], 1, 0.0), "lr"),
        (lambda: fit(MLP([2, 1]), np.zeros((2, 2)), [1, -1], 1, float("inf")), "lr"),
    ],
)
def test_bad_input(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_default_rng_is_seeded():
    assert [p.data for p in Neuron(3).parameters()] == [
        p.data for p in Neuron(3, rng=random.Random(0)).parameters()
    ]
