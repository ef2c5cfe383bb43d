"""MkDocs hooks for what only the built site needs (the execution side is in ``hooks.py``).

1. MathJax is served from the site itself (copied from the ``jupyter-server-mathjax`` package),
   so equations typeset offline.
2. Every chapter is also written as an ``.ipynb`` beside its page, for the download button.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import jupytext

log = logging.getLogger("mkdocs.hooks.dlcourse.site")

MATHJAX_DEST = "assets/mathjax"
# Loaded by the `local/dlcourse` entry of the MathJax URL in mkdocs.yml.
MATHJAX_LOCAL_CONFIG = """\
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/dlcourse.js");
"""


def _copy_mathjax(site_dir: Path) -> None:
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = site_dir / MATHJAX_DEST
    if dest.exists():
        shutil.rmtree(dest)
    # Localisations are not needed for an English site and are a sixth of the size.
    shutil.copytree(static, dest, ignore=shutil.ignore_patterns("localization"))
    # The package carries the STIX-Web fonts only: without this, MathJax asks for its TeX
    # fonts, gets 404s and falls back to whatever the system has.
    local = dest / "config" / "local"
    local.mkdir(parents=True, exist_ok=True)
    (local / "dlcourse.js").write_text(MATHJAX_LOCAL_CONFIG, encoding="utf-8")


def _write_notebooks(config) -> None:
    docs = Path(config["docs_dir"])
    site = Path(config["site_dir"])
    for page in sorted((docs / "chapters").glob("*.md")):
        notebook = jupytext.read(page)
        target_dir = site / "chapters" / page.stem
        target_dir.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target_dir / f"{page.stem}.ipynb", fmt="ipynb")


def on_post_build(config):
    _copy_mathjax(Path(config["site_dir"]))
    _write_notebooks(config)
    log.info("dlcourse: copied MathJax and wrote chapter notebooks")
