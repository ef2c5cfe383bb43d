"""The built site in a real browser, offline."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import urllib.request

import pytest
from site_build import ROOT, build, write_config

CHAPTER = "04-linear-regression.md"


# --- a real browser, offline ------------------------------------------------------------------

CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
# GitHub's Ubuntu runners keep their ChromeDriver in $CHROMEWEBDRIVER, off the PATH.
DRIVER = shutil.which("chromedriver") or shutil.which(
    "chromedriver", path=os.environ.get("CHROMEWEBDRIVER", "")
)
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Chromium and ChromeDriver are not installed (Debian: apt-get install chromium "
    "chromium-driver); .ci/run installs them",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    not_found: list[str] = []

    def log_message(self, format, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        _QuietHandler.not_found.append(self.path)  # a missing asset is a test failure
        super().send_error(code, message, explain)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    """Build the site with the linear-regression chapter executed and serve it on localhost."""
    tmp = tmp_path_factory.mktemp("site")
    result = build(write_config(tmp, ROOT / "docs", execute=[CHAPTER]))
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(_QuietHandler, directory=str(tmp / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
        # Nothing but the local server resolves: a CDN request would fail, not go unnoticed.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    yield driver
    driver.quit()


@needs_chromium
def test_chapter_offline_has_typeset_math_and_figures(served_site, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    slug = CHAPTER.removesuffix(".md")
    browser.get(f"{served_site}/chapters/{slug}/")
    typeset = (
        "return !!(window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
        " && MathJax.Hub.queue.running === 0"
        " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0)"
    )
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(typeset))
    math = browser.execute_script(
        "return document.querySelectorAll('span.MathJax, div.MathJax_Display').length"
    )
    errors = browser.execute_script("return document.querySelectorAll('.MathJax_Error').length")
    assert math >= 20, f"expected the chapter's equations typeset; found {math} MathJax nodes"
    assert errors == 0, f"{errors} equations failed to typeset"

    figures = browser.execute_script(
        "return [...document.querySelectorAll('.dl-figure img')]"
        ".map(i => [i.complete && i.naturalWidth > 0, i.alt])"
    )
    assert len(figures) >= 4, f"expected the chapter's figures; found {len(figures)}"
    assert all(loaded for loaded, _ in figures), "a figure did not load"
    assert all(alt.strip() for _, alt in figures), "a figure has no alt text"

    assert (
        browser.execute_script(
            "return document.querySelectorAll('details.dl-solution-details').length"
        )
        >= 1
    )

    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert not _QuietHandler.not_found, (
        f"the site lacks files it asks for: {_QuietHandler.not_found}"
    )
    outside = [url for url in resources if not url.startswith(served_site)]
    assert not outside, f"requests left the site: {outside}"
    assert any("/assets/mathjax/" in url for url in resources), "MathJax was not served locally"

    link = browser.execute_script(
        "const a = document.querySelector('a.dl-notebook-download'); return a && a.href"
    )
    assert link and link.endswith(f"{slug}.ipynb")
    with urllib.request.urlopen(link) as response:
        assert b'"cells"' in response.read()
