"""dlcourse.train: the loop learns, resumes exactly, stops early at the best epoch, and runs
anywhere."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import device as devices
from dlcourse import train
from dlcourse.train import checks as train_checks
from dlcourse.train import loop


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


# ---------------------------------------------------------------------------------------------
# train_epoch: what one pass over the data does, and the options later chapters need.


def _regression(m=33, n=3, seed=0, dtype=torch.float32):
    """A small linear regression set with (m, 1) targets, as tensors of ``dtype``."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(m, n, generator=g, dtype=dtype)
    y = X @ torch.arange(1.0, n + 1, dtype=dtype)[:, None] + 0.1 * torch.randn(m, 1, generator=g)
    return X, y.to(dtype)


def _loader(X, y, batch_size, shuffle=False):
    data = torch.utils.data.TensorDataset(X, y)
    return torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=shuffle)


def test_train_loss_is_a_mean_over_examples_not_over_batches():
    # 33 examples in batches of 8: the last batch has 1 example, so the two means differ.
    X, y = _regression(33)
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    by_hand, batch_means, sizes = nn.Linear(3, 1), [], []
    by_hand.load_state_dict(model.state_dict())
    hand_optimizer = torch.optim.SGD(by_hand.parameters(), lr=0.05)
    for xb, yb in _loader(X, y, 8):  # the same steps, written out
        loss = nn.functional.mse_loss(by_hand(xb), yb)
        hand_optimizer.zero_grad()
        loss.backward()
        hand_optimizer.step()
        batch_means.append(float(loss.detach()))
        sizes.append(len(xb))
    over_examples = float(np.dot(batch_means, sizes) / sum(sizes))
    over_batches = float(np.mean(batch_means))
    assert abs(over_examples - over_batches) > 1e-3  # the test can tell them apart

    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loss, acc = train.train_epoch(model, _loader(X, y, 8), nn.MSELoss(), optimizer)
    assert loss == pytest.approx(over_examples, rel=1e-6) and np.isnan(acc)
    torch.testing.assert_close(model.weight, by_hand.weight)

    torch.manual_seed(0)
    model = nn.Linear(3, 1)  # fit reports the same number
    history = train.fit(
        model,
        _loader(X, y, 8),
        None,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.05),
        1,
        device="cpu",
    )
    assert history.train_loss == [pytest.approx(over_examples, rel=1e-6)]


def test_train_accuracy_counts_examples():
    X, y = _data(33)
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    loader = train.make_loader(X, y, batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # lr 0: the weights stay
    _, acc = train.train_epoch(model, loader, nn.CrossEntropyLoss(), optimizer)
    with torch.no_grad():
        pred = model(torch.tensor(X, dtype=torch.float32)).argmax(1).numpy()
    assert acc == pytest.approx(float((pred == y).mean()))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_evaluate_and_predict_restore_the_models_mode(mode):
    model, _, _, _, val_loader = _setup(dropout=0.5)
    model.train(mode == "train")
    train.evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert model.training == (mode == "train")
    assert all(m.training == (mode == "train") for m in model.modules())
    train.predict(model, _data()[0])
    assert model.training == (mode == "train")


def _record_steps(optimizer, what):
    """Call ``what(optimizer)`` just before every optimizer step; return the list of results."""
    seen = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: seen.append(what(opt)))
    return seen


def test_a_batch_scheduler_changes_the_rate_every_batch():
    X, y = _regression(40)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.9**step)
    rates = _record_steps(optimizer, lambda opt: opt.param_groups[0]["lr"])
    train.train_epoch(model, _loader(X, y, 8), nn.MSELoss(), optimizer, scheduler=schedule)
    assert rates == pytest.approx([0.1 * 0.9**k for k in range(5)])  # 5 batches, 5 rates

    # fit: batch_scheduler steps per batch, scheduler per epoch; History.lr is each epoch's start.
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    per_batch = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.9**step)
    rates = _record_steps(optimizer, lambda opt: opt.param_groups[0]["lr"])
    history = train.fit(
        model,
        _loader(X, y, 8),
        None,
        nn.MSELoss(),
        optimizer,
        3,
        device="cpu",
        batch_scheduler=per_batch,
    )
    assert rates == pytest.approx([0.1 * 0.9**k for k in range(15)])
    assert history.lr == pytest.approx([0.1, 0.1 * 0.9**5, 0.1 * 0.9**10])

    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    per_epoch = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    rates = _record_steps(optimizer, lambda opt: opt.param_groups[0]["lr"])
    train.fit(model, _loader(X, y, 8), None, nn.MSELoss(), optimizer, 2, per_epoch, device="cpu")
    assert rates == pytest.approx([0.1] * 5 + [0.05] * 5)


