"""The comparisons of chapters 04 to 09: from the normal equation to batch norm."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import autograd, backprop, layers, linear, optim
from dlcourse.verification.rows import Row, gap, gaps

__all__: list[str] = []  # rows of dlcourse.verification.ROWS


# --- Part I and II: from the normal equation to the optimizers -----------------------------


def _normal_equation(g):
    X, y = (
        torch.randn(50, 4, generator=g, dtype=torch.float64),
        torch.randn(50, generator=g, dtype=torch.float64),
    )
    w, b = linear.normal_equation(X.numpy(), y.numpy())
    ones = torch.ones(50, 1, dtype=torch.float64)
    theta = torch.linalg.lstsq(torch.cat([X, ones], 1), y[:, None]).solution.ravel()
    return gaps([(w, theta[:4]), (b, theta[4])])


def _value(g):
    a0, b0 = (float(v) for v in torch.randn(2, generator=g))
    a, b = autograd.Value(a0), autograd.Value(b0)
    out = ((a * b + a.tanh()) ** 2 / (b.exp() + 1.0)).sigmoid()
    out.backward()
    at = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    ref = torch.sigmoid((at * bt + torch.tanh(at)) ** 2 / (torch.exp(bt) + 1.0))
    ref.backward()
    return gaps([(out.data, ref), (a.grad, at.grad), (b.grad, bt.grad)])


def _mlp_backward(g):
    net = backprop.MLP(
        [6, 5, 3], activation="tanh", seed=int(torch.randint(100, (1,), generator=g))
    )
    X = torch.randn(8, 6, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 3, (8,), generator=g)
    _, dlogits = backprop.softmax_cross_entropy(net.forward(X.numpy()), labels.numpy())
    grads = net.backward(dlogits)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    hidden = torch.tanh(X @ params["W1"] + params["b1"])
    F.cross_entropy(hidden @ params["W2"] + params["b2"], labels).backward()
    return gaps([(grads[k], params[k].grad) for k in params])


def _softmax_ce(g):
    logits = torch.randn(7, 5, generator=g, dtype=torch.float64) * 5
    labels = torch.randint(0, 5, (7,), generator=g)
    loss, d = backprop.softmax_cross_entropy(logits.numpy(), labels.numpy())
    logits.requires_grad_(True)
    ref = F.cross_entropy(logits, labels)
    ref.backward()
    return gaps([(loss, ref), (d, logits.grad)])


def _optimizer(ours: Callable, theirs: Callable) -> Callable[[torch.Generator], float]:
    def measure(g):
        start = torch.randn(5, 3, generator=g)
        grads = torch.randn(20, 5, 3, generator=g)
        p1, p2 = start.clone().requires_grad_(), start.clone().requires_grad_()
        o1, o2 = ours([p1]), theirs([p2])
        for grad in grads:
            p1.grad, p2.grad = grad.clone(), grad.clone()
            o1.step()
            o2.step()
        return gap(p1, p2)

    return measure


# --- Part III: training well ---------------------------------------------------------------


def _dropout(g):
    x = torch.randn(64, 32, generator=g)
    seed = int(torch.randint(1000, (1,), generator=g))
    torch.manual_seed(seed)
    ours = layers.Dropout(0.3).train()(x)
    torch.manual_seed(seed)
    return gap(ours, nn.Dropout(0.3).train()(x))


def _batchnorm(g):
    x = torch.randn(16, 6, generator=g) * 3 + 1
    ours, theirs = layers.BatchNorm1d(6), nn.BatchNorm1d(6)
    with torch.no_grad():
        for bn in (ours, theirs):
            bn.weight.copy_(torch.linspace(0.5, 2, 6))
            bn.bias.copy_(torch.linspace(-1, 1, 6))
    out1, out2 = ours(x), theirs(x)
    return gaps(
        [
            (out1, out2),
            (ours.running_mean, theirs.running_mean),
            (ours.running_var, theirs.running_var),
        ]
    )


def _batchnorm_backward(g):
    x = torch.randn(10, 4, generator=g, dtype=torch.float64)
    gamma, beta = (
        torch.rand(4, generator=g, dtype=torch.float64) + 0.5,
        torch.randn(4, generator=g, dtype=torch.float64),
    )
    dout = torch.randn(10, 4, generator=g, dtype=torch.float64)
    _, cache = layers.batchnorm_forward(x.numpy(), gamma.numpy(), beta.numpy())
    dx, dgamma, dbeta = layers.batchnorm_backward(dout.numpy(), cache)
    xt, gt, bt = (t.clone().requires_grad_() for t in (x, gamma, beta))
    F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5).backward(dout)
    return gaps([(dx, xt.grad), (dgamma, gt.grad), (dbeta, bt.grad)])


ROWS: list[Row] = [
    Row(
        "normal equation",
        "linear.normal_equation",
        "torch.linalg.lstsq",
        "X (50, 4), float64",
        "04-linear-regression",
        1e-10,
        _normal_equation,
    ),
    Row(
        "scalar autograd",
        "autograd.Value",
        "torch.autograd",
        "a 7-operation expression",
        "07-backprop-by-hand",
        1e-12,
        _value,
    ),
    Row(
        "MLP backward pass",
        "backprop.MLP.backward",
        "torch.autograd",
        "[6, 5, 3], tanh, batch 8",
        "07-backprop-by-hand",
        1e-12,
        _mlp_backward,
    ),
    Row(
        "softmax cross-entropy and its gradient",
        "backprop.softmax_cross_entropy",
        "F.cross_entropy",
        "logits (7, 5) of size ~5",
        "07-backprop-by-hand",
        1e-12,
        _softmax_ce,
    ),
    Row(
        "SGD with momentum",
        "optim.SGD",
        "torch.optim.SGD",
        "20 steps, momentum 0.9, wd 0.01",
        "08-optimizers",
        1e-5,
        _optimizer(
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
        ),
    ),
    Row(
        "Nesterov momentum",
        "optim.SGD(nesterov=True)",
        "torch.optim.SGD(nesterov=True)",
        "20 steps, momentum 0.9",
        "08-optimizers",
        1e-5,
        _optimizer(
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        ),
    ),
    Row(
        "AdaGrad",
        "optim.AdaGrad",
        "torch.optim.Adagrad",
        "20 steps, lr 0.1",
        "08-optimizers",
        1e-5,
        _optimizer(lambda p: optim.AdaGrad(p, lr=0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    ),
    Row(
        "RMSProp",
        "optim.RMSProp",
        "torch.optim.RMSprop",
        "20 steps, lr 0.01",
        "08-optimizers",
        1e-5,
        _optimizer(lambda p: optim.RMSProp(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    ),
    Row(
        "Adam",
        "optim.Adam",
        "torch.optim.Adam",
        "20 steps, lr 0.01, wd 0.01",
        "08-optimizers",
        1e-5,
        _optimizer(
            lambda p: optim.Adam(p, lr=0.01, weight_decay=0.01),
            lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01),
        ),
    ),
    Row(
        "dropout",
        "layers.Dropout",
        "nn.Dropout",
        "(64, 32), p = 0.3, same seed",
        "09-training-methodology",
        0.0,
        _dropout,
    ),
    Row(
        "batch norm (forward, running statistics)",
        "layers.BatchNorm1d",
        "nn.BatchNorm1d",
        "(16, 6), training mode",
        "09-training-methodology",
        1e-5,
        _batchnorm,
    ),
    Row(
        "batch norm backward pass",
        "layers.batchnorm_backward",
        "torch.autograd",
        "(10, 4), float64",
        "09-training-methodology",
        1e-12,
        _batchnorm_backward,
    ),
]
