"""dlcourse.backprop: hand-written gradients against finite differences and torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse.backprop import (
    MLP,
    linear_backward,
    linear_forward,
    mse_loss,
    numerical_gradient,
    relative_error,
    softmax_cross_entropy,
)

TOL = 1e-7  # the bar for gradient checks in float64


def _torch_mlp_grads(model: MLP, X: np.ndarray, loss_fn) -> dict[str, np.ndarray]:
    """The same network rebuilt from model.params with torch ops; torch.autograd's gradients."""
    params = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in model.params.items()
    }
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[model.activation]
    A = torch.tensor(X, dtype=torch.float64)
    for i in range(1, model.num_layers + 1):
        A = A @ params[f"W{i}"] + params[f"b{i}"]
        if i < model.num_layers:
            A = act(A)
    loss_fn(A).backward()
    return {k: p.grad.numpy() for k, p in params.items()}


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_mlp_cross_entropy_gradients_match_finite_differences_and_torch(activation):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((7, 5))
    y = rng.integers(0, 4, 7)
    model = MLP([5, 6, 5, 4], activation=activation, seed=3)
    for v in model.params.values():  # non-zero biases, so that their gradients are tested too
        v += 0.1 * rng.standard_normal(v.shape)
    _, dlogits = softmax_cross_entropy(model.forward(X), y)
    grads = model.backward(dlogits)
    assert list(grads) == list(model.params)

    def loss(_):
        return softmax_cross_entropy(model.forward(X), y)[0]

    labels = torch.tensor(y)
    grads_t = _torch_mlp_grads(model, X, lambda out: torch.nn.functional.cross_entropy(out, labels))
    for name, param in model.params.items():
        assert grads[name].shape == param.shape
        numeric = numerical_gradient(loss, param)
        assert relative_error(grads[name], numeric) < TOL, name
        assert relative_error(grads[name], grads_t[name]) < 1e-12, name


def test_mlp_mse_gradients_and_input_gradient():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 3))
    target = rng.standard_normal((6, 2))
    model = MLP([3, 8, 2], activation="tanh", seed=0)
    _, dpred = mse_loss(model.forward(X), target)
    grads = model.backward(dpred)
    tgt = torch.tensor(target)
    grads_t = _torch_mlp_grads(model, X, lambda out: torch.nn.functional.mse_loss(out, tgt))
    for name in model.params:
        assert relative_error(grads[name], grads_t[name]) < 1e-12
        numeric = numerical_gradient(
            lambda _: mse_loss(model.forward(X), target)[0], model.params[name]
        )
        assert relative_error(grads[name], numeric) < TOL


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.integers(1, 6), min_size=2, max_size=4),
    st.integers(1, 5),
    st.sampled_from(["relu", "sigmoid", "tanh"]),
    st.integers(0, 2**16),
)
def test_random_architectures_match_torch(sizes, batch, activation, seed):
    rng = np.random.default_rng(seed)
    model = MLP(sizes, activation=activation, seed=seed)
    X = rng.standard_normal((batch, sizes[0]))
    upstream = rng.standard_normal((batch, sizes[-1]))  # any dL/d(output) will do
    model.forward(X)
    grads = model.backward(upstream)
    up = torch.tensor(upstream)
    grads_t = _torch_mlp_grads(model, X, lambda out: (out * up).sum())
    for name in model.params:
        np.testing.assert_allclose(grads[name], grads_t[name], rtol=1e-10, atol=1e-12)


def test_forward_matches_torch_linear_layers():
    rng = np.random.default_rng(0)
    model = MLP([4, 5, 3], activation="sigmoid")
    X = rng.standard_normal((10, 4))
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.Sigmoid(), torch.nn.Linear(5, 3)
    ).double()
    with torch.no_grad():  # torch stores W as (out, in): ours is its transpose
        net[0].weight.copy_(torch.tensor(model.params["W1"].T))
        net[0].bias.copy_(torch.tensor(model.params["b1"]))
        net[2].weight.copy_(torch.tensor(model.params["W2"].T))
        net[2].bias.copy_(torch.tensor(model.params["b2"]))
    np.testing.assert_allclose(model.forward(X), net(torch.tensor(X)).detach().numpy(), rtol=1e-12)


def test_parameter_shapes_and_initialisation():
    model = MLP([64, 32, 10], activation="relu", seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (64, 32),
        "b1": (32,),
        "W2": (32, 10),
        "b2": (10,),
    }
    assert np.all(model.params["b1"] == 0)
    assert abs(model.params["W1"].std() - np.sqrt(2 / 64)) < 0.02  # He initialisation
    same = MLP([64, 32, 10], activation="relu", seed=0)
    other = MLP([64, 32, 10], activation="relu", seed=1)
    assert np.array_equal(model.params["W1"], same.params["W1"])
    assert not np.array_equal(model.params["W1"], other.params["W1"])


def test_linear_backward_shapes_and_values():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    dZ = rng.standard_normal((5, 2))
    dX, dW, db = linear_backward(dZ, X, W)
    assert (dX.shape, dW.shape, db.shape) == (X.shape, W.shape, b.shape)
    for arr, grad in ((X, dX), (W, dW), (b, db)):
        numeric = numerical_gradient(lambda _: float((linear_forward(X, W, b) * dZ).sum()), arr)
        assert relative_error(grad, numeric) < TOL


