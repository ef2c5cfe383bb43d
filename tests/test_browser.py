"""The built book in a real browser (headless Chromium), offline, as a reader meets it.

The site is ``site_build.book_site``: the ``site/`` that ``mkdocs build`` wrote just before the
tests (``.ci/run`` does that), so that every page of the real build is checked, or else one small
build with the linear-regression chapter executed. Nothing outside 127.0.0.1 resolves: a request
leaving the site fails, and shows up as a console error and a failed resource. axe-core checks
every page for accessibility (``selenium-axe-python`` carries it).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest
from site_build import CHROMIUM, ROOT, book_site, serve, site_helpers

# GitHub's Ubuntu runners keep their ChromeDriver in $CHROMEWEBDRIVER, off the PATH.
DRIVER = shutil.which("chromedriver") or shutil.which(
    "chromedriver", path=os.environ.get("CHROMEWEBDRIVER", "")
)
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Chromium and ChromeDriver are not installed (Debian: apt-get install chromium "
    "chromium-driver); .ci/run installs them",
)
SEARCHED = "chapters/04-linear-regression/"

# Math arrives typeset (MathML, made at build time): a page is ready once loaded, and the math
# font has loaded or failed.
READY = (
    "return document.readyState === 'complete'"
    " && (!document.fonts || document.fonts.status === 'loaded')"
)
# axe-core's impacts that fail the test.
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(site folder, chapters executed in it, base URL of a local server over it, the paths
    that were asked for and missing)."""
    folder, executed = book_site(tmp_path_factory)
    with serve(folder) as (base, missing):
        yield folder, executed, base, missing


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
        "--hide-scrollbars",
        "--window-size=1280,900",
        # Nothing but the local server resolves: a CDN request fails, it cannot go unnoticed.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(180)  # axe-core on a long chapter, on a busy machine
    yield driver
    driver.quit()


def _pages(folder: Path) -> list[str]:
    """Every page of the site, as a path relative to its root ('' for the landing page)."""
    pages = sorted(
        p.parent.relative_to(folder).as_posix() + "/" for p in folder.rglob("index.html")
    )
    return ["" if p == "./" else p for p in pages if not p.startswith(("assets/", "search/"))]


def _open(browser, url, width=1280):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(width, 900)
    browser.get(url)
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(READY))
    # Figures load lazily: ask for all of them now, and wait until each has loaded or failed.
    browser.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return [...document.images].every(i => i.complete)")
    )
    _wait_for_keyboard_checks(browser)


def _wait_for_keyboard_checks(browser) -> None:
    """Until keyboard.js has checked every block (in idle slices) for sideways scrolling."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.documentElement.dataset.dlKeyboard === 'ready'")
    )


def _read_through(browser) -> None:
    """Open every folded block, scroll the page from top to bottom a screen at a time, as a
    reader does, then fold them again and go back up.

    Material sets a code block up (copy button) when it first comes into view (mkdocs.yml:
    content.lazy), and the browser lays a cell out when it nears the screen (notebook.css).
    """
    browser.execute_async_script(
        """
        const done = arguments[0];
        const closed = [...document.querySelectorAll('article details:not([open])')];
        closed.forEach(d => d.open = true);
        // Back at the top, Material fades the site's name back into the header: axe must not
        // measure its colour halfway through, so wait until the header's transitions have ended
        // (only the header's: one in a cell the browser skips off screen never ticks).
        const header = document.querySelector('.md-header');
        const settled = () => Promise.all((header ? header.getAnimations({ subtree: true }) : [])
          .map(a => a.finished.catch(() => null)));
        const finish = () => {
          closed.forEach(d => d.open = false);
          window.scrollTo(0, 0);
          requestAnimationFrame(() => requestAnimationFrame(() => settled().then(() => done())));
        };
        let y = 0;
        function step() {
          window.scrollTo(0, y);
          y += innerHeight;
          const next = () => requestAnimationFrame(() => requestAnimationFrame(step));
          if (y < document.documentElement.scrollHeight + innerHeight) next();
          else requestAnimationFrame(finish);
        }
        step();
        """
    )
    _wait_for_keyboard_checks(browser)  # folding and scrolling set blocks up: checked again


def _axe(browser) -> list[dict]:
    """axe-core's serious and critical violations on the page open in ``browser``."""
    from selenium_axe_python import Axe

    # Every cell laid out: axe cannot measure the colours of a cell whose rendering the browser
    # skips off screen (notebook.css, content-visibility), and would leave it unchecked.
    browser.execute_script(
        "const s = document.createElement('style');"
        "s.textContent = '.jp-Cell { content-visibility: visible !important; }';"
        "document.head.append(s);"
    )
    axe = Axe(browser)
    axe.inject()
    results = axe.run(options=json.dumps({"resultTypes": ["violations"]}))
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": len(violation["nodes"]),
            "examples": [node["target"] for node in violation["nodes"][:3]],
        }
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]


