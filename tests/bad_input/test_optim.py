"""Bad input for dlcourse.optim."""

from __future__ import annotations

import torch

from bad_input.fuzzing import NAN, Flag, Fresh, Func, Opaque, Other, Real
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, params, sgd
from dlcourse import optim

RECIPES = Registry()
register = RECIPES.register

PARAMS = Other(bad_values=(None, torch.zeros(2), [], [1.0, 2.0], "params", 3), odd_values=())
RATE = NON_NEGATIVE
DECAY = Real(min=0.0, max=1.0, max_open=True)
register(
    optim.SGD,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    momentum=(0.9, RATE),
    weight_decay=(0.0, RATE),
)
register(
    optim.AdaGrad,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    eps=(1e-10, RATE),
    eps_inside_sqrt=(False, Flag()),
)
register(
    optim.RMSProp,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    rho=(0.9, DECAY),
    eps=(1e-8, RATE),
    eps_inside_sqrt=(False, Flag()),
)
register(
    optim.Adam,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    betas=(
        (0.9, 0.999),
        Other(
            bad_values=(
                None,
                0.9,
                (0.9,),
                (0.9, 0.99, 0.5),
                (1.0, 0.9),
                (NAN, 0.9),
                ("0.9", 0.999),
                (0.9, -0.1),
            )
        ),
    ),
    eps=(1e-8, RATE),
    weight_decay=(0.0, RATE),
    bias_correction=(True, Flag()),
)
register(
    optim._FromScratch.step,
    call=lambda self, closure: self.step(closure),
    self=(Fresh(sgd), Opaque()),
    closure=(None, Func(optional=True)),
)
register(
    optim._FromScratch.add_param_group,
    call=lambda self, param_group: self.add_param_group(param_group),
    self=(Fresh(sgd), Opaque()),
    param_group=(
        Fresh(lambda: {"params": params(), "lr": 0.01}),
        Other(
            bad_values=(
                None,
                3,
                "group",
                {"lr": 0.1},
                {"params": None},
                {"params": params(), "lr": NAN},
                {"params": params(), "momentum": -1.0},
            )
        ),
    ),
)
register(
    optim.AdamW,
    params=(Fresh(params), PARAMS),
    lr=(0.1, RATE),
    betas=((0.9, 0.999), Other(bad_values=(None, 0.9, (0.9,), (1.0, 0.9), (0.9, -0.1)))),
    eps=(1e-8, RATE),
    weight_decay=(1e-2, RATE),
    bias_correction=(True, Flag()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
