"""dlcourse.train.progress: a bar for a reader who watches, none in the built page or the tests."""

from __future__ import annotations

import os

import pytest

import dlcourse
from dlcourse.train import progress


class _Stream:
    def __init__(self, tty):
        self.tty = tty

    def isatty(self):
        return self.tty


TERMINAL, FILE = _Stream(True), _Stream(False)


@pytest.mark.parametrize(
    "environ, stream, reader, wanted",
    [
        ({}, TERMINAL, None, True),  # a script in a terminal
        ({}, FILE, None, False),  # output redirected to a file or a pipe
        ({"PYTEST_CURRENT_TEST": "t"}, TERMINAL, None, False),  # under pytest
        ({}, FILE, True, True),  # a notebook with a person at it
        ({}, TERMINAL, False, False),  # a headless executor (the site build)
        ({"DLCOURSE_PROGRESS": "0"}, TERMINAL, True, False),  # the reader said no
        ({"DLCOURSE_PROGRESS": "off"}, TERMINAL, None, False),
        ({"DLCOURSE_PROGRESS": "1"}, FILE, False, True),  # the reader said yes
        ({"DLCOURSE_PROGRESS": "1", "PYTEST_CURRENT_TEST": "t"}, FILE, None, True),
    ],
)
def test_bar_wanted_follows_its_rules(monkeypatch, environ, stream, reader, wanted):
    monkeypatch.setattr(progress, "_notebook_reader", lambda: reader)
    assert progress.bar_wanted(environ, stream) is wanted


def test_an_unknown_setting_is_an_error():
    with pytest.raises(ValueError, match="DLCOURSE_PROGRESS.*'maybe'"):
        progress.bar_wanted({"DLCOURSE_PROGRESS": "maybe"}, TERMINAL)


def test_this_test_run_gets_no_bar():
    assert progress._notebook_reader() is None  # not in a kernel
    assert not progress.bar_wanted()


def test_a_disabled_bar_is_the_iterable_itself():
    items = [1, 2, 3]
    assert progress.bar(items, False) is items
    wrapped = progress.bar(items, True, disable=True)  # tqdm, switched off for the test
    assert list(wrapped) == items and wrapped is not items


def test_a_headless_notebook_run_like_the_site_build_gets_no_bar(tmp_path, monkeypatch):
    # The site build runs each chapter through nbclient, which sends cells with
    # allow_stdin=False. Run a notebook that way and ask the kernel what it decided.
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from dlcourse.train import progress\n"
            "print(progress._notebook_reader(), progress.bar_wanted())"
        )
    ]
    # The kernel inherits this environment, as in the build: this package, and no pytest.
    src = os.path.abspath(os.path.join(os.path.dirname(dlcourse.__file__), os.pardir))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = notebook.cells[0].outputs
    assert [o.get("name") for o in outputs] == ["stdout"], outputs  # nothing on stderr
    assert outputs[0]["text"].split() == ["False", "False"]
