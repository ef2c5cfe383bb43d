"""Suite-wide set-up: a headless matplotlib, the pages' reader on the path, a docs summary."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports pyplot
# One reader of the pages for the build and the tests: overrides/docs_blocks.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "overrides"))

import docs_blocks  # noqa: E402

# page -> the docs_blocks.Run of that page, filled by tests/test_docs_pages.py.
DOCS_RUNS = pytest.StashKey[dict]()


@pytest.fixture
def docs_runs(request) -> dict:
    """Where a test records each page's run, for the summary at the end of the session."""
    return request.config.stash.setdefault(DOCS_RUNS, {})


def pytest_terminal_summary(terminalreporter):
    runs = terminalreporter.config.stash.get(DOCS_RUNS, {})
    if not runs:
        return
    executed = sum(r.executed for r in runs.values())
    skipped = [s for r in runs.values() for s in r.skipped]
    reused = sum(r.cached for r in runs.values())
    display = sum(
        1
        for page in docs_blocks.pages()
        for block in docs_blocks.all_fences(page)
        if block.language in docs_blocks.DISPLAY_ONLY
    )
    write = terminalreporter.write_line
    terminalreporter.section("docs code blocks")
    write(
        f"docs: {executed} python blocks executed on {len(runs)} pages "
        f"({reused} of them reused from the site build), {len(skipped)} skipped, "
        f"{display} display-only (text, console, config)"
    )
    for where, reason in skipped:
        write(f"  skipped {where}: {reason}")
    for page, run in sorted(runs.items()):
        reused_note = ", reused from the build" if run.cached else ""
        write(f"  {page}: {run.executed} blocks, {run.cpu_seconds:.1f} s of CPU{reused_note}")
