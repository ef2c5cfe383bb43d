"""A downloaded chapter, run as a reader runs it: a fresh virtual environment, the notebook's own
install cell, then every cell, top to bottom.

The install cell installs PyTorch (pinned) and the wheel of ``dlcourse`` that the site serves,
by the site's URL; here the URL is pointed at that same file in the built site. Jupyter's kernel
and runner (``ipykernel``, ``nbclient``) are installed as the cell's note tells a reader without
Jupyter. Nothing of this repository is importable in that environment: the chapter runs on the
wheel alone, so a module missing from the wheel, or a dependency missing from its metadata,
fails here.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import venv
from pathlib import Path

import docs_blocks
import nbformat
import pytest
from site_build import book_site

# A chapter that needs only the package's own dependencies, and runs in seconds.
CHAPTER = "14-attention"
SITE_URL = "https://dlcourse.github.io/dlcourse/"


def _python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    env = tmp_path_factory.mktemp("reader") / "venv"
    try:
        venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot create a virtual environment here ({error}); Debian: python3-venv")
    return env


def _clean_env(env: Path) -> dict:
    """The environment a reader's terminal would have in ``env``: nothing from ours."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    clean["VIRTUAL_ENV"] = str(env)
    clean["PATH"] = str(_python(env).parent) + os.pathsep + clean.get("PATH", "")
    clean["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    clean["PIP_NO_COMPILE"] = "1"  # no bytecode for torch's thousands of modules: minutes saved
    clean["JUPYTER_PLATFORM_DIRS"] = "1"
    return clean


def _install_commands(notebook, site: Path) -> list[list[str]]:
    """The install cell's ``%pip install`` lines, as pip arguments, the site's URL made a path."""
    first = notebook.cells[0]
    assert "dl-install" in first.metadata.get("tags", []), "the first cell installs"
    commands = []
    for line in first.source.splitlines():
        if not line.startswith("%pip install "):
            continue
        args = shlex.split(line)[2:]
        args = [str(site / a.removeprefix(SITE_URL)) if a.startswith(SITE_URL) else a for a in args]
        if args[0].startswith("torch") and os.environ.get("BOOK_TORCH_INDEX_URL"):
            args += ["--index-url", os.environ["BOOK_TORCH_INDEX_URL"]]  # as the cell suggests
        commands.append(args)
    return commands


def test_a_downloaded_chapter_runs_in_a_fresh_environment_from_the_sites_wheel(
    fresh_venv, tmp_path_factory, tmp_path
):
    site, _ = book_site(tmp_path_factory)
    notebook = nbformat.read(site / "chapters" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    commands = _install_commands(notebook, site)
    assert [c[0].split("==")[0] for c in commands] == ["torch", str(commands[1][0])]
    assert Path(commands[1][0]).is_file() and commands[1][0].endswith("-py3-none-any.whl")
    python = str(_python(fresh_venv))
    env = _clean_env(fresh_venv)

    def pip(*args):
        result = subprocess.run(
            [python, "-m", "pip", "install", "-q", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=900,
        )
        assert result.returncode == 0, f"pip install {args}:\n{result.stdout}{result.stderr}"

    for args in commands:  # the notebook's own cell, in its order: torch first
        pip(*args)
    pip("ipykernel", "nbclient")  # Jupyter, as the cell's note says for a reader without it

    # One more cell at the end: which Python and which dlcourse ran the chapter.
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import sys, dlcourse, json; print(json.dumps([sys.prefix, dlcourse.__file__]))"
        )
    )
    path = tmp_path / f"{CHAPTER}.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run(
        [str(_python(fresh_venv).parent / "jupyter-execute"), "--inplace", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ran = nbformat.read(path, as_version=4)
    errors = [o for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in errors if o.get("output_type") == "error"]
    prefix, module = json.loads(ran.cells[-1].outputs[0]["text"])
    assert Path(prefix) == fresh_venv, f"the kernel ran in {prefix}, not in the fresh environment"
    assert Path(module).is_relative_to(fresh_venv), f"dlcourse came from {module}, not the wheel"
    code = [
        c
        for c in ran.cells
        if c.cell_type == "code" and docs_blocks.SKIP_TAG not in c.metadata.get("tags", [])
    ]
    assert code and all(c.get("execution_count") for c in code), "every code cell ran"
