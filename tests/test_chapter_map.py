"""The map on "How this book is built" (which chapter stands on which dlcourse modules) is true."""

from __future__ import annotations

import ast
import re

from docs_blocks import DOCS, python_blocks

MAP_PAGE = DOCS / "how-this-book-is-built.md"
ROW = re.compile(r"^\| \[(?P<title>[^\]]+)\]\(chapters/(?P<file>[\w-]+\.md)\) \| (?P<mods>.*) \|$")


def modules_used(page) -> set[str]:
    """The dlcourse modules a chapter imports (from dlcourse import x, or dlcourse.x)."""
    found = set()
    for block in python_blocks(page):
        for node in ast.walk(ast.parse(block.code)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlcourse"):
                parts = node.module.split(".")
                if len(parts) > 1:
                    found.add(parts[1])
                else:
                    found |= {a.name for a in node.names if a.name != "seed_everything"}
            elif isinstance(node, ast.Import):
                found |= {
                    a.name.split(".")[1] for a in node.names if a.name.startswith("dlcourse.")
                }
    return found


def test_the_chapter_map_lists_each_chapters_modules():
    rows = {}
    for line in MAP_PAGE.read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            rows[match["file"]] = {m.strip(" `") for m in match["mods"].split(",") if m.strip()}
    chapters = sorted((DOCS / "chapters").glob("*.md"))
    assert sorted(rows) == [p.name for p in chapters], "the map must list every chapter"
    wrong = {p.name: sorted(modules_used(p)) for p in chapters if rows[p.name] != modules_used(p)}
    assert not wrong, f"update the chapter map on {MAP_PAGE.name}; the chapters import: {wrong}"
