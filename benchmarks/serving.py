"""What batching buys a served model: rows per second at each batch size, model and API.

A digits classifier (an MLP, 64 inputs, 10 classes) is served by ``dlcourse.serving.create_app``
and called through FastAPI's in-process test client, so the numbers hold the whole HTTP stack
(JSON encoding and parsing, validation, the forward pass, the answer) but no network. For each
batch size B: one forward pass of B rows (``model_*``) and one request of B rows (``api_*``),
medians of several repeats. A request costs about the same whatever it carries until the rows
dominate, so rows per second rise with B; the summary gives the gain of the largest batch over
one row per request.

    python benchmarks/serving.py [--quick] [--device all|cpu|cuda|mps]
"""

from __future__ import annotations

from _common import emit, parse_args
from fastapi.testclient import TestClient
from torch import nn

import dlcourse
from dlcourse import data, serving


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    batch_sizes = [1, 16, 128] if args.quick else [1, 4, 16, 64, 256]
    repeats = 3 if args.quick else 7
    X = data.digits()[0][:256]
    results, summary = [], {}
    for device in args.devices:
        dlcourse.seed_everything(0)
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
        app = serving.create_app(model, (64,), [str(d) for d in range(10)], max_rows=256)
        with TestClient(app) as client:
            rows = serving.batching_throughput(model, client, X, batch_sizes, repeats)
        for row in rows:
            results.append({"device": device.type, **row})
        summary[f"{device.type}_api_gain_largest_batch_over_1"] = (
            rows[-1]["api_rows_per_second"] / rows[0]["api_rows_per_second"]
        )
    emit("serving", args.quick, results, summary)


if __name__ == "__main__":
    main()
