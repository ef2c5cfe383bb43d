"""dlcourse.cnn: cases that mutation testing (mutmut) found unchecked by test_cnn.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlcourse import cnn

TOL = 1e-9

# Strides larger than the padding leave the last rows (columns) of the real input reached by no
# window; strides 3 and 5 with padding 1 and 2 make the count of those rows depend on the padded
# size H + 2 * padding, not H - 2 * padding nor H + 3 * padding.
WIDE = list(itertools.product([3, 5], [1, 2], [(11, 12), (12, 11)], [(3, 3), (2, 3)]))


@pytest.mark.parametrize("stride, padding, size, kernel", WIDE)
def test_the_flipped_kernel_derivation_holds_for_strides_wider_than_the_padding(
    stride, padding, size, kernel
):
    (H, W), (kh, kw) = size, kernel
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, H, W))
    w = rng.standard_normal((3, 2, kh, kw))
    out = cnn.conv2d(x, w, None, stride, padding)
    grad_out = rng.standard_normal(out.shape)
    xt = torch.tensor(x, requires_grad=True)
    F.conv2d(xt, torch.tensor(w), stride=stride, padding=padding).backward(torch.tensor(grad_out))
    flipped = cnn._input_grad_flipped(x.shape, w, grad_out, stride, padding)
    assert flipped.shape == x.shape
    np.testing.assert_allclose(flipped, xt.grad.numpy(), rtol=0, atol=TOL)
    dx, _, _ = cnn.conv2d_backward(x, w, grad_out, stride, padding)
    np.testing.assert_allclose(flipped, dx, rtol=0, atol=TOL)


def test_output_size_and_im2col_default_to_stride_1_and_no_padding():
    assert cnn.output_size(7, 3) == 5 == cnn.output_size(7, 3, 1, 0)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5))
    np.testing.assert_array_equal(cnn.im2col(x, 3, 2), cnn.im2col(x, 3, 2, 1, 0))
    assert cnn.im2col(x, 3, 2).shape == (2, 3 * 3 * 2, 4 * 4)  # (N, C*kh*kw, Ho*Wo)


def test_a_bad_array_is_named_with_its_layout():
    x = np.zeros((1, 2, 5, 5))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        cnn.im2col(np.zeros((2, 5, 5)), 3, 3)
    with pytest.raises(ValueError, match=r"\(out_channels, in_channels, kh, kw\)"):
        cnn.conv2d(x, np.zeros((2, 3, 3)))
    with pytest.raises(
        ValueError, match=r"^weight's kernel \(7, 7\) is larger than the padded input"
    ):
        cnn.conv2d(x, np.zeros((1, 2, 7, 7)))
