"""No code block in docs/ may go silently untested, and the harness itself must be able to fail."""

from __future__ import annotations

import textwrap

import pytest
from docs_blocks import DocsBlockError, all_fences, pages, problems, run_page


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


def test_guard_rejects_skip_that_the_build_would_run(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        <!--pytest.mark.skip(reason="needs torchvision")-->
        ```python
        import torchvision
        ```
        """,
    )
    (block,) = all_fences(page)
    assert any("skip-execution" in p for p in problems(block))


def test_guard_accepts_declared_skip_and_display_blocks(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        <!--pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")-->
        ```python tags=["skip-execution"]
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


def test_blocks_share_one_namespace_in_page_order(fake_root):
    page = _page(
        fake_root,
        "# T\n\n```python\nx = 2\n```\n\ntext\n\n```python\ny = x * 21\nassert y == 42\n```\n",
    )
    assert run_page(page) == (2, [])


def test_skipif_condition_is_evaluated_in_the_page_namespace(fake_root):
    page = _page(
        fake_root,
        """\
        # T

        ```python
        flag = True
        ```

        <!--pytest.mark.skipif(flag, reason="flag is set")-->
        ```python tags=["skip-execution"]
        raise RuntimeError("must not run")
        ```
        """,
    )
    executed, skipped = run_page(page)
    assert executed == 1
    assert skipped == [("docs/page.md:8", "flag is set")]


def test_a_failing_block_names_page_and_line(fake_root):
    page = _page(fake_root, "# T\n\n```python\nx = 1\n```\n\n```python\ny = 2\nz = 1 / 0\n```\n")
    with pytest.raises(DocsBlockError) as info:
        run_page(page)
    message = str(info.value)
    assert "docs/page.md:7" in message and "ZeroDivisionError" in message
    # The traceback points at the page's own line 9, where the division is.
    tb = info.value.__cause__.__traceback__
    while tb.tb_next:
        tb = tb.tb_next
    assert tb.tb_frame.f_code.co_filename == str(page) and tb.tb_lineno == 9
