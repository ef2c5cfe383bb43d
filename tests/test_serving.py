"""dlcourse.serving: safe loading, the API's answers to good and bad requests, a real server.

The real server runs with uvicorn on 127.0.0.1 (a free port) in a thread, takes a burst of
concurrent requests whose answers must equal the model's own predictions, then a barrage of
malformed requests that must all get a 4xx, and must still answer correctly afterwards.
Latencies are printed, never asserted.
"""

import concurrent.futures
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from dlcourse import data, serving

CLASSES = [str(d) for d in range(10)]
JSON = {"content-type": "application/json"}


def digits_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).eval()


@pytest.fixture(scope="module")
def model():
    return digits_model()


@pytest.fixture(scope="module")
def X():
    return data.digits()[0].astype(np.float32)


@pytest.fixture
def client(model):
    """A fresh app per test (a few ms): a mutation tool then sees which test runs which code."""
    return TestClient(serving.create_app(model, (64,), CLASSES, max_rows=32))


@pytest.fixture(scope="module")
def fuzz_client(model):
    return TestClient(serving.create_app(model, (64,), CLASSES, max_rows=32))


def local(model, rows) -> list[int]:
    with torch.no_grad():
        return model(torch.tensor(np.asarray(rows), dtype=torch.float32)).argmax(1).tolist()


# --- loading weights --------------------------------------------------------------------------


def test_load_weights_round_trip_and_refuses_code(tmp_path, model, X):
    path = tmp_path / "digits.pt"
    torch.save(model.state_dict(), path)
    fresh = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).train()
    loaded = serving.load_weights(path, fresh)
    assert loaded is fresh and not fresh.training
    assert local(fresh, X[:50]) == local(model, X[:50])

    class Boom:
        def __reduce__(self):
            return (print, ("this ran",))

    evil = tmp_path / "evil.pt"
    torch.save({"w": Boom()}, evil)
    with pytest.raises(ValueError, match="weights_only=True: .*print"):
        serving.load_weights(evil, fresh)


def test_load_weights_reads_a_dlcourse_checkpoint(tmp_path, model, X):
    from dlcourse.checkpoint import save_checkpoint

    path = tmp_path / "ckpt.pt"
    save_checkpoint(path, model, torch.optim.SGD(model.parameters(), lr=0.1))
    fresh = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    assert local(serving.load_weights(path, fresh), X[:20]) == local(model, X[:20])


def test_load_weights_bad_input(tmp_path, model):
    with pytest.raises(ValueError, match="existing weights file"):
        serving.load_weights(tmp_path / "nope.pt", model)
    with pytest.raises(TypeError, match="path"):
        serving.load_weights(3, model)
    path = tmp_path / "w.pt"
    torch.save(model.state_dict(), path)
    with pytest.raises(TypeError, match="^model must be"):
        serving.load_weights(path, "model")
    other = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    before = [p.clone() for p in other.parameters()]
    with pytest.raises(ValueError, match=r"0.weight: file \(32, 64\) vs model \(16, 64\)"):
        serving.load_weights(path, other)
    assert all(torch.equal(a, b) for a, b in zip(before, other.parameters(), strict=True))
    torch.save([1, 2], path)
    with pytest.raises(ValueError, match="state_dict"):
        serving.load_weights(path, model)
    path.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="weights_only=True"):
        serving.load_weights(path, model)


# --- create_app --------------------------------------------------------------------------------


