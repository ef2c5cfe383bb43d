"""Fine-tuning speed of the transfer-learning chapter's job: fp32, bf16, channels_last, compile.

The job: the shipped pretrained ``dlcourse.transfer.SmallResNet`` with a new 5-class head, fully
fine-tuned with Adam on the 496 labelled images of digits 5 to 9 that are not test images
(batches of 64; one batch with ``--quick``), on one CPU thread, evaluated on the 400 test images
after every epoch. The same job runs in four variants: float32, bfloat16 autocast,
``channels_last`` memory format, and ``torch.compile`` (left out with ``--quick``, and reported
as skipped where it fails, e.g. without a C++ compiler). Reported per device and variant:
images per second (median epoch, the first left out) and the training time until the test
accuracy first reaches ``TARGET``.

    python benchmarks/transfer.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from _common import emit, parse_args
from torch import nn

import dlcourse
from dlcourse import train, transfer
from dlcourse.timing import synchronizer

TARGET = 0.95  # test accuracy that counts as "trained"
VARIANTS = ("float32", "bfloat16", "channels_last", "compile")


def job(device: torch.device, variant: str, epochs: int, base: nn.Module, n: int) -> dict:
    dlcourse.seed_everything(0, threads=1)  # as on the page; one thread is steadier too
    task = transfer.target_task(1)
    X = np.concatenate([task["X_train"], task["X_unlabelled"]])[:n]
    y = np.concatenate([task["y_train"], task["y_unlabelled"]])[:n]
    loader = train.make_loader(X, y, batch_size=64, shuffle=True)
    test = train.make_loader(task["X_test"], task["y_test"], batch_size=400)
    model = transfer.SmallResNet(num_classes=5)
    state = {k: v for k, v in base.state_dict().items() if not k.startswith("head.")}
    model.load_state_dict(state, strict=False)  # the pretrained backbone, a new head
    model.to(device)
    if variant == "channels_last":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    runner = torch.compile(model) if variant == "compile" else model
    amp = torch.bfloat16 if variant == "bfloat16" else False
    sync, loss_fn = synchronizer(device), nn.CrossEntropyLoss()
    times, accuracies = [], []
    for _ in range(epochs):
        sync()
        start = time.perf_counter()
        train.train_epoch(runner, loader, loss_fn, optimizer, device=device, amp=amp)
        sync()
        times.append(time.perf_counter() - start)
        accuracies.append(train.evaluate(model, test, loss_fn, device)[1])
    row = {
        "device": device.type,
        "variant": variant,
        "epochs": epochs,
        "epoch_seconds": statistics.median(times[1:] if len(times) > 1 else times),
        "first_epoch_seconds": times[0],
        "final_accuracy": accuracies[-1],
        "reached_target": max(accuracies) >= TARGET,
    }
    row["images_per_second"] = len(X) / row["epoch_seconds"]
    if row["reached_target"]:
        reached = next(i for i, a in enumerate(accuracies) if a >= TARGET)
        row["seconds_to_target"] = sum(times[: reached + 1])
        row["epochs_to_target"] = reached + 1
    return row


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    epochs = 2 if args.quick else 10
    n = 64 if args.quick else 496  # --quick: one batch per epoch
    variants = VARIANTS[:3] if args.quick else VARIANTS
    base = transfer.SmallResNet()
    transfer.load_weights(base, transfer.WEIGHTS_PATH, transfer.WEIGHTS_SHA256)
    results, skipped = [], []
    for device in args.devices:
        for variant in variants:
            try:
                results.append(job(device, variant, epochs, base, n))
            except Exception as error:  # compile without a compiler, bf16 on an old GPU
                skipped.append({"device": device.type, "variant": variant, "why": str(error)[:200]})
    emit("transfer", args.quick, results, {"target_accuracy": TARGET, "skipped": skipped})


if __name__ == "__main__":
    main()
