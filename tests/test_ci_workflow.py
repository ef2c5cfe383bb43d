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


def pinning_problems(text: str) -> list[str]:
    """Every ``uses:`` that is not pinned to a full commit SHA with its tag in a comment."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = re.search(r"uses:\s*(\S+)", line)
        if not match or match[1].startswith("./"):  # a local action lives in this repository
            continue
        pinned = re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match[1])
        tagged = re.search(r"#\s*v\d+(\.\d+)*\s*$", line)
        if not (pinned and tagged):
            found.append(f"line {number}: {line.strip()}")
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha_with_their_tag(path):
    text = path.read_text(encoding="utf-8")
    assert re.search(r"uses:", text)
    problems = pinning_problems(text)
    assert not problems, "pin actions by SHA, tag in a comment (uses: a/b@<sha>  # v1.2.3):\n" + (
        "\n".join(problems)
    )


@pytest.mark.parametrize(
    "line",
    [
        "- uses: actions/checkout@v4.2.2",
        "- uses: actions/checkout@v4",
        "- uses: actions/checkout@main",
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",  # no tag comment
        "- uses: actions/checkout@11bd719  # v4.2.2",  # a short SHA can be ambiguous
    ],
)
def test_the_pin_check_rejects_tags_branches_and_bare_shas(line):
    assert pinning_problems(line)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_keeps_no_credentials(path):
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, step


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
    """CI runs the README's test command, book.py, which installs torch pinned, then the rest."""
    root = Path(__file__).resolve().parent.parent
    assert "python3 book.py test" in (root / ".ci" / "run").read_text(encoding="utf-8")
    text = (root / "book.py").read_text(encoding="utf-8")
    assert 'TORCH = "torch==2.13.0"' in text
    torch_at = text.index('pip(python, "-q", TORCH')
    assert torch_at < text.index('pip(python, "-q", "-e", EXTRAS)')


def test_the_schema_check_can_fail():
    broken = {"on": "push", "jobs": {"build": {"steps": [{"run": "true"}]}}}  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema())
