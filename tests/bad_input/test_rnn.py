"""Bad input for dlcourse.rnn.

The step equations, then cells (one step) and layers (a sequence), in torch's layout
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Opaque, Other, Real
from bad_input.registry import Registry
from dlcourse import rnn

RECIPES = Registry()
register = RECIPES.register


def step_tensor(shape):
    wrong = list(shape)
    wrong[-1] += 1
    return Other(
        bad_values=(
            None,
            "t",
            np.zeros(shape),
            3.0,
            torch.zeros(wrong),
            torch.zeros(1, *shape),
            torch.zeros(shape, dtype=torch.long),
            torch.zeros(shape, dtype=torch.float64),
        )
    )


B_, H_ = 3, 2
for fn, G_ in ((rnn.rnn_step, 1), (rnn.gru_step, 3)):
    register(
        fn,
        x_part=(torch.randn(B_, G_ * H_), step_tensor((B_, G_ * H_))),
        h=(
            torch.zeros(B_, H_),
            Other(
                bad_values=(
                    None,
                    "h",
                    np.zeros((B_, H_)),
                    torch.zeros(H_),
                    torch.zeros(B_, 0),
                    torch.zeros(B_, H_ + 1),
                )
            ),
        ),
        weight_hh=(torch.randn(G_ * H_, H_), step_tensor((G_ * H_, H_))),
        bias_hh=(torch.zeros(G_ * H_), step_tensor((G_ * H_,))),
    )
register(
    rnn.lstm_step,
    x_part=(torch.randn(B_, 4 * H_), step_tensor((B_, 4 * H_))),
    h=(torch.zeros(B_, H_), Other(bad_values=(None, "h", np.zeros((B_, H_)), torch.zeros(H_)))),
    c=(torch.zeros(B_, H_), step_tensor((B_, H_))),
    weight_hh=(torch.randn(4 * H_, H_), step_tensor((4 * H_, H_))),
    bias_hh=(torch.zeros(4 * H_), step_tensor((4 * H_,))),
)
for cls in (rnn.RNNCell, rnn.GRUCell, rnn.RNN, rnn.GRU):
    register(cls, input_size=(3, Count(1)), hidden_size=(4, Count(1)))
for cls in (rnn.LSTMCell, rnn.LSTM):
    register(
        cls, input_size=(3, Count(1)), hidden_size=(4, Count(1)),
        forget_bias=(None, Real(min=-100.0, max=100.0, optional=True)),
    )  # fmt: skip
register(rnn.RNN.extra_repr, call=lambda self: self.extra_repr(), self=(rnn.RNN(3, 4), Opaque()))


def sequence_kind(shape):
    return Other(
        bad_values=(
            None,
            "x",
            np.zeros(shape),
            [[0.0] * shape[-1]],
            torch.zeros(*shape[:-1], 5),
            torch.zeros(shape, dtype=torch.long),
            torch.zeros(shape, dtype=torch.float64),
            torch.zeros(shape[-1]),
        )
    )


STATE = Other(
    bad_values=(
        "h",
        np.zeros((2, 4)),
        torch.zeros(2, 5),
        torch.zeros(1, 2, 4),
        torch.zeros(2, 4, dtype=torch.float64),
    ),
    optional=True,
)
LSTM_STATE = Other(
    bad_values=(
        "s",
        torch.zeros(2, 4),
        (torch.zeros(2, 4),),
        (torch.zeros(2, 4), None),
        (torch.zeros(2, 5), torch.zeros(2, 4)),
        [torch.zeros(2, 4), "c"],
    ),
    optional=True,
)
for cls, shape in ((rnn.RNNCell, (2, 3)), (rnn.GRUCell, (2, 3)), (rnn.RNN, (2, 5, 3)),
                   (rnn.GRU, (2, 5, 3))):  # fmt: skip
    register(
        cls.forward,
        call=lambda self, x, h: self(x, h),
        self=(cls(3, 4), Opaque()),
        x=(torch.randn(shape), sequence_kind(shape)),
        h=(None, STATE),
    )
for cls, shape in ((rnn.LSTMCell, (2, 3)), (rnn.LSTM, (2, 5, 3))):
    register(
        cls.forward,
        call=lambda self, x, state: self(x, state),
        self=(cls(3, 4), Opaque()),
        x=(torch.randn(shape), sequence_kind(shape)),
        state=(None, LSTM_STATE),
    )

globals().update(RECIPES.tests())  # this file's tests: see registry.py
