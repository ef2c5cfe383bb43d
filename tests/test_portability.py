"""Every chapter also runs under a second numeric configuration, as on a reader's machine.

``ATEN_CPU_CAPABILITY=default`` makes torch use its portable kernels instead of the vectorised
ones this CPU offers (AVX2, AVX-512), and ``DLCOURSE_THREADS=3`` changes the thread count that
``dlcourse.seed_everything`` sets: the sums of a trained network are added in another order,
and its last digits differ, as they do on another computer. A page whose asserts pinned this
machine's digits fails here; a page whose asserts check its claims passes.

The two variables are part of the key of a stored run (``docs_blocks.NUMERIC_SWITCHES``), so
these runs never reuse the ordinary ones. Deselect with ``pytest -m "not portability"``.
"""

from __future__ import annotations

import pytest
from docs_blocks import ROOT, cached_execute, pages_with_code

PORTABLE = {"ATEN_CPU_CAPABILITY": "default", "DLCOURSE_THREADS": "3"}


@pytest.mark.portability
@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_page_runs_under_a_second_numeric_configuration(page):
    run = cached_execute(page, env=PORTABLE)
    assert run.failure is None, f"fails with {PORTABLE} (another CPU would see this): {run.failure}"
    assert run.executed > 0
