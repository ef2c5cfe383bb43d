"""Bad input for dlcourse.cnn.

NCHW arrays for the from-scratch convolution and pooling
"""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import Array, Choice, Count, Opaque
from bad_input.registry import Registry
from bad_input.values import IMG4, KERNEL
from dlcourse import cnn

RECIPES = Registry()
register = RECIPES.register

IMG4_KIND = Array(ndims=(4,), like=IMG4)
KERNEL_KIND = Array(ndims=(4,), like=KERNEL)
register(
    cnn.output_size, size=(6, Count(1)), kernel=(3, Count(1)), stride=(1, Count(1)),
    padding=(0, Count(0)),
)  # fmt: skip
register(
    cnn.im2col, x=(IMG4, IMG4_KIND), kh=(3, Count(1)), kw=(3, Count(1)), stride=(1, Count(1)),
    padding=(1, Count(0)),
)  # fmt: skip
register(
    cnn.conv2d,
    x=(IMG4, IMG4_KIND),
    weight=(KERNEL, KERNEL_KIND),
    bias=(np.zeros(4), Array(ndims=(1,), like=np.zeros(4), optional=True)),
    stride=(1, Count(1)),
    padding=(1, Count(0)),
    method=("im2col", Choice(("im2col", "loops"))),
)
register(
    cnn.conv2d_backward,
    x=(IMG4, IMG4_KIND),
    weight=(KERNEL, KERNEL_KIND),
    grad_out=(np.ones((2, 4, 4, 4)), Array(ndims=(4,), like=np.ones((2, 4, 4, 4)))),
    stride=(1, Opaque()),
    padding=(0, Opaque()),
)
for fn in (cnn.max_pool2d, cnn.avg_pool2d):
    register(
        fn, x=(IMG4, IMG4_KIND), kernel_size=(2, Count(1)), stride=(None, Count(1, optional=True)),
        padding=(0, Count(0)),
    )  # fmt: skip
for fn in (cnn.max_pool2d_backward, cnn.avg_pool2d_backward):
    register(
        fn,
        x=(IMG4, IMG4_KIND),
        grad_out=(np.ones((2, 3, 3, 3)), Array(ndims=(4,), like=np.ones((2, 3, 3, 3)))),
        kernel_size=(2, Opaque()),
        stride=(None, Opaque()),
        padding=(0, Opaque()),
    )

globals().update(RECIPES.tests())  # this file's tests: see registry.py
