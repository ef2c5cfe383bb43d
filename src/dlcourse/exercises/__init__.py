"""Check your own code: run a function you wrote against the book's reference.

>>> from dlcourse import exercises
>>> exercises.check("causal_mask", lambda T: torch.ones(T, T, dtype=torch.bool).tril())
passed causal_mask: a (T, T) bool tensor, True on and below the diagonal, for T = 1, 4, 7

A wrong function raises ``ExerciseFailed`` (an ``AssertionError``), whose message says which
output differed, on which input, where, and a hint when the mistake is a common one::

    ExerciseFailed: conv2d_backward: dweight has shape (3, 4, 3, 3); expected (4, 3, 3, 3)
      on x (2, 3, 5, 5), weight (4, 3, 3, 3), stride 1, no padding
      hint: your dweight has its two channel axes swapped: it must be (Co, C, kh, kw), ...

``available()`` lists the exercises and the chapter each belongs to.
"""

from __future__ import annotations

from collections.abc import Callable

from dlcourse.checks import check_callable, check_in
from dlcourse.exercises import convolution, fundamentals, sequences  # noqa: F401  (register)
from dlcourse.exercises.core import REGISTRY, ExerciseFailed

__all__ = ["ExerciseFailed", "available", "check", "signature"]


def available() -> dict[str, str]:
    """``{exercise id: chapter}`` in the order of the book: ``"adam_step": "08-optimizers"``."""
    return {e.id: e.chapter for e in sorted(REGISTRY.values(), key=lambda e: e.chapter)}


def signature(exercise_id: str) -> str:
    """The signature a candidate must have, and what its arguments are."""
    exercise = REGISTRY[check_in("exercise_id", exercise_id, sorted(REGISTRY))]
    return f"{exercise.signature}: {exercise.summary}"


def check(exercise_id: str, candidate: Callable) -> None:
    """Run ``candidate`` against the book's reference for ``exercise_id`` and print what passed.

    Raises:
        ExerciseFailed: a result differs; the message says what, on which input, where, and a
            hint.
        ValueError: ``exercise_id`` is not one of ``available()``.
        TypeError: ``candidate`` is not callable.
    """
    exercise = REGISTRY[check_in("exercise_id", exercise_id, sorted(REGISTRY))]
    check_callable("candidate", candidate)
    for passed in exercise.run(candidate):
        print(f"passed {exercise_id}: {passed}")
