"""dlcourse.optim, dlcourse.schedulers and dlcourse.surfaces against their torch counterparts."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcourse import optim, schedulers, surfaces

# (ours, torch's, keyword arguments for ours, the same for torch)
CASES = [
    (optim.SGD, torch.optim.SGD, {"lr": 0.1}, {"lr": 0.1}),
    (optim.SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    (
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.05, "weight_decay": 0.01},
        {"lr": 0.05, "weight_decay": 0.01},
    ),
    (
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1},
    ),
    (
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    ),
    (
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True},
        {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True},
    ),
    (optim.AdaGrad, torch.optim.Adagrad, {"lr": 0.1}, {"lr": 0.1}),
    (optim.AdaGrad, torch.optim.Adagrad, {"lr": 0.5, "eps": 1e-6}, {"lr": 0.5, "eps": 1e-6}),
    (optim.RMSProp, torch.optim.RMSprop, {"lr": 0.01}, {"lr": 0.01}),
    (
        optim.RMSProp,
        torch.optim.RMSprop,
        {"lr": 3e-3, "rho": 0.9, "eps": 1e-6},
        {"lr": 3e-3, "alpha": 0.9, "eps": 1e-6},
    ),
    (optim.Adam, torch.optim.Adam, {}, {}),
    (
        optim.Adam,
        torch.optim.Adam,
        {"lr": 0.01, "betas": (0.8, 0.99)},
        {"lr": 0.01, "betas": (0.8, 0.99)},
    ),
    (
        optim.Adam,
        torch.optim.Adam,
        {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-4},
        {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-4},
    ),
    (optim.AdamW, torch.optim.AdamW, {}, {}),
    (
        optim.AdamW,
        torch.optim.AdamW,
        {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.5},
        {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.5},
    ),
]
IDS = [
    f"{c[0].__name__}-{'-'.join(f'{k}={v}' for k, v in c[2].items()) or 'defaults'}" for c in CASES
]
# State entries named as torch names them, so that the buffers can be compared too.
STATE_KEYS = {
    optim.SGD: ["momentum_buffer"],
    optim.AdaGrad: ["sum"],
    optim.RMSProp: ["square_avg"],
    optim.Adam: ["exp_avg", "exp_avg_sq"],
    optim.AdamW: ["exp_avg", "exp_avg_sq"],
}


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double()


def batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A different regression batch at every step: (16, 4) inputs, (16, 2) targets, float64."""
    gen = torch.Generator().manual_seed(1000 + step)
    X = torch.randn(16, 4, generator=gen, dtype=torch.float64)
    return X, torch.sin(X[:, :2]) + 0.1 * torch.randn(16, 2, generator=gen, dtype=torch.float64)


def train(model: nn.Module, optimizer: torch.optim.Optimizer, steps: range) -> None:
    for step in steps:
        X, y = batch(step)
        loss = ((model(X) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize(("ours", "theirs", "kw", "torch_kw"), CASES, ids=IDS)
def test_follows_torch_for_100_steps(ours, theirs, kw, torch_kw):
    model_a, model_b = make_model(), make_model()
    opt_a, opt_b = ours(model_a.parameters(), **kw), theirs(model_b.parameters(), **torch_kw)
    for step in range(100):
        train(model_a, opt_a, range(step, step + 1))
        train(model_b, opt_b, range(step, step + 1))
        assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-6), f"step {step}"
    assert not torch.equal(flat(model_a), flat(make_model())), "the parameters never moved"
    for p_a, p_b in zip(model_a.parameters(), model_b.parameters(), strict=True):
        for key in STATE_KEYS[ours]:
            if key in opt_b.state[p_b]:
                assert torch.allclose(opt_a.state[p_a][key], opt_b.state[p_b][key], atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(
    lr=st.floats(1e-4, 0.05),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.floats(1e-10, 1e-3),
    weight_decay=st.floats(0.0, 0.5),
)
def test_adam_matches_torch_for_random_hyperparameters(lr, beta1, beta2, eps, weight_decay):
    kw = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay}
    model_a, model_b = make_model(1), make_model(1)
    train(model_a, optim.Adam(model_a.parameters(), **kw), range(20))
    train(model_b, torch.optim.Adam(model_b.parameters(), **kw), range(20))
    assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    lr=st.floats(1e-4, 0.05),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.floats(1e-10, 1e-3),
    weight_decay=st.floats(0.0, 2.0),
)
def test_adamw_matches_torch_for_random_hyperparameters(lr, beta1, beta2, eps, weight_decay):
    kw = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay}
    model_a, model_b = make_model(3), make_model(3)
    train(model_a, optim.AdamW(model_a.parameters(), **kw), range(20))
    train(model_b, torch.optim.AdamW(model_b.parameters(), **kw), range(20))
    assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-9)