def _total_norm(optimizer):
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    return float(
        torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    )


def test_clipping_bounds_the_gradient_norm_that_the_optimizer_sees():
    X, y = _regression(32)
    y = 100 * y  # large errors, large gradients
    norms = {}
    for clip in (None, 1.0):
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
        norms[clip] = _record_steps(optimizer, _total_norm)
        grads = _record_steps(optimizer, lambda opt, m=model: m.weight.grad.clone())
        train.train_epoch(model, _loader(X, y, 8), nn.MSELoss(), optimizer, clip_grad_norm=clip)
        if clip is None:
            first_grad = grads[0]
        else:
            # Clipping rescales the whole gradient: same direction, norm max_norm.
            scale = 1.0 / norms[None][0]
            torch.testing.assert_close(grads[0], first_grad * scale, rtol=1e-4, atol=1e-6)
    assert min(norms[None]) > 1.0  # without clipping every step's norm exceeds the bound
    assert max(norms[1.0]) <= 1.0 + 1e-5


def test_accumulating_k_batches_equals_one_batch_k_times_larger():
    # float64, SGD with momentum, no dropout: the two runs take the same steps to 1e-10.
    # 32 examples: batches of 4 in groups of 3 leave a last group of 2 batches, which must
    # equal the last big batch of 8.
    X, y = _regression(32, dtype=torch.float64)
    results = []
    for batch_size, accumulate in ((4, 3), (12, 1)):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        steps = _record_steps(optimizer, lambda opt: None)
        losses = [
            train.train_epoch(
                model, _loader(X, y, batch_size), nn.MSELoss(), optimizer, accumulate=accumulate
            )[0]
            for _ in range(3)
        ]
        results.append((model, losses, len(steps)))
    (small, small_losses, small_steps), (big, big_losses, big_steps) = results
    assert small_steps == big_steps == 9  # 3 steps an epoch (12 + 12 + 8 examples)
    for a, b in zip(small.parameters(), big.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(small_losses, big_losses, rtol=1e-10)


def test_frozen_parameters_get_no_gradient_and_never_move():
    model, _, _, train_loader, val_loader = _setup()
    frozen = model[0]
    for p in frozen.parameters():
        p.requires_grad_(False)
    before = [p.detach().clone() for p in frozen.parameters()]
    head_before = model[3].weight.detach().clone()
    # The frozen parameters are in the optimizer, with momentum and weight decay that would
    # move them if it ever stepped them.
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)
    train.fit(
        model,
        train_loader,
        val_loader,
        nn.CrossEntropyLoss(),
        optimizer,
        3,
        device="cpu",
        clip_grad_norm=1.0,
    )
    for p, b in zip(frozen.parameters(), before, strict=True):
        assert p.grad is None
        assert torch.equal(p, b)  # bit for bit
        assert p not in optimizer.state or not optimizer.state[p]
    assert not torch.equal(model[3].weight, head_before)  # the rest did train


def test_parameter_groups_keep_their_own_rates_and_a_scheduler_scales_each():
    X, y = _regression(8)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters(), "lr": 0.01}, {"params": model[1].parameters()}],
        lr=0.1,
    )
    body, head = model[0].weight.detach().clone(), model[1].weight.detach().clone()
    grads = _record_steps(
        optimizer, lambda opt: (model[0].weight.grad.clone(), model[1].weight.grad.clone())
    )
    train.train_epoch(model, _loader(X, y, 8), nn.MSELoss(), optimizer)  # one batch, one step
    ((g_body, g_head),) = grads
    torch.testing.assert_close(model[0].weight, body - 0.01 * g_body)
    torch.testing.assert_close(model[1].weight, head - 0.1 * g_head)

    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train.fit(model, _loader(X, y, 8), None, nn.MSELoss(), optimizer, 2, schedule, device="cpu")
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.0025, 0.025])


