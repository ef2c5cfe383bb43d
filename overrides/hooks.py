"""MkDocs hooks that make the built site honest and self-contained.

1. The executed-notebook cache is keyed on the package source too. mkdocs-jupyter's own key is
   the page bytes and its config, so an edit in ``src/dlcourse`` would keep serving the old
   outputs. We point its ``cache_dir`` at a folder named by a hash of ``src/``: a change there
   means an empty cache, and every chapter runs again.
2. MathJax is served from the site itself (copied from the ``jupyter-server-mathjax`` package),
   so equations typeset offline.
3. Every chapter is also written as an ``.ipynb`` beside its page, for the download button.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import jupytext

log = logging.getLogger("mkdocs.hooks.dlcourse")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src" / "dlcourse"
CACHE_ROOT = ROOT / ".cache" / "mkdocs-jupyter"
MATHJAX_DEST = "assets/mathjax"


def source_hash() -> str:
    """A short hash of every file of the package: it changes whenever the package does."""
    digest = hashlib.sha256()
    for path in sorted(SOURCES.rglob("*.py")):
        digest.update(path.relative_to(SOURCES).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _jupyter_plugin(config):
    for name, plugin in config["plugins"].items():
        if name in {"mkdocs-jupyter", "mkdocs_jupyter"}:
            return plugin
    raise RuntimeError("mkdocs.yml must enable the mkdocs-jupyter plugin")


def on_config(config):
    plugin = _jupyter_plugin(config)
    if plugin.config["cache"]:
        cache_dir = CACHE_ROOT / source_hash()
        plugin.config["cache_dir"] = str(cache_dir)
        # Drop caches of older package versions: they can never be hit again.
        if CACHE_ROOT.is_dir():
            for old in CACHE_ROOT.iterdir():
                if old.is_dir() and old != cache_dir:
                    shutil.rmtree(old, ignore_errors=True)
    return config


def _copy_mathjax(site_dir: Path) -> None:
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = site_dir / MATHJAX_DEST
    if dest.exists():
        shutil.rmtree(dest)
    # Localisations are not needed for an English site and are a sixth of the size.
    shutil.copytree(static, dest, ignore=shutil.ignore_patterns("localization"))


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