def test_adamw_decays_every_weight_by_the_same_factor_and_adam_does_not():
    # With a zero gradient only the decay acts. AdamW shrinks every entry by 1 - lr * wd,
    # whatever its size; Adam's L2 decay goes through the adaptive step, lr * sign(p) here.
    start = torch.tensor([1.0, 1000.0], dtype=torch.float64)
    steps = {}
    for cls in (optim.AdamW, optim.Adam):
        p = start.clone().requires_grad_()
        opt = cls([p], lr=0.1, weight_decay=0.5)
        p.grad = torch.zeros_like(p)
        opt.step()
        steps[cls] = p.detach()
    assert torch.allclose(steps[optim.AdamW], start * (1 - 0.1 * 0.5), rtol=0, atol=1e-12)
    assert torch.allclose(steps[optim.Adam], start - 0.1, rtol=0, atol=1e-6)


def test_adamw_without_decay_is_adam():
    model_a, model_b = make_model(4), make_model(4)
    train(model_a, optim.AdamW(model_a.parameters(), lr=0.01, weight_decay=0.0), range(20))
    train(model_b, optim.Adam(model_b.parameters(), lr=0.01), range(20))
    assert torch.equal(flat(model_a), flat(model_b))


@settings(max_examples=15, deadline=None)
@given(lr=st.floats(1e-4, 0.05), rho=st.floats(0.0, 0.999), eps=st.floats(1e-10, 1e-3))
def test_rmsprop_matches_torch_for_random_hyperparameters(lr, rho, eps):
    model_a, model_b = make_model(2), make_model(2)
    train(model_a, optim.RMSProp(model_a.parameters(), lr=lr, rho=rho, eps=eps), range(20))
    train(model_b, torch.optim.RMSprop(model_b.parameters(), lr=lr, alpha=rho, eps=eps), range(20))
    assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-9)


@pytest.mark.parametrize(("ours", "theirs", "kw", "torch_kw"), CASES, ids=IDS)
def test_parameter_groups_with_different_learning_rates(ours, theirs, kw, torch_kw):
    model_a, model_b = make_model(), make_model()

    def groups(model):
        first, last = model[0], model[2]
        return [{"params": first.parameters(), "lr": 0.02}, {"params": last.parameters()}]

    opt_a = ours(groups(model_a), **{**kw, "lr": 0.005})
    opt_b = theirs(groups(model_b), **{**torch_kw, "lr": 0.005})
    assert [g["lr"] for g in opt_a.param_groups] == [0.02, 0.005]
    train(model_a, opt_a, range(30))
    train(model_b, opt_b, range(30))
    assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-6)


def test_a_group_with_zero_learning_rate_stays_put():
    model = make_model()
    before = model[0].weight.detach().clone()
    opt = optim.Adam(
        [{"params": model[0].parameters(), "lr": 0.0}, {"params": model[2].parameters()}]
    )
    train(model, opt, range(5))
    assert torch.equal(model[0].weight, before)
    assert not torch.equal(model[2].weight, make_model()[2].weight)


