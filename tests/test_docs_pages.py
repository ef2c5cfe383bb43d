"""Run every python block of every docs page, page by page, as a reader would."""

from __future__ import annotations

import pytest
from docs_blocks import ROOT, cached_execute, pages_with_code

# DESIGN.md: every chapter runs on a 2-core CPU in under a minute. Counted in the kernel's own
# CPU time (two threads: at most 120 CPU-seconds for a minute), which other processes on a busy
# machine do not inflate the way they inflate the wall clock.
CPU_BUDGET_SECONDS = 120


@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_page_runs(page, docs_runs):
    run = cached_execute(page)
    docs_runs[str(page.relative_to(ROOT))] = run
    assert run.failure is None, f"a code block failed: {run.failure}"
    assert run.executed > 0, f"{page}: no block ran"
    assert run.cpu_seconds < CPU_BUDGET_SECONDS, (
        f"{page} used {run.cpu_seconds:.1f} s of CPU; the budget is {CPU_BUDGET_SECONDS} "
        "(one minute on 2 cores)"
    )