def _axe_problems(violations: list[dict]) -> list[str]:
    return [
        f"axe {v['id']} ({v['impact']}): {v['nodes']} element(s), e.g. {v['examples']}"
        for v in violations
    ]


# What one visit of a page measures (run after the page and every image have loaded).
REPORT = r"""
const article = document.querySelector('article.md-content__inner');
const box = article.getBoundingClientRect();
const style = getComputedStyle(article);
const right = box.right + 1;
const notebook = article.querySelector('.jupyter-wrapper');
const copyable = article.querySelectorAll('.jp-CodeCell .highlight:not(.no-copy) pre');
const codeBlocks = [...copyable].map(pre => {
  // The first line of code: where its text starts, not the box (whose padding holds the button).
  const range = document.createRange();
  range.selectNodeContents(pre.querySelector('code'));
  const lines = [...range.getClientRects()].filter(r => r.height > 0);
  const top = lines.length ? Math.min(...lines.map(r => r.top)) : Infinity;
  const button = pre.querySelector('button.md-code__button[data-md-type=copy]');
  return [!!button, !!button && button.getBoundingClientRect().bottom <= top + 1];
});
return {
  resources: performance.getEntriesByType('resource').map(e => e.name),
  images: [...article.querySelectorAll('img')]
    .map(i => [i.currentSrc, i.naturalWidth > 0, (i.alt || '').trim()]),
  math: article.querySelectorAll('math').length,
  mathErrors: [...document.querySelectorAll('.temml-error')].map(e => e.textContent.slice(0, 80)),
  // TeX left in the prose: text outside code and math with a pair of $ or \( \) in it.
  rawMath: [...article.querySelectorAll('p, li, td, th, h1, h2, h3, h4, summary')]
    .map(el => {
      const copy = el.cloneNode(true);
      copy.querySelectorAll('code, pre, kbd, math, p, li').forEach(c => c.remove());
      return copy.textContent;
    })
    .filter(t => /\$[^$\s][^$]*\$|\\\(|\\\[/.test(t)).map(t => t.slice(0, 60)),
  tocRawMath: [...document.querySelectorAll('.md-nav__link')]
    .map(a => a.textContent).filter(t => /\$[^$\s][^$]*\$/.test(t)).map(t => t.slice(0, 60)),
  mathWithoutFont: [...article.querySelectorAll('math')].slice(0, 1)
    .map(m => getComputedStyle(m).fontFamily).filter(f => !/Latin Modern Math/.test(f)),
  codeBlocks,
  oldCopyButtons: document.querySelectorAll('clipboard-copy').length,
  solutions: document.querySelectorAll('details.dl-solution-details').length,
  sideways: document.documentElement.scrollWidth - innerWidth,
  overflowingProse: [...article.querySelectorAll('p, li, h1, h2, h3, h4, figcaption, summary')]
    .filter(el => el.getBoundingClientRect().right > right)
    .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 60)),
  clippedMath: [...article.querySelectorAll('.dl-math-display')]
    .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto')
    .map(el => el.textContent.slice(0, 60)),
  narrowNotebook: !!notebook && notebook.getBoundingClientRect().width
    < box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 1,
};
"""


@pytest.fixture(scope="module")
def reports(site, browser):
    """{width: {page: what the visit measured, with the console's errors}} for 1280 and 390 px."""
    folder, _, base, _ = site
    browser.get_log("browser")  # start clean
    found = {}
    for width in (1280, 390):
        found[width] = {}
        for page in _pages(folder):
            _open(browser, base + page, width=width)
            _read_through(browser)
            report = browser.execute_script(REPORT)
            report["errors"] = [
                e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
            ]
            report["axe"] = _axe(browser)
            found[width][page or "(landing page)"] = report
    return found


@pytest.fixture(scope="module")
def dark_axe(site, browser):
    """{page: axe's serious violations} with the reader's system in dark mode (Material's
    slate palette), at 1280 px."""
    folder, _, base, _ = site
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    found = {}
    try:
        for page in _pages(folder):
            _open(browser, base + page)
            scheme = browser.execute_script("return document.body.dataset.mdColorScheme")
            assert scheme == "slate", f"{page}: the dark palette is not on ({scheme})"
            found[page or "(landing page)"] = _axe(browser)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    return found


