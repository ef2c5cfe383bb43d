"""The argument checks every public function of the package runs once, at its entry.

Each helper takes the argument's *name* first, so that its error says which argument was
wrong, what was expected and what was given:

    >>> check_int("k", 2.5, min=1)
    Traceback (most recent call last):
    ...
    TypeError: k must be an integer >= 1; got 2.5 (float)

A wrong *type* (a string where a number belongs, a float where a count belongs, ``True`` where
a count belongs) raises ``TypeError``; a value of the right type that is out of range, not
finite or of the wrong shape raises ``ValueError``. Every helper returns the checked value,
converted (an ``int``, a ``float``, a NumPy array), so that a function uses what was checked.

Two limits keep a typo from asking for unbounded work or memory:
``MAX_ELEMENTS`` bounds an array that an argument's size asks the package to allocate, and
``MAX_COUNT`` bounds iteration counts. Raise them (``dlcourse.checks.MAX_ELEMENTS = ...``) if
you really mean it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = [
    "DivisionByZeroError",
    "MAX_COUNT",
    "MAX_ELEMENTS",
    "check_array",
    "check_bool",
    "check_callable",
    "check_in",
    "check_instance",
    "check_int",
    "check_interval",
    "check_labels",
    "check_probability",
    "check_real",
    "check_same_length",
    "check_scalar",
    "check_seed",
    "check_size",
    "describe",
]

# 10**8 float64 numbers are 800 MB: more than anything in the book allocates, less than a
# laptop's memory, so a size past it is almost surely a mistake.
MAX_ELEMENTS = 10**8
# Iterations: far more than any page runs (a few thousand), yet small enough that a count of
# 10**12 typed by mistake is refused instead of running for days.
MAX_COUNT = 10**9


class DivisionByZeroError(ZeroDivisionError, ValueError):
    """``x / 0``: catch it as a ZeroDivisionError, as Python's own, or as a ValueError."""


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message: arrays by shape and dtype."""
    if isinstance(value, np.ndarray) or type(value).__name__ == "Tensor":
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_int(
    name: str, value: Any, *, min: int | None = None, max: int | None = None, note: str = ""
) -> int:
    """``value`` as an ``int`` in ``[min, max]``.

    Python and NumPy integers are accepted; ``bool`` is not (``k=True`` is a mistake, not 1),
    and neither is a float, even ``3.0`` (a count is never fractional). ``note`` says where a
    bound comes from when another argument sets it, e.g. ``"X has 12 rows"``: an error then
    names both arguments.
    """
    note = f" ({note})" if note else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        wanted = f"an integer {_range_text(min, max, False, False)}".rstrip()
        raise TypeError(f"{name} must be {wanted}{note}; got {describe(value)}")
    value = int(value)
    if min is not None and value < min:  # name the bound that was crossed
        raise ValueError(f"{name} must be an integer >= {min}{note}; got {value}")
    if max is not None and value > max:
        raise ValueError(f"{name} must be an integer <= {max}{note}; got {value}")
    return value


def check_count(name: str, value: Any, *, min: int = 1, note: str = "") -> int:
    """A count (layers, epochs, steps, samples): an ``int`` in ``[min, MAX_COUNT]``.

    The one count check of the package: modules call it instead of wrapping ``check_int``.
    The cap keeps a typo such as ``epochs=10**12`` from hanging a page.
    """
    return check_int(name, value, min=min, max=MAX_COUNT, note=note)


def check_seed(name: str, value: Any) -> int:
    """A seed every generator accepts: an integer in [0, 2**32) (NumPy's legacy limit)."""
    return check_int(name, value, min=0, max=2**32 - 1)


def check_real(
    name: str,
    value: Any,
    *,
    min: float | None = None,
    max: float | None = None,
    min_open: bool = False,
    max_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a ``float``: a real number (not bool, str or complex), not NaN, in range.

    Args:
        min, max: the bounds, included unless ``min_open`` / ``max_open``.
        finite: refuse ``inf`` and ``-inf`` too (NaN is always refused: no comparison holds
            for it, so every range check would pass it silently).
    """
    wanted = "a finite real number" if finite else "a real number"
    bounds = _range_text(min, max, min_open, max_open)
    wanted += f" {bounds}" if bounds else ""
    is_real = isinstance(value, (numbers.Real, np.floating, np.integer))
    if isinstance(value, (bool, np.bool_)) or not is_real:
        raise TypeError(f"{name} must be {wanted}; got {describe(value)}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be {wanted}; got {value}")
    too_low = min is not None and (value <= min if min_open else value < min)
    too_high = max is not None and (value >= max if max_open else value > max)
    if too_low or too_high:
        raise ValueError(f"{name} must be {wanted}; got {value}")
    return value


def check_scalar(name: str, value: Any) -> float:
    """One finite real number, given as a number or as an array (or list) holding exactly one."""
    if isinstance(value, (np.ndarray, list, tuple)) or type(value).__name__ == "Tensor":
        if np.size(value) != 1:
            raise ValueError(f"{name} must be one number; got an array of shape {np.shape(value)}")
        return float(check_array(name, value).reshape(()))
    return check_real(name, value)


def check_probability(
    name: str, value: Any, *, min_open: bool = False, max_open: bool = False
) -> float:
    """A probability or fraction: a real number in [0, 1] (ends excluded on request)."""
    return check_real(name, value, min=0, max=1, min_open=min_open, max_open=max_open)


def check_bool(name: str, value: Any) -> bool:
    """``True`` or ``False`` (or a NumPy bool); a string such as ``"no"`` would be truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {describe(value)}")
    return bool(value)


def check_in(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices`` (compared with ``==``, same type family)."""
    choices = tuple(choices)
    for choice in choices:
        same_kind = isinstance(value, str) == isinstance(choice, str)
        if value is choice or (same_kind and _scalar_equal(value, choice)):
            return choice
    raise ValueError(f"{name} must be one of {choices!r}; got {describe(value)}")


def _scalar_equal(a: Any, b: Any) -> bool:
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays, odd objects: not a match
        return False


def check_instance(name: str, value: Any, types: type | tuple[type, ...], what: str = "") -> Any:
    """``value`` if it is an instance of ``types``, else a TypeError naming what was wanted."""
    if not isinstance(value, types):
        types = types if isinstance(types, tuple) else (types,)
        wanted = what or " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name} must be {wanted}; got {describe(value)}")
    return value


def check_callable(name: str, value: Any) -> Callable:
    """``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be a function (callable); got {describe(value)}")
    return value


def check_size(name: str, n_elements: int, limit: int | None = None) -> int:
    """Refuse an allocation of ``n_elements`` numbers past ``MAX_ELEMENTS`` (or ``limit``).

    ``name`` says what would be allocated, e.g. ``"m * n"``. Checked *before* allocating, so
    a typo fails at once instead of exhausting memory.
    """
    limit = MAX_ELEMENTS if limit is None else limit
    n_elements = check_int(name, n_elements, min=0)
    if n_elements > limit:
        raise ValueError(
            f"{name} asks for {n_elements:,} elements, more than the limit of {limit:,} "
            "(dlcourse.checks.MAX_ELEMENTS; raise it if you mean it)"
        )
    return n_elements


def check_interval(name: str, value: Any) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite real numbers with ``low < high``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high) of numbers; got {describe(value)}")
    low, high = (check_real(f"{name}[{i}]", v) for i, v in enumerate(value))
    if not low < high:
        raise ValueError(f"{name} must be a pair (low, high) with low < high; got {value!r}")
    return low, high


def check_array(
    name: str,
    value: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: str = "",
    dtype: Any = np.float64,
    finite: bool = True,
    nonempty: bool = True,
) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, with the wanted number of dimensions.

    Args:
        ndim: the allowed number(s) of dimensions; ``None`` allows any.
        shape: how the documentation writes the shape, e.g. ``"(m, n)"``, for the message.
        dtype: the dtype to convert to (``None`` keeps integers as integers).
        finite: refuse NaN and infinite entries.
        nonempty: refuse an array with no entries.

    Raises:
        TypeError: strings, objects, complex numbers (the imaginary part would be lost).
        ValueError: a ragged nested list, the wrong number of dimensions, an empty array,
            NaN or inf.
    """
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name} must be an array of real numbers; got {describe(value)}")
    if type(value).__name__ == "Tensor":  # a torch tensor: to NumPy without autograd history
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged: [[1, 2], [3]]
        raise ValueError(f"{name} must be a rectangular array of numbers; {error}") from None
    if array.dtype.kind == "c":
        raise TypeError(
            f"{name} must hold real numbers; got complex dtype {array.dtype} "
            "(the imaginary part would be silently dropped)"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers; got {describe(value)}")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    expected = (ndim,) if isinstance(ndim, int) else ndim
    if expected is not None and array.ndim not in expected:
        dims = " or ".join(f"{d}-D" for d in expected)
        wanted = f"a {dims} array" + (f" of shape {shape}" if shape else "")
        raise ValueError(f"{name} must be {wanted}; got shape {array.shape}")
    if nonempty and array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {array.shape}")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite; got {bad} NaN or inf entries")
    return array


def check_labels(name: str, value: Any, *, ndim: int = 1) -> np.ndarray:
    """Class labels: a non-empty int64 array of whole numbers >= 0 (``True``/``False`` -> 1/0)."""
    labels = check_array(name, value, ndim=ndim, dtype=None)
    if labels.dtype.kind == "f" and np.any(labels != np.round(labels)):
        raise ValueError(f"{name} must hold whole-number labels; got values like {labels[:5]}")
    low, high = labels.min(), labels.max()
    if low < 0 or high > 2**53:  # 2**53: past it, a float no longer holds every whole number
        raise ValueError(f"{name} must hold labels in [0, 2**53]; got labels in [{low}, {high}]")
    return labels.astype(np.int64)


def check_same_length(names: str, *arrays: Any) -> int:
    """The common length (first dimension) of ``arrays``; ``names`` says which, e.g. "X and y"."""
    try:
        lengths = [len(a) for a in arrays]
    except TypeError:
        shown = ", ".join(describe(a) for a in arrays)
        raise TypeError(f"{names} must be arrays with a length; got {shown}") from None
    if len(set(lengths)) > 1:
        shown = " and ".join(str(n) for n in lengths)
        raise ValueError(f"{names} must have the same length; got {shown}")
    return lengths[0]
