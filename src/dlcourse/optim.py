"""Gradient-descent optimizers written from their update rules, as `torch.optim.Optimizer`s.

Each class follows the lecture's formula and, step for step, its `torch.optim` counterpart
(`SGD`, `Adagrad`, `RMSprop`, `Adam`, `AdamW`): same state, same order of operations, same
numbers. None of them calls torch's optimizers; the base class `Optimizer` only supplies the
bookkeeping (parameter groups, `zero_grad`, `state_dict`).

Notation: ``g`` is the gradient of the loss with respect to a parameter ``p``, ``lr`` the
learning rate; every update is element-wise, so each parameter entry gets its own step.

Two conventions differ between the lecture and torch, and torch's is the default here:
- AdaGrad and RMSProp: torch adds ``eps`` *outside* the square root, ``g / (sqrt(G) + eps)``;
  the lecture writes ``g / sqrt(G + eps)``. ``eps_inside_sqrt=True`` gives the lecture's form.
- SGD with momentum: the lecture's ``v_t = beta v_{t-1} + g_t`` with ``v_0 = 0`` gives
  ``v_1 = g_1``, which is exactly torch's "the buffer starts as the first gradient".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import torch
from torch.optim import Optimizer

from dlcourse.checks import check_bool, check_callable, check_real, describe

__all__ = ["SGD", "AdaGrad", "Adam", "AdamW", "RMSProp"]


def _at_least_zero(name: str, value: float) -> float:
    """``value`` as a float: a finite real number >= 0 (TypeError for a non-number)."""
    return check_real(name, value, min=0)


def _in_unit_interval(name: str, value: float) -> float:
    """``value`` as a float in [0, 1): a decay rate."""
    return check_real(name, value, min=0, max=1, max_open=True)


def _betas(name: str, value: tuple[float, float]) -> tuple[float, float]:
    """``(beta1, beta2)`` as floats, each in [0, 1)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (beta1, beta2); got {describe(value)}")
    return (
        _in_unit_interval(f"{name}[0] (beta1)", value[0]),
        _in_unit_interval(f"{name}[1] (beta2)", value[1]),
    )


def _params(params: Iterable[Any], name: str = "params") -> list[Any]:
    """The parameters as a non-empty list of tensors or of parameter-group dicts."""
    if isinstance(params, (torch.Tensor, str)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{name} must be an iterable of tensors or of dicts (parameter groups), such as "
            f"model.parameters(); got {describe(params)}"
        )
    params = list(params)
    if not params:
        raise ValueError(f"{name} must hold at least one tensor; got an empty list")
    for p in params:
        named = isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)  # named_parameters()
        if not (named or isinstance(p, (torch.Tensor, dict))):
            raise TypeError(f"{name} must hold tensors or dicts; got an entry {describe(p)}")
    return params


