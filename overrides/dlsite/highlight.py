"""Highlight code with one CSS class per colour of Material's palette, and no more markup.

Pygments wraps every token in a span: ``<span class="p">(</span>`` is 24 bytes for one
character, and on a chapter page such spans were half of the HTML. Material gives many token
classes the same colour (all numbers share one, all strings another; names have none). Mapping
each token to one class per colour, leaving uncoloured tokens bare and merging neighbours of the
same colour (whitespace joins either side) draws what Material draws in far fewer bytes.

Two changes of look, made on every page alike (``docs/assets/extra.css``): operators and
punctuation take the colour of names instead of a lighter grey (they were two spans in five),
and so do numbers (a third of the remaining spans, and the bytes that put the heaviest chapter
over its budget once its math was typeset at build time).
"""

from __future__ import annotations

import html

from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from . import adapters

# Material's stylesheet gives each group of classes one colour (``adapters.COLOUR_GROUPS``):
# one representative class per colour; a class not listed there has no colour.
COLOUR_CLASS = {
    short: group for group, members in adapters.COLOUR_GROUPS.items() for short in members.split()
}
COLOUR_CLASS.update({g: g for g in adapters.GENERIC_CLASSES})  # generic: own look


def _css_class(ttype) -> str:
    """Material's class for a token type ('' for none), as Pygments' HtmlFormatter would name it."""
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return COLOUR_CLASS.get(STANDARD_TYPES[ttype], "")


def highlight(source: str, language: str = "python") -> str:
    """The inner HTML of a ``<code>`` element: ``source`` highlighted for Material."""
    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return html.escape(source, quote=False)
    runs: list[list[str]] = []  # [class, text]
    for ttype, value in lexer.get_tokens(source):
        css = "" if value.isspace() else _css_class(ttype)
        if runs and (css == runs[-1][0] or value.isspace()):
            runs[-1][1] += value
        elif runs and not runs[-1][1].strip() and runs[-1][0] == "":
            runs[-1] = [css, runs[-1][1] + value]  # leading whitespace joins what follows
        else:
            runs.append([css, value])
    parts = []
    for css, text in runs:
        text = html.escape(text, quote=False)
        parts.append(f'<span class="{css}">{text}</span>' if css else text)
    return "".join(parts)
