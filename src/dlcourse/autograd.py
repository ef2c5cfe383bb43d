"""A scalar automatic-differentiation engine, in the spirit of micrograd.

A ``Value`` wraps one number. Every operation on Values returns a new Value that remembers its
inputs (``_prev``) and a small closure (``_backward``) that applies the chain rule for that one
operation: it adds (output gradient) x (local derivative) into each input's ``grad``.
``backward()`` then calls those closures from the output back to the leaves.
"""

from __future__ import annotations

import math

from dlcourse.checks import DivisionByZeroError, check_instance, check_real, check_scalar


def _as_value(other, divisor: bool = False) -> Value:
    """The other operand: a Value, or a real number made a constant (not 0 for a divisor)."""
    other = other if isinstance(other, Value) else Value(check_real("other", other))
    if divisor and other.data == 0:
        raise DivisionByZeroError("division by zero: other is 0")
    return other


def _power(x: float, k: float) -> float:
    """``x ** k``, with inf where Python's float power raises (overflow, 0 ** -k)."""
    try:
        return x**k
    except (OverflowError, ZeroDivisionError):
        return -math.inf if x < 0 and k % 2 == 1 else math.inf


class Value:
    """One scalar in a computational graph, with its gradient.

    Args:
        data: a finite real number (or an array holding one); str, bool, complex: TypeError.
        label: an optional name, shown when the graph is drawn.
    """

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = ""):
        self.data = float(data) if _children else check_scalar("data", data)  # check leaves
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
        k = check_real("k", k)  # a number: Value ** Value is not supported
        if self.data < 0 and k != int(k):
            raise ValueError(f"({self.data:g}) ** k with k={k:g} is not a real number")
        if self.data == 0 and k < 0:
            raise DivisionByZeroError(f"division by zero: 0 ** k with k={k:g}")
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
    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __sub__(self, other: Value | float) -> Value:
        return self + (-_as_value(other))

    def __rsub__(self, other: float) -> Value:
        return _as_value(other) + (-self)

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __truediv__(self, other: Value | float) -> Value:
        return self * _as_value(other, True) ** -1

    def __rtruediv__(self, other: float) -> Value:
        return _as_value(other) * self**-1

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