def _training_dtypes(module):
    """The dtypes of ``module``'s outputs in train mode (evaluate runs in full precision)."""
    seen = set()

    def hook(mod, args, out):
        if mod.training:
            seen.add(out.dtype)

    module.register_forward_hook(hook)
    return seen


def test_mixed_precision_on_the_cpu_runs_in_bfloat16_and_learns():
    assert train_checks.amp_dtype("auto", torch.device("cpu")) is None  # off by default
    assert train_checks.amp_dtype(True, torch.device("cpu")) == torch.bfloat16
    assert train_checks.amp_dtype(False, torch.device("cuda")) is None
    assert train_checks.amp_dtype(torch.float16, torch.device("cpu")) == torch.float16
    for amp, dtype in (
        (torch.bfloat16, torch.bfloat16),
        (True, torch.bfloat16),
        ("auto", torch.float32),
    ):
        model, optimizer, _, train_loader, val_loader = _setup()
        seen = _training_dtypes(model[0])
        history = train.fit(
            model,
            train_loader,
            val_loader,
            nn.CrossEntropyLoss(),
            optimizer,
            8,
            device="cpu",
            amp=amp,
        )
        assert seen == {dtype}
        assert history.train_loss[-1] < 0.5 * history.train_loss[0]
        assert history.val_acc[-1] > 0.8


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("amp", [torch.float16, torch.bfloat16, "auto"])
def test_mixed_precision_on_cuda_learns(amp):
    device = torch.device("cuda")
    dtype = train_checks.amp_dtype(amp, device)
    assert dtype in (torch.float16, torch.bfloat16)
    plan = train_checks.EpochPlan(device, dtype, None, None, 1)
    assert train_checks.grad_scaler(plan).is_enabled() == (dtype == torch.float16)
    model, optimizer, _, train_loader, val_loader = _setup()
    seen = _training_dtypes(model[0])
    history = train.fit(
        model,
        train_loader,
        val_loader,
        nn.CrossEntropyLoss(),
        optimizer,
        8,
        device=device,
        amp=amp,
        clip_grad_norm=5.0,
    )
    assert seen == {dtype}
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_acc[-1] > 0.8


class _EpochSampler(torch.utils.data.Sampler):
    """Stands in for a DistributedSampler: sequential order, and it records set_epoch."""

    def __init__(self, n):
        self.n, self.epochs = n, []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_fit_tells_a_distributed_sampler_the_epoch(tmp_path):
    X, y = _regression(16)
    data = torch.utils.data.TensorDataset(X, y)
    plain = _EpochSampler(16)  # DataLoader(sampler=...): loader.sampler
    nested = _EpochSampler(16)  # make_loader's layout: loader.sampler.sampler
    loaders = [
        torch.utils.data.DataLoader(data, batch_size=4, sampler=plain),
        torch.utils.data.DataLoader(
            data, sampler=torch.utils.data.BatchSampler(nested, 4, False), batch_size=None
        ),
    ]
    for loader in loaders:
        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        path = tmp_path / "run.pt"
        train.fit(
            model, loader, None, nn.MSELoss(), optimizer, 2, device="cpu", checkpoint_path=path
        )
        train.fit(model, loader, None, nn.MSELoss(), optimizer, 4, device="cpu", resume_from=path)
    assert plain.epochs == nested.epochs == [0, 1, 2, 3]  # the resumed run goes on at 2


