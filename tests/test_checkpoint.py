"""dlcourse.checkpoint: a run saved to one file resumes exactly, and a file that does not fit
the model is refused before anything is loaded."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import checkpoint, train


def _net(hidden=8, dropout=0.0):
    return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 3))


def _trained(hidden=8):
    """A model, an Adam optimizer with state, and a stepped scheduler."""
    torch.manual_seed(0)
    model = _net(hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(2):
        loss = model(torch.randn(5, 4)).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    return model, optimizer, scheduler


def _snapshot(model, optimizer=None):
    """Copies of every tensor in the model's (and optimizer's) state, to compare later."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    if optimizer is not None:
        for i, s in optimizer.state_dict()["state"].items():
            state.update({f"opt{i}.{k}": v.clone() for k, v in s.items()})
    return state


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_checkpoint_round_trips_model_optimizer_scheduler_and_history(tmp_path):
    model, optimizer, scheduler = _trained()
    history = train.History(train_loss=[1.0, 0.5], lr=[0.01, 0.005])
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer, scheduler, history, extra={"note": "hi"})
    assert not list(tmp_path.glob("*.partial"))  # written aside, then renamed over

    torch.manual_seed(1)
    model2 = _net()
    optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.01)
    scheduler2 = torch.optim.lr_scheduler.StepLR(optimizer2, step_size=1, gamma=0.5)
    ckpt = checkpoint.load_checkpoint(path, model2, optimizer2, scheduler2)
    assert _same(_snapshot(model, optimizer), _snapshot(model2, optimizer2))
    assert scheduler2.state_dict() == scheduler.state_dict()
    assert optimizer2.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"] == 0.0025
    assert train.History(**ckpt["history"]) == history and ckpt["extra"] == {"note": "hi"}
    torch.load(path, weights_only=True)  # tensors and plain containers only


def test_loading_puts_back_every_random_state(tmp_path):
    model, optimizer, _ = _trained()
    torch.manual_seed(3), np.random.seed(3), random.seed(3)
    np.random.normal()  # NumPy caches a second Gaussian: the state must carry it
    checkpoint.save_checkpoint(tmp_path / "r.pt", model, optimizer)
    expected = (torch.rand(3), np.random.normal(size=3), random.random())
    torch.manual_seed(99), np.random.seed(99), random.seed(99)
    checkpoint.load_checkpoint(tmp_path / "r.pt", model)
    again = (torch.rand(3), np.random.normal(size=3), random.random())
    assert torch.equal(expected[0], again[0])
    np.testing.assert_array_equal(expected[1], again[1])
    assert expected[2] == again[2]

    torch.manual_seed(99)
    checkpoint.load_checkpoint(tmp_path / "r.pt", model, restore_rng=False)
    assert not torch.equal(torch.rand(3), expected[0])


def test_wrong_shapes_raise_a_clear_error_and_leave_the_model_untouched(tmp_path):
    model, optimizer, _ = _trained(hidden=8)
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer)

    other, other_optimizer, _ = _trained(hidden=16)
    before = _snapshot(other, other_optimizer)
    with pytest.raises(ValueError) as error:
        checkpoint.load_checkpoint(path, other, other_optimizer)
    message = str(error.value)
    assert message.startswith("path 'run.pt' does not fit; nothing was loaded: ")
    assert "model: 0.weight: file (8, 4) vs model (16, 4)" in message
    assert "model: 3.weight: file (3, 8) vs model (3, 16)" in message
    assert _same(before, _snapshot(other, other_optimizer))  # nothing loaded

    # The same through fit(resume_from=...): refused before a single step.
    loader = train.make_loader(np.zeros((8, 4)), np.zeros(8, dtype=int), 4)
    args = (loader, None, nn.CrossEntropyLoss())
    train.fit(model, *args, optimizer, 1, device="cpu", checkpoint_path=path, progress=None)
    with pytest.raises(ValueError, match=r"file \(8, 4\) vs model \(16, 4\)"):
        train.fit(other, *args, other_optimizer, 3, device="cpu", resume_from=path)
    assert _same(before, _snapshot(other, other_optimizer))


