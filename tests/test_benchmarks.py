"""The scripts in benchmarks/ run, and print the JSON report their docstring promises.

Each script runs once here with ``--quick --device cpu`` (small sizes: this checks that it works,
not how fast anything is). A new script in benchmarks/ is picked up without editing this file.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
# lighthouse.py measures the built site, not PyTorch (no --device): test_lighthouse.py runs it.
SCRIPTS = sorted(
    p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_") and p.stem != "lighthouse"
)

sys.path.insert(0, str(BENCHMARKS))
import _common  # noqa: E402


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    """Every script's report, from runs started together (each spends most of its time
    importing torch, so running them side by side roughly halves the wait)."""
    runs = {
        script.stem: subprocess.Popen(
            [sys.executable, str(script), "--quick", "--device", "cpu"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for script in SCRIPTS
    }
    out = {}
    for name, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"benchmarks/{name}.py failed:\n{stderr}"
        out[name] = json.loads(stdout)
    return out


def _numbers(value):
    """Every number inside a JSON value, however nested."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


def test_there_are_benchmarks():
    assert {"matmul", "normal_equation", "optimizers", "training", "vectorisation"} <= {
        s.stem for s in SCRIPTS
    }


@pytest.mark.parametrize("name", [s.stem for s in SCRIPTS])
def test_report_shape(reports, name):
    report = reports[name]
    assert report["benchmark"] == name
    assert report["quick"] is True
    assert report["environment"]["torch"] == torch.__version__
    assert report["results"], "a report with no measurements"
    numbers = list(_numbers(report["results"])) + list(_numbers(report.get("summary", {})))
    assert all(math.isfinite(x) for x in numbers)
    for row in report["results"]:
        for key, value in row.items():
            if "seconds" in key:
                seconds = value.values() if isinstance(value, dict) else [value]
                assert all(s > 0 for s in seconds), f"{name}: {key} = {value}"
        if "device" in row:
            assert row["device"] == "cpu"  # --device cpu was asked for


def test_vectorisation_reports_a_speedup_for_every_timed_method(reports):
    for row in reports["vectorisation"]["results"]:
        if "python_loop" in row["seconds"]:
            assert set(row["speedup_over_loop"]) == set(row["seconds"]) - {"python_loop"}


def test_optimizer_benchmark_covers_every_pair(reports):
    rows = reports["optimizers"]["results"]
    assert {r["optimizer"] for r in rows} == {"sgd", "momentum", "adagrad", "rmsprop", "adam"}
    for r in rows:
        assert r["dlcourse_over_torch"] == pytest.approx(r["dlcourse_seconds"] / r["torch_seconds"])


def test_normal_equation_summary_has_both_exponents(reports):
    summary = reports["normal_equation"]["summary"]
    assert set(summary) == {"closed_form_exponent", "gd_epoch_exponent"}


def test_devices_all_starts_with_the_cpu():
    assert _common.devices("all")[0] == torch.device("cpu")
    assert _common.devices("cpu") == [torch.device("cpu")]


def test_devices_rejects_unknown_and_absent_devices():
    with pytest.raises(ValueError, match="one of"):
        _common.devices("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="'cuda' is not available here; present: cpu"):
            _common.devices("cuda")


def test_a_missing_device_is_a_clean_command_line_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present here, so --device cuda is not an error")
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "matmul.py"), "--quick", "--device", "cuda"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2  # argparse's usage error
    assert "'cuda' is not available here" in result.stderr
