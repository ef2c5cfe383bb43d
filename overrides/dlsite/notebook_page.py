"""Turn the HTML that mkdocs-jupyter renders for a chapter into a light page in Material's markup.

Pure functions of the HTML (no MkDocs objects), so the tests can call them on a snippet:

- ``extract_images``: figures inlined as base64 ``data:`` URIs become files next to the page,
  loaded lazily, with their size set so the page does not jump while they load.
- ``strip_inline_assets``: the ~590 KB of stylesheets and the clipboard, Mermaid and MathJax
  scripts that nbconvert repeats in every page go; ``docs/assets/notebook.css`` is served once
  instead.
- ``restyle``: code cells get Material's code-block markup (``div.highlight > pre > code``), so
  Material adds its own copy button and colours them in both palettes; package source shown by
  ``dlcourse.plot.show_source`` gets the same; cells tagged ``checks`` fold into a closed
  ``<details>``; the provenance cell added at build time becomes one line at the end; a table
  whose top-left cell is empty gets row headers; outputs and checks are kept out of the search
  index.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from docs_blocks import PROVENANCE_TAG  # the executor adds that cell; this page renders it

from . import adapters, highlight
from .adapters import (
    CELL_CLASS,
    CELL_TAG_PREFIX,
    CODE_CELL_CLASS,
    MARKDOWN_CELL_CLASS,
    OUTPUT_AREA_CLASS,
    OUTPUT_CLASS,
    RENDERED_MARKDOWN_CLASS,
)

CHECKS_TAG = "checks"
CHECKS_SUMMARY = "Checked on this page"

_SVG_SIZE = re.compile(rb'<svg[^>]*?\swidth="([\d.]+)(pt|px)?"[^>]*?\sheight="([\d.]+)(pt|px)?"')


@dataclass
class Image:
    name: str  # file name, next to the page's index.html
    data: bytes


def _image_size(kind: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS pixels, read from the file's header; None if unknown."""
    if kind == "png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if kind == "svg+xml":
        match = _SVG_SIZE.search(data[:2000])
        if match:
            scale = 96 / 72 if match.group(2) in (b"pt", None) else 1.0
            return round(float(match.group(1)) * scale), round(float(match.group(3)) * scale)
    return None


def extract_images(page_html: str) -> tuple[str, list[Image]]:
    """Move every base64 image out of ``page_html``; returns the new HTML and the files to write.

    A file is named after a hash of its bytes: the same figure keeps its name from build to
    build (browsers may cache it), and two identical figures are stored once.
    """
    images: dict[str, Image] = {}

    def replace(match: re.Match) -> str:
        kind = match.group(1)
        data = base64.b64decode(match.group(2))
        ext = {"svg+xml": "svg", "jpeg": "jpg"}.get(kind, kind)
        name = f"fig-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
        images[name] = Image(name, data)
        attrs = f'src="{name}" loading="lazy" decoding="async"'
        size = _image_size(kind, data)
        if size:
            attrs += f' width="{size[0]}" height="{size[1]}"'
        return attrs

    return adapters.INLINE_IMAGE.sub(replace, page_html), list(images.values())


def strip_inline_assets(soup: BeautifulSoup) -> None:
    """Remove nbconvert's inline styles and every script (MathJax's too: math is typeset at
    build time, ``math.py``)."""
    for style in soup.find_all("style"):
        style.decompose()
    for script in soup.find_all("script"):
        script.decompose()
    # mkdocs-jupyter's own copy button and the copy of the source it keeps for it; the cell
    # tags it prints above a cell ("checks", "skip-execution") are for authors, not readers.
    for selector in adapters.COPY_BUTTON_AND_TAGS:
        for node in soup.select(selector):
            node.decompose()


def _code_block(soup: BeautifulSoup, source: str, language: str) -> Tag:
    """Material's markup for a code block, so that its copy button and colours apply:
    ``<div class="language-x highlight"><pre><span></span><code>...</code></pre></div>``."""
    markup = adapters.MATERIAL_CODE_BLOCK.format(
        language=language, code=highlight.highlight(source, language)
    )
    return BeautifulSoup(markup, "html.parser").div.extract()


def _material_code(soup: BeautifulSoup) -> None:
    """Code cells, and package source shown by ``show_source`` (Pygments with inline colours
    for a light background only), become Material code blocks."""
    prefix = adapters.LANGUAGE_CLASS_PREFIX
    for block in soup.select(adapters.CODE_INPUT):
        classes = block.get("class", [])
        language = next((c[len(prefix) :] for c in classes if c.startswith(prefix)), "python")
        block.replace_with(_code_block(soup, block.find("pre").get_text(), language))
    for block in soup.select(f".{OUTPUT_CLASS} div.highlight[style]"):
        block.replace_with(_code_block(soup, block.find("pre").get_text(), "python"))


def _simplify_cells(soup: BeautifulSoup) -> None:
    """Keep of nbconvert's eight nested wrappers per cell only what styles or scripts use:

    ``div.jp-Cell`` (with its ``celltag_*`` classes) holding the code block and a
    ``div.jp-OutputArea`` of ``div.jp-OutputArea-output[data-mime-type]``, or holding a
    ``div.jp-RenderedMarkdown``.
    """
    mime = adapters.MIME_TYPE_ATTRIBUTE
    for cell in soup.select(f"div.{CELL_CLASS}"):
        keep = [c for c in cell.get("class", []) if c.startswith(CELL_TAG_PREFIX)]
        if CODE_CELL_CLASS in cell["class"]:
            code = cell.select_one("div.highlight")
            outputs = cell.select(f".{OUTPUT_CLASS}")
            cell.clear()
            cell["class"] = [CELL_CLASS, CODE_CELL_CLASS, *keep]
            if code is not None:
                cell.append(code)
            if outputs:
                area = soup.new_tag("div", attrs={"class": OUTPUT_AREA_CLASS})
                for output in outputs:
                    output.attrs = {"class": [OUTPUT_CLASS], mime: output.get(mime, "")}
                    area.append(output.extract())
                cell.append(area)
        elif MARKDOWN_CELL_CLASS in cell["class"]:
            rendered = cell.select_one(f".{RENDERED_MARKDOWN_CLASS}")
            cell.clear()
            cell["class"] = [CELL_CLASS, MARKDOWN_CELL_CLASS, *keep]
            if rendered is not None:
                rendered.attrs = {"class": [RENDERED_MARKDOWN_CLASS]}
                cell.append(rendered)


