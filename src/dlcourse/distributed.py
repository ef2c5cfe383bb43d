"""Data parallelism with ``DistributedDataParallel``, launched by ``torchrun``.

Each process (a *rank*) holds a full copy of the model, trains on its own slice of every batch
(``DistributedSampler``), and DDP averages the gradients over all ranks (an all-reduce) before
each optimizer step, so every copy takes the same step and keeps identical weights.

Run it as a script on 2 CPU processes (``gloo``); the same command uses ``nccl`` on GPUs::

    torchrun --nproc_per_node=2 -m dlcourse.distributed --modes allreduce,ddp --out run/

``launch`` runs that command from Python and reads back what every rank wrote: its final
weights and the loss curve averaged over the ranks. ``train_single`` trains the same model in
one process on the combined batches, so the two can be compared step for step. The ``fsdp``
mode trains the same model with ``torch.distributed.fsdp.fully_shard``: each rank then holds
only its shard of every parameter.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, Sampler, TensorDataset

from dlcourse.checks import (
    MAX_COUNT,
    check_in,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_size,
)
from dlcourse.device import is_main_process
from dlcourse.train import fit

__all__ = [
    "MODES",
    "CombinedBatchSampler",
    "DDPConfig",
    "LaunchResult",
    "backend_for",
    "cleanup",
    "global_batches",
    "launch",
    "main",
    "make_data",
    "make_model",
    "setup",
    "torchrun_command",
    "train_single",
]

MODES = ("allreduce", "ddp", "fsdp")


@dataclass
class DDPConfig:
    """One small training run: a 64-32-10 MLP on the first ``n_examples`` digits, plain SGD."""

    epochs: int = 4
    batch_size: int = 32  # per process: the effective batch is world_size * batch_size
    lr: float = 0.2
    hidden: int = 32
    n_examples: int = 1792  # 1792 = 28 * 64: whole batches for 2 ranks of 32 (no padding)
    seed: int = 0  # model initialisation and the sampler's shuffling
    dtype: str = "float64"  # float64: DDP and one process agree to ~1e-12

    def __post_init__(self) -> None:
        self._check_fields()

    def _check_fields(self) -> None:
        """Each field on its own (again: a field may be changed after the config is made)."""
        check_int("epochs", self.epochs, min=1, max=MAX_COUNT)
        check_int("batch_size", self.batch_size, min=1, max=MAX_COUNT)
        check_real("lr", self.lr, min=0.0, min_open=True)
        check_int("hidden", self.hidden, min=1, max=MAX_COUNT)
        check_size("hidden (weights: 75 * hidden)", 75 * self.hidden)
        check_int("n_examples", self.n_examples, min=1, max=1797, note="digits has 1797")
        check_seed("seed", self.seed)
        check_in("dtype", self.dtype, ("float32", "float64"))

    def checked(self, world_size: int) -> DDPConfig:
        """This config, validated for ``world_size`` processes (``ValueError`` if not)."""
        world_size = check_int("world_size", world_size, min=1, max=MAX_COUNT)
        self._check_fields()
        step = world_size * self.batch_size
        if self.n_examples % step:
            raise ValueError(
                f"n_examples must be a multiple of world_size * batch_size = {world_size} * "
                f"{self.batch_size} = {step} (whole batches on every rank); got {self.n_examples}"
            )
        return self


def backend_for(device_type: str) -> str:
    """The collective backend for a device type: ``nccl`` for ``"cuda"``, ``gloo`` for ``"cpu"``."""
    device_type = check_in("device_type", device_type, ("cpu", "cuda"))
    return "nccl" if device_type == "cuda" else "gloo"


def setup() -> tuple[int, int, torch.device]:
    """Join the process group that ``torchrun`` describes in the environment.

    Reads ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (set by ``torchrun``), picks ``nccl`` and
    GPU ``LOCAL_RANK`` when CUDA is present, else ``gloo`` on the CPU.

    Returns:
        ``(rank, world_size, device)``.
    """
    missing = [
        k for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR") if k not in os.environ
    ]
    if missing:
        raise ValueError(f"setup() needs the variables torchrun sets; missing {missing}")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group(backend_for(device.type))
    return dist.get_rank(), dist.get_world_size(), device


def cleanup() -> None:
    """Leave the process group (a no-op if none was joined)."""
    if dist.is_initialized():
        dist.destroy_process_group()


def _check_config(config) -> None:
    check_instance("config", config, DDPConfig)
    config._check_fields()


def make_data(config: DDPConfig) -> TensorDataset:
    """The first ``n_examples`` digits: inputs (n, 64) in [0, 1], labels (n,)."""
    from dlcourse.data import digits

    _check_config(config)
    X, y = digits()
    n = config.n_examples
    dtype = getattr(torch, config.dtype)
    return TensorDataset(torch.tensor(X[:n], dtype=dtype), torch.tensor(y[:n]))


def make_model(config: DDPConfig) -> nn.Sequential:
    """The 64-``hidden``-10 MLP, initialised from ``config.seed`` (the same on every rank)."""
    _check_config(config)
    torch.manual_seed(config.seed)
    model = nn.Sequential(nn.Linear(64, config.hidden), nn.ReLU(), nn.Linear(config.hidden, 10))
    return model.to(getattr(torch, config.dtype))


def global_batches(
    n: int, world_size: int, batch_size: int, epoch: int, seed: int = 0
) -> list[list[int]]:
    """The combined batches of one epoch: batch k joins every rank's k-th batch.

    Built from ``DistributedSampler`` itself (shuffle on, ``set_epoch(epoch)``), so one process
    fed these batches of ``world_size * batch_size`` examples sees exactly what the ranks see.
    """
    n = check_size("n", check_int("n", n, min=1, max=MAX_COUNT))
    world_size = check_int("world_size", world_size, min=1, max=n, note=f"n is {n}")
    batch_size = check_int("batch_size", batch_size, min=1, max=MAX_COUNT)
    check_int("epoch", epoch, min=0, max=MAX_COUNT)
    seed = check_seed("seed", seed)
    per_rank = []
    for rank in range(world_size):
        sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, seed=seed)
        sampler.set_epoch(epoch)
        per_rank.append(list(sampler))
    steps = -(-len(per_rank[0]) // batch_size)
    return [
        [i for indices in per_rank for i in indices[k * batch_size : (k + 1) * batch_size]]
        for k in range(steps)
    ]


class CombinedBatchSampler(Sampler[list[int]]):
    """A batch sampler for ONE process that yields ``global_batches`` (with ``set_epoch``)."""

    def __init__(self, n: int, world_size: int, batch_size: int, seed: int = 0) -> None:
        n = check_size("n", check_int("n", n, min=1, max=MAX_COUNT))
        self.args = (
            n,
            check_int("world_size", world_size, min=1, max=n, note=f"n is {n}"),
            check_int("batch_size", batch_size, min=1, max=MAX_COUNT),
        )
        self.seed, self.epoch = check_seed("seed", seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = check_int("epoch", epoch, min=0, max=MAX_COUNT)

    def __iter__(self):
        return iter(global_batches(*self.args, self.epoch, self.seed))

    def __len__(self) -> int:
        n, world_size, batch_size = self.args
        per_rank = -(-n // world_size)  # DistributedSampler pads to a multiple of world_size
        return -(-per_rank // batch_size)


class _Recorder(nn.Module):
    """Cross-entropy that remembers every batch's loss (``fit`` calls it once per batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = nn.functional.cross_entropy(output, target)
        self.losses.append(float(loss.detach()))
        return loss


