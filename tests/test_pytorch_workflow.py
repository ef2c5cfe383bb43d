"""Tests of dlcourse.workflow: the lecture's straight-line model and the L1 step bound."""

from __future__ import annotations

import math
import re

import pytest
import torch
from torch import nn

from dlcourse.workflow import LinearRegressionModel, l1_steps_needed


def line(n=100):
    """The lecture's straight line (weight 0.3, bias 0.9), as chapter 5 builds it."""
    X = torch.arange(n).unsqueeze(1) / n
    return X, 0.3 * X + 0.9


def test_model_has_two_learnable_scalar_parameters_in_its_state_dict():
    model = LinearRegressionModel(seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["weight", "bias"]
    for p in model.parameters():
        assert isinstance(p, nn.Parameter) and p.requires_grad and p.shape == (1,)
    state = model.state_dict()
    assert list(state) == ["weight", "bias"]
    torch.testing.assert_close(state["weight"], model.weight.detach())


def test_seed_fixes_the_start_and_matches_torch_randn():
    generator = torch.Generator().manual_seed(7)
    expected = torch.randn(2, generator=generator)
    model = LinearRegressionModel(seed=7)
    torch.testing.assert_close(torch.cat([model.weight, model.bias]).detach(), expected)
    torch.manual_seed(123)
    a = LinearRegressionModel()
    torch.manual_seed(123)
    b = LinearRegressionModel()
    torch.testing.assert_close(a.weight, b.weight)  # seed=None follows the global generator


def test_forward_equals_nn_linear_with_the_same_numbers():
    model = LinearRegressionModel(seed=1)
    linear = nn.Linear(1, 1)
    with torch.no_grad():
        linear.weight.copy_(model.weight.view(1, 1))
        linear.bias.copy_(model.bias)
    X, _ = line(n=37)
    torch.testing.assert_close(model(X), linear(X))
    assert model(X).shape == (37, 1)


def test_gradients_match_the_l1_formula():
    model = LinearRegressionModel(seed=2)
    X, y = line(n=50)
    loss = nn.L1Loss()(model(X), y)
    loss.backward()
    sign = torch.sign(model(X).detach() - y)
    torch.testing.assert_close(model.weight.grad, (sign * X).mean().view(1))
    torch.testing.assert_close(model.bias.grad, sign.mean().view(1))


def test_state_dict_round_trip_through_a_file(tmp_path):
    model = LinearRegressionModel(seed=3)
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    fresh = LinearRegressionModel(seed=99)
    fresh.load_state_dict(torch.load(path, weights_only=True))
    X, _ = line()
    assert torch.equal(fresh(X), model(X))


@pytest.mark.parametrize("shape", [(10,), (10, 2), (2, 5, 1)])
def test_forward_rejects_inputs_that_are_not_a_column(shape):
    model = LinearRegressionModel(seed=0)
    with pytest.raises(ValueError, match=r"shape \(N, 1\).*got " + re.escape(str(shape))):
        model(torch.zeros(shape))


def test_l1_steps_needed_is_a_true_lower_bound_for_sgd():
    # Train the bias alone (weight frozen at the truth) and count the steps it really takes.
    X, y = line()
    model = LinearRegressionModel(seed=0)
    with torch.no_grad():
        model.weight.fill_(0.3)
        model.bias.fill_(-0.5)
    model.weight.requires_grad_(False)
    optimizer = torch.optim.SGD([model.bias], lr=0.01)
    steps = 0
    while abs(model.bias.item() - 0.9) > 1e-3:
        optimizer.zero_grad()
        nn.L1Loss()(model(X), y).backward()
        optimizer.step()
        steps += 1
    bound = l1_steps_needed(-0.5, 0.9, lr=0.01)
    assert bound == 140
    assert steps >= bound - 1  # within 1e-3 of the target, so at most one step early
    assert steps <= bound + 1  # far from the target every sign agrees: the bound is reached


@pytest.mark.parametrize(
    ("start", "target", "lr", "max_grad", "expected"),
    [
        (0.0, 1.0, 0.1, 1.0, 10),
        (1.0, 0.0, 0.1, 1.0, 10),
        (0.0, 0.05, 0.01, 0.5, 10),
        (2, 2, 1, 1, 0),
    ],
)
def test_l1_steps_needed_arithmetic(start, target, lr, max_grad, expected):
    assert l1_steps_needed(start, target, lr, max_grad) == expected
    assert expected == math.ceil(round(abs(target - start) / (lr * max_grad), 9))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "lr must be a finite real number > 0; got 0.0"),
        ({"lr": float("nan")}, "lr must be a finite real number > 0; got nan"),
        ({"lr": 0.1, "max_grad": -1.0}, "max_grad must be a finite real number > 0; got -1.0"),
        ({"lr": 1e-300, "target": 1e300}, "too many steps to count"),
    ],
)
def test_l1_steps_needed_rejects_bad_rates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        l1_steps_needed(0.0, kwargs.pop("target", 1.0), **kwargs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: l1_steps_needed("0", 1.0, 0.1), "start must be"),
        (lambda: LinearRegressionModel(seed=1.5), "seed must be an integer"),
        (lambda: LinearRegressionModel(seed=0)([[1.0]]), "x must be a torch.Tensor"),
    ],
)
def test_wrong_types_are_type_errors(call, message):
    with pytest.raises(TypeError, match=message):
        call()
