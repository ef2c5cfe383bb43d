"""Convolution and pooling from scratch in NumPy, forward and backward, equal to PyTorch's.

Arrays are NCHW, as in PyTorch: ``x`` is (N, C, H, W), a batch of N images with C channels;
a convolution's ``weight`` is (Co, C, kh, kw), one (C, kh, kw) filter per output channel.
Along each spatial axis a window of size k, moved by ``stride`` over an input padded with
``padding`` zeros on both sides, fits ``output_size(H, k, stride, padding)`` times.

Like every deep-learning library, ``conv2d`` computes a cross-correlation (the window is not
flipped); the flipped kernel appears in the backward pass. ``LeNet5`` (a PyTorch module) lives in
``dlcourse.architectures`` and is re-exported here.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlcourse.architectures import LeNet5
from dlcourse.checks import check_array, check_count, check_size

__all__ = [
    "LeNet5",
    "avg_pool2d",
    "avg_pool2d_backward",
    "conv2d",
    "conv2d_backward",
    "im2col",
    "max_pool2d",
    "max_pool2d_backward",
    "output_size",
]


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """How many positions a window of ``kernel`` pixels takes along an axis of ``size`` pixels:
    ``(size + 2 * padding - kernel) // stride + 1``."""
    size, kernel = check_count("size", size), check_count("kernel", kernel)
    stride, padding = check_count("stride", stride), check_count("padding", padding, min=0)
    if kernel > size + 2 * padding:
        raise ValueError(
            f"kernel must fit the padded axis, size + 2 * padding = {size + 2 * padding}; "
            f"got kernel {kernel}"
        )
    return (size + 2 * padding - kernel) // stride + 1


# --- validation, once, at each public entry ------------------------------------------------


def _check_4d(name: str, a, layout: str) -> np.ndarray:
    return check_array(name, a, ndim=4, shape=layout)


def _check_window(x: np.ndarray, kh: int, kw: int, padding: int, what: str = "kernel") -> None:
    N, C, H, W = x.shape[0], x.shape[1], x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    check_size("the padded input (N * C * (H + 2 * padding) * (W + 2 * padding))", N * C * H * W)
    if kh > H or kw > W:
        raise ValueError(
            f"{what} ({kh}, {kw}) is larger than the padded input x ({H}, {W}) "
            f"(input {x.shape[2:]} with padding {padding})"
        )


def _check_conv(x, weight, stride, padding) -> tuple[np.ndarray, np.ndarray, int, int]:
    x = _check_4d("x", x, "(N, C, H, W)")
    weight = _check_4d("weight", weight, "(out_channels, in_channels, kh, kw)")
    stride, padding = check_count("stride", stride), check_count("padding", padding, min=0)
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"channel mismatch: weight {weight.shape} expects x with {weight.shape[1]} channels "
            f"(N, {weight.shape[1]}, H, W); got x {x.shape} with {x.shape[1]}"
        )
    _check_window(x, weight.shape[2], weight.shape[3], padding, what="weight's kernel")
    return x, weight, stride, padding


def _check_backward(x, weight, grad_out, stride, padding):
    x, weight, stride, padding = _check_conv(x, weight, stride, padding)
    grad_out = check_array("grad_out", grad_out, ndim=4, shape="(N, Co, Ho, Wo)")
    N, C, H, W = x.shape
    Co, _, kh, kw = weight.shape
    expected = (N, Co, output_size(H, kh, stride, padding), output_size(W, kw, stride, padding))
    if grad_out.shape != expected:
        raise ValueError(
            f"grad_out must have the output's shape {expected} (from x {x.shape} and "
            f"weight {weight.shape}); got {grad_out.shape}"
        )
    return x, weight, grad_out, stride, padding


# --- convolution ---------------------------------------------------------------------------


