"""How the site build executes chapters: located failures, an error page under `mkdocs serve`,
package edits that reach the served page, and one execution shared with the tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import docs_blocks
import pytest
from site_build import ROOT, build, write_config

HEADER = (
    (ROOT / "docs" / "chapters" / "04-linear-regression.md")
    .read_text(encoding="utf-8")
    .split("---")[1]
)


def _chapter(docs: Path, name: str, body: str) -> Path:
    path = docs / "chapters" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---{HEADER}---\n\n{body}", encoding="utf-8")
    return path


def _book(tmp: Path, chapters: dict[str, str]) -> tuple[Path, Path]:
    docs = tmp / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    for name, body in chapters.items():
        _chapter(docs, name, body)
    nav = ["index.md", *[f"chapters/{name}" for name in chapters]]
    return docs, write_config(tmp, docs, execute=list(chapters), nav=nav)


BROKEN = "# Broken\n\n```python\nx = 1\n```\n\n```python\ny = 2\nz = x / 0\n```\n"


def test_a_failing_chapter_fails_the_build_with_page_and_line(tmp_path):
    docs, config = _book(tmp_path, {"99-broken.md": BROKEN})
    result = build(config)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    lines = (docs / "chapters" / "99-broken.md").read_text(encoding="utf-8").splitlines()
    failing = lines.index("z = x / 0") + 1
    assert f"99-broken.md:{failing}" in output and "ZeroDivisionError" in output


def test_the_build_renders_the_run_the_tests_use(tmp_path):
    body = "# Shared\n\n```python\nprint('computed', 6 * 7)\n```\n"
    docs, config = _book(tmp_path, {"98-shared.md": body})
    result = build(config, strict=True)
    assert result.returncode == 0, result.stdout + result.stderr
    page = docs / "chapters" / "98-shared.md"
    run = docs_blocks.cached_run(page)
    assert run is not None and run.failure is None  # the build stored its run for pytest
    html = (tmp_path / "site" / "chapters" / "98-shared" / "index.html").read_text("utf-8")
    assert "computed 42" in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, text: str, seconds: float = 900) -> str:
    """Poll ``url`` until its body contains ``text``: a bounded wait, not a measurement."""
    deadline, body = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode("utf-8", "replace")
            if text in body:
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise AssertionError(f"{url} never showed {text!r}; last body began: {body[:300]!r}")


def test_serve_shows_a_failing_chapter_serves_the_rest_and_follows_package_edits(tmp_path):
    # The served pages import a copy of the package, so that the test can edit it.
    package = tmp_path / "pkg" / "dlcourse"
    shutil.copytree(docs_blocks.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "servetest.py").write_text('GREETING = "first version"\n', encoding="utf-8")
    good = "# Good\n\n```python\nfrom dlcourse import servetest\nprint(servetest.GREETING)\n```\n"
    docs, config = _book(tmp_path, {"97-good.md": good, "99-broken.md": BROKEN})
    lines = (docs / "chapters" / "99-broken.md").read_text(encoding="utf-8").splitlines()
    failing = lines.index("z = x / 0") + 1
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(package.parent), "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/dlcourse/chapters"
        broken = _wait_for(f"{base}/99-broken/", "This page failed to build")
        assert f"99-broken.md:{failing}" in broken and "ZeroDivisionError" in broken
        _wait_for(f"{base}/97-good/", "first version")
        (package / "servetest.py").write_text('GREETING = "second version"\n', encoding="utf-8")
        _wait_for(f"{base}/97-good/", "second version")
        assert server.poll() is None, "mkdocs serve died"
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("edit, reruns", [("workflow.py", False), ("linear.py", True)])
def test_a_package_edit_reruns_only_the_chapters_that_import_it(
    tmp_path, monkeypatch, edit, reruns
):
    package = tmp_path / "dlcourse"
    shutil.copytree(docs_blocks.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(docs_blocks, "PACKAGE", package)
    monkeypatch.setattr(docs_blocks, "CACHE", tmp_path / "cache")
    page = _chapter(
        tmp_path / "docs", "96-linear.md", "# L\n\n```python\nfrom dlcourse import linear\n```\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    first = docs_blocks.cached_execute(page)
    assert not first.cached and "dlcourse.linear" in first.modules
    assert docs_blocks.cached_execute(page).cached
    with open(package / edit, "a", encoding="utf-8") as f:
        f.write("\n# an edit\n")
    assert docs_blocks.cached_execute(page).cached is not reruns
