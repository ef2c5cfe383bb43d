"""Build a small copy of the site for tests: the real mkdocs.yml, with only chosen chapters run.

``book_site`` gives the tests one built book per session: the ``site/`` that ``mkdocs build``
just wrote (as ``.ci/run`` does before ``pytest``) when it is newer than every source, else a
small build of its own.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import importlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
# What a built site depends on: newer than all of these, site/ is the build of this tree.
SOURCES = [ROOT / "docs", ROOT / "src" / "dlcourse", ROOT / "overrides", ROOT / "mkdocs.yml"]
# The chapter the small build executes: math (wide equations too), figures, cross-links; no
# timing on it, so a busy machine cannot fail it.
MINI_CHAPTER = "07-backprop-by-hand.md"
# A chapter page's HTML, images not counted (issue 12: a reader on a phone pays it every click).
PAGE_BUDGET = 200_000


# The browser the site is checked in: Debian's chromium (or Chrome, as on GitHub's runners).
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
# What the host compresses (GitHub Pages gzips text): a page weighs on a phone what it weighs
# compressed. The figures' SVG too.
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".ipynb"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site as its host does: files, gzip for text, 404.html for what is missing.

    Every path that was missing is recorded in ``missing`` (a list the server shares).
    """

    missing: list[str]

    def log_message(self, format, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        self.missing.append(self.path)  # a missing file is a failure, even if unseen
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_head(self):
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the redirect to the folder's own URL
            target = target / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and target.suffix in COMPRESSED and target.is_file()):
            return super().send_head()
        body = gzip.compress(target.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(target)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1; yields (base URL, the list of missing paths asked for)."""
    missing: list[str] = []
    handler = functools.partial(
        type("Handler", (SiteHandler,), {"missing": missing}), directory=str(folder)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", missing
    finally:
        server.shutdown()
        server.server_close()


def chapters() -> list[str]:
    """The file names of the book's chapters, in order."""
    return sorted(p.name for p in (ROOT / "docs" / "chapters").glob("*.md"))


def site_helpers():
    """The ``overrides/dlsite`` package that the build hooks use, for unit tests: imported from
    ``overrides/`` on sys.path, as the hooks and conftest.py do."""
    if str(ROOT / "overrides") not in sys.path:
        sys.path.insert(0, str(ROOT / "overrides"))
    for name in ("adapters", "highlight", "notebook_page", "download", "math", "squeeze"):
        importlib.import_module(f"dlsite.{name}")
    return sys.modules["dlsite"]


def _newest(paths: list[Path]) -> float:
    """The latest modification time of the files under ``paths`` (bytecode caches aside)."""
    files = [p for p in paths if p.is_file()]
    files += [f for p in paths if p.is_dir() for f in p.rglob("*") if f.is_file()]
    return max(f.stat().st_mtime for f in files if "__pycache__" not in f.parts)


def fresh_full_site() -> bool:
    """Whether ``site/`` holds a complete build (every chapter executed) newer than its sources."""
    pages = [SITE / "chapters" / name.removesuffix(".md") / "index.html" for name in chapters()]
    if not all(page.is_file() for page in pages):
        return False
    wrapper = f'class="{site_helpers().adapters.NOTEBOOK_WRAPPER_CLASS}"'  # an executed chapter
    if not all(wrapper in page.read_text(encoding="utf-8") for page in pages):
        return False
    return min(p.stat().st_mtime for p in pages) > _newest(SOURCES)


_BOOK: dict[str, object] = {}


def book_site(tmp_path_factory) -> tuple[Path, list[str]]:
    """The built book for this test session, and the chapters that were executed in it.

    Reuses ``site/`` when :func:`fresh_full_site` (every page of the real build is then
    tested); otherwise builds the book once into a temporary folder with only
    ``MINI_CHAPTER`` executed (the other chapters are rendered as plain Markdown).
    """
    if "site" not in _BOOK:
        if fresh_full_site():
            _BOOK["site"], _BOOK["executed"] = SITE, chapters()
        else:
            tmp = tmp_path_factory.mktemp("book")
            result = build(write_config(tmp, ROOT / "docs", execute=[MINI_CHAPTER]))
            assert result.returncode == 0, result.stdout + result.stderr
            _BOOK["site"], _BOOK["executed"] = tmp / "site", [MINI_CHAPTER]
    return _BOOK["site"], _BOOK["executed"]


def write_config(
    tmp: Path, docs_dir: Path, execute: list[str], nav=None, run_cells: bool = True
) -> Path:
    """A copy of mkdocs.yml that builds ``docs_dir`` into ``tmp/site``.

    Chapters whose file name is not in ``execute`` are left to MkDocs as plain Markdown, so
    they cost nothing. Paths are made absolute and the hooks are the real ones. The notebook
    cache is a folder of its own under ``tmp``: mkdocs-jupyter evicts every cache entry that a
    build does not use, so a small build sharing the book's cache would empty it. With
    ``run_cells=False`` the chapters in ``execute`` are rendered as notebooks without running.
    """
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs_dir)
    config["site_dir"] = str(tmp / "site")
    config["theme"]["custom_dir"] = str(ROOT / "overrides")
    config["hooks"] = [str(ROOT / h) for h in config["hooks"]]
    if nav is not None:
        config["nav"] = nav
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            skipped = [
                p.name for p in (docs_dir / "chapters").glob("*.md") if p.name not in execute
            ]
            plugin["mkdocs-jupyter"]["ignore"] = [f"*/chapters/{name}" for name in skipped]
            plugin["mkdocs-jupyter"]["cache_dir"] = str(tmp / "notebook-cache")
    # Read by overrides/hooks.py: False renders the chapters without running them.
    config.setdefault("extra", {})["dlcourse_execute"] = run_cells
    path = tmp / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def build(config: Path, strict: bool = False) -> subprocess.CompletedProcess:
    """Run ``mkdocs build`` on ``config``; returns the finished process (output captured)."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config)]
    if strict:
        command.append("--strict")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