@pytest.mark.parametrize(("ours", "theirs", "kw", "torch_kw"), CASES, ids=IDS)
def test_state_dict_round_trip_resumes_exactly(ours, theirs, kw, torch_kw):
    # Uninterrupted: 60 steps in one go.
    model_full = make_model()
    train(model_full, ours(model_full.parameters(), **kw), range(60))

    # Interrupted: 30 steps, a checkpoint, a fresh model and optimizer, 30 more steps.
    model = make_model()
    opt = ours(model.parameters(), **kw)
    train(model, opt, range(30))
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    resumed = make_model(seed=123)  # different initial weights: the checkpoint must overwrite them
    resumed.load_state_dict(checkpoint["model"])
    opt_resumed = ours(resumed.parameters(), **kw)
    opt_resumed.load_state_dict(checkpoint["optimizer"])
    train(resumed, opt_resumed, range(30, 60))
    assert torch.equal(flat(resumed), flat(model_full))


def test_state_dict_restores_changed_hyperparameters():
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.param_groups[0]["lr"] = 0.01  # what a scheduler does
    fresh = optim.SGD(make_model().parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.01


@pytest.mark.parametrize(("ours", "theirs", "kw", "torch_kw"), CASES[::3], ids=IDS[::3])
def test_closure_and_parameters_without_gradient(ours, theirs, kw, torch_kw):
    frozen = torch.ones(3, dtype=torch.float64, requires_grad=True)  # never gets a gradient
    model_a, model_b = make_model(), make_model()
    opt_a = ours(list(model_a.parameters()) + [frozen], **kw)
    opt_b = theirs(
        list(model_b.parameters()) + [frozen.detach().clone().requires_grad_()], **torch_kw
    )
    X, y = batch(0)
    for model, opt in [(model_a, opt_a), (model_b, opt_b)]:

        def closure(model=model, opt=opt):
            opt.zero_grad()
            loss = ((model(X) - y) ** 2).mean()
            loss.backward()
            return loss

        returned = opt.step(closure)
        assert returned is not None and returned.ndim == 0
    assert torch.allclose(flat(model_a), flat(model_b), rtol=0, atol=1e-12)
    assert torch.equal(frozen, torch.ones(3, dtype=torch.float64))
    assert len(opt_a.state[frozen]) == 0  # no state for a parameter that was never updated


def one_step(optimizer_cls, grad: torch.Tensor, **kw) -> torch.Tensor:
    """The change of a parameter (starting at 0) after one step with the given gradient."""
    p = torch.zeros_like(grad, requires_grad=True)
    p.grad = grad.clone()
    optimizer_cls([p], **kw).step()
    return p.detach()


def test_first_steps_follow_the_formulas():
    g = torch.tensor([3.0, -0.02, 0.0], dtype=torch.float64)
    # AdaGrad's first step is lr * g / (|g| + eps): lr in every coordinate with a gradient.
    step = one_step(optim.AdaGrad, g, lr=0.5)
    assert torch.allclose(step, -0.5 * g / (g.abs() + 1e-10))
    # The lecture's placement: lr * g / sqrt(g^2 + eps).
    step = one_step(optim.AdaGrad, g, lr=0.5, eps=1e-4, eps_inside_sqrt=True)
    assert torch.allclose(step, -0.5 * g / torch.sqrt(g**2 + 1e-4))
    step = one_step(optim.RMSProp, g, lr=0.1, rho=0.9, eps=1e-4, eps_inside_sqrt=True)
    assert torch.allclose(step, -0.1 * g / torch.sqrt(0.1 * g**2 + 1e-4))
    # Adam with bias correction: the first step is lr * sign(g) (up to eps).
    step = one_step(optim.Adam, g, lr=0.01)
    assert torch.allclose(step, -0.01 * g / (g.abs() + 1e-8))
    # Without it: lr * (1 - b1) g / (sqrt(1 - b2) |g| + eps), about 3.16 lr for the defaults.
    step = one_step(optim.Adam, g, lr=0.01, bias_correction=False)
    expected = -0.01 * 0.1 * g / (math.sqrt(0.001) * g.abs() + 1e-8)
    assert torch.allclose(step, expected)
    assert abs(step[0].item() / -0.01 - 0.1 / math.sqrt(0.001)) < 1e-6


def test_eps_placement_barely_changes_training():
    model_a, model_b = make_model(), make_model()
    train(model_a, optim.RMSProp(model_a.parameters(), lr=0.01), range(50))
    train(model_b, optim.RMSProp(model_b.parameters(), lr=0.01, eps_inside_sqrt=True), range(50))
    assert not torch.equal(flat(model_a), flat(model_b))  # different formulas...
    X, y = batch(999)
    loss_a, loss_b = (((m(X) - y) ** 2).mean().item() for m in (model_a, model_b))
    assert abs(loss_a - loss_b) < 0.1 * loss_a  # ...about the same loss


BAD = [
    (optim.SGD, {"lr": -0.1}, "lr"),
    (optim.SGD, {"lr": float("nan")}, "lr"),
    (optim.SGD, {"lr": float("inf")}, "lr"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.9}, "momentum"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1e-4}, "weight_decay"),
    (optim.AdaGrad, {"lr": -1.0}, "lr"),
    (optim.AdaGrad, {"eps": -1e-10}, "eps"),
    (optim.RMSProp, {"lr": -0.01}, "lr"),
    (optim.RMSProp, {"rho": 1.0}, "rho"),
    (optim.RMSProp, {"rho": -0.1}, "rho"),
    (optim.RMSProp, {"eps": -1e-8}, "eps"),
    (optim.Adam, {"lr": -1e-3}, "lr"),
    (optim.Adam, {"betas": (1.0, 0.999)}, "beta1"),
    (optim.Adam, {"betas": (-0.1, 0.999)}, "beta1"),
    (optim.Adam, {"betas": (0.9, 1.0)}, "beta2"),
    (optim.Adam, {"betas": (0.9, 1.5)}, "beta2"),
    (optim.Adam, {"betas": (0.9,)}, "betas"),
    (optim.Adam, {"eps": -1e-8}, "eps"),
    (optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
    (optim.AdamW, {"lr": -1e-3}, "lr"),
    (optim.AdamW, {"betas": (0.9, 1.0)}, "beta2"),
    (optim.AdamW, {"eps": -1e-8}, "eps"),
    (optim.AdamW, {"weight_decay": -0.1}, "weight_decay"),
    (optim.AdamW, {"weight_decay": float("nan")}, "weight_decay"),
]


