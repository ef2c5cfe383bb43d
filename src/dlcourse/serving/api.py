"""Serve a trained model over HTTP: load its weights safely, validate every request at the door.

``load_weights`` reads a ``state_dict`` (a bare one, or a ``dlcourse.checkpoint`` file) with
``torch.load(..., weights_only=True)``: a file that holds anything but tensors and plain
containers is refused instead of run. ``create_app`` wraps the model in a FastAPI app:

- ``GET /health``: ``{"status": "ok"}`` once the app can answer;
- ``GET /info``: the input shape, the classes and the limits of a request;
- ``POST /predict``: ``{"inputs": [x_1, ..., x_B]}``, each ``x_i`` a nested list of the input
  shape, answered with one prediction per input.

Every bad request gets a 4xx answer whose ``detail`` names what was expected and what came:

=====  ==============================================================================
 400   the body is not JSON (garbage bytes, ``NaN`` or ``Infinity`` tokens, nesting too deep)
 413   the body has more than ``max_body_bytes`` bytes, or more than ``max_rows`` inputs
 415   the content type is not ``application/json``
 422   valid JSON of the wrong form: a missing or unknown field, an empty batch, a wrong
       shape, a string or a boolean where a number belongs, a number too large for a float
=====  ==============================================================================

``serve`` runs the app with uvicorn (blocking); ``running`` starts it in a thread on a free
port of 127.0.0.1 and stops it cleanly when the ``with`` block ends.
"""

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
from torch import nn

from dlcourse.checkpoint import _model_problems, load_checkpoint
from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_callable,
    check_int,
    check_real,
    check_size,
    describe,
)
from dlcourse.checks import check_instance as check_type
from dlcourse.timing import synchronizer, timeit_median

__all__ = [
    "PREDICT_LIMITS",
    "batching_throughput",
    "create_app",
    "load_weights",
    "running",
    "serve",
]

# Defaults of create_app: a digits batch of 256 rows is about 60 KB of JSON.
PREDICT_LIMITS = {"max_rows": 256, "max_body_bytes": 1_000_000}
THREAD_NAME = "dlcourse-server"  # running()'s server thread: f"{THREAD_NAME}-{port}"
MAX_ERRORS = 5  # a response lists at most this many problems (a batch of NaN has thousands)


