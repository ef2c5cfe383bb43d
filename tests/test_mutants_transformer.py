"""dlcourse.transformer: cases that mutation testing (mutmut) found unchecked."""

from __future__ import annotations

import math

import pytest
import torch

from dlcourse import transformer


def test_the_smallest_sinusoidal_encoding_has_one_sine_and_one_cosine():
    """d_model = 2 is allowed: one frequency, 1 (speed 10000^0), as sin and cos."""
    pe = transformer.sinusoidal_positions(4, 2)
    t = torch.arange(4, dtype=torch.float32)
    torch.testing.assert_close(pe, torch.stack([torch.sin(t), torch.cos(t)], dim=1))
    with pytest.raises(ValueError):
        transformer.sinusoidal_positions(4, 1)
    assert math.isclose(float(pe[1, 0]), math.sin(1.0), rel_tol=1e-6)