def test_create_app_bad_input(model):
    with pytest.raises(
        ValueError,
        match=r"output .* must have shape \(1, 3\), one logit per name in classes; got \(1, 10\)",
    ):
        serving.create_app(model, (64,), ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"^input_shape must be a tuple .* got '64' \(str\)"):
        serving.create_app(model, "64", CLASSES)
    with pytest.raises(ValueError, match=r"input_shape\[0\] must be an integer >= 1"):
        serving.create_app(model, (0,), CLASSES)
    with pytest.raises(ValueError, match=r"^input_shape must have at least one size; got \(\)$"):
        serving.create_app(model, (), CLASSES)
    with pytest.raises(
        ValueError, match=r"^input_shape \(numbers in one input\) asks for 1,0{3}(,0{3}){8} "
    ):
        serving.create_app(model, (10**9, 10**9, 10**9), CLASSES)  # beyond int64 too
    with pytest.raises(ValueError, match=r"^max_body_bytes must be an integer >= 2; got 1$"):
        serving.create_app(model, (64,), CLASSES, max_body_bytes=1)
    with pytest.raises(ValueError, match="max_rows must be an integer >= 1; got 0"):
        serving.create_app(model, (64,), CLASSES, max_rows=0)
    with pytest.raises(TypeError, match="max_body_bytes"):
        serving.create_app(model, (64,), CLASSES, max_body_bytes=1.5)
    with pytest.raises(ValueError, match=r"^classes must be a list .*; got '0123456789' \(str"):
        serving.create_app(model, (64,), "0123456789")
    with pytest.raises(TypeError, match=r"^classes must be a list of class names; got 3 \(int"):
        serving.create_app(model, (64,), 3)
    with pytest.raises(TypeError, match="^model must be"):
        serving.create_app(lambda x: x, (64,))
    with pytest.raises(ValueError, match=r"shape \(1, 63\) \(input_shape \(63,\)\): mat1 and mat2"):
        serving.create_app(model, (63,), CLASSES)
    image = nn.Sequential(nn.Conv2d(1, 2, 3))  # an output of shape (1, 2, 5, 5), not (1, k)
    with pytest.raises(
        ValueError, match=r"^the model's .* must have shape \(1, k\); got \(1, 2, 5, 5\)"
    ):
        serving.create_app(image, (1, 7, 7))
    with pytest.raises(ValueError, match=r"max_abs must be a finite real number in \(0, 3.4"):
        serving.create_app(model, (64,), CLASSES, max_abs=1e39)
    with pytest.raises(ValueError, match=r"max_abs must be .* got 0.0"):
        serving.create_app(model, (64,), CLASSES, max_abs=0)
    with pytest.raises(TypeError, match="max_abs"):
        serving.create_app(model, (64,), CLASSES, max_abs="1e6")


class Log(nn.Module):
    def forward(self, x):  # log(0) = -inf: this model answers -inf for a batch of zeros
        return torch.log(x)


def test_create_app_refuses_a_model_whose_output_for_zeros_is_not_finite():
    with pytest.raises(
        ValueError, match=r"output for a batch of zeros must be finite; got \[\[-inf"
    ):
        serving.create_app(Log(), (3,))


def test_serve_hands_the_app_to_uvicorn_on_127_0_0_1_port_8000(monkeypatch):
    import uvicorn

    app = serving.create_app(digits_model(), (64,), CLASSES)
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: calls.append((args, kw)))
    serving.serve(app)
    serving.serve(app, port=1, host="0.0.0.0")
    assert calls == [
        ((app,), {"host": "127.0.0.1", "port": 8000, "log_level": "warning"}),
        ((app,), {"host": "0.0.0.0", "port": 1, "log_level": "warning"}),
    ]
    with pytest.raises(ValueError, match=r"^port must be an integer >= 1; got 0"):
        serving.serve(app, port=0)
    with pytest.raises(
        TypeError, match=r"^app must be an ASGI app such as create_app's; got 3 \(int"
    ):
        serving.serve(3)
    with pytest.raises(TypeError, match=r"^host must be"):
        serving.serve(app, host=127)
    with pytest.raises(
        ValueError, match=r"^host must name an interface such as '127.0.0.1'; got ''$"
    ):
        serving.serve(app, host="")
    assert len(calls) == 2


def test_serve_and_running_bad_input():
    app = serving.create_app(digits_model(), (64,), CLASSES)
    with pytest.raises(ValueError, match="port must be an integer <= 65535"):
        serving.serve(app, port=70000)
    with pytest.raises(TypeError, match="host"):
        serving.serve(app, port=8000, host=None)
    with pytest.raises(ValueError, match="timeout"):
        with serving.running(app, timeout=0):
            pass
    with pytest.raises(TypeError, match="app must be an ASGI app"):
        serving.serve(None)
    with pytest.raises(ValueError, match="host must name an interface"):
        with serving.running(app, host=""):
            pass


