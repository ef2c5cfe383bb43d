"""Bad input for dlcourse.serving.

Weights loaded safely, a FastAPI app, uvicorn (chapter 19). No recipe lets uvicorn serve for
long: serve's valid call reaches uvicorn.run through a recorder (serve blocks until Ctrl-C), and
running's starts a server on a free port of 127.0.0.1 and stops it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Fresh, Other, Real
from bad_input.registry import Registry
from bad_input.values import POSITIVE, accept_any
from dlcourse import serving

RECIPES = Registry()
register = RECIPES.register

SERVED = torch.nn.Sequential(torch.nn.Linear(4, 3))


@functools.cache
def served_weights() -> str:
    folder = tempfile.mkdtemp(prefix="dlcourse-fuzz-weights-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "w.pt"
    torch.save(SERVED.state_dict(), path)
    return str(path)


register(
    serving.load_weights,
    call=lambda path, model: serving.load_weights(
        served_weights() if path == "WEIGHTS" else path, model
    ),
    path=("WEIGHTS", Other(bad_values=(None, 3, b"w.pt", "/no/such/file.pt", __file__))),
    model=(
        Fresh(lambda: torch.nn.Sequential(torch.nn.Linear(4, 3))),
        Other(bad_values=(None, 3, "m", torch.nn.Linear(4, 2))),
    ),
    ok=accept_any,
)
SHAPE_BAD = (None, 4, "4", (), (0,), (4.0,), (True,), (2**63,), (10**12,), (5,), [[4]])
register(
    serving.create_app,
    model=(SERVED, Other(bad_values=(None, 3, "m", lambda x: x))),
    input_shape=((4,), Other(bad_values=SHAPE_BAD)),
    classes=(["a", "b", "c"], Other(bad_values=("abc", [1, 2, 3], ["a", "b"], 3), optional=True)),
    max_rows=(8, Count(1)),
    max_body_bytes=(10_000, Count(2, capped=False)),
    max_abs=(1e6, Real(min=0.0, min_open=True, max=float(np.finfo(np.float32).max))),
    ok=accept_any,
)
APP = serving.create_app(SERVED, (4,), ["a", "b", "c"])


def serve_recorded(**kwargs):
    """serve, with uvicorn.run replaced by a recorder: the arguments it would serve with."""
    import uvicorn

    calls = []
    real, uvicorn.run = uvicorn.run, lambda app, **kw: calls.append((app, kw))
    try:
        serving.serve(**kwargs)
    finally:
        uvicorn.run = real
    return calls


register(
    serving.serve,
    call=serve_recorded,
    app=(APP, Other(bad_values=(None, 3, b"app"))),
    port=(8000, Other(bad_values=(0, -1, 65536, 2**63, 80.0, True, "8000", None))),
    host=("127.0.0.1", Other(bad_values=(None, 3, b"127.0.0.1", ""))),
    ok=lambda calls: len(calls) == 1 and calls[0][1]["port"] in range(1, 65536),
)


def run_briefly(**kwargs):
    with serving.running(**kwargs) as url:
        return url


register(
    serving.running,
    call=run_briefly,
    app=(APP, Other(bad_values=(None, 3, b"app"))),
    port=(0, Other(bad_values=(-1, 65536, 2**63, 80.0, True, "0", None))),
    host=("127.0.0.1", Other(bad_values=(None, 3, b"127.0.0.1", ""))),
    timeout=(60.0, Other(bad_values=tuple(POSITIVE.bad()))),  # a tiny one: "did not start"
    ok=lambda url: url.startswith("http://127.0.0.1:"),
)


@functools.cache
def api_client():
    from fastapi.testclient import TestClient

    return TestClient(APP)


X4 = np.random.default_rng(3).random((4, 4))
register(
    serving.batching_throughput,
    call=lambda client, **kw: serving.batching_throughput(
        client=api_client() if client == "CLIENT" else client, **kw
    ),
    model=(SERVED, Other(bad_values=(None, 3, "m"))),
    client=("CLIENT", Other(bad_values=(None, 3, "http://x", object()))),
    X=(X4, Array(ndims=(2, 3), like=X4)),
    batch_sizes=((1, 2), Other(bad_values=(None, 3, "12", (), (0,), (5,), (1.5,), (True,)))),
    repeats=(1, Count(1)),
    ok=accept_any,
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
