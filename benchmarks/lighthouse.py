"""Lighthouse performance of the built book on a phone: the median of several runs per page.

Lighthouse 12.2.3 with its default mobile settings (a mid-range phone: 4x slower CPU, slow 4G,
simulated) audits the landing page and the two heaviest chapters of ``site/``, offline, over a
local server that gzips text as the site's host does. Reported per page: the performance
score, total blocking time, largest and first contentful paint (medians, and every run), and
whether the medians meet the book's targets: performance >= 90, total blocking time < 300 ms.

Lighthouse's own CPU benchmark of the host is reported too: under 1000 it warns that the host
is too slow for its performance score, and such runs say little about a reader's phone. Run it
on a quiet machine, after ``mkdocs build``:

    python benchmarks/lighthouse.py [--quick] [--runs N] [--all] [--site PATH]

It measures the site, not PyTorch: ``tests/test_benchmarks.py`` leaves it out, and
``tests/test_lighthouse.py`` runs it once with ``--quick``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _common import emit  # noqa: E402
from lighthouse_run import PAGES, SLOW_HOST_BENCHMARK, available, lighthouse  # noqa: E402
from site_build import CHROMIUM, SITE, serve  # noqa: E402

MIN_PERFORMANCE = 90
MAX_TBT_MS = 300


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="one run of the landing page: checks that it runs"
    )
    p.add_argument("--runs", type=int, default=5, help="runs per page (default 5)")
    p.add_argument(
        "--all", action="store_true", help="every chapter too, not only the two heaviest"
    )
    p.add_argument("--site", type=Path, default=SITE, help="the built site (default: site/)")
    args = p.parse_args()
    runs = 1 if args.quick else args.runs
    site = args.site
    pages = PAGES[:1] if args.quick else PAGES
    if args.all and not args.quick:
        chapters = sorted(p.parent.name for p in (site / "chapters").glob("*/index.html"))
        pages = [PAGES[0]] + [f"chapters/{name}/" for name in chapters]
    if runs < 1:
        p.error(f"--runs must be at least 1; got {runs}")
    if not (available() and CHROMIUM):
        p.error("needs Node.js with `npm ci` (Lighthouse) and Chromium")
    if not (site / "index.html").is_file():
        p.error(f"no built site in {site}: run `mkdocs build` first")
    results = []
    with serve(site) as (base, _), tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            seen = [
                lighthouse(base + page, Path(tmp) / "r.json", CHROMIUM, "performance")
                for _ in range(runs)
            ]
            median = {
                key: statistics.median(s[key] for s in seen)
                for key in ("performance", "tbt_ms", "lcp_ms", "fcp_ms", "benchmark")
            }
            results.append(
                {
                    "page": page or "(landing page)",
                    "median": median,
                    "runs": [{k: v for k, v in s.items() if k != "failed_a11y"} for s in seen],
                    "meets_targets": median["performance"] >= MIN_PERFORMANCE
                    and median["tbt_ms"] < MAX_TBT_MS,
                    "host_fast_enough": median["benchmark"] >= SLOW_HOST_BENCHMARK,
                }
            )
    emit(
        "lighthouse",
        args.quick,
        results,
        {
            "targets": {"performance": MIN_PERFORMANCE, "tbt_ms_below": MAX_TBT_MS},
            "all_meet_targets": all(r["meets_targets"] for r in results),
        },
    )


if __name__ == "__main__":
    if shutil.which("node") is None:
        sys.exit("benchmarks/lighthouse.py needs Node.js")
    main()
