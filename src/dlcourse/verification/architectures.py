"""The comparisons of chapters 11 to 17: convolutions, recurrent cells, attention, the VAE,
prototypes and MAML."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import attention, cnn, fewshot, generative, meta, rnn
from dlcourse.verification.rows import Row, gap, gaps

__all__: list[str] = []  # rows of dlcourse.verification.ROWS


# --- Part IV: architectures ----------------------------------------------------------------


def _conv_inputs(g):
    x = torch.randn(2, 3, 9, 8, generator=g, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    return x, w


def _conv2d(g):
    x, w = _conv_inputs(g)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    return gap(
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
    return gaps([(dx, xt.grad), (dw, wt.grad), (db, bt.grad)])


def _pool(ours, theirs):
    def measure(g):
        x = torch.randn(2, 3, 8, 7, generator=g, dtype=torch.float64)
        return gap(ours(x.numpy(), 2), theirs(x, 2))

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
                    return gaps(zip(ours(x, (h, c)), theirs(x, (h, c)), strict=True))
                return gap(ours(x, h), theirs(x, h))
            out1, state1 = ours(x)
            out2, state2 = theirs(x)
            pairs = [(out1, out2)]
            pairs += zip(state1, state2, strict=True) if lstm else [(state1, state2)]
            return gaps(pairs)

    return measure


def _sdpa(g):
    q, k, v = (torch.randn(2, 3, 6, 8, generator=g) for _ in range(3))
    mask = torch.ones(6, 6, dtype=torch.bool).tril()
    ours, _ = attention.scaled_dot_product_attention(q, k, v, mask)
    return gap(ours, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


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
    return gaps([(out1, out2), (w1, w2)])


def _kl(g):
    mu, logvar = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    x = torch.rand(5, 4, generator=g)
    logits = torch.zeros(5, 4)
    _, recon, kl = generative.vae_loss(logits, x, mu, logvar)
    normal = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    standard = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    ref = torch.distributions.kl_divergence(normal, standard).sum(1).mean()
    return gap(kl, ref)


# --- Part V: learning with less ------------------------------------------------------------


def _prototypes(g):
    embeddings = torch.randn(12, 6, generator=g)
    labels = torch.arange(3).repeat(4)
    ours = fewshot.prototypes(embeddings, labels, 3)
    sums = torch.zeros(3, 6).index_add_(0, labels, embeddings)
    counts = torch.bincount(labels, minlength=3)[:, None]
    return gap(ours, sums / counts)


def _squared_distances(g):
    a, b = torch.randn(7, 5, generator=g), torch.randn(3, 5, generator=g)
    return gap(fewshot.squared_distances(a, b), torch.cdist(a, b) ** 2)


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
    return gaps([(a, theirs[n]) for a, n in zip(ours, names, strict=True)])


ROWS: list[Row] = [
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