class _FromScratch(Optimizer):
    """The loop every optimizer shares: for each parameter with a gradient, apply `_update`."""

    # hyperparameter -> its check; applied to every parameter group, so that a group added
    # later with its own (bad) lr fails as loudly as a bad default.
    _checks: ClassVar[dict[str, Callable[[str, Any], Any]]] = {}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        super().__init__(_params(params), defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        # Check before adding, so that a rejected group leaves the optimizer as it was.
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(
                f"param_group must be a dict with a 'params' entry; got {describe(param_group)}"
            )
        if not isinstance(param_group["params"], torch.Tensor):  # one tensor is fine too
            param_group["params"] = _params(param_group["params"], "param_group['params']")
        for name, check in self._checks.items():
            if name in param_group:  # the group's own value: say so in an error
                param_group[name] = check(f"param_group[{name!r}]", param_group[name])
            else:
                param_group[name] = check(name, self.defaults[name])
        super().add_param_group(param_group)

    def _update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError

    @torch.no_grad()  # the update itself must not be recorded by autograd
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Update every parameter once from its ``.grad``; parameters without one are skipped.

        Args:
            closure: optional function that re-evaluates the model and returns the loss
                (as for `torch.optim.Optimizer.step`); its result is returned.
        """
        loss = None
        if closure is not None:
            check_callable("closure", closure)
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise ValueError(f"{type(self).__name__} does not support sparse gradients")
                self._update(p, p.grad, self.state[p], group)
        return loss


class SGD(_FromScratch):
    """Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.

    ``g <- g + weight_decay * p``; with momentum ``v <- momentum * v + g`` (``v`` starts as
    the first ``g``) and ``g <- v``, or with Nesterov momentum ``g <- g + momentum * v`` (the
    gradient plus the step the velocity is about to take: a look ahead); then
    ``p <- p - lr * g``.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        lr: learning rate, >= 0.
        momentum: momentum coefficient beta, >= 0 (0.9 is the usual choice).
        weight_decay: L2 penalty coefficient, >= 0 (the gradient of ``wd/2 * ||p||^2``).
        nesterov: Nesterov's momentum, as ``torch.optim.SGD(nesterov=True)``; needs
            ``momentum > 0``.
    """

    _checks: ClassVar[dict] = {
        "lr": _at_least_zero,
        "momentum": _at_least_zero,
        "weight_decay": _at_least_zero,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if nesterov and not (isinstance(momentum, (int, float)) and momentum > 0):
            raise ValueError(f"nesterov=True needs momentum > 0; got momentum={momentum!r}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "weight_decay": weight_decay,
            "nesterov": bool(nesterov),
        }
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        if group["momentum"] != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.clone()  # v_1 = 0 * beta + g_1
            else:
                state["momentum_buffer"].mul_(group["momentum"]).add_(g)
            if group["nesterov"]:  # look ahead: the gradient plus the coming velocity step
                g = g.add(state["momentum_buffer"], alpha=group["momentum"])
            else:
                g = state["momentum_buffer"]
        p.add_(g, alpha=-group["lr"])


class AdaGrad(_FromScratch):
    """AdaGrad: every entry's step shrinks with the sum of its squared gradients so far.

    ``G <- G + g^2`` (``G`` starts at 0), then ``p <- p - lr * g / (sqrt(G) + eps)``.
    Because ``G`` only grows, the effective learning rate ``lr / sqrt(G)`` only decays.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        lr: learning rate, >= 0.
        eps: added to the denominator against division by zero, >= 0.
        eps_inside_sqrt: use the lecture's ``g / sqrt(G + eps)`` instead of torch's form.
    """

    _checks: ClassVar[dict] = {"lr": _at_least_zero, "eps": _at_least_zero}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        eps: float = 1e-10,
        eps_inside_sqrt: bool = False,
    ) -> None:
        eps_inside_sqrt = check_bool("eps_inside_sqrt", eps_inside_sqrt)
        defaults = {"lr": lr, "eps": eps, "eps_inside_sqrt": eps_inside_sqrt}
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        if "sum" not in state:
            state["sum"] = torch.zeros_like(p)  # torch's initial_accumulator_value = 0
        G = state["sum"]
        G.addcmul_(g, g)
        if group["eps_inside_sqrt"]:
            denom = (G + group["eps"]).sqrt()
        else:
            denom = G.sqrt().add_(group["eps"])
        p.addcdiv_(g, denom, value=-group["lr"])


class RMSProp(_FromScratch):
    """RMSProp: AdaGrad with a moving average of squared gradients instead of their sum.

    ``s <- rho * s + (1 - rho) * g^2`` (``s`` starts at 0), then
    ``p <- p - lr * g / (sqrt(s) + eps)``. Old gradients fade, so the step never vanishes.
    ``rho`` is what torch calls ``alpha``.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        lr: learning rate, >= 0.
        rho: decay of the moving average, in [0, 1); it averages about ``1 / (1 - rho)`` steps.
        eps: added to the denominator against division by zero, >= 0.
        eps_inside_sqrt: use the lecture's ``g / sqrt(s + eps)`` instead of torch's form.
    """

    _checks: ClassVar[dict] = {
        "lr": _at_least_zero,
        "rho": _in_unit_interval,
        "eps": _at_least_zero,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        rho: float = 0.99,
        eps: float = 1e-8,
        eps_inside_sqrt: bool = False,
    ) -> None:
        eps_inside_sqrt = check_bool("eps_inside_sqrt", eps_inside_sqrt)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "eps_inside_sqrt": eps_inside_sqrt}
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        if "square_avg" not in state:
            state["square_avg"] = torch.zeros_like(p)
        s, rho = state["square_avg"], group["rho"]
        s.mul_(rho).addcmul_(g, g, value=1 - rho)
        if group["eps_inside_sqrt"]:
            denom = (s + group["eps"]).sqrt()
        else:
            denom = s.sqrt().add_(group["eps"])
        p.addcdiv_(g, denom, value=-group["lr"])


class Adam(_FromScratch):
    """Adam: momentum on the gradient, RMSProp on its square, both bias-corrected.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2`` (both start at 0), then with
    ``m_hat = m / (1 - b1^t)`` and ``v_hat = v / (1 - b2^t)`` at step ``t = 1, 2, ...``:
    ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``. ``weight_decay`` adds ``wd * p`` to the
    gradient (L2, as `torch.optim.Adam`), so the decay too is divided by ``sqrt(v_hat)``;
    :class:`AdamW` decouples it instead.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        lr: learning rate, >= 0.
        betas: ``(b1, b2)``, each in [0, 1): decays of the two moving averages.
        eps: added to the denominator against division by zero, >= 0.
        weight_decay: L2 penalty coefficient, >= 0.
        bias_correction: divide by ``1 - b^t``; ``False`` shows what goes wrong without it.
    """

    _checks: ClassVar[dict] = {
        "lr": _at_least_zero,
        "betas": _betas,
        "eps": _at_least_zero,
        "weight_decay": _at_least_zero,
    }
    _decoupled: ClassVar[bool] = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        bias_correction: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "bias_correction": check_bool("bias_correction", bias_correction),
        }
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(p)  # m_0 = 0
            state["exp_avg_sq"] = torch.zeros_like(p)  # v_0 = 0
        b1, b2 = group["betas"]
        if group["weight_decay"] != 0:
            if self._decoupled:  # AdamW: shrink the weight itself, outside the adaptive step
                p.mul_(1 - group["lr"] * group["weight_decay"])
            else:  # L2: the decay joins the gradient, and is rescaled with it
                g = g.add(p, alpha=group["weight_decay"])
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        if group["bias_correction"]:
            # m and v start at 0, so early on they underestimate; 1 - b^t undoes exactly that.
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        else:
            m_hat, v_hat = m, v
        p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as `torch.optim.AdamW`.

    Each step first shrinks the weight, ``p <- p * (1 - lr * weight_decay)``, then takes
    Adam's step on the gradient of the loss alone. Every weight decays by the same factor,
    whatever the size of its gradients; in :class:`Adam` the decay ``wd * p`` joins the
    gradient and is divided by ``sqrt(v_hat)``, so weights with large gradients hardly decay.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        lr: learning rate, >= 0.
        betas: ``(b1, b2)``, each in [0, 1): decays of the two moving averages.
        eps: added to the denominator against division by zero, >= 0.
        weight_decay: decay per unit of learning rate, >= 0 (torch's default, 1e-2).
        bias_correction: divide by ``1 - b^t``, as in :class:`Adam`.
    """

    _decoupled: ClassVar[bool] = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        bias_correction: bool = True,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, bias_correction)
