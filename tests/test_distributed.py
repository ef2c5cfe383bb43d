"""dlcourse.distributed: 2 DDP processes (gloo, CPU) end with identical weights and the loss
curve of one process on the combined batch; FSDP2 shards and agrees; bad input is refused."""

from __future__ import annotations

import subprocess

import pytest
import torch
from torch.utils.data import DistributedSampler

from dlcourse import distributed as D

CONFIG = D.DDPConfig(epochs=2, batch_size=16, n_examples=512, lr=0.2)  # 16 steps per epoch


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """One torchrun launch of 2 processes: the all-reduce demo, then DDP, then FSDP2."""
    out = tmp_path_factory.mktemp("ddp")
    return D.launch("allreduce,ddp,fsdp", out, CONFIG, nproc=2, timeout=600)


@pytest.fixture(scope="module")
def single():
    return D.train_single(CONFIG, world_size=2)


def test_allreduce_gives_every_rank_the_mean(launched):
    # rank r holds (r + 1)^2 * [1, 2]: [1, 2] and [4, 8], whose mean is [2.5, 5]
    lines = launched.lines("allreduce").splitlines()
    assert len(lines) == 2
    assert all(line.endswith("after [2.5, 5.0]") for line in lines)
    assert "backend gloo" in launched.output


@pytest.mark.parametrize("mode", ["ddp", "fsdp"])
def test_replicas_end_identical(launched, mode):
    rank0, rank1 = launched.states[mode]
    assert rank0.keys() == rank1.keys() == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for key in rank0:
        assert rank0[key].dtype == torch.float64
        assert torch.equal(rank0[key], rank1[key]), key


@pytest.mark.parametrize("mode", ["ddp", "fsdp"])
def test_same_run_as_one_process_on_the_combined_batch(launched, single, mode):
    state, losses = single
    steps = CONFIG.epochs * CONFIG.n_examples // (2 * CONFIG.batch_size)
    assert len(losses) == len(launched.losses[mode]) == steps
    assert losses[-1] < 0.8 * losses[0]  # it learned something
    assert launched.losses[mode] == pytest.approx(losses, rel=0, abs=1e-10)
    for key, value in state.items():
        assert torch.allclose(launched.states[mode][0][key], value, rtol=0, atol=1e-10), key
    initial = D.make_model(CONFIG).state_dict()
    assert not torch.allclose(initial["0.weight"], state["0.weight"])  # the weights moved


def test_fsdp_ranks_hold_half_of_each_parameter(launched):
    full = launched.states["fsdp"][0]
    for key, shape in launched.shards["fsdp"].items():
        assert shape[0] * 2 == full[key].shape[0] and shape[1:] == list(full[key].shape[1:])


def test_global_batches_are_the_ranks_batches_joined():
    n, world, b = 40, 2, 4
    for epoch in (0, 1):
        batches = D.global_batches(n, world, b, epoch, seed=3)
        ranks = []
        for r in range(world):
            sampler = DistributedSampler(range(n), num_replicas=world, rank=r, seed=3)
            sampler.set_epoch(epoch)
            ranks.append(list(sampler))
        assert len(batches) == 5
        for k, batch in enumerate(batches):
            assert batch == ranks[0][k * b : (k + 1) * b] + ranks[1][k * b : (k + 1) * b]
        assert sorted(i for batch in batches for i in batch) == list(range(n))
    assert D.global_batches(n, world, b, 0) != D.global_batches(n, world, b, 1)


def test_combined_sampler_follows_set_epoch():
    sampler = D.CombinedBatchSampler(40, 2, 4, seed=1)
    first = list(sampler)
    assert len(first) == len(sampler) == 5
    assert list(sampler) == first  # no set_epoch: the same order again
    sampler.set_epoch(1)
    assert list(sampler) != first
    assert len(D.CombinedBatchSampler(41, 2, 4)) == len(list(D.CombinedBatchSampler(41, 2, 4)))


