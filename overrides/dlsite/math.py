"""Math typeset at build time: TeX in a page becomes MathML, which browsers draw themselves.

A reader's browser runs no typesetter: the page arrives with ``<math>`` elements (MathML Core,
drawn natively by Chromium, Firefox and Safari, and read by screen readers), styled by Temml's
stylesheet and the Latin Modern Math font, both served by the site. Before, MathJax 2 typeset
each chapter in the browser: seconds of a phone's main thread on a long chapter.

- ``split_tex``: where the math is in a text, by MathJax's delimiters and rules: ``$...$`` and
  ``\\(...\\)`` inline, ``$$...$$``, ``\\[...\\]`` and ``\\begin{env}...\\end{env}`` displayed,
  ``\\$`` a dollar sign.
- ``typeset``: every piece of math in an HTML tree replaced by its MathML, except in code,
  preformatted text and scripts. The TeX itself is turned into MathML by Temml, under Node.js
  (``typeset_math.mjs``, one run per page).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("typeset_math.mjs")
NODE_MODULES = ROOT / "node_modules"
# Latin Modern Math 1.959, the whole font (WOFF2 of the OpenType file; docs/assets/math has its
# licence). The site serves a subset: the glyphs its math uses (``subset_font``).
FONT = Path(__file__).with_name("fonts") / "latinmodern-math.woff2"
FONT_NAME = "latinmodernmath.woff2"  # the file name Temml's stylesheet asks for
FONT_CACHE = ROOT / ".cache" / "fonts"
# Where math is never looked for: code, as MathJax's own default list.
SKIP_TAGS = {"script", "noscript", "style", "textarea", "pre", "code", "math", "svg", "kbd"}
DISPLAY_CLASS = "dl-math-display"  # the scrolling box around a display equation
INLINE_CLASS = "dl-math"

_OPENERS = re.compile(r"\\\$|\$\$|\$|\\\(|\\\[|\\begin\{([a-zA-Z*]+)\}")
_CLOSERS = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


@dataclass
class Math:
    tex: str  # the TeX between the delimiters (an environment keeps its \begin and \end)
    display: bool
    source: str  # as written, delimiters included: shown if it cannot be typeset


class TypesetError(RuntimeError):
    """Node.js or the typesetter is missing or failed: the build cannot typeset math."""


def split_tex(text: str) -> list[str | Math]:
    """``text`` as a list of plain strings and :class:`Math` pieces, in order.

    An opening delimiter without its closing one is text, as MathJax leaves it. ``\\$`` is a
    dollar sign. Math never spans two text nodes (the HTML renderers keep it in one).
    """
    parts: list[str | Math] = []
    plain: list[str] = []
    at = 0
    while True:
        match = _OPENERS.search(text, at)
        if match is None:
            plain.append(text[at:])
            break
        opener = match.group(0)
        plain.append(text[at : match.start()])
        if opener == "\\$":
            plain.append("$")
            at = match.end()
            continue
        if match.group(1):  # \begin{env} ... \end{env}, displayed, delimiters kept
            closer = f"\\end{{{match.group(1)}}}"
            end = text.find(closer, match.end())
            if end < 0:
                plain.append(opener)
                at = match.end()
                continue
            source = text[match.start() : end + len(closer)]
            parts.extend(["".join(plain), Math(source, True, source)])
            plain = []
            at = end + len(closer)
            continue
        closer = _CLOSERS[opener]
        end = _find_closer(text, closer, match.end())
        if end < 0 or end == match.end():  # no closer, or empty: "$$" alone is text
            plain.append(opener)
            at = match.end()
            continue
        tex = text[match.end() : end]
        display = opener in ("$$", "\\[")
        parts.extend(["".join(plain), Math(tex.strip(), display, opener + tex + closer)])
        plain = []
        at = end + len(closer)
    parts.append("".join(plain))
    return [p for p in parts if not (isinstance(p, str) and p == "")]


def _find_closer(text: str, closer: str, start: int) -> int:
    """Index of ``closer`` after ``start``, skipping escaped characters and braces' contents."""
    depth = 0
    at = start
    while at < len(text):
        char = text[at]
        if char == "\\":
            if depth == 0 and text.startswith(closer, at):
                return at
            at += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(closer, at):
            return at
        at += 1
    return -1


def _text_nodes(root: Tag):
    """The text nodes of ``root`` where math may be, in document order."""
    for node in list(root.descendants):
        if type(node) is not NavigableString:
            continue  # comments, CDATA, doctype
        if any(p.name in SKIP_TAGS for p in node.parents if isinstance(p, Tag)):
            continue
        if "$" in node or "\\" in node:
            yield node


Renderer = Callable[[list[Math]], list[tuple[str, str | None]]]


