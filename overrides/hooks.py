"""MkDocs hooks that make the built site honest and self-contained.

1. The executed-notebook cache is keyed on the package source too. mkdocs-jupyter's own key is
   the page bytes and its config, so an edit in ``src/dlcourse`` would keep serving the old
   outputs. We point its ``cache_dir`` at a folder named by a hash of ``src/``: a change there
   means an empty cache, and every chapter runs again.
2. A cell that fails at build time is reported with its page and the line of its code block,
   as the test suite reports it (nbclient alone prints the cell, not where it lives).

What only the built site needs (MathJax, the notebooks, light pages) is in ``site_hooks.py``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.dlcourse")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src" / "dlcourse"


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
