"""Batches in, numbers out: the data side of the training loop.

``make_loader`` wraps NumPy arrays into batches of tensors; ``evaluate`` and ``predict`` run a
model over data in eval mode, without gradients. ``dlcourse.train`` exports all three.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
)

from dlcourse.checks import (
    check_array,
    check_bool,
    check_count,
    check_instance,
    check_same_length,
)
from dlcourse.train.checks import check_model_and_loader, check_targets, model_device

# n_correct and evaluate_batches are the loop's helpers, not part of the API.
__all__ = ["evaluate", "make_loader", "predict"]


def make_loader(
    X: np.ndarray, y: np.ndarray, batch_size: int = 64, shuffle: bool = False
) -> DataLoader:
    """Wrap NumPy arrays X (m, ...) and y (m, ...) into a DataLoader of tensors.

    X becomes float32; integer y becomes int64 (class labels for cross-entropy), other y
    float32 (regression). ``shuffle=True`` (for training) draws a new order every epoch from
    torch's global generator, which ``dlcourse.seed_everything`` seeds.
    """
    X = check_array("X", X, ndim=(1, 2, 3, 4, 5), shape="(m, ...)", dtype=None)
    y = check_array("y", y, ndim=(1, 2, 3, 4, 5), shape="(m, ...)", dtype=None)
    check_same_length("X and y", X, y)
    batch_size = check_count("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    y_dtype = torch.int64 if np.issubdtype(y.dtype, np.integer) else torch.float32
    data = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=y_dtype))
    # Index the tensors with a whole batch of indices at once (batch_size=None): the default
    # fetches examples one by one and stacks them, which costs more than a tiny model's step.
    order = RandomSampler(data) if shuffle else SequentialSampler(data)
    return DataLoader(
        data, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None
    )


def n_correct(output: torch.Tensor, target: torch.Tensor) -> float:
    """Correct predictions in a batch: argmax of (B, C) logits, or one logit > 0.
    NaN when the targets are not class labels (regression)."""
    if target.dtype != torch.int64:
        return float("nan")
    if output.ndim == 2 and output.shape[1] > 1:
        pred = output.argmax(dim=1)
    else:
        pred = (output.reshape(-1) > 0).long()
    return float((pred == target.reshape(-1)).sum())


def evaluate(
    model: nn.Module, loader: DataLoader, loss_fn, device: torch.device | str | None = None
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode, without gradients.

    Args:
        model: maps inputs (B, ...) to (B, C) logits, or (B,) / (B, 1) outputs.
        loader: yields ``(inputs, targets)``.
        loss_fn: ``loss_fn(outputs, targets)``, a mean over the batch.
        device: default: the device of the model's parameters.

    Returns:
        ``(loss, accuracy)``, means over examples; accuracy is NaN for float targets. The
        model is back in the mode (train or eval) it was in.
    """
    check_model_and_loader(model, loader, loss_fn)
    return evaluate_batches(model, loader, loss_fn, model_device(model, device))


@torch.no_grad()
def evaluate_batches(
    model: nn.Module, loader, loss_fn, device: torch.device, check: bool = True
) -> tuple[float, float]:
    """``evaluate`` on checked arguments (``fit`` checks them once, not every epoch);
    ``check``: check the first batch's targets against the outputs and the loss."""
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    total_loss, correct, count = 0.0, 0.0, 0
    try:
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            output = model(xb)
            if count == 0 and check:
                check_targets(output, yb, loss_fn)
            total_loss += float(loss_fn(output, yb)) * len(xb)
            correct += n_correct(output, yb)
            count += len(xb)
    finally:
        model.train(was_training)
    return total_loss / count, correct / count


@torch.no_grad()
def predict(
    model: nn.Module, X: np.ndarray, device: torch.device | str | None = None
) -> np.ndarray:
    """Outputs of ``model`` in eval mode for NumPy inputs X (m, ...), as a NumPy array."""
    check_instance("model", model, nn.Module)
    X = check_array("X", X, ndim=(1, 2, 3, 4, 5), shape="(m, ...)")
    device = model_device(model, device)
    was_training = model.training
    model.eval()
    X = torch.as_tensor(X, dtype=torch.float32)
    try:
        outputs = []
        for i in range(0, len(X), 1024):
            try:
                outputs.append(model(X[i : i + 1024].to(device)).cpu())
            except RuntimeError as error:
                if i > 0:
                    raise
                # the first batch: most often X does not have the shape the model takes
                raise ValueError(
                    f"X of shape {tuple(X.shape)} does not fit the model: {error}"
                ) from None
    finally:
        model.train(was_training)
    return torch.cat(outputs).numpy()
