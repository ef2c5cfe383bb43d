"""What each rank sees, and the one process that sees it all: the combined batches of
``DistributedSampler``, and a single-process run on them to compare DDP with."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, DistributedSampler, Sampler

from dlcourse.checks import MAX_COUNT, check_instance, check_int, check_seed, check_size
from dlcourse.distributed.config import DDPConfig, LossRecorder, make_data, make_model
from dlcourse.train import fit

__all__ = ["CombinedBatchSampler", "global_batches", "train_single"]


def global_batches(
    n: int, world_size: int, batch_size: int, epoch: int, seed: int = 0
) -> list[list[int]]:
    """The combined batches of one epoch: batch k joins every rank's k-th batch.

    Built from ``DistributedSampler`` itself (shuffle on, ``set_epoch(epoch)``), so one process
    fed these batches of ``world_size * batch_size`` examples sees exactly what the ranks see.
    When ``n`` is not a multiple of ``world_size``, the sampler pads by repeating indices, and
    so do these batches.
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


def train_single(config: DDPConfig, world_size: int = 2) -> tuple[dict, list[float]]:
    """Train in ONE process on the combined batches of ``world_size * batch_size`` examples.

    Returns:
        ``(state_dict, losses)``: the final weights and the loss of every step (a mean over
        the combined batch), ``epochs * steps`` of them.
    """
    check_instance("config", config, DDPConfig)
    config = config.checked(world_size)
    model, data = make_model(config), make_data(config)
    sampler = CombinedBatchSampler(len(data), world_size, config.batch_size, config.seed)
    loader = DataLoader(data, batch_sampler=sampler)
    loss_fn = LossRecorder()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    fit(model, loader, None, loss_fn, optimizer, config.epochs, device="cpu", progress=None)
    return model.state_dict(), loss_fn.losses