def test_only_the_main_process_prints_and_saves(tmp_path, capsys, monkeypatch):
    assert devices.is_main_process()  # a single process is the main one
    model, optimizer, _, train_loader, val_loader = _setup()
    args = (model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 2)
    train.fit(*args, device="cpu", progress=1, checkpoint_path=tmp_path / "main.pt")
    assert len(capsys.readouterr().out.splitlines()) == 2 and (tmp_path / "main.pt").exists()

    # A worker of rank 1 in an initialised process group.
    with monkeypatch.context() as patch:
        patch.setattr(torch.distributed, "is_available", lambda: True)
        patch.setattr(torch.distributed, "is_initialized", lambda: True)
        patch.setattr(torch.distributed, "get_rank", lambda group=None: 1)
        assert not devices.is_main_process()
    monkeypatch.setattr(loop, "is_main_process", lambda: False)
    train.fit(*args, device="cpu", progress=1, checkpoint_path=tmp_path / "worker.pt")
    assert capsys.readouterr().out == "" and not (tmp_path / "worker.pt").exists()


def test_a_progress_bar_changes_no_number(monkeypatch, capsys):
    histories = []
    for setting in ("0", "1"):
        monkeypatch.setenv("DLCOURSE_PROGRESS", setting)
        model, optimizer, _, train_loader, val_loader = _setup(dropout=0.3)
        histories.append(
            train.fit(
                model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 3, device="cpu"
            )
        )
    assert histories[0] == histories[1]
    assert capsys.readouterr().out == ""  # a bar writes to stderr, never to stdout


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error before any training happens.


def _fit_args(**overrides):
    model, optimizer, _, train_loader, val_loader = _setup()
    args = {
        "model": model,
        "train_loader": train_loader,
        "val_loader": val_loader,
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": optimizer,
        "epochs": 2,
        "device": "cpu",
    }
    return {**args, **overrides}


BAD_FIT = [
    ({"epochs": 0}, ValueError, "epochs"),
    ({"epochs": 2.5}, TypeError, "epochs"),  # a count is never fractional
    ({"epochs": "3"}, TypeError, "epochs"),
    ({"epochs": True}, TypeError, "epochs"),
    ({"patience": 0}, ValueError, "patience"),
    ({"patience": 2, "val_loader": None}, ValueError, "val_loader"),
    ({"monitor": "train_loss"}, ValueError, "monitor"),
    ({"clip_grad_norm": 0.0}, ValueError, "clip_grad_norm"),
    ({"clip_grad_norm": -1.0}, ValueError, "clip_grad_norm"),
    ({"clip_grad_norm": float("nan")}, ValueError, "clip_grad_norm"),
    ({"clip_grad_norm": float("inf")}, ValueError, "clip_grad_norm"),
    ({"clip_grad_norm": "1"}, TypeError, "clip_grad_norm"),
    ({"accumulate": 0}, ValueError, "accumulate"),
    ({"accumulate": 1.5}, TypeError, "accumulate"),
    ({"amp": "yes"}, ValueError, "amp"),
    ({"amp": torch.float32}, ValueError, "amp"),
    ({"progress": -1}, ValueError, "progress"),
    ({"progress": "bar"}, ValueError, "progress"),
    ({"progress": True}, ValueError, "progress"),
    ({"device": "gpu"}, ValueError, "device"),
    ({"model": "a model"}, TypeError, "model"),
    ({"optimizer": "adam"}, TypeError, "optimizer"),
    ({"loss_fn": 3}, TypeError, "loss_fn"),
    ({"train_loader": []}, ValueError, "batch"),
    ({"train_loader": 5}, TypeError, "loader"),
    ({"val_loader": []}, ValueError, "val_loader"),
    ({"scheduler": "cosine"}, TypeError, "scheduler"),
]
if not torch.cuda.is_available():
    BAD_FIT.append(({"device": "cuda"}, ValueError, "not available"))


@pytest.mark.parametrize("overrides, error, message", BAD_FIT)
def test_fit_rejects_bad_input_before_training(overrides, error, message):
    args = _fit_args(**overrides)
    model = args["model"]
    before = (
        [p.detach().clone() for p in model.parameters()] if isinstance(model, nn.Module) else []
    )
    with pytest.raises(error, match=message):
        train.fit(**args)
    for p, b in zip(model.parameters() if before else [], before, strict=True):
        assert torch.equal(p, b)