@pytest.mark.parametrize(
    ("cls", "kw", "name"), BAD, ids=[f"{c.__name__}-{n}-{kw}" for c, kw, n in BAD]
)
def test_invalid_hyperparameters_raise(cls, kw, name):
    with pytest.raises(ValueError, match=name):
        cls(make_model().parameters(), **kw)


@pytest.mark.parametrize(
    ("cls", "kw", "match"),
    [
        (optim.SGD, {"lr": "0.1"}, r"lr must be a finite real number >= 0; got '0.1' \(str\)"),
        (optim.SGD, {"lr": True}, "lr must be"),
        (optim.Adam, {"betas": (0.9, "0.999")}, r"betas\[1\] \(beta2\) must be"),
        (optim.Adam, {"bias_correction": "no"}, "bias_correction must be True or False"),
        (optim.AdaGrad, {"eps_inside_sqrt": 1}, "eps_inside_sqrt must be True or False"),
    ],
)
def test_a_hyperparameter_of_the_wrong_type_is_a_type_error(cls, kw, match):
    with pytest.raises(TypeError, match=match):
        cls(make_model().parameters(), **kw)


@pytest.mark.parametrize("params", [None, torch.zeros(2), [1.0, 2.0]])
def test_params_that_are_not_tensors_are_a_type_error(params):
    with pytest.raises(TypeError, match="params must"):
        optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="params must hold at least one tensor"):
        optim.Adam([])


def test_invalid_hyperparameter_in_a_later_group_raises():
    model = make_model()
    opt = optim.Adam(model[0].parameters())
    with pytest.raises(ValueError, match=r"param_group\['lr'\] must be .*>= 0; got -1"):
        opt.add_param_group({"params": model[2].parameters(), "lr": -1.0})
    assert len(opt.param_groups) == 1  # the rejected group was not added
    with pytest.raises(ValueError, match="beta2"):
        optim.Adam([{"params": model[2].parameters(), "betas": (0.9, 1.0)}])


def test_zero_learning_rate_and_zero_coefficients_are_allowed():
    params = make_model().parameters()
    optim.SGD(params, lr=0.0, momentum=0.0, weight_decay=0.0)
    optim.Adam(make_model().parameters(), lr=0.0, betas=(0.0, 0.0), eps=0.0)
    optim.RMSProp(make_model().parameters(), rho=0.0)


