"""The engine of the bad-input suite (tests/bad_input/): argument kinds, recipes, a guard.

An argument *kind* (a count, a real number, a 2-D array, a callable, ...) knows two families of
values to throw at an argument of that kind:

- ``bad()``: values that are wrong for the kind whatever the other arguments are (a string where
  a number belongs, NaN, a bool where a count belongs, a 1-D array where a 2-D one belongs, an
  empty array, a complex number, a count past the package's limits). A call with one of them
  must raise a ``ValueError`` or ``TypeError`` whose message names the argument.
- ``odd()``: a hypothesis strategy of well-typed values that may or may not suit the call
  (an array of a random shape, a count at its lower edge). A call with one of them must either
  raise such an error or return an answer that passes the recipe's ``ok`` check.

A ``Recipe`` is a valid call of one public function: a value (or a ``Fresh`` factory) and a kind
for each argument, and how to make the call. ``guarded`` runs one call under a time limit and a
memory limit, so that a hang or an unbounded allocation fails the test instead of the machine.
"""

from __future__ import annotations

import contextlib
import copy
import faulthandler
import math
import re
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

NAN, INF = math.nan, math.inf
HUGE_INTS = (10**12, 2**63)  # past every limit of dlcourse.checks: must be refused, not tried
JUNK = ("3", b"3", 1j, {"a": 1}, object())  # never a number, an array, a flag or a callable

# A single call that uses more CPU time than this is treated as a hang: a detector, not a timing
# assertion (every call here takes milliseconds). CPU time, not wall-clock time, so that other
# processes on a busy machine cannot make a call look hung.
HANG_CPU_SECONDS = 10
# Wall-clock time after which a call stuck without using the CPU (a deadlock, a wait inside C
# code) ends the whole process with a traceback of every thread: a last resort.
STUCK_SECONDS = 300
# Memory a single call may add to the process before an allocation fails.
MEMORY_HEADROOM = 3 * 2**30


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@dataclass
class Fresh:
    """A factory for an argument that must be new for every call (a model, a figure's axes)."""

    make: Callable[[], Any]


def materialise(value: Any) -> Any:
    if isinstance(value, Fresh):
        return value.make()
    if isinstance(value, (np.ndarray, torch.Tensor, list, dict)):
        return copy.deepcopy(value)
    return value


# ---------------------------------------------------------------------------------------------
# Argument kinds


class Kind:
    optional = False  # None is a valid value

    def bad(self) -> list[Any]:
        return []

    def odd(self) -> st.SearchStrategy:
        return st.nothing()


class Opaque(Kind):
    """Not fuzzed (``self`` of a method, a private argument)."""


@dataclass
class Other(Kind):
    """An argument with hand-picked bad and odd values."""

    bad_values: tuple = ()
    odd_values: tuple = ()
    optional: bool = False

    def bad(self):
        return list(self.bad_values)

    def odd(self):
        return st.sampled_from(self.odd_values) if self.odd_values else st.nothing()


@dataclass
class Count(Kind):
    """An integer >= ``min``; ``capped``: the package bounds it, so a huge count is refused."""

    min: int = 0
    capped: bool = True
    optional: bool = False

    def bad(self):
        values = [self.min - 1, self.min - 10**6, True, False, self.min + 0.5, float(self.min + 1)]
        values += [NAN, INF, [self.min + 1], np.array([self.min + 1, self.min + 2]), *JUNK]
        values += [] if self.optional else [None]
        values += list(HUGE_INTS) if self.capped else []
        return values

    def odd(self):
        small = st.integers(self.min, self.min + 5)
        return small if self.capped else st.one_of(small, st.sampled_from(HUGE_INTS))


@dataclass
class Real(Kind):
    """A real number in a range (ends excluded with ``min_open`` / ``max_open``)."""

    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    optional: bool = False
    finite: bool = True

    def _inside(self, x: float) -> bool:
        if self.min is not None and (x <= self.min if self.min_open else x < self.min):
            return False
        return not (self.max is not None and (x >= self.max if self.max_open else x > self.max))

    def bad(self):
        values = [NAN, True, "1.0", 1j, [1.0], np.array([1.0, 2.0]), object()]
        values += [] if self.optional else [None]
        values += [INF, -INF] if self.finite else []
        if self.min is not None:
            values += [self.min - 1.0, self.min - 1e300] + ([self.min] if self.min_open else [])
        if self.max is not None:
            values += [self.max + 1.0, self.max + 1e300] + ([self.max] if self.max_open else [])
        return [v for v in values if not (isinstance(v, float) and self._inside(v))]

    def odd(self):
        edges = [0.0, -0.0, 1e-300, 0.5, 1.0, 2.0, -1.0, 1e300, -1e300, np.float32(0.25)]
        edges += [e for e in (self.min, self.max) if e is not None]
        return st.sampled_from([float(e) for e in edges if self._inside(float(e))] or [0.0])


