"""Find, classify and run the fenced code blocks of the book's Markdown pages.

pytest-codeblocks extracts the ```` ```python ```` blocks with their line numbers and their
``<!--pytest.mark.skip(reason="...")-->`` markers. On top of it this module adds what the book
needs: all python blocks of a page run in order in one namespace, as in a reader's notebook; a
failure names the page and the block's line; and every fence, whatever its language, is
classified so that a test can fail on a block that would silently never run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from pytest_codeblocks import extract_from_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Blocks in these languages are text for the reader (output, config, a terminal session), not
# code for the suite to run. Everything else must be ```python, or the guard fails.
DISPLAY_ONLY = {"text", "console", "yaml", "toml", "json", "html", "ini", "diff"}
# A fence spelled like Python but not exactly "python" is skipped by pytest-codeblocks.
PYTHON_LOOKALIKES = {"py", "py3", "python3", "ipython", "ipython3", "pycon", "pytb"}
# The tag that makes the site build (nbclient) skip a cell; every skipped block carries it.
BUILD_SKIP_TAG = "skip-execution"

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass
class Block:
    """One fenced block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    info: str  # everything after the backticks: language and jupytext cell metadata
    code: str = ""
    marks: list[str] = field(default_factory=list)
    tilde: bool = False  # ~~~ fences: pytest-codeblocks only sees backtick fences

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def build_skipped(self) -> bool:
        return BUILD_SKIP_TAG in self.info

    @property
    def skip(self) -> tuple[str, str] | None:
        """``(condition, reason)`` for a skip marker; condition ``"True"`` for a plain skip."""
        for mark in self.marks:
            parsed = parse_skip_mark(mark)
            if parsed is not None:
                return parsed
        return None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def parse_skip_mark(mark: str) -> tuple[str, str] | None:
    """Read ``pytest.mark.skip(reason=...)`` or ``pytest.mark.skipif(cond, reason=...)``.

    Returns ``(condition_source, reason)``, or ``None`` when the mark is not a skip. A skip
    without a reason comes back with ``reason == ""`` so that the guard can reject it.
    """
    try:
        call = ast.parse(mark, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    kind = call.func.attr
    if kind not in {"skip", "skipif"}:
        return None
    reason = ""
    for keyword in call.keywords:
        if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant):
            reason = str(keyword.value.value).strip()
    if kind == "skip":
        if call.args and isinstance(call.args[0], ast.Constant) and not reason:
            reason = str(call.args[0].value).strip()
        return "True", reason
    condition = ast.unparse(call.args[0]) if call.args else "True"
    return condition, reason


def pages() -> list[Path]:
    """Every Markdown page of the book, in a stable order."""
    return sorted(DOCS.rglob("*.md"))


def all_fences(page: Path) -> list[Block]:
    """Every fenced block of ``page`` (backticks or tildes), with code and markers attached."""
    extracted = {b.lineno: b for b in extract_from_file(page)}
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match["fence"]
        start = i
        i += 1
        while i < len(lines) and not lines[i].lstrip().startswith(fence):
            i += 1
        found = extracted.get(start + 1)
        blocks.append(
            Block(
                page=page,
                line=start + 1,
                info=match["info"].strip(),
                code=found.code if found else "\n".join(lines[start + 1 : i]),
                marks=list(found.marks) if found else [],
                tilde=fence.startswith("~"),
            )
        )
        i += 1
    return blocks


def problems(block: Block) -> list[str]:
    """Why ``block`` would go untested or be tested differently from the build; [] if fine."""
    lang = block.language
    where = block.where
    if lang == "":
        return [f"{where}: a fence without a language; write ```python (or ```text for output)"]
    if block.tilde and lang not in DISPLAY_ONLY:
        return [f"{where}: a ~~~ fence is never executed; use ``` backticks"]
    if lang in PYTHON_LOOKALIKES or (lang.lower() == "python" and lang != "python"):
        return [f"{where}: fence language '{lang}' is never executed; spell it 'python'"]
    if lang != "python":
        if lang in DISPLAY_ONLY:
            return []
        return [
            f"{where}: fence language '{lang}' is neither executed nor display-only "
            f"({', '.join(sorted(DISPLAY_ONLY))}); for terminal commands use 'console'"
        ]
    found: list[str] = []
    skip = block.skip
    other = [m for m in block.marks if parse_skip_mark(m) is None]
    if other:
        found.append(f"{where}: unsupported marker(s) {other}; only skip and skipif are allowed")
    if skip is not None and not skip[1]:
        found.append(f"{where}: a skipped block must state its reason: skip(reason=\"...\")")
    if skip is not None and not block.build_skipped:
        found.append(
            f"{where}: skipped in the tests but run by the site build; add "
            f'tags=["{BUILD_SKIP_TAG}"] to the fence'
        )
    if skip is None and block.build_skipped:
        found.append(
            f"{where}: tagged {BUILD_SKIP_TAG} (not run by the build) but not skipped in the "
            'tests; add <!--pytest.mark.skip(reason="...")--> above it'
        )
    return found


class DocsBlockError(Exception):
    """A docs code block raised: the message names the page and the block's first line."""


def run_page(page: Path) -> tuple[int, list[tuple[str, str]]]:
    """Execute the python blocks of ``page`` in order, in one namespace.

    Returns:
        ``(executed, skipped)``: how many blocks ran, and ``(where, reason)`` for each skip.

    Raises:
        DocsBlockError: from the first block that raises, naming the page and line. The
            original exception is chained, and its traceback points into the ``.md`` file.
    """
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__main__", "__file__": str(page)}
    executed, skipped = 0, []
    for block in all_fences(page):
        if block.language != "python":
            continue
        skip = block.skip
        if skip is not None:
            condition, reason = skip
            if eval(condition, namespace):  # noqa: S307 - the condition is the page's own code
                skipped.append((block.where, reason))
                continue
        # Pad with newlines so that line numbers in a traceback are the page's own lines.
        source = "\n" * block.line + block.code
        try:
            exec(compile(source, str(page), "exec"), namespace)  # noqa: S102
        except Exception as error:
            raise DocsBlockError(
                f"{block.where}: the code block starting at line {block.line + 1} of "
                f"{page.relative_to(ROOT)} raised {type(error).__name__}: {error}"
            ) from error
        finally:
            plt.close("all")
        executed += 1
    return executed, skipped