# ---- schedulers -------------------------------------------------------------------------------


def smith_triangular(t: int, base: float, high: float, step_size: int) -> float:
    """Smith (2017), eq. for the triangular policy, written independently of the package."""
    cycle = math.floor(1 + t / (2 * step_size))
    x = abs(t / step_size - 2 * cycle + 1)
    return base + (high - base) * max(0.0, 1 - x)


@settings(max_examples=30, deadline=None)
@given(
    base=st.floats(0.0, 1.0),
    span=st.floats(0.0, 1.0),
    step_size=st.integers(1, 40),
    t=st.integers(0, 500),
)
def test_triangular_lr_matches_smiths_formula(base, span, step_size, t):
    expected = smith_triangular(t, base, base + span, step_size)
    assert math.isclose(
        schedulers.triangular_lr(t, base, base + span, step_size),
        expected,
        rel_tol=1e-12,
        abs_tol=1e-12,
    )


def run_schedule(scheduler_factory, steps: int = 300) -> list[list[float]]:
    model = make_model()
    opt = optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters()}], lr=0.5)
    sched = scheduler_factory(opt)
    seen = []
    for _ in range(steps):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return seen


@pytest.mark.parametrize(("up", "down"), [(10, None), (7, 3), (1, 1), (25, 40)])
def test_cyclical_lr_matches_torch_cycliclr(up, down):
    ours = run_schedule(lambda o: schedulers.CyclicalLR(o, [0.01, 0.001], [0.1, 0.02], up, down))
    theirs = run_schedule(
        lambda o: torch.optim.lr_scheduler.CyclicLR(
            o, [0.01, 0.001], [0.1, 0.02], up, down, cycle_momentum=False
        )
    )
    assert np.allclose(ours, theirs, rtol=0, atol=1e-12)
    assert ours[0] == [0.01, 0.001]  # starts at the base rate
    assert max(row[0] for row in ours) == pytest.approx(0.1)


def test_cyclical_lr_closed_form_and_state_dict_resume():
    rates = run_schedule(lambda o: schedulers.CyclicalLR(o, 0.1, 1.0, step_size_up=5), steps=40)
    assert [r[0] for r in rates] == pytest.approx(
        [smith_triangular(t, 0.1, 1.0, 5) for t in range(40)]
    )

    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = schedulers.CyclicalLR(opt, 0.1, 1.0, step_size_up=5)
    for _ in range(13):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    opt2 = optim.SGD(make_model().parameters(), lr=0.5)
    sched2 = schedulers.CyclicalLR(opt2, 0.1, 1.0, step_size_up=5)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    for t in range(13, 30):
        assert opt2.param_groups[0]["lr"] == pytest.approx(smith_triangular(t, 0.1, 1.0, 5))
        opt2.step()
        sched2.step()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"base_lr": 0.1, "max_lr": 0.05}, "max_lr must be >= base_lr"),
        ({"base_lr": 0.1, "max_lr": float("nan")}, "max_lr must be a finite"),
        ({"base_lr": 0.1, "max_lr": 0.2, "last_epoch": -2}, "last_epoch must be"),
        ({"base_lr": -0.1, "max_lr": 0.05}, "base_lr"),
        ({"base_lr": 0.1, "max_lr": [0.2, 0.3]}, "one value per parameter group"),
        ({"base_lr": 0.1, "max_lr": 0.2, "step_size_up": 0}, "step_size_up"),
        ({"base_lr": 0.1, "max_lr": 0.2, "step_size_down": 0}, "step_size_down"),
    ],
)
def test_cyclical_lr_rejects_bad_arguments(kw, match):
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=match):
        schedulers.CyclicalLR(opt, **kw)