def test_schedulers_that_need_a_validation_loss_are_checked():
    model, optimizer, _, train_loader, _ = _setup()
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    with pytest.raises(ValueError, match="val_loader"):
        train.fit(model, train_loader, None, nn.CrossEntropyLoss(), optimizer, 2, plateau)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        train.fit(
            _fit_args()["model"],
            train_loader,
            None,
            nn.CrossEntropyLoss(),
            optimizer,
            2,
            batch_scheduler=plateau,
        )


def test_monitoring_accuracy_on_a_regression_is_an_error_not_a_silent_stop():
    X = np.random.default_rng(0).normal(size=(32, 2))
    y = (X @ np.array([1.0, -2.0]))[:, None]
    model = nn.Linear(2, 1)
    before = model.weight.detach().clone()
    with pytest.raises(ValueError, match="monitor='val_acc'.*float32"):
        train.fit(
            model,
            train.make_loader(X, y, 8),
            train.make_loader(X, y),
            nn.MSELoss(),
            torch.optim.SGD(model.parameters(), lr=0.1),
            5,
            device="cpu",
            patience=2,
            monitor="val_acc",
        )
    assert torch.equal(model.weight, before)


def test_targets_that_would_broadcast_are_an_error_naming_both_shapes():
    X, y = _regression(16)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()
    flat = _loader(X, y[:, 0], 8)  # targets (B,) against outputs (B, 1): a (B, B) loss
    with pytest.raises(ValueError, match=r"\(8,\).*\(8, 1\)"):
        train.train_epoch(model, flat, nn.MSELoss(), optimizer)
    assert torch.equal(model.weight, before)  # checked before the first step
    with pytest.raises(ValueError, match=r"\(8,\).*\(8, 1\)"):
        train.fit(model, flat, None, nn.MSELoss(), optimizer, 1, device="cpu")
    with pytest.raises(ValueError, match=r"\(8,\).*\(8, 1\)"):
        train.evaluate(model, flat, nn.MSELoss())
    # Class labels (B,) against logits (B, C) are what cross-entropy wants: no error.
    Xc, yc = _data(16)
    train.train_epoch(
        nn.Linear(4, 3),
        train.make_loader(Xc, yc, 8),
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
    )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m, o, ld: train.train_epoch(m, [], nn.MSELoss(), o), ValueError, "batch"),
        (
            lambda m, o, ld: train.train_epoch(m, ld, nn.MSELoss(), o, accumulate=0),
            ValueError,
            "accumulate",
        ),
        (
            lambda m, o, ld: train.train_epoch(m, ld, nn.MSELoss(), o, clip_grad_norm=float("nan")),
            ValueError,
            "clip_grad_norm",
        ),
        (lambda m, o, ld: train.train_epoch(m, ld, nn.MSELoss(), None), TypeError, "optimizer"),
        (
            lambda m, o, ld: train.train_epoch(m, ld, nn.MSELoss(), o, scheduler=1),
            TypeError,
            "scheduler",
        ),
        (lambda m, o, ld: train.evaluate(m, [], nn.MSELoss()), ValueError, "batch"),
        (lambda m, o, ld: train.evaluate(m, ld, nn.MSELoss(), device="tpu"), ValueError, "device"),
        (lambda m, o, ld: train.predict(m, np.zeros((0, 3))), ValueError, "X"),
        (lambda m, o, ld: train.predict("m", np.zeros((2, 3))), TypeError, "model"),
        (lambda m, o, ld: train.make_loader(np.zeros((0, 3)), np.zeros(0)), ValueError, "empty"),
        (
            lambda m, o, ld: train.make_loader(np.zeros((4, 3)), np.zeros(4), 2.5),
            TypeError,
            "batch_size",
        ),
    ],
)
def test_train_epoch_evaluate_and_predict_reject_bad_input(call, error, message):
    X, y = _regression(8)
    model = nn.Linear(3, 1)
    with pytest.raises(error, match=message):
        call(model, torch.optim.SGD(model.parameters(), lr=0.1), _loader(X, y, 4))


# ---------------------------------------------------------------------------------------------
# The loop's contract, pinned: each test fails for a loop missing one line of it.


