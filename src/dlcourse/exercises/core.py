"""The machinery of the exercise checkers: run a reader's function, compare, explain.

A checker calls the reader's function on a few probes (inputs chosen to expose the usual
mistakes), compares each result with the book's reference, and either returns what it checked
or raises ``ExerciseFailed``. When a result is wrong, the message says which output, for which
probe, where it first differs, and a hint: it compares the wrong result with the results of the
typical mistakes (a transposed gradient, a missing bias correction, an inverted mask) and names
the one it matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ExerciseFailed"]  # the rest is the checkers' machinery


class ExerciseFailed(AssertionError):
    """The reader's function gave a wrong result; the message says what, where, and a hint."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: its hint, and what it would return for an output of a probe.

    ``wrong(probe, expected)`` gives the mistaken value of that output, or the shape (a tuple)
    that the mistake gives it, or ``None`` where the mistake does not apply to this output.
    """

    hint: str
    wrong: Callable[[dict, np.ndarray], np.ndarray | None]


@dataclass
class Exercise:
    """One checker: the function a reader writes, and how it is checked."""

    id: str
    chapter: str  # the chapter's file name without .md, e.g. "11-convolutional-networks"
    signature: str
    run: Callable[[Callable], list[str]]  # returns what passed; raises ExerciseFailed
    summary: str = ""
    mistakes: dict[str, list[Mistake]] = field(default_factory=dict)


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the checkers that ``dlcourse.exercises.check`` knows."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    REGISTRY[exercise.id] = exercise
    return exercise


def as_array(value: Any) -> np.ndarray:
    """A NumPy float64 array from a NumPy array, a torch tensor or a Python number."""
    if hasattr(value, "detach"):  # a torch tensor, on any device
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def call(exercise_id: str, candidate: Callable, probe: str, *args, **kwargs) -> Any:
    """``candidate(*args, **kwargs)``; an exception becomes ``ExerciseFailed`` naming the probe."""
    try:
        return candidate(*args, **kwargs)
    except ExerciseFailed:
        raise
    except Exception as error:  # the reader's code: any exception is a finding, not a crash
        raise ExerciseFailed(
            f"{exercise_id}: your function raised {type(error).__name__}: {error}\n  on {probe}"
        ) from error


def unpack(exercise_id: str, result: Any, names: tuple[str, ...], probe: str) -> tuple:
    """Check that ``result`` is a tuple of ``len(names)`` values and return it."""
    if len(names) == 1:
        return (result,)
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__}"
        if isinstance(result, (tuple, list)):
            got += f" of {len(result)} values"
        raise ExerciseFailed(
            f"{exercise_id}: expected a tuple ({', '.join(names)}); got {got}\n  on {probe}"
        )
    return tuple(result)


def first_difference(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float):
    """The index of the first entry outside tolerance, and the largest absolute difference."""
    bad = ~np.isclose(got, expected, atol=atol, rtol=rtol, equal_nan=False)
    index = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.any() else None
    return index, float(np.max(np.abs(got - expected))) if got.size else 0.0


def compare(
    exercise_id: str,
    name: str,
    got: Any,
    expected: Any,
    probe: str,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    mistakes: list[Mistake] = (),
    context: dict | None = None,
) -> None:
    """Raise ``ExerciseFailed`` unless ``got`` equals ``expected`` within tolerance.

    The message names the output, the probe, the expected and received shapes or the first
    differing index, and a hint: the first of ``mistakes`` whose wrong value ``got`` matches.
    """
    expected = as_array(expected)
    try:
        got = as_array(got)
    except (TypeError, ValueError) as error:
        raise ExerciseFailed(
            f"{exercise_id}: {name} must be an array of numbers; got {type(got).__name__} "
            f"({error})\n  on {probe}"
        ) from None
    hint = _hint(got, expected, mistakes, context or {})
    if got.shape != expected.shape:
        if got.ndim == 2 and got.shape == expected.T.shape and not hint:
            hint = f"your {name} has the transposed shape: did you swap the two axes?"
        raise ExerciseFailed(
            _message(
                exercise_id, f"{name} has shape {got.shape}; expected {expected.shape}", probe, hint
            )
        )
    if not np.all(np.isfinite(got)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        raise ExerciseFailed(
            _message(
                exercise_id,
                f"{name}{list(index)} is {got[index]}, not a finite number",
                probe,
                hint,
            )
        )
    index, largest = first_difference(got, expected, atol, rtol)
    if index is not None:
        where = f"{name}{list(index)}" if got.ndim else name
        what = (
            f"{where} is {got[index]:.6g}; expected {expected[index]:.6g} "
            f"(largest difference {largest:.3g}, tolerance {atol:g} + {rtol:g} x |expected|)"
        )
        raise ExerciseFailed(_message(exercise_id, what, probe, hint))


def _hint(got: np.ndarray, expected: np.ndarray, mistakes, context: dict) -> str:
    for mistake in mistakes:
        wrong = mistake.wrong(context, expected)
        if wrong is None:
            continue
        if isinstance(wrong, tuple):  # a shape
            if got.shape == wrong and got.shape != expected.shape:
                return mistake.hint
            continue
        wrong = as_array(wrong)
        if wrong.shape == got.shape and np.allclose(
            got, wrong, atol=1e-6, rtol=1e-5, equal_nan=True
        ):
            return mistake.hint
    return ""


def _message(exercise_id: str, what: str, probe: str, hint: str) -> str:
    text = f"{exercise_id}: {what}\n  on {probe}"
    return text + (f"\n  hint: {hint}" if hint else "")
