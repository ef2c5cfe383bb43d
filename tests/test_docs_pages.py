"""Run every python block of every docs page, page by page, as a reader would."""

from __future__ import annotations

import time

import pytest
from conftest import DOCS_RUNS
from docs_blocks import ROOT, all_fences, pages, run_page

PAGES_WITH_CODE = [p for p in pages() if any(b.language == "python" for b in all_fences(p))]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_page_runs(page, tmp_path, monkeypatch):
    # A page that writes files (a checkpoint, say) writes them here, not into the repository.
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    executed, skipped = run_page(page)
    seconds = time.perf_counter() - start
    DOCS_RUNS[str(page.relative_to(ROOT))] = (executed, skipped)
    assert executed > 0, f"{page}: no block ran"
    # DESIGN.md: every chapter runs on a 2-core CPU in under a minute.
    assert seconds < 60, f"{page} took {seconds:.1f} s; the budget is 60 s on 2 cores"
