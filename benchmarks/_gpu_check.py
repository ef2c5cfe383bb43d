"""The work of ``benchmarks/gpu_check.sh``: run the book's GPU code once, write one JSON file.

Run from the repository root (the shell script does that). See ``gpu_check.sh`` for what runs.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("docs/chapters/16-transfer-learning.md", "docs/chapters/20-distributed-training.md")


def default_path() -> Path:
    out = os.environ.get("OUT")
    return Path(out) / "gpu_check.json" if out else Path("gpu_check.json")


def transfer_benchmark() -> dict:
    """``benchmarks/transfer.py --device cuda``: its JSON report, or why it failed."""
    done = subprocess.run(
        [sys.executable, "benchmarks/transfer.py", "--device", "cuda"],
        capture_output=True, text=True, cwd=ROOT, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        return {"ok": False, "returncode": done.returncode, "stderr": done.stderr[-4000:]}
    return {"ok": True, "report": json.loads(done.stdout)}


def cuda_tests() -> dict:
    """The tests whose names mention CUDA (on a CPU-only machine they skip themselves)."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "cuda.xml"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests",
             "-k", "cuda", f"--junitxml={junit}"],
            capture_output=True, text=True, cwd=ROOT, timeout=3600,
        )  # fmt: skip
        cases = []
        if junit.exists():
            for case in ElementTree.parse(junit).iter("testcase"):
                outcome = "passed"
                for kind in ("failure", "error", "skipped"):
                    found = case.find(kind)
                    if found is not None:
                        outcome = kind if kind == "skipped" else "failed"
                        outcome += f": {found.get('message', '')[:300]}"
                cases.append({"test": f"{case.get('classname')}::{case.get('name')}",
                              "outcome": outcome})  # fmt: skip
    return {"ok": done.returncode == 0, "returncode": done.returncode, "cases": cases,
            "summary": done.stdout.strip().splitlines()[-1:] if done.stdout else []}  # fmt: skip


def page_gpu_blocks(page: str) -> dict:
    """Execute a chapter as the build does; keep the outputs of its blocks marked for a GPU."""
    sys.path.insert(0, str(ROOT / "overrides"))
    import docs_blocks

    start = time.perf_counter()
    run = docs_blocks.execute(ROOT / page)
    blocks = []
    for cell in run.notebook.cells:
        meta = cell.get("metadata", {}).get("dlcourse", {})
        if cell.cell_type != "code" or not meta.get("skip"):
            continue
        text = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output.get("text", ""))
            elif "data" in output:
                text.append(output["data"].get("text/plain", ""))
            elif output.get("output_type") == "error":
                text.append(f"{output.get('ename')}: {output.get('evalue')}")
        blocks.append({"line": meta.get("line"), "reason": meta["skip"][1],
                       "ran": docs_blocks.SKIP_TAG not in cell.metadata.get("tags", []),
                       "output": "".join(text)})  # fmt: skip
    return {
        "ok": run.failure is None,
        "failure": None if run.failure is None else str(run.failure)[:4000],
        "skipped": [list(s) for s in run.skipped],
        "gpu_blocks": blocks,
        "cpu_seconds": run.cpu_seconds,
        "wall_seconds": time.perf_counter() - start,
    }


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: benchmarks/gpu_check.sh [PATH]", file=sys.stderr)
        return 2
    path = Path(argv[0]) if argv else default_path()
    import torch

    report = {
        "check": "gpu_check",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
    }
    if not torch.cuda.is_available():
        report["status"] = "skipped: no CUDA GPU on this machine"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(
            f"gpu_check: no CUDA GPU on this machine (torch {torch.__version__}), so there is "
            f"nothing to check here; wrote {path}. Run it on a machine with a CUDA GPU."
        )
        return 0
    report["gpu"] = torch.cuda.get_device_name(0)
    report["cuda"] = torch.version.cuda
    report["gpu_count"] = torch.cuda.device_count()
    steps = {
        "transfer_benchmark": transfer_benchmark,
        "cuda_tests": cuda_tests,
        **{f"page {page}": (lambda page=page: page_gpu_blocks(page)) for page in PAGES},
    }
    for name, step in steps.items():
        print(f"gpu_check: {name} ...", flush=True)
        try:
            report[name] = step()
        except Exception as error:  # one failing step must not lose the others' results
            report[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:4000]}
        print(f"gpu_check: {name}: {'ok' if report[name]['ok'] else 'FAILED'}", flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")  # after every step: partial results
    failed = [name for name in steps if not report[name]["ok"]]
    report["status"] = "ok" if not failed else f"failed: {', '.join(failed)}"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"gpu_check on {report['gpu']}: {report['status']}; wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
