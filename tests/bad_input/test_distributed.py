"""Bad input for dlcourse.distributed.

DDP launched by torchrun (chapter 20). Nothing here launches a process: setup and main join a
process group of ONE process in this one (gloo, world_size 1, through the variables torchrun
would set), and launch's valid call reaches subprocess.run through a recorder; the arguments are
all checked before that.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import tempfile

import torch

from bad_input.fuzzing import Choice, Count, Flag, Fresh, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import POSITIVE, SEED, accept_any
from dlcourse import distributed

RECIPES = Registry()
register = RECIPES.register

SMALL_DDP = distributed.DDPConfig(epochs=1, batch_size=8, n_examples=64)
DDP_KIND = Other(bad_values=(None, 3, "config", {"epochs": 1}))


@contextlib.contextmanager
def single_process_group_env():
    names = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    saved = {k: os.environ.get(k) for k in names}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1")
    os.environ["MASTER_PORT"] = str(port)
    try:
        yield
    finally:
        distributed.cleanup()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def setup_alone():
    with single_process_group_env():
        return distributed.setup()


def main_alone(argv):
    with single_process_group_env(), contextlib.redirect_stdout(io.StringIO()):
        return distributed.main(argv)


register(
    distributed.DDPConfig,
    epochs=(1, Count(1)),
    batch_size=(8, Count(1)),
    lr=(0.2, POSITIVE),
    hidden=(4, Count(1)),
    n_examples=(64, Count(1)),
    seed=(0, SEED),
    dtype=("float64", Choice(("float32", "float64"))),
    batch_norm=(False, Flag()),
    ok=accept_any,
)
register(
    distributed.DDPConfig.checked,
    call=lambda self, world_size: self.checked(world_size),
    self=(SMALL_DDP, Opaque()),
    world_size=(2, Count(1)),
    ok=accept_any,
)
register(distributed.backend_for, device_type=("cpu", Choice(("cpu", "cuda"))))
register(distributed.setup, call=setup_alone, ok=lambda r: r[:2] == (0, 1))
register(distributed.cleanup, ok=accept_any)
register(
    distributed.main,
    call=main_alone,
    argv=(["--modes", "allreduce", "--out", tempfile.gettempdir()], Opaque()),  # argparse's
    ok=accept_any,
)
register(distributed.make_data, config=(SMALL_DDP, DDP_KIND), ok=accept_any)
register(distributed.make_model, config=(SMALL_DDP, DDP_KIND), ok=accept_any)
register(
    distributed.global_batches,
    n=(20, Count(1)),
    world_size=(2, Count(1)),
    batch_size=(4, Count(1)),
    epoch=(0, Count(0)),
    seed=(0, SEED),
    ok=accept_any,
)
register(
    distributed.CombinedBatchSampler,
    n=(20, Count(1)),
    world_size=(2, Count(1)),
    batch_size=(4, Count(1)),
    seed=(0, SEED),
    ok=accept_any,
)
register(
    distributed.CombinedBatchSampler.set_epoch,
    call=lambda self, epoch: self.set_epoch(epoch),
    self=(distributed.CombinedBatchSampler(20, 2, 4), Opaque()),
    epoch=(1, Count(0)),
    ok=accept_any,
)
register(  # a plain record, made by launch: nothing to check
    distributed.LaunchResult,
    ok=accept_any,
    **{f: ({}, Opaque()) for f in distributed.LaunchResult.__dataclass_fields__},
)
register(
    distributed.LaunchResult.lines,
    call=lambda self, prefix: self.lines(prefix),
    self=(distributed.LaunchResult("ddp: a\nfsdp: b", {}, {}, {}), Opaque()),
    prefix=("ddp", Other(bad_values=(None, 3, b"ddp", ["ddp"]))),
    ok=accept_any,
)
MODES_KIND = Other(bad_values=(None, 3, "", "ddp,", "gpu", ["ddp"], b"ddp"))
OUT_KIND = Other(bad_values=(None, 3, ["run"], b"run"))
register(
    distributed.torchrun_command,
    modes=("allreduce,ddp", MODES_KIND),
    out=("run", OUT_KIND),
    config=(SMALL_DDP, Other(bad_values=(3, "config", {"epochs": 1}), optional=True)),
    nproc=(2, Count(1)),
    port=(None, Other(bad_values=(0, 65536, 2**63, 80.0, True, "29500"), optional=True)),
    ok=accept_any,
)


def launch_recorded(**kwargs):
    """launch, with subprocess.run replaced by a recorder that answers success."""
    calls = []

    def record(command, **kw):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, "allreduce: recorded", "")

    real, subprocess.run = subprocess.run, record
    try:
        result = distributed.launch(**kwargs)
    finally:
        subprocess.run = real
    return result, calls


register(
    distributed.launch,
    call=launch_recorded,
    modes=("allreduce", MODES_KIND),
    out=("run", OUT_KIND),
    config=(SMALL_DDP, Other(bad_values=(3, "config", {"epochs": 1}), optional=True)),
    nproc=(2, Count(1)),
    timeout=(300.0, Other(bad_values=tuple(POSITIVE.bad()))),
    ok=lambda r: len(r[1]) == 1 and r[0].output == "allreduce: recorded",
)
register(
    distributed.train_single,
    config=(SMALL_DDP, DDP_KIND),
    world_size=(2, Count(1)),
    ok=accept_any,
)
register(distributed.parse_modes, modes=("allreduce,ddp", MODES_KIND), ok=accept_any)
register(distributed.LossRecorder, ok=accept_any)
register(
    distributed.LossRecorder.forward,
    call=lambda self, **kw: self(**kw),
    self=(Fresh(distributed.LossRecorder), Opaque()),
    output=(torch.randn(4, 3), Opaque()),  # torch's cross_entropy checks these
    target=(torch.tensor([0, 2, 1, 0]), Opaque()),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
