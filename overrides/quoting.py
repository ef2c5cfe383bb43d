"""Numbers in a chapter's prose, filled in from the run: ``{{ expr }}`` and ``{{ expr:fmt }}``.

A Markdown cell of a chapter may quote a value that the code above it computed::

    A probe on the plain backbone reaches {{ probe["plain"]:.1% }}.

``expr`` is a Python expression, evaluated in the page's own kernel right after the code cells
above that Markdown cell have run; ``fmt`` is a format specification, as after the colon of an
f-string. The executor (``docs_blocks.execute``) replaces each placeholder by
``format(expr, fmt)``: the page the site shows and the notebook a reader downloads carry the
number that this run computed, so prose and output never disagree, on any machine.

What counts as a placeholder: ``{{ ... }}`` in the text of a Markdown cell, math and tables
included. Not in a fenced block or an inline code span, so that a page can show the syntax
itself. The expression may not contain ``}}``.

This module only reads and rewrites text; evaluation happens in the kernel (``docs_blocks``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{(?P<inner>.+?)\}\}", re.DOTALL)
# Fenced blocks and inline code spans of a Markdown cell: shown as written, never filled in.
_FENCED = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=fence)[ \t]*$", re.M | re.DOTALL)
_INLINE_CODE = re.compile(r"(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)", re.DOTALL)


class QuoteError(ValueError):
    """A placeholder that cannot be read (not an expression, or a bad format)."""


@dataclass(frozen=True)
class Placeholder:
    """One ``{{ expr:fmt }}`` of a Markdown cell."""

    start: int  # offset of "{{" in the cell's source
    end: int  # offset just past "}}"
    text: str  # the placeholder as written, braces included
    expr: str
    fmt: str

    @property
    def code(self) -> str:
        """The expression the kernel evaluates: the formatted value, as a string."""
        return f"format(({self.expr}), {self.fmt!r})"


def split(inner: str) -> tuple[str, str]:
    """``'probe["plain"]:.1%'`` -> ``('probe["plain"]', '.1%')``.

    The format starts after the first colon at which the text before it is a whole Python
    expression, so a colon inside brackets (``x[1:3]``, ``{"a": 1}``) stays in the expression.

    Raises:
        QuoteError: no prefix of ``inner`` is an expression.
    """
    inner = inner.strip()
    for i, char in enumerate(inner):
        if char == ":" and _is_expression(inner[:i]):
            return inner[:i].strip(), inner[i + 1 :].strip()
    if _is_expression(inner):
        return inner, ""
    raise QuoteError(f"{{{{ {inner} }}}} is not a Python expression (with an optional :format)")


def _is_expression(text: str) -> bool:
    if not text.strip():
        return False
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    return True


def _masked(source: str) -> str:
    """``source`` with fenced blocks and inline code blanked out, offsets unchanged."""

    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return _INLINE_CODE.sub(blank, _FENCED.sub(blank, source))


def find(source: str) -> list[Placeholder]:
    """The placeholders of a Markdown cell's ``source``, in order.

    Raises:
        QuoteError: a placeholder is not an expression.
    """
    masked = _masked(source)
    found = []
    for match in PLACEHOLDER.finditer(masked):
        text = source[match.start() : match.end()]
        expr, fmt = split(text[2:-2])
        found.append(Placeholder(match.start(), match.end(), text, expr, fmt))
    return found


def fill(source: str, placeholders: list[Placeholder], values: list[str]) -> str:
    """``source`` with each placeholder replaced by its value (same order as ``find``)."""
    out, last = [], 0
    for placeholder, value in zip(placeholders, values, strict=True):
        out.append(source[last : placeholder.start])
        out.append(value)
        last = placeholder.end
    out.append(source[last:])
    return "".join(out)


def page_lines(page_text: str) -> list[int]:
    """The 1-based line of every placeholder of a page outside its fences, in page order.

    Used to name ``page:line`` when a placeholder fails: jupytext's Markdown cells keep the
    page's order, so the n-th placeholder of the notebook is the n-th one here.
    """
    masked = _masked(page_text)
    return [masked.count("\n", 0, m.start()) + 1 for m in PLACEHOLDER.finditer(masked)]


def problems(page_text: str) -> list[tuple[int, str]]:
    """``(line, message)`` for each placeholder of a page that is not ``expr`` or ``expr:fmt``."""
    masked = _masked(page_text)
    found = []
    for match in PLACEHOLDER.finditer(masked):
        try:
            split(match["inner"])
        except QuoteError as error:
            found.append((masked.count("\n", 0, match.start()) + 1, str(error)))
    return found
