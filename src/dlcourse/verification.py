"""What this book checks against PyTorch: each from-scratch piece beside its torch twin.

Every row builds one piece of the book (an optimizer, a convolution's backward pass, an LSTM,
multi-head attention, the MAML meta-gradient, ...), runs it and its PyTorch counterpart on the
same inputs, and measures the largest absolute difference of their results. ``run()`` runs
them all; the page "What this book checks against PyTorch" shows the table this build measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import (
    attention,
    autograd,
    backprop,
    cnn,
    fewshot,
    generative,
    layers,
    linear,
    meta,
    optim,
    rnn,
)
from dlcourse.checks import check_seed

__all__ = ["run"]  # and ROWS, the list of comparisons


@dataclass(frozen=True)
class Row:
    """One comparison: what is compared, with what, on which inputs, and how close it must be."""

    piece: str
    ours: str
    theirs: str
    inputs: str
    chapter: str  # the file name of the chapter that teaches it, without .md
    tolerance: float
    measure: Callable[[torch.Generator], float]  # the largest |ours - theirs|


def _gap(a, b) -> float:
    a = (
        a.detach().double()
        if isinstance(a, torch.Tensor)
        else torch.as_tensor(a, dtype=torch.float64)
    )
    b = (
        b.detach().double()
        if isinstance(b, torch.Tensor)
        else torch.as_tensor(b, dtype=torch.float64)
    )
    return float((a - b).abs().max())


def _gaps(pairs) -> float:
    return max(_gap(a, b) for a, b in pairs)


# --- Part I and II: from the normal equation to the optimizers -----------------------------


def _normal_equation(g):
    X, y = (
        torch.randn(50, 4, generator=g, dtype=torch.float64),
        torch.randn(50, generator=g, dtype=torch.float64),
    )
    w, b = linear.normal_equation(X.numpy(), y.numpy())
    ones = torch.ones(50, 1, dtype=torch.float64)
    theta = torch.linalg.lstsq(torch.cat([X, ones], 1), y[:, None]).solution.ravel()
    return _gaps([(w, theta[:4]), (b, theta[4])])


def _value(g):
    a0, b0 = (float(v) for v in torch.randn(2, generator=g))
    a, b = autograd.Value(a0), autograd.Value(b0)
    out = ((a * b + a.tanh()) ** 2 / (b.exp() + 1.0)).sigmoid()
    out.backward()
    at = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    ref = torch.sigmoid((at * bt + torch.tanh(at)) ** 2 / (torch.exp(bt) + 1.0))
    ref.backward()
    return _gaps([(out.data, ref), (a.grad, at.grad), (b.grad, bt.grad)])


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
    return _gaps([(grads[k], params[k].grad) for k in params])


def _softmax_ce(g):
    logits = torch.randn(7, 5, generator=g, dtype=torch.float64) * 5
    labels = torch.randint(0, 5, (7,), generator=g)
    loss, d = backprop.softmax_cross_entropy(logits.numpy(), labels.numpy())
    logits.requires_grad_(True)
    ref = F.cross_entropy(logits, labels)
    ref.backward()
    return _gaps([(loss, ref), (d, logits.grad)])


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
        return _gap(p1, p2)

    return measure


# --- Part III: training well ---------------------------------------------------------------


def _dropout(g):
    x = torch.randn(64, 32, generator=g)
    seed = int(torch.randint(1000, (1,), generator=g))
    torch.manual_seed(seed)
    ours = layers.Dropout(0.3).train()(x)
    torch.manual_seed(seed)
    return _gap(ours, nn.Dropout(0.3).train()(x))


def _batchnorm(g):
    x = torch.randn(16, 6, generator=g) * 3 + 1
    ours, theirs = layers.BatchNorm1d(6), nn.BatchNorm1d(6)
    with torch.no_grad():
        for bn in (ours, theirs):
            bn.weight.copy_(torch.linspace(0.5, 2, 6))
            bn.bias.copy_(torch.linspace(-1, 1, 6))
    out1, out2 = ours(x), theirs(x)
    return _gaps(
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
    return _gaps([(dx, xt.grad), (dgamma, gt.grad), (dbeta, bt.grad)])


# --- Part IV: architectures ----------------------------------------------------------------


def _conv_inputs(g):
    x = torch.randn(2, 3, 9, 8, generator=g, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    return x, w


def _conv2d(g):
    x, w = _conv_inputs(g)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    return _gap(
        cnn.conv2d(x.numpy(), w.numpy(), b.numpy(), stride=2, padding=1),
        F.conv2d(x, w, b, stride=2, padding=1),
    )


def _conv2d_backward(g):
    x, w = _conv_inputs(g)
    grad_out = torch.randn(2, 4, 5, 4, generator=g, dtype=torch.float64)
    dx, dw, db = cnn.conv2d_backward(x.numpy(), w.numpy(), grad_out.numpy(), stride=2, padding=1)
    xt, wt = x.clone().requires_grad_(), w.clone().requires_grad_()
    bt = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    F.conv2d(xt, wt, bt, stride=2, padding=1).backward(grad_out)
    return _gaps([(dx, xt.grad), (dw, wt.grad), (db, bt.grad)])


def _pool(ours, theirs):
    def measure(g):
        x = torch.randn(2, 3, 8, 7, generator=g, dtype=torch.float64)
        return _gap(ours(x.numpy(), 2), theirs(x, 2))

    return measure


def _recurrent(ours_cls, theirs_cls, cell: bool, lstm: bool):
    def measure(g):
        theirs = theirs_cls(4, 5, **({} if cell else {"batch_first": True}))
        ours = ours_cls(4, 5)
        ours.load_state_dict(theirs.state_dict())  # the same names: torch's own layout
        x = torch.randn(3, 4, generator=g) if cell else torch.randn(3, 6, 4, generator=g)
        with torch.no_grad():
            if cell:
                h = torch.randn(3, 5, generator=g)
                if lstm:
                    c = torch.randn(3, 5, generator=g)
                    return _gaps(zip(ours(x, (h, c)), theirs(x, (h, c)), strict=True))
                return _gap(ours(x, h), theirs(x, h))
            out1, state1 = ours(x)
            out2, state2 = theirs(x)
            pairs = [(out1, out2)]
            pairs += zip(state1, state2, strict=True) if lstm else [(state1, state2)]
            return _gaps(pairs)

    return measure


def _sdpa(g):
    q, k, v = (torch.randn(2, 3, 6, 8, generator=g) for _ in range(3))
    mask = torch.ones(6, 6, dtype=torch.bool).tril()
    ours, _ = attention.scaled_dot_product_attention(q, k, v, mask)
    return _gap(ours, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


def _multi_head(g):
    ours = attention.MultiHeadSelfAttention(16, 4)
    theirs = nn.MultiheadAttention(16, 4, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(
            torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight])
        )
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
        x = torch.randn(2, 7, 16, generator=g)
        mask = torch.ones(7, 7, dtype=torch.bool).tril()
        out1, w1 = ours(x, mask)
        # torch's attn_mask is True where attention is NOT allowed: the opposite convention.
        out2, w2 = theirs(x, x, x, attn_mask=~mask, average_attn_weights=False)
    return _gaps([(out1, out2), (w1, w2)])


def _kl(g):
    mu, logvar = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    x = torch.rand(5, 4, generator=g)
    logits = torch.zeros(5, 4)
    _, recon, kl = generative.vae_loss(logits, x, mu, logvar)
    normal = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    standard = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    ref = torch.distributions.kl_divergence(normal, standard).sum(1).mean()
    return _gap(kl, ref)


# --- Part V: learning with less ------------------------------------------------------------


def _prototypes(g):
    embeddings = torch.randn(12, 6, generator=g)
    labels = torch.arange(3).repeat(4)
    ours = fewshot.prototypes(embeddings, labels, 3)
    sums = torch.zeros(3, 6).index_add_(0, labels, embeddings)
    counts = torch.bincount(labels, minlength=3)[:, None]
    return _gap(ours, sums / counts)


def _squared_distances(g):
    a, b = torch.randn(7, 5, generator=g), torch.randn(3, 5, generator=g)
    return _gap(fewshot.squared_distances(a, b), torch.cdist(a, b) ** 2)


def _maml(g):
    model = meta.sine_net(hidden=8)
    xs, ys, xq, yq = (torch.randn(2, 5, 1, generator=g) for _ in range(4))
    model.zero_grad()
    meta.maml_loss(model, xs, ys, xq, yq, inner_lr=0.05, inner_steps=2).backward()
    ours = [p.grad.clone() for p in model.parameters()]
    names = [n for n, _ in model.named_parameters()]
    start = {n: p.detach() for n, p in model.named_parameters()}

    def task_loss(params, x, y):
        return F.mse_loss(torch.func.functional_call(model, params, (x,)), y)

    def objective(params):
        total = 0.0
        for t in range(2):
            adapted = params
            for _ in range(2):
                grads = torch.func.grad(task_loss)(adapted, xs[t], ys[t])
                adapted = {n: adapted[n] - 0.05 * grads[n] for n in names}
            total = total + task_loss(adapted, xq[t], yq[t])
        return total / 2

    theirs = torch.func.grad(objective)(start)
    return _gaps([(a, theirs[n]) for a, n in zip(ours, names, strict=True)])


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
    Row(
        "2-D convolution",
        "cnn.conv2d",
        "F.conv2d",
        "(2, 3, 9, 8), 3x3, stride 2, padding 1",
        "11-convolutional-networks",
        1e-10,
        _conv2d,
    ),
    Row(
        "convolution backward pass",
        "cnn.conv2d_backward",
        "torch.autograd",
        "(2, 3, 9, 8), 3x3, stride 2, padding 1",
        "11-convolutional-networks",
        1e-10,
        _conv2d_backward,
    ),
    Row(
        "max pooling",
        "cnn.max_pool2d",
        "F.max_pool2d",
        "(2, 3, 8, 7), 2x2",
        "11-convolutional-networks",
        0.0,
        _pool(cnn.max_pool2d, F.max_pool2d),
    ),
    Row(
        "average pooling",
        "cnn.avg_pool2d",
        "F.avg_pool2d",
        "(2, 3, 8, 7), 2x2",
        "11-convolutional-networks",
        1e-12,
        _pool(cnn.avg_pool2d, F.avg_pool2d),
    ),
    Row(
        "RNN cell",
        "rnn.RNNCell",
        "nn.RNNCell",
        "batch 3, 4 -> 5, same weights",
        "12-recurrent-networks",
        1e-5,
        _recurrent(rnn.RNNCell, nn.RNNCell, True, False),
    ),
    Row(
        "LSTM cell",
        "rnn.LSTMCell",
        "nn.LSTMCell",
        "batch 3, 4 -> 5, same weights",
        "12-recurrent-networks",
        1e-5,
        _recurrent(rnn.LSTMCell, nn.LSTMCell, True, True),
    ),
    Row(
        "GRU cell",
        "rnn.GRUCell",
        "nn.GRUCell",
        "batch 3, 4 -> 5, same weights",
        "12-recurrent-networks",
        1e-5,
        _recurrent(rnn.GRUCell, nn.GRUCell, True, False),
    ),
    Row(
        "LSTM over a sequence",
        "rnn.LSTM",
        "nn.LSTM(batch_first=True)",
        "(3, 6, 4) -> 5",
        "12-recurrent-networks",
        1e-5,
        _recurrent(rnn.LSTM, nn.LSTM, False, True),
    ),
    Row(
        "GRU over a sequence",
        "rnn.GRU",
        "nn.GRU(batch_first=True)",
        "(3, 6, 4) -> 5",
        "12-recurrent-networks",
        1e-5,
        _recurrent(rnn.GRU, nn.GRU, False, False),
    ),
    Row(
        "VAE's KL term",
        "generative.vae_loss",
        "torch.distributions.kl_divergence",
        "mu, log var (5, 3)",
        "13-generative-models",
        1e-5,
        _kl,
    ),
    Row(
        "scaled dot-product attention",
        "attention.scaled_dot_product_attention",
        "F.scaled_dot_product_attention",
        "(2, 3, 6, 8), causal mask",
        "14-attention",
        1e-5,
        _sdpa,
    ),
    Row(
        "multi-head self-attention",
        "attention.MultiHeadSelfAttention",
        "nn.MultiheadAttention",
        "(2, 7, 16), 4 heads, causal mask",
        "14-attention",
        1e-5,
        _multi_head,
    ),
    Row(
        "class prototypes",
        "fewshot.prototypes",
        "Tensor.index_add_ / torch.bincount",
        "12 embeddings of size 6, 3 classes",
        "17-few-shot-and-meta-learning",
        1e-6,
        _prototypes,
    ),
    Row(
        "squared distances",
        "fewshot.squared_distances",
        "torch.cdist squared",
        "(7, 5) to (3, 5)",
        "17-few-shot-and-meta-learning",
        1e-4,
        _squared_distances,
    ),
    Row(
        "MAML meta-gradient",
        "meta.maml_loss(...).backward()",
        "torch.func.grad of the inner loop",
        "2 tasks, 2 inner steps, hidden 8",
        "17-few-shot-and-meta-learning",
        1e-5,
        _maml,
    ),
]


def run(seed: int = 0) -> list[dict]:
    """Measure every row; each result holds the row's fields, its ``difference`` and ``ok``."""
    seed = check_seed("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    results = []
    for row in ROWS:
        torch.manual_seed(seed)  # the modules' own initial weights
        difference = row.measure(generator)
        results.append(
            {
                "piece": row.piece,
                "ours": row.ours,
                "theirs": row.theirs,
                "inputs": row.inputs,
                "chapter": row.chapter,
                "tolerance": row.tolerance,
                "difference": difference,
                "ok": difference <= row.tolerance,
            }
        )
    return results
