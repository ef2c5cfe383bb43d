"""Time per step of the book's from-scratch optimizers against torch.optim's, per device.

``dlcourse.optim`` writes each update rule as plain tensor arithmetic, one parameter at a time,
for readability. ``torch.optim`` fuses the same arithmetic across all parameters (its "foreach"
implementation). Both follow the same trajectory (the tests check it to 1e-6); this measures
what the readable version costs. The parameters are an MLP's (784 -> 1024 -> 1024 -> 10,
about 1.9 million numbers, 6 tensors); gradients are fixed random tensors, so only the optimizer
step is timed.

    python benchmarks/optimizers.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

import torch
from _common import emit, parse_args
from torch import nn

from dlcourse import optim
from dlcourse.timing import synchronizer, timeit_median

# name -> (from scratch, torch's, keyword arguments both accept)
PAIRS = {
    "sgd": (optim.SGD, torch.optim.SGD, {"lr": 0.01}),
    "momentum": (optim.SGD, torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}),
    "adagrad": (optim.AdaGrad, torch.optim.Adagrad, {"lr": 0.01}),
    "rmsprop": (optim.RMSProp, torch.optim.RMSprop, {"lr": 0.01}),
    "adam": (optim.Adam, torch.optim.Adam, {"lr": 0.001}),
}


def mlp(widths: list[int], device: torch.device) -> nn.Module:
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1]).to(device)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    return model


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    widths = [64, 128, 10] if args.quick else [784, 1024, 1024, 10]
    repeats = 3 if args.quick else 7
    number = 5 if args.quick else 20
    torch.manual_seed(0)
    results, ratios = [], {}
    for device in args.devices:
        model = mlp(widths, device)
        n_params = sum(p.numel() for p in model.parameters())
        sync = synchronizer(device)
        for name, (ours, theirs, kwargs) in PAIRS.items():
            row = {"device": device.type, "optimizer": name, "parameters": n_params}
            for label, cls in (("dlcourse", ours), ("torch", theirs)):
                opt = cls(model.parameters(), **kwargs)
                row[f"{label}_seconds"] = timeit_median(
                    opt.step, repeats=repeats, number=number, warmup=2, sync=sync
                )
            row["dlcourse_over_torch"] = row["dlcourse_seconds"] / row["torch_seconds"]
            ratios[f"{device.type}/{name}"] = row["dlcourse_over_torch"]
            results.append(row)
    emit("optimizers", args.quick, results, {"dlcourse_over_torch": ratios})


if __name__ == "__main__":
    main()