def test_health_info_and_a_good_prediction(client, model, X):
    assert client.get("/health").json() == {"status": "ok"}
    info = client.get("/info").json()
    assert info["input_shape"] == [64] and info["classes"] == CLASSES and info["max_rows"] == 32
    assert info["max_abs"] == serving.PREDICT_LIMITS["max_abs"] == 1e6
    r = client.post("/predict", json={"inputs": X[:5].tolist()})
    assert r.status_code == 200
    body = r.json()
    assert body["indices"] == local(model, X[:5])
    assert body["predictions"] == [CLASSES[i] for i in body["indices"]]
    assert np.allclose(np.sum(body["probabilities"], axis=1), 1, atol=1e-5)
    assert client.post("/predict", json={"inputs": [[0] * 64]}).status_code == 200  # ints


def test_raw_outputs_and_images():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    c = TestClient(serving.create_app(net, (2, 3)))
    x = [[[1, 2, 3], [4, 5, 6]]]
    r = c.post("/predict", json={"inputs": x})
    with torch.no_grad():
        assert np.allclose(r.json()["outputs"], net(torch.tensor(x, dtype=torch.float32)))
    r = c.post("/predict", json={"inputs": [[[1, 2, 3], [4, 5]]]})
    assert r.status_code == 422
    expected = "inputs[0][1] has 2 entries; expected 3 (each input has shape (2, 3))"
    assert r.json()["detail"] == expected
    r = c.post("/predict", json={"inputs": [[[1, 2, 3], "x"]]})
    expected = (
        'inputs[0][1] must be a list of 3 entries (each input has shape (2, 3)); got string "x"'
    )
    assert r.status_code == 422 and r.json()["detail"] == expected
    r = c.post("/predict", json={"inputs": [[[1, 2, 3], [4, 5, True]]]})
    assert r.json()["detail"] == "inputs[0][1][2] must be a number; got boolean true"


