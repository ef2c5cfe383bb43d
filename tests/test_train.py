"""dlcourse.train: the loop learns, resumes exactly, stops early at the best epoch, and runs
anywhere."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import train


def _data(m=96, seed=0):
    """Three Gaussian blobs in 4-D: an easy 3-class problem."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, m)
    X = rng.normal(size=(m, 4)) + 3.0 * np.eye(3, 4)[y]
    return X, y


def _setup(seed=0, dropout=0.0, lr=0.05, scheduler=False):
    torch.manual_seed(seed)
    X, y = _data()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = (
        torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5) if scheduler else None
    )
    train_loader = train.make_loader(X[:64], y[:64], batch_size=16, shuffle=True)
    val_loader = train.make_loader(X[64:], y[64:], batch_size=32)
    return model, optimizer, sched, train_loader, val_loader


def test_fit_learns_and_returns_a_history():
    model, optimizer, _, train_loader, val_loader = _setup()
    history = train.fit(
        model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 15, device="cpu"
    )
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        assert len(getattr(history, name)) == 15
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_acc[-1] > 0.8
    assert history.best_epoch == int(np.argmin(history.val_loss))
    # The history's last validation numbers are what evaluate() says about the final model.
    loss, acc = train.evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert loss == pytest.approx(history.val_loss[-1]) and acc == pytest.approx(history.val_acc[-1])


def test_evaluate_matches_a_direct_computation():
    model, _, _, _, val_loader = _setup()
    X, y = _data()
    with torch.no_grad():
        logits = model(torch.tensor(X[64:], dtype=torch.float32))
    loss, acc = train.evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert loss == pytest.approx(float(nn.functional.cross_entropy(logits, torch.tensor(y[64:]))))
    assert acc == pytest.approx(float((logits.argmax(1).numpy() == y[64:]).mean()))
    np.testing.assert_allclose(train.predict(model, X[64:]), logits.numpy(), rtol=1e-6)