def _problems(reports, check, widths=(1280, 390)) -> str:
    lines = [
        f"{page} at {width} px: {problem}"
        for width in widths
        for page, report in reports[width].items()
        for problem in check(report)
    ]
    return "\n".join(lines)


def test_every_page_loads_offline_without_a_console_error(site, reports):
    _, _, base, missing = site
    assert len(reports[1280]) >= 3
    assert not missing, f"the site lacks files its pages ask for: {missing}"
    problems = _problems(
        reports,
        lambda r: (
            r["errors"]
            + [
                f"request leaving the site: {url}"
                for url in r["resources"]
                if not url.startswith(base)
            ]
        ),
    )
    assert not problems, problems


def test_every_image_loads_and_has_alt_text(reports):
    problems = _problems(
        reports,
        lambda r: [
            f"{src} (loaded: {ok}, alt: {alt!r})"
            for src, ok, alt in r["images"]
            if not (ok and alt)
        ],
        widths=(1280,),
    )
    assert not problems, problems


def test_every_page_has_no_serious_accessibility_violation(reports):
    """axe-core: no serious or critical violation on any page, on a desktop and a phone."""
    problems = _problems(reports, lambda r: _axe_problems(r["axe"]))
    assert not problems, problems


def test_every_page_has_no_serious_accessibility_violation_in_the_dark(dark_axe):
    """The same in the dark palette (contrast of code, links and text differs there)."""
    problems = [
        f"{page} (dark): {problem}"
        for page, violations in dark_axe.items()
        for problem in _axe_problems(violations)
    ]
    assert not problems, "\n".join(problems)


