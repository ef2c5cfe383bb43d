"""Lighthouse's accessibility audit of the built book, as on a phone, offline.

Lighthouse 12.2.3 (``package.json``; ``npm ci`` installs it, as ``book.py`` and ``.ci/run`` do)
audits the landing page and the two heaviest chapters with its default mobile settings, over a
local server that compresses text as the site's host does. Each page must score at least 98
for accessibility, and the failed audits are named when it does not.

The performance score of that run is printed, not asserted: it is a stopwatch (total blocking
time is main-thread time, which a busy machine inflates), and a suite never fails on a timing.
``benchmarks/lighthouse.py`` measures it, as the median of several runs, against the book's
targets (performance >= 90, total blocking time < 300 ms).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lighthouse_run import PAGES, available, lighthouse
from site_build import CHROMIUM, ROOT, book_site, fresh_full_site, serve

MIN_ACCESSIBILITY = 98

pytestmark = [
    pytest.mark.skipif(
        not available(),
        reason="Node.js or Lighthouse is not installed (npm ci installs Lighthouse 12.2.3; "
        "book.py and .ci/run do it)",
    ),
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(
        not fresh_full_site(),
        reason="needs the full build in site/ (every chapter executed): run `mkdocs build` "
        "first, as book.py test and .ci/run do",
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder, _ = book_site(tmp_path_factory)  # the full build (the skip above ensures it)
    with serve(folder) as (base, _):
        yield base


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.strip("/").split("/")[-1] or "landing")
def test_lighthouse_mobile_accessibility(base_url, page, tmp_path, capsys):
    s = lighthouse(base_url + page, tmp_path / "report.json", CHROMIUM, "performance,accessibility")
    with capsys.disabled():  # printed in every run, passing or not; speed is shown, not asserted
        print(
            f"\nLighthouse (mobile) {page or '(landing page)'}: "
            f"accessibility {s['accessibility']}; performance {s['performance']}, "
            f"total blocking time {s['tbt_ms']} ms, "
            f"LCP {s['lcp_ms']} ms (one run, host CPU benchmark {s['benchmark']})"
        )
    assert s["accessibility"] >= MIN_ACCESSIBILITY, f"failing audits: {s['failed_a11y']}"


def test_performance_benchmark_reports_the_landing_page():
    """benchmarks/lighthouse.py --quick runs and reports what its docstring promises."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "lighthouse.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["benchmark"] == "lighthouse" and report["quick"] is True
    (row,) = report["results"]
    assert row["page"] == "(landing page)" and len(row["runs"]) == 1
    assert 0 <= row["median"]["performance"] <= 100 and row["median"]["tbt_ms"] >= 0
    assert row["meets_targets"] == (
        row["median"]["performance"] >= 90 and row["median"]["tbt_ms"] < 300
    )
