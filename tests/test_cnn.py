"""dlcourse.cnn: convolution and pooling from scratch, forward and backward, against PyTorch
(float64, to 1e-9) and finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse import cnn
from dlcourse.backprop import numerical_gradient, relative_error

TOL = 1e-9  # the bar against torch in float64

# (in_channels, out_channels, kh, kw): one channel, several, and non-square kernels.
SHAPES = [(1, 1, 3, 3), (3, 4, 3, 3), (2, 5, 2, 3), (4, 2, 1, 1), (3, 2, 5, 4)]
CASES = list(itertools.product(SHAPES, [1, 2], [0, 1, 2], [True, False]))


def _ids(case):
    (C, Co, kh, kw), stride, padding, bias = case
    return f"C{C}-Co{Co}-k{kh}x{kw}-s{stride}-p{padding}-{'bias' if bias else 'nobias'}"


def _inputs(shape, bias, seed=0, N=2, H=7, W=6):
    """A batch of 2 non-square images: odd sizes leave rows that a stride-2 window skips."""
    C, Co, kh, kw = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((Co, C, kh, kw))
    b = rng.standard_normal(Co) if bias else None
    return x, w, b


def _torch_conv(x, w, b, stride, padding, grad_out=None):
    """F.conv2d's output and, given grad_out, torch.autograd's (dx, dw, db)."""
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    if grad_out is None:
        return out.detach().numpy()
    out.backward(torch.tensor(grad_out))
    db = None if bt is None else bt.grad.numpy()
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), db


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
@pytest.mark.parametrize("method", ["im2col", "loops"])
def test_conv2d_matches_torch(case, method):
    shape, stride, padding, bias = case
    x, w, b = _inputs(shape, bias)
    out = cnn.conv2d(x, w, b, stride=stride, padding=padding, method=method)
    expected = _torch_conv(x, w, b, stride, padding)
    assert out.shape == expected.shape
    H, W = x.shape[2:]
    assert out.shape[2:] == (
        cnn.output_size(H, shape[2], stride, padding),
        cnn.output_size(W, shape[3], stride, padding),
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=TOL)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_conv2d_backward_matches_autograd(case):
    shape, stride, padding, bias = case
    x, w, b = _inputs(shape, bias, seed=1)
    out = cnn.conv2d(x, w, b, stride=stride, padding=padding)
    grad_out = np.random.default_rng(2).standard_normal(out.shape)
    _, dx_t, dw_t, db_t = _torch_conv(x, w, b, stride, padding, grad_out)
    dx, dw, db = cnn.conv2d_backward(x, w, grad_out, stride=stride, padding=padding)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, (shape[1],))
    np.testing.assert_allclose(dx, dx_t, rtol=0, atol=TOL)
    np.testing.assert_allclose(dw, dw_t, rtol=0, atol=TOL)
    if db_t is not None:
        np.testing.assert_allclose(db, db_t, rtol=0, atol=TOL)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (2, 2), (3, 1)])
def test_conv2d_backward_matches_finite_differences(stride, padding):
    x, w, b = _inputs((2, 3, 3, 2), bias=True, seed=3, N=2, H=6, W=5)
    G = np.random.default_rng(4).standard_normal(cnn.conv2d(x, w, b, stride, padding).shape)

    def loss(_):  # a scalar whose gradient with respect to the output is G
        return float(np.sum(cnn.conv2d(x, w, b, stride, padding) * G))

    dx, dw, db = cnn.conv2d_backward(x, w, G, stride, padding)
    for name, analytic, param in (("dx", dx, x), ("dw", dw, w), ("db", db, b)):
        assert relative_error(analytic, numerical_gradient(loss, param)) < 1e-8, name


@settings(max_examples=40, deadline=None)
@given(
    N=st.integers(1, 3),
    C=st.integers(1, 3),
    Co=st.integers(1, 3),
    H=st.integers(1, 9),
    W=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    seed=st.integers(0, 10_000),
)
def test_conv2d_and_backward_match_torch_on_random_shapes(
    N, C, Co, H, W, kh, kw, stride, padding, seed
):
    if kh > H + 2 * padding or kw > W + 2 * padding:
        return  # no window fits: the ValueError is tested below
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((Co, C, kh, kw)), None
    out = cnn.conv2d(x, w, b, stride, padding)
    grad_out = rng.standard_normal(out.shape)
    out_t, dx_t, dw_t, _ = _torch_conv(x, w, b, stride, padding, grad_out)
    np.testing.assert_allclose(out, out_t, rtol=0, atol=TOL)
    dx, dw, _ = cnn.conv2d_backward(x, w, grad_out, stride, padding)
    np.testing.assert_allclose(dx, dx_t, rtol=0, atol=TOL)
    np.testing.assert_allclose(dw, dw_t, rtol=0, atol=TOL)


@pytest.mark.parametrize("case", CASES[::3], ids=[_ids(c) for c in CASES[::3]])
def test_the_flipped_kernel_derivation_gives_the_same_input_gradient(case):
    """The reading version (a full convolution with the flipped kernel, extra zeros at the end
    when the stride skips the last rows) equals the col2im version the package runs."""
    shape, stride, padding, _ = case
    x, w, _ = _inputs(shape, bias=False, seed=8)
    out = cnn.conv2d(x, w, None, stride, padding)
    grad_out = np.random.default_rng(9).standard_normal(out.shape)
    dx, _, _ = cnn.conv2d_backward(x, w, grad_out, stride, padding)
    flipped = cnn._input_grad_flipped(x.shape, w, grad_out, stride, padding)
    np.testing.assert_allclose(flipped, dx, rtol=0, atol=TOL)


def test_fold_adds_every_window_back_where_it_was_cut():
    """_fold is the adjoint of _windows: <windows(x), G> == <x, fold(G)> for every G."""
    rng = np.random.default_rng(10)
    for stride, padding, k in [(1, 0, 3), (2, 1, 3), (3, 2, 2)]:
        x = rng.standard_normal((2, 3, 7, 6))
        windows = cnn._windows(x, k, k, stride, padding)
        G = rng.standard_normal(windows.shape)
        folded = cnn._fold(G, x.shape, stride, padding)
        assert folded.shape == x.shape
        assert np.isclose(np.sum(windows * G), np.sum(x * folded), rtol=1e-12)


def test_conv2d_is_a_cross_correlation_on_a_hand_example():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # top-left minus bottom-right
    # Every window: x[i, j] - x[i + 1, j + 1] = -5, whatever the position.
    np.testing.assert_array_equal(cnn.conv2d(x, w), np.full((1, 1, 3, 3), -5.0))
    np.testing.assert_array_equal(cnn.conv2d(x, w, bias=np.array([5.0])), np.zeros((1, 1, 3, 3)))


def test_im2col_columns_are_the_windows_and_one_product_is_the_convolution():
    x, w, _ = _inputs((3, 4, 3, 2), bias=False, seed=5)
    cols = cnn.im2col(x, 3, 2, stride=2, padding=1)
    Ho, Wo = cnn.output_size(7, 3, 2, 1), cnn.output_size(6, 2, 2, 1)
    assert cols.shape == (2, 3 * 3 * 2, Ho * Wo)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    i, j = 2, 1  # output position (2, 1) is column 2 * Wo + 1
    np.testing.assert_array_equal(cols[1, :, i * Wo + j], xp[1, :, 4:7, 2:4].ravel())
    product = (w.reshape(4, -1) @ cols).reshape(2, 4, Ho, Wo)
    np.testing.assert_allclose(product, _torch_conv(x, w, None, 2, 1), rtol=0, atol=TOL)


# --- pooling ---------------------------------------------------------------------------------

POOL_CASES = [
    (k, stride, padding)
    for k in (1, 2, 3)
    for stride in (None, 1, 2)
    for padding in range(k // 2 + 1)
]


@pytest.mark.parametrize("k,stride,padding", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_forward_and_backward_match_torch(kind, k, stride, padding):
    rng = np.random.default_rng(k * 10 + (stride or 0) + padding)
    x = rng.standard_normal((2, 3, 7, 6))
    forward = {"max": cnn.max_pool2d, "avg": cnn.avg_pool2d}[kind]
    backward = {"max": cnn.max_pool2d_backward, "avg": cnn.avg_pool2d_backward}[kind]
    torch_pool = {"max": F.max_pool2d, "avg": F.avg_pool2d}[kind]
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch_pool(xt, k, stride, padding)
    grad_out = rng.standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(grad_out))
    out = forward(x, k, stride, padding)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=TOL)
    dx = backward(x, grad_out, k, stride, padding)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=TOL)


def test_pooling_backward_matches_finite_differences():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 2, 5, 5))
    for forward, backward in (
        (cnn.max_pool2d, cnn.max_pool2d_backward),
        (cnn.avg_pool2d, cnn.avg_pool2d_backward),
    ):
        G = rng.standard_normal(forward(x, 3, 2, 1).shape)
        numeric = numerical_gradient(lambda _, f=forward, G=G: float(np.sum(f(x, 3, 2, 1) * G)), x)
        assert relative_error(backward(x, G, 3, 2, 1), numeric) < 1e-8


def test_max_pool_on_a_tie_sends_the_gradient_to_the_first_maximum_like_torch():
    x = np.ones((1, 1, 4, 4))
    dx = cnn.max_pool2d_backward(x, np.ones((1, 1, 2, 2)), 2)
    xt = torch.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    assert dx[0, 0, ::2, ::2].sum() == 4 and dx.sum() == 4  # the top-left pixel of each window


def test_pooling_by_hand():
    x = np.array([[1.0, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [8, 0, 2, 6]]).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(cnn.max_pool2d(x, 2)[0, 0], [[4, 5], [8, 6]])
    np.testing.assert_array_equal(cnn.avg_pool2d(x, 2)[0, 0], [[2.5, 1.75], [2, 3]])


# --- bad input: a ValueError naming the expected and the actual shape ---------------------------


def test_conv2d_rejects_bad_input_with_clear_messages():
    x, w = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3))
    with pytest.raises(
        ValueError, match=r"x must be a 4-D array of shape \(N, C, H, W\); got shape \(3, 5, 5\)"
    ):
        cnn.conv2d(x[0], w)
    with pytest.raises(ValueError, match=r"weight must be a 4-D array .*got shape \(3, 3, 3\)"):
        cnn.conv2d(x, w[0])
    with pytest.raises(
        ValueError,
        match=r"channel mismatch: weight \(4, 2, 3, 3\) expects x with 2 "
        r"channels \(N, 2, H, W\); got x \(2, 3, 5, 5\) with 3",
    ):
        cnn.conv2d(x, np.zeros((4, 2, 3, 3)))


def test_conv2d_rejects_a_kernel_larger_than_the_padded_input():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(
        ValueError,
        match=r"weight\'s kernel \(7, 3\) is larger than the padded input x "
        r"\(6, 6\) \(input \(4, 4\) with padding 1\)",
    ):
        cnn.conv2d(x, np.zeros((1, 1, 7, 3)), padding=1)
    assert cnn.conv2d(x, np.zeros((1, 1, 6, 6)), padding=1).shape == (1, 1, 1, 1)  # just fits


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"stride": 0}, ValueError, "stride must be an integer >= 1; got 0"),
        ({"padding": -1}, ValueError, "padding must be an integer >= 0; got -1"),
        (
            {"stride": 1.5},
            TypeError,
            r"stride must be an integer in \[1, 1000000000\]; got 1.5 \(float\)",
        ),
        (
            {"padding": True},
            TypeError,
            r"padding must be an integer in \[0, 1000000000\]; got True \(bool\)",
        ),
        (
            {"bias": np.zeros(3)},
            ValueError,
            r"bias must have one entry per filter of weight \(4, 3, 3, 3\): "
            r"shape \(4,\); got \(3,\)",
        ),
        ({"method": "fft"}, ValueError, "method must be 'loops' or 'im2col'; got 'fft'"),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cnn.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)), **kwargs)


def test_conv2d_backward_rejects_a_grad_out_of_the_wrong_shape():
    x, w = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3))
    with pytest.raises(
        ValueError,
        match=r"grad_out must have the output's shape \(2, 4, 3, 3\) \(from x \(2, 3, 5, 5\) "
        r"and weight \(4, 3, 3, 3\)\); got \(2, 4, 5, 5\)",
    ):
        cnn.conv2d_backward(x, w, np.zeros((2, 4, 5, 5)))
    with pytest.raises(ValueError, match="channel mismatch"):
        cnn.conv2d_backward(x, np.zeros((4, 1, 3, 3)), np.zeros((2, 4, 3, 3)))


def test_pooling_rejects_bad_input():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(
        ValueError, match=r"x must be a 4-D array of shape \(N, C, H, W\); got shape \(4, 4\)"
    ):
        cnn.max_pool2d(x[0, 0], 2)
    with pytest.raises(ValueError, match=r"padding must be at most kernel_size / 2 = 1.0; got 2"):
        cnn.avg_pool2d(x, 2, padding=2)
    with pytest.raises(
        ValueError,
        match=r"pooling window \(kernel_size, kernel_size\) \(5, 5\) is larger than the padded "
        r"input x \(4, 4\)",
    ):
        cnn.max_pool2d(x, 5)
    with pytest.raises(ValueError, match="stride must be an integer >= 1; got 0"):
        cnn.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1; got 0"):
        cnn.avg_pool2d(x, 0)
    with pytest.raises(
        ValueError,
        match=r"grad_out must have the pooled output's shape \(1, 2, 2, 2\) \(from x "
        r"\(1, 2, 4, 4\)\); got \(1, 2, 4, 4\)",
    ):
        cnn.max_pool2d_backward(x, x, 2)
    with pytest.raises(ValueError, match=r"grad_out must have the pooled output's shape"):
        cnn.avg_pool2d_backward(x, np.zeros((1, 2, 3, 3)), 2)


def test_im2col_rejects_bad_input():
    with pytest.raises(ValueError, match=r"x must be a 4-D array"):
        cnn.im2col(np.zeros((4, 4)), 2, 2)
    with pytest.raises(
        ValueError, match=r"window \(kh, kw\) \(5, 2\) is larger than the padded input x"
    ):
        cnn.im2col(np.zeros((1, 1, 4, 4)), 5, 2)


def test_lenet5_is_reexported_from_cnn():
    from dlcourse.architectures import LeNet5

    assert cnn.LeNet5 is LeNet5


def test_lenet5_first_layer_is_this_modules_conv2d():
    model = cnn.LeNet5().double()
    conv = model.features[0]
    x = np.random.default_rng(7).standard_normal((3, 1, 28, 28))
    with torch.no_grad():
        expected = conv(torch.tensor(x)).numpy()
    ours = cnn.conv2d(x, conv.weight.detach().numpy(), conv.bias.detach().numpy(), padding=2)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=TOL)