def _summary(cell: Tag) -> str:
    """The checks cell's summary: "Checked on this page", plus its first comment if it has one."""
    code = cell.find("code")
    first = code.get_text().lstrip().splitlines()[0] if code and code.get_text().strip() else ""
    if first.startswith("#"):
        return f"{CHECKS_SUMMARY}: {first.lstrip('#').strip()}"
    return CHECKS_SUMMARY


def _fold_checks(soup: BeautifulSoup) -> None:
    """Wrap each run of consecutive ``checks`` cells in one closed ``<details>``."""
    cells = soup.select(f"div.{CELL_CLASS}.{CELL_TAG_PREFIX}{CHECKS_TAG}")
    done: set[int] = set()
    for cell in cells:
        if id(cell) in done:
            continue
        run = [cell]
        sibling = cell.find_next_sibling()
        while isinstance(sibling, Tag) and CHECKS_TAG in _tags(sibling):
            run.append(sibling)
            sibling = sibling.find_next_sibling()
        done.update(id(c) for c in run)
        for block in (b for member in run for b in member.select("div.highlight")):
            # Quiet asserts get no copy button: Material's per-block work is what a long
            # chapter's phone pays most for at load, and these are rarely copied.
            block["class"] = [*block.get("class", []), adapters.NO_COPY_CLASS]
        details = soup.new_tag("details", attrs={"class": "dl-checks"})
        summary = soup.new_tag("summary")
        summary.string = _summary(run[0])
        details.append(summary)
        cell.insert_before(details)
        for member in run:
            details.append(member.extract())


def _exclude_from_search(soup: BeautifulSoup) -> None:
    """Outputs and folded checks stay out of the search index (Material skips what is marked).

    They were a fifth of the index, which every reader downloads as a page opens: on a slow
    phone connection the download delays the page's first paint. Search finds prose and code.
    """
    for block in soup.select(f"details.dl-checks, div.{OUTPUT_AREA_CLASS}"):
        if block.find_parent("details", class_="dl-checks") is None:  # marked once, not twice
            block[adapters.SEARCH_EXCLUDE] = None  # a bare attribute (site_hooks drops it later)


def _tags(cell: Tag) -> set[str]:
    classes = cell.get("class", [])
    return {c[len(CELL_TAG_PREFIX) :] for c in classes if c.startswith(CELL_TAG_PREFIX)}


def provenance_line(info: dict) -> str:
    """One sentence from the provenance cell's JSON: when, with what, on which device."""
    parts = [f"Python {info['python']}"]
    for name, label in (("torch", "PyTorch"), ("numpy", "NumPy")):
        if info.get(name):
            parts.append(f"{label} {info[name]}")
    device = f" on {info['device']}" if info.get("device") else ""
    return (
        f"This page was executed on {info['executed']} with {', '.join(parts)}{device}: "
        "every output and figure above comes from that run."
    )


def _provenance(soup: BeautifulSoup) -> None:
    for cell in soup.select(f"div.{CELL_CLASS}.{CELL_TAG_PREFIX}{PROVENANCE_TAG}"):
        output = cell.select_one(f".{OUTPUT_CLASS} pre")
        try:
            info = json.loads(output.get_text()) if output else None
        except json.JSONDecodeError:
            info = None
        if not info:
            cell.decompose()
            continue
        line = soup.new_tag("p", attrs={"class": "dl-provenance"})
        line.string = provenance_line(info)
        cell.replace_with(line)


def _row_headers(soup: BeautifulSoup) -> None:
    """A Markdown table with an empty top-left cell labels its rows by its first column: those
    cells become row headers (``th scope=row``), so that a screen reader can name every cell by
    its row and column (axe-core: td-has-header), and the empty corner a plain cell."""
    for table in soup.select(f".{RENDERED_MARKDOWN_CLASS} table"):
        corner = table.select_one("thead tr > th")
        if corner is None or corner.get_text(strip=True) or corner.find_previous_sibling():
            continue
        corner.name = "td"
        for row in table.select("tbody > tr"):
            first = row.find(["td", "th"])
            if first is not None and first.name == "td":
                first.name = "th"
                first["scope"] = "row"


def restyle(soup: BeautifulSoup) -> None:
    """Material's code markup, folded checks and the provenance line (see the module docstring)."""
    # nbconvert's heading permalinks ("¶") look and behave like Material's.
    for link in soup.select(adapters.HEADING_ANCHOR):
        link["class"] = [adapters.HEADERLINK_CLASS]
    _material_code(soup)
    _row_headers(soup)
    _simplify_cells(soup)
    _provenance(soup)
    _fold_checks(soup)
    _exclude_from_search(soup)


def anchor_ids(soup: BeautifulSoup) -> set[str]:
    """Every id a link may point at: as MkDocs collects them on a Markdown page."""
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    ids |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
    return ids
