"""dlcourse.layers against torch: dropout, batch norm (module and NumPy), initialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import layers

TOL = 1e-6


# --- Dropout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("shape", [(7, 5), (4, 3, 6)])
def test_dropout_equals_torch_forward_and_backward_in_training(p, shape):
    x = torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x_ours, x_torch = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours, theirs = layers.Dropout(p), nn.Dropout(p)
    torch.manual_seed(0)
    y_ours = ours(x_ours)
    torch.manual_seed(0)  # the same seed draws the same mask
    y_torch = theirs(x_torch)
    assert torch.allclose(y_ours, y_torch, atol=TOL, rtol=0)
    grad_out = torch.randn(*shape, dtype=torch.float64)
    y_ours.backward(grad_out)
    y_torch.backward(grad_out)
    assert torch.allclose(x_ours.grad, x_torch.grad, atol=TOL, rtol=0)
    if 0 < p:  # the exposed mask is what zeroed the output
        assert torch.equal(y_ours == 0, ours.mask == 0)


def test_dropout_is_the_identity_in_eval_mode():
    x = torch.randn(10, 4, requires_grad=True)
    ours = layers.Dropout(0.5).eval()
    y = ours(x)
    assert torch.equal(y, nn.Dropout(0.5).eval()(x))
    y.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))


def test_dropout_is_inverted_the_mean_is_kept():
    torch.manual_seed(0)
    y = layers.Dropout(0.3)(torch.ones(200_000, dtype=torch.float64))
    assert abs((y == 0).double().mean().item() - 0.3) < 0.01
    assert abs(y.mean().item() - 1.0) < 0.01
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.7))


@pytest.mark.parametrize(
    ("p", "error"), [(-0.1, ValueError), (1.5, ValueError), ("0.5", TypeError), (True, TypeError)]
)
def test_dropout_rejects_bad_p(p, error):
    with pytest.raises(error, match=r"p must be a finite real number in \[0, 1\]; got"):
        layers.Dropout(p)


# --- BatchNorm1d ------------------------------------------------------------------------------


def _pair(C, **kwargs):
    ours = layers.BatchNorm1d(C, **kwargs).double()
    theirs = nn.BatchNorm1d(C, **kwargs).double()
    with torch.no_grad():  # a non-trivial gamma and beta, the same in both
        gamma = torch.linspace(0.5, 2.0, C, dtype=torch.float64)
        beta = torch.linspace(-1.0, 1.0, C, dtype=torch.float64)
        for module in (ours, theirs):
            module.weight.copy_(gamma)
            module.bias.copy_(beta)
    return ours, theirs


@pytest.mark.parametrize("shape", [(16, 5), (8, 5, 7), (2, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_equals_torch_over_training_steps_then_eval(shape, momentum):
    C = shape[1]
    ours, theirs = _pair(C, momentum=momentum)
    gen = torch.Generator().manual_seed(0)
    for step in range(5):  # several steps: the running statistics accumulate
        x = 3.0 + 2.0 * torch.randn(*shape, dtype=torch.float64, generator=gen)
        x_ours, x_torch = x.clone().requires_grad_(), x.clone().requires_grad_()
        y_ours, y_torch = ours(x_ours), theirs(x_torch)
        assert torch.allclose(y_ours, y_torch, atol=TOL, rtol=0), f"forward, step {step}"
        grad_out = torch.randn(*shape, dtype=torch.float64, generator=gen)
        y_ours.backward(grad_out)
        y_torch.backward(grad_out)
        assert torch.allclose(x_ours.grad, x_torch.grad, atol=TOL, rtol=0)
        assert torch.allclose(ours.weight.grad, theirs.weight.grad, atol=TOL, rtol=0)
        assert torch.allclose(ours.bias.grad, theirs.bias.grad, atol=TOL, rtol=0)
    for name in ("running_mean", "running_var"):
        assert torch.allclose(getattr(ours, name), getattr(theirs, name), atol=TOL, rtol=0)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 5

    ours.eval()
    theirs.eval()
    x = torch.randn(*shape, dtype=torch.float64, generator=gen)
    x_ours, x_torch = x.clone().requires_grad_(), x.clone().requires_grad_()
    y_ours, y_torch = ours(x_ours), theirs(x_torch)
    assert torch.allclose(y_ours, y_torch, atol=TOL, rtol=0)
    y_ours.sum().backward()
    y_torch.sum().backward()
    assert torch.allclose(x_ours.grad, x_torch.grad, atol=TOL, rtol=0)
    # Eval mode does not update the running statistics.
    assert int(ours.num_batches_tracked) == 5


def test_batchnorm_eval_output_does_not_depend_on_the_batch():
    bn = layers.BatchNorm1d(3)
    bn(torch.randn(32, 3))
    bn.eval()
    batch = torch.randn(10, 3)
    assert torch.allclose(bn(batch)[:1], bn(batch[:1]))


def test_batchnorm_training_output_is_normalised_before_gamma_and_beta():
    bn = layers.BatchNorm1d(4)
    y = bn(5 + 3 * torch.randn(256, 4, dtype=torch.float32))
    assert torch.allclose(y.mean(dim=0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(y.var(dim=0, unbiased=False), torch.ones(4), atol=1e-3)


def test_batchnorm_loads_torch_state_dict_and_back():
    theirs = nn.BatchNorm1d(6)
    theirs(torch.randn(20, 6))
    ours = layers.BatchNorm1d(6)
    ours.load_state_dict(theirs.state_dict())
    assert set(ours.state_dict()) == set(theirs.state_dict())
    ours.eval()
    theirs.eval()
    x = torch.randn(4, 6)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


@pytest.mark.parametrize("shape", [(8, 4), (8, 3, 2, 2), (8,)])
def test_batchnorm_rejects_wrong_shapes_naming_expected_and_actual(shape):
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 3\) or \(N, 3, L\); got"):
        layers.BatchNorm1d(3)(torch.randn(*shape))


def test_batchnorm_rejects_one_value_per_feature_in_training():
    with pytest.raises(ValueError, match=r"more than 1 value per feature.*\(1, 3\)"):
        layers.BatchNorm1d(3)(torch.randn(1, 3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_features": 0}, "num_features must be an integer >= 1; got 0"),
        ({"num_features": 3, "eps": 0.0}, r"eps must be a finite real number > 0.0; got 0.0"),
        (
            {"num_features": 3, "momentum": 1.5},
            r"momentum must be a finite real number in \[0, 1\]; got 1.5",
        ),
    ],
)
def test_batchnorm_rejects_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.BatchNorm1d(**kwargs)


# --- Batch norm in NumPy, backward by hand ----------------------------------------------------


def test_numpy_batchnorm_equals_torch_autograd():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(9, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    dout = rng.normal(size=(9, 4))
    out, cache = layers.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)

    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    yt = nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    yt.backward(torch.tensor(dout))
    assert np.allclose(out, yt.detach().numpy(), atol=TOL, rtol=0)
    for ours, theirs in ((dx, xt.grad), (dgamma, gt.grad), (dbeta, bt.grad)):
        assert np.allclose(ours, theirs.numpy(), atol=TOL, rtol=0)


def test_numpy_batchnorm_backward_equals_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    gamma, beta, dout = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 3))

    def loss(x_):
        return float((layers.batchnorm_forward(x_, gamma, beta)[0] * dout).sum())

    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = 1e-6
        numeric[index] = (loss(x + step) - loss(x - step)) / 2e-6
    dx, _, _ = layers.batchnorm_backward(dout, layers.batchnorm_forward(x, gamma, beta)[1])
    assert np.allclose(dx, numeric, atol=1e-6)


def test_numpy_batchnorm_rejects_bad_input():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match x \(4, 3\); got"):
        layers.batchnorm_forward(x, np.ones(2), np.zeros(3))
    with pytest.raises(
        ValueError, match=r"x must be a 2-D array of shape \(N, D\); got shape \(4,\)"
    ):
        layers.batchnorm_forward(np.zeros(4), np.ones(3), np.zeros(3))
    _, cache = layers.batchnorm_forward(np.arange(12.0).reshape(4, 3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape \(4, 3\)"):
        layers.batchnorm_backward(np.zeros((3, 3)), cache)


# --- Initialisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (layers.xavier_uniform_, nn.init.xavier_uniform_),
        (layers.xavier_normal_, nn.init.xavier_normal_),
        (
            layers.he_uniform_,
            lambda w, generator: nn.init.kaiming_uniform_(
                w, nonlinearity="relu", generator=generator
            ),
        ),
        (
            layers.he_normal_,
            lambda w, generator: nn.init.kaiming_normal_(
                w, nonlinearity="relu", generator=generator
            ),
        ),
    ],
)
@pytest.mark.parametrize("shape", [(30, 50), (8, 3, 5, 5)])
def test_init_draws_what_torch_draws(ours, theirs, shape):
    a, b = torch.empty(*shape, dtype=torch.float64), torch.empty(*shape, dtype=torch.float64)
    ours(a, generator=torch.Generator().manual_seed(3))
    theirs(b, generator=torch.Generator().manual_seed(3))
    assert torch.allclose(a, b, atol=TOL, rtol=0)


def test_init_std_formulas_and_fans():
    assert layers.fans((20, 10)) == (10, 20)
    assert layers.fans((8, 3, 5, 5)) == (75, 200)
    assert math.isclose(layers.xavier_std(100, 300), math.sqrt(2 / 400))
    assert math.isclose(layers.he_std(50), math.sqrt(2 / 50))
    w = layers.he_uniform_(torch.empty(2000, 500, dtype=torch.float64))
    assert abs(w.std().item() / layers.he_std(500) - 1) < 0.01


def test_he_keeps_the_second_moment_through_relu_layers():
    # The variance argument: with He weights the mean square of the pre-activations stays put.
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(4000, 256, dtype=torch.float64, generator=gen)
    first = None
    for _ in range(10):
        w = layers.he_normal_(torch.empty(256, 256, dtype=torch.float64), generator=gen)
        z = h @ w.T
        first = (z**2).mean().item() if first is None else first
        h = torch.relu(z)
    assert 0.7 < (z**2).mean().item() / first < 1.4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: layers.fans((5,)),
            r"shape must have at least 2 dimensions \(out, in, ...\); got \(5,\)",
        ),
        (lambda: layers.xavier_std(0, 3), "fan_in must be an integer >= 1; got 0"),
        (lambda: layers.he_normal_(torch.empty(4)), r"got shape \(4,\)"),
    ],
)
def test_init_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_fractional_fan_is_a_type_error():
    with pytest.raises(TypeError, match=r"fan_in must be an integer .*; got 2.5 \(float\)"):
        layers.he_std(2.5)