def train_single(config: DDPConfig, world_size: int = 2) -> tuple[dict, list[float]]:
    """Train in ONE process on the combined batches of ``world_size * batch_size`` examples.

    Returns:
        ``(state_dict, losses)``: the final weights and the loss of every step (a mean over
        the combined batch), ``epochs * steps`` of them.
    """
    _check_config(config)
    config = config.checked(world_size)
    model, data = make_model(config), make_data(config)
    sampler = CombinedBatchSampler(len(data), world_size, config.batch_size, config.seed)
    loader = DataLoader(data, batch_sampler=sampler)
    loss_fn = _Recorder()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    fit(model, loader, None, loss_fn, optimizer, config.epochs, device="cpu", progress=None)
    return model.state_dict(), loss_fn.losses


def _say(*args) -> None:
    if is_main_process():  # N processes would print N copies
        print(*args, flush=True)


def _allreduce_demo(rank: int, world_size: int, device: torch.device) -> None:
    """Each rank holds a different 'gradient'; after all_reduce(SUM) / world_size, the mean."""
    grad = torch.tensor([1.0, 2.0], device=device) * (rank + 1) ** 2  # rank r: (r+1)^2 * [1, 2]
    before = [None] * world_size
    dist.all_gather_object(before, grad.tolist())
    dist.all_reduce(grad, op=dist.ReduceOp.SUM)
    grad /= world_size
    after = [None] * world_size
    dist.all_gather_object(after, grad.tolist())
    for r in range(world_size):
        _say(f"allreduce: rank {r} before {before[r]} after {after[r]}")


