"""Every chapter also runs under a second numeric configuration, as on a reader's machine.

``ATEN_CPU_CAPABILITY=default`` makes torch use its portable kernels instead of the vectorised
ones this CPU offers (AVX2, AVX-512), and ``DLCOURSE_THREADS=3`` changes the thread count that
``dlcourse.seed_everything`` sets: the sums of a trained network are added in another order,
and its last digits differ, as they do on another computer. A page whose asserts pinned this
machine's digits fails here; a page whose asserts check its claims passes.

The two variables are part of the key of a stored run (``docs_blocks.NUMERIC_SWITCHES``), so
these runs never reuse the ordinary ones. Pages run side by side, each in its own kernel.
Deselect with ``pytest -m "not portability"``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from docs_blocks import ROOT, cached_execute, pages_with_code

PORTABLE = {"ATEN_CPU_CAPABILITY": "default", "DLCOURSE_THREADS": "3"}
# Pages run two at a time (each in its own kernel process): a page spends much of its time in
# single-threaded Python, so two of them share a 2-core machine well.
WORKERS = max(2, min(4, (os.cpu_count() or 2) // 2))


@pytest.fixture(scope="module")
def runs(request):
    """{page: future of its run}: every selected page starts at once, WORKERS at a time."""
    selected = [
        item.callspec.params["page"]
        for item in request.session.items
        if item.originalname == "test_page_runs_under_a_second_numeric_configuration"
    ]
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        yield {page: pool.submit(cached_execute, page, env=PORTABLE) for page in selected}
    finally:
        pool.shutdown(cancel_futures=True)  # a stopped session (-x) does not wait for the rest


@pytest.mark.portability
@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_page_runs_under_a_second_numeric_configuration(page, runs):
    run = runs[page].result()
    assert run.failure is None, f"fails with {PORTABLE} (another CPU would see this): {run.failure}"
    assert run.executed > 0
