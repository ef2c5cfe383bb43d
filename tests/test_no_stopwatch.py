"""No assertion anywhere depends on a wall clock: a busy machine must not fail the book.

A page or a test may measure time and print it. What it asserts must be the same on a quiet
machine and on one whose cores are busy with other work. This guard follows, within each page
(its python blocks in order) and each test file, every value that comes from a clock (time,
perf_counter, timeit, the package's timeit_median, ...) through assignments, loops, arithmetic
and local functions, and fails on an ``assert`` that reads one, naming the file and line.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from docs_blocks import ROOT, pages_with_code, python_blocks

# Calls whose result is a reading of a clock, or a duration measured with one.
CLOCK_NAMES = {  # called by bare name (from time import perf_counter, say)
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "time_ns",
    "default_timer",
    "timeit_median",
}
# Called as an attribute of anything (timing.timeit_median, event.elapsed_time).
CLOCK_ATTRIBUTES = {
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "time_ns",
    "timeit_median",
    "elapsed_time",
}
CLOCK_MODULE_CALLS = {("time", "time"), ("timeit", "timeit"), ("timeit", "repeat")}
CONTAINER_FILLERS = {"append", "extend", "insert", "add", "update", "setdefault"}


# A value's taint: False (clean), True (derived from a clock), or a tuple of taints for a tuple
# whose elements differ, as in ``return losses, seconds`` (and for containers of such tuples).
Taint = bool | tuple


def _any(taint: Taint) -> bool:
    return any(_any(t) for t in taint) if isinstance(taint, tuple) else bool(taint)


class _Flow:
    """Which names hold clock-derived values, statement by statement, as the code runs."""

    def __init__(self, functions: dict[str, Taint]):
        self.functions = functions  # local functions whose result carries a timing
        self.names: dict[str, Taint] = {}
        self.asserts: list[ast.Assert] = []

    def is_clock_call(self, node: ast.Call) -> bool:
        if any(k.arg == "clock" for k in node.keywords):
            return False  # timeit_median(..., clock=fake) reads the clock it is given
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in CLOCK_NAMES
        if isinstance(func, ast.Attribute):
            base = func.value.id if isinstance(func.value, ast.Name) else None
            return func.attr in CLOCK_ATTRIBUTES or (base, func.attr) in CLOCK_MODULE_CALLS
        return False

    def taint(self, node: ast.AST | None) -> Taint:
        """The taint of the value ``node`` evaluates to."""
        if node is None:
            return False
        if isinstance(node, ast.Name):
            return self.names.get(node.id, False)
        if isinstance(node, ast.Tuple):
            parts = tuple(self.taint(e) for e in node.elts)
            return (
                parts
                if any(map(_any, parts)) and not all(p is True for p in parts)
                else (any(map(_any, parts)))
            )
        if isinstance(node, ast.Call):
            if self.is_clock_call(node):
                return True
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.functions:
                return self.functions[func.id]
            if isinstance(func, ast.Attribute) and func.attr in {"items", "values", "keys", "copy"}:
                inner = self.taint(func.value)
                return (False, inner) if func.attr == "items" and inner is not True else inner
        if isinstance(node, ast.Subscript):
            container = self.taint(node.value)
            index = node.slice
            if isinstance(container, tuple) and isinstance(index, ast.Constant):
                if isinstance(index.value, int) and -len(container) <= index.value < len(container):
                    return container[index.value]
            if isinstance(container, tuple) or container is True:
                return container
            return _any(self.taint(index)) if _any(container) else self.taint(index)
        if isinstance(node, (ast.DictComp, ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            inner = _Flow(self.functions)
            inner.names = dict(self.names)
            for gen in node.generators:
                inner.bind(gen.target, inner.taint(gen.iter))
            value = node.value if isinstance(node, ast.DictComp) else node.elt
            return inner.taint(value)  # a container of such values
        if isinstance(node, ast.Lambda):
            return False  # a lambda runs later; its body is seen where it is called
        return any(_any(self.taint(child)) for child in ast.iter_child_nodes(node))

    def bind(self, target: ast.AST, taint: Taint) -> None:
        if isinstance(target, ast.Name):
            self.names[target.id] = taint
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts = taint if isinstance(taint, tuple) and len(taint) == len(target.elts) else None
            for i, element in enumerate(target.elts):
                self.bind(element, parts[i] if parts else taint)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, taint)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and _any(taint):
            # d[k] = t, obj.x = t: the container now holds a timing (or tuples holding one).
            base = target.value
            held = self.taint(base)
            if isinstance(base, ast.Name) and isinstance(taint, tuple) and held in (False, taint):
                self.names[base.id] = taint
            else:
                self.bind(base, True)

    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        # Containers filled with timings by a simple statement (times.append(t)); a compound
        # statement's own statements are seen in turn below.
        compound = (
            ast.For,
            ast.AsyncFor,
            ast.While,
            ast.If,
            ast.With,
            ast.AsyncWith,
            ast.Try,
            ast.FunctionDef,
            ast.AsyncFunctionDef,
            ast.ClassDef,
        )
        calls = [] if isinstance(stmt, compound) else ast.walk(stmt)
        for call in (n for n in calls if isinstance(n, ast.Call)):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in CONTAINER_FILLERS:
                if any(_any(self.taint(a)) for a in call.args):
                    self.bind(func.value, True)
        if isinstance(stmt, ast.Assign):
            taint = self.taint(stmt.value)
            for target in stmt.targets:
                self.bind(target, taint)
        elif isinstance(stmt, ast.AugAssign):
            self.bind(stmt.target, _any(self.taint(stmt.value)) or _any(self.taint(stmt.target)))
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.bind(stmt.target, self.taint(stmt.value))
        elif isinstance(stmt, ast.Assert):
            if _any(self.taint(stmt.test)):
                self.asserts.append(stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for _ in range(2):  # twice: a value can flow round the loop into the next pass
                self.bind(stmt.target, self.taint(stmt.iter))
                self.run(stmt.body)
            self.run(stmt.orelse)
        elif isinstance(stmt, ast.While):
            for _ in range(2):
                self.run(stmt.body)
            self.run(stmt.orelse)
        elif isinstance(stmt, ast.If):
            self.run(stmt.body)
            self.run(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self.run(stmt.body)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, *[h.body for h in stmt.handlers], stmt.orelse, stmt.finalbody):
                self.run(part)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = _Flow(self.functions)
            params = {a.arg for a in ast.walk(stmt.args) if isinstance(a, ast.arg)}
            inner.names = {k: v for k, v in self.names.items() if k not in params}
            inner.run(stmt.body)
            self.asserts += inner.asserts
            returns = [inner.taint(r.value) for r in ast.walk(stmt) if isinstance(r, ast.Return)]
            returns = [r for r in returns if _any(r)]
            if returns:  # calling it gives a timing (or a tuple holding one)
                self.functions[stmt.name] = returns[0] if len(returns) == 1 else True


def clock_asserts(source: str) -> list[tuple[int, str]]:
    """``(line, code)`` of every assert in ``source`` that reads a value derived from a clock."""
    flow = _Flow({})
    flow.run(ast.parse(source).body)
    return [
        (a.lineno, ast.get_source_segment(source, a) or "assert ...")
        for a in sorted(flow.asserts, key=lambda a: a.lineno)
    ]


def _page_source(page: Path) -> str:
    """The page's python blocks in order, each at its own line numbers."""
    lines: list[str] = []
    for block in python_blocks(page):
        lines += [""] * (block.line - len(lines))
        lines += block.code.splitlines()
    return "\n".join(lines) + "\n"