ROW = [0.5] * 64
BAD_REQUESTS = [  # (what, body bytes, content type, status, words the message must hold)
    ("wrong row length", {"inputs": [[1.0] * 63]}, None, 422, "has 63 entries; expected 64"),
    ("row too long", {"inputs": [[1.0] * 65]}, None, 422, "has 65 entries; expected 64"),
    ("a flat list", {"inputs": ROW[:8]}, None, 422, "inputs[0] must be a list of 64 entries"),
    ("a string", {"inputs": [ROW[:-1] + ["1"]]}, None, 422, 'must be a number; got string "1"'),
    ("a boolean", {"inputs": [ROW[:-1] + [True]]}, None, 422, "got boolean true"),
    ("a null", {"inputs": [ROW[:-1] + [None]]}, None, 422, "must be a number; got null"),
    ("a nested list", {"inputs": [ROW[:-1] + [[1]]]}, None, 422, "must be a number; got array"),
    ("empty batch", {"inputs": []}, None, 422, "inputs must hold 1 to 32 inputs; got 0"),
    ("missing field", {"rows": [ROW]}, None, 422, "inputs is missing"),
    ("extra field", {"inputs": [ROW], "k": 1}, None, 422, "unexpected field 'k'"),
    ("not an object", [ROW], None, 422, "must be a JSON object"),
    ("inputs a string", {"inputs": "ROW"}, None, 422, "inputs must be a list"),
    ("overflow to inf", b'{"inputs": [[' + b"1e999," * 63 + b"1]]}", None, 422, "finite"),
    ("huge integer", b'{"inputs": [[' + b"1," * 63 + b"9" * 400 + b"]]}", None, 422, "too large"),
    # finite for JSON and float64, beyond float32 (3.4e38) or beyond max_abs: 422, never a 500
    ("1e300", {"inputs": [[1e300] + ROW[1:]]}, None, 422, "from -1000000 to 1000000; got"),
    ("-1e300", {"inputs": [ROW[1:] + [-1e300]]}, None, 422, "inputs[0][63] must be a number"),
    ("3.5e38", {"inputs": [[3.5e38] + ROW[1:]]}, None, 422, "got number 3.5e+38"),
    ("1e39", {"inputs": [ROW, [1e39] + ROW[1:]]}, None, 422, "inputs[1][0] must be"),
    ("float32 max", {"inputs": [[3.4028235e38] + ROW[1:]]}, None, 422, "to 1000000; got"),
    ("just over max_abs", {"inputs": [[1_000_000.0001] + ROW[1:]]}, None, 422, "1000000; got"),
    ("int over max_abs", {"inputs": [[-(10**300)] + ROW[1:]]}, None, 422, "got number -1000"),
    ("NaN token", b'{"inputs": [[' + b"NaN," * 63 + b"1]]}", None, 400, "NaN is not a JSON"),
    ("Infinity", b'{"inputs": [[' + b"1," * 63 + b"-Infinity]]}", None, 400, "no NaN or Infinity"),
    ("garbage bytes", bytes(range(256)), None, 400, "not valid JSON"),
    ("invalid UTF-8", b'{"inputs": "\xff\xfe"}', None, 400, "not valid JSON"),
    ("truncated JSON", b'{"inputs": [[1, 2', None, 400, "not valid JSON"),
    ("empty body", b"", None, 400, "not valid JSON"),
    ("deep nesting", b"[" * 50_000 + b"]" * 50_000, None, 400, "nested too deeply"),
    ("too many rows", {"inputs": [ROW] * 33}, None, 413, "1 to 32 inputs; got 33"),
    ("huge body", b" " * 1_000_001, None, 413, "may have 1000000 bytes; got 1000001"),
    ("form data", b"inputs=1", "application/x-www-form-urlencoded", 415, "application/json"),
    ("text", json.dumps({"inputs": [ROW]}).encode(), "text/plain", 415, "'text/plain'"),
    ("no type", json.dumps({"inputs": [ROW]}).encode(), "", 415, "no content type"),
]


def _send(post, body, content_type):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {} if content_type == "" else {"content-type": content_type or "application/json"}
    return post("/predict", content=content, headers=headers)


@pytest.mark.parametrize(
    "what, body, content_type, status, words",
    BAD_REQUESTS,
    ids=[re.sub(r"\W+", "-", what) for what, *_ in BAD_REQUESTS],  # plain ids: mutmut runs them
)
def test_bad_requests_get_a_4xx_that_says_why(client, what, body, content_type, status, words):
    r = _send(client.post, body, content_type)
    assert r.status_code == status, (what, r.text)
    assert words in r.json()["detail"], (what, r.json())


def test_a_batch_of_nans_lists_a_few_problems_not_thousands(client):
    body = b'{"inputs": [' + b",".join([b"[" + b",".join([b"1e999"] * 64) + b"]"] * 32) + b"]}"
    r = _send(client.post, body, None)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert len(errors) == serving.MAX_ERRORS + 1 and errors[-1].endswith("more problems")


def test_numbers_at_max_abs_are_served(client, model):
    rows = [[1e6] * 32 + [-1e6] * 32, [-1e6] + ROW[1:]]
    r = client.post("/predict", json={"inputs": rows})
    assert r.status_code == 200 and r.json()["indices"] == local(model, rows)
    c = TestClient(serving.create_app(model, (64,), CLASSES, max_abs=2.5))
    assert c.post("/predict", json={"inputs": [[2.5] * 64]}).status_code == 200
    r = c.post("/predict", json={"inputs": [[2.5] * 63 + [-2.5000001]]})
    assert r.status_code == 422
    assert (
        r.json()["detail"]
        == "inputs[0][63] must be a number from -2.5 to 2.5; got number -2.5000001"
    )


