"""Read, check and execute the code of the book's Markdown pages: one reading for tests and build.

A page is read once, here, and both the test suite and the site build use that reading:

1. pytest-codeblocks extracts the ```` ```python ```` blocks with their line numbers and their
   ``<!--pytest.mark.skip(reason="...")-->`` / ``skipif(...)`` markers. That marker is the one
   way to keep a block from running; the suite and the build both honour it.
2. ``notebook(page)`` turns the page into the notebook a reader gets from jupytext (Markdown
   cells as jupytext splits them), after proving that jupytext's code cells are exactly the
   blocks pytest-codeblocks found: same count, same code, same order. A page the two would read
   differently (a fence indented under a list item, say) is an error, not a silent difference.
3. ``execute(page)`` runs that notebook in a fresh Jupyter kernel, cell by cell, as the site
   shows it and as a reader runs it. A failure names the page and the line; the partly executed
   notebook is kept so that ``mkdocs serve`` can show it.
4. ``cached_execute(page)`` keeps an executed notebook keyed on the page and on the package
   modules that the run imported: the build and a later ``pytest`` share one execution.

Every fence, whatever its language, is also classified, so that a test can fail on a block that
would silently never run.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import io
import json
import os
import platform
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import quoting
from dlsite import adapters

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _package_dir() -> Path:
    """The ``dlcourse`` that a page's kernel imports: this environment's, which is ``src/dlcourse``
    for an editable install, or another copy first on ``PYTHONPATH``."""
    import importlib.util

    spec = importlib.util.find_spec("dlcourse")
    return Path(spec.origin).parent if spec and spec.origin else ROOT / "src" / "dlcourse"


PACKAGE = _package_dir()
CACHE = ROOT / ".cache" / "executed"

# Blocks in these languages are text for the reader (output, config, a terminal session), not
# code for the suite to run. Everything else must be ```python, or the guard fails.
DISPLAY_ONLY = {"text", "console", "yaml", "toml", "json", "html", "ini", "diff"}
# A fence spelled like Python but not exactly "python" is skipped by pytest-codeblocks.
PYTHON_LOOKALIKES = {"py", "py3", "python3", "ipython", "ipython3", "pycon", "pytb"}
# nbclient's own tag for a cell it must not run. Pages never write it: ``notebook()`` sets it
# from the page's pytest marker, so that there is one marker to write.
SKIP_TAG = "skip-execution"
# The longest a single cell may run before the kernel is interrupted (a hang, not a budget).
CELL_TIMEOUT = 600
# The executor's own source (this file and the quoting of numbers into prose): when the way
# pages are executed changes, old cached executions are ignored, with nothing to bump by hand.
EXECUTOR_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + (Path(__file__).parent / "quoting.py").read_bytes()
).hexdigest()[:16]
# Environment variables that change a page's numbers without changing its text: the portability
# check runs every chapter under a second numeric configuration (see tests/test_portability.py).
NUMERIC_SWITCHES = ("ATEN_CPU_CAPABILITY", "DLCOURSE_THREADS")

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Block:
    """One fenced block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    info: str  # everything after the backticks: language and jupytext cell metadata
    code: str = ""
    marks: list[str] = field(default_factory=list)
    tilde: bool = False  # ~~~ fences: pytest-codeblocks only sees backtick fences
    indent: str = ""

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def tags(self) -> list[str]:
        """The jupytext ``tags=[...]`` of the fence, e.g. ``["checks"]``."""
        return adapters.fence_tags(self.info)

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
        return f"{_relative(self.page)}:{self.line}"


def _relative(page: Path) -> str:
    try:
        return str(page.relative_to(ROOT))
    except ValueError:
        return str(page)


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


# --- One reading of a page per build -----------------------------------------------------------
# During a build (``begin_build``, from the hooks' ``on_pre_build``) each page is read from disk
# and parsed once: its bytes, its fences and its notebook are kept, keyed on the page's path,
# modification time and size, and every later use in the build (execution, the stored run's key,
# the downloaded notebook) gets the same reading. Outside a build (the tests), every call reads
# the file afresh.
_readings: dict[Path, dict] | None = None


def begin_build() -> None:
    """Start a build: forget the readings of the previous one (``mkdocs serve`` rebuilds)."""
    global _readings
    _readings = {}


