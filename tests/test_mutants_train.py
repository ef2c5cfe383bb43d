"""dlcourse.train: cases that mutation testing (mutmut) found unchecked by the training tests."""

from __future__ import annotations

import sys
import types

import pytest

from dlcourse.train import progress


class _Kernel:
    """A Jupyter kernel as IPython exposes it: get_parent(channel) is the request being run."""

    def __init__(self, request):
        self.request = request

    def get_parent(self, channel):
        return self.request if channel == "shell" else {"content": {"allow_stdin": True}}


def _inside(monkeypatch, shell):
    """Pretend IPython is imported and get_ipython() returns shell."""
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", fake)


@pytest.mark.parametrize(
    "request_, reader",
    [
        ({"content": {"allow_stdin": True}}, True),  # JupyterLab, Notebook, VS Code
        ({"content": {"allow_stdin": False}}, False),  # nbclient in the site build
        ({"content": {}}, False),  # a front end that does not say: no bar
        ({}, False),  # no content at all
        (None, False),  # no request
    ],
)
def test_in_a_kernel_the_reader_is_the_shell_requests_allow_stdin(monkeypatch, request_, reader):
    _inside(monkeypatch, types.SimpleNamespace(kernel=_Kernel(request_)))
    assert progress._notebook_reader() is reader
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    assert progress.bar_wanted() is reader


@pytest.mark.parametrize(
    "shell",
    [
        None,  # IPython imported, but no shell running
        types.SimpleNamespace(),  # a terminal IPython: no kernel
        types.SimpleNamespace(kernel=object()),  # a kernel without get_parent
    ],
)
def test_outside_a_kernel_the_reader_is_unknown(monkeypatch, shell):
    _inside(monkeypatch, shell)
    assert progress._notebook_reader() is None


def test_without_ipython_imported_the_reader_is_unknown(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert progress._notebook_reader() is None
    assert "IPython" not in sys.modules  # asking did not import it


def test_train_epoch_names_a_wrong_scaler():
    import torch
    from torch import nn

    from dlcourse import train

    model = nn.Linear(2, 1)
    loader = [(torch.zeros(4, 2), torch.zeros(4, 1))]
    with pytest.raises(TypeError, match=r"^scaler "):
        train.train_epoch(
            model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), scaler=3
        )


def test_a_resumable_checkpoint_keeps_the_gradient_scalers_state(tmp_path):
    import torch
    from torch import nn

    from dlcourse.train import resume
    from dlcourse.train.history import History

    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    path = tmp_path / "run.pt"
    resume.save_run(path, model, optimizer, None, History(), resume.ResumeState(), scaler, None)
    assert resume.ResumeState.peek(path).scaler["scale"] == 1024.0


def test_peek_refuses_a_file_that_holds_no_dict(tmp_path):
    import torch

    from dlcourse.train import resume

    path = tmp_path / "list.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(ValueError, match="it has no fit state; nothing was loaded"):
        resume.ResumeState.peek(path)