def test_an_input_the_model_overflows_on_gets_a_422_that_names_it():
    net = nn.Linear(4, 3)
    with torch.no_grad():
        net.weight.fill_(1e38)  # finite inputs near 1, but sums beyond float32's 3.4e38
        net.bias.zero_()
    c = TestClient(serving.create_app(net, (4,), ["a", "b", "c"]))
    r = c.post("/predict", json={"inputs": [[1, 1, 1, 1], [0, 0, 0, 0], [5, 5, 5, 5]]})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "the model's output for inputs[0], inputs[2] is not finite (its numbers overflow); "
        "send inputs scaled like its training data"
    )
    r = c.post("/predict", json={"inputs": [[1, 1, 1, 1]] * 8})
    assert r.status_code == 422 and "inputs[4] and 3 more is not finite" in r.json()["detail"]
    raw = TestClient(serving.create_app(net, (4,)))  # no classes: the raw outputs, same rule
    r = raw.post("/predict", json={"inputs": [[0, 0, 0, 0], [0, 5, 0, 0]]})
    assert r.status_code == 422 and "output for inputs[1] is not" in r.json()["detail"]
    assert raw.post("/predict", json={"inputs": [[0, 0, 0, 0]]}).json() == {"outputs": [[0, 0, 0]]}


def test_every_status_the_api_sends_is_declared_in_its_openapi_schema(client):
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "dlcourse model server"
    predict = schema["paths"]["/predict"]["post"]
    declared = set(predict["responses"])
    assert declared == {"200", "400", "413", "415", "422"}
    assert {str(status) for *_, status, _ in BAD_REQUESTS} == declared - {"200"}
    for status in declared - {"200"}:
        problem = predict["responses"][status]["content"]["application/json"]["schema"]
        assert problem["required"] == ["detail"] and "errors" in problem["properties"]
    body = predict["requestBody"]["content"]["application/json"]["schema"]
    number = body["properties"]["inputs"]["items"]["items"]
    assert number == {"type": "number", "minimum": -1e6, "maximum": 1e6}
    assert body["properties"]["inputs"]["maxItems"] == 32 and body["required"] == ["inputs"]
    answer = predict["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["predictions"]["items"]["enum"] == CLASSES
    assert answer["properties"]["indices"]["items"]["maximum"] == 9
    for path in ("/health", "/info"):
        assert set(schema["paths"][path]["get"]["responses"]) == {"200"}  # nothing else sent


def _padded(body: dict, size: int) -> bytes:
    """``body`` as JSON, padded with spaces (valid JSON still) to exactly ``size`` bytes."""
    text = json.dumps(body).encode()
    assert len(text) <= size
    return text + b" " * (size - len(text))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_at_the_size_limit_is_read_and_one_byte_more_is_refused(model, chunked):
    limit = 1000
    c = TestClient(serving.create_app(model, (64,), CLASSES, max_body_bytes=limit))
    at_limit = _padded({"inputs": [[0.25] * 64]}, limit)

    def send(content: bytes):
        if chunked:  # no Content-Length: the server counts the bytes as they arrive
            pieces = [content[i : i + 100] for i in range(0, len(content), 100)]
            return c.post("/predict", content=iter(pieces), headers=JSON)
        return c.post("/predict", content=content, headers=JSON)

    r = send(at_limit)
    assert r.status_code == 200 and r.json()["indices"] == local(model, [[0.25] * 64])
    r = send(at_limit + b" ")
    assert r.status_code == 413
    got = "got more" if chunked else f"got {limit + 1}"
    assert r.json()["detail"] == f"the body may have {limit} bytes; {got}"


# (body, the whole detail): every kind of JSON value named in JSON's words, previews cut at 40
LAST = "inputs[0][63] must be a number"  # the last number of the first input
RANGE = f"{LAST} from -1000000 to 1000000; got number"
EXACT = [
    ({"inputs": "row"}, 'inputs must be a list of inputs; got string "row"'),
    ({"inputs": {"0": ROW}}, "inputs must be a list of inputs; got object"),
    ({"inputs": None}, "inputs must be a list of inputs; got null"),
    ({"inputs": [{"0": 0.5}]},
     "inputs[0] must be a list of 64 entries (each input has shape (64,)); got object"),
    ({"inputs": [ROW[1:] + [[1]]]}, f"{LAST}; got array"),
    ({"inputs": [ROW[1:] + [None]]}, f"{LAST}; got null"),
    ({"inputs": [ROW[1:] + [{}]]}, f"{LAST}; got object"),
    ({"inputs": [ROW[1:] + ["x" * 38]]}, f'{LAST}; got string "{"x" * 38}"'),  # 40 characters
    ({"inputs": [ROW[1:] + ["x" * 39]]}, f'{LAST}; got string "{"x" * 36}...'),  # 41: cut
    ({"inputs": [ROW[1:] + [2**1024]]}, f"{LAST}; got an integer too large for a float"),
    ({"inputs": [ROW[1:] + [2**1023]]}, f"{RANGE} {str(2**1023)[:37]}..."),  # a float64 still
    ({"inputs": [ROW[1:] + [-1e300]]}, f"{RANGE} -1e+300"),
    ({"inputs": [ROW[:2]]}, "inputs[0] has 2 entries; expected 64 (each input has shape (64,))"),
    ({}, 'inputs is missing; expected a body {"inputs": [...]}'),
    ("row", 'the body must be a JSON object {"inputs": [...]}; got string "row"'),
    (b'{"inputs": [[' + b"0," * 63 + b"1e999]]}", "inputs[0][63] must be a finite number; got inf"),
    (b'{"inputs": [[' + b"0," * 63 + b"-1e999]]}",
     "inputs[0][63] must be a finite number; got -inf"),
]  # fmt: skip


@pytest.mark.parametrize("body, detail", EXACT, ids=[str(i) for i in range(len(EXACT))])
def test_each_refusal_says_exactly_what_came(client, body, detail):
    r = _send(client.post, body, None)
    assert r.status_code == 422 and r.json()["detail"] == detail


@pytest.mark.parametrize(
    "max_abs, shown", [(2.5, "2.5"), (1e15, "1000000000000000"), (1e16, "1e+16"), (3e38, "3e+38")]
)
def test_the_range_of_an_input_number_is_written_plainly(model, max_abs, shown):
    c = TestClient(serving.create_app(model, (64,), CLASSES, max_abs=max_abs))
    r = c.post("/predict", json={"inputs": [ROW[1:] + [-3.1e38]]})
    assert r.json()["detail"] == (
        f"inputs[0][63] must be a number from -{shown} to {shown}; got number -3.1e+38"
    )


# --- fuzzing through the test client -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=40,
)
near_misses = st.fixed_dictionaries(
    {
        "inputs": st.lists(
            st.lists(st.floats() | st.integers() | st.booleans(), min_size=62, max_size=66),
            max_size=4,
        )
    }
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(body=json_values | near_misses | st.fixed_dictionaries({"inputs": json_values}))
def test_fuzzed_json_never_gets_a_5xx(fuzz_client, body):
    r = fuzz_client.post("/predict", content=json.dumps(body).encode(), headers=JSON)  # NaN too
    assert r.status_code < 500, r.text
    if r.status_code != 200:
        assert isinstance(r.json()["detail"], str) and 400 <= r.status_code < 500


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "x/y"]))
def test_fuzzed_bytes_never_get_a_5xx(fuzz_client, body, content_type):
    r = fuzz_client.post("/predict", content=body, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500 or r.status_code == 200, r.text


# --- the real server ---------------------------------------------------------------------------


def _percentiles(seconds: list[float]) -> str:
    q = np.percentile(np.array(seconds) * 1000, [50, 90, 99])
    return f"p50 {q[0]:.1f} ms, p90 {q[1]:.1f} ms, p99 {q[2]:.1f} ms"


def test_real_server_survives_a_burst_and_a_barrage(model, X):
    app = serving.create_app(model, (64,), CLASSES, max_rows=32)
    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(X) - 8, size=200)
    sizes = rng.integers(1, 9, size=200)  # 1 to 8 rows per request
    with serving.running(app) as url:
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url, timeout=60) as http:
            for _ in range(1200):  # at most about a minute: a bound, not a measurement
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            else:
                pytest.fail("the server never answered /health")

            latencies = []  # list.append is atomic: the threads may share it

            def one(i: int):
                rows = X[starts[i] : starts[i] + sizes[i]]
                t0 = time.perf_counter()
                r = http.post("/predict", json={"inputs": rows.tolist()})
                latencies.append(time.perf_counter() - t0)
                return r.status_code, r.json(), local(model, rows)

            t0 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
                answers = list(pool.map(one, range(200)))
            wall = time.perf_counter() - t0
            print(
                f"\nburst: 200 requests ({int(sizes.sum())} rows) over 16 threads in "
                f"{wall:.2f} s: {200 / wall:.0f} requests/s, {sizes.sum() / wall:.0f} rows/s; "
                f"latency {_percentiles(latencies)} (measured, not asserted)"
            )
            for status, body, expected in answers:
                assert status == 200 and body["indices"] == expected

            statuses = []
            for what, body, content_type, status, _ in BAD_REQUESTS:
                r = _send(http.post, body, content_type)
                statuses.append(r.status_code)
                assert r.status_code == status, (what, r.text)
            r = http.get("/predict")
            assert r.status_code == 405
            r = http.post("/nowhere", json={"inputs": [ROW]})
            assert r.status_code == 404
            with httpx.Client(base_url=url, timeout=60) as chunked:  # no Content-Length
                big = (b" " * 100_000 for _ in range(11))
                r = chunked.post("/predict", content=big, headers=JSON)
                assert r.status_code == 413 and "got more" in r.json()["detail"]
                at_limit = _padded({"inputs": [ROW]}, serving.PREDICT_LIMITS["max_body_bytes"])
                for extra, status in [(b"", 200), (b" ", 413)]:  # at the limit, one byte over
                    pieces = (at_limit[i : i + 65536] + (extra if i == 0 else b"")
                              for i in range(0, len(at_limit), 65536))  # fmt: skip
                    r = chunked.post("/predict", content=pieces, headers=JSON)
                    assert r.status_code == status, r.text
            print(f"barrage: {len(statuses) + 3} malformed requests, statuses {sorted(statuses)}")

            r = http.post("/predict", json={"inputs": X[:16].tolist()})
            assert r.status_code == 200 and r.json()["indices"] == local(model, X[:16])
            print("after the barrage: a batch of 16 rows answered correctly")
    # The server's thread is gone (other libraries' threads may come and go meanwhile).
    assert not [t for t in threading.enumerate() if t.name.startswith(serving.THREAD_NAME)]
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/health", timeout=5)