def _train_parallel(config: DDPConfig, mode: str, out: Path, rank: int, world_size: int, device):
    """Train with DDP or FSDP2; every rank writes its weights, rank 0 the loss curve."""
    model, data = make_model(config).to(device), make_data(config)
    if mode == "ddp":
        model = nn.parallel.DistributedDataParallel(model)
    else:
        from torch.distributed.fsdp import fully_shard

        for layer in model:
            if isinstance(layer, nn.Linear):
                fully_shard(layer)  # each layer gathers its full weights only while it runs
        fully_shard(model)
    sampler = DistributedSampler(data, num_replicas=world_size, rank=rank, seed=config.seed)
    loader = DataLoader(data, batch_size=config.batch_size, sampler=sampler)
    loss_fn = _Recorder()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    # fit tells the sampler each epoch (set_epoch) and prints and saves on rank 0 only
    fit(model, loader, None, loss_fn, optimizer, config.epochs, device=device, progress=None)
    local = torch.tensor(loss_fn.losses, dtype=torch.float64, device=device)
    dist.all_reduce(local)  # each rank's mean over its slice; equal slices: mean of means
    losses = (local / world_size).tolist()
    plain = model.module if mode == "ddp" else model  # DDP wraps the model as .module
    state = {k: v.detach() for k, v in plain.state_dict().items()}
    shards = {}
    if mode == "fsdp":  # DTensors: this rank's shard, and the full tensor gathered from all
        shards = {k: list(v.to_local().shape) for k, v in state.items()}
        state = {k: v.full_tensor() for k, v in state.items()}
    torch.save({k: v.cpu() for k, v in state.items()}, out / f"{mode}-rank{rank}.pt")
    if is_main_process():
        torch.save({k: v.cpu() for k, v in state.items()}, out / f"{mode}-model.pt")
        report = {"losses": losses, "shards": shards, "config": asdict(config)}
        (out / f"{mode}.json").write_text(json.dumps(report))
    _say(f"{mode}: {config.epochs} epochs, {len(losses)} steps of {world_size} x "
         f"{config.batch_size} examples, loss {losses[0]:.4f} -> {losses[-1]:.4f}")  # fmt: skip
    if shards:
        for k, shape in shards.items():
            _say(f"fsdp: {k:9s} full {list(state[k].shape)}, rank 0 holds {shape}")