def test_softmax_cross_entropy_matches_torch_and_is_stable():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((8, 5)) * 3
    logits[0] += 1000.0  # would overflow a naive exp
    logits[1, 2] = -1000.0
    labels = rng.integers(0, 5, 8)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    t = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(t, torch.tensor(labels))
    loss_t.backward()
    assert np.isfinite(loss) and loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, t.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)  # rows of p - y sum to 0


def test_softmax_cross_entropy_derivative_matches_finite_differences():
    rng = np.random.default_rng(4)
    logits, labels = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    _, dlogits = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits)
    assert relative_error(dlogits, numeric) < TOL


def test_mse_loss_matches_torch():
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    loss, dpred = mse_loss(pred, target)
    t = torch.tensor(pred, requires_grad=True)
    loss_t = torch.nn.functional.mse_loss(t, torch.tensor(target))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(dpred, t.grad.numpy(), rtol=1e-12)


def test_numerical_gradient_of_known_functions_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-8)
    assert np.array_equal(x, before)
    assert numerical_gradient(lambda v: float(v**3), np.array(2.0)) == pytest.approx(12.0, rel=1e-8)


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


# --- errors ----------------------------------------------------------------------------------
def test_backward_before_forward_raises():
    model = MLP([2, 3, 1])
    with pytest.raises(RuntimeError, match=r"forward\(X\)"):
        model.backward(np.ones((4, 1)))


def test_backward_with_a_mismatched_shape_names_both_shapes():
    model = MLP([2, 3, 1])
    model.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(5, 1\)"):
        model.backward(np.ones((5, 1)))
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(\)"):
        model.backward(1.0)  # a scalar upstream gradient for a (4, 1) output
    model.forward(np.ones((2, 2)))  # the check follows the *last* forward pass
    with pytest.raises(ValueError, match=r"\(2, 1\).*\(4, 1\)"):
        model.backward(np.ones((4, 1)))


def test_forward_rejects_wrong_input_shape():
    model = MLP([3, 4, 2])
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(5, 4\)"):
        model.forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(3,\)"):
        model.forward(np.ones(3))


@pytest.mark.parametrize(
    "sizes, activation, error, match",
    [
        ([3], "relu", ValueError, "layer_sizes"),
        ([3, 0, 2], "relu", ValueError, r"layer_sizes\[1\] must be an integer >= 1; got 0"),
        ([3, 2.5], "relu", TypeError, r"layer_sizes\[1\] must be an integer"),
        ([3, True], "relu", TypeError, r"layer_sizes\[1\] must be an integer"),
        ([10**6, 10**6], "relu", ValueError, r"W1 of shape \(1000000, 1000000\)"),
        ([3, 2], "softplus", ValueError, "activation must be one of .*got 'softplus'"),
    ],
)
def test_mlp_rejects_bad_arguments(sizes, activation, error, match):
    with pytest.raises(error, match=match):
        MLP(sizes, activation=activation)


def test_loss_functions_reject_bad_input():
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        softmax_cross_entropy(np.ones(3), np.array([0]))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="labels must hold whole-number labels"):
        softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.5]))
    with pytest.raises(ValueError, match="logits must be finite"):
        softmax_cross_entropy(np.array([[0.0, np.nan]]), np.array([0]))
    with pytest.raises(ValueError, match=r"\(2, 1\) and \(2,\)"):
        mse_loss(np.ones((2, 1)), np.ones(2))
    with pytest.raises(TypeError, match="float NumPy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: 0.0, np.array([1.0]), eps=0.0)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))


def test_tanh_mlp_gradients_where_the_hidden_units_saturate():
    # Pre-activations between 3 and 6 in size: tanh' is tiny there, so the gradients reaching
    # W1 and b1 are small; a backward wrong only for |z| >= 3 must still show, relatively.
    rng = np.random.default_rng(4)
    X = rng.uniform(0.5, 1.0, (8, 2))
    model = MLP([2, 6, 1], activation="tanh", seed=0)
    model.params["W1"][:] = rng.uniform(2.0, 3.0, (2, 6)) * np.array([1, -1, 1, -1, 1, -1])
    model.params["b1"][:] = rng.uniform(0.5, 1.0, 6) * np.array([1, -1, 1, -1, 1, -1])
    Z1 = X @ model.params["W1"] + model.params["b1"]
    assert np.all((np.abs(Z1) >= 3) & (np.abs(Z1) <= 6))
    target = rng.standard_normal((8, 1))
    _, dpred = mse_loss(model.forward(X), target)
    grads = model.backward(dpred)
    tgt = torch.tensor(target)
    grads_t = _torch_mlp_grads(model, X, lambda out: torch.nn.functional.mse_loss(out, tgt))
    for name in ("W1", "b1"):
        assert relative_error(grads[name], grads_t[name]) < 1e-12, name
        numeric = numerical_gradient(
            lambda _: mse_loss(model.forward(X), target)[0], model.params[name]
        )
        assert relative_error(grads[name], numeric) < 1e-6, name