def _reading(page: Path) -> dict:
    """The page's reading: ``{"bytes": ...}``, plus its parses as they are made."""
    if _readings is None:
        return {"bytes": page.read_bytes()}
    stat = page.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    found = _readings.get(page.absolute())
    if found is None or found["key"] != key:
        found = _readings[page.absolute()] = {"key": key, "bytes": page.read_bytes()}
    return found


def page_text(page: Path) -> str:
    """The page's text, as ``page.read_text(encoding="utf-8")`` reads it (newlines made ``\\n``)."""
    return io.TextIOWrapper(io.BytesIO(_reading(page)["bytes"]), encoding="utf-8").read()


def pages() -> list[Path]:
    """Every Markdown page of the book, in a stable order."""
    return sorted(DOCS.rglob("*.md"))


def pages_with_code() -> list[Path]:
    """The pages that carry at least one python block: the ones the suite executes."""
    return [p for p in pages() if python_blocks(p)]


def all_fences(page: Path) -> list[Block]:
    """Every fenced block of ``page`` (backticks or tildes), with code and markers attached."""
    reading = _reading(page)
    if "fences" not in reading:
        reading["fences"] = _fences(page, page_text(page))
    return list(reading["fences"])


def _fences(page: Path, text: str) -> list[Block]:
    from pytest_codeblocks import extract_from_buffer

    extracted = {b.lineno: b for b in extract_from_buffer(io.StringIO(text))}
    blocks: list[Block] = []
    lines = text.splitlines()
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
                indent=match["indent"],
            )
        )
        i += 1
    return blocks


def python_blocks(page: Path) -> list[Block]:
    """The blocks of ``page`` that run: its ```` ```python ```` fences, in page order."""
    return [b for b in all_fences(page) if b.language == "python"]


def problems(block: Block) -> list[str]:
    """Why ``block`` would go untested or be read differently by the build; [] if fine."""
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
    if block.indent:
        found.append(
            f"{where}: an indented python fence (under a list item?) is read as a code cell by "
            "the tests but as text by jupytext; start the fence at the left margin"
        )
    skip = block.skip
    other = [m for m in block.marks if parse_skip_mark(m) is None]
    if other:
        found.append(f"{where}: unsupported marker(s) {other}; only skip and skipif are allowed")
    if skip is not None and not skip[1]:
        found.append(f'{where}: a skipped block must state its reason: skip(reason="...")')
    if SKIP_TAG in block.tags:
        found.append(
            f'{where}: drop tags=["{SKIP_TAG}"]: the marker <!--pytest.mark.skip(reason="...")--> '
            "above the fence is the one way to skip a block, and the build honours it"
        )
    return found


class PageReadingError(ValueError):
    """jupytext and pytest-codeblocks read a page's code differently."""


def notebook(page: Path):
    """The page as the notebook the build executes and a reader downloads.

    Markdown cells are jupytext's; code cells are checked against ``python_blocks(page)`` and
    carry ``metadata.dlcourse = {"line": fence line, "skip": [condition, reason] or None}``.

    Raises:
        PageReadingError: the code cells jupytext reads are not the python blocks the tests run.
    """
    reading = _reading(page)
    if "notebook" not in reading:
        reading["notebook"] = _notebook(page)
    return copy.deepcopy(reading["notebook"])


def _notebook(page: Path):
    import jupytext

    # As jupytext.read(page) reads it: the format from the file's extension.
    nb = jupytext.reads(page_text(page), fmt={"extension": page.suffix})
    blocks = python_blocks(page)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    if len(cells) != len(blocks):
        lines = ", ".join(str(b.line) for b in blocks)
        raise PageReadingError(
            f"{_relative(page)}: jupytext reads {len(cells)} code cells but the tests find "
            f"{len(blocks)} python blocks (fences at lines {lines}); an indented fence or a "
            "fence jupytext does not treat as code makes them differ"
        )
    for cell, block in zip(cells, blocks, strict=True):
        if cell.source.strip("\n") != block.code.strip("\n"):
            raise PageReadingError(
                f"{block.where}: jupytext and the tests read this block's code differently"
            )
        cell.metadata["dlcourse"] = {"line": block.line, "skip": block.skip}
    return nb


