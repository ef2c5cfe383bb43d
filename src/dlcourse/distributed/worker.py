"""What runs inside every rank that ``torchrun`` starts: join the group, train, leave.

``main`` is the entry point (``python -m dlcourse.distributed``): it joins the process group
that ``torchrun`` describes in the environment (``setup``), runs the modes asked for (an
all-reduce demonstration, DDP, FSDP2), writes every rank's weights and rank 0's loss curve,
and leaves the group (``cleanup``).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from dlcourse.device import is_main_process
from dlcourse.distributed.config import (
    MODES,
    DDPConfig,
    LossRecorder,
    backend_for,
    make_data,
    make_model,
    parse_modes,
)
from dlcourse.train import fit

__all__ = ["cleanup", "main", "setup"]


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
    loss_fn = LossRecorder()
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


def _flag(text: str) -> bool:
    if text not in ("True", "False"):
        raise argparse.ArgumentTypeError(f"expected True or False; got {text!r}")
    return text == "True"


def main(argv: list[str] | None = None) -> None:
    """The ``torchrun`` entry point: ``python -m dlcourse.distributed --modes ... --out DIR``."""
    parser = argparse.ArgumentParser(prog="dlcourse.distributed", description=__doc__)
    parser.add_argument("--modes", default="allreduce,ddp", help=f"comma-separated, of {MODES}")
    parser.add_argument("--out", required=True, type=Path, help="folder for weights and curves")
    for name, value in asdict(DDPConfig()).items():
        kind = _flag if isinstance(value, bool) else type(value)  # bool("False") is True
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value)
    args = parser.parse_args(argv)
    modes = parse_modes(args.modes)
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