def test_real_server_keeps_the_connection_open_after_every_refusal(model, X):
    """After each 4xx the same keep-alive connection serves the next request, as does another
    client's: a refusal is an answer, not a crash (a 500 raised in the app closes the socket)."""
    good = json.dumps({"inputs": X[:3].tolist()}).encode()
    app = serving.create_app(model, (64,), CLASSES, max_rows=32)
    with serving.running(app) as url:
        host, port = url.removeprefix("http://").split(":")
        same = http.client.HTTPConnection(host, int(port), timeout=60)
        other = http.client.HTTPConnection(host, int(port), timeout=60)

        def ask(connection, body, headers) -> tuple[int, dict]:
            connection.request("POST", "/predict", body=body, headers=headers)
            r = connection.getresponse()
            return r.status, json.loads(r.read())

        for what, body, content_type, status, _ in BAD_REQUESTS:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers = (
                {} if content_type == "" else {"content-type": content_type or "application/json"}
            )
            assert ask(same, content, headers)[0] == status, what
            sock = same.sock  # http.client drops it when the server says "Connection: close"
            assert sock is not None, f"{what}: the server closed the connection"
            answer = ask(same, good, JSON)
            assert same.sock is sock, f"{what}: the next request needed a new connection"
            assert answer == (200, ask(other, good, JSON)[1]), what
            assert answer[1]["indices"] == local(model, X[:3])
        same.close()
        other.close()


