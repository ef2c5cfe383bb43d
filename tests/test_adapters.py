"""Each entry of ``overrides/dlsite/adapters.py`` against the installed MkDocs, mkdocs-jupyter,
nbconvert, Material, jupytext and IPython: a test fails, naming the entry, when what the build
relies on has moved. Everything runs in process on a two-page site (a few seconds), except the
IPython traceback, read from a short subprocess.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import hooks
import nbformat
import pytest
from bs4 import BeautifulSoup
from site_build import ROOT, site_helpers

adapters = site_helpers().adapters
MATERIAL = Path(__import__("material").__file__).parent / "templates"
HEADER = (ROOT / "docs" / "chapters" / "04-linear-regression.md").read_text(encoding="utf-8")
HEADER = "---" + HEADER.split("---")[1] + "---\n"
# A 1x1 PNG: nbconvert inlines an image output as a base64 data: URI.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A two-page MkDocs project with mkdocs-jupyter as mkdocs.yml configures it (no cache)."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    tmp = tmp_path_factory.mktemp("adapters")
    docs = tmp / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\n[One](chapters/01-one.md)\n", encoding="utf-8")
    (docs / "chapters" / "01-one.md").write_text(
        HEADER + "\n# One\n\n## A section\n\n```python\nx = 1\n```\n", encoding="utf-8"
    )
    (tmp / "mkdocs.yml").write_text(
        textwrap.dedent(f"""\
            site_name: tiny
            docs_dir: {docs}
            site_dir: {tmp / "site"}
            plugins:
              - mkdocs-jupyter:
                  include: ["chapters/*.md", "chapters/*.ipynb"]
                  execute: false
                  cache: false
                  include_requirejs: false
                  no_prompt: true
            """),
        encoding="utf-8",
    )
    config = load_config(config_file=str(tmp / "mkdocs.yml"))
    plugin = adapters.jupyter_plugin(config)
    plugin.on_pre_build(config)
    files = plugin.on_files(get_files(config), config)
    return config, plugin, files, tmp


def _page(files, config, src_uri):
    from mkdocs.structure.pages import Page

    return Page(None, files.get_file_from_path(src_uri), config)


def _executed_notebook(path: Path) -> Path:
    """What the hooks hand over: an executed notebook, with what each class name comes from."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    code = nbformat.v4.new_code_cell("print('ran')", metadata={"tags": ["checks"]})
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ran\n"),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()}),
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# From the executed run\n\n## A section"),
        adapters.raw_html_cell('<div class="dl-raw-probe">raw <b>HTML</b></div>'),
        code,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def rendered(tiny):
    """The chapter rendered by mkdocs-jupyter, from the executed notebook ``render_from`` named."""
    config, plugin, files, tmp = tiny
    page = _page(files, config, "chapters/01-one.md")
    adapters.render_from(page, _executed_notebook(tmp / "rendered" / "chapters" / "01-one.ipynb"))
    plugin.on_pre_page(page, config, files)
    page.render(config, files)
    return page, BeautifulSoup(page.content, "html.parser")


# --- MkDocs --------------------------------------------------------------------------------------


def test_link_processor_resolves_as_on_a_markdown_page_and_records_anchor_links(tiny, caplog):
    config, _, files, _ = tiny
    processor = adapters.link_processor(_page(files, config, "index.md"), files, config)
    assert processor.path_to_url("chapters/01-one.md#a-section") == "chapters/01-one/#a-section"
    target = files.get_file_from_path("chapters/01-one.md")
    assert processor.links_to_anchors == {target: {"a-section": "chapters/01-one.md#a-section"}}
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        processor.path_to_url("missing.md")
    assert "missing.md" in caplog.text, "a link to a missing page must be reported"


