"""dlcourse.rnn: cases that mutation testing (mutmut) found unchecked by test_rnn.py."""

from __future__ import annotations

import pytest
import torch

from dlcourse import rnn


@pytest.mark.parametrize(
    "step, gates, words",
    [(rnn.rnn_step, 1, "(1 gate)"), (rnn.gru_step, 3, "(3 gates)")],
)
def test_a_step_names_its_gate_count_in_a_shape_error(step, gates, words):
    """The message says how many gates the expected shape (B, G*H) counts, singular for one."""
    B, H = 2, 3
    h = torch.zeros(B, H)
    weight_hh, bias_hh = torch.zeros(gates * H, H), torch.zeros(gates * H)
    x_part = torch.zeros(B, gates * H + 1)  # one column too many
    with pytest.raises(ValueError) as error:
        step(x_part, h, weight_hh, bias_hh)
    message = str(error.value)
    assert message.startswith(f"x_part must have shape {(B, gates * H)}")
    assert words in message
    assert message.endswith(f"got {(B, gates * H + 1)}")


@pytest.mark.parametrize("cls", [rnn.LSTM, rnn.LSTMCell])
def test_a_bad_state_is_named_with_the_module_and_the_part_of_the_pair(cls):
    layer = cls(3, 4)
    x = torch.zeros(2, 5, 3) if cls is rnn.LSTM else torch.zeros(2, 3)
    h, c = torch.zeros(2, 4), torch.zeros(2, 5)
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: state c must have shape"):
        layer(x, (h, c))
