"""The ``.ipynb`` a reader downloads from a chapter: it must work where it lands.

The chapter's Markdown becomes a notebook (jupytext) with two changes: a first cell that installs
what the code imports (PyTorch pinned first, then the wheel of ``dlcourse`` that the site was
built with, from the site itself), and links that point at the published site instead of at
``.md`` files that exist only in the repository.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import nbformat

# [text](target) and ![alt](target "title"); href="..." and src="..." in raw HTML.
_MD_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)")
_HTML_LINK = re.compile(r"""((?:href|src)\s*=\s*["'])([^"']+)""")

# The first cell: run by a reader in Jupyter. Automated runners (nbclient) skip it by its tag:
# they run in an environment that has the packages already.
INSTALL_CELL = """\
# Run this cell once: it installs what this chapter imports. PyTorch first, pinned to the
# version the site was built with (pip would otherwise take the newest, with gigabytes of CUDA
# libraries; for a CPU-only build, add --index-url https://download.pytorch.org/whl/cpu), then
# the book's package, dlcourse: the wheel that the site ran this page with.
# No Jupyter yet? In a terminal: pip install notebook && jupyter notebook {notebook}
# This notebook is a chapter of {site_name}; read it with its outputs at {page_url}
%pip install {torch}
%pip install {wheel}"""
INSTALL_TAG = "dl-install"


def rewrite_links(text: str, resolve: Callable[[str], str | None]) -> str:
    """Replace every relative link target in ``text`` by ``resolve(target)`` when not None."""

    def replace(match: re.Match) -> str:
        target = match.group(2)
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith(("#", "/")):
            return match.group(0)
        new = resolve(target)
        return match.group(1) + (new if new is not None else target)

    return _HTML_LINK.sub(replace, _MD_LINK.sub(replace, text))


def link_resolver(
    src_uri: str, url_of: Callable[[str], str | None], site_url: str
) -> Callable[[str], str | None]:
    """A ``resolve`` for :func:`rewrite_links`: a link relative to the page ``src_uri`` (as
    written in ``docs/``) becomes the absolute URL of its target on the site, anchor kept.

    ``url_of(docs_path)`` gives a file's URL relative to the site root, or None if no such file.
    """
    base = site_url.rstrip("/") + "/"

    def resolve(target: str) -> str | None:
        path, _, anchor = target.partition("#")
        docs_path = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path))
        url = url_of(docs_path)
        if url is None:
            return None
        return base + url + (f"#{anchor}" if anchor else "")

    return resolve


def build_notebook(
    page_path: str,
    resolve: Callable[[str], str | None],
    *,
    torch_version: str,
    wheel_url: str,
    site_name: str,
    page_url: str,
) -> nbformat.NotebookNode:
    """The downloadable notebook of the chapter at ``page_path``.

    Its cells are the build's and the tests' (``docs_blocks.notebook``); a block the page marks
    to skip carries nbclient's ``skip-execution`` tag and its reason as a comment.
    """
    import docs_blocks

    notebook = docs_blocks.notebook(Path(page_path))
    # The prose as this build filled it in ({{ expr:fmt }} replaced by the computed values):
    # the numbers a reader downloads are the ones the site shows.
    run = docs_blocks.cached_run(Path(page_path))
    if run is not None:
        # strict=False: the executed notebook ends with one more cell, the provenance line.
        for cell, ran in zip(notebook.cells, run.notebook.cells, strict=False):
            if cell.cell_type == ran.cell_type == "markdown":
                cell.source = ran.source
    # A conditional skip (no CUDA, no C++ compiler) is decided where the page runs: the
    # download skips what this build skipped, and says when to skip the rest.
    skipped_here = None
    if run is not None:
        ran_code = [c for c in run.notebook.cells if c.cell_type == "code"]
        skipped_here = [docs_blocks.SKIP_TAG in c.metadata.get("tags", []) for c in ran_code]
    code_index = -1
    for cell in notebook.cells:
        if cell.cell_type == "code":
            code_index += 1
        meta = cell.metadata.pop("dlcourse", None)
        if meta and meta["skip"] is not None:
            condition, reason = meta["skip"]
            skipped = (
                skipped_here[code_index]
                if skipped_here is not None and code_index < len(skipped_here)
                else True
            )
            when = "" if condition == "True" else f" when {condition}"
            if skipped:
                cell.metadata.setdefault("tags", []).append(docs_blocks.SKIP_TAG)
                cell.source = f"# Skipped on the site{when}: {reason}\n{cell.source}"
            else:
                cell.source = f"# Skip this cell{when}: {reason}\n{cell.source}"
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, resolve)
    install = nbformat.v4.new_code_cell(
        INSTALL_CELL.format(
            notebook=Path(page_path).with_suffix(".ipynb").name,
            site_name=site_name,
            page_url=page_url,
            torch=f"torch=={torch_version}" if torch_version else "torch",
            wheel=wheel_url or "dlcourse",
        ),
        metadata={"tags": [INSTALL_TAG, docs_blocks.SKIP_TAG]},
    )
    if notebook.nbformat_minor < 5:
        del install["id"]  # cell ids arrived with nbformat 4.5
    notebook.cells.insert(0, install)
    # The jupytext pairing is the repository's business; the reader gets a plain notebook.
    notebook.metadata.pop("jupytext", None)
    return notebook
