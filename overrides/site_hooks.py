"""MkDocs hooks for what only the built site needs (the execution side is in ``hooks.py``).

1. Chapter pages are made light and consistent with Material's plain pages
   (``dlsite/notebook_page.py``): figures become files, nbconvert's inline stylesheet and
   scripts go, code gets Material's markup and copy button, cells tagged ``checks`` fold away.
2. Links in chapter pages are checked and rewritten exactly as MkDocs does it for Markdown pages
   (``foo.md`` -> ``../foo/``), and the page's anchors are registered: a broken link or anchor in
   a chapter is a warning, so ``mkdocs build --strict`` fails on it, as on any other page.
3. Provenance: after a chapter's last cell, the executor (``docs_blocks.execute``) runs one
   more cell in the page's own kernel, which reports the date, the Python, PyTorch and NumPy
   versions and the device; the page shows it as one line at its end.
4. Math is typeset here, at build time, as MathML (``dlsite/math.py``, with Temml under
   Node.js): no typesetter runs in the reader's browser, and nothing is fetched from a CDN. The
   site serves Temml's stylesheet and the Latin Modern Math font.
5. The site serves the wheel of ``dlcourse`` that the build executed the pages with
   (``dlsite/wheel.py``), and every chapter is also written as an ``.ipynb`` beside its page,
   for the download button, whose first cell installs that wheel from the site and whose links
   point at the published site (``dlsite/download.py``).
6. Every page's HTML loses the indentation between its tags (outside ``pre``, scripts and
   styles): a few KB per page that a browser renders as one space anyway; and the marks that
   kept outputs and checks out of the search index, which has been written by then.
7. ``404.html`` is one self-contained page (inline style, no script): it works at whatever
   depth and on whatever host the server shows it.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import jupytext
from bs4 import BeautifulSoup
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.dlcourse.site")
HERE = Path(__file__).resolve().parent


# Hooks are loaded by file path: their folder goes on sys.path, as hooks.py does for the
# executor, and the helpers are imported as the package they are. `mkdocs serve` reloads the
# hooks on a change: the helpers are reloaded with them.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
for _name in [n for n in sys.modules if n == "dlsite" or n.startswith("dlsite.")]:
    del sys.modules[_name]
from dlsite import adapters, download, math, notebook_page, squeeze, wheel  # noqa: E402

MATH_DEST = "assets/math"  # Temml's stylesheet, its font and the math font (docs/: the licence)
WHEEL_DEST = "assets"  # site/assets/dlcourse-<version>-py3-none-any.whl
_files = None  # the build's files, kept by on_files for the notebook links
_math_characters: set[str] = set()  # what the typeset math draws: the font keeps those glyphs


def on_pre_build(config):
    _math_characters.clear()


def on_config(config):
    """The math typesetter must be there: install it (``npm ci``) if Node.js is but it is not."""
    if math.node_problem() and shutil.which("npm") and shutil.which("node"):
        log.info("dlcourse: installing the math typesetter (npm ci, once)")
        math.install()
    problem = math.node_problem()
    if problem:
        raise PluginError(f"cannot typeset the math: {problem}")
    return config


def on_files(files, config):
    global _files
    # The theme folder holds the build's own helpers (dlsite/): none of them is part of the site.
    for file in [f for f in files if f.src_uri.startswith("dlsite/")]:
        files.remove(file)
    _files = files
    return files


def _resolve_links(soup, page, files, config, skip: set[str]):
    """Check and rewrite every link of a chapter as MkDocs does for a Markdown page.

    MkDocs' own link processor is reused (``adapters.link_processor``): the same resolution,
    the same warnings (so ``--strict`` fails), and the same record of links to anchors, which
    MkDocs checks after all pages are built. Returns that record.
    """
    processor = adapters.link_processor(page, files, config)
    for tag, key in (("a", "href"), ("img", "src")):
        for element in soup.find_all(tag, attrs={key: True}):
            if element[key] not in skip:
                element[key] = processor.path_to_url(element[key])
    return processor.links_to_anchors


def _check_toc(page, anchors: set[str]) -> None:
    """Every entry of the chapter's table of contents must point at a heading on the page."""
    stack = list(page.toc or [])
    while stack:
        item = stack.pop()
        stack.extend(item.children)
        anchor = item.url.lstrip("#")
        if anchor not in anchors:
            log.warning(
                f"Doc file '{page.file.src_uri}': the table of contents links to "
                f"'#{anchor}', but the page has no such anchor."
            )


def _typeset(root, page) -> None:
    """Typeset the math under ``root``; an expression that fails is a warning (strict fails)."""
    try:
        failures = math.typeset(root, math.temml)
    except math.TypesetError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from error
    for piece, error in failures:
        log.warning(f"Doc file '{page.file.src_uri}': cannot typeset {piece.source!r}: {error}")
    for node in root.find_all("math"):
        _math_characters.update(node.get_text())


