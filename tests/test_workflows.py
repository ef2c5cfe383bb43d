"""The GitHub workflow files are valid, least-privilege, and pin their actions."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

WORKFLOWS = sorted(
    (Path(__file__).resolve().parent.parent / ".github" / "workflows").glob("*.y*ml")
)


def _load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:  # YAML 1.1 reads the key `on` as the boolean True
        doc["on"] = doc.pop(True)
    return doc


def _schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "github-workflows.json").read_text(encoding="utf-8"))


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path):
    jsonschema.validate(_load(path), _schema())


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_exact_versions(path):
    uses = re.findall(r"uses:\s*(\S+)", path.read_text(encoding="utf-8"))
    assert uses
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", ref), ref


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_privilege(path):
    doc = _load(path)
    assert doc.get("permissions") == {"contents": "read"}
    for name, job in doc["jobs"].items():
        granted = job.get("permissions", {})
        writes = {k for k, v in granted.items() if v == "write"}
        assert writes <= {"pages", "id-token"}, f"job {name} writes {writes}"
        if writes:
            assert job.get("if"), f"job {name} can write but runs on every event"


def test_ci_installs_cpu_torch_first():
    text = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    torch_at = text.index("pip install -q torch==2.13.0")
    assert torch_at < text.index('pip install -q -e ".[test,docs]"')


def test_the_schema_check_can_fail():
    broken = {"on": "push", "jobs": {"build": {"steps": [{"run": "true"}]}}}  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema())
