"""Build a small copy of the site for tests: the real mkdocs.yml, with only chosen chapters run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp: Path, docs_dir: Path, execute: list[str], nav=None) -> Path:
    """A copy of mkdocs.yml that builds ``docs_dir`` into ``tmp/site``.

    Chapters whose file name is not in ``execute`` are left to MkDocs as plain Markdown, so
    they cost nothing. Paths are made absolute and the hooks are the real ones. The notebook
    cache is a folder of its own under ``tmp``: mkdocs-jupyter evicts every cache entry that a
    build does not use, so a small build sharing the book's cache would empty it.
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
