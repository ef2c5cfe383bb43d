"""Checker for chapter 11: the backward pass of a 2-D convolution, in NumPy, NCHW."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dlcourse.exercises.core import Exercise, Mistake, call, compare, register, unpack

__all__: list[str] = []  # checkers register themselves; use dlcourse.exercises.check


def conv2d_backward_reference(x, weight, grad_out, stride, padding, flip=True, crop=True):
    """(dx, dweight, dbias) of ``conv2d(x, weight, bias, stride, padding)`` by torch.autograd,
    in float64. ``flip`` and ``crop`` switched off give two typical wrong answers."""
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight if flip else weight[:, :, ::-1, ::-1].copy(), requires_grad=True)
    bt = torch.zeros(weight.shape[0], dtype=torch.float64, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out.backward(torch.tensor(grad_out))
    dx = xt.grad.numpy()
    if not crop:
        dx = np.pad(dx, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return dx, wt.grad.numpy(), bt.grad.numpy()


def _mistakes(name: str) -> list[Mistake]:
    if name == "dx":
        return [
            Mistake(
                "the input gradient is a full convolution of grad_out with the kernel "
                "flipped in both spatial axes (w[:, :, ::-1, ::-1]) and its channel axes "
                "swapped",
                lambda p, e: conv2d_backward_reference(**p, flip=False)[0],
            ),
            Mistake(
                "dx still holds the padding: crop `padding` rows and columns from each side",
                lambda p, e: e.shape[:2] + tuple(s + 2 * p["padding"] for s in e.shape[2:]),
            ),
            Mistake(
                "with a stride, the last rows or columns may be reached by no window when "
                "(H + 2p - k) is not a multiple of the stride: they get zero gradient, but "
                "dx must still have x's shape",
                _short_shape,
            ),
        ]
    if name == "dweight":
        return [
            Mistake(
                "your dweight has its two channel axes swapped: it must be (Co, C, kh, kw), "
                "like weight",
                lambda p, e: e.transpose(1, 0, 2, 3) if e.shape[0] != e.shape[1] else None,
            ),
            Mistake(
                "your dweight has its two channel axes swapped: it must be (Co, C, kh, kw), "
                "like weight",
                lambda p, e: (e.shape[1], e.shape[0], *e.shape[2:]),
            ),
            Mistake(
                "dweight is the correlation of x with grad_out, not with the flipped "
                "kernel: no flip here",
                lambda p, e: e[:, :, ::-1, ::-1],
            ),
        ]
    every_axis = (
        "the bias gradient sums grad_out over the batch and both spatial axes: axis=(0, 2, 3)"
    )
    return [
        Mistake(every_axis, lambda p, e: (p["grad_out"].shape[0], e.shape[0])),
        Mistake(every_axis, lambda p, e: (p["grad_out"].shape[1], *p["grad_out"].shape[2:])),
    ]


def _short_shape(p, e):
    kh, kw = p["weight"].shape[2:]
    s, pad = p["stride"], p["padding"]
    H, W = e.shape[2:]
    return (*e.shape[:2], H - (H + 2 * pad - kh) % s, W - (W + 2 * pad - kw) % s)


PROBES = [
    # N, C, H, W, Co, kh, kw, stride, padding
    ((2, 3, 5, 5, 4, 3, 3, 1, 0), "stride 1, no padding"),
    ((2, 2, 7, 6, 3, 3, 3, 2, 1), "stride 2, padding 1, H + 2p - k not a multiple of the stride"),
    ((1, 3, 6, 5, 2, 2, 3, 1, 2), "a 2x3 kernel, padding 2"),
]


def _check_conv2d_backward(candidate) -> list[str]:
    rng = np.random.default_rng(11)
    for (N, C, H, W, Co, kh, kw, stride, padding), what in PROBES:
        x = rng.normal(size=(N, C, H, W))
        weight = rng.normal(size=(Co, C, kh, kw))
        Ho = (H + 2 * padding - kh) // stride + 1
        Wo = (W + 2 * padding - kw) // stride + 1
        grad_out = rng.normal(size=(N, Co, Ho, Wo))
        probe = {
            "x": x,
            "weight": weight,
            "grad_out": grad_out,
            "stride": stride,
            "padding": padding,
        }
        text = f"x {x.shape}, weight {weight.shape}, {what}"
        got = unpack(
            "conv2d_backward",
            call(
                "conv2d_backward",
                candidate,
                text,
                x.copy(),
                weight.copy(),
                grad_out.copy(),
                stride,
                padding,
            ),
            ("dx", "dweight", "dbias"),
            text,
        )
        expected = conv2d_backward_reference(**probe)
        for name, value, ref in zip(("dx", "dweight", "dbias"), got, expected, strict=True):
            compare(
                "conv2d_backward",
                name,
                value,
                ref,
                text,
                atol=1e-8,
                rtol=1e-6,
                mistakes=_mistakes(name),
                context=probe,
            )
    return [
        "dx, dweight and dbias against torch.autograd: stride 1 and 2, padding 0 to 2, "
        "a non-square kernel, and a stride that leaves the last row unreached"
    ]


register(
    Exercise(
        "conv2d_backward",
        "11-convolutional-networks",
        "f(x, weight, grad_out, stride, padding) -> (dx, dweight, dbias)",
        _check_conv2d_backward,
        "NumPy, NCHW: x (N, C, H, W), weight (Co, C, kh, kw), grad_out (N, Co, Ho, Wo)",
    )
)
