"""Numbers in the prose come from the run: the ``{{ expr:fmt }}`` placeholders of a chapter."""

from __future__ import annotations

import re
from pathlib import Path

import docs_blocks
import pytest
import quoting
from dlsite import download

HEADER = """---
jupyter:
  jupytext:
    text_representation:
      extension: .md
      format_name: markdown
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---
"""


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "docs" / "chapters" / "97-quoting.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(HEADER + "\n" + body, encoding="utf-8")
    return page


@pytest.mark.parametrize(
    "inner, expr, fmt",
    [
        (" x ", "x", ""),
        ("x:.2f", "x", ".2f"),
        (' probe["plain"]:.1% ', 'probe["plain"]', ".1%"),
        ("xs[1:3]", "xs[1:3]", ""),  # a slice's colon stays in the expression
        ("xs[1:3]:>8", "xs[1:3]", ">8"),
        ('{"a": 1}["a"]:d', '{"a": 1}["a"]', "d"),
        ("f(a, b=2) * 100:,.0f", "f(a, b=2) * 100", ",.0f"),
    ],
)
def test_split_reads_an_expression_and_a_format(inner, expr, fmt):
    assert quoting.split(inner) == (expr, fmt)


@pytest.mark.parametrize("inner", ["", "   ", "x +* 2", ":.2f", "import os"])
def test_split_refuses_what_is_not_an_expression(inner):
    with pytest.raises(quoting.QuoteError, match="not a Python expression"):
        quoting.split(inner)


def test_code_spans_and_fences_are_shown_as_written():
    source = "Write `{{ x:.2f }}` to quote x.\n\n```text\n{{ y }}\n```\n\nHere {{ z }}."
    found = quoting.find(source)
    assert [p.expr for p in found] == ["z"]
    assert quoting.fill(source, found, ["3"]).endswith("Here 3.")
    assert "`{{ x:.2f }}`" in quoting.fill(source, found, ["3"])


def test_page_lines_name_each_placeholder_outside_code():
    text = "a {{ x }}\n\n```python\ny = {{1: 2}}\n```\n\nb {{ y }} and {{ z }}\n"
    assert quoting.page_lines(text) == [1, 7, 7]


def test_a_quoted_value_is_the_value_the_code_printed(tmp_path):
    page = _page(
        tmp_path,
        "```python\nimport math\nx = math.pi / 7\nprint(f'{x:.3f}')\n```\n\n"
        "So x is {{ x:.3f }}; as a share, {{ x:.1% }}; in math $2x = {{ 2 * x:.2f }}$.\n\n"
        "```python\nx = 10\n```\n\nAfter the next cell, x is {{ x }}.\n",
    )
    run = docs_blocks.execute(page)
    assert run.failure is None, run.failure
    assert run.quoted == 4
    printed = run.notebook.cells[0].outputs[0]["text"].strip()
    prose = [c.source for c in run.notebook.cells if c.cell_type == "markdown"]
    assert prose[0] == f"So x is {printed}; as a share, 44.9%; in math $2x = 0.90$."
    # Each Markdown cell sees the values of the code above it, not of the whole page.
    assert prose[1] == "After the next cell, x is 10."
    assert not any("{{" in text for text in prose)


def test_an_unknown_name_fails_the_page_at_its_line(tmp_path):
    page = _page(tmp_path, "```python\nx = 1\n```\n\nFine: {{ x }}.\n\nBroken: {{ y:.2f }}.\n")
    run = docs_blocks.execute(page)
    assert run.failure is not None
    assert run.failure.where.endswith("97-quoting.md:19")
    assert run.failure.ename == "NameError"
    assert "{{ y:.2f }}" in run.failure.evalue


def test_a_failing_format_fails_the_page(tmp_path):
    page = _page(tmp_path, "```python\nname = 'abc'\n```\n\nA name as a float: {{ name:.2f }}.\n")
    run = docs_blocks.execute(page)
    assert run.failure is not None and run.failure.ename == "ValueError"
    assert run.failure.where.endswith("97-quoting.md:17")


def test_a_placeholder_that_is_not_an_expression_fails_with_its_line(tmp_path):
    page = _page(tmp_path, "```python\nx = 1\n```\n\nOops {{ x +* 2 }}.\n")
    run = docs_blocks.execute(page)
    assert run.failure is not None and run.failure.ename == "QuoteError"
    assert run.failure.where.endswith("97-quoting.md:17")


def test_the_downloaded_notebook_carries_the_values_of_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_blocks, "CACHE", tmp_path / "cache")
    page = _page(tmp_path, "```python\nscore = 0.8125\n```\n\nThe score is {{ score:.1% }}.\n")
    assert docs_blocks.cached_execute(page).failure is None
    notebook = download.build_notebook(
        str(page),
        lambda target: None,
        torch_version="2.13.0",
        wheel_url="https://example.org/assets/dlcourse-0.1.0-py3-none-any.whl",
        site_name="Book",
        page_url="https://example.org/",
    )
    prose = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert "The score is 81.2%." in prose


def test_a_second_configuration_has_its_own_stored_run(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_blocks, "CACHE", tmp_path / "cache")
    page = _page(
        tmp_path,
        "```python\nimport os, torch, dlcourse\ndlcourse.seed_everything(0, threads=1)\n"
        "threads = torch.get_num_threads()\ncap = os.environ.get('ATEN_CPU_CAPABILITY')\n```\n\n"
        "{{ threads }} {{ cap }}\n",
    )
    plain = docs_blocks.cached_execute(page)
    other = docs_blocks.cached_execute(
        page, env={"ATEN_CPU_CAPABILITY": "default", "DLCOURSE_THREADS": "3"}
    )
    assert not other.cached, "the portable run must execute, not reuse the plain one"
    prose = [c.source for c in other.notebook.cells if c.cell_type == "markdown"]
    assert prose[-1] == "3 default"
    assert docs_blocks.cached_execute(page).cached and plain.failure is None


def test_every_chapter_placeholder_is_an_expression():
    bad = [
        f"{page.relative_to(docs_blocks.ROOT)}:{line}: {message}"
        for page in docs_blocks.pages()
        for line, message in quoting.problems(page.read_text(encoding="utf-8"))
    ]
    assert not bad, "\n".join(bad)


def test_the_book_explains_the_syntax():
    text = (docs_blocks.DOCS / "how-this-book-is-built.md").read_text(encoding="utf-8")
    assert re.search(r"\{\{ *[a-z_\[\]\"']+:[.0-9]+[%f] *\}\}", text)
