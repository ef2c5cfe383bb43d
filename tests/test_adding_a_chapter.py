"""The lists a new chapter must join agree with mkdocs.yml's nav, so that none is forgotten.

"Adding a chapter" on How this book is built lists every place; the chapter map is checked by
test_chapter_map.py, the bad-input registry by tests/bad_input/test_registry.py, and these:
the chapter files, the landing page's list and its learning-path figures, the README's table.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def parts() -> list[tuple[str, list[str]]]:
    """The nav's parts, in order: ("Part I. Foundations", ["chapters/01-....md", ...])."""
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    found = []
    for entry in nav:
        ((title, pages),) = entry.items()
        if isinstance(pages, list) and title.startswith("Part "):
            found.append(
                (title, [p if isinstance(p, str) else next(iter(p.values())) for p in pages])
            )
    return found


CHAPTERS = [page for _, pages in parts() for page in pages]


def test_every_chapter_file_is_in_the_nav_in_the_order_of_its_number():
    # Numbered files are chapters; an unnumbered page there (the page of checks against
    # PyTorch) is executed like a chapter but listed under About.
    files = sorted(f"chapters/{p.name}" for p in (DOCS / "chapters").glob("[0-9][0-9]-*.md"))
    assert CHAPTERS == files, "mkdocs.yml's nav must list docs/chapters/NN-*.md, in order"
    nav_text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (DOCS / "chapters").glob("*.md"):
        assert f"chapters/{page.name}" in nav_text, f"{page.name} is in no part of the nav"
    numbers = [int(re.match(r"chapters/(\d+)-", c)[1]) for c in CHAPTERS]
    assert numbers == list(range(1, len(CHAPTERS) + 1))


def test_the_landing_page_lists_every_chapter_under_its_part():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    listed, part = [], None
    for line in text.splitlines():
        if heading := re.fullmatch(r"\*\*(Part [IVX]+\. .+)\*\*", line.strip()):
            part = heading[1]
        elif item := re.match(r"(\d+)\. \[[^\]]+\]\((chapters/[\w-]+\.md)\)", line):
            listed.append((part, int(item[1]), item[2]))
    expected = [
        (title, i, page)
        for i, (title, page) in enumerate(
            ((title, page) for title, pages in parts() for page in pages), start=1
        )
    ]
    assert listed == expected, "docs/index.md's 'What is inside' must follow the nav"


@pytest.mark.parametrize("name", ["learning-path.svg", "learning-path-narrow.svg"])
def test_the_learning_path_figures_have_a_box_per_part_and_a_line_per_chapter(name):
    root = ET.parse(DOCS / "assets" / name).getroot()
    stages = [g for g in root.iter(f"{SVG}g") if g.get("class") == "stage"]
    drawn = []
    for stage in stages:
        texts = [t for t in stage.iter(f"{SVG}text")]
        heads = [t.text for t in texts if t.get("class") == "head"]
        drawn.append((heads[0], sum(t.get("class") == "item" for t in texts)))
    expected = [(title.removeprefix("Part "), len(pages)) for title, pages in parts()]
    assert drawn == expected, f"docs/assets/{name}: (part, chapters) per box"


def test_the_readme_weighs_every_chapter_page():
    rows = re.findall(r"^\| (\d\d) [^|]+\| [\d,]+ \|$", (ROOT / "README.md").read_text(), re.M)
    assert [int(n) for n in rows] == list(range(1, len(CHAPTERS) + 1)), (
        "README.md's page-weight table needs a row per chapter (numbers from a build)"
    )
