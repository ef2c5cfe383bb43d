"""Bad input for dlcourse.workflow."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Fresh, Opaque, Other, Real
from bad_input.registry import Registry
from bad_input.values import POSITIVE
from dlcourse import workflow

RECIPES = Registry()
register = RECIPES.register

register(workflow.LinearRegressionModel, seed=(0, Count(0, optional=True)))
register(
    workflow.LinearRegressionModel.forward,
    call=lambda self, x: self(x),
    self=(Fresh(lambda: workflow.LinearRegressionModel(seed=0)), Opaque()),
    x=(
        torch.zeros(4, 1),
        Other(bad_values=(None, np.zeros((3, 1)), torch.zeros(3), torch.zeros(3, 2), "x")),
    ),
)
register(
    workflow.l1_steps_needed,
    start=(0.0, Real()),
    target=(1.0, Real()),
    lr=(0.1, POSITIVE),
    max_grad=(1.0, POSITIVE),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
