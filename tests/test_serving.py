"""dlcourse.serving: safe loading, the API's answers to good and bad requests, a real server.

The real server runs with uvicorn on 127.0.0.1 (a free port) in a thread, takes a burst of
concurrent requests whose answers must equal the model's own predictions, then a barrage of
malformed requests that must all get a 4xx, and must still answer correctly afterwards.
Latencies are printed, never asserted.
"""

import concurrent.futures
import json
import os
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


@pytest.fixture(scope="module")
def client(model):
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
    with pytest.raises(TypeError, match="model"):
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
    with pytest.raises(ValueError, match="input_shape"):
        serving.create_app(model, "64", CLASSES)
    with pytest.raises(ValueError, match=r"input_shape\[0\] must be an integer >= 1"):
        serving.create_app(model, (0,), CLASSES)
    with pytest.raises(ValueError, match="at least one size"):
        serving.create_app(model, (), CLASSES)
    with pytest.raises(ValueError, match="max_rows must be an integer >= 1; got 0"):
        serving.create_app(model, (64,), CLASSES, max_rows=0)
    with pytest.raises(TypeError, match="max_body_bytes"):
        serving.create_app(model, (64,), CLASSES, max_body_bytes=1.5)
    with pytest.raises(ValueError, match="classes must be a list of class names"):
        serving.create_app(model, (64,), "0123456789")
    with pytest.raises(TypeError, match="model"):
        serving.create_app(lambda x: x, (64,))
    with pytest.raises(ValueError, match=r"cannot take a batch of shape \(1, 63\)"):
        serving.create_app(model, (63,), CLASSES)


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


@pytest.mark.parametrize("what, body, content_type, status, words", BAD_REQUESTS)
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
def test_fuzzed_json_never_gets_a_5xx(client, body):
    r = client.post("/predict", content=json.dumps(body).encode(), headers=JSON)  # NaN too
    assert r.status_code < 500, r.text
    if r.status_code != 200:
        assert isinstance(r.json()["detail"], str) and 400 <= r.status_code < 500


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "x/y"]))
def test_fuzzed_bytes_never_get_a_5xx(client, body, content_type):
    r = client.post("/predict", content=body, headers={"content-type": content_type})
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
            print(f"barrage: {len(statuses) + 3} malformed requests, statuses {sorted(statuses)}")

            r = http.post("/predict", json={"inputs": X[:16].tolist()})
            assert r.status_code == 200 and r.json()["indices"] == local(model, X[:16])
            print("after the barrage: a batch of 16 rows answered correctly")
    # The server's thread is gone (other libraries' threads may come and go meanwhile).
    assert not [t for t in threading.enumerate() if t.name.startswith(serving.THREAD_NAME)]
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/health", timeout=5)


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
    with pytest.raises(TypeError, match="client.post"):
        serving.batching_throughput(model, object(), X[:20], [1])
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
