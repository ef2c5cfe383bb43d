"""The build's one seam: every use of something MkDocs, mkdocs-jupyter, nbconvert, Material,
jupytext or IPython does not promise to keep. The rest of ``overrides/`` calls these names.

Checked against MkDocs 1.6.1, mkdocs-jupyter 0.26.3, nbconvert 7.17.2, Material for MkDocs
9.8.2, jupytext 1.19.7 and IPython's traceback format of 2025 (``CHECKED_AGAINST``).
``tests/test_adapters.py`` has one test per entry, run against the installed packages: after an
upgrade, a failing test names the entry that moved. What to do then is written at each entry.
Entries that are documented public API (MkDocs' ``File``, ``Files``, ``page.toc``, event
priorities; mkdocs-jupyter's options; Material's ``data-search-exclude`` and ``no-copy``) are
listed too when the build depends on their exact spelling.

The executor's entries (``IPYTHON_CELL_LINE``, ``fence_tags``) only shape failure messages and
the docs guard, never a stored run, so they are not part of ``docs_blocks.EXECUTOR_VERSION``.
"""

from __future__ import annotations

import re
from pathlib import Path

CHECKED_AGAINST = {
    "mkdocs": "1.6.1",
    "mkdocs-jupyter": "0.26.3",
    "nbconvert": "7.17.2",
    "mkdocs-material": "9.8.2",
    "jupytext": "1.19.7",
}

# --- MkDocs ------------------------------------------------------------------------------------


def link_processor(page, files, config):
    """MkDocs' own resolver of a Markdown page's links, for a chapter's links.

    A private class, ``mkdocs.structure.pages._RelativePathTreeprocessor``: ``path_to_url(url)``
    rewrites ``foo.md#x`` to ``../foo/#x`` and warns on a missing target, and
    ``links_to_anchors`` records the links to anchors that MkDocs checks after all pages.
    If it changes: copy MkDocs' ``path_to_url`` here (it is about 80 lines), keeping its warnings.
    """
    from mkdocs.structure.pages import _RelativePathTreeprocessor

    return _RelativePathTreeprocessor(page.file, files, config)


def record_anchors(page, present: set[str], links_to_anchors) -> None:
    """Hand a chapter's anchors and its links to anchors to MkDocs' check of anchor links.

    ``Page.validate_anchor_links`` (MkDocs >= 1.6) reads ``page.present_anchor_ids`` and
    ``page.links_to_anchors``, attributes that ``Page.render`` sets for a Markdown page and that
    are not documented. If they change, a broken ``#anchor`` link would go unreported: check the
    anchors here instead, after all pages (``on_post_build``), with the same warning text.
    """
    page.present_anchor_ids = present
    page.links_to_anchors = links_to_anchors


def render_from(page, notebook: Path) -> None:
    """Make mkdocs-jupyter render ``notebook`` (the executed run) for this page.

    ``page.file.abs_src_path`` is public, but replacing it between MkDocs' ``on_pre_page`` and
    mkdocs-jupyter's is not: mkdocs-jupyter reads the path again when it renders. If it stops
    doing so, render the notebook in this hook instead (see "If mkdocs-jupyter goes" in
    docs/how-this-book-is-built.md). mkdocs.yml's ``include`` must match the new path
    (``chapters/*.ipynb``): mkdocs-jupyter asks ``should_include`` again, of that path.
    """
    page.file.abs_src_path = str(notebook)


# mkdocs-jupyter's ``on_pre_page`` has the default priority (0); the hook that executes a chapter
# and calls ``render_from`` must run first.
BEFORE_MKDOCS_JUPYTER = 50

# --- mkdocs-jupyter ----------------------------------------------------------------------------

PLUGIN_NAMES = ("mkdocs-jupyter", "mkdocs_jupyter")  # the entry point's names in mkdocs.yml


def jupyter_plugin(config):
    """The mkdocs-jupyter plugin object of this build (``config["plugins"]`` is public)."""
    for name, plugin in config["plugins"].items():
        if name in PLUGIN_NAMES:
            return plugin
    raise RuntimeError("mkdocs.yml must enable the mkdocs-jupyter plugin")


def jupyter_executes(plugin) -> bool:
    """Whether mkdocs-jupyter would execute the notebooks itself (its documented ``execute``)."""
    return bool(plugin.config["execute"])


def renders_as_notebook(page) -> bool:
    """Whether mkdocs-jupyter took this page over: its ``on_files`` wraps each such file in a
    ``mkdocs_jupyter.plugin.NotebookFile``. Asking ``plugin.should_include`` instead would read
    and parse the page once more with jupytext. If the class goes, use ``should_include``.
    """
    from mkdocs_jupyter.plugin import NotebookFile

    return isinstance(page.file, NotebookFile)


# The attribute mkdocs-jupyter sets on every page it renders (the notebook's URL). Read here
# and by ``overrides/partials/actions.html`` (``{% if page.nb_url %}``): change both together.
NB_URL_ATTRIBUTE = "nb_url"


def is_rendered_notebook(page) -> bool:
    """Whether mkdocs-jupyter rendered this page (it set ``page.nb_url``)."""
    return bool(getattr(page, NB_URL_ATTRIBUTE, None))


