"""One network in two frameworks, and training curves written to TensorBoard and read back.

``mlp_torch`` and ``mlp_keras`` build the same multilayer perceptron (Linear/Dense layers with
ReLU between them) in PyTorch and in Keras 3; ``copy_weights_to_keras`` gives the Keras model
the PyTorch model's weights, so that both start from the same point and, trained the same way,
print the same numbers. PyTorch stores a linear layer's weight as (outputs, inputs); Keras
stores a Dense kernel as (inputs, outputs), the book's convention: the copy transposes.

Keras reads its backend (``torch``, ``jax`` or ``tensorflow``) once, when it is first
imported, from the environment variable ``KERAS_BACKEND`` or else from ``~/.keras/keras.json``.
``import_keras`` sets the variable before that first import and checks the result.

``log_scalars`` writes numbers to TensorBoard with ``torch.utils.tensorboard.SummaryWriter``;
``read_scalars`` reads a run's event files back into NumPy arrays with TensorBoard's own
``EventAccumulator``, so a page can plot what TensorBoard would show.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dlcourse.checks import check_in, check_instance, check_int, describe

__all__ = [
    "BACKENDS",
    "copy_weights_to_keras",
    "import_keras",
    "log_scalars",
    "mlp_keras",
    "mlp_torch",
    "read_scalars",
    "weight_gap",
]

BACKENDS = ("torch", "jax", "tensorflow")  # what Keras 3 can run on


def import_keras(backend: str = "torch") -> Any:
    """Import Keras 3 running on ``backend`` and return the ``keras`` module.

    Keras picks its backend once per process, at its first import: ``KERAS_BACKEND`` if set,
    else ``"backend"`` in ``~/.keras/keras.json``, else TensorFlow. Before that first import
    this function sets ``KERAS_BACKEND``; after it, it only checks.

    Raises:
        ValueError: ``backend`` is not one of ``BACKENDS``.
        RuntimeError: Keras is already running on another backend in this process (restart
            the Python process or kernel, with the variable set first).
        ModuleNotFoundError: the backend's own package (jax, tensorflow) is not installed.
    """
    backend = check_in("backend", backend, BACKENDS)
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend
    import keras

    actual = keras.backend.backend()
    if actual != backend:
        raise RuntimeError(
            f"Keras is already running on backend {actual!r}, not {backend!r}: the backend is "
            f"chosen once per process, at the first `import keras`. Start a new process with "
            f"KERAS_BACKEND={backend} set before that import."
        )
    return keras


def _layer_sizes(layer_sizes: Sequence[int]) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(
            f"layer_sizes must be a sequence of ints like [64, 32, 10]; got {describe(layer_sizes)}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes must name at least an input and an output size; got {list(layer_sizes)}"
        )
    return [check_int(f"layer_sizes[{i}]", n, min=1, max=10**6) for i, n in enumerate(layer_sizes)]


def mlp_torch(layer_sizes: Sequence[int] = (64, 32, 10)) -> nn.Sequential:
    """A PyTorch MLP: ``nn.Linear`` layers with ``nn.ReLU`` between them, none after the last.

    Args:
        layer_sizes: ``[n_in, hidden..., n_out]``; the default is a two-layer network for the
            8x8 digits: 64 inputs, 32 hidden units, 10 class logits.

    Returns:
        ``nn.Sequential`` mapping (B, n_in) to (B, n_out) logits, initialised by PyTorch's
        default rule from torch's global generator (seed it first).
    """
    sizes = _layer_sizes(layer_sizes)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def _keras() -> Any:
    """The imported ``keras`` module, on whatever backend it runs; torch if not yet imported."""
    return sys.modules["keras"] if "keras" in sys.modules else import_keras("torch")


def mlp_keras(layer_sizes: Sequence[int] = (64, 32, 10), like: nn.Module | None = None) -> Any:
    """The Keras 3 twin of ``mlp_torch(layer_sizes)``: ``Dense`` layers, ReLU between them.

    Args:
        layer_sizes: ``[n_in, hidden..., n_out]``, as for ``mlp_torch``.
        like: a PyTorch model of the same architecture whose weights the Keras model takes
            (``copy_weights_to_keras``); ``None`` keeps Keras's own initialisation (Glorot
            uniform kernels, zero biases).

    Returns:
        A built ``keras.Sequential`` mapping (B, n_in) to (B, n_out) logits. Keras is
        imported on the torch backend if it was not imported yet.
    """
    sizes = _layer_sizes(layer_sizes)
    if like is not None:
        check_instance("like", like, nn.Module)
        shapes = [
            (m.in_features, m.out_features) for m in like.modules() if isinstance(m, nn.Linear)
        ]
        if shapes != list(zip(sizes[:-1], sizes[1:], strict=True)):
            raise ValueError(
                f"like must have the nn.Linear layers of layer_sizes {sizes}; got (in, out) "
                f"{shapes}"
            )
    keras = _keras()
    layers = [keras.Input(shape=(sizes[0],))]
    for i, n_out in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        layers.append(keras.layers.Dense(n_out, activation=None if last else "relu"))
    model = keras.Sequential(layers)
    if like is not None:
        copy_weights_to_keras(like, model)
    return model


def _pairs(torch_model: nn.Module, keras_model: Any) -> list[tuple[nn.Linear, Any]]:
    """The model's ``nn.Linear`` layers matched, in order, with the Keras model's Dense layers,
    after checking that every weight has the shape its twin expects."""
    check_instance("torch_model", torch_model, nn.Module)
    if not hasattr(keras_model, "layers"):
        raise TypeError(f"keras_model must be a Keras model; got {describe(keras_model)}")
    linears = [m for m in torch_model.modules() if isinstance(m, nn.Linear)]
    denses = [layer for layer in keras_model.layers if type(layer).__name__ == "Dense"]
    if len(linears) != len(denses):
        raise ValueError(
            f"the models must have as many layers: torch_model has {len(linears)} nn.Linear, "
            f"keras_model has {len(denses)} Dense"
        )
    for i, (linear, dense) in enumerate(zip(linears, denses, strict=True)):
        expected = (linear.in_features, linear.out_features)  # Keras kernel: (in, out)
        actual = tuple(dense.kernel.shape)
        if actual != expected or (linear.bias is None) != (not dense.use_bias):
            raise ValueError(
                f"layer {i}: keras_model's Dense kernel must have shape {expected} (in, out) to "
                f"match torch_model's nn.Linear({linear.in_features}, {linear.out_features}, "
                f"bias={linear.bias is not None}); got kernel {actual}, use_bias={dense.use_bias}"
            )
    return list(zip(linears, denses, strict=True))


def copy_weights_to_keras(torch_model: nn.Module, keras_model: Any) -> None:
    """Give each Dense layer of ``keras_model`` the weights of the matching ``nn.Linear``.

    The kernel becomes ``weight.T``: torch's weight is (out, in), Keras's kernel (in, out).
    Works on any Keras backend (the values travel as NumPy arrays).

    Raises:
        ValueError: the models differ in the number of layers or in a layer's shape.
    """
    for linear, dense in _pairs(torch_model, keras_model):
        dense.kernel.assign(linear.weight.detach().cpu().numpy().T)
        if linear.bias is not None:
            dense.bias.assign(linear.bias.detach().cpu().numpy())


def weight_gap(torch_model: nn.Module, keras_model: Any) -> float:
    """The largest absolute difference between matching weights of the two models.

    0.0 right after ``copy_weights_to_keras``; after identical training, float32 rounding.
    """
    gap = 0.0
    for linear, dense in _pairs(torch_model, keras_model):
        kernel = np.asarray(dense.kernel.numpy(), dtype=np.float64)
        gap = max(
            gap, float(np.abs(kernel - linear.weight.detach().cpu().double().numpy().T).max())
        )
        if linear.bias is not None:
            bias = np.asarray(dense.bias.numpy(), dtype=np.float64)
            gap = max(gap, float(np.abs(bias - linear.bias.detach().cpu().double().numpy()).max()))
    return gap


def log_scalars(writer: Any, step: int, scalars: Mapping[str, float]) -> None:
    """Write one point per curve to TensorBoard: ``writer.add_scalar(tag, value, step)``.

    Args:
        writer: a ``torch.utils.tensorboard.SummaryWriter`` (anything with ``add_scalar``).
        step: the x coordinate, e.g. the epoch, an int ``>= 0``.
        scalars: tag -> number, e.g. ``{"loss/train": 0.31, "accuracy/train": 0.92}``;
            TensorBoard groups the tags by what comes before the ``/``.

    Raises:
        ValueError: a value is NaN or infinite (a curve with a hole is a bug to see now,
            not in the dashboard later), or ``step < 0``.
    """
    if not callable(getattr(writer, "add_scalar", None)):
        raise TypeError(f"writer must be a SummaryWriter; got {describe(writer)}")
    step = check_int("step", step, min=0, max=2**63 - 1)  # an int64 in the event file
    if not isinstance(scalars, Mapping):
        raise TypeError(f"scalars must be a mapping tag -> number; got {describe(scalars)}")
    checked = {}
    for tag, value in scalars.items():
        if not isinstance(tag, str) or not tag:
            raise TypeError(f"scalars' tags must be non-empty strings; got {describe(tag)}")
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"scalars[{tag!r}] must be a real number; got {describe(value)}")
        if not math.isfinite(float(value)):
            raise ValueError(f"scalars[{tag!r}] must be finite; got {value}")
        checked[tag] = float(value)
    for tag, value in checked.items():
        writer.add_scalar(tag, value, step)


def read_scalars(log_dir: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read every scalar curve of one TensorBoard run back from its event files.

    Args:
        log_dir: the folder a ``SummaryWriter`` wrote (one run; TensorBoard's ``--logdir``
            is its parent, one subfolder per run). Close or flush the writer first.

    Returns:
        tag -> ``(steps (k,) int64, values (k,) float64)``, in the order they were written,
        every point kept (TensorBoard's dashboard keeps a sample of 1000).

    Raises:
        ValueError: ``log_dir`` is not a folder or holds no event file.
    """
    if not isinstance(log_dir, (str, Path)):
        raise TypeError(f"log_dir must be a path; got {describe(log_dir)}")
    folder = Path(log_dir)
    if not folder.is_dir():
        raise ValueError(f"log_dir must be an existing folder; got {str(folder)!r}")
    if not any(p.name.startswith("events.out.tfevents") for p in folder.iterdir()):
        raise ValueError(
            f"log_dir must hold TensorBoard event files (events.out.tfevents.*); "
            f"{str(folder)!r} holds none. Is it the parent of the run folders?"
        )
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})  # 0: keep all
    accumulator.Reload()
    curves = {}
    for tag in accumulator.Tags()["scalars"]:
        events = accumulator.Scalars(tag)
        steps = np.array([e.step for e in events], dtype=np.int64)
        values = np.array([e.value for e in events], dtype=np.float64)
        curves[tag] = (steps, values)
    return curves