@dataclass
class Failure:
    """Where and how a page's code failed."""

    where: str  # page:line of the failing line (or of its block's fence)
    ename: str
    evalue: str
    traceback: str  # plain text, colours stripped

    def __str__(self) -> str:
        return f"{self.where}: {self.ename}: {self.evalue}\n{self.traceback}"


@dataclass
class Run:
    """One execution of a page."""

    page: Path
    notebook: object  # nbformat.NotebookNode, executed (up to the failure, if any)
    executed: int
    skipped: list[tuple[str, str]]  # (page:line, reason)
    failure: Failure | None
    cpu_seconds: float  # the kernel's own CPU time: other processes on the machine do not count
    modules: list[str]  # the dlcourse modules the run imported
    environment: dict = field(default_factory=dict)
    cached: bool = False
    quoted: int = 0  # placeholders of the prose filled in from this run


class DocsBlockError(Exception):
    """A docs code block raised: the message names the page and the failing line."""


# Run in the page's kernel after its last cell, as a cell of its own (see execute).
PROVENANCE_SOURCE = (Path(__file__).parent / "dlsite" / "provenance_cell.py").read_text("utf-8")
PROVENANCE_TAG = "dl-provenance"  # the tag overrides/dlsite/notebook_page.py renders

# Run in the kernel after the page: what the page imported and how much CPU it used.
_REPORT = """\
import json as _json, platform as _platform, sys as _sys, time as _time
print(_json.dumps({
    "modules": sorted(m for m in _sys.modules if m.split(".")[0] == "dlcourse"),
    "cpu_seconds": _time.process_time(),
    "python": _platform.python_version(),
    "versions": {m: getattr(_sys.modules[m], "__version__", None)
                 for m in ("numpy", "torch") if m in _sys.modules},
}))
"""


def _failure(page: Path, cell, error) -> Failure:
    tb = ANSI.sub("", str(error.traceback))
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            tb = ANSI.sub("", "\n".join(output.get("traceback", [])))
    line = cell.metadata["dlcourse"]["line"]
    found = adapters.IPYTHON_CELL_LINE.search(tb)
    if found:  # the fence is line `line`; the cell's first line is the next one
        line += int(found.group(1))
    return Failure(f"{_relative(page)}:{line}", error.ename, error.evalue, tb)