# schemathesis reads the app's OpenAPI schema and sends what it promises to accept (it must be
# answered 2xx) and what it forbids (it must be refused with a declared 4xx), with every check.
# A fixed seed and example count: a failure reproduces with the command the test prints.
SCHEMATHESIS_EXAMPLES = 250  # about 10 s on a quiet machine, 2 x that on a busy one
SCHEMATHESIS_CONFIG = """
[generation]
database = "none"

[checks.negative_data_rejection]
# a body the schema forbids is refused with one of the 4xx statuses /predict declares (413:
# more inputs than maxItems, which schemathesis does not expect by default)
expected-statuses = ["400", "413", "415", "422"]
"""


def test_schemathesis_finds_no_failure_against_the_real_server(tmp_path, model):
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG, encoding="utf-8")
    app = serving.create_app(model, (64,), CLASSES, max_rows=32)
    with serving.running(app) as url:
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
            "run", f"{url}/openapi.json", "--checks", "all", "--seed", "0",
            "--max-examples", str(SCHEMATHESIS_EXAMPLES), "--workers", "1",
        ]  # fmt: skip
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    summary = [line for line in done.stdout.splitlines() if "generated" in line]
    print(f"\nschemathesis, every check: {summary[-1].strip() if summary else done.stdout[-300:]}")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert summary and "passed" in summary[-1]