def load_weights(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load the weights saved at ``path`` into ``model``, without running any code in the file.

    Args:
        path: ``torch.save(model.state_dict(), path)``, or a ``dlcourse.checkpoint`` file.
        model: a model of the architecture that was saved; receives the weights.

    Returns:
        ``model``, in eval mode.

    Raises:
        ValueError: the file is missing, is not a weights file (it holds pickled objects that
            ``weights_only=True`` refuses), or its keys or shapes do not fit ``model`` (the
            message names them; the model is then left untouched).
    """
    check_type("path", path, (str, os.PathLike))
    check_type("model", model, nn.Module)
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing weights file; got {str(path)!r}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError, RuntimeError, struct.error, EOFError, ...
        text = str(error)  # torch's message is long; its reason follows this marker
        reason = text.split("WeightsUnpickler error: ")[-1].split(". Please")[0].strip()
        reason = reason.splitlines()[0] if reason else type(error).__name__
        raise ValueError(
            f"path {str(path)!r} is not a file of weights that loads with weights_only=True: "
            f"{reason}"
        ) from None
    if isinstance(saved, dict) and "format" in saved and "model" in saved:
        load_checkpoint(path, model, restore_rng=False)  # a dlcourse checkpoint: it checks
        return model.eval()
    if not isinstance(saved, dict) or not all(torch.is_tensor(v) for v in saved.values()):
        raise ValueError(f"{path} must hold a state_dict (names to tensors); got {describe(saved)}")
    problems = _model_problems(saved, model)
    if problems:
        raise ValueError(f"weights in {path} do not fit the model: " + "; ".join(problems))
    model.load_state_dict(saved)
    return model.eval()


def _request_model(input_shape: tuple[int, ...], max_rows: int):
    """The pydantic model of a request body: ``{"inputs": [...]}`` of 1 to ``max_rows`` inputs
    of ``input_shape``, finite numbers only, no other field."""
    from annotated_types import Len
    from pydantic import BaseModel, ConfigDict, Field

    element: Any = Annotated[float, Field(strict=True, allow_inf_nan=False)]
    for size in reversed(input_shape):
        element = Annotated[list[element], Len(size, size)]

    class PredictRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        inputs: Annotated[list[element], Len(1, max_rows)]

    return PredictRequest


def _where(loc: Sequence) -> str:
    """``("inputs", 2, 5)`` as ``inputs[2][5]``; the body itself as ``body``."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return text or "body"


def _message(error: dict, input_shape: tuple[int, ...], max_rows: int) -> str:
    """One pydantic error as a sentence that says what was expected and what came."""
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    where = _where(loc)
    if kind == "missing":
        return f'{where} is missing; expected a body {{"inputs": [...]}}'
    if kind == "extra_forbidden":
        return f"unexpected field {where!r}; the body has one field, 'inputs'"
    if kind == "model_type":
        return f'the body must be a JSON object {{"inputs": [...]}}; got {_json_kind(error)}'
    if kind in ("too_short", "too_long"):
        got = ctx.get("actual_length")
        if loc == ("inputs",):
            return f"inputs must hold 1 to {max_rows} inputs; got {got}"
        depth = len(loc) - 2  # inputs, row index, then one index per axis
        return (
            f"{where} has {got} entries; expected {input_shape[depth]} "
            f"(each input has shape {input_shape})"
        )
    if kind == "list_type":
        depth = len(loc) - 2
        wanted = (
            "inputs must be a list of inputs"
            if loc == ("inputs",)
            else (
                f"{where} must be a list of {input_shape[depth]} entries "
                f"(each input has shape {input_shape})"
            )
        )
        return f"{wanted}; got {_json_kind(error)}"
    if kind == "finite_number":
        return f"{where} must be a finite number; got {error.get('input')!r}"
    if kind == "float_type":
        if len(loc) - 1 < len(input_shape):  # a number where a list belongs
            depth = len(loc) - 2
            return (
                f"{where} must be a list of {input_shape[depth]} entries "
                f"(each input has shape {input_shape}); got {_json_kind(error)}"
            )
        return f"{where} must be a number; got {_json_kind(error)}"
    return f"{where}: {error['msg']}"


def _json_kind(error: dict) -> str:
    """What a JSON value was, in JSON's words, with a short preview."""
    value = error.get("input")
    kinds = {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
             dict: "object", type(None): "null"}  # fmt: skip
    name = kinds.get(type(value), type(value).__name__)
    if name == "number" and isinstance(value, int) and abs(value) > 2**1023:
        return "an integer too large for a float"
    if name in ("array", "object", "null"):
        return name
    return f"{name} {json.dumps(value)[:40]}"


def _reject_constant(token: str):
    raise ValueError(f"{token} is not a JSON number (JSON has no NaN or Infinity)")


def create_app(
    model: nn.Module,
    input_shape: Sequence[int],
    classes: Sequence[str] | None = None,
    *,
    max_rows: int = PREDICT_LIMITS["max_rows"],
    max_body_bytes: int = PREDICT_LIMITS["max_body_bytes"],
):
    """A FastAPI app that serves ``model``'s predictions at ``POST /predict``.

    Args:
        model: maps a float32 batch ``(B, *input_shape)`` to outputs ``(B, k)``; put in eval
            mode, run without gradients, on the device its parameters are on.
        input_shape: the shape of ONE input, e.g. ``(64,)`` for a flattened 8x8 digit.
        classes: ``k`` class names: the model's outputs are then logits, and each answer gives
            the class, its index and the softmax probabilities. ``None``: the raw outputs.
        max_rows: the most inputs in one request (more: 413).
        max_body_bytes: the largest body in bytes (larger: 413, before it is read whole).

    Returns:
        The ``fastapi.FastAPI`` app; run it with ``serve`` or ``running``, or test it with
        ``fastapi.testclient.TestClient``.

    Raises:
        ValueError: bad limits or shape, or a model whose output for a batch of zeros is not
            ``(1, len(classes))``.
    """
    from fastapi import FastAPI, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse
    from pydantic import ValidationError

    check_type("model", model, nn.Module)
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
        raise ValueError(
            f"input_shape must be a tuple of sizes like (64,); got {describe(input_shape)}"
        )
    input_shape = tuple(
        check_int(f"input_shape[{i}]", s, min=1, max=MAX_COUNT) for i, s in enumerate(input_shape)
    )
    if not input_shape:
        raise ValueError("input_shape must have at least one size; got ()")
    check_size("input_shape (numbers in one input)", int(np.prod(input_shape, dtype=object)))
    max_rows = check_int("max_rows", max_rows, min=1, max=MAX_COUNT)
    max_body_bytes = check_int("max_body_bytes", max_body_bytes, min=2)
    if classes is not None:
        if not isinstance(classes, (str, bytes)) and not hasattr(classes, "__iter__"):
            raise TypeError(f"classes must be a list of class names; got {describe(classes)}")
        if isinstance(classes, (str, bytes)) or not all(isinstance(c, str) for c in classes):
            raise ValueError(f"classes must be a list of class names; got {describe(classes)}")
        classes = list(classes)
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        with torch.inference_mode():
            out = model(torch.zeros((1, *input_shape), device=device))
    except RuntimeError as error:  # most often: input_shape is not what the model takes
        first = str(error).splitlines()[0]
        raise ValueError(
            f"the model cannot take a batch of shape {(1, *input_shape)} "
            f"(input_shape {input_shape}): {first}"
        ) from None
    if out.ndim != 2 or (classes is not None and out.shape[1] != len(classes)):
        wanted = (
            f"(1, {len(classes)}), one logit per name in classes"
            if classes is not None
            else "(1, k)"
        )
        raise ValueError(
            f"the model's output for one input of shape {input_shape} must have shape {wanted}; "
            f"got {tuple(out.shape)}"
        )
    Request_ = _request_model(input_shape, max_rows)
    app = FastAPI(title="dlcourse model server")

    def error(status: int, detail: str, problems: list[str] | None = None) -> JSONResponse:
        body = {"detail": detail} if problems is None else {"detail": detail, "errors": problems}
        return JSONResponse(body, status_code=status)

    def infer(batch: list) -> dict:
        x = torch.tensor(batch, dtype=torch.float32, device=device)  # (B, *input_shape)
        with torch.inference_mode():
            outputs = model(x).float().cpu()  # (B, k)
        if classes is None:
            return {"outputs": outputs.tolist()}
        probabilities = torch.softmax(outputs, dim=1)
        index = probabilities.argmax(dim=1).tolist()
        return {
            "predictions": [classes[i] for i in index],
            "indices": index,
            "probabilities": probabilities.tolist(),
        }

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/info")
    def info() -> dict:
        return {
            "input_shape": list(input_shape),
            "classes": classes,
            "max_rows": max_rows,
            "max_body_bytes": max_body_bytes,
        }

    body_schema = {"content": {"application/json": {"schema": Request_.model_json_schema()}}}

    @app.post("/predict", openapi_extra={"requestBody": body_schema})
    async def predict(request: Request):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            got = repr(kind) if kind else "no content type"
            return error(415, f"the body must be application/json; got {got}")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            return error(413, f"the body may have {max_body_bytes} bytes; got {int(declared)}")
        chunks, size = [], 0
        async for chunk in request.stream():  # counted as it arrives: chunked bodies too
            size += len(chunk)
            if size > max_body_bytes:
                return error(413, f"the body may have {max_body_bytes} bytes; got more")
            chunks.append(chunk)
        try:
            body = json.loads(b"".join(chunks), parse_constant=_reject_constant)
        except RecursionError:
            return error(400, "the body is not JSON that can be read: nested too deeply")
        except ValueError as err:  # JSONDecodeError, bad UTF-8, NaN, a 5,000-digit integer
            return error(400, f"the body is not valid JSON: {str(err)[:200]}")
        rows = body.get("inputs") if isinstance(body, dict) else None
        if isinstance(rows, list) and len(rows) > max_rows:
            return error(413, f"inputs must hold 1 to {max_rows} inputs; got {len(rows)}")
        try:
            checked = Request_.model_validate(body)
        except RecursionError:
            return error(422, "inputs is nested too deeply")
        except ValidationError as err:
            found = err.errors(include_url=False)
            problems = [_message(e, input_shape, max_rows) for e in found[:MAX_ERRORS]]
            if len(found) > MAX_ERRORS:
                problems.append(f"... and {len(found) - MAX_ERRORS} more problems")
            return error(422, problems[0], problems)
        return await run_in_threadpool(infer, checked.inputs)

    return app


def _check_app_and_host(app, host) -> None:
    """An ASGI app (a callable, or uvicorn's "module:attribute" string) and a host name."""
    if not (callable(app) or isinstance(app, str)):
        raise TypeError(f"app must be an ASGI app such as create_app's; got {describe(app)}")
    check_type("host", host, str)
    if not host:  # "" would bind every interface of the machine, as "0.0.0.0" does
        raise ValueError("host must name an interface such as '127.0.0.1'; got ''")


def serve(app, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Run ``app`` with uvicorn on ``host:port`` until interrupted (Ctrl-C). Blocks.

    ``127.0.0.1`` answers this machine only; ``0.0.0.0`` would answer the whole network.
    """
    import uvicorn

    _check_app_and_host(app, host)
    port = check_int("port", port, min=1, max=65535)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@contextlib.contextmanager
def running(app, port: int = 0, host: str = "127.0.0.1", timeout: float = 60.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread for the duration of a ``with`` block.

    Args:
        port: 0 picks a free port.
        timeout: the longest wait, in seconds, for the server to start (a bound, not a
            measurement: a busy machine only makes the wait longer).

    Yields:
        The server's base URL, ``"http://127.0.0.1:PORT"``. On leaving the block the server
        finishes the requests in flight and stops; the thread is joined.
    """
    import uvicorn

    _check_app_and_host(app, host)
    port = check_int("port", port, min=0, max=65535)
    timeout = check_real("timeout", timeout, min=0, min_open=True)
    # proto=IPPROTO_TCP: asyncio then sets TCP_NODELAY on each connection (with proto 0 it does
    # not, and every answer waits about 40 ms for a delayed ACK)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))  # bound here: the port is known before the server starts
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"{THREAD_NAME}-{port}"
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {host}:{port} did not start in {timeout} s")
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server on {host}:{port} did not stop within 30 s")


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