def execute(
    page: Path, cwd: Path | None = None, kernel_name: str = "python3", env: dict | None = None
) -> Run:
    """Run the page's notebook in a fresh kernel, cell by cell, and report what happened.

    A Markdown cell's placeholders (``{{ expr:fmt }}``, see ``quoting``) are filled in when the
    run reaches that cell: with the values of the code above it, in the same kernel.

    Args:
        page: a Markdown page of the book.
        cwd: the kernel's working directory (a page that writes files writes them there);
            default: a fresh temporary folder.
        env: variables set for the kernel only, on top of this process's environment (the
            portability check's ``ATEN_CPU_CAPABILITY=default``, say).

    Returns:
        A ``Run``. A failing cell does not raise: ``run.failure`` says where, and the cells
        after it are left unexecuted in ``run.notebook``.
    """
    import nbformat
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = notebook(page)
    executed, skipped, failure, report, filled = 0, [], None, {}, []
    placeholder_lines = iter(quoting.page_lines(page_text(page)))
    with tempfile.TemporaryDirectory(prefix="dlcourse-kernel-") as tmp:
        workdir = Path(cwd) if cwd is not None else Path(tmp)
        # IPC sockets in a private folder: local, and no "running over TCP" warning.
        km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=str(Path(tmp) / "k"))
        client = NotebookClient(
            nb,
            km=km,
            timeout=CELL_TIMEOUT,
            allow_errors=False,
            record_timing=False,  # no timestamps in the stored notebook
            resources={"metadata": {"path": str(workdir)}},
        )

        def probe(source: str) -> str:
            """Run ``source`` in the page's kernel, outside the notebook; return what it printed."""
            printed: list[str] = []

            def collect(msg):
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    printed.append(content["text"])
                elif msg["msg_type"] == "execute_result":
                    printed.append(content["data"].get("text/plain", ""))
                elif msg["msg_type"] == "error":
                    printed.append(f"{content['ename']}: {content['evalue']}")

            run_sync(client.kc.execute_interactive)(
                source, output_hook=collect, store_history=False, timeout=CELL_TIMEOUT
            )
            return "".join(printed)

        def quote(cell) -> Failure | None:
            """Fill in the placeholders of a Markdown cell from the kernel's current values."""
            try:
                found = quoting.find(cell.source)
            except quoting.QuoteError as error:
                bad = quoting.problems(page_text(page))
                line = bad[0][0] if bad else cell.metadata.get("dlcourse", {}).get("line", 0)
                return Failure(f"{_relative(page)}:{line}", "QuoteError", str(error), "")
            if not found:
                return None
            lines = [next(placeholder_lines, 0) for _ in found]
            reply = run_sync(client.kc.execute_interactive)(
                "",
                silent=True,
                store_history=False,
                user_expressions={str(i): p.code for i, p in enumerate(found)},
                timeout=CELL_TIMEOUT,
            )
            results = reply["content"].get("user_expressions", {})
            values = []
            for i, (placeholder, line) in enumerate(zip(found, lines, strict=True)):
                result = results.get(str(i), {"status": "error", "ename": "?", "evalue": "?"})
                if result["status"] != "ok":
                    return Failure(
                        f"{_relative(page)}:{line}",
                        result.get("ename", "Error"),
                        f"{result.get('evalue', '')} (in the prose placeholder {placeholder.text})",
                        ANSI.sub("", "\n".join(result.get("traceback", []))),
                    )
                values.append(ast.literal_eval(result["data"]["text/plain"]))
            cell.source = quoting.fill(cell.source, found, values)
            filled.append(len(found))
            return None

        kernel_env = {**os.environ, **env} if env else None
        with client.setup_kernel(cwd=str(workdir), **({"env": kernel_env} if env else {})):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "markdown":
                    failure = quote(cell)
                    if failure is not None:
                        break
                    continue
                if cell.cell_type != "code":
                    continue
                where = f"{_relative(page)}:{cell.metadata['dlcourse']['line']}"
                skip = cell.metadata["dlcourse"]["skip"]
                # The condition is evaluated in the page's own namespace, in the kernel.
                if skip is not None and probe(f"bool({skip[0]})").strip() == "True":
                    cell.metadata.setdefault("tags", []).append(SKIP_TAG)
                    skipped.append((where, skip[1]))
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    failure = _failure(page, cell, error)
                    break
                executed += 1
            if failure is None:
                # When, with what and on which device the page ran: the last cell of the page
                # the site shows (tagged, so the site renders it as one line), not of the
                # notebook a reader downloads.
                provenance = nbformat.v4.new_code_cell(
                    PROVENANCE_SOURCE, metadata={"tags": [PROVENANCE_TAG]}
                )
                if nb.nbformat_minor < 5:  # cell ids came with nbformat 4.5
                    del provenance["id"]
                nb.cells.append(provenance)
                client.execute_cell(provenance, len(nb.cells) - 1, store_history=False)
            report = json.loads(probe(_REPORT).strip().splitlines()[-1])
    return Run(
        page=page,
        notebook=nb,
        executed=executed,
        skipped=skipped,
        failure=failure,
        cpu_seconds=report.get("cpu_seconds", float("nan")),
        modules=report.get("modules", []),
        environment={k: report.get(k) for k in ("python", "versions")},
        quoted=sum(filled),
    )


def run_page(page: Path, cwd: Path | None = None) -> tuple[int, list[tuple[str, str]]]:
    """Execute ``page`` (see ``execute``) and raise ``DocsBlockError`` if a block fails.

    Returns:
        ``(executed, skipped)``: how many blocks ran, and ``(where, reason)`` for each skip.
    """
    run = execute(page, cwd)
    if run.failure is not None:
        raise DocsBlockError(str(run.failure))
    return run.executed, run.skipped


