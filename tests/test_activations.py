"""dlcourse.activations: values against torch, derivatives against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse import activations

Z = np.concatenate([np.linspace(-6, 6, 49), [-800.0, 800.0]])  # includes overflow-prone values


@pytest.mark.parametrize(
    "name, torch_fn",
    [
        ("sigmoid", torch.sigmoid),
        ("tanh", torch.tanh),
        ("relu", torch.relu),
        ("linear", lambda t: t),
    ],
)
def test_activation_and_derivative_match_torch(name, torch_fn):
    f, f_grad = activations.get(name)
    t = torch.tensor(Z, requires_grad=True)
    out = torch_fn(t)
    out.sum().backward()
    with np.errstate(over="raise"):  # no overflow warnings hidden in the stable forms
        np.testing.assert_allclose(f(Z), out.detach().numpy(), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(f_grad(Z), t.grad.numpy(), rtol=1e-12, atol=1e-300)
    assert f(Z).shape == Z.shape and f(Z.reshape(3, 17)).shape == (3, 17)


def test_derivative_bounds():
    z = np.linspace(-10, 10, 2001)
    assert activations.sigmoid_grad(z).max() == pytest.approx(0.25)
    assert activations.tanh_grad(z).max() == pytest.approx(1.0)
    assert activations.relu_grad(np.array([0.0]))[0] == 0.0  # the kink, as torch


def test_softmax_matches_torch_and_is_stable():
    logits = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    p = activations.softmax(logits)
    np.testing.assert_allclose(p, torch.softmax(torch.tensor(logits), dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(activations.softmax(logits.T, axis=0), p.T)


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match=r"name must be one of .*relu.*got 'swish'"):
        activations.get("swish")


def test_tanh_grad_where_tanh_saturates_matches_torch_and_finite_differences():
    # |z| in [3, 6]: the derivative is 1e-2 to 2e-5 there, so a wrong backward hides under
    # any absolute tolerance; relative tolerances catch it.
    z = np.concatenate([np.linspace(-6, -3, 13), np.linspace(3, 6, 13)])
    t = torch.tensor(z, requires_grad=True)
    torch.tanh(t).sum().backward()
    eps = 1e-5
    finite_difference = (np.tanh(z + eps) - np.tanh(z - eps)) / (2 * eps)
    grad = activations.tanh_grad(z)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(grad, finite_difference, rtol=1e-6, atol=0)
