"""A scalar automatic-differentiation engine, in the spirit of micrograd.

A ``Value`` wraps one number. Every operation on Values returns a new Value that remembers its
inputs (``_prev``) and a small closure (``_backward``) that applies the chain rule for that one
operation: it adds (output gradient) x (local derivative) into each input's ``grad``.
``backward()`` then calls those closures from the output back to the leaves.
"""

from __future__ import annotations

import math

import numpy as np

from dlcourse.checks import check_array, check_instance, check_real

__all__ = ["Value"]


class _DivisionByZero(ZeroDivisionError, ValueError):
    """Raised for ``x / 0`` and ``0 ** -k``: catch it as either ZeroDivisionError or ValueError."""


def _number(data) -> float:
    """The float a new leaf Value holds: a finite real number, or an array of one."""
    if isinstance(data, Value):
        raise TypeError(f"Value(data) takes a number, not another Value; got {data!r}")
    if isinstance(data, (np.ndarray, list, tuple)) or type(data).__name__ == "Tensor":
        if np.size(data) != 1:
            raise ValueError(f"data must be one number; got an array of shape {np.shape(data)}")
        return float(check_array("data", data).reshape(()))
    return check_real("data", data)


def _as_value(other) -> Value:
    """The other operand of an operation, as a Value (a plain number becomes a constant)."""
    return other if isinstance(other, Value) else Value(check_real("other", other))


def _power(x: float, k: float) -> float:
    """``x ** k`` as float arithmetic does elsewhere: an overflow gives inf instead of raising."""
    try:
        return x**k
    except ZeroDivisionError:  # 0 ** (negative k), only reached by a backward pass
        return math.inf
    except OverflowError:
        return -math.inf if x < 0 and k == int(k) and int(k) % 2 else math.inf


class Value:
    """One scalar in a computational graph, with its gradient.

    Args:
        data: the number (a Python or NumPy real, or an array holding exactly one), finite.
            A string, a bool or a complex number is a ``TypeError``.
        label: an optional name, shown when the graph is drawn.

    The result of an operation may overflow to ``inf``, as float arithmetic does.
    """

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = ""):
        # A result of the operations below is a float already: only a new leaf is checked.
        self.data = float(data) if _children else _number(data)
        self.grad = 0.0  # dL/d(self), filled in by backward()
        self._backward = lambda: None  # leaves have nothing to pass on
        self._prev = _children
        self._op = _op
        self.label = check_instance("label", label, str)

    def __add__(self, other: Value | float) -> Value:
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a+b)/da = d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        if isinstance(k, Value):
            raise TypeError("only a numeric exponent k is supported; got a Value")
        k = check_real("k", k)
        if self.data < 0 and k != int(k):
            raise ValueError(f"({self.data:g}) ** k with k={k:g} is not a real number")
        if self.data == 0 and k < 0:
            raise _DivisionByZero(f"division by zero: 0 ** k with k={k:g} < 0")
        out = Value(_power(self.data, k), (self,), f"**{k:g}")

        def _backward():  # d(a^k)/da = k a^(k-1)
            self.grad += k * _power(self.data, k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data) if self.data < 709.8 else math.inf, (self,), "exp")

        def _backward():  # d(e^a)/da = e^a, which is out.data itself
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # slope 1 on the right of 0, else 0 (0 at the kink, as torch)
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():  # d tanh(a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        x = self.data  # two branches so that exp never overflows
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():  # d sigma(a)/da = sigma(a) (1 - sigma(a))
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    def topological_order(self) -> list[Value]:
        """Every Value this one depends on, itself last, each after all of its inputs.

        An iterative depth-first search (no recursion, so 10,000-deep chains work): a node is
        appended only after all of its inputs have been appended.
        """
        topo: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                topo.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))  # revisit after its inputs
                # Reversed, so that inputs come out in the order they were written.
                stack.extend((c, False) for c in reversed(node._prev) if id(c) not in visited)
        return topo

    def backward(self) -> None:
        """Fill ``.grad`` of every Value this one depends on with d(self)/d(that Value).

        Gradients accumulate (``+=``), so a Value used twice collects both contributions; call
        this once per fresh graph, or reset ``.grad`` to 0 before a second pass.
        """
        self.grad = 1.0  # dL/dL
        for node in reversed(self.topological_order()):  # outputs before inputs
            node._backward()

    # Everything else is built from the operations above.
    def __neg__(self) -> Value: return self * -1
    def __radd__(self, other: float) -> Value: return self + other
    def __sub__(self, other: Value | float) -> Value: return self + (-other)
    def __rsub__(self, other: float) -> Value: return other + (-self)
    def __rmul__(self, other: float) -> Value: return self * other

    def __truediv__(self, other: Value | float) -> Value:
        other = _as_value(other)
        if other.data == 0:
            raise _DivisionByZero(f"division by zero: other is 0 in Value({self.data:g}) / other")
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:
        if self.data == 0:
            raise _DivisionByZero(f"division by zero: other / Value(0) with other={other!r}")
        return _as_value(other) * self**-1

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