def test_recorded_anchors_are_what_mkdocs_checks_anchor_links_against(tiny, caplog):
    config, _, files, _ = tiny
    index, chapter = _page(files, config, "index.md"), _page(files, config, "chapters/01-one.md")
    adapters.record_anchors(chapter, {"a-section"}, {})
    links = {"a-section": "chapters/01-one.md#a-section", "gone": "chapters/01-one.md#gone"}
    adapters.record_anchors(index, set(), {chapter.file: links})
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        index.validate_anchor_links(files=files, log_level=logging.WARNING)
    assert "anchor '#gone'" in caplog.text and "#a-section'" not in caplog.text


def test_the_hook_runs_before_mkdocs_jupyter_and_it_renders_the_path_handed_over(rendered):
    from mkdocs_jupyter.plugin import Plugin

    theirs = getattr(Plugin.on_pre_page, "mkdocs_priority", 0)
    assert hooks.on_pre_page.mkdocs_priority == adapters.BEFORE_MKDOCS_JUPYTER > theirs
    page, soup = rendered
    assert "From the executed run" in soup.get_text(), "mkdocs-jupyter rendered the .md instead"


# --- mkdocs-jupyter ------------------------------------------------------------------------------


def test_the_plugin_is_found_and_its_execute_option_read(tiny):
    config, plugin, _, _ = tiny
    assert type(plugin).__module__ == "mkdocs_jupyter.plugin"
    assert adapters.jupyter_executes(plugin) is False
    plugin.config["execute"] = True
    try:
        assert adapters.jupyter_executes(plugin) is True
    finally:
        plugin.config["execute"] = False


def test_renders_as_notebook_agrees_with_should_include(tiny):
    config, plugin, files, _ = tiny
    for src_uri in ("index.md", "chapters/01-one.md"):
        page = _page(files, config, src_uri)
        assert adapters.renders_as_notebook(page) == plugin.should_include(page.file), src_uri
    assert adapters.renders_as_notebook(_page(files, config, "chapters/01-one.md"))


def test_a_rendered_page_carries_nb_url_which_the_actions_partial_reads(rendered, tiny):
    page, _ = rendered
    assert adapters.is_rendered_notebook(page)
    assert getattr(page, adapters.NB_URL_ATTRIBUTE).endswith("01-one.ipynb")
    config, _, files, _ = tiny
    assert not adapters.is_rendered_notebook(_page(files, config, "index.md"))
    partial = (ROOT / "overrides" / "partials" / "actions.html").read_text(encoding="utf-8")
    assert f"page.{adapters.NB_URL_ATTRIBUTE}" in partial


def test_mkdocs_jupyters_template_markup(rendered):
    _, soup = rendered
    assert soup.select_one(f"div.{adapters.NOTEBOOK_WRAPPER_CLASS}") is not None
    code = soup.select_one(adapters.CODE_INPUT)
    assert code is not None and f"{adapters.LANGUAGE_CLASS_PREFIX}python" in code["class"]
    for selector in adapters.COPY_BUTTON_AND_TAGS:
        assert soup.select(selector), f"mkdocs-jupyter no longer emits {selector}"


# --- nbconvert -----------------------------------------------------------------------------------


def test_nbconverts_cell_markup(rendered):
    _, soup = rendered
    cell = f"div.{adapters.CELL_CLASS}"
    checks = soup.select_one(f"{cell}.{adapters.CODE_CELL_CLASS}.{adapters.CELL_TAG_PREFIX}checks")
    assert checks is not None, "a tagged code cell"
    outputs = checks.select(f".{adapters.OUTPUT_CLASS}")
    assert len(outputs) == 2 and outputs[0].get(adapters.MIME_TYPE_ATTRIBUTE) == "text/plain"
    assert checks.select_one(f".{adapters.OUTPUT_AREA_CLASS}") is not None
    markdown = soup.select_one(f"{cell}.{adapters.MARKDOWN_CELL_CLASS}")
    assert markdown.select_one(f".{adapters.RENDERED_MARKDOWN_CLASS} h2") is not None
    assert markdown.select_one(f"h2 {adapters.HEADING_ANCHOR}") is not None


