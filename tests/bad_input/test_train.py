"""Bad input for dlcourse.train: the loop, batches, checkpoints (dlcourse.checkpoint), progress."""

from __future__ import annotations

import atexit
import shutil
import tempfile

import numpy as np
import torch

from bad_input.fuzzing import Array, Choice, Count, Flag, Fresh, Func, Instance, Opaque, Other, Real
from bad_input.registry import Registry
from bad_input.values import AMP, DEVICE_ARG, X2
from dlcourse import train

RECIPES = Registry()
register = RECIPES.register

TRAIN_X = X2[:8].astype(np.float32)
TRAIN_Y = (X2[:8, 0] > 0).astype(np.int64)  # class labels: accuracy is a number, not NaN


def tiny_model():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def tiny_loader():
    return train.make_loader(TRAIN_X, TRAIN_Y, batch_size=4)


def tiny_sgd_for(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)


OPTIMIZER = "<an SGD on the model>"  # the valid value: built on the very model of the call


def trained(call):
    """``call`` with ``optimizer=OPTIMIZER`` replaced by an optimizer on the call's model."""

    def run(model, optimizer=OPTIMIZER, **kwargs):
        if optimizer is OPTIMIZER:
            host = model if isinstance(model, torch.nn.Module) else tiny_model()
            optimizer = tiny_sgd_for(host)
        return call(model=model, optimizer=optimizer, **kwargs)

    return run


MODEL = Instance()
LOADER = Other(bad_values=(None, 3, "loader", [], np.zeros(2), torch.zeros(4), object()))
LOSS_FN = Func()
SCHEDULER = Other(bad_values=(3, "cosine", object()), optional=True)
CLIP = Real(min=0.0, min_open=True, optional=True)
CROSS_ENTROPY = torch.nn.CrossEntropyLoss()

register(
    train.make_loader,
    X=(TRAIN_X, Array(ndims=(2, 1, 3), like=TRAIN_X)),
    y=(TRAIN_Y, Other(bad_values=(None, "y", np.zeros(3), np.zeros((0,))))),
    batch_size=(4, Count(1)),
    shuffle=(False, Flag()),
    ok=lambda loader: sum(len(xb) for xb, _ in loader) == len(TRAIN_X),
)
register(
    train.evaluate,
    model=(Fresh(tiny_model), MODEL),
    loader=(Fresh(tiny_loader), LOADER),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    device=("cpu", DEVICE_ARG),
)
register(
    train.predict,
    model=(Fresh(tiny_model), MODEL),
    X=(TRAIN_X, Array(like=TRAIN_X)),
    device=("cpu", DEVICE_ARG),
)
register(
    train.train_epoch,
    call=trained(train.train_epoch),
    model=(Fresh(tiny_model), MODEL),
    loader=(Fresh(tiny_loader), LOADER),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    optimizer=(OPTIMIZER, Instance()),
    device=("cpu", DEVICE_ARG),
    scheduler=(None, SCHEDULER),
    clip_grad_norm=(None, CLIP),
    amp=(False, AMP),
    accumulate=(1, Count(1)),
    scaler=(None, Opaque()),
)
register(
    train.fit,
    call=trained(train.fit),
    ok=lambda history: len(history.train_loss) >= 1 and np.isfinite(history.train_loss).all(),
    model=(Fresh(tiny_model), MODEL),
    train_loader=(Fresh(tiny_loader), LOADER),
    val_loader=(Fresh(tiny_loader), Other(bad_values=(3, "loader", [], np.zeros(2)))),
    loss_fn=(CROSS_ENTROPY, LOSS_FN),
    optimizer=(OPTIMIZER, Instance()),
    epochs=(2, Count(1)),
    scheduler=(None, SCHEDULER),
    device=("cpu", DEVICE_ARG),
    patience=(None, Count(1, optional=True)),
    monitor=("val_loss", Choice(("val_loss", "val_acc"))),
    checkpoint_path=(None, Other(bad_values=(3, ["a"], b"run.pt", "a\0b"), optional=True)),
    resume_from=(None, Other(bad_values=(3, ["a"], "/no/such/file.pt", __file__), optional=True)),
    progress=(None, Other(bad_values=(-1, "always", 2.5, [1]), odd_values=(0, 1, "auto"))),
    batch_scheduler=(None, SCHEDULER),
    clip_grad_norm=(None, CLIP),
    amp=(False, AMP),
    accumulate=(1, Count(1)),
)
register(train.History, ok=lambda history: history.train_loss == [])
register(train.checkpoint.rng_state, ok=lambda state: "torch" in state or "cpu" in state or state)
register(
    train.checkpoint.set_rng_state,
    ok=lambda result: result is None,
    state=(Fresh(train.checkpoint.rng_state), Other(bad_values=(None, 3, "state", {}, {"x": 1}))),
)


def saved_checkpoint():

    folder = tempfile.mkdtemp(prefix="dlcourse-bad-input-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = f"{folder}/ckpt.pt"
    model = tiny_model()
    train.checkpoint.save_checkpoint(path, model, tiny_sgd_for(model))
    return path


PATH = Other(bad_values=(None, 3, ["a"], object()))
register(
    train.checkpoint.save_checkpoint,
    call=trained(train.checkpoint.save_checkpoint),
    ok=lambda result: True,
    path=(Fresh(lambda: saved_checkpoint()), PATH),
    model=(Fresh(tiny_model), MODEL),
    optimizer=(OPTIMIZER, Instance()),
    scheduler=(None, SCHEDULER),
    history=(None, Other(bad_values=(3, "history", {"x": object()}), optional=True)),
    extra=(None, Other(bad_values=(3, "extra", [1], {"f": print}), optional=True)),
)
register(
    train.checkpoint.load_checkpoint,
    ok=lambda result: isinstance(result, dict),
    path=(Fresh(saved_checkpoint), Other(bad_values=(None, 3, ["a"], "/no/such/file.pt"))),
    model=(Fresh(tiny_model), MODEL),
    optimizer=(None, Other(bad_values=(3, "sgd", object()), optional=True)),
    scheduler=(None, SCHEDULER),
    map_location=(None, Other(bad_values=(3.5, "tpu"), optional=True)),
    restore_rng=(False, Flag()),
)


def saved_weights():
    folder = tempfile.mkdtemp(prefix="dlcourse-bad-input-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = f"{folder}/weights.pt"
    torch.save(tiny_model().state_dict(), path)
    return path


register(
    train.checkpoint.load_state_dict_checked,
    ok=lambda model: isinstance(model, torch.nn.Module),
    model=(Fresh(tiny_model), Other(bad_values=(None, 3, "m", torch.nn.Linear(3, 4)))),
    path=(Fresh(saved_weights), Other(bad_values=(None, 3, ["a"], "/no/such/file.pt", __file__))),
    expected_sha256=(None, Other(bad_values=(3, "abc", "0" * 64, b"0" * 64), optional=True)),
)
register(
    train.progress.bar,
    ok=lambda result: list(result) == [1, 2, 3],
    iterable=([1, 2, 3], Other(bad_values=(None, 3, 2.5))),
    enabled=(False, Flag()),
)
register(
    train.progress.bar_wanted,
    ok=lambda wanted: wanted is False,
    environ=(
        {"DLCOURSE_PROGRESS": "0"},
        Other(bad_values=(3, "env", ["a"], {"DLCOURSE_PROGRESS": "maybe"}), optional=True),
    ),
    stream=(None, Other(bad_values=(3, "stderr"), optional=True)),
    names={"environ": "environ"},
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