def Probability(**kwargs) -> Real:  # noqa: N802 (reads as a kind)
    return Real(min=0.0, max=1.0, **kwargs)


class Flag(Kind):
    def bad(self):
        return ["yes", "", 1, 0, 1.0, None, NAN, [True], np.array([True, False])]

    def odd(self):
        return st.sampled_from([True, False, np.bool_(True)])


@dataclass
class Choice(Kind):
    choices: tuple = ()

    def bad(self):
        values = ["no-such-choice", 1, 1.5, True, ["x"], b"relu", NAN]
        return values + ([] if None in self.choices else [None])

    def odd(self):
        return st.sampled_from(self.choices)


@dataclass
class Array(Kind):
    """A NumPy array of real numbers with one of ``ndims`` dimensions."""

    ndims: tuple = (2,)
    finite: bool = True
    nonempty: bool = True
    like: Any = None  # a valid value: its NaN and inf copies are bad values
    optional: bool = False

    def bad(self):
        nd = self.ndims[0]
        values = ["abc", {"a": 1}, [[1.0, 2.0], [3.0]], np.full((2,) * nd, 1 + 1j)]
        values += [np.full((2,) * nd, "a"), np.array([None, object()], dtype=object)]
        values += [] if self.optional else [None]
        values += [np.ones((2,) * d) for d in range(4) if d not in self.ndims]
        if self.nonempty:
            values.append(np.zeros((0,) + (3,) * (nd - 1)))
        if self.finite and self.like is not None:
            for bad in (NAN, INF, -INF):
                corrupt = np.array(self.like, dtype=float)
                corrupt.flat[corrupt.size // 2] = bad
                values.append(corrupt)
        return values

    def odd(self):
        shapes = st.sampled_from(self.ndims).flatmap(
            lambda nd: hnp.array_shapes(min_dims=nd, max_dims=nd, min_side=1, max_side=6)
        )
        elements = st.floats(-100, 100, allow_nan=False, width=64)
        return hnp.arrays(np.float64, shapes, elements=elements)


@dataclass
class Labels(Kind):
    """Class labels: a 1-D array of whole numbers >= 0."""

    optional: bool = False

    def bad(self):
        values = [
            "ab",
            [0.5, 1.0],
            [-1, 0],
            [0.0, NAN],
            [[0, 1]],
            [],
            np.array([1j, 0]),
            ["a", "b"],
        ]
        return values + [[0, 2**60], None]

    def odd(self):
        return hnp.arrays(np.int64, st.integers(1, 8), elements=st.integers(0, 4))


@dataclass
class Instance(Kind):
    """An object of a given class (an Axes, a GridWorld, an Optimizer, ...)."""

    optional: bool = False

    def bad(self):
        return [3, "x", object(), np.zeros(2), []] + ([] if self.optional else [None])


@dataclass
class Func(Kind):
    optional: bool = False

    def bad(self):
        return [3, "f", [], np.zeros(2)] + ([] if self.optional else [None])


class Interval(Kind):
    def bad(self):
        values = [None, 3.0, "ab", (1.0,), (1.0, 2.0, 3.0), (2.0, 1.0), (1.0, 1.0)]
        return values + [(NAN, 1.0), (0.0, INF), ("a", 1.0), (True, 2.0)]

    def odd(self):
        return st.sampled_from([(-1.0, 1.0), [0.0, 1e-3], (-1e6, 1e6)])


@dataclass
class Points(Kind):
    """A float torch tensor of points of shape (..., 2)."""

    def bad(self):
        values = [None, np.zeros(2), [0.0, 0.0], "p", torch.zeros(3), torch.zeros(2, 3)]
        return values + [
            torch.tensor([NAN, 0.0]),
            torch.tensor([0.0, INF]),
            torch.zeros(2, dtype=int),
        ]

    def odd(self):
        return st.integers(1, 5).map(lambda n: torch.randn(n, 2, dtype=torch.float64))


# ---------------------------------------------------------------------------------------------
# Recipes


def no_nan(result: Any) -> bool:
    """The default check of an answer: nothing in it is NaN (arrays, tensors, tuples, floats)."""
    if isinstance(result, torch.Tensor):
        return not bool(torch.isnan(result.detach().float()).any()) if result.numel() else True
    if isinstance(result, np.ndarray):
        return result.dtype.kind not in "fc" or not bool(np.isnan(result).any())
    if isinstance(result, float):
        return not math.isnan(result)
    if isinstance(result, (tuple, list)):
        return all(no_nan(r) for r in result)
    if isinstance(result, dict):
        return all(no_nan(r) for r in result.values())
    return True


@dataclass
class Recipe:
    """A valid call: ``args`` maps each argument to ``(valid value, kind)``.

    ``call(**kwargs)`` makes the call (default: the target itself); ``ok(result)`` accepts an
    answer to an odd value; ``names`` maps an argument to the word its error must contain, when
    that is not the argument's own name (the check helpers name the value they check).
    """

    target: Callable
    args: dict[str, tuple[Any, Kind]] = field(default_factory=dict)
    call: Callable | None = None
    ok: Callable[[Any], bool] = no_nan
    names: dict[str, str] = field(default_factory=dict)

    def invoke(self, replace: dict[str, Any] | None = None) -> Any:
        kwargs = {name: materialise(value) for name, (value, _) in self.args.items()}
        kwargs.update(replace or {})
        return (self.call or self.target)(**kwargs)

    def fuzzable(self) -> list[str]:
        return [name for name, (_, kind) in self.args.items() if not isinstance(kind, Opaque)]


def names_argument(error: BaseException, name: str) -> bool:
    """Does the message of ``error`` name ``name`` as a word (``k``, not the k of "kind")?"""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", str(error)) is not None


# ---------------------------------------------------------------------------------------------
# The guard


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except OSError:
        return None
    import resource

    return pages * resource.getpagesize()


@contextlib.contextmanager
def guarded(seconds: float = HANG_CPU_SECONDS, headroom: int = MEMORY_HEADROOM):
    """Run the body with a CPU-time limit (SIGPROF) and a cap on new memory (RLIMIT_AS).

    The profiling timer counts the CPU time of this process, so an endless loop is stopped
    after ``seconds`` of work however busy the machine is, while waiting for a core costs
    nothing. Its signal interrupts Python code; a call stuck inside C code, or blocked without
    computing, is caught by faulthandler after ``STUCK_SECONDS`` of wall-clock time: it prints
    every thread's stack and ends the process (a hang must never become a silent, endless CI
    job). The address-space limit makes an allocation of terabytes fail at once with
    ``MemoryError`` instead of exhausting the machine; it is set relative to what the process
    already uses and restored afterwards (a process may raise its soft limit back up to the
    hard limit). The guards need a POSIX system; elsewhere the body runs unguarded, and the
    checks before every allocation still hold.
    """
    posix = sys.platform != "win32" and hasattr(signal, "setitimer")
    limits = None
    if posix:
        import resource

        used = _address_space()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if used is not None:
            cap = used + headroom
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            limits = (soft, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

        def alarm(signum, frame):
            raise Hang(f"the call used more than {seconds} s of CPU time")

        previous = signal.signal(signal.SIGPROF, alarm)
        signal.setitimer(signal.ITIMER_PROF, seconds)
        faulthandler.dump_traceback_later(STUCK_SECONDS, exit=True)
    try:
        yield
    finally:
        if posix:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
            faulthandler.cancel_dump_traceback_later()
            if limits is not None:
                resource.setrlimit(resource.RLIMIT_AS, limits)


def outcome(recipe: Recipe, name: str, value: Any, must_raise: bool) -> str | None:
    """Call ``recipe`` with ``name=value``; return what was wrong, or None if all was well."""
    shown = f"{name}={value!r:.80}"
    try:
        with guarded():
            result = recipe.invoke({name: value})
    except Hang as error:
        return f"{shown}: hung ({error})"
    except MemoryError as error:
        return f"{shown}: allocated without bound ({error})"
    except (ValueError, TypeError) as error:
        word = recipe.names.get(name, name)
        if not names_argument(error, word):
            return f"{shown}: {type(error).__name__} does not name {word!r}: {error}"
        return None
    except Exception as error:  # noqa: BLE001 (any other error is the finding)
        return f"{shown}: {type(error).__name__} instead of a clear error: {error}"
    if must_raise:
        return f"{shown}: accepted silently, returned {result!r:.120}"
    if not recipe.ok(result):
        return f"{shown}: a wrong answer, {result!r:.120}"
    return None
