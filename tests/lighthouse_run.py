"""Run Lighthouse 12.2.3 (mobile, its defaults) on one URL and keep the numbers we look at.

Shared by ``tests/test_lighthouse.py`` (accessibility, asserted) and
``benchmarks/lighthouse.py`` (performance, measured: a median over runs, never asserted).
``npm ci`` installs Lighthouse from ``package-lock.json``; Chromium is Debian's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
NODE = shutil.which("node")
# The landing page and the two heaviest chapters (HTML and figures).
PAGES = ["", "chapters/08-optimizers/", "chapters/11-convolutional-networks/"]
SLOW_HOST_BENCHMARK = 1000  # Lighthouse's SLOW_CPU_BENCHMARK_INDEX_THRESHOLD
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"  # offline: nothing leaves
)


def available() -> bool:
    return bool(NODE and LIGHTHOUSE.is_file())


def lighthouse(url: str, report: Path, chromium: str, categories: str) -> dict:
    """One Lighthouse run on ``url``: scores (0-100), timings (ms) and the failed a11y audits.

    ``categories`` is Lighthouse's ``--only-categories`` (``"accessibility"``,
    ``"performance,accessibility"``); the scores of categories not run are None.
    """
    command = [
        NODE,
        str(LIGHTHOUSE),
        url,
        f"--only-categories={categories}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": chromium}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"Lighthouse failed on {url}:\n{result.stdout}{result.stderr}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError"):
        raise RuntimeError(f"Lighthouse on {url}: {data['runtimeError']}")
    cats, audits = data["categories"], data["audits"]

    def score(name: str) -> int | None:
        return round(cats[name]["score"] * 100) if name in cats else None

    def ms(audit: str) -> int | None:
        value = audits.get(audit, {}).get("numericValue")
        return None if value is None else round(value)

    a11y_ids = {ref["id"] for ref in cats.get("accessibility", {}).get("auditRefs", [])}
    return {
        "performance": score("performance"),
        "accessibility": score("accessibility"),
        "tbt_ms": ms("total-blocking-time"),
        "lcp_ms": ms("largest-contentful-paint"),
        "fcp_ms": ms("first-contentful-paint"),
        "benchmark": round(data["environment"]["benchmarkIndex"]),
        "failed_a11y": sorted(
            audit_id
            for audit_id, audit in audits.items()
            if audit_id in a11y_ids
            and audit.get("scoreDisplayMode") == "binary"
            and audit.get("score") == 0
        ),
    }