def main(argv: list[str] | None = None) -> None:
    """The ``torchrun`` entry point: ``python -m dlcourse.distributed --modes ... --out DIR``."""
    parser = argparse.ArgumentParser(prog="dlcourse.distributed", description=__doc__)
    parser.add_argument("--modes", default="allreduce,ddp", help=f"comma-separated, of {MODES}")
    parser.add_argument("--out", required=True, type=Path, help="folder for weights and curves")
    for name, value in asdict(DDPConfig()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    _check_modes(args.modes)
    modes = args.modes.split(",")
    fields = {k: getattr(args, k) for k in asdict(DDPConfig())}
    rank, world_size, device = setup()
    try:
        config = DDPConfig(**fields).checked(world_size)
        args.out.mkdir(parents=True, exist_ok=True)
        _say(f"world_size {world_size}, backend {dist.get_backend()}, device {device.type}")
        for mode in modes:
            if mode == "allreduce":
                _allreduce_demo(rank, world_size, device)
            else:
                _train_parallel(config, mode, args.out, rank, world_size, device)
        # Every rank finishes before any tears the group down: a rank that destroys it while
        # the other is still in gloo's last exchange can abort at exit ("terminate called
        # without an active exception"). Only on success: after an error, a barrier could wait
        # for a rank that will never come.
        dist.barrier()
    finally:
        cleanup()


def _check_modes(modes) -> None:
    check_instance("modes", modes, str, "a comma-separated str such as 'allreduce,ddp'")
    for mode in modes.split(","):
        if mode not in MODES:
            raise ValueError(f"modes must be comma-separated names of {MODES}; got {modes!r}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_command(
    modes: str, out: str | Path, config: DDPConfig | None = None, nproc: int = 2, port=None
) -> list[str]:
    """The ``torchrun`` command line (as ``python -m torch.distributed.run``) for one node."""
    nproc = check_int("nproc", nproc, min=1, max=MAX_COUNT)
    _check_modes(modes)
    check_instance("out", out, (str, Path), "a folder (str or pathlib.Path)")
    if config is not None:
        _check_config(config)
    try:
        config = (config or DDPConfig()).checked(nproc)
    except ValueError as error:  # the config was fine on its own: nproc is what does not fit
        raise ValueError(f"config does not fit nproc={nproc} processes: {error}") from None
    port = _free_port() if port is None else check_int("port", port, min=1, max=65535)
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1",
               f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1", f"--master_port={port}",
               "-m", "dlcourse.distributed", "--modes", modes, "--out", str(out)]  # fmt: skip
    for name, value in asdict(config).items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    return command


@dataclass
class LaunchResult:
    """What a ``launch`` left behind, per training mode (``"ddp"``, ``"fsdp"``): the loss of
    every step averaged over the ranks (``losses[mode]``), every rank's final weights
    (``states[mode][rank]``), for FSDP the shape of rank 0's shard of each parameter; and
    rank 0's printed ``output``."""

    output: str
    losses: dict[str, list[float]]
    states: dict[str, list[dict]]
    shards: dict[str, dict]

    def lines(self, prefix: str) -> str:
        """The lines of ``output`` that start with ``prefix`` (e.g. ``"fsdp"``)."""
        check_instance("prefix", prefix, str)
        return "\n".join(ln for ln in self.output.splitlines() if ln.startswith(prefix))


def launch(
    modes: str,
    out: str | Path,
    config: DDPConfig | None = None,
    nproc: int = 2,
    timeout: float = 300.0,
) -> LaunchResult:
    """Run ``torchrun_command`` in a subprocess and read back what the ranks wrote.

    Args:
        modes: comma-separated, run in this order in one launch, e.g. ``"allreduce,ddp"``.
        out: an existing or new folder for the files.
        config: the training run (default ``DDPConfig()``), checked for ``nproc`` processes.
        nproc: number of processes (ranks).
        timeout: seconds before the launch is given up (``subprocess.TimeoutExpired``).

    Raises:
        RuntimeError: with every rank's output, if ``torchrun`` failed.
    """
    check_real("timeout", timeout, min=0.0, min_open=True)
    command = torchrun_command(modes, out, config, nproc)  # checks modes, out, config, nproc
    out = Path(out)
    package_root = str(Path(__file__).resolve().parents[1])  # the same dlcourse in every rank
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(":")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"torchrun failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = LaunchResult(done.stdout, {}, {}, {})
    for mode in modes.split(","):
        if mode == "allreduce":
            continue
        report = json.loads((out / f"{mode}.json").read_text())
        result.losses[mode], result.shards[mode] = report["losses"], report["shards"]
        result.states[mode] = [
            torch.load(out / f"{mode}-rank{r}.pt", weights_only=True) for r in range(nproc)
        ]
    return result


if __name__ == "__main__":
    main()
    # Everything is written and the group destroyed; leave without the interpreter's teardown.
    # On a busy machine gloo's threads could still be winding down when C++ destructors ran,
    # and about one launch in eight aborted at exit ("terminate called without an active
    # exception", SIGABRT) after finishing its work. A clean os._exit skips that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
