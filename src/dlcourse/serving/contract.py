"""The API's contract: what a request to ``/predict`` may hold, and what the API answers.

``request_model`` is the pydantic model of a body; ``message`` turns one of its validation
errors into a sentence that says what was expected and what came; ``openapi`` is what
``/predict`` declares in the app's OpenAPI schema: the body, the answer and every 4xx.
Helpers of ``dlcourse.serving.api`` (``__all__`` is empty: nothing here is called directly).
"""

import json
from collections.abc import Sequence
from typing import Annotated, Any

__all__: list[str] = []


def request_model(input_shape: tuple[int, ...], max_rows: int, max_abs: float):
    """The pydantic model of a request body: ``{"inputs": [...]}`` of 1 to ``max_rows`` inputs
    of ``input_shape``, numbers from ``-max_abs`` to ``max_abs`` only, no other field."""
    from annotated_types import Len
    from pydantic import BaseModel, ConfigDict, Field

    element: Any = Annotated[float, Field(allow_inf_nan=False, ge=-max_abs, le=max_abs)]
    for size in reversed(input_shape):
        element = Annotated[list[element], Len(size, size)]

    class PredictRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)  # strict: no "1" for 1.0
        inputs: Annotated[list[element], Len(1, max_rows)]

    return PredictRequest


def _where(loc: Sequence) -> str:
    """``("inputs", 2, 5)`` as ``inputs[2][5]``; the body itself as ``body``."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return text or "body"


def message(error: dict, input_shape: tuple[int, ...], max_rows: int, max_abs: float) -> str:
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
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = f"{max_abs:.0f}" if max_abs.is_integer() and max_abs < 1e16 else f"{max_abs:g}"
        return f"{where} must be a number from -{bound} to {bound}; got {_json_kind(error)}"
    if kind == "float_type":  # a list where a number belongs is a list_type error
        return f"{where} must be a number; got {_json_kind(error)}"
    return f"{where}: {error['msg']}"


def _json_kind(error: dict) -> str:
    """What a JSON value was, in JSON's words, with a short preview."""
    value = error.get("input")
    kinds = {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
             dict: "object", type(None): "null"}  # fmt: skip
    name = kinds[type(value)]  # the input of a body that json.loads read: a JSON type
    if name in ("array", "object", "null"):
        return name
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:  # beyond 1.8e308, float64's largest
            return "an integer too large for a float"
    text = json.dumps(value)
    return f"{name} {text if len(text) <= 40 else text[:37] + '...'}"


def reject_constant(token: str):
    raise ValueError(f"{token} is not a JSON number (JSON has no NaN or Infinity)")


def openapi(request_schema: dict, classes: list[str] | None, k: int) -> dict:
    """What ``/predict`` declares: its request body, its answer, and every 4xx it sends."""
    numbers = {"type": "array", "items": {"type": "number"}, "minItems": k, "maxItems": k}
    if classes is None:
        answer = {"type": "object", "required": ["outputs"], "properties": {"outputs": {
            "type": "array", "items": numbers}}}  # fmt: skip
    else:
        answer = {"type": "object", "required": ["predictions", "indices", "probabilities"],
                  "properties": {
            "predictions": {"type": "array", "items": {"type": "string", "enum": classes}},
            "indices": {"type": "array", "items": {"type": "integer", "minimum": 0,
                                                   "maximum": k - 1}},
            "probabilities": {"type": "array", "items": numbers}}}  # fmt: skip
    problem = {
        "type": "object",
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    }
    said = {
        "400": "the body is not JSON: garbage, NaN or Infinity tokens, nested too deeply",
        "413": "more than max_body_bytes bytes, or more than max_rows inputs",
        "415": "the content type is not application/json",
        "422": "valid JSON of the wrong form, a number beyond max_abs, or an input on which "
        "the model's output is not finite",
    }  # fmt: skip
    responses = {"200": {"description": "one prediction per input",
                         "content": {"application/json": {"schema": answer}}}}  # fmt: skip
    for status, description in said.items():
        content = {"application/json": {"schema": problem}}
        responses[status] = {"description": description, "content": content}
    body = {"required": True, "content": {"application/json": {"schema": request_schema}}}
    return {"requestBody": body, "responses": responses}