SOURCES = [*pages_with_code(), *sorted((ROOT / "tests").glob("*.py"))]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_assert_reads_a_clock(path):
    source = _page_source(path) if path.suffix == ".md" else path.read_text(encoding="utf-8")
    found = clock_asserts(source)
    where = str(path.relative_to(ROOT))
    assert not found, (
        "asserts on a wall-clock measurement (print timings, assert what is "
        "deterministic):\n" + "\n".join(f"{where}:{line}: {code}" for line, code in found)
    )


@pytest.mark.parametrize(
    "code",
    [
        # the three that failed on busy machines, in their shapes
        """
        closed = []
        for n in sizes:
            closed.append(timeit_median(lambda: f(n)))
        slope_closed = log_log_slope(sizes, closed)
        slope_epoch = log_log_slope(sizes, epoch_times)
        assert slope_closed > slope_epoch + 0.5
        """,
        """
        import time
        t0 = time.perf_counter(); loop(); t_loop = time.perf_counter() - t0
        t0 = time.perf_counter(); vec(); t_vec = time.perf_counter() - t0
        speedup = t_loop / t_vec
        assert speedup >= 10
        """,
        """
        def measure(fn):
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start
        time_batch, time_mini = measure(a), measure(b)
        assert time_batch > 1.5 * time_mini
        """,
        "import timeit\nassert timeit.timeit('x = 1', number=10) < 1\n",
    ],
)
def test_the_guard_catches_clock_asserts(code):
    assert clock_asserts(textwrap.dedent(code))


def test_the_guard_leaves_deterministic_asserts_alone():
    code = """
    t0 = time.perf_counter()
    flops = 2 * m * n
    print(f"{time.perf_counter() - t0:.3f} s")
    assert flops == 2 * m * n
    """
    assert clock_asserts(textwrap.dedent(code)) == []