def typeset(root: Tag, render: Renderer) -> list[tuple[Math, str]]:
    """Replace every piece of math under ``root`` by its MathML; returns the failures.

    ``render`` turns a list of :class:`Math` into ``(mathml, error or None)`` pairs, in order
    (:func:`temml`). A display equation goes into a ``span.dl-math-display``, which scrolls
    sideways when the equation is wider than the column (a span, not a div: it may sit in a
    paragraph). A failure is still replaced, by the typesetter's error rendering.
    """
    found = [(node, split_tex(str(node))) for node in _text_nodes(root)]
    found = [(node, parts) for node, parts in found if any(isinstance(p, Math) for p in parts)]
    pieces = [p for _, parts in found for p in parts if isinstance(p, Math)]
    if not pieces:
        return []
    rendered = iter(render(pieces))
    failures = []
    for node, parts in found:
        new = []
        for part in parts:
            if isinstance(part, str):
                new.append(NavigableString(part))
                continue
            mathml, error = next(rendered)
            if error:
                failures.append((part, error))
            fragment = BeautifulSoup(mathml, "html.parser")
            wrapper = Tag(
                name="span", attrs={"class": DISPLAY_CLASS if part.display else INLINE_CLASS}
            )
            for child in list(fragment.contents):
                wrapper.append(child.extract())
            new.append(wrapper)
        for item in new:
            node.insert_before(item)
        node.extract()
    return failures


def node_problem() -> str | None:
    """Why the typesetter cannot run here, or None if it can."""
    if shutil.which("node") is None:
        return (
            "Node.js is not installed: the build typesets math with Temml under Node.js 18 or "
            "newer (Debian: apt-get install nodejs npm; then `npm ci` in the repository)"
        )
    if not (NODE_MODULES / "temml" / "package.json").is_file():
        return "Temml is not installed: run `npm ci` in the repository (package-lock.json)"
    return None


def install() -> None:
    """``npm ci`` in the repository: Temml (and Lighthouse, for the tests), as locked."""
    npm = shutil.which("npm")
    if npm is None:
        raise TypesetError(node_problem() or "npm is not installed")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise TypesetError(f"`npm ci` failed:\n{result.stdout}{result.stderr}")


def temml(pieces: list[Math]) -> list[tuple[str, str | None]]:
    """MathML for each piece, from Temml (``typeset_math.mjs``); one Node.js run per call."""
    problem = node_problem()
    if problem:
        raise TypesetError(problem)
    request = {"items": [{"tex": p.tex, "display": p.display} for p in pieces]}
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    if result.returncode != 0:
        raise TypesetError(f"typeset_math.mjs failed:\n{result.stderr}")
    items = json.loads(result.stdout)["items"]
    return [(item["mathml"], item["error"]) for item in items]


def temml_version() -> str:
    """The installed Temml's version (for the record), or '' if none."""
    try:
        data = json.loads((NODE_MODULES / "temml" / "package.json").read_text(encoding="utf-8"))
    except OSError:
        return ""
    return data.get("version", "")


def copy_assets(site_dir: Path, dest: str, characters: set[str]) -> None:
    """Temml's stylesheet, its small font and the math font into ``site/dest``.

    The stylesheet's ``@font-face`` gets ``font-display: swap``: text shows at once, in a local
    math font, while the web font loads (the default hides an equation for up to three seconds
    on a slow phone). The math font is cut down to the glyphs that ``characters`` need.
    """
    dist = NODE_MODULES / "temml" / "dist"
    target = site_dir / dest
    target.mkdir(parents=True, exist_ok=True)
    css = (dist / "Temml-Latin-Modern.css").read_text(encoding="utf-8")
    face = f"src: url('./{FONT_NAME}');"
    if face not in css:
        raise TypesetError(f"Temml-Latin-Modern.css no longer declares {face!r}: see math.py")
    css = css.replace(face, f"src: url('./{FONT_NAME}') format('woff2');\n  font-display: swap;")
    (target / "Temml-Latin-Modern.css").write_text(css, encoding="utf-8")
    shutil.copyfile(dist / "Temml.woff2", target / "Temml.woff2")
    shutil.copyfile(subset_font(characters), target / FONT_NAME)


def subset_font(characters: set[str], source: Path = FONT, cache: Path = FONT_CACHE) -> Path:
    """The math font with only the glyphs that ``characters`` need (and printable ASCII).

    The whole font is 392 KB, which a phone on a slow network pays before the first chapter
    paints; the book's math uses a few hundred glyphs of it (about 50 KB). The MATH table is
    kept, with the larger and stretched variants of every kept glyph (fontTools' closure), so
    brackets, roots, sums and integrals still grow. Kept in ``.cache/fonts`` per set of glyphs.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = sorted(set(characters) | {chr(c) for c in range(0x20, 0x7F)})
    key = hashlib.sha256(source.read_bytes() + "".join(wanted).encode()).hexdigest()[:16]
    cached = cache / f"{key}.woff2"
    if cached.is_file():
        return cached
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # the font's names and copyright stay in it
    options.notdef_outline = True
    options.flavor = "woff2"
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in wanted])
    subsetter.subset(font)
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob("*.woff2"):
        old.unlink()
    font.save(cached)
    return cached