# mkdocs-jupyter's template (templates/mkdocs_html/notebook.html.j2, nbconvert2.py): a page's
# notebook sits in ``div.jupyter-wrapper``; a code cell's input is ``div.highlight-ipynb`` with
# ``hl-<language>``; its copy button and the copy of the source it keeps, and the cell's tags
# shown above it, are these three. If they change, ``notebook_page`` misses them silently; the
# tests of this module say which.
NOTEBOOK_WRAPPER_CLASS = "jupyter-wrapper"
CODE_INPUT = "div.highlight-ipynb"
LANGUAGE_CLASS_PREFIX = "hl-"
COPY_BUTTON_AND_TAGS = (".zeroclipboard-container", ".clipboard-copy-txt", ".celltoolbar")

# --- nbconvert (its "lab" template, which mkdocs-jupyter extends) -------------------------------
# A cell is ``div.jp-Cell`` with ``jp-CodeCell`` or ``jp-MarkdownCell`` and one ``celltag_<tag>``
# class per tag; Markdown renders into ``.jp-RenderedMarkdown``; each output is a
# ``.jp-OutputArea-output`` carrying ``data-mime-type``; headings end with ``a.anchor-link``.
# The page keeps these names after ``notebook_page.restyle`` simplifies a cell, so
# docs/assets/notebook.css, solutions.js and keyboard.js use them too. If nbconvert renames
# them, map the new names to these in ``notebook_page._simplify_cells`` and nothing else moves.
CELL_CLASS = "jp-Cell"
CODE_CELL_CLASS = "jp-CodeCell"
MARKDOWN_CELL_CLASS = "jp-MarkdownCell"
RENDERED_MARKDOWN_CLASS = "jp-RenderedMarkdown"
OUTPUT_AREA_CLASS = "jp-OutputArea"  # the one wrapper ``_simplify_cells`` keeps around outputs
OUTPUT_CLASS = "jp-OutputArea-output"
MIME_TYPE_ATTRIBUTE = "data-mime-type"
CELL_TAG_PREFIX = "celltag_"
HEADING_ANCHOR = "a.anchor-link"
# An image output, inlined by nbconvert as a base64 ``data:`` URI in ``src``.
INLINE_IMAGE = re.compile(r'src="data:image/(png|jpeg|gif|svg\+xml);base64,([A-Za-z0-9+/=\s]+)"')


def raw_html_cell(source: str):
    """A notebook cell whose source nbconvert puts into the page as HTML, unescaped.

    nbconvert's HTML exporter includes a raw cell when its ``metadata.format`` (older spelling
    of ``raw_mimetype``) is one of its ``raw_mimetypes``: ``text/html`` is. If that changes,
    set ``metadata.raw_mimetype`` too.
    """
    import nbformat

    return nbformat.v4.new_raw_cell(metadata={"format": "text/html"}, source=source)


# --- Material for MkDocs -----------------------------------------------------------------------
# A code block as Material's stylesheet and script expect it: pymdownx.highlight's markup for a
# fence (``language-x`` as with its ``pygments_lang_class``). Colours in both palettes, and the
# copy button, follow. If pymdownx changes it, copy the new markup here.
MATERIAL_CODE_BLOCK = (
    '<div class="language-{language} highlight"><pre><span></span><code>{code}</code></pre></div>'
)
HEADERLINK_CLASS = "headerlink"  # a heading's permalink, styled by Material (Python-Markdown toc)
NO_COPY_CLASS = "no-copy"  # documented: Material adds no copy button to such a block
SEARCH_EXCLUDE = "data-search-exclude"  # documented: Material's search skips the element
# Material's stylesheet gives each of these groups of Pygments classes one colour (``.highlight
# .s, .highlight .s1 ... {color: var(--md-code-hl-string-color)}``): ``dlsite/highlight.py``
# marks a token with the group's first class only. If Material regroups, update the groups
# from its ``main.*.min.css`` (the test prints the new grouping).
COLOUR_GROUPS = {
    "s": "s s1 s2 sb sc si ss l cpf",
    "se": "se sh sr sx cp",
    "k": "k kd kn kp kr kt nd ni nl nt",
    "nb": "nb bp no",
    "nf": "nf nc ne nn",
    "c": "c c1 ch cm cs sd",
}
GENERIC_CLASSES = "ge gh go gp gr gs gt gu gd gi".split()  # Pygments' generic tokens: own look
# Templates that ``overrides/partials/`` replaces: the sha256 of Material's own version that each
# override was written from. When Material changes one, compare and carry its change over, then
# record the new hash.
OVERRIDDEN_PARTIALS = {
    "partials/actions.html": "1bcd66d6f428194e9b9842764f0a5f7a5b3679d008e9d2e5b75b5ba344c39073",
    "partials/search.html": "bfd556535abcddb99396ab2a7e3acc2ebcd3f36756007d3969396caa4126be30",
}
# A feature flag in Material's script bundle but not in its documentation (mkdocs.yml turns it
# on: code blocks set up as they come into view). If it goes, blocks are set up at load again.
LAZY_FEATURE = "content.lazy"

# --- The executor: jupytext and IPython --------------------------------------------------------
# IPython names the failing line of a cell "Cell In[7], line 3" in a traceback: the executor
# turns it into page:line. If the wording changes, failures name the fence's line instead.
IPYTHON_CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")


def fence_tags(info: str) -> list[str]:
    """The jupytext ``tags=[...]`` of a fence's info string (``python tags=["checks"]``).

    ``jupytext.cell_metadata.text_to_metadata`` is jupytext's own reader of that string, not in
    its documented API. If it moves, read the tags from ``jupytext.reads`` of the page instead.
    """
    from jupytext.cell_metadata import text_to_metadata

    try:
        _, metadata = text_to_metadata(info, allow_title=True)
    except Exception:  # malformed metadata: the guard reports it through jupytext's reading
        return []
    return list(metadata.get("tags", []))