def test_chapters_typeset_their_math(site, reports):
    """Math arrives as MathML made at build time: every chapter whose Markdown has TeX shows
    MathML, none is left as TeX, no script typesets anything, and the math font the site
    serves is the one used."""
    import re

    from bs4 import BeautifulSoup

    folder, executed, _, _ = site
    split_tex = site_helpers().math.split_tex
    for name in executed:
        slug = name.removesuffix(".md")
        markdown = (ROOT / "docs" / "chapters" / name).read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```|`[^`\n]*`", "", markdown, flags=re.S)
        has_math = any(not isinstance(part, str) for part in split_tex(prose))
        page = BeautifulSoup((folder / "chapters" / slug / "index.html").read_text(), "html.parser")
        assert not [s for s in page.find_all("script") if "mathjax" in str(s).lower()], (
            f"{name}: a client-side typesetter is back"
        )
        report = reports[1280][f"chapters/{slug}/"]
        assert report["math"] > 0 or not has_math, f"{name}: its equations were not typeset"
        assert not report["mathErrors"], f"{name}: equations failed: {report['mathErrors']}"
        assert not report["rawMath"], f"{name}: TeX left untypeset: {report['rawMath']}"
        assert not report["tocRawMath"], f"{name}: TeX in the contents: {report['tocRawMath']}"
        assert not report["mathWithoutFont"], f"{name}: math font: {report['mathWithoutFont']}"


def test_exercise_solutions_are_folded(site, reports):
    folder, executed, _, _ = site
    for name in executed:
        slug = name.removesuffix(".md")
        markers = (
            (folder / "chapters" / slug / "index.html").read_text().count('class="dl-solution"')
        )
        folded = reports[1280][f"chapters/{slug}/"]["solutions"]
        assert folded == markers, f"{name}: {markers} solutions, {folded} folded"


def test_chapter_figures_are_lazy_files_with_alt_text(site):
    from bs4 import BeautifulSoup

    folder, executed, _, _ = site
    for name in (n for n in executed if n[:2].isdigit()):  # numbered chapters; not the About pages
        page = folder / "chapters" / name.removesuffix(".md") / "index.html"
        figures = BeautifulSoup(page.read_text(), "html.parser").select(".dl-figure img")
        assert figures, f"{name}: no figure"
        for img in figures:
            assert img.get("loading") == "lazy" and img.get("alt", "").strip(), f"{name}: {img}"
            assert (page.parent / img["src"]).is_file(), f"{name}: {img['src']} is not a file"


def test_search_finds_the_normal_equation(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _, _, base, _ = site
    _open(browser, base)
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys("normal equation")
    links = []

    def results(driver):
        links[:] = driver.execute_script(
            "return [...document.querySelectorAll('.md-search-result__link')].map(a => a.href)"
        )
        return links

    WebDriverWait(browser, 30).until(results)
    # Among the first pages listed. Not necessarily the first: the ranking of pages that match
    # one word only ("normal") depends on what was indexed, and the small build indexes the
    # chapters it did not execute as plain Markdown, code and all.
    pages = list(dict.fromkeys(link.split("?")[0] for link in links))
    assert base + SEARCHED in pages[:3], f"first pages: {pages[:3]}; all results: {links}"


def test_palette_toggle_switches_light_and_dark(site, browser):
    from selenium.webdriver.common.by import By

    _, _, base, _ = site
    _open(browser, base)
    seen = []
    for _ in range(3):  # system preference -> light -> dark -> system preference
        toggle = next(
            label
            for label in browser.find_elements(
                By.CSS_SELECTOR, "form[data-md-component=palette] label"
            )
            if label.is_displayed()
        )
        toggle.click()
        seen.append(browser.execute_script("return document.body.dataset.mdColorScheme"))
    assert {"default", "slate"} <= set(seen), f"schemes seen while toggling: {seen}"


def test_every_code_block_has_materials_copy_button_and_it_covers_no_code(site, reports):
    _, executed, _, _ = site
    for width in (1280, 390):
        for name in executed:
            report = reports[width][f"chapters/{name.removesuffix('.md')}/"]
            blocks = report["codeBlocks"]
            assert blocks, f"{name}: no code cells found"
            assert all(has for has, _ in blocks), f"{name}: a code cell has no copy button"
            assert all(clear for _, clear in blocks), f"{name} at {width} px: a button over code"
            assert report["oldCopyButtons"] == 0, f"{name}: mkdocs-jupyter's copy button is back"


@pytest.mark.parametrize("width", [390, 1280])
def test_one_column_the_full_width_and_nothing_overflows(reports, width):
    def check(r):
        return (
            ([f"the page scrolls sideways by {r['sideways']} px"] if r["sideways"] > 0 else [])
            + [f"prose overflows: {text}" for text in r["overflowingProse"]]
            + [f"equation cut off: {text}" for text in r["clippedMath"]]
            + (["the notebook is narrower than the text column"] if r["narrowNotebook"] else [])
        )

    problems = _problems(reports, check, widths=(width,))
    assert not problems, problems


def test_notebook_download_link_serves_the_notebook(site, browser):
    _, executed, base, _ = site
    slug = executed[0].removesuffix(".md")
    _open(browser, f"{base}chapters/{slug}/")
    link = browser.execute_script(
        "const a = document.querySelector('a.dl-notebook-download'); return a && a.href"
    )
    assert link and link.endswith(f"{slug}.ipynb")
    with urllib.request.urlopen(link) as response:
        assert b'"cells"' in response.read()


FITS = """
return [...document.querySelectorAll('g.stage')].flatMap(stage => {
  const box = stage.querySelector('rect').getBBox();
  return [...stage.querySelectorAll('text')]
    .map(text => [text.textContent, text.getBBox()])
    .filter(([, b]) => b.x < box.x + 4 || b.x + b.width > box.x + box.width - 4
                       || b.y < box.y || b.y + b.height > box.y + box.height)
    .map(([t]) => t);
});
"""


@pytest.mark.parametrize("name", ["learning-path.svg", "learning-path-narrow.svg"])
def test_learning_path_text_stays_inside_its_boxes(site, browser, name):
    _, _, base, _ = site
    browser.get(f"{base}assets/{name}")
    outside = browser.execute_script(FITS)
    assert browser.execute_script("return document.querySelectorAll('g.stage').length") == 6
    assert not outside, f"{name}: text outside its box: {outside}"


def test_404_page_shows_without_errors_at_any_depth(site, browser):
    """The server's page for a missing address, one level down or three: no asset to miss."""
    from selenium.webdriver.common.by import By

    folder, _, _, _ = site
    asked = ["/no-such-page/", "/chapters/no/such/page/"]
    with serve(folder) as (base, missing):  # a server of its own: these 404s are on purpose
        browser.get_log("browser")
        for path in asked:
            browser.get(base + path.lstrip("/"))
            assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
        errors = [
            e["message"]
            for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and not any(path in e["message"] for path in asked)
        ]
    assert missing == asked, f"the 404 page asked for files: {missing}"
    assert not errors, errors
