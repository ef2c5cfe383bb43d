"""A build reads each chapter once: executing it, keying its stored run and writing its download
share one reading (``docs_blocks.begin_build``). One small build (about fifteen seconds), in a
subprocess whose file opens are counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

from site_build import ROOT, write_config

HEADER = (ROOT / "docs" / "chapters" / "04-linear-regression.md").read_text(encoding="utf-8")
HEADER = "---" + HEADER.split("---")[1] + "---\n"

# Runs `mkdocs build` in process and counts each open of the chapter, by who opened it: the
# build's own code (a frame in overrides/), mkdocs-jupyter alone, or anything else.
COUNTER = """\
import builtins, collections, io, json, os, sys, traceback
config, name, overrides = sys.argv[1:4]
real, counts = io.open, collections.Counter()

def counting(file, *args, **kwargs):
    if isinstance(file, (str, bytes, os.PathLike)) and os.fsdecode(file).endswith(name):
        frames = [f.filename for f in traceback.extract_stack()[:-1]]
        if any(f.startswith(overrides) for f in frames):
            counts["overrides"] += 1
        elif any("mkdocs_jupyter" in f for f in frames):
            counts["mkdocs-jupyter"] += 1
        else:
            counts["other"] += 1
    return real(file, *args, **kwargs)

builtins.open = io.open = counting
from mkdocs.__main__ import cli
try:
    cli(["build", "-q", "-f", config])
except SystemExit as exit:
    assert not exit.code, exit.code
print(json.dumps(counts))
"""


def test_a_build_reads_a_chapter_once(tmp_path):
    docs = tmp_path / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\n[One](chapters/01-reads.md)\n", encoding="utf-8")
    # A fresh page (no stored run to reuse): it is executed, quoted and written as a download.
    (docs / "chapters" / "01-reads.md").write_text(
        f"{HEADER}\n# One\n\n<!-- {uuid.uuid4()} -->\n\n```python\nx = 2\n```\n\n"
        "x is {{ x }}.\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path, docs, ["01-reads.md"], nav=["index.md", "chapters/01-reads.md"])
    result = subprocess.run(
        [sys.executable, "-c", COUNTER, str(config), "01-reads.md", str(ROOT / "overrides")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    page = (tmp_path / "site" / "chapters" / "01-reads" / "index.html").read_text("utf-8")
    assert "x is 2." in page, "the chapter was executed and its placeholder filled in"
    # mkdocs-jupyter's own on_files reads every Markdown file once (jupytext) to decide whether
    # it is a notebook; the build's code reads the chapter once more, and only once.
    assert counts == {"overrides": 1, "mkdocs-jupyter": 1}, counts
