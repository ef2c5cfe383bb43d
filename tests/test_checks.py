"""dlcourse.checks: each helper names the argument, what was expected and what it got."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlcourse import checks


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, TypeError, r"k must be an integer in \[1, 5\]; got True \(bool\)"),
        (2.0, TypeError, r"k must be an integer in \[1, 5\]; got 2.0 \(float\)"),
        ("3", TypeError, r"k must be an integer in \[1, 5\]; got '3' \(str\)"),
        (0, ValueError, "k must be an integer >= 1; got 0"),
        (6, ValueError, "k must be an integer <= 5; got 6"),
    ],
)
def test_check_int_refuses_bools_floats_and_out_of_range(value, error, message):
    with pytest.raises(error, match=message):
        checks.check_int("k", value, min=1, max=5)


def test_check_int_accepts_numpy_integers_and_explains_a_bound_set_elsewhere():
    assert checks.check_int("k", np.int64(3), min=1) == 3
    assert type(checks.check_int("k", np.int32(3))) is int
    with pytest.raises(ValueError, match=r"k must be an integer <= 4 \(X has 4 rows\); got 9"):
        checks.check_int("k", 9, min=1, max=4, note="X has 4 rows")


@pytest.mark.parametrize(
    ("kwargs", "value", "error", "message"),
    [
        ({}, math.nan, ValueError, "lr must be a finite real number; got nan"),
        ({}, math.inf, ValueError, "lr must be a finite real number; got inf"),
        ({"finite": False}, math.nan, ValueError, "lr must be a real number; got nan"),
        ({"min": 0, "min_open": True}, 0.0, ValueError, "lr must be a finite real number > 0"),
        ({"min": 0, "max": 1, "max_open": True}, 1.0, ValueError, r"in \[0, 1\); got 1.0"),
        ({}, 1j, TypeError, r"got 1j \(complex\)"),
        ({}, True, TypeError, r"got True \(bool\)"),
        ({}, "0.1", TypeError, r"got '0.1' \(str\)"),
        ({}, np.array([0.1]), TypeError, "got ndarray of shape"),
    ],
)
def test_check_real_refuses_nan_inf_and_non_numbers(kwargs, value, error, message):
    with pytest.raises(error, match=message):
        checks.check_real("lr", value, **kwargs)


def test_check_real_allows_inf_on_request_and_returns_a_float():
    assert checks.check_real("x", math.inf, finite=False) == math.inf
    assert type(checks.check_real("x", np.float32(0.5))) is float
    assert checks.check_probability("p", 1) == 1.0
    with pytest.raises(ValueError, match=r"p must be a finite real number in \[0, 1\]; got 1.5"):
        checks.check_probability("p", 1.5)


def test_check_bool_and_check_in():
    assert checks.check_bool("shuffle", np.bool_(True)) is True
    with pytest.raises(TypeError, match="shuffle must be True or False; got 'no'"):
        checks.check_bool("shuffle", "no")
    assert checks.check_in("average", np.str_("macro"), ("macro", None)) == "macro"
    assert checks.check_in("average", None, ("macro", None)) is None
    with pytest.raises(ValueError, match=r"average must be one of \('macro', None\); got 'x'"):
        checks.check_in("average", "x", ("macro", None))
    with pytest.raises(ValueError, match="average must be one of"):
        checks.check_in("average", True, (1, 2))  # True == 1, but a flag is not a choice
    with pytest.raises(ValueError, match="average must be one of"):
        checks.check_in("average", np.array(["macro"]), ("macro",))


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "message"),
    [
        ("abc", {}, TypeError, "X must be an array of real numbers; got 'abc'"),
        (None, {}, TypeError, "X must be an array of real numbers; got None"),
        (np.ones((2, 2)) + 1j, {}, TypeError, "X must hold real numbers; got complex dtype"),
        ([[1.0, 2.0], [3.0]], {}, ValueError, "X must be a rectangular array"),
        (np.ones(3), {"ndim": 2, "shape": "(m, n)"}, ValueError, r"a 2-D array of shape \(m, n\)"),
        (np.ones((0, 3)), {"ndim": 2}, ValueError, r"X must not be empty; got shape \(0, 3\)"),
        (np.array([1.0, np.nan, np.inf]), {}, ValueError, "X must be finite; got 2 NaN or inf"),
    ],
)
def test_check_array(value, kwargs, error, message):
    with pytest.raises(error, match=message):
        checks.check_array("X", value, **kwargs)


def test_check_array_converts_and_keeps_what_it_may():
    assert checks.check_array("X", [[1, 2]]).dtype == np.float64
    assert checks.check_array("X", [1, 2], dtype=None).dtype.kind == "i"
    assert checks.check_array("X", torch.ones(2, requires_grad=True)).shape == (2,)
    assert checks.check_array("X", np.array([np.nan]), finite=False).shape == (1,)
    assert checks.check_array("X", np.zeros(0), nonempty=False).shape == (0,)


def test_check_labels():
    assert checks.check_labels("y", [True, False, 2.0]).tolist() == [1, 0, 2]
    with pytest.raises(ValueError, match="y must hold whole-number labels"):
        checks.check_labels("y", [0.5, 1.0])
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, 2\*\*53\]; got labels in"):
        checks.check_labels("y", [-1, 0])
    with pytest.raises(ValueError, match=r"y must be a 1-D array"):
        checks.check_labels("y", [[0, 1]])


def test_check_size_refuses_an_allocation_past_the_limit_before_it_happens():
    assert checks.check_size("m * n", 10) == 10
    with pytest.raises(ValueError, match=r"m \* n asks for 1,000,000,000,000 elements"):
        checks.check_size("m * n", 10**12)
    with pytest.raises(ValueError, match="more than the limit of 5"):
        checks.check_size("m * n", 6, limit=5)


def test_check_same_length_instance_callable_interval_scalar_device():
    assert checks.check_same_length("X and y", np.zeros(3), [1, 2, 3]) == 3
    with pytest.raises(ValueError, match="X and y must have the same length; got 3 and 2"):
        checks.check_same_length("X and y", np.zeros(3), [1, 2])
    with pytest.raises(TypeError, match="X and y must be arrays with a length"):
        checks.check_same_length("X and y", np.zeros(3), None)
    with pytest.raises(TypeError, match="env must be GridWorld; got 'maze'"):
        checks.check_instance("env", "maze", type("GridWorld", (), {}))
    with pytest.raises(TypeError, match="f must be a function"):
        checks.check_callable("f", 3)
    assert checks.check_interval("box", [0, 1]) == (0.0, 1.0)
    with pytest.raises(ValueError, match=r"box must be a pair \(low, high\) with low < high"):
        checks.check_interval("box", (1.0, 0.0))
    with pytest.raises(ValueError, match=r"box\[1\] must be a finite real number; got inf"):
        checks.check_interval("box", (0.0, math.inf))
    assert checks.check_scalar("data", np.array([[2.5]])) == 2.5
    with pytest.raises(ValueError, match=r"data must be one number; got an array of shape \(3,\)"):
        checks.check_scalar("data", [1.0, 2.0, 3.0])


def test_division_by_zero_is_both_a_zero_division_and_a_value_error():
    error = checks.DivisionByZeroError("division by zero: other is 0")
    assert isinstance(error, ZeroDivisionError) and isinstance(error, ValueError)


def test_describe_shows_arrays_by_shape_and_cuts_long_values():
    assert checks.describe(np.zeros((2, 3))) == "ndarray of shape (2, 3) and dtype float64"
    assert checks.describe("x" * 100).endswith("... (str)")
