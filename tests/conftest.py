"""Suite-wide set-up: a headless matplotlib, and a summary of the docs blocks that ran."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports pyplot

import docs_blocks  # noqa: E402  (tests/ is on sys.path: pytest's rootdir-relative import)

# Filled by tests/test_docs_pages.py: page -> (executed, [(where, reason), ...]).
DOCS_RUNS: dict[str, tuple[int, list[tuple[str, str]]]] = {}


def pytest_terminal_summary(terminalreporter):
    if not DOCS_RUNS:
        return
    executed = sum(n for n, _ in DOCS_RUNS.values())
    skipped = [s for _, skips in DOCS_RUNS.values() for s in skips]
    display = sum(
        1
        for page in docs_blocks.pages()
        for block in docs_blocks.all_fences(page)
        if block.language in docs_blocks.DISPLAY_ONLY
    )
    write = terminalreporter.write_line
    terminalreporter.section("docs code blocks")
    write(
        f"docs: {executed} python blocks executed on {len(DOCS_RUNS)} pages, "
        f"{len(skipped)} skipped, {display} display-only (text, console, config)"
    )
    for where, reason in skipped:
        write(f"  skipped {where}: {reason}")
