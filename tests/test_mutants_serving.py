"""dlcourse.serving: cases that mutation testing (mutmut) found unchecked by test_serving.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlcourse import serving


class _Client:
    """Answers 200 to every post and keeps what it was sent."""

    def __init__(self):
        self.bodies = []

    def post(self, path, json):
        assert path == "/predict"
        self.bodies.append(json)
        return type("Response", (), {"status_code": 200, "text": ""})()


class _Counting(nn.Linear):
    def __init__(self):
        super().__init__(4, 2)
        self.rows = []

    def forward(self, x):
        self.rows.append(len(x))
        return super().forward(x)


@pytest.mark.parametrize("repeats, requests", [(3, 1 + 3), (None, 1 + 5)])
def test_batching_throughput_takes_repeats_measurements_of_each_batch(repeats, requests):
    """One untimed warm-up request, then ``repeats`` timed ones (5 by default), each holding
    the first ``batch_size`` rows of X; the model sees batches of the same sizes."""
    X = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    client, model = _Client(), _Counting()
    kwargs = {} if repeats is None else {"repeats": repeats}
    rows = serving.batching_throughput(model, client, X, [1, 7], **kwargs)
    assert [r["batch_size"] for r in rows] == [1, 7]
    assert [len(body["inputs"]) for body in client.bodies] == [1] * requests + [7] * requests
    np.testing.assert_array_equal(np.array(client.bodies[-1]["inputs"], np.float32), X[:7])
    assert set(model.rows) == {1, 7} and model.training is False
    for r in rows:
        assert r["model_rows_per_second"] == pytest.approx(r["batch_size"] / r["model_seconds"])
        assert r["api_rows_per_second"] == pytest.approx(r["batch_size"] / r["api_seconds"])
    assert all(p.device == torch.device("cpu") for p in model.parameters())


def test_batching_throughput_sends_the_rows_to_the_models_device(monkeypatch):
    """The inputs go to the parameters' device, and the model's timing waits on that device.
    A model on torch's "meta" device (shapes only, no data) stands in for a GPU here."""
    from dlcourse.serving import throughput

    waits = []
    monkeypatch.setattr(
        throughput, "synchronizer", lambda device: lambda: waits.append(torch.device(device))
    )
    model = nn.Linear(4, 2, device="meta")
    X = np.zeros((3, 4), np.float32)
    rows = serving.batching_throughput(model, _Client(), X, [2], repeats=2)
    assert [r["batch_size"] for r in rows] == [2]
    assert waits and set(waits) == {torch.device("meta")}


def test_an_error_location_reads_as_in_the_request():
    from dlcourse.serving import contract

    assert contract._where(("inputs", 2, 5)) == "inputs[2][5]"
    assert contract._where(()) == "body"  # the body itself, e.g. a list instead of an object


@pytest.mark.parametrize("classes", [None, ["a", "b", "c"]])
def test_the_openapi_answer_declares_k_numbers_per_input(classes):
    """The 200 answer's schema: each row of outputs (or probabilities) holds exactly k numbers."""
    from dlcourse.serving import contract

    schema = contract.openapi({"type": "object"}, classes, 3)
    answer = schema["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["type"] == "object"
    assert answer["required"] == (
        ["outputs"] if classes is None else ["predictions", "indices", "probabilities"]
    )
    row = answer["properties"]["outputs" if classes is None else "probabilities"]["items"]
    assert row == {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3}


def test_an_unforeseen_validation_error_keeps_pydantics_words():
    from dlcourse.serving import contract

    error = {"loc": ("inputs",), "type": "something_new", "msg": "Input is odd"}
    assert contract.message(error, (4,), 10, 1e6) == "inputs: Input is odd"