def test_backend_and_command():
    assert D.backend_for("cpu") == "gloo" and D.backend_for("cuda") == "nccl"
    command = D.torchrun_command("ddp", "out", CONFIG, nproc=2, port=29500)
    assert command[1:3] == ["-m", "torch.distributed.run"]
    assert "--nproc_per_node=2" in command and "--master_port=29500" in command
    assert command[command.index("--batch-size") + 1] == "16"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: CONFIG.checked(0), "world_size"),
        (lambda: D.DDPConfig(batch_size=24).checked(2), "multiple of world_size"),
        (lambda: D.DDPConfig(n_examples=100, batch_size=16).checked(2), "multiple"),
        (lambda: D.DDPConfig(n_examples=2000).checked(2), "n_examples"),
        (lambda: D.DDPConfig(lr=0.0).checked(2), "lr"),
        (lambda: D.DDPConfig(epochs=0).checked(2), "epochs"),
        (lambda: D.DDPConfig(dtype="float16").checked(2), "dtype"),
        (lambda: D.train_single(CONFIG, world_size=3), "multiple of world_size"),
        (lambda: D.backend_for("tpu"), "device_type"),
        (lambda: D.global_batches(0, 2, 4, 0), "n"),
        (lambda: D.global_batches(8, 0, 4, 0), "world_size"),
        (lambda: D.global_batches(8, 2, 0, 0), "batch_size"),
        (lambda: D.global_batches(8, 2, 4, -1), "epoch"),
        (lambda: D.CombinedBatchSampler(8, 2, 4).set_epoch(-1), "epoch"),
        (lambda: D.torchrun_command("ddp,train", "out"), "mode"),
        (lambda: D.torchrun_command("ddp", "out", nproc=0), "nproc"),
        (lambda: D.torchrun_command("ddp", "out", port=70000), "port"),
        (lambda: D.launch("ddp", "out", timeout=0), "timeout"),
        (lambda: D.main(["--out", "x", "--modes", "serve"]), "mode"),
    ],
)
def test_bad_input_is_a_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_setup_outside_torchrun_says_what_is_missing(monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValueError, match="missing .*RANK"):
        D.setup()


def test_a_failed_launch_is_a_runtime_error_with_the_output(tmp_path, monkeypatch):
    def failing(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "rank 0 said", "rank 1 crashed")

    monkeypatch.setattr(subprocess, "run", failing)
    with pytest.raises(RuntimeError, match="(?s)torchrun failed.*rank 1 crashed"):
        D.launch("ddp", tmp_path, CONFIG)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: D.DDPConfig(epochs=2.5), TypeError, "epochs must be an integer"),
        (lambda: D.DDPConfig(hidden=10**9), ValueError, r"hidden \(weights: 75 \* hidden\)"),
        (lambda: D.make_model("config"), TypeError, "config must be DDPConfig"),
        (lambda: D.train_single(None), TypeError, "config must be DDPConfig"),
        (lambda: D.global_batches(10**9, 2, 4, 0), ValueError, "n asks for"),
        (lambda: D.global_batches(8, 9, 4, 0), ValueError, r"world_size must be .* \(n is 8\)"),
        (lambda: D.global_batches(8, 2, 4, 0, seed=-1), ValueError, "seed"),
        (lambda: D.torchrun_command(3, "out"), TypeError, "modes must be a comma-separated"),
        (lambda: D.torchrun_command("ddp", None), TypeError, "out must be a folder"),
        (lambda: D.torchrun_command("ddp", "out", nproc=3), ValueError, "does not fit nproc=3"),
        (lambda: D.LaunchResult("a", {}, {}, {}).lines(None), TypeError, "prefix"),
    ],
)
def test_bad_types_and_sizes_are_refused_before_any_work(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_batch_norm_breaks_the_equality_with_one_process(tmp_path):
    # each rank normalises with the statistics of its own 16 examples, one process with those
    # of all 32: the first loss already differs (SyncBatchNorm would share the statistics)
    config = D.DDPConfig(epochs=1, batch_size=16, n_examples=128, batch_norm=True)
    run = D.launch("ddp", tmp_path, config, nproc=2, timeout=600)
    _, losses = D.train_single(config, world_size=2)
    assert len(run.losses["ddp"]) == len(losses) == 4
    assert abs(run.losses["ddp"][0] - losses[0]) > 1e-4  # not rounding: float64 gives 1e-15
    rank0, rank1 = run.states["ddp"]
    weights = [k for k in rank0 if not k.startswith("1.running") and "num_batches" not in k]
    assert all(torch.equal(rank0[k], rank1[k]) for k in weights)  # the weights: identical
    # the running statistics: each rank's own, from its own slices (DDP copies rank 0's to the
    # others at the start of every forward pass, and the last forward updates each locally)
    assert not torch.equal(rank0["1.running_mean"], rank1["1.running_mean"])


def test_the_command_line_reads_true_and_false():
    config = D.DDPConfig(batch_norm=True)
    command = D.torchrun_command("ddp", "out", config, nproc=2, port=29500)
    assert command[command.index("--batch-norm") + 1] == "True"
    assert D.make_model(config)[1].__class__.__name__ == "BatchNorm1d"
    assert len(D.make_model(D.DDPConfig())) == 3
