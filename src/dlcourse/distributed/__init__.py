"""Data parallelism with ``DistributedDataParallel``, launched by ``torchrun``.

Each process (a *rank*) holds a full copy of the model, trains on its own slice of every batch
(``DistributedSampler``), and DDP averages the gradients over all ranks (an all-reduce) before
each optimizer step, so every copy takes the same step and keeps identical weights.

Run it as a script on 2 CPU processes (``gloo``); on GPUs the same command picks ``nccl``::

    torchrun --nproc_per_node=2 -m dlcourse.distributed --modes allreduce,ddp --out run/

One idea per module:

- ``config``: what every rank agrees on (``DDPConfig``, ``make_data``, ``make_model``,
  ``backend_for``, ``parse_modes``, ``LossRecorder``);
- ``sampling``: what each rank sees (``global_batches``, ``CombinedBatchSampler``) and
  ``train_single``, which trains the same model in ONE process on the combined batches, so
  that the two can be compared step for step;
- ``worker``: what runs in each rank (``setup``, ``cleanup``, ``main``): the all-reduce
  demonstration, DDP, and FSDP2 (``torch.distributed.fsdp.fully_shard``: each rank holds only
  its shard of every parameter);
- ``launcher``: ``torchrun_command`` and ``launch``, which runs it from Python and reads back
  what every rank wrote: its final weights and the loss curve averaged over the ranks.
"""

from dlcourse.distributed.config import (
    MODES,
    DDPConfig,
    LossRecorder,
    backend_for,
    make_data,
    make_model,
    parse_modes,
)
from dlcourse.distributed.launcher import LaunchResult, launch, torchrun_command
from dlcourse.distributed.sampling import CombinedBatchSampler, global_batches, train_single
from dlcourse.distributed.worker import cleanup, main, setup

__all__ = [
    "MODES",
    "CombinedBatchSampler",
    "DDPConfig",
    "LaunchResult",
    "LossRecorder",
    "backend_for",
    "cleanup",
    "global_batches",
    "launch",
    "main",
    "make_data",
    "make_model",
    "parse_modes",
    "setup",
    "torchrun_command",
    "train_single",
]
