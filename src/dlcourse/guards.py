"""Input checks that stay out of a model's forward pass, and run once per call of the model.

A model checks its configuration when it is built. Its input it checks cheaply, on shapes and
dtypes only (never on the values: reading a value of a tensor on a GPU waits for the GPU), and
only where the input comes in: a GPT checks its token ids, and the blocks inside it trust what
the GPT hands them. ``checked_by`` does that with one line above ``forward``:

    class Block(nn.Module):
        @checked_by(_check_block_input)
        def forward(self, x, mask=None): ...

Called on its own, the block runs ``_check_block_input(self, x, mask)`` first. Called from
inside another checked forward (the GPT's), it does not: the outer model already checked.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from dlcourse.checks import check_callable

__all__ = ["checked_by"]

_state = threading.local()  # per thread: is a checked forward running right now?


def checked_by(check: Callable) -> Callable[[Callable], Callable]:
    """Decorate a ``forward`` so that ``check(self, *args, **kwargs)`` runs first, at the
    outermost checked call only.

    ``check`` raises ``ValueError``/``TypeError`` on bad input and returns nothing; it sees the
    same arguments as ``forward``. The decorated function keeps ``forward``'s name, docstring,
    signature and source (``inspect.getsource`` and ``show_source`` show the decorator line).
    """
    check_callable("check", check)

    def decorate(forward: Callable) -> Callable:
        check_callable("forward", forward)

        @functools.wraps(forward)
        def checked_forward(self, *args, **kwargs):
            if getattr(_state, "inside", False):  # called by a model that already checked
                return forward(self, *args, **kwargs)
            check(self, *args, **kwargs)
            _state.inside = True
            try:
                return forward(self, *args, **kwargs)
            finally:
                _state.inside = False

        return checked_forward

    return decorate
