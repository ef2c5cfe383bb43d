"""What batching buys a served model: rows per second at each batch size, model and API."""

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlcourse.checks import MAX_COUNT, check_array, check_callable, check_int, describe
from dlcourse.checks import check_instance as check_type
from dlcourse.timing import synchronizer, timeit_median

__all__ = ["batching_throughput"]


def batching_throughput(
    model: nn.Module,
    client,
    X,
    batch_sizes: Sequence[int] = (1, 8, 64, 256),
    repeats: int = 5,
) -> list[dict]:
    """Rows per second at each batch size: through the model alone, and through the API.

    Args:
        model: the served model (on any device; inputs go to its parameters' device).
        client: what posts to the app: ``TestClient(app)`` or ``httpx.Client(base_url=...)``;
            ``client.post("/predict", json=...)`` must answer 200.
        X: inputs ``(m, *input_shape)`` with ``m >= max(batch_sizes)``; the first rows are sent.
        batch_sizes: rows per request (and per forward pass).
        repeats: measurements to take the median of (``dlcourse.timing.timeit_median``).

    Returns:
        One dict per batch size: ``batch_size``, ``model_seconds`` (one forward pass),
        ``api_seconds`` (one request: encode, send, validate, infer, answer), and
        ``model_rows_per_second`` and ``api_rows_per_second``.
    """
    check_type("model", model, nn.Module)
    check_callable("client.post", getattr(client, "post", None))
    X = check_array("X", X, dtype=np.float32, shape="(m, *input_shape)")
    if X.ndim < 2:
        raise ValueError(f"X must have shape (m, *input_shape); got shape {X.shape}")
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, Sequence):
        raise ValueError(f"batch_sizes must be a list of sizes; got {describe(batch_sizes)}")
    note = f"X has {len(X)} rows"
    sizes = [
        check_int(f"batch_sizes[{i}]", b, min=1, max=len(X), note=note)
        for i, b in enumerate(batch_sizes)
    ]
    if not sizes:
        raise ValueError("batch_sizes must hold at least one size; got []")
    repeats = check_int("repeats", repeats, min=1, max=MAX_COUNT)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    sync = synchronizer(device)
    model.eval()
    results = []
    for b in sizes:
        x = torch.as_tensor(X[:b], device=device)
        body = {"inputs": X[:b].tolist()}

        def forward(x=x):
            with torch.inference_mode():
                model(x)

        def request(body=body):
            r = client.post("/predict", json=body)
            if r.status_code != 200:
                raise ValueError(
                    f"X[:{len(body['inputs'])}] was refused: the API answered {r.status_code}: "
                    f"{r.text[:200]}"
                )

        api_s = timeit_median(request, repeats=repeats)  # first: the API checks X's shape
        model_s = timeit_median(forward, repeats=repeats, number=20, sync=sync)
        results.append(
            {
                "batch_size": b,
                "model_seconds": model_s,
                "api_seconds": api_s,
                "model_rows_per_second": b / model_s,
                "api_rows_per_second": b / api_s,
            }
        )
    return results
