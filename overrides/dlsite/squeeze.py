"""Fewer bytes for the same page: the indentation between tags goes.

MkDocs' templates indent their HTML; a browser renders any run of whitespace between two
elements as one space (or nothing, between blocks), so a line break does the same job. The
content of ``pre``, ``textarea``, ``script`` and ``style`` is content, and is kept as it is.
"""

from __future__ import annotations

import re

# An element whose whitespace is content, or whitespace with a line break between two tags.
_KEEP_OR_INDENT = re.compile(
    r"(<(pre|textarea|script|style)\b.*?</\2\s*>)|(?<=>)[ \t]*\n\s*(?=<)", re.S | re.I
)


def squeeze(page_html: str) -> str:
    """``page_html`` with each run of whitespace between two tags that holds a line break made
    one line break."""
    return _KEEP_OR_INDENT.sub(lambda m: m.group(1) or "\n", page_html)
