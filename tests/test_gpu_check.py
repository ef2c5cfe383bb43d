"""benchmarks/gpu_check.sh: one prepared run of the book's GPU code. Without CUDA it exits 0,
says why nothing ran, and still writes its JSON file; with CUDA, the real run is the check."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present: the real run applies")
def test_without_cuda_it_says_so_and_exits_0(tmp_path):
    out = tmp_path / "report" / "gpu.json"
    done = subprocess.run([str(SCRIPT), str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "no CUDA GPU on this machine" in done.stdout and str(out) in done.stdout
    report = json.loads(out.read_text())
    assert report["cuda_available"] is False and report["status"].startswith("skipped")


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present: the real run applies")
def test_the_default_path_is_under_OUT(tmp_path):
    env = dict(os.environ, OUT=str(tmp_path))
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "gpu_check.json").read_text())["check"] == "gpu_check"


def test_a_wrong_argument_is_a_usage_error(tmp_path):
    done = subprocess.run([str(SCRIPT), "--all"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "usage: benchmarks/gpu_check.sh [PATH]" in done.stderr


def test_it_runs_what_the_chapters_promise():
    # the pages name this script for their GPU blocks; the script runs those pages' blocks
    source = (ROOT / "benchmarks" / "_gpu_check.py").read_text()
    for page in ("16-transfer-learning.md", "20-distributed-training.md"):
        assert page in source
        text = (ROOT / "docs" / "chapters" / page).read_text()
        assert "benchmarks/gpu_check.sh" in text
        marker = 'pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")'
        assert marker in text
    assert '"benchmarks/transfer.py", "--device", "cuda"' in source and '"-k", "cuda"' in source