def test_an_image_output_is_inlined_as_a_data_uri(rendered):
    page, _ = rendered
    found = adapters.INLINE_IMAGE.search(page.content)
    assert found and found.group(1) == "png" and base64.b64decode(found.group(2)) == PNG


def test_a_raw_html_cell_is_put_into_the_page_as_html(rendered):
    _, soup = rendered
    probe = soup.select_one("div.dl-raw-probe")
    assert probe is not None and probe.b.get_text() == "HTML"


# --- Material for MkDocs -------------------------------------------------------------------------


def test_material_code_block_is_pymdownx_highlights_markup():
    """The markup Material's stylesheet and copy button target on a plain page, with the
    ``language-x`` class that pymdownx.highlight adds under ``pygments_lang_class``."""
    import markdown

    html = markdown.markdown(
        "```python\nx = 1\n```",
        extensions=["pymdownx.highlight", "pymdownx.superfences"],
        extension_configs={"pymdownx.highlight": {"pygments_lang_class": True}},
    )
    code = re.search(r"<code>(.*)</code>", html, re.S).group(1)
    assert html.strip() == adapters.MATERIAL_CODE_BLOCK.format(language="python", code=code)


def test_material_styles_the_classes_the_pages_use():
    css = next((MATERIAL / "assets" / "stylesheets").glob("main.*.min.css")).read_text("utf-8")
    bundle = next((MATERIAL / "assets" / "javascripts").glob("bundle.*.min.js")).read_text("utf-8")
    assert f".{adapters.HEADERLINK_CLASS}" in css
    assert adapters.NO_COPY_CLASS in bundle
    assert adapters.LAZY_FEATURE in bundle, "the undocumented content.lazy flag is gone"


def test_material_search_skips_what_is_marked_excluded():
    from material.plugins.search.plugin import Parser

    for mark in (f'{adapters.SEARCH_EXCLUDE}=""', adapters.SEARCH_EXCLUDE):  # the bare one too
        parser = Parser()
        parser.feed(f'<h1 id="t">T</h1><p>kept</p><div {mark}><p>hidden</p></div>')
        parser.close()
        text = " ".join("".join(section.text) for section in parser.data)
        assert "kept" in text and "hidden" not in text, mark


def test_each_colour_group_is_one_colour_in_materials_stylesheet():
    css = next((MATERIAL / "assets" / "stylesheets").glob("main.*.min.css")).read_text("utf-8")
    colour = {}
    for selectors, var in re.findall(r"((?:\.highlight \.\w+,?)+)\{color:var\(([^)]+)\)\}", css):
        for cls in re.findall(r"\.highlight \.(\w+)", selectors):
            colour[cls] = var
    for group, members in adapters.COLOUR_GROUPS.items():
        found = {m: colour.get(m) for m in members.split()}
        assert len(set(found.values())) == 1 and None not in found.values(), (group, found)
    for generic in adapters.GENERIC_CLASSES:
        assert f".highlight .{generic}" in css


@pytest.mark.parametrize("partial", sorted(adapters.OVERRIDDEN_PARTIALS))
def test_the_partials_overridden_are_still_materials_own(partial):
    assert (ROOT / "overrides" / partial).is_file()
    digest = hashlib.sha256((MATERIAL / partial).read_bytes()).hexdigest()
    assert digest == adapters.OVERRIDDEN_PARTIALS[partial], (
        f"Material changed {partial}: carry its change into overrides/{partial}, then record "
        f"the new hash {digest} in adapters.OVERRIDDEN_PARTIALS"
    )


# --- The executor --------------------------------------------------------------------------------


def test_ipython_names_the_failing_line_of_a_cell():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_cell('x = 1\\ny = 2\\nraise ValueError(x)')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    found = adapters.IPYTHON_CELL_LINE.search(plain)
    assert found and found.group(1) == "3", plain


def test_fence_tags_reads_jupytexts_cell_metadata():
    assert adapters.fence_tags('python tags=["checks"]') == ["checks"]
    assert adapters.fence_tags("python") == []
    assert adapters.fence_tags("python tags=[") == []