# --- One execution for the build and the tests ------------------------------------------------


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _package_data_digest() -> str:
    """Files of the package that are not Python (a shipped checkpoint, say): any page may read
    them, so they count for every page."""
    digest = hashlib.sha256()
    for path in sorted(
        p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}
    ):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _page_key(page: Path, env: dict | None = None) -> str:
    """What a run depends on besides the package modules it imports."""
    import importlib.metadata as md

    versions = {
        name: _version(md, name) for name in ("torch", "numpy", "matplotlib", "scikit-learn")
    }
    # A reader's switches (DLCOURSE_BIG=1, say) change what a page runs.
    merged = {**os.environ, **(env or {})}
    switches = {
        k: v
        for k, v in sorted(merged.items())
        if k.startswith("DLCOURSE_") or k in NUMERIC_SWITCHES
    }
    parts = [EXECUTOR_VERSION, PROVENANCE_SOURCE, platform.python_version()]
    parts.append(json.dumps([versions, switches]))
    return _digest(_reading(page)["bytes"] + "|".join(parts).encode())


def _version(md, name: str) -> str:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "absent"


def _modules_digest(modules: list[str]) -> dict[str, str]:
    found = {}
    for module in modules:
        path = _module_file(module)
        found[module] = _digest(path.read_bytes()) if path else "absent"
    found["<package data>"] = _package_data_digest()
    return found


def _cache_name(page: Path) -> str:
    """A file name for the page: its path below docs/, slashes made double dashes."""
    try:
        return page.relative_to(DOCS).with_suffix("").as_posix().replace("/", "--")
    except ValueError:
        return page.stem


def _cache_paths(page: Path, env: dict | None = None) -> tuple[Path, Path]:
    stem = f"{_cache_name(page)}.{_page_key(page, env)}"
    return CACHE / f"{stem}.ipynb", CACHE / f"{stem}.json"


def cached_run(page: Path, env: dict | None = None) -> Run | None:
    """The stored successful run of ``page``, if nothing it depends on has changed since."""
    import nbformat

    nb_path, meta_path = _cache_paths(page, env)
    if not (nb_path.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["digests"] != _modules_digest(meta["modules"]):
        return None  # a module the page imported has changed since
    return Run(
        page=page,
        notebook=nbformat.read(nb_path, as_version=4),
        executed=meta["executed"],
        skipped=[tuple(s) for s in meta["skipped"]],
        failure=None,
        cpu_seconds=meta["cpu_seconds"],
        modules=meta["modules"],
        environment=meta.get("environment", {}),
        cached=True,
        quoted=meta.get("quoted", 0),
    )


def cached_execute(page: Path, env: dict | None = None) -> Run:
    """``execute(page)``, or its stored result when the page and the modules it uses are the same.

    Only successful runs are stored. A run depends on the page's bytes, the versions of Python,
    torch, NumPy, matplotlib and scikit-learn, and the source of every ``dlcourse`` module the
    run imported (recorded in the kernel after the run): an edit to a module that a chapter
    never imports does not re-run that chapter.
    """
    import nbformat

    run = cached_run(page, env)
    if run is not None:
        return run
    # The key of the page as it is now, before it runs: an edit made meanwhile must not be
    # stored under the output of the older text.
    nb_path, meta_path = _cache_paths(page, env)
    run = execute(page, env=env)
    if run.failure is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(f"{_cache_name(page)}.*.json"):
            # One stored run per page and configuration: older ones can never be hit again.
            if json.loads(old.read_text(encoding="utf-8")).get("env", {}) == (env or {}):
                old.unlink(missing_ok=True)
                old.with_suffix(".ipynb").unlink(missing_ok=True)
        # Written under temporary names and renamed: a build and a test run may share the cache.
        tmp_nb = nb_path.with_suffix(f".{os.getpid()}.tmp")
        nbformat.write(run.notebook, tmp_nb)
        os.replace(tmp_nb, nb_path)
        meta = {
            "page": _relative(page),
            "executed": run.executed,
            "skipped": run.skipped,
            "cpu_seconds": run.cpu_seconds,
            "modules": run.modules,
            "digests": _modules_digest(run.modules),
            "environment": run.environment,
            "env": env or {},
            "quoted": run.quoted,
        }
        tmp_meta = meta_path.with_suffix(f".{os.getpid()}.tmp")
        tmp_meta.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(tmp_meta, meta_path)
    return run


def executed_notebook_path(page: Path, env: dict | None = None) -> Path:
    """Where ``cached_execute`` stored the page's executed notebook."""
    return _cache_paths(page, env)[0]
