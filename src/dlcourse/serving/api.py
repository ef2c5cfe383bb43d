"""The API: a FastAPI app that validates every request at the door, then asks the model.

``create_app`` wraps a model in three routes:

- ``GET /health``: ``{"status": "ok"}`` once the app can answer;
- ``GET /info``: the input shape, the classes and the limits of a request;
- ``POST /predict``: ``{"inputs": [x_1, ..., x_B]}``, each ``x_i`` a nested list of the input
  shape, answered with one prediction per input.

Every bad request gets a 4xx answer whose ``detail`` names what was expected and what came,
and every one of them is declared in the app's OpenAPI schema:

=====  ==============================================================================
 400   the body is not JSON (garbage bytes, ``NaN`` or ``Infinity`` tokens, nesting too deep)
 413   the body has more than ``max_body_bytes`` bytes, or more than ``max_rows`` inputs
 415   the content type is not ``application/json``
 422   valid JSON of the wrong form: a missing or unknown field, an empty batch, a wrong
       shape, a string or a boolean where a number belongs, a number beyond ``max_abs``
       (``1e300``, ``1e999``), or an input on which the model's output is not finite
=====  ==============================================================================
"""

import json
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlcourse.checks import MAX_COUNT, check_int, check_real, check_size, describe
from dlcourse.checks import check_instance as check_type
from dlcourse.serving.contract import message, openapi, reject_constant, request_model

__all__ = ["MAX_ERRORS", "PREDICT_LIMITS", "create_app"]

# Defaults of create_app: a digits batch of 256 rows is about 60 KB of JSON. max_abs: the
# largest magnitude of one input number. float32 holds up to 3.4e38, but a model trained on
# numbers near 1 overflows far sooner; 1e6 leaves room for raw units (pixels, prices).
PREDICT_LIMITS = {"max_rows": 256, "max_body_bytes": 1_000_000, "max_abs": 1e6}
FLOAT32_MAX = float(torch.finfo(torch.float32).max)  # 3.4028234663852886e38
MAX_ERRORS = 5  # a response lists at most this many problems (a batch of NaN has thousands)


def create_app(
    model: nn.Module,
    input_shape: Sequence[int],
    classes: Sequence[str] | None = None,
    *,
    max_rows: int = PREDICT_LIMITS["max_rows"],
    max_body_bytes: int = PREDICT_LIMITS["max_body_bytes"],
    max_abs: float = PREDICT_LIMITS["max_abs"],
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
        max_abs: the largest magnitude of one input number (larger: 422), at most float32's
            largest, 3.4e38; a number the model cannot take never reaches it.

    Returns:
        The ``fastapi.FastAPI`` app; run it with ``serve`` or ``running``, or test it with
        ``fastapi.testclient.TestClient``.

    Raises:
        ValueError: bad limits or shape, or a model whose output for a batch of zeros is not
            ``(1, len(classes))`` or not finite.
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
    max_abs = check_real("max_abs", max_abs, min=0, min_open=True, max=FLOAT32_MAX)
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
    if not torch.isfinite(out).all():
        raise ValueError(
            f"the model's output for a batch of zeros must be finite; got {out.tolist()}"
        )
    Request_ = request_model(input_shape, max_rows, max_abs)
    app = FastAPI(title="dlcourse model server")

    def error(status: int, detail: str, problems: list[str] | None = None) -> JSONResponse:
        body = {"detail": detail} if problems is None else {"detail": detail, "errors": problems}
        return JSONResponse(body, status_code=status)

    def infer(batch: list) -> dict | JSONResponse:
        x = torch.tensor(batch, dtype=torch.float32, device=device)  # (B, *input_shape)
        with torch.inference_mode():
            outputs = model(x).float().cpu()  # (B, k)
        overflowed = (~torch.isfinite(outputs).all(dim=1)).nonzero().flatten().tolist()
        if overflowed:  # finite inputs, but inf or NaN inside the model: say so, not 500
            where = ", ".join(f"inputs[{i}]" for i in overflowed[:MAX_ERRORS])
            more = (
                f" and {len(overflowed) - MAX_ERRORS} more" if len(overflowed) > MAX_ERRORS else ""
            )
            return error(
                422,
                f"the model's output for {where}{more} is not finite (its numbers overflow); "
                "send inputs scaled like its training data",
            )
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
            "max_abs": max_abs,
        }

    documented = openapi(Request_.model_json_schema(), classes, out.shape[1])

    @app.post("/predict", openapi_extra=documented)
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
            body = json.loads(b"".join(chunks), parse_constant=reject_constant)
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
            problems = [message(e, input_shape, max_rows, max_abs) for e in found[:MAX_ERRORS]]
            if len(found) > MAX_ERRORS:
                problems.append(f"... and {len(found) - MAX_ERRORS} more problems")
            return error(422, problems[0], problems)
        return await run_in_threadpool(infer, checked.inputs)

    return app
