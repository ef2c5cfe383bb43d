"""Lighthouse on the built book, as on a phone: fast and accessible, with the scores printed.

Lighthouse 12.2.3 (``package.json``; ``npm ci`` installs it, as ``book.py`` and ``.ci/run`` do)
audits the landing page and the two heaviest chapters with its default mobile settings
(a mid-range phone: 4x slower CPU, slow 4G), offline, over a local server that compresses
text as the site's host does. Each page must reach performance >= 90 with a total blocking
time under 300 ms, and accessibility >= 98.

A busy machine inflates the measured main-thread time: a page gets up to three runs and keeps
its best, so a passing page may need luck once, but a slow page fails all three. Where
Lighthouse itself finds the host too slow for its performance score (its CPU benchmark under
1000, Lighthouse's own threshold for the warning "The tested device appears to have a slower
CPU than Lighthouse expects"; a shared machine under load), that run's performance does not
count: the scores are printed, accessibility is still checked, and the performance check is
skipped with that reason if no run counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from site_build import CHROMIUM, ROOT, book_site, fresh_full_site, serve

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
NODE = shutil.which("node")
PAGES = ["", "chapters/08-optimizers/", "chapters/11-convolutional-networks/"]
MIN_PERFORMANCE = 90
MIN_ACCESSIBILITY = 98
MAX_TBT_MS = 300
TRIES = 3
SLOW_HOST_BENCHMARK = 1000  # Lighthouse's SLOW_CPU_BENCHMARK_INDEX_THRESHOLD

pytestmark = [
    pytest.mark.skipif(
        not (NODE and LIGHTHOUSE.is_file()),
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


def lighthouse(url: str, tmp_path) -> dict:
    """Lighthouse's scores and total blocking time for one run on ``url``."""
    report = tmp_path / "report.json"
    command = [
        NODE,
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance,accessibility",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic "
        "--no-first-run --disable-background-networking --disable-component-update "
        "--disable-sync --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert not data.get("runtimeError"), data["runtimeError"]
    return {
        "performance": round(data["categories"]["performance"]["score"] * 100),
        "accessibility": round(data["categories"]["accessibility"]["score"] * 100),
        "tbt_ms": round(data["audits"]["total-blocking-time"]["numericValue"]),
        "lcp_ms": round(data["audits"]["largest-contentful-paint"]["numericValue"]),
        "benchmark": round(data["environment"]["benchmarkIndex"]),
        "failed_a11y": [
            audit_id
            for audit_id, audit in data["audits"].items()
            if audit.get("scoreDisplayMode") == "binary"
            and audit.get("score") == 0
            and audit_id in _accessibility_audits(data)
        ],
    }


def _accessibility_audits(data: dict) -> set[str]:
    return {ref["id"] for ref in data["categories"]["accessibility"]["auditRefs"]}


def _passes(scores: dict) -> bool:
    return (
        scores["performance"] >= MIN_PERFORMANCE
        and scores["accessibility"] >= MIN_ACCESSIBILITY
        and scores["tbt_ms"] < MAX_TBT_MS
    )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder, _ = book_site(tmp_path_factory)  # the full build (the skip above ensures it)
    with serve(folder) as (base, _):
        yield base


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.strip("/").split("/")[-1] or "landing")
def test_lighthouse_mobile_scores(base_url, page, tmp_path, capsys):
    runs = []
    for _ in range(TRIES):
        runs.append(lighthouse(base_url + page, tmp_path))
        if _passes(runs[-1]):
            break
    counted = [s for s in runs if s["benchmark"] >= SLOW_HOST_BENCHMARK]
    best = max(counted or runs, key=lambda s: (_passes(s), s["performance"], -s["tbt_ms"]))
    with capsys.disabled():  # the scores are printed in every run, passing or not
        print(
            f"\nLighthouse (mobile) {page or '(landing page)'}: performance {best['performance']}, "
            f"accessibility {best['accessibility']}, total blocking time {best['tbt_ms']} ms, "
            f"LCP {best['lcp_ms']} ms; runs (performance, TBT ms, CPU benchmark): "
            f"{[(s['performance'], s['tbt_ms'], s['benchmark']) for s in runs]}"
        )
    best_a11y = max(runs, key=lambda s: s["accessibility"])
    assert best_a11y["accessibility"] >= MIN_ACCESSIBILITY, (
        f"failing audits: {best_a11y['failed_a11y']}"
    )
    if not counted:
        pytest.skip(
            f"the host is too slow for Lighthouse's performance score (CPU benchmark "
            f"{[s['benchmark'] for s in runs]}, under {SLOW_HOST_BENCHMARK}): performance "
            f"{best['performance']}, TBT {best['tbt_ms']} ms not checked"
        )
    assert best["performance"] >= MIN_PERFORMANCE, best
    assert best["tbt_ms"] < MAX_TBT_MS, best
