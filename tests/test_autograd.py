"""dlcourse.autograd.Value against torch.autograd, plus its edge cases and the graph drawing."""

from __future__ import annotations

import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlcourse.autograd import Value  # noqa: E402
from dlcourse.autograd_graph import draw_graph, trace  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Random expressions, evaluated twice: once on Values, once on float64 torch tensors.
# An expression is a small program: a list of steps, each combining earlier results, so that
# intermediate results are reused (the case where gradients must accumulate).
UNARY = ["neg", "relu", "tanh", "sigmoid", "exp", "pow", "rsub", "rdiv", "radd", "rmul"]
BINARY = ["add", "sub", "mul", "div"]
EXPONENTS = [2, 3, -1, 0.5, 1.5, -2]


def _apply(op, a, b, k, c, lib):
    """One step. Denominators and fractional powers act on a*a + 0.5 > 0, so all stay real."""
    exp = (lambda t: t.exp()) if lib == "value" else torch.exp
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / (b * b + 0.5)
    if op == "neg":
        return -a
    if op == "relu":
        return a.relu() if lib == "value" else torch.relu(a)
    if op == "tanh":
        return a.tanh() if lib == "value" else torch.tanh(a)
    if op == "sigmoid":
        return a.sigmoid() if lib == "value" else torch.sigmoid(a)
    if op == "exp":
        return exp(a * 0.3)  # tamed, so that long chains of exp stay finite
    if op == "pow":
        return (a * a + 0.5) ** k if k != int(k) or k < 0 else a**k
    if op == "rsub":
        return c - a
    if op == "rdiv":
        return c / (a * a + 0.5)
    if op == "radd":
        return c + a
    return c * a  # rmul


step = st.tuples(
    st.sampled_from(UNARY + BINARY),
    st.integers(0, 100),
    st.integers(0, 100),
    st.sampled_from(EXPONENTS),
    st.floats(-2.0, 2.0, allow_nan=False),
)
expressions = st.tuples(
    st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=3),  # the inputs
    st.lists(step, min_size=1, max_size=12),
)


def _evaluate(inputs, steps, lib):
    if lib == "value":
        leaves = [Value(x) for x in inputs]
    else:
        leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    results = list(leaves)
    for op, i, j, k, c in steps:
        a, b = results[i % len(results)], results[j % len(results)]
        results.append(_apply(op, a, b, k, c, lib))
    out = results[-1]
    for r in results[len(leaves) : -1]:  # fold every intermediate in, so all get a gradient
        out = out + r * 0.1
    return leaves, out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_random_expression_gradients_match_torch(expr):
    inputs, steps = expr
    leaves_t, out_t = _evaluate(inputs, steps, "torch")
    assume(torch.isfinite(out_t).item() and abs(out_t.item()) < 1e6)
    out_t.backward()
    grads_t = [0.0 if x.grad is None else x.grad.item() for x in leaves_t]
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in grads_t))

    leaves_v, out_v = _evaluate(inputs, steps, "value")
    out_v.backward()
    assert out_v.data == pytest.approx(out_t.item(), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose([x.grad for x in leaves_v], grads_t, rtol=1e-7, atol=1e-10)


# ---------------------------------------------------------------------------------------------
def test_each_operation_matches_torch():
    a, b = 1.3, -0.7
    va, vb = Value(a), Value(b)
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    pairs = [
        (va + vb, ta + tb),
        (va - vb, ta - tb),
        (va * vb, ta * tb),
        (va / vb, ta / tb),
        (va**3, ta**3),
        (-va, -ta),
        (2.0 + va, 2.0 + ta),
        (2.0 - va, 2.0 - ta),
        (2.0 * va, 2.0 * ta),
        (2.0 / vb, 2.0 / tb),
        (vb.relu(), torch.relu(tb)),
        (va.relu(), torch.relu(ta)),
        (va.tanh(), torch.tanh(ta)),
        (vb.sigmoid(), torch.sigmoid(tb)),
        (va.exp(), torch.exp(ta)),
        (va**0.5, ta**0.5),
    ]
    total_v = sum((v for v, _ in pairs), Value(0.0))
    total_t = sum(t for _, t in pairs)
    for v, t in pairs:
        assert v.data == pytest.approx(t.item(), rel=1e-12)
    total_v.backward()
    total_t.backward()
    assert va.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_reused_node_accumulates():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0
    h = Value(0.5)
    z = h.tanh()
    w = z * z * z  # z used three times: dw/dh = 3 z^2 (1 - z^2)
    w.backward()
    t = math.tanh(0.5)
    assert h.grad == pytest.approx(3 * t**2 * (1 - t**2), rel=1e-12)


def test_chain_of_10000_nodes_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = Value(0.3)
    y = x
    for _ in range(10_000):
        y = y * 1.0001  # 10,000 multiplications
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)
    assert sys.getrecursionlimit() == limit  # it did not cheat by raising the limit
    nodes, edges = trace(y)
    assert len(nodes) == 20_001 and len(edges) == 20_000  # x, 10,000 constants and products


def test_sigmoid_is_stable_for_large_inputs():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == (0.0 if x < 0 else 1.0) and v.grad == 0.0


def test_relu_gradient_at_zero_is_zero_as_torch():
    v = Value(0.0)
    v.relu().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert v.grad == t.grad.item() == 0.0


def test_value_accepts_numpy_scalars_and_one_element_arrays():
    assert Value(np.float32(2.5)).data == 2.5
    assert Value(np.array([[4.0]])).data == 4.0
    assert isinstance(Value(3).data, float)


def test_value_rejects_non_scalars():
    with pytest.raises(ValueError, match=r"one number.*\(3,\)"):
        Value(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        Value([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match=r"data must be a finite real number; got Value\(data=1"):
        Value(Value(1.0))


def test_pow_needs_a_number_and_a_real_result():
    with pytest.raises(TypeError, match="k must be a finite real number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="not a real number"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_draw_graph_draws_every_value_and_operation():
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    f = (x * y + x).tanh()
    f.backward()
    nodes, edges = trace(f)
    assert len(nodes) == 5 and len(edges) == 5  # x, y, x*y, x*y+x, tanh
    ax = draw_graph(f)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 5 + 3  # five Values, three operations
    assert {"*", "+", "tanh"} <= set(texts)
    assert any(t.startswith("x\n") and f"grad {x.grad:.3g}" in t for t in texts)
    assert len(ax.patches) == len(edges) + 3  # an arrow per edge, and op -> result
    plt.close(ax.figure)


def test_trace_rejects_non_values():
    with pytest.raises(TypeError, match="needs a Value"):
        trace(3.0)


# A tanh whose backward is wrong only where tanh saturates (|x| >= 3, derivative below 0.01)
# passes any check with an absolute tolerance of 1e-2: compare relatively, point by point.
SATURATED = [-6.0, -4.5, -3.5, -3.0, -1.0, 0.0, 0.7, 3.0, 3.25, 4.0, 5.5, 6.0]


@pytest.mark.parametrize("x", SATURATED)
def test_tanh_derivative_where_tanh_saturates_matches_torch_and_finite_differences(x):
    v = Value(x)
    v.tanh().backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.tanh(t).backward()
    eps = 1e-5
    finite_difference = (math.tanh(x + eps) - math.tanh(x - eps)) / (2 * eps)
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-12)
    assert v.grad == pytest.approx(finite_difference, rel=1e-6)
    assert v.grad > 0  # tanh is strictly increasing: never a zero slope, however saturated
