"""Bad input for dlcourse.autograd_graph."""

from __future__ import annotations

from bad_input.fuzzing import Flag, Fresh, Instance
from bad_input.registry import Registry
from bad_input.values import axes, value_graph
from dlcourse import autograd_graph

RECIPES = Registry()
register = RECIPES.register

register(autograd_graph.trace, root=(Fresh(value_graph), Instance()))
register(
    autograd_graph.draw_graph,
    root=(Fresh(value_graph), Instance()),
    ax=(Fresh(axes), Instance(optional=True)),
    show_grad=(True, Flag()),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