def test_train_epoch_puts_the_model_in_train_mode():
    model, optimizer, _, train_loader, _ = _setup(dropout=0.5)
    model.eval()  # as evaluate() or a page may have left it
    modes = []
    model[2].register_forward_hook(lambda mod, args, out: modes.append(mod.training))
    train.train_epoch(model, train_loader, nn.CrossEntropyLoss(), optimizer)
    assert modes == [True] * len(train_loader) and model.training  # dropout was on


def test_gradients_left_from_before_never_reach_the_first_step():
    X, y = _regression(8)
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    expected = nn.functional.mse_loss(model(X), y)
    expected = torch.autograd.grad(expected, [model.weight, model.bias])
    for p in model.parameters():
        p.grad = torch.full_like(p, 1e3)  # stale gradients, as after a backward() by hand
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    grads = _record_steps(optimizer, lambda opt: [p.grad.clone() for p in model.parameters()])
    train.train_epoch(model, _loader(X, y, 8), nn.MSELoss(), optimizer)  # one batch, one step
    for seen, wanted in zip(grads[0], expected, strict=True):
        torch.testing.assert_close(seen, wanted)


def test_a_batch_scheduler_steps_once_per_optimizer_step_under_accumulation():
    X, y = _regression(48)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5**step)
    rates = _record_steps(optimizer, lambda opt: opt.param_groups[0]["lr"])
    # 6 batches in groups of 4: a step after batch 4 and after the last, shorter group.
    train.train_epoch(
        model, _loader(X, y, 8), nn.MSELoss(), optimizer, scheduler=schedule, accumulate=4
    )
    assert rates == pytest.approx([0.1, 0.05]) and schedule.last_epoch == 2
    rates.clear()
    history = train.fit(
        model, _loader(X, y, 8), None, nn.MSELoss(), optimizer, 2, device="cpu",
        batch_scheduler=schedule, accumulate=3,
    )  # fmt: skip
    assert rates == pytest.approx([0.1 * 0.5**k for k in range(2, 6)])  # 2 steps an epoch
    assert history.lr == pytest.approx([0.025, 0.00625]) and schedule.last_epoch == 6


def test_class_labels_with_an_elementwise_loss_are_an_error_before_the_first_step():
    X, y = _regression(16)
    labels = (y[:, 0] > 0).long()  # integer targets of shape (B,)
    for loss_fn, outputs in ((nn.MSELoss(), 1), (nn.BCEWithLogitsLoss(), 1), (nn.L1Loss(), 3)):
        model = nn.Linear(3, outputs)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        before = model.weight.detach().clone()
        name = type(loss_fn).__name__
        pattern = rf"torch.int64 and shape \(8,\) do not suit loss_fn {name}.*\(8, {outputs}\)"
        with pytest.raises(ValueError, match=pattern):
            train.train_epoch(model, _loader(X, labels, 8), loss_fn, optimizer)
        with pytest.raises(ValueError, match=pattern):
            train.fit(model, _loader(X, labels, 8), None, loss_fn, optimizer, 1, device="cpu")
        with pytest.raises(ValueError, match=pattern):
            train.evaluate(model, _loader(X, labels, 8), loss_fn)
        assert torch.equal(model.weight, before)
    # The same labels as floats of the outputs' shape are fine.
    train.train_epoch(
        model, _loader(X, labels[:, None].float().expand(-1, 3), 8), loss_fn, optimizer
    )


def test_fit_checks_its_arguments_once_not_every_epoch(monkeypatch):
    calls = []
    real = loop.epoch_setup
    monkeypatch.setattr(loop, "epoch_setup", lambda *a, **k: calls.append(1) or real(*a, **k))
    targets = []
    monkeypatch.setattr(loop, "check_targets", lambda *a: targets.append(1))
    model, optimizer, _, train_loader, val_loader = _setup()
    train.fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 4, device="cpu")
    assert calls == [1] and targets == [1]


def test_fit_takes_its_options_by_keyword():
    model, optimizer, _, train_loader, val_loader = _setup()
    args = (model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 1, None)
    with pytest.raises(TypeError, match="positional"):
        train.fit(*args, "cpu")
