"""dlcourse.meta: the sine tasks, the inner loop, MAML's meta-gradient, the baselines."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import meta


def _task_batch(T=3, k=4, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(T, k, 1, generator=g, dtype=dtype) for _ in range(4)]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: a second thread only adds synchronisation (and waits on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- the tasks ------------------------------------------------------------------------------


def test_sine_tasks_are_drawn_from_the_stated_ranges():
    tasks = meta.SineTasks.sample(2000, np.random.default_rng(0))
    assert len(tasks) == 2000
    assert 0.1 <= tasks.amplitude.min() and tasks.amplitude.max() <= 5.0
    assert 0.0 <= tasks.phase.min() and tasks.phase.max() <= np.pi
    assert tasks.amplitude.max() - tasks.amplitude.min() > 4.5  # spread over the range
    x, y = tasks.points(7, np.random.default_rng(1))
    assert x.shape == y.shape == (2000, 7, 1)
    assert -5 <= x.min() and x.max() <= 5
    expected = tasks.amplitude[:, None] * np.sin(x[..., 0].numpy() - tasks.phase[:, None])
    np.testing.assert_allclose(y[..., 0].numpy(), expected, rtol=1e-5, atol=1e-5)


def test_sine_net_maps_one_input_to_one_output():
    net = meta.sine_net(hidden=8)
    assert net(torch.zeros(5, 1)).shape == (5, 1)


# --- the inner loop -------------------------------------------------------------------------


def test_one_inner_step_is_a_plain_gradient_step():
    torch.manual_seed(0)
    net = meta.sine_net(hidden=5).double()
    x, y = torch.randn(6, 1, dtype=torch.float64), torch.randn(6, 1, dtype=torch.float64)
    params = dict(net.named_parameters())
    adapted = meta.adapt(net, params, x, y, lr=0.1, steps=1)
    loss = ((net(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()))
    for (name, p), g in zip(params.items(), grads, strict=True):
        torch.testing.assert_close(adapted[name], p - 0.1 * g)
    assert all(p is net.get_parameter(n) for n, p in params.items())  # the input is kept


def test_adaptation_lowers_the_support_loss():
    torch.manual_seed(0)
    net = meta.sine_net(hidden=20).double()
    x = torch.linspace(-5, 5, 10, dtype=torch.float64).view(-1, 1)
    y = 2 * torch.sin(x)
    params = {n: p.detach() for n, p in net.named_parameters()}
    before = meta.mse(net, params, x, y)
    after = meta.mse(net, meta.adapt(net, params, x, y, lr=0.01, steps=20), x, y)
    assert after < 0.9 * before


# --- the meta-gradient ----------------------------------------------------------------------


def _hand_meta_gradient(w, xs, ys, xq, yq, alpha, first_order):
    """Model y = w x, MSE losses. Inner step: w' = w - alpha L_s'(w), L_s' = 2 mean(x (w x - y)).
    Meta-gradient: L_q'(w') * dw'/dw, with dw'/dw = 1 - alpha L_s''(w) = 1 - 2 alpha mean(x^2)
    (second order), or 1 (first order: the Hessian term dropped)."""
    w_adapted = w - alpha * 2 * np.mean(xs * (w * xs - ys))
    outer = 2 * np.mean(xq * (w_adapted * xq - yq))
    return outer * (1.0 if first_order else 1 - alpha * 2 * np.mean(xs**2))


@pytest.mark.parametrize("first_order", [False, True])
def test_meta_gradient_of_a_one_weight_model_matches_the_hand_derivation(first_order):
    net = nn.Linear(1, 1, bias=False).double()
    with torch.no_grad():
        net.weight.fill_(0.7)
    xs, ys, xq, yq = _task_batch(T=1, k=5)
    loss = meta.maml_loss(net, xs, ys, xq, yq, inner_lr=0.3, first_order=first_order)
    loss.backward()
    expected = _hand_meta_gradient(0.7, *(t[0, :, 0].numpy() for t in (xs, ys, xq, yq)), 0.3,
                                   first_order)  # fmt: skip
    assert net.weight.grad.item() == pytest.approx(expected, rel=1e-10)
    # the Hessian term matters here: the two variants differ by the factor 1 - 2 alpha mean(x^2)
    other = _hand_meta_gradient(0.7, *(t[0, :, 0].numpy() for t in (xs, ys, xq, yq)), 0.3,
                                not first_order)  # fmt: skip
    assert abs(expected - other) > 1e-3 * abs(expected)


@pytest.mark.parametrize("inner_steps", [1, 2])
def test_second_order_meta_gradient_matches_finite_differences(inner_steps):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    batch = _task_batch(T=3, k=4)
    kw = dict(inner_lr=0.2, inner_steps=inner_steps)
    meta.maml_loss(net, *batch, **kw).backward()
    eps = 1e-6
    for p in net.parameters():
        flat, grad = p.data.view(-1), p.grad.view(-1)
        for i in range(flat.numel()):
            old = flat[i].item()
            flat[i] = old + eps
            up = meta.maml_loss(net, *batch, **kw).item()
            flat[i] = old - eps
            down = meta.maml_loss(net, *batch, **kw).item()
            flat[i] = old
            assert grad[i].item() == pytest.approx((up - down) / (2 * eps), abs=1e-7, rel=1e-5)


def test_first_order_is_the_query_gradient_at_the_adapted_weights():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    xs, ys, xq, yq = _task_batch(T=2, k=4)
    meta.maml_loss(net, xs, ys, xq, yq, inner_lr=0.2, first_order=True).backward()
    first = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    meta.maml_loss(net, xs, ys, xq, yq, inner_lr=0.2, first_order=False).backward()
    second = [p.grad.clone() for p in net.parameters()]
    expected = [torch.zeros_like(p) for p in net.parameters()]
    for t in range(2):  # by hand: adapt, then the plain gradient of the query loss there
        params = {n: p.detach() for n, p in net.named_parameters()}
        adapted = meta.adapt(net, params, xs[t], ys[t], lr=0.2, steps=1)
        adapted = {n: p.requires_grad_() for n, p in adapted.items()}
        g = torch.autograd.grad(meta.mse(net, adapted, xq[t], yq[t]), list(adapted.values()))
        expected = [e + gi / 2 for e, gi in zip(expected, g, strict=True)]
    for f, e in zip(first, expected, strict=True):
        torch.testing.assert_close(f, e)
    assert any((f - s).abs().max() > 1e-4 for f, s in zip(first, second, strict=True))


def test_zero_inner_steps_is_the_plain_query_loss():
    torch.manual_seed(0)
    net = meta.sine_net(hidden=6).double()
    xs, ys, xq, yq = _task_batch()
    loss = meta.maml_loss(net, xs, ys, xq, yq, inner_lr=0.1, inner_steps=0)
    torch.testing.assert_close(loss, ((net(xq.view(-1, 1)) - yq.view(-1, 1)) ** 2).mean())


# --- training and evaluation ----------------------------------------------------------------


@pytest.mark.parametrize("first_order", [False, True])
def test_train_maml_makes_one_step_of_adaptation_work_better(first_order):
    torch.manual_seed(0)
    net = meta.sine_net(hidden=20)
    rng = np.random.default_rng(1)
    tasks = meta.SineTasks.sample(50, rng)  # held-out tasks, the same before and after
    xs, ys = tasks.points(5, rng)
    before = meta.adaptation_curve(net, tasks, xs, ys, lr=0.01, steps=1)[1]
    losses = meta.train_maml(net, meta_steps=200, meta_batch=10, k_shot=5, first_order=first_order,
                             outer_lr=3e-3, rng=np.random.default_rng(0))  # fmt: skip
    after = meta.adaptation_curve(net, tasks, xs, ys, lr=0.01, steps=1)[1]
    assert len(losses) == 200 and np.isfinite(losses).all()
    assert after < 0.8 * before


def test_train_pretrained_lowers_the_joint_loss():
    torch.manual_seed(0)
    net = meta.sine_net(hidden=20)
    losses = meta.train_pretrained(net, steps=150, meta_batch=10, k_shot=5,
                                   rng=np.random.default_rng(0))  # fmt: skip
    assert np.mean(losses[-30:]) < np.mean(losses[:10])


def test_adaptation_curve_starts_at_the_unadapted_error_and_leaves_the_model_alone():
    torch.manual_seed(0)
    net = meta.sine_net(hidden=10)
    before = {n: p.clone() for n, p in net.state_dict().items()}
    rng = np.random.default_rng(0)
    tasks = meta.SineTasks.sample(4, rng)
    xs, ys = tasks.points(10, rng)
    curve = meta.adaptation_curve(net, tasks, xs, ys, lr=0.01, steps=5, n_grid=50)
    assert curve.shape == (6,)
    grid = torch.linspace(-5, 5, 50).view(1, -1, 1).expand(4, -1, -1)
    with torch.no_grad():
        start = ((net(grid.reshape(-1, 1)).view(4, 50, 1) - tasks(grid)) ** 2).mean()
    assert curve[0] == pytest.approx(start.item(), rel=1e-5)
    assert curve[-1] < curve[0]  # a few steps on the task's own points help
    for n, p in net.state_dict().items():
        torch.testing.assert_close(p, before[n])
    pred = meta.adapted_predictions(net, xs[0], ys[0], grid[0], lr=0.01, steps=5)
    manual = ((pred - tasks(grid)[0]) ** 2).mean().item()
    single = meta.adaptation_curve(
        net,
        meta.SineTasks(tasks.amplitude[:1], tasks.phase[:1]),
        xs[:1],
        ys[:1],
        lr=0.01,
        steps=5,
        n_grid=50,
    )
    assert manual == pytest.approx(single[-1], rel=1e-4)


# --- bad input ------------------------------------------------------------------------------


def test_bad_input_names_what_was_expected():
    net = meta.sine_net(hidden=4)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n must be an integer >= 1; got 0"):
        meta.SineTasks.sample(0, rng)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        meta.SineTasks.sample(3, 0)
    tasks = meta.SineTasks.sample(3, rng)
    with pytest.raises(ValueError, match=r"k must be an integer >= 1; got 0"):
        tasks.points(0, rng)
    with pytest.raises(ValueError, match=r"x must have shape \(3, k, 1\); got \(2, 5, 1\)"):
        tasks(torch.zeros(2, 5, 1))
    xs, ys, xq, yq = _task_batch(T=3, k=4, dtype=torch.float32)
    with pytest.raises(ValueError, match=r"x_support must have shape \(T, k, 1\); got \(3, 4\)"):
        meta.maml_loss(net, xs[..., 0], ys, xq, yq, inner_lr=0.1)
    with pytest.raises(ValueError, match="same number of tasks T"):
        meta.maml_loss(net, xs, ys, xq[:2], yq[:2], inner_lr=0.1)
    with pytest.raises(ValueError, match="inner_lr must be a finite real number >= 0; got -0.1"):
        meta.maml_loss(net, xs, ys, xq, yq, inner_lr=-0.1)
    with pytest.raises(ValueError, match="meta_steps must be an integer >= 1; got 0"):
        meta.train_maml(net, meta_steps=0, rng=rng)
    with pytest.raises(ValueError, match="steps must be an integer >= 1; got 0"):
        meta.train_pretrained(net, steps=0, rng=rng)
    with pytest.raises(ValueError, match=r"one row per task \(3\); got 2"):
        meta.adaptation_curve(net, tasks, xs[:2], ys[:2], lr=0.01, steps=2)
    with pytest.raises(ValueError, match=r"x_grid must have shape \(n, 1\); got \(5,\)"):
        meta.adapted_predictions(net, xs[0], ys[0], torch.zeros(5), lr=0.01, steps=1)
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        meta.adapted_predictions(net, xs[0], ys[0, :2], torch.zeros(5, 1), lr=0.01, steps=1)
    with pytest.raises(ValueError, match="hidden must be an integer >= 1; got 0"):
        meta.sine_net(0)


def test_tasks_weights_and_sizes_are_checked_before_torch_sees_them():
    net = meta.sine_net(hidden=4)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="amplitude must be finite"):
        meta.SineTasks(np.array([1.0, np.nan]), np.zeros(2))
    with pytest.raises(ValueError, match="amplitude and phase must have the same length"):
        meta.SineTasks(np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="hidden \\* hidden \\(weights\\) asks for"):
        meta.sine_net(10**6)
    tasks = meta.SineTasks.sample(3, rng)
    with pytest.raises(ValueError, match=r"k \(points per task, times T tasks\) asks for"):
        tasks.points(10**9, rng)
    x, y = torch.zeros(5, 1), torch.zeros(5, 1)
    params = dict(net.named_parameters())
    with pytest.raises(TypeError, match="model must be Module"):
        meta.mse(None, params, x, y)
    with pytest.raises(ValueError, match=r"params must name weights of model.*'no.such'"):
        meta.mse(net, {"no.such": torch.zeros(1)}, x, y)
    with pytest.raises(ValueError, match=r"y must have the model's output shape \(5, 1\)"):
        meta.mse(net, params, x, torch.zeros(5, 1)[:, 0].unsqueeze(0).T[:4])
    with pytest.raises(TypeError, match="x must hold floating-point numbers"):
        meta.mse(net, params, x.long(), y)
    with pytest.raises(TypeError, match="first_order must be True or False"):
        meta.adapt(net, params, x, y, lr=0.1, steps=1, first_order="no")
    with pytest.raises(ValueError, match="steps must be an integer <= "):
        meta.adapt(net, params, x, y, lr=0.1, steps=10**12)
    with pytest.raises(ValueError, match="meta_batch \\* k_shot asks for"):
        meta.train_maml(net, meta_steps=1, meta_batch=10**6, k_shot=10**6, rng=rng)
