"""Lint the code of each page like package code: pyflakes rules over the page's blocks in order."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from docs_blocks import ROOT, all_fences, pages_with_code

PAGES_WITH_CODE = pages_with_code()


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    return [exe] if exe else [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_page_code_passes_pyflakes(page, tmp_path):
    # One file per page, each block padded to its own line: ruff's line numbers are the page's.
    lines: list[str] = []
    for block in all_fences(page):
        if block.language != "python":
            continue
        lines += [""] * (block.line - len(lines))
        lines += block.code.splitlines()
    script = tmp_path / f"{page.stem}.py"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # F: pyflakes (undefined names, unused imports and variables); E9: syntax errors.
    result = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "F,E9",
            "--output-format",
            "concise",
            str(script),
        ],
        capture_output=True,
        text=True,
    )
    report = result.stdout.replace(str(script), str(page.relative_to(ROOT)))
    assert result.returncode == 0, f"ruff found problems in the page's code:\n{report}"


def test_package_tests_hooks_and_benchmarks_pass_ruff():
    result = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "src",
            "tests",
            "overrides",
            "benchmarks",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"ruff (settings in pyproject.toml) found:\n{result.stdout}"
