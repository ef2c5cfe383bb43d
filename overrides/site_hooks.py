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
4. MathJax is served from the site itself (copied from the ``jupyter-server-mathjax`` package),
   so equations typeset offline.
5. Every chapter is also written as an ``.ipynb`` beside its page, for the download button, with
   an install cell first and its links pointing at the published site (``dlsite/download.py``).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import jupytext
from bs4 import BeautifulSoup

log = logging.getLogger("mkdocs.hooks.dlcourse.site")
HERE = Path(__file__).resolve().parent


def _load_package():
    """Import ``overrides/dlsite``, the helpers next to this file (hooks are not on sys.path)."""
    for name in [n for n in sys.modules if n == "dlsite" or n.startswith("dlsite.")]:
        del sys.modules[name]  # `mkdocs serve` reloads the hooks: reload the helpers too
    spec = importlib.util.spec_from_file_location(
        "dlsite", HERE / "dlsite" / "__init__.py", submodule_search_locations=[str(HERE / "dlsite")]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["dlsite"] = package
    spec.loader.exec_module(package)
    return package


_load_package()
from dlsite import download, notebook_page  # noqa: E402  (importable only once loaded)

MATHJAX_DEST = "assets/mathjax"
# Loaded by the `local/dlcourse` entry of the MathJax URL in mkdocs.yml.
# - The package carries the STIX-Web fonts only: without `webFont`, MathJax asks for its TeX
#   fonts, gets 404s and falls back to whatever the system has.
# - MathJax's HTML-CSS output declares a font "MathJax_Blank" with `src: url('about:blank')`,
#   which it puts last in the font stack while web fonts load. Chromium refuses to fetch a font
#   from about:blank ("blocked by CORS policy", net::ERR_FAILED: two console errors on every
#   page). A `local()` source names a font that is simply not installed: the same empty
#   fallback, and no request at all.
MATHJAX_LOCAL_CONFIG = """\
MathJax.Hub.Config({
  "HTML-CSS": {
    availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
    styles: {"@font-face": {"font-family": "MathJax_Blank", src: "local('MathJax_Blank')"}}
  }
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/dlcourse.js");
"""

_files = None  # the build's files, kept by on_files for the notebook links


def on_files(files, config):
    global _files
    _files = files
    return files


def _resolve_links(soup, page, files, config, skip: set[str]):
    """Check and rewrite every link of a chapter as MkDocs does for a Markdown page.

    MkDocs' own link processor is reused (a private class of ``mkdocs.structure.pages``): the
    same resolution, the same warnings (so ``--strict`` fails), and the same record of links to
    anchors, which MkDocs checks after all pages are built.
    """
    from mkdocs.structure.pages import _RelativePathTreeprocessor

    processor = _RelativePathTreeprocessor(page.file, files, config)
    for tag, key in (("a", "href"), ("img", "src")):
        for element in soup.find_all(tag, attrs={key: True}):
            if element[key] not in skip:
                element[key] = processor.path_to_url(element[key])
    page.links_to_anchors = processor.links_to_anchors


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


def on_page_content(html, page, config, files):
    if not getattr(page, "nb_url", None):  # set by mkdocs-jupyter on the pages it renders
        return html
    html, images = notebook_page.extract_images(html)
    soup = BeautifulSoup(html, "html.parser")
    notebook_page.strip_inline_assets(soup)
    notebook_page.restyle(soup)
    _resolve_links(soup, page, files, config, skip={image.name for image in images})
    page.present_anchor_ids = notebook_page.anchor_ids(soup)
    _check_toc(page, page.present_anchor_ids)
    out_dir = Path(page.file.abs_dest_path).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    for image in images:
        (out_dir / image.name).write_bytes(image.data)
    return str(soup)


def _copy_mathjax(site_dir: Path) -> None:
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = site_dir / MATHJAX_DEST
    if dest.exists():
        shutil.rmtree(dest)
    # Localisations are not needed for an English site (a sixth of the size), and the package's
    # SVG output has fonts but no output code: MathJax never loads them (2.9 MB).
    shutil.copytree(
        static,
        dest,
        ignore=lambda folder, names: [
            n for n in names if n == "localization" or (n == "SVG" and folder.endswith("output"))
        ],
    )
    local = dest / "config" / "local"
    local.mkdir(parents=True, exist_ok=True)
    (local / "dlcourse.js").write_text(MATHJAX_LOCAL_CONFIG, encoding="utf-8")


def _torch_pin() -> str:
    """The torch version of this build, without a local tag (``2.13.0+cpu`` -> ``2.13.0``)."""
    try:
        return metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return ""


def _repository(config) -> str:
    """The repository's URL, from the absolute ``edit_uri`` (the site sets no ``repo_url``)."""
    if config.get("repo_url"):
        return config["repo_url"].rstrip("/")
    match = re.match(r"(https?://[^/]+/[^/]+/[^/]+)/", config.get("edit_uri") or "")
    return match.group(1) if match else ""


def _write_notebooks(config, files) -> None:
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
            repository=_repository(config),
            site_name=config["site_name"],
            page_url=resolve(page.name) or site_url,
        )
        target_dir = site / "chapters" / page.stem
        target_dir.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target_dir / f"{page.stem}.ipynb", fmt="ipynb")


def on_post_build(config):
    _copy_mathjax(Path(config["site_dir"]))
    _write_notebooks(config, _files)
    log.info("dlcourse: copied MathJax and wrote chapter notebooks")
