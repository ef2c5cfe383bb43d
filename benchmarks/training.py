"""Training throughput of ``dlcourse.train.fit`` on the digits, per device and batch size.

The digits (1,797 images of 8 x 8 pixels, bundled with scikit-learn) and a small MLP are what the
training-methodology chapter uses. Such a model is far too small to keep a GPU busy, so expect
the GPU to win only at large batch sizes, if at all: the point of the measurement is to see
where the crossover lies. Reported: seconds per epoch (median over epochs after the first) and
examples per second.

    python benchmarks/training.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

import statistics
import time

import torch
from _common import emit, parse_args
from torch import nn

import dlcourse
from dlcourse import data, train
from dlcourse.timing import synchronizer


class EpochClock:
    """Times each epoch by wrapping the loader: the clock restarts every time it is iterated."""

    def __init__(self, loader, sync):
        self.loader, self.sync, self.times, self._start = loader, sync, [], None

    def __iter__(self):
        self._stop()
        self._start = time.perf_counter()
        yield from self.loader

    def __len__(self):
        return len(self.loader)

    def _stop(self):
        if self._start is not None:
            self.sync()
            self.times.append(time.perf_counter() - self._start)

    def finish(self) -> list[float]:
        self._stop()
        self._start = None
        return self.times


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    batch_sizes = [32, 256] if args.quick else [16, 64, 256, 1024]
    epochs = 3 if args.quick else 8
    X, y = data.digits()
    results = []
    for device in args.devices:
        sync = synchronizer(device)
        for batch_size in batch_sizes:
            dlcourse.seed_everything(0)
            model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
            clock = EpochClock(train.make_loader(X, y, batch_size, shuffle=True), sync)
            train.fit(
                model,
                clock,
                None,
                nn.CrossEntropyLoss(),
                torch.optim.Adam(model.parameters(), lr=1e-3),
                epochs=epochs,
                device=device,
                progress=None,
            )
            per_epoch = statistics.median(clock.finish()[1:])  # the first epoch warms up
            results.append(
                {
                    "device": device.type,
                    "batch_size": batch_size,
                    "epoch_seconds": per_epoch,
                    "examples_per_second": len(X) / per_epoch,
                }
            )
    emit("training", args.quick, results)


if __name__ == "__main__":
    main()