def test_regression_targets_give_nan_accuracy():
    torch.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(32, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5
    model = nn.Linear(2, 1)
    history = train.fit(
        model,
        train.make_loader(X, y[:, None], 8, shuffle=True),
        train.make_loader(X, y[:, None]),
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        30,
        device="cpu",
    )
    assert np.isnan(history.val_acc[-1]) and history.val_loss[-1] < 1e-3


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("scheduler", [False, True])
def test_resuming_from_a_checkpoint_continues_the_same_run(tmp_path, scheduler, device):
    # Dropout and shuffling both draw random numbers: the checkpoint must carry that state.
    loss_fn = nn.CrossEntropyLoss()
    model, optimizer, sched, train_loader, val_loader = _setup(dropout=0.3, scheduler=scheduler)
    full = train.fit(model, train_loader, val_loader, loss_fn, optimizer, 6, sched, device=device)

    path = tmp_path / "ckpt.pt"
    model2, optimizer2, sched2, loader2, val2 = _setup(dropout=0.3, scheduler=scheduler)
    train.fit(
        model2, loader2, val2, loss_fn, optimizer2, 3, sched2, device=device, checkpoint_path=path
    )
    # A fresh process: other random state, other initial weights.
    model3, optimizer3, sched3, loader3, val3 = _setup(seed=1, dropout=0.3, scheduler=scheduler)
    resumed = train.fit(
        model3, loader3, val3, loss_fn, optimizer3, 6, sched3, device=device, resume_from=path
    )
    if device == "cpu":  # bit for bit; a GPU may reorder float sums between runs
        assert resumed == full  # every per-epoch number, the learning rates included
        tolerance = {"rtol": 0, "atol": 0}
    else:
        np.testing.assert_allclose(resumed.train_loss, full.train_loss, rtol=1e-5)
        assert resumed.lr == full.lr and resumed.best_epoch == full.best_epoch
        tolerance = {"rtol": 1e-5, "atol": 1e-6}
    for a, b in zip(model.state_dict().values(), model3.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, **tolerance)


def test_checkpoint_is_a_plain_state_dict_file(tmp_path):
    model, optimizer, _, train_loader, val_loader = _setup()
    path = tmp_path / "ckpt.pt"
    train.fit(
        model,
        train_loader,
        val_loader,
        nn.CrossEntropyLoss(),
        optimizer,
        2,
        device="cpu",
        checkpoint_path=path,
    )
    ckpt = torch.load(path, weights_only=True)  # no pickled code needed
    fresh = _setup(seed=5)[0]
    fresh.load_state_dict(ckpt["model"])
    assert len(ckpt["history"]["train_loss"]) == 2


def test_early_stopping_restores_the_best_epochs_weights():
    # A large learning rate makes the validation loss bounce, so the best epoch is not the last.
    loss_fn = nn.CrossEntropyLoss()
    model, optimizer, _, train_loader, val_loader = _setup(lr=0.5)
    history = train.fit(
        model, train_loader, val_loader, loss_fn, optimizer, 40, device="cpu", patience=3
    )
    assert history.stopped_early and len(history.val_loss) < 40
    best = history.best_epoch
    assert best == int(np.argmin(history.val_loss)) and best == len(history.val_loss) - 4
    # The same run, stopped by hand right after the best epoch, has the same weights.
    ref, ref_optimizer, _, ref_train, ref_val = _setup(lr=0.5)
    train.fit(ref, ref_train, ref_val, loss_fn, ref_optimizer, best + 1, device="cpu")
    for a, b in zip(model.state_dict().values(), ref.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    loss, _ = train.evaluate(model, val_loader, loss_fn)
    assert loss == pytest.approx(history.val_loss[best])


def test_monitor_val_acc_keeps_the_most_accurate_epoch():
    model, optimizer, _, train_loader, val_loader = _setup(lr=0.5)
    history = train.fit(
        model,
        train_loader,
        val_loader,
        nn.CrossEntropyLoss(),
        optimizer,
        20,
        device="cpu",
        patience=20,
        monitor="val_acc",
    )
    assert history.best_epoch == int(np.argmax(history.val_acc))
    _, acc = train.evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert acc == pytest.approx(max(history.val_acc))


def test_progress_prints_one_line_per_n_epochs(capsys):
    model, optimizer, _, train_loader, val_loader = _setup()
    train.fit(
        model,
        train_loader,
        val_loader,
        nn.CrossEntropyLoss(),
        optimizer,
        7,
        device="cpu",
        progress=3,
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["3/7", "6/7", "7/7"]
    train.fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 3, device="cpu")
    assert capsys.readouterr().out == ""  # "auto": a short run prints nothing


def test_fit_uses_the_best_device_by_default():
    import dlcourse.device

    model, optimizer, _, train_loader, val_loader = _setup()
    train.fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 1)
    assert next(model.parameters()).device.type == dlcourse.device.best().type


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_on_cuda_matches_cpu():
    loss_fn = nn.CrossEntropyLoss()
    histories = []
    for device in ("cpu", "cuda"):
        model, optimizer, _, train_loader, val_loader = _setup()
        histories.append(
            train.fit(model, train_loader, val_loader, loss_fn, optimizer, 10, device=device)
        )
        assert next(model.parameters()).device.type == device
        assert train.predict(model, _data()[0]).shape == (96, 3)
    cpu, cuda = histories
    np.testing.assert_allclose(cpu.train_loss, cuda.train_loss, rtol=1e-2, atol=1e-3)
    assert cuda.val_acc[-1] > 0.8


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": 2, "patience": 0}, "patience"),
        ({"epochs": 2, "monitor": "train_loss"}, "monitor"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, message):
    model, optimizer, _, train_loader, val_loader = _setup()
    with pytest.raises(ValueError, match=message):
        train.fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, **kwargs)


def test_early_stopping_needs_a_validation_set():
    model, optimizer, _, train_loader, _ = _setup()
    with pytest.raises(ValueError, match="val_loader"):
        train.fit(model, train_loader, None, nn.CrossEntropyLoss(), optimizer, 2, patience=2)


def test_make_loader_checks_and_converts():
    X, y = _data(10)
    xb, yb = next(iter(train.make_loader(X, y, batch_size=4)))
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64 and xb.shape == (4, 4)
    torch.testing.assert_close(xb, torch.tensor(X[:4], dtype=torch.float32))
    assert sum(len(b[0]) for b in train.make_loader(X, y, batch_size=4, shuffle=True)) == 10
    assert next(iter(train.make_loader(X, y.astype(float))))[1].dtype == torch.float32
    with pytest.raises(ValueError, match="same length"):
        train.make_loader(X, y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        train.make_loader(X, y, batch_size=0)
