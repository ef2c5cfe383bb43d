"""MkDocs hooks that execute the chapters: one reading of a page, shared with the tests.

1. Every chapter is executed here, by ``docs_blocks.cached_execute``: the same reading of the
   page and the same executor as ``pytest``, so the two run exactly the same cells, and one
   skip marker (``<!--pytest.mark.skip(reason="...")-->``) holds for both. mkdocs-jupyter
   then renders the executed notebook (its own ``execute`` is off: a chapter never runs twice).
2. The executed notebook is stored, keyed on the page and on the source of every ``dlcourse``
   module the run imported: editing one module re-runs only the chapters that import it, and
   ``pytest`` after a build reuses the build's runs.
3. A failing cell fails ``mkdocs build`` with its page and line. Under ``mkdocs serve`` the
   chapter is rendered instead as a page that shows the failure (page, line, error, traceback)
   above the cells that ran, and the server goes on serving the other pages.
4. ``mkdocs serve`` watches ``src/dlcourse`` too, so an edit to the package reaches the page.
"""

from __future__ import annotations

import html
import logging
import shutil
import sys
from pathlib import Path

import mkdocs.plugins

sys.path.insert(0, str(Path(__file__).resolve().parent))  # hooks are loaded by file path
import docs_blocks  # noqa: E402
from dlsite import adapters  # noqa: E402  (every internal of MkDocs and mkdocs-jupyter used)

log = logging.getLogger("mkdocs.hooks.dlcourse")

ROOT = docs_blocks.ROOT
SOURCES = docs_blocks.PACKAGE
# Where the notebook that mkdocs-jupyter renders is put, one per page. Its name is the page's,
# so the "download notebook" link that mkdocs-jupyter derives from it is right.
RENDERED = ROOT / ".cache" / "rendered"

_serving = False


class ChapterExecutionError(RuntimeError):
    """A chapter's code block raised while the site was being built."""


def on_startup(command, dirty):
    global _serving
    _serving = command == "serve"


def on_pre_build(config):
    docs_blocks.begin_build()  # each page is read once per build (see docs_blocks)


def on_config(config):
    if adapters.jupyter_executes(adapters.jupyter_plugin(config)):
        raise RuntimeError(
            "mkdocs.yml: set mkdocs-jupyter's `execute: false`; overrides/hooks.py executes "
            "the chapters (with the tests' reading of each page) and hands over the results"
        )
    return config


def on_serve(server, config, builder):
    server.watch(str(SOURCES))
    return server


def error_cell(failure: docs_blocks.Failure):
    """A cell that shows a failure at the top of a page served by ``mkdocs serve``.

    A raw HTML cell, not Markdown: the traceback's blank lines must not end the HTML block.
    """
    return adapters.raw_html_cell(
        '<div class="admonition failure dl-build-error">\n'
        '<p class="admonition-title">This page failed to build</p>\n'
        f"<p><code>{html.escape(failure.where)}</code>: "
        f"<strong>{html.escape(failure.ename)}</strong>: {html.escape(failure.evalue)}</p>\n"
        f"<pre>{html.escape(failure.traceback)}</pre>\n"
        "<p>The cells before the failing one ran and are shown below; the rest did not run. "
        "<code>mkdocs build --strict</code> and <code>pytest</code> fail on this page.</p>\n"
        "</div>",
    )


def _rendered_path(page_src: Path, docs_dir: Path) -> Path:
    return RENDERED / page_src.relative_to(docs_dir).with_suffix(".ipynb")


@mkdocs.plugins.event_priority(adapters.BEFORE_MKDOCS_JUPYTER)
def on_pre_page(page, config, files):
    import nbformat

    if not adapters.renders_as_notebook(page):
        return page
    source = Path(page.file.abs_src_path)
    if not config["extra"].get("dlcourse_execute", True):  # a test build of the page machinery
        run = docs_blocks.Run(source, docs_blocks.notebook(source), 0, [], None, 0.0, [])
    else:
        run = docs_blocks.cached_execute(source)
    nb = run.notebook
    if run.failure is not None:
        if not _serving:
            raise ChapterExecutionError(
                f"{run.failure.where}: a code block failed while building the page "
                f"({run.failure.ename}: {run.failure.evalue})\n{run.failure.traceback}"
            )
        log.error("%s: %s: %s", run.failure.where, run.failure.ename, run.failure.evalue)
        nb.cells.insert(
            1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, error_cell(run.failure)
        )
    else:
        what = "reused" if run.cached else "executed"
        log.info(
            "%s %s (%d cells, %.1f s of CPU)", what, source.name, run.executed, run.cpu_seconds
        )
    target = _rendered_path(source, Path(config["docs_dir"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    adapters.render_from(page, target)  # mkdocs-jupyter renders what ran, from here
    return page


def on_post_build(config):
    shutil.rmtree(RENDERED, ignore_errors=True)