def test_missing_and_unexpected_keys_are_named(tmp_path):
    model, optimizer, _ = _trained()
    checkpoint.save_checkpoint(tmp_path / "run.pt", model, optimizer)
    deeper = nn.Sequential(*_net(), nn.ReLU(), nn.Linear(3, 3))  # keys 0, 3 and 5
    renamed = nn.Sequential()
    renamed.add_module("first", nn.Linear(4, 8))
    for target, pattern in [
        (deeper, r"model: missing 5.weight; model: missing 5.bias"),
        (renamed, r"model: missing first.weight; .*model: unexpected 0.weight"),
    ]:
        before = _snapshot(target)
        with pytest.raises(ValueError, match=pattern):
            checkpoint.load_checkpoint(tmp_path / "run.pt", target)
        assert _same(before, _snapshot(target))


def test_an_optimizer_that_does_not_fit_leaves_the_model_untouched_too(tmp_path):
    model, optimizer, scheduler = _trained()
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer, scheduler)
    fresh = _net()
    before = _snapshot(fresh)
    params = list(fresh.parameters())
    cases = [
        # one group of 4 parameters saved; two groups here
        (
            torch.optim.Adam([{"params": params[:2]}, {"params": params[2:]}]),
            "parameter groups: 1 in the checkpoint, 2 here",
        ),
        # the same group, but 3 parameters
        (torch.optim.Adam(params[:3]), "group 0: checkpoint has 4 parameters, optimizer 3"),
        # 4 parameters in another order: Adam's moments do not fit their shapes
        (
            torch.optim.Adam(params[::-1]),
            r"state 'exp_avg' has shape \(3,\), the parameter \(8, 4\)",
        ),
    ]
    for wrong, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            checkpoint.load_checkpoint(path, fresh, wrong)
        assert _same(before, _snapshot(fresh))  # the model fitted, yet nothing was loaded
        assert not wrong.state


def test_a_scheduler_of_another_kind_is_refused(tmp_path):
    model, optimizer, scheduler = _trained()
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer, scheduler)
    fresh = _net()
    before = _snapshot(fresh)
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=0.01)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(fresh_optimizer, 10)
    with pytest.raises(ValueError, match=r"\['StepLR'\], got \['CosineAnnealingLR'\]"):
        checkpoint.load_checkpoint(path, fresh, fresh_optimizer, cosine)
    assert _same(before, _snapshot(fresh)) and not fresh_optimizer.state


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    model, _, _ = _trained()
    torch.save(model.state_dict(), tmp_path / "weights.pt")  # a bare state_dict
    with pytest.raises(ValueError, match="'weights.pt' is not a dlcourse checkpoint"):
        checkpoint.load_checkpoint(tmp_path / "weights.pt", model)
    # Pickled code is refused by weights_only=True, before anything is looked at.
    torch.save({"format": 2, "model": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="'evil.pt' does not load with weights_only=True: .*print"):
        checkpoint.load_checkpoint(tmp_path / "evil.pt", model)


class _Evil:
    """An object whose unpickling would run code (a print here)."""

    def __reduce__(self):
        return (print, ("this ran while loading",))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m, o, p: checkpoint.save_checkpoint(3, m, o), TypeError, "path"),
        (lambda m, o, p: checkpoint.save_checkpoint(p, "m", o), TypeError, "model"),
        (lambda m, o, p: checkpoint.save_checkpoint(p, m, None), TypeError, "optimizer"),
        (
            lambda m, o, p: checkpoint.save_checkpoint(p, m, o, scheduler="step"),
            TypeError,
            "scheduler",
        ),
        (lambda m, o, p: checkpoint.save_checkpoint(p, m, o, history=[1.0]), TypeError, "history"),
        (lambda m, o, p: checkpoint.load_checkpoint(None, m), TypeError, "path"),
        (lambda m, o, p: checkpoint.load_checkpoint(p, m.state_dict()), TypeError, "model"),
        (lambda m, o, p: checkpoint.load_checkpoint(p, m, optimizer={}), TypeError, "optimizer"),
    ],
)
def test_bad_arguments_are_named(tmp_path, call, error, message):
    model, optimizer, _ = _trained()
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer)
    with pytest.raises(error, match=message):
        call(model, optimizer, path)


