"""The bad-input suite's fixtures: one shared figure, never a stray one left open."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from bad_input.values import FIG


@pytest.fixture(autouse=True)
def close_stray_figures():
    yield
    for number in plt.get_fignums():
        if number != FIG.number:
            plt.close(number)
