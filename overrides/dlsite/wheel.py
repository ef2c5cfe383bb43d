"""The wheel of ``dlcourse`` that the site serves: the package the build executed the pages with.

A downloaded notebook installs it from the site (``download.py``), so a reader runs a chapter
with exactly the code that produced the outputs on its page, not with whatever a repository
holds that day. The wheel is built once per state of the package (``pip wheel --no-deps``,
without build isolation, so no network is needed) and kept in ``.cache/wheel``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "wheel"


def source_digest(root: Path = ROOT) -> str:
    """A hash of what goes into the wheel: ``pyproject.toml`` and every file of the package."""
    sha = hashlib.sha256((root / "pyproject.toml").read_bytes())
    package = root / "src" / "dlcourse"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            sha.update(path.relative_to(package).as_posix().encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def build(root: Path = ROOT, cache: Path = CACHE) -> Path:
    """The path of ``dlcourse-<version>-py3-none-any.whl`` for the package as it is now."""
    folder = cache / source_digest(root)
    found = sorted(folder.glob("dlcourse-*.whl"))
    if found:
        return found[0]
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "--wheel-dir",
                tmp,
                str(root),
            ],
            capture_output=True,
            text=True,
            cwd=root,
        )
        wheels = sorted(Path(tmp).glob("dlcourse-*.whl"))
        if result.returncode != 0 or not wheels:
            raise RuntimeError(f"pip wheel failed for {root}:\n{result.stdout}{result.stderr}")
        shutil.rmtree(cache, ignore_errors=True)  # one wheel kept: the current one
        folder.mkdir(parents=True)
        return Path(shutil.copy2(wheels[0], folder / wheels[0].name))
