"""The build: cache keyed on the package, build errors located (browser checks: test_browser.py)."""

from __future__ import annotations

import importlib.util
import shutil

from site_build import ROOT, build, write_config

CHAPTER = "04-linear-regression.md"


def _hooks():
    spec = importlib.util.spec_from_file_location("book_hooks", ROOT / "overrides" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cache_key_follows_the_package_source(tmp_path):
    hooks = _hooks()
    shutil.copytree(ROOT / "src" / "dlcourse", tmp_path / "dlcourse")
    before = hooks.source_hash(tmp_path / "dlcourse")
    assert before == hooks.source_hash(ROOT / "src" / "dlcourse")
    with open(tmp_path / "dlcourse" / "linear.py", "a", encoding="utf-8") as f:
        f.write("\n# an edit\n")
    assert hooks.source_hash(tmp_path / "dlcourse") != before


def test_block_line_finds_the_fence():
    hooks = _hooks()
    page = ROOT / "docs" / "chapters" / CHAPTER
    lines = page.read_text(encoding="utf-8").splitlines()
    fence = next(i for i, line in enumerate(lines) if line.startswith("```python"))
    body = []
    for line in lines[fence + 1 :]:
        if line.startswith("```"):
            break
        body.append(line)
    assert hooks.block_line(page, "\n".join(body)) == fence + 1


def test_a_failing_chapter_fails_the_build_with_page_and_line(tmp_path):
    docs = tmp_path / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    header = (ROOT / "docs" / "chapters" / CHAPTER).read_text(encoding="utf-8").split("---")[1]
    (docs / "chapters" / "99-broken.md").write_text(
        f"---{header}---\n\n# Broken\n\n```python\nx = 1\n```\n\n```python\ny = x / 0\n```\n",
        encoding="utf-8",
    )
    config = write_config(
        tmp_path, docs, execute=["99-broken.md"], nav=["index.md", "chapters/99-broken.md"]
    )
    lines = (docs / "chapters" / "99-broken.md").read_text(encoding="utf-8").splitlines()
    failing_fence = max(i for i, line in enumerate(lines) if line == "```python") + 1
    result = build(config)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"99-broken.md:{failing_fence}" in output and "ZeroDivisionError" in output
