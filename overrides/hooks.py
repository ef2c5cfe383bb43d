"""MkDocs hooks that make the built site honest and self-contained.

1. The executed-notebook cache is keyed on the package source too. mkdocs-jupyter's own key is
   the page bytes and its config, so an edit in ``src/dlcourse`` would keep serving the old
   outputs. We point its ``cache_dir`` at a folder named by a hash of ``src/``: a change there
   means an empty cache, and every chapter runs again.
2. MathJax is served from the site itself (copied from the ``jupyter-server-mathjax`` package),
   so equations typeset offline.
3. Every chapter is also written as an ``.ipynb`` beside its page, for the download button.
4. A cell that fails at build time is reported with its page and the line of its code block,
   as the test suite reports it (nbclient alone prints the cell, not where it lives).
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
MATHJAX_DEST = "assets/mathjax"
# Loaded by the `local/dlcourse` entry of the MathJax URL in mkdocs.yml.
MATHJAX_LOCAL_CONFIG = """\
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/dlcourse.js");
"""


def source_hash(sources: Path = SOURCES) -> str:
    """A short hash of every file of the package: it changes whenever the package does."""
    digest = hashlib.sha256()
    for path in sorted(sources.rglob("*.py")):
        digest.update(path.relative_to(sources).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _jupyter_plugin(config):
    for name, plugin in config["plugins"].items():
        if name in {"mkdocs-jupyter", "mkdocs_jupyter"}:
            return plugin
    raise RuntimeError("mkdocs.yml must enable the mkdocs-jupyter plugin")


class ChapterExecutionError(RuntimeError):
    """A chapter's code block raised while the site was being built."""


def block_line(page: Path, cell_source: str) -> int | None:
    """The 1-based line of the code fence whose body is ``cell_source``, if it is found."""
    lines = page.read_text(encoding="utf-8").splitlines()
    body = cell_source.strip("\n").splitlines()
    if not body:
        return None
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```") and lines[i + 1 : i + 1 + len(body)] == body:
            return i + 1
    return None


def _with_location(nb2html):
    """Wrap mkdocs-jupyter's converter so that a failing cell names its page and line."""
    from nbclient.exceptions import CellExecutionError

    def convert(nb_path, *args, **kwargs):
        try:
            return nb2html(nb_path, *args, **kwargs)
        except CellExecutionError as error:
            text = str(error)
            marker = "------------------"
            source = text.split(marker)[1] if text.count(marker) >= 2 else ""
            line = block_line(Path(nb_path), source)
            where = f"{nb_path}:{line}" if line else str(nb_path)
            raise ChapterExecutionError(
                f"{where}: a code block failed while building the page "
                f"({error.ename}: {error.evalue})\n{text}"
            ) from None

    convert.wrapped = nb2html
    return convert


def on_config(config):
    from mkdocs_jupyter import convert

    if not hasattr(convert.nb2html, "wrapped"):
        convert.nb2html = _with_location(convert.nb2html)
    plugin = _jupyter_plugin(config)
    if plugin.config["cache"]:
        # The configured folder holds one sub-folder per package version (source hash).
        root = Path(plugin.config["cache_dir"])
        root = root if root.is_absolute() else ROOT / root
        cache_dir = root / source_hash()
        plugin.config["cache_dir"] = str(cache_dir)
        # Drop caches of older package versions: they can never be hit again.
        if root.is_dir():
            for old in root.iterdir():
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
