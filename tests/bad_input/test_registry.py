"""The one completeness test of the bad-input suite: every public function of dlcourse has a
valid-call recipe, exactly once, in the file of its module (``test_<module>.py``).

Modules not fuzzed: none (``EXCLUDED_MODULES``). Registering the modules found and fixed counts
that took floats, bools and 10**12, arrays and tensors that took strings, NaN and the wrong
dtype, and errors that named no argument. Where a valid call would block or launch processes
(serving.serve, distributed.launch), its recipe records the call instead of making it, after
every argument has been checked; distributed.setup and main join a process group of one
process. Internal modules (the training loop's checks, ``dlcourse.train.checks``) declare an
empty ``__all__`` and need no entry.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from bad_input.fuzzing import MEMORY_HEADROOM, Hang, guarded
from bad_input.registry import home_file, label, public_callables

EXCLUDED_MODULES: set[str] = set()
HERE = Path(__file__).parent
FILES = sorted(p.name for p in HERE.glob("test_*.py") if p.name != Path(__file__).name)
# Each file's recipes, by file name (importing a file registers its recipes).
RECIPES = {name: importlib.import_module(f"bad_input.{name[:-3]}").RECIPES for name in FILES}
PUBLIC = public_callables(EXCLUDED_MODULES)


def test_every_public_function_is_registered():
    registered = {r.target for recipes in RECIPES.values() for r in recipes}
    missing = sorted(
        f"{name} (in tests/bad_input/{home_file(obj)})"
        for obj, name in PUBLIC.items()
        if obj not in registered
    )
    assert not missing, (
        "give these a valid-call recipe in the file of their module, so that bad input is "
        f"thrown at them too (see tests/bad_input/README.md): {missing}"
    )


def test_the_registry_holds_only_public_functions_once_each():
    targets = [r.target for recipes in RECIPES.values() for r in recipes]
    stale = [t.__qualname__ for t in targets if t not in PUBLIC]
    assert not stale, f"not public (renamed or removed?): {stale}"
    twice = sorted({PUBLIC[t] for t in targets if targets.count(t) > 1})
    assert not twice, f"registered more than once: {twice}"


def test_each_recipe_lives_in_the_file_of_its_module():
    misplaced = [
        f"{PUBLIC.get(r.target, label(r))}: in {name}, belongs in {home_file(r.target)}"
        for name, recipes in RECIPES.items()
        for r in recipes
        if home_file(r.target) != name
    ]
    assert not misplaced, misplaced


def test_every_file_is_a_module_of_the_package():
    modules = {home_file(obj) for obj in PUBLIC}
    assert set(FILES) <= modules, f"no dlcourse module for {sorted(set(FILES) - modules)}"


@pytest.mark.skipif(sys.platform != "linux", reason="the guard's limits need Linux")
def test_the_guard_stops_an_endless_loop_and_an_unbounded_allocation():
    with pytest.raises(Hang, match="CPU time"), guarded(seconds=0.2):
        while True:
            pass
    # np.zeros only reserves address space (pages are touched lazily), so without the guard
    # this would succeed; under it the reservation itself must fail.
    with pytest.raises(MemoryError), guarded():
        np.zeros(MEMORY_HEADROOM + 2**30, dtype=np.uint8)