def _run(epochs, seed=0, wrong_val_labels=False, **kwargs):
    """A classification run with shuffling, dropout, a per-batch and a per-epoch schedule,
    clipping and accumulation: every piece of state a resume must carry. With
    ``wrong_val_labels`` the validation labels are shifted by one class, so that the
    validation loss grows as the model learns: the best epoch comes early."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    X = rng.normal(size=(60, 4)) + 2.0 * np.eye(3, 4)[y]
    if wrong_val_labels:
        y[48:] = (y[48:] + 1) % 3
    model = _net(16, dropout=0.3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = train.fit(
        model,
        train.make_loader(X[:48], y[:48], batch_size=8, shuffle=True),
        train.make_loader(X[48:], y[48:], batch_size=8),
        nn.CrossEntropyLoss(),
        optimizer,
        epochs,
        torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8),
        device="cpu",
        batch_scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1 / (1 + 0.01 * s)),
        clip_grad_norm=1.0,
        accumulate=2,
        progress=None,
        **kwargs,
    )
    return model, history


def test_resuming_equals_the_uninterrupted_run(tmp_path):
    straight_model, straight = _run(4)
    path = tmp_path / "half.pt"
    _run(2, checkpoint_path=path)
    # A "new process": other seed, other initial weights, other random state.
    resumed_model, resumed = _run(4, seed=7, resume_from=path)
    assert resumed == straight  # every per-epoch number, learning rates included
    for a, b in zip(
        straight_model.state_dict().values(), resumed_model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)  # bit for bit
    assert len(set(straight.lr)) == 4  # both schedules moved the rate


# --- files that cannot be loaded: one rule, a ValueError naming the file, nothing loaded -------


def test_an_optimizer_of_another_class_is_refused_before_anything_is_loaded(tmp_path):
    model, optimizer, _ = _trained()  # Adam, with moments
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, optimizer)
    fresh = _net()
    sgd = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    before = _snapshot(fresh)
    with pytest.raises(ValueError, match="optimizer: file Adam vs SGD here"):
        checkpoint.load_checkpoint(path, fresh, sgd)
    assert _same(before, _snapshot(fresh)) and not sgd.state
    assert sgd.param_groups[0]["momentum"] == 0.9  # SGD's settings are still SGD's
    loss = fresh(torch.randn(2, 4)).sum()
    loss.backward()
    sgd.step()  # and it still steps


def _damaged_files(tmp_path, model, optimizer):
    """A good checkpoint and copies of it damaged in the ways files get damaged."""
    good = tmp_path / "good.pt"
    checkpoint.save_checkpoint(good, model, optimizer)
    data = good.read_bytes()
    files = {"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"not a torch file"}
    for name, content in files.items():
        (tmp_path / f"{name}.pt").write_bytes(content)
    torch.save(_Evil(), tmp_path / "pickled.pt")  # an object: weights_only refuses it
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")  # a bare tensor
    torch.save([1, 2], tmp_path / "list.pt")
    torch.save({"0.weight": "text"}, tmp_path / "strings.pt")
    return ["truncated", "empty", "garbage", "pickled", "tensor", "list", "strings"]


def test_damaged_files_are_a_value_error_naming_the_file(tmp_path):
    model, optimizer, _ = _trained()
    fresh = _net()
    before = _snapshot(fresh)
    for name in _damaged_files(tmp_path, model, optimizer):
        path = tmp_path / f"{name}.pt"
        for load in (
            lambda path=path: checkpoint.load_checkpoint(path, fresh),
            lambda path=path: checkpoint.load_state_dict_checked(fresh, path),
        ):
            with pytest.raises(ValueError, match=rf"^path '{name}\.pt' .*; nothing was loaded"):
                load()
        assert _same(before, _snapshot(fresh)), name
    with pytest.raises(ValueError) as error:  # torch's reason, cut to its one first sentence
        checkpoint.load_state_dict_checked(fresh, tmp_path / "pickled.pt")
    assert str(error.value).endswith("allowed global by default; nothing was loaded")
    assert "GLOBAL" in str(error.value) and "Please" not in str(error.value)
    with pytest.raises(ValueError, match="^path 'empty.pt' .* weights_only=True: EOFError; "):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "empty.pt")  # no words: its type
    with pytest.raises(ValueError, match=r"^path 'tensor\.pt' must hold a state_dict .*got Tensor"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "tensor.pt")
    with pytest.raises(
        ValueError, match=r"^path 'truncated\.pt' does not load with weights_only=True"
    ):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "truncated.pt")
    with pytest.raises(ValueError, match="path must be an existing weights file; got '.*nope.pt'"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "nope.pt")
    with pytest.raises(ValueError, match="path must be an existing checkpoint file"):
        checkpoint.load_checkpoint(tmp_path, fresh)  # a folder
    with pytest.raises(ValueError, match="NUL"):
        checkpoint.load_checkpoint("a\0b.pt", fresh)


def test_serving_and_transfer_load_through_the_one_loader(tmp_path):
    from dlcourse import serving, transfer

    torch.save(_net(16).state_dict(), tmp_path / "w.pt")
    messages = []
    for load in (
        lambda m: checkpoint.load_state_dict_checked(m, tmp_path / "w.pt"),
        lambda m: serving.load_weights(tmp_path / "w.pt", m),
        lambda m: transfer.load_weights(m, tmp_path / "w.pt", None),
    ):
        with pytest.raises(ValueError) as error:
            load(_net(8))
        messages.append(str(error.value))
    assert len(set(messages)) == 1  # one message format
    assert messages[0].startswith(
        "path 'w.pt' does not fit model (Sequential); nothing was loaded: "
    )
    assert "0.weight: file (16, 4) vs model (8, 4)" in messages[0]
    for load in (serving.load_weights, lambda p, m: transfer.load_weights(m, p, None)):
        with pytest.raises(ValueError, match="path must be an existing weights file"):
            load(tmp_path / "absent.pt", _net())


def test_load_state_dict_checked_loads_weights_and_checkpoints_all_or_nothing(tmp_path):
    model, optimizer, _ = _trained()
    torch.save(model.state_dict(), tmp_path / "w.pt")
    checkpoint.save_checkpoint(tmp_path / "run.pt", model, optimizer)
    for name in ("w.pt", "run.pt"):
        fresh = _net().eval()
        assert checkpoint.load_state_dict_checked(fresh, tmp_path / name) is fresh
        assert _same(_snapshot(fresh), _snapshot(model)) and not fresh.training  # mode kept

    digest = hashlib.sha256((tmp_path / "w.pt").read_bytes()).hexdigest()
    fresh = _net()
    checkpoint.load_state_dict_checked(fresh, tmp_path / "w.pt", expected_sha256=digest.upper())
    assert _same(_snapshot(fresh), _snapshot(model))
    fresh, wrong = _net(), "0" * 64
    before = _snapshot(fresh)
    with pytest.raises(ValueError, match=f"has sha256 {digest}, which does not match.*{wrong}"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "w.pt", expected_sha256=wrong)
    assert _same(before, _snapshot(fresh))

    state = model.state_dict()
    state["extra"] = state.pop("3.bias")
    torch.save(state, tmp_path / "renamed.pt")
    with pytest.raises(ValueError, match="nothing was loaded: missing 3.bias; unexpected extra"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "renamed.pt")
    complex_state = {k: v.to(torch.complex64) for k, v in model.state_dict().items()}
    torch.save(complex_state, tmp_path / "complex.pt")
    with pytest.raises(ValueError, match=r"0.weight: file torch.complex64 vs model torch.float32"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "complex.pt")
    assert _same(before, _snapshot(fresh))
    with pytest.raises(TypeError, match="expected_sha256 must be a hex digest"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "w.pt", expected_sha256=3)
    with pytest.raises(ValueError, match="expected_sha256 must be 64 hex digits"):
        checkpoint.load_state_dict_checked(fresh, tmp_path / "w.pt", expected_sha256="abc")
    with pytest.raises(TypeError, match="model"):
        checkpoint.load_state_dict_checked(state, tmp_path / "w.pt")


@pytest.mark.parametrize(
    "extra",
    [
        {"f": lambda: 1},  # cannot even be pickled
        {"o": _Evil()},  # pickles, but loading it would run code
        {"array": np.zeros(3)},  # a NumPy array: weights_only refuses it
        {"nested": [{"deep": object()}]},
    ],
)
def test_save_refuses_extra_that_would_never_load(tmp_path, extra):
    model, optimizer, _ = _trained()
    path = tmp_path / "run.pt"
    with pytest.raises(ValueError, match=r"^extra must hold only what torch.load\(weights_only"):
        checkpoint.save_checkpoint(path, model, optimizer, extra=extra)
    assert not list(tmp_path.iterdir())  # nothing written
    with pytest.raises(ValueError, match="^history must hold only"):
        checkpoint.save_checkpoint(path, model, optimizer, history=extra)
    fine = {"t": torch.ones(2), "n": [1, 2.5, "a", None, (True,)], "d": {"k": {"x": 1}}}
    checkpoint.save_checkpoint(path, model, optimizer, extra=fine)
    assert checkpoint.load_checkpoint(path, _net())["extra"].keys() == fine.keys()


def test_with_early_stopping_the_checkpoint_holds_the_model_once_and_resumes_exactly(tmp_path):
    straight_model, straight = _run(12, patience=3, wrong_val_labels=True)
    assert straight.stopped_early
    path = tmp_path / "half.pt"
    _run(straight.best_epoch + 2, patience=3, wrong_val_labels=True, checkpoint_path=path)
    ckpt = torch.load(path, weights_only=True)
    # The model once: no tensor outside the model, optimizer, random state and scaler.
    assert set(ckpt["extra"]) == {"fit"} and ckpt["extra"]["fit"]["wait"] == 1
    assert not any(torch.is_tensor(v) for k, v in ckpt["extra"]["fit"].items() if k != "scaler")
    best = torch.load(tmp_path / "half.best.pt", weights_only=True)  # the best epoch, aside
    assert best.keys() == ckpt["model"].keys()
    assert (
        ckpt["extra"]["fit"]["best_sha256"]
        == hashlib.sha256((tmp_path / "half.best.pt").read_bytes()).hexdigest()
    )

    resumed_model, resumed = _run(12, seed=7, patience=3, wrong_val_labels=True, resume_from=path)
    assert resumed == straight  # it stops at the same epoch...
    assert _same(_snapshot(straight_model), _snapshot(resumed_model))  # ...with the best weights

    (tmp_path / "half.best.pt").write_bytes(b"swapped")  # the best weights are checked too
    with pytest.raises(ValueError, match="'half.best.pt' has sha256"):
        _run(12, patience=3, wrong_val_labels=True, resume_from=path)


def test_resuming_from_a_checkpoint_that_fit_did_not_write_is_refused_before_loading(tmp_path):
    model, optimizer, _ = _trained()
    checkpoint.save_checkpoint(
        tmp_path / "mine.pt",
        _net(16),
        optimizer=torch.optim.SGD(_net(16).parameters(), lr=0.05, momentum=0.9),
    )
    with pytest.raises(ValueError, match="must be a checkpoint written by fit"):
        _run(2, resume_from=tmp_path / "mine.pt")