# --- batching -----------------------------------------------------------------------------------


def test_batching_throughput_reports_every_batch_size(client, model, X):
    rows = serving.batching_throughput(model, client, X[:20], [1, 4], repeats=1)
    assert [r["batch_size"] for r in rows] == [1, 4]
    for r in rows:
        assert r["api_rows_per_second"] == pytest.approx(r["batch_size"] / r["api_seconds"])
        assert r["model_rows_per_second"] == pytest.approx(r["batch_size"] / r["model_seconds"])


def test_batching_throughput_bad_input(client, model, X):
    with pytest.raises(ValueError, match=r"batch_sizes\[1\] must be an integer <= 20 \(X has 20"):
        serving.batching_throughput(model, client, X[:20], [1, 21])
    with pytest.raises(ValueError, match="at least one size"):
        serving.batching_throughput(model, client, X[:20], [])
    with pytest.raises(ValueError, match="batch_sizes must be a list"):
        serving.batching_throughput(model, client, X[:20], 4)
    with pytest.raises(ValueError, match=r"shape \(m, \*input_shape\); got shape \(64,\)"):
        serving.batching_throughput(model, client, X[0], [1])
    with pytest.raises(TypeError, match=r"^client.post must be"):
        serving.batching_throughput(model, object(), X[:20], [1])
    with pytest.raises(TypeError, match=r"^model must be"):
        serving.batching_throughput(lambda x: x, client, X[:20], [1])
    with pytest.raises(ValueError, match=r"X\[:1\] was refused: the API answered 422"):
        serving.batching_throughput(model, client, X[:20, :10], [1])


SERVE_SCRIPT = """
import sys, torch
from torch import nn
from dlcourse import serving
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
serving.serve(serving.create_app(model, (64,), [str(d) for d in range(10)]), port=int(sys.argv[1]))
"""


def test_serve_runs_uvicorn_in_its_own_process_and_stops(model, X):
    with socket.socket() as s:  # a port free now (another program could take it: then retry)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", SERVE_SCRIPT, str(port)]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(2400):  # at most about two minutes: a bound, not a measurement
            assert proc.poll() is None, "serve() exited"
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("serve() never answered /health")
        r = httpx.post(url + "/predict", json={"inputs": X[:4].tolist()}, timeout=30)
        assert r.json()["indices"] == local(digits_model(), X[:4])
        assert httpx.post(url + "/predict", json={"inputs": [[1.0]]}, timeout=30).status_code == 422
    finally:
        proc.terminate()  # SIGTERM: uvicorn finishes what is in flight, then stops
        _, stderr = proc.communicate(timeout=60)
    # uvicorn re-raises the signal once it has shut down: the exit status says SIGTERM
    assert proc.returncode == -signal.SIGTERM and "Traceback" not in stderr, stderr
