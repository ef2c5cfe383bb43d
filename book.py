#!/usr/bin/env python3
"""The book's two commands, with their set-up done on first use (standard library only).

    python book.py serve    build the site, every chapter executed, and serve it
    python book.py test     build it strictly, then run the whole test suite

On first use this creates ``.venv`` (PyTorch first and pinned, then the package with its
``test`` and ``docs`` extras) and installs the Node.js tools of ``package-lock.json`` (Temml,
which typesets the math at build time, and Lighthouse, for the tests). A later call reuses both
as long as ``pyproject.toml`` and ``package-lock.json`` are unchanged: each install leaves a
stamp of the file it installed from. Arguments after the command go to ``mkdocs serve`` or to
``pytest`` (``python book.py test -k browser``).

``--venv PATH`` (or ``BOOK_VENV``) puts the environment elsewhere: CI makes a fresh one per run.
``BOOK_TORCH_INDEX_URL`` names the index PyTorch comes from, e.g. the CPU-only wheels at
https://download.pytorch.org/whl/cpu (left unset, pip's own configuration decides).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TORCH = "torch==2.13.0"  # pinned, and installed first: an unpinned torch pulls the CUDA build
EXTRAS = ".[test,docs]"
STAMP = ".book-stamp"
ENV = {"NO_MKDOCS_2_WARNING": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def say(message: str) -> None:
    print(f"book.py: {message}", flush=True)


def digest(*paths: Path, extra: str = "") -> str:
    sha = hashlib.sha256(extra.encode())
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()


def run(command: list[str], **kwargs) -> None:
    """Run ``command``; exit with its status if it fails."""
    result = subprocess.run(command, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        say(f"failed ({result.returncode}): {' '.join(command)}")
        sys.exit(result.returncode)


def pip(python: Path, *args: str) -> None:
    # Some machines' pip configuration names local indexes that may be absent: pip warns
    # about each ("WARNING: Location ..."); those lines are dropped, everything else is shown.
    process = subprocess.Popen(
        [str(python), "-m", "pip", "install", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **ENV},
    )
    for line in process.stderr:
        if not line.startswith("WARNING: Location"):
            sys.stderr.write(line)
    if process.wait() != 0:
        say(f"pip install {' '.join(args)} failed")
        sys.exit(process.returncode)


def python_of(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(env: Path) -> Path:
    """The environment's Python, after creating or updating the environment if needed."""
    python = python_of(env)
    stamp = env / STAMP
    wanted = digest(ROOT / "pyproject.toml", extra=TORCH)
    if python.exists() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return python
    if not python.exists():
        say(f"creating the environment {env}")
        try:
            venv.EnvBuilder(with_pip=True).create(env)
        except (OSError, subprocess.CalledProcessError) as error:
            say(f"cannot create a virtual environment: {error} (Debian: apt install python3-venv)")
            sys.exit(1)
    index = os.environ.get("BOOK_TORCH_INDEX_URL")
    say(f"installing {TORCH} first, then the package with {EXTRAS}")
    pip(python, "-q", TORCH, *(["--index-url", index] if index else []))
    pip(python, "-q", "-e", EXTRAS)
    stamp.write_text(wanted + "\n")
    return python


def ensure_node_tools() -> None:
    """``npm ci`` when node_modules does not match package-lock.json."""
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / STAMP
    wanted = digest(lock)
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        say(
            "Node.js and npm are needed: the build typesets the math with Temml under Node.js "
            "18 or newer (Debian: apt-get install nodejs npm)"
        )
        sys.exit(1)
    say("installing the Node.js tools (npm ci: Temml, Lighthouse)")
    run([npm, "ci", "--no-audit", "--no-fund"])
    stamp.write_text(wanted + "\n")


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 10):  # noqa: UP036  (this file must say so, not fail to parse)
        say(f"Python 3.10 or newer is needed (this is {sys.version.split()[0]})")
        return 1
    parser = argparse.ArgumentParser(
        description="Serve or test the book, setting up .venv and the Node.js tools on first use."
    )
    parser.add_argument("command", choices=["serve", "test", "setup"])
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path(os.environ.get("BOOK_VENV") or ROOT / ".venv"),
        help="the virtual environment to create or reuse (default: .venv)",
    )
    args, rest = parser.parse_known_args(argv)
    started = time.monotonic()
    python = ensure_venv(args.venv.resolve())
    ensure_node_tools()
    say(f"set-up: {time.monotonic() - started:.0f} s")
    env = {**os.environ, **ENV, "VIRTUAL_ENV": str(python.parent.parent)}
    env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONHOME", None)
    if args.command == "setup":
        say(f"ready: {python}")
        return 0
    if args.command == "serve":
        return subprocess.call([str(python), "-m", "mkdocs", "serve", *rest], cwd=ROOT, env=env)
    # test: the site first, strictly, as CI does (pytest then checks every page of that build
    # and reuses its executed chapters).
    for name, command in (
        ("mkdocs build --strict", ["mkdocs", "build", "--strict"]),
        ("pytest", ["pytest", *rest]),
    ):
        started = time.monotonic()
        status = subprocess.call([str(python), "-m", *command], cwd=ROOT, env=env)
        say(f"{name}: {time.monotonic() - started:.0f} s")
        if status != 0:
            say(f"{name} failed ({status})")
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
