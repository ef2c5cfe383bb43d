"""A file's recipes and the three tests each file runs on them; the package's public callables.

Each ``test_<module>.py`` starts with ``RECIPES = Registry()``, registers a valid call of each
public function with ``register = RECIPES.register``, and ends with
``globals().update(RECIPES.tests())``, which defines its tests:

- ``test_the_valid_call_works``: each recipe is a real call (else every bad value would
  "raise" for the wrong reason);
- ``test_malformed_arguments_raise_a_clear_error``: the deterministic sweep of bad values;
- ``test_odd_arguments_raise_a_clear_error_or_give_a_right_answer``: hypothesis' odd values.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcourse
from bad_input.fuzzing import Recipe, guarded, outcome

# Binary operators of autograd.Value: public API although their names start with "_".
OPERATORS = {
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__pow__",
}  # fmt: skip

WARM: set = set()


def label(recipe: Recipe) -> str:
    """The test id of a recipe: its target's qualified name (the file names the module)."""
    return recipe.target.__qualname__


def warm_up(recipe: Recipe) -> None:
    """Make the valid call once, unguarded: a first call may import a large module (torch's
    compiler stack on an optimizer's first step, scikit-learn's datasets), which the hang
    detector must not mistake for a hang on a busy machine."""
    if recipe.target not in WARM:
        recipe.invoke()
        WARM.add(recipe.target)


def odd_arguments(recipe: Recipe) -> list[str]:
    return [n for n in recipe.fuzzable() if not recipe.args[n][1].odd().is_empty]


class Registry(list):
    """The recipes of one file, in the order they were registered."""

    def register(self, target, /, call=None, ok=None, names=None, **args) -> None:
        """A valid call of ``target``: each keyword maps an argument to ``(value, kind)``.

        ``call(**kwargs)`` makes the call (default: ``target`` itself); ``ok(result)`` accepts
        an answer to an odd value; ``names`` maps an argument to the word its error must
        contain, when that is not the argument's own name.
        """
        recipe = Recipe(target, args, call=call, names=names or {})
        if ok is not None:
            recipe.ok = ok
        self.append(recipe)

    def tests(self) -> dict:
        """This file's tests, by name (a test with no recipe to run is left out)."""
        fuzzed = [r for r in self if r.fuzzable()]
        with_odd = [r for r in fuzzed if odd_arguments(r)]
        tests = {"test_the_valid_call_works": _valid_call_test(list(self))}
        if fuzzed:
            tests["test_malformed_arguments_raise_a_clear_error"] = _malformed_test(fuzzed)
        if with_odd:
            name = "test_odd_arguments_raise_a_clear_error_or_give_a_right_answer"
            tests[name] = _odd_test(with_odd)
        return tests


def _valid_call_test(recipes: list[Recipe]):
    @pytest.mark.parametrize("recipe", recipes, ids=label)
    def test_the_valid_call_works(recipe):
        warm_up(recipe)
        with guarded():
            result = recipe.invoke()
        assert recipe.ok(result), f"{label(recipe)}: the valid call gave {result!r:.200}"

    return test_the_valid_call_works


def _malformed_test(recipes: list[Recipe]):
    @pytest.mark.parametrize("recipe", recipes, ids=label)
    def test_malformed_arguments_raise_a_clear_error(recipe):
        warm_up(recipe)
        problems = [
            problem
            for name in recipe.fuzzable()
            for value in recipe.args[name][1].bad()
            if (problem := outcome(recipe, name, value, must_raise=True)) is not None
        ]
        assert not problems, f"{label(recipe)}:\n  " + "\n  ".join(problems)

    return test_malformed_arguments_raise_a_clear_error


def _odd_test(recipes: list[Recipe]):
    @pytest.mark.parametrize("recipe", recipes, ids=label)
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,  # the same examples on every run: CI stays reproducible
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(data=st.data())
    def test_odd_arguments_raise_a_clear_error_or_give_a_right_answer(recipe, data):
        warm_up(recipe)
        name = data.draw(st.sampled_from(odd_arguments(recipe)), label="argument")
        value = data.draw(recipe.args[name][1].odd(), label=name)
        problem = outcome(recipe, name, value, must_raise=False)
        assert problem is None, f"{label(recipe)}: {problem}"

    return test_odd_arguments_raise_a_clear_error_or_give_a_right_answer


def public_callables(excluded: set[str] = frozenset()) -> dict:
    """Every public function, class and method of dlcourse outside ``excluded`` modules.

    Public: named in a module's ``__all__`` (or not starting with "_" where there is none),
    defined in dlcourse; for a class, its methods defined in dlcourse whose names do not start
    with "_", and Value's operators.
    """
    modules = [dlcourse] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(dlcourse.__path__, "dlcourse.")
        if info.name not in excluded
    ]
    found: dict = {}
    for module in modules:
        names = getattr(module, "__all__", None)
        if names is None:  # no __all__: the public names the module defines itself
            names = [
                n
                for n, obj in vars(module).items()
                if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
            ]
        for name in names:
            obj = getattr(module, name)
            home = getattr(obj, "__module__", "") or ""
            if not callable(obj) or not home.startswith("dlcourse") or home in excluded:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            found.setdefault(obj, f"{module.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            for attr, member in inspect.getmembers(obj, inspect.isfunction):
                public = not attr.startswith("_") or attr in OPERATORS | {"__neg__"}
                if public and member.__module__.startswith("dlcourse"):
                    found.setdefault(member, f"{module.__name__}.{name}.{attr}")
    return found


def home_file(target) -> str:
    """The file that registers ``target``: ``test_<module>.py`` for ``dlcourse.<module>``
    (and for anything inside the package ``dlcourse.<module>``)."""
    parts = (getattr(target, "__module__", "") or "").split(".")
    return f"test_{parts[1]}.py" if len(parts) > 1 and parts[0] == "dlcourse" else "?"