def _typeset_toc(page) -> None:
    """Section titles with math (``## Why divide by $\\sqrt{d_k}$``) in the contents too."""
    stack = list(page.toc or [])
    while stack:
        item = stack.pop()
        stack.extend(item.children)
        if "$" in item.title or "\\(" in item.title:
            soup = BeautifulSoup(item.title, "html.parser")
            _typeset(soup, page)
            item.title = str(soup)


def on_page_content(html, page, config, files):
    if not adapters.is_rendered_notebook(page):
        if "arithmatex" not in html:
            return html
        soup = BeautifulSoup(html, "html.parser")  # a plain page: its math is marked by arithmatex
        for node in soup.select(".arithmatex"):
            _typeset(node, page)
            node["class"] = [c for c in node.get("class", []) if c != "arithmatex"]
        return str(soup)
    html, images = notebook_page.extract_images(html)
    soup = BeautifulSoup(html, "html.parser")
    notebook_page.strip_inline_assets(soup)
    notebook_page.restyle(soup)
    _typeset(soup, page)
    _typeset_toc(page)
    links_to_anchors = _resolve_links(soup, page, files, config, {i.name for i in images})
    anchors = notebook_page.anchor_ids(soup)
    adapters.record_anchors(page, anchors, links_to_anchors)
    _check_toc(page, anchors)
    out_dir = Path(page.file.abs_dest_path).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    for image in images:
        (out_dir / image.name).write_bytes(image.data)
    return str(soup)


def _torch_pin() -> str:
    """The torch version of this build, without a local tag (``2.13.0+cpu`` -> ``2.13.0``)."""
    try:
        return metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return ""


def _wheel(config) -> str:
    """Copy the wheel of the executed ``dlcourse`` into the site; returns its absolute URL."""
    built = wheel.build()
    target = Path(config["site_dir"]) / WHEEL_DEST / built.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, target)
    return (config["site_url"] or "").rstrip("/") + f"/{WHEEL_DEST}/{built.name}"


def _write_notebooks(config, files, wheel_url: str) -> None:
    docs = Path(config["docs_dir"])
    site = Path(config["site_dir"])
    site_url = config["site_url"] or ""

    def url_of(docs_path: str) -> str | None:
        file = files.get_file_from_path(docs_path) if files is not None else None
        return file.url if file is not None else None

    for page in sorted((docs / "chapters").glob("*.md")):
        src_uri = page.relative_to(docs).as_posix()
        resolve = download.link_resolver(src_uri, url_of, site_url)
        notebook = download.build_notebook(
            str(page),
            resolve,
            torch_version=_torch_pin(),
            wheel_url=wheel_url,
            site_name=config["site_name"],
            page_url=resolve(page.name) or site_url,
        )
        target_dir = site / "chapters" / page.stem
        target_dir.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target_dir / f"{page.stem}.ipynb", fmt="ipynb")


# The mark that keeps a block out of the search index (dlsite/notebook_page.py). Material's search
# has read the page's content by now (on_page_context); the page itself does not need it.
_SEARCH_MARK = re.compile(rf"(<(?:div|details)\b[^>]*?) {adapters.SEARCH_EXCLUDE}(?=[\s>])")


def on_post_page(output, page, config):
    return squeeze.squeeze(_SEARCH_MARK.sub(r"\1", output))


NOT_FOUND = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Page not found - {site_name}</title>
<link rel="icon" href="data:,">
<style>
:root {{ color-scheme: light dark; }}
body {{ margin: 0; font: 1rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1f1f1f; background: #fff; }}
header {{ background: #3f51b5; color: #fff; padding: 0.8rem 1.2rem; font-weight: 700; }}
main {{ max-width: 38rem; margin: 2rem auto; padding: 0 1.2rem; }}
a {{ color: #303fa1; text-decoration: underline; }}
@media (prefers-color-scheme: dark) {{
  body {{ color: #e2e4e9; background: #1e2129; }}
  header {{ background: #283593; }}
  a {{ color: #9fa8f5; }}
}}
</style>
</head>
<body>
<header>{site_name}</header>
<main>
<h1>Page not found</h1>
<p>There is no page at this address. The book starts at its
<a href="{home}">home page</a>, which lists every chapter.</p>
</main>
</body>
</html>
"""


def _write_404(config) -> None:
    """One self-contained page: Material's 404 loads the theme by absolute path (``/dlcourse/...``),
    which breaks wherever the site is not served under that path."""
    home = config["site_url"] or "/"
    (Path(config["site_dir"]) / "404.html").write_text(
        NOT_FOUND.format(site_name=html.escape(config["site_name"]), home=html.escape(home)),
        encoding="utf-8",
    )


def on_post_build(config):
    math.copy_assets(Path(config["site_dir"]), MATH_DEST, _math_characters)
    _write_notebooks(config, _files, _wheel(config))
    _write_404(config)
    log.info("dlcourse: wrote the math stylesheet, the wheel, the notebooks and the 404 page")