def test_triangular_lr_rejects_negative_step():
    with pytest.raises(ValueError, match="t must be"):
        schedulers.triangular_lr(-1, 0.1, 1.0, 5)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 1.0, 0.1, 5), ValueError, "max_lr must be >= base_lr = 1.0; got max_lr=0.1"),
        ((0, -0.1, 1.0, 5), ValueError, "base_lr must be a finite real number >= 0; got -0.1"),
        ((0, -1.0, -0.5, 5), ValueError, "base_lr must be"),
        ((0, 0.1, float("inf"), 5), ValueError, "max_lr must be a finite"),
        ((0, 0.1, 1.0, 2.5), TypeError, "step_size_up must be an integer"),
        ((True, 0.1, 1.0, 5), TypeError, "t must be an integer"),
    ],
)
def test_triangular_lr_rejects_inconsistent_rates(args, error, match):
    with pytest.raises(error, match=match):
        schedulers.triangular_lr(*args)


# ---- surfaces ---------------------------------------------------------------------------------


def gradient(f, point):
    p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    f(p).backward()
    return p.grad


def test_surfaces_have_their_documented_critical_points():
    assert surfaces.rosenbrock(torch.tensor([1.0, 1.0])).item() == 0.0
    assert torch.allclose(
        gradient(surfaces.rosenbrock, [1.0, 1.0]), torch.zeros(2, dtype=torch.float64)
    )
    assert torch.allclose(
        gradient(surfaces.saddle, [0.0, 0.0]), torch.zeros(2, dtype=torch.float64)
    )
    assert surfaces.saddle(torch.tensor([0.0, 1.0])).item() == pytest.approx(-0.25)
    hessian = torch.autograd.functional.hessian(
        surfaces.saddle, torch.zeros(2, dtype=torch.float64)
    )
    assert sorted(torch.linalg.eigvalsh(hessian).tolist()) == pytest.approx([-1.0, 1.0])
    hessian = torch.autograd.functional.hessian(
        lambda p: surfaces.ravine(p, a=2.0, b=30.0), torch.tensor([0.3, -0.2], dtype=torch.float64)
    )
    assert torch.allclose(hessian, torch.diag(torch.tensor([2.0, 30.0], dtype=torch.float64)))


def test_surfaces_reject_points_that_are_not_2d():
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        surfaces.rosenbrock(torch.zeros(3))


def test_trajectory_and_steps_to():
    path, losses = surfaces.trajectory(
        surfaces.rosenbrock, (-1.2, 1.0), lambda ps: optim.SGD(ps, lr=1e-3), 50
    )
    assert path.shape == (51, 2) and losses.shape == (51,)
    assert path[0].tolist() == [-1.2, 1.0] and losses[0] == pytest.approx(24.2)
    assert losses[-1] < losses[0]
    # A learning rate far too large: the run stops at the first non-finite loss.
    path, losses = surfaces.trajectory(
        lambda p: p[..., 0] ** 4, [3.0], lambda ps: optim.SGD(ps, lr=10.0), 100
    )
    assert len(losses) < 101 and not np.isfinite(losses[-1]) and len(path) == len(losses)
    assert surfaces.trajectory(surfaces.saddle, (1.0, 1.0), lambda ps: optim.SGD(ps, lr=0.1), 0)[
        0
    ].shape == (1, 2)
    with pytest.raises(ValueError, match="steps"):
        surfaces.trajectory(surfaces.saddle, (1.0, 1.0), lambda ps: optim.SGD(ps, lr=0.1), -1)
    assert surfaces.steps_to([5.0, 2.0, 0.5, 0.1], 1.0) == 2
    assert surfaces.steps_to([5.0, 2.0], 1.0) is None


def test_grid_evaluates_the_surface_everywhere():
    X, Y, Z = surfaces.grid(surfaces.rosenbrock, (-2, 2), (-1, 3), n=7)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    i, j = 3, 5
    point = torch.tensor([X[i, j], Y[i, j]])
    assert Z[i, j] == pytest.approx(surfaces.rosenbrock(point).item())
    with pytest.raises(ValueError, match="n must be"):
        surfaces.grid(surfaces.rosenbrock, (-2, 2), (-1, 3), n=1)


@pytest.mark.parametrize("momentum", [0.0, 0])
def test_nesterov_needs_momentum(momentum):
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0; got momentum=0"):
        optim.SGD([w], lr=0.1, momentum=momentum, nesterov=True)
