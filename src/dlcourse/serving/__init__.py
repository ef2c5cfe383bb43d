"""Serve a trained model over HTTP: load its weights safely, validate every request at the door.

One idea per module:

- ``weights``: ``load_weights(path, model)`` reads a ``state_dict`` with
  ``torch.load(..., weights_only=True)``, so a file that holds code is refused, not run;
- ``api``: ``create_app(model, input_shape, classes)``, a FastAPI app with ``GET /health``,
  ``GET /info`` and ``POST /predict``, whose every bad request gets a declared 4xx that says
  what was expected and what came;
- ``server``: ``serve`` runs an app with uvicorn (blocking); ``running`` runs it in a thread
  on a free port of 127.0.0.1 for the length of a ``with`` block;
- ``throughput``: ``batching_throughput``, rows per second at each batch size, model and API.

``from dlcourse import serving`` then ``serving.create_app(...)`` reads as before the split.
"""

from dlcourse.serving.api import MAX_ERRORS, PREDICT_LIMITS, create_app
from dlcourse.serving.server import THREAD_NAME, running, serve
from dlcourse.serving.throughput import batching_throughput
from dlcourse.serving.weights import load_weights

__all__ = [
    "MAX_ERRORS",
    "PREDICT_LIMITS",
    "THREAD_NAME",
    "batching_throughput",
    "create_app",
    "load_weights",
    "running",
    "serve",
]
