"""No code block in docs/ may go silently untested, and the harness itself must be able to fail."""

from __future__ import annotations

import textwrap

import pytest
from docs_blocks import (
    DocsBlockError,
    PageReadingError,
    all_fences,
    execute,
    notebook,
    pages,
    pages_with_code,
    problems,
    python_blocks,
    run_page,
)


def test_every_fence_is_executed_or_declared():
    found = [p for page in pages() for block in all_fences(page) for p in problems(block)]
    assert not found, "code blocks that would not be tested as written:\n" + "\n".join(found)


def test_docs_have_python_blocks():
    python = [b for page in pages() for b in all_fences(page) if b.language == "python"]
    assert len(python) >= 10, f"expected the book's chapters to carry code; found {len(python)}"


def _page(tmp_path, body: str):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text(textwrap.dedent(body), encoding="utf-8")
    return page


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    import docs_blocks

    monkeypatch.setattr(docs_blocks, "ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize("fence", ["py", "python3", "Python", "ipython", ""])
def test_guard_rejects_fences_that_never_run(fake_root, fence):
    page = _page(fake_root, f"# T\n\n```{fence}\nx = 1\n```\n")
    (block,) = all_fences(page)
    assert problems(block), f"fence '{fence}' should be rejected"


def test_guard_rejects_tilde_python_fence(fake_root):
    page = _page(fake_root, "# T\n\n~~~python\nx = 1\n~~~\n")
    (block,) = all_fences(page)
    assert any("~~~" in p for p in problems(block))


def test_guard_rejects_skip_without_reason(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        <!--pytest.mark.skip()-->
        ```python tags=["skip-execution"]
        import torchvision
        ```
        """,
    )
    (block,) = all_fences(page)
    assert any("reason" in p for p in problems(block))


def test_guard_rejects_the_build_only_skip_tag(fake_root):
    # One marker skips a block for the tests and the build alike: the fence tag is not it.
    page = _page(
        fake_root,
        """\
        # T

        <!--pytest.mark.skip(reason="needs torchvision")-->
        ```python tags=["skip-execution"]
        import torchvision
        ```
        """,
    )
    (block,) = all_fences(page)
    assert any("skip-execution" in p for p in problems(block))


def test_guard_rejects_an_indented_python_fence(fake_root):
    page = _page(fake_root, "# T\n\n- a list item:\n\n  ```python\n  x = 1\n  ```\n")
    (block,) = all_fences(page)
    assert any("indented" in p for p in problems(block))


def test_guard_accepts_declared_skip_and_display_blocks(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        <!--pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")-->
        ```python
        x = torch.ones(1, device="cuda")
        ```

        ```console
        $ pip install -e .
        ```
        """,
    )
    blocks = all_fences(page)
    assert [problems(b) for b in blocks] == [[], []]
    assert blocks[0].skip == ("not torch.cuda.is_available()", "needs a CUDA GPU")


def test_tests_and_build_read_the_same_cells_on_every_page():
    # The build executes notebook(page); the suite's reading is python_blocks(page). notebook()
    # also proves jupytext (what a reader opening the .md in Jupyter gets) reads the same code.
    for page in pages_with_code():
        nb = notebook(page)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        blocks = python_blocks(page)
        assert [c.source.strip("\n") for c in cells] == [b.code.strip("\n") for b in blocks]
        assert [c.metadata["dlcourse"]["line"] for c in cells] == [b.line for b in blocks]
        skips = [None if b.skip is None else list(b.skip) for b in blocks]  # metadata: lists
        assert [c.metadata["dlcourse"]["skip"] for c in cells] == skips


def test_a_page_jupytext_reads_differently_is_an_error(fake_root):
    page = _page(fake_root, "# T\n\n1. a step:\n\n   ```python\n   x = 1\n   ```\n")
    with pytest.raises(PageReadingError, match="jupytext reads 0 code cells"):
        notebook(page)


def test_one_kernel_per_page_skip_in_page_namespace_and_exact_failing_line(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        ```python
        x = 2
        ```

        <!--pytest.mark.skipif(x == 2, reason="x is two")-->
        ```python
        raise RuntimeError("must not run")
        ```

        ```python
        y = x * 21
        assert y == 42
        ```

        ```python
        z = 1
        w = 1 / 0
        ```
        """,
    )
    run = execute(page)
    assert run.executed == 2  # the blocks share one namespace: y sees x
    assert run.skipped == [("docs/page.md:8", "x is two")]
    assert run.failure is not None and run.failure.ename == "ZeroDivisionError"
    # The failing line itself, found through IPython's "Cell In[n], line k": if IPython ever
    # changes that format, this fails loudly instead of pointing at the wrong line.
    assert run.failure.where == "docs/page.md:19"
    with pytest.raises(DocsBlockError, match="docs/page.md:19"):
        run_page(page)
