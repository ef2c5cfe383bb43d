"""Reusing a pretrained ``SmallResNet`` with few labels, four ways, and pseudo-labels for the
images without one."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_in,
    check_instance,
    check_int,
    check_real,
    describe,
)
from dlcourse.device import as_device
from dlcourse.transfer.model import SmallResNet, freeze_backbone, param_groups

__all__ = ["METHODS", "fine_tune", "pseudo_label"]

METHODS = ("scratch", "probe", "fine-tune", "discriminative")


def fine_tune(
    pretrained_model: SmallResNet | None,
    method: str,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 60,
    lr: float = 3e-3,
    device: torch.device | str = "cpu",
    amp=False,
) -> SmallResNet:
    """A 5-class model trained on (X (m, 1, 8, 8), y (m,)) one of ``METHODS`` ways.

    ``"scratch"``: a fresh ``SmallResNet`` (``pretrained_model`` is ignored). The others copy
    ``pretrained_model`` (never changed) and give it a new head: ``"probe"`` trains the head
    alone on a frozen backbone at 10x ``lr``; ``"fine-tune"`` trains everything at ``lr``;
    ``"discriminative"`` trains the head at 10x ``lr`` and the backbone at ``lr``. Adam,
    full batches, ``dlcourse.train.fit``; the global seed decides the new head.
    """
    from dlcourse.train import fit, make_loader

    method = check_in("method", method, METHODS)
    X = check_array("X", X, ndim=4, shape="(m, 1, 8, 8)", dtype=np.float32)
    if X.shape[1:] != (1, 8, 8):
        raise ValueError(f"X must have shape (m, 1, 8, 8), 8x8 greyscale digits; got {X.shape}")
    epochs = check_int("epochs", epochs, min=1, max=MAX_COUNT)
    lr = check_real("lr", lr, min=0, min_open=True)
    device = as_device(device)
    n_classes = 5
    if method == "scratch":
        model = SmallResNet(num_classes=n_classes)
    else:
        if not isinstance(pretrained_model, SmallResNet):
            raise TypeError(
                f"pretrained_model must be a SmallResNet for method {method!r}; "
                f"got {describe(pretrained_model)}"
            )
        model = copy.deepcopy(pretrained_model)
        model.head = nn.Linear(model.head.in_features, n_classes)
    if method == "probe":
        freeze_backbone(model)
        params = model.head.parameters()
        optimizer = torch.optim.Adam(params, lr=10 * lr)
    elif method == "discriminative":
        optimizer = torch.optim.Adam(param_groups(model, 10 * lr, backbone_factor=0.1))
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = make_loader(X, y, batch_size=len(X))
    fit(model, loader, None, nn.CrossEntropyLoss(), optimizer, epochs, device=device,
        progress=None, amp=amp)  # fmt: skip
    return model.eval()


@torch.no_grad()
def pseudo_label(
    model: nn.Module, X: np.ndarray, threshold: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and predicted labels of the images of X (m, 1, 8, 8) the model is sure of.

    Returns ``(index (k,), labels (k,))`` for the images whose largest softmax probability
    is at least ``threshold``.
    """
    check_instance("model", model, nn.Module)
    threshold = check_real("threshold", threshold, min=0, max=1)
    X = check_array("X", X, ndim=4, shape="(m, 1, H, W)", dtype=np.float32)
    if X.shape[1] != 1:
        raise ValueError(f"X must have shape (m, 1, H, W): one channel; got {X.shape}")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    probs = torch.softmax(model(torch.as_tensor(X, device=device)), dim=1).cpu()
    model.train(was_training)
    confidence, labels = probs.max(dim=1)
    keep = np.flatnonzero(confidence.numpy() >= threshold)
    return keep, labels.numpy()[keep]