def _windows(x: np.ndarray, kh: int, kw: int, stride: int, padding: int, fill: float = 0.0):
    """Every (kh, kw) window of the padded x, without copying: (N, C, Ho, Wo, kh, kw).

    Window (i, j) starts at pixel (i * stride, j * stride) of the padded input: the view steps
    ``stride`` pixels from one window to the next and one pixel inside a window."""
    N, C, H, W = x.shape
    xp = x
    if padding:  # (np.pad does the same, with ten times the overhead on small inputs)
        xp = np.full((N, C, H + 2 * padding, W + 2 * padding), fill, dtype=x.dtype)
        xp[:, :, padding : padding + H, padding : padding + W] = x
    Ho, Wo = (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
    sN, sC, sH, sW = xp.strides
    shape, strides = (N, C, Ho, Wo, kh, kw), (sN, sC, sH * stride, sW * stride, sH, sW)
    return as_strided(xp, shape, strides, writeable=False)


def _fold(grad_windows: np.ndarray, x_shape, stride: int, padding: int) -> np.ndarray:
    """The way back of ``_windows``: add the gradient of every window's pixel,
    ``grad_windows`` (N, C, Ho, Wo, kh, kw), onto the pixel of x it was cut from, summing where
    windows overlap, and crop the padding. One strided slice per kernel offset (m, q): kh * kw
    vectorised additions instead of a loop over the Ho * Wo windows (or ``np.add.at``)."""
    N, C, H, W = x_shape
    Ho, Wo, kh, kw = grad_windows.shape[2:]
    dxp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for m in range(kh):
        for q in range(kw):
            rows = slice(m, m + (Ho - 1) * stride + 1, stride)  # where offset (m, q) of
            cols = slice(q, q + (Wo - 1) * stride + 1, stride)  # every window falls
            dxp[:, :, rows, cols] += grad_windows[:, :, :, :, m, q]
    return dxp[:, :, padding : padding + H, padding : padding + W]


def _columns(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """Every window of the batch as one column: (C * kh * kw, N * Ho * Wo), each column in the
    order (channel, row, column) of ``weight.reshape(Co, C * kh * kw)``'s rows."""
    win = _windows(x, kh, kw, stride, padding)  # (N, C, Ho, Wo, kh, kw), a view
    N, C, Ho, Wo = win.shape[:4]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, N * Ho * Wo)  # the copy


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Unfold the windows of x into columns, so that a convolution becomes one matrix product.

    Args:
        x: (N, C, H, W).
        kh, kw: window height and width.

    Returns:
        (N, C * kh * kw, Ho * Wo), as ``torch.nn.functional.unfold``: column l of image n holds
        the window under output position l (row-major), in the order (channel, row, column):
        the order of ``weight.reshape(Co, C * kh * kw)``.
    """
    x = _check_4d("x", x, "(N, C, H, W)")
    kh, kw = check_count("kh", kh), check_count("kw", kw)
    stride, padding = check_count("stride", stride), check_count("padding", padding, min=0)
    _check_window(x, kh, kw, padding, what="window (kh, kw)")
    cols = _columns(x, kh, kw, stride, padding)  # (C * kh * kw, N * Ho * Wo)
    return cols.reshape(len(cols), len(x), -1).transpose(1, 0, 2)


def _conv2d_loops(x: np.ndarray, weight: np.ndarray, stride: int, padding: int) -> np.ndarray:
    N, C, H, W = x.shape
    Co, _, kh, kw = weight.shape
    Ho, Wo = output_size(H, kh, stride, padding), output_size(W, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, Co, Ho, Wo))
    for n in range(N):
        for o in range(Co):
            for i in range(Ho):
                for j in range(Wo):
                    # out[n,o,i,j] = sum over c, m, q of xp[n, c, i*s + m, j*s + q] * w[o, c, m, q]
                    window = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, o, i, j] = np.sum(window * weight[o])
    return out


def _conv2d_im2col(x: np.ndarray, weight: np.ndarray, stride: int, padding: int) -> np.ndarray:
    N, _, H, W = x.shape
    Co, _, kh, kw = weight.shape
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    cols = _columns(x, kh, kw, stride, padding)  # (C*kh*kw, N*Ho*Wo): the whole batch's windows
    out = weight.reshape(Co, -1) @ cols  # (Co, C*kh*kw) @ (C*kh*kw, N*Ho*Wo): one product
    return out.reshape(Co, N, Ho, Wo).transpose(1, 0, 2, 3)  # (N, Co, Ho, Wo)


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    method: str = "im2col",
) -> np.ndarray:
    """2-D convolution (a cross-correlation), equal to ``torch.nn.functional.conv2d``.

    Args:
        x: (N, C, H, W) inputs.
        weight: (Co, C, kh, kw) filters.
        bias: (Co,), one number added to every position of each output channel; or ``None``.
        stride: step between windows, ``>= 1``.
        padding: zeros added on every side of the input, ``>= 0``.
        method: ``"loops"`` (one window at a time, as written on paper) or ``"im2col"``
            (all windows unfolded into a matrix, then one matrix product).

    Returns:
        (N, Co, Ho, Wo) with ``Ho = output_size(H, kh, stride, padding)`` (same for Wo).
    """
    x, weight, stride, padding = _check_conv(x, weight, stride, padding)
    if method not in ("loops", "im2col"):
        raise ValueError(f"method must be 'loops' or 'im2col'; got {method!r}")
    if bias is not None:
        bias = check_array("bias", bias, ndim=1, shape="(out_channels,)")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"bias must have one entry per filter of weight {weight.shape}: shape "
                f"({weight.shape[0]},); got {bias.shape}"
            )
    conv = _conv2d_loops if method == "loops" else _conv2d_im2col
    out = conv(x, weight, stride, padding)
    return out if bias is None else out + bias[None, :, None, None]


def conv2d_backward(
    x: np.ndarray, weight: np.ndarray, grad_out: np.ndarray, stride: int = 1, padding: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through ``out = conv2d(x, weight, bias, stride, padding)``.

    Args:
        x, weight, stride, padding: as given to ``conv2d``.
        grad_out: (N, Co, Ho, Wo), the gradient of the loss with respect to ``out``.

    Returns:
        ``(dx, dweight, dbias)`` of shapes (N, C, H, W), (Co, C, kh, kw) and (Co,): what
        ``torch.autograd`` gives for the same convolution (the bias does not change them).
    """
    x, weight, grad_out, stride, padding = _check_backward(x, weight, grad_out, stride, padding)
    N, C, H, W = x.shape
    Co, _, kh, kw = weight.shape
    Ho, Wo = grad_out.shape[2:]
    g = grad_out.transpose(1, 0, 2, 3).reshape(Co, -1)  # (Co, N*Ho*Wo), as the forward's out

    # The forward was out = W @ cols + b, with W = weight.reshape(Co, C*kh*kw).
    dbias = g.sum(axis=1)  # b[o] was added to every output of channel o
    cols = _columns(x, kh, kw, stride, padding)  # (C*kh*kw, N*Ho*Wo)
    dweight = (g @ cols.T).reshape(weight.shape)  # dW = g cols^T
    dcols = weight.reshape(Co, -1).T @ g  # d cols = W^T g: one gradient per copied pixel

    # Each pixel was copied into the columns of every window that covers it: its gradient is
    # the sum of its copies' gradients, added back window offset by window offset ("col2im").
    grad_windows = dcols.reshape(C, kh, kw, N, Ho, Wo).transpose(3, 0, 4, 5, 1, 2)
    dx = _fold(grad_windows, x.shape, stride, padding)  # (N, C, H, W)
    return dx, dweight, dbias


def _input_grad_flipped(
    x_shape, weight: np.ndarray, grad_out: np.ndarray, stride: int, padding: int
) -> np.ndarray:
    """dx as derived on paper: a "full" convolution of grad_out with the flipped kernel.

    Pixel (c, r, q) of the padded input met w[o, c, r - i*s, q - j*s] in output (i, j). The
    sum over those outputs is a correlation of grad_out (stride - 1 zeros between its entries,
    kernel - 1 zeros around it) with the kernel flipped in both axes, channel axes swapped.
    Equal to ``conv2d_backward``'s dx; slower (a second unfolding), kept for reading.
    """
    N, C, H, W = x_shape
    Co, _, kh, kw = weight.shape
    Ho, Wo = grad_out.shape[2:]
    Hp, Wp = H + 2 * padding, W + 2 * padding
    spread = np.zeros((N, Co, (Ho - 1) * stride + 1, (Wo - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = grad_out
    # The last (Hp - kh) % stride rows (columns) of the padded input were reached by no
    # window: extra zeros at the end give them their zero gradient and dx its full size.
    extra_h, extra_w = (Hp - kh) % stride, (Wp - kw) % stride
    spread = np.pad(
        spread, ((0, 0), (0, 0), (kh - 1, kh - 1 + extra_h), (kw - 1, kw - 1 + extra_w))
    )
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, Co, kh, kw)
    dx_padded = _conv2d_im2col(spread, flipped, 1, 0)  # (N, C, Hp, Wp)
    return dx_padded[:, :, padding : padding + H, padding : padding + W]


# --- pooling -------------------------------------------------------------------------------


def _check_pool(x, kernel_size, stride, padding) -> tuple[np.ndarray, int, int, int]:
    x = _check_4d("x", x, "(N, C, H, W)")
    k = check_count("kernel_size", kernel_size)
    stride = k if stride is None else check_count("stride", stride)
    padding = check_count("padding", padding, min=0)
    if 2 * padding > k:  # torch's rule: otherwise a window could hold padding only
        raise ValueError(f"padding must be at most kernel_size / 2 = {k / 2}; got {padding}")
    _check_window(x, k, k, padding, what="pooling window (kernel_size, kernel_size)")
    return x, k, stride, padding


def max_pool2d(
    x: np.ndarray, kernel_size: int, stride: int | None = None, padding: int = 0
) -> np.ndarray:
    """The largest value of each (k, k) window, per channel: ``torch.nn.functional.max_pool2d``.

    Args:
        x: (N, C, H, W).
        kernel_size: k, the window's side.
        stride: step between windows; default k (windows side by side, not overlapping).
        padding: padding on every side, at most k / 2; padded pixels never win (-inf).

    Returns:
        (N, C, Ho, Wo) with ``Ho = output_size(H, k, stride, padding)``.
    """
    x, k, stride, padding = _check_pool(x, kernel_size, stride, padding)
    return _windows(x, k, k, stride, padding, fill=-np.inf).max(axis=(-2, -1))


def avg_pool2d(
    x: np.ndarray, kernel_size: int, stride: int | None = None, padding: int = 0
) -> np.ndarray:
    """The mean of each (k, k) window: ``torch.nn.functional.avg_pool2d`` (padded zeros count,
    torch's default ``count_include_pad=True``). Arguments as in ``max_pool2d``."""
    x, k, stride, padding = _check_pool(x, kernel_size, stride, padding)
    return _windows(x, k, k, stride, padding).mean(axis=(-2, -1))


def max_pool2d_backward(
    x: np.ndarray,
    grad_out: np.ndarray,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
) -> np.ndarray:
    """Gradient of a loss with respect to ``x`` through ``max_pool2d``: each window's gradient
    goes to its largest pixel (the first one, on a tie, as in torch), the others get 0.

    Args:
        x, kernel_size, stride, padding: as given to ``max_pool2d``.
        grad_out: (N, C, Ho, Wo), the gradient with respect to the pooled output.

    Returns:
        dx, (N, C, H, W).
    """
    x, k, stride, padding = _check_pool(x, kernel_size, stride, padding)
    windows = _windows(x, k, k, stride, padding, fill=-np.inf)
    grad_out = _check_grad_out(grad_out, windows.shape[:4], x.shape)
    flat = windows.reshape(*windows.shape[:4], k * k)
    winner = flat.argmax(axis=-1)  # np.argmax keeps the first maximum, like torch
    one_hot = (np.arange(k * k) == winner[..., None]).reshape(windows.shape)
    return _fold(grad_out[..., None, None] * one_hot, x.shape, stride, padding)


def avg_pool2d_backward(
    x: np.ndarray,
    grad_out: np.ndarray,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
) -> np.ndarray:
    """Gradient with respect to ``x`` through ``avg_pool2d``: each window shares its gradient
    equally, 1 / k^2 to each of its pixels. Arguments and result as in ``max_pool2d_backward``."""
    x, k, stride, padding = _check_pool(x, kernel_size, stride, padding)
    shape = _windows(x, k, k, stride, padding).shape
    grad_out = _check_grad_out(grad_out, shape[:4], x.shape)
    share = np.broadcast_to(grad_out[..., None, None] / (k * k), shape)  # 1 / k^2 each
    return _fold(share, x.shape, stride, padding)


def _check_grad_out(grad_out, expected: tuple[int, ...], x_shape: tuple[int, ...]) -> np.ndarray:
    grad_out = check_array("grad_out", grad_out, ndim=4, shape="(N, C, Ho, Wo)")
    if grad_out.shape != tuple(expected):
        raise ValueError(
            f"grad_out must have the pooled output's shape {tuple(expected)} (from x {x_shape}); "
            f"got {grad_out.shape}"
        )
    return grad_out
