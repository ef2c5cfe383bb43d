"""The network of the transfer-learning chapter: ``SmallResNet`` (a backbone and a head), how to
freeze its backbone, and the two parameter groups of discriminative learning rates."""

from __future__ import annotations

import torch
from torch import nn

from dlcourse import checks
from dlcourse.architectures import BasicBlock
from dlcourse.checks import (
    MAX_COUNT,
    check_bool,
    check_instance,
    check_int,
    check_real,
    check_size,
    describe,
)

__all__ = ["SOURCE_CLASSES", "SmallResNet", "freeze_backbone", "param_groups"]

SOURCE_CLASSES = 20  # 5 digits x 4 quarter turns


class SmallResNet(nn.Module):
    """A ResNet for (N, 1, 8, 8) images: ``backbone`` to (N, widths[-1]) features, ``head``.

    backbone: 3x3 conv stem -> (N, widths[0], 8, 8); one ``BasicBlock`` per width, the later
    ones with stride 2 -> (N, widths[-1], 2, 2); global average pool -> (N, widths[-1]).
    For the default three widths, ``backbone[3]``, ``[4]`` and ``[5]`` are the residual blocks
    (``[5]`` the last). head: ``nn.Linear(widths[-1], num_classes)``. 78,404 parameters for
    widths (16, 32, 64) and 20 classes.

    A frozen backbone (``freeze_backbone``) stays in eval mode even under ``model.train()``:
    its batch-norm layers then keep the running statistics of the source task. The rule is per
    layer: a backbone layer whose parameters are unfrozen again goes back to train mode.
    """

    def __init__(self, num_classes: int = SOURCE_CLASSES, widths=(16, 32, 64)) -> None:
        super().__init__()
        num_classes = check_int("num_classes", num_classes, min=1, max=MAX_COUNT)
        widths = _widths(widths, num_classes)
        layers = [nn.Conv2d(1, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0])]
        layers.append(nn.ReLU(inplace=True))
        channels = widths[0]
        for i, width in enumerate(widths):
            layers.append(BasicBlock(channels, width, stride=1 if i == 0 else 2))
            channels = width
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 8, 8) images -> (N, num_classes) logits."""
        _check_images(x)
        return self.head(self.backbone(x))

    def train(self, mode: bool = True) -> SmallResNet:
        """Train mode, except for frozen layers: a backbone layer whose parameters are all
        frozen stays in eval mode, so its batch norm keeps the source task's statistics."""
        super().train(check_bool("mode", mode))
        for layer in (self.backbone, *self.backbone):
            weights = list(layer.parameters())
            if weights and not any(w.requires_grad for w in weights):
                layer.eval()
        return self


def _widths(widths, num_classes: int) -> list[int]:
    """The checked widths; the weights they make are counted before any is allocated."""
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise TypeError(f"widths must be a sequence of widths; got {describe(widths)}")
    if len(widths) < 1:
        raise ValueError(f"widths must be a sequence of at least one width; got {describe(widths)}")
    widths = [check_int(f"widths[{i}]", w, min=1, max=MAX_COUNT) for i, w in enumerate(widths)]
    # the 3x3 convolutions (two per block, and a shortcut) and the head
    weights = 9 * widths[0] + widths[-1] * num_classes
    weights += sum(
        9 * (a + b) * b + a * b for a, b in zip([widths[0], *widths[:-1]], widths, strict=True)
    )
    check_size("widths and num_classes (weights)", weights, limit=10 * checks.MAX_ELEMENTS)
    return widths


def _check_images(x) -> None:
    """A floating-point tensor of shape (N, 1, H, W): cheap checks, no device synchronisation."""
    check_instance("x", x, torch.Tensor)
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point numbers; got dtype {x.dtype}")
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"SmallResNet expects x of shape (N, 1, H, W); got {tuple(x.shape)}")


def freeze_backbone(model: SmallResNet, frozen: bool = True) -> SmallResNet:
    """Stop (or, with ``frozen=False``, restart) gradients to every backbone parameter.

    ``requires_grad=False`` means autograd computes no gradient for those tensors, so no
    optimizer can move them; the backbone also stays in eval mode (see ``SmallResNet``).
    """
    if not isinstance(model, SmallResNet):
        raise ValueError(f"model must be a SmallResNet; got {type(model).__name__}")
    frozen = check_bool("frozen", frozen)
    for p in model.backbone.parameters():
        p.requires_grad_(not frozen)
    model.train(model.training)  # a frozen layer goes to eval mode, an unfrozen one back
    return model


def param_groups(model: SmallResNet, lr: float, backbone_factor: float = 0.1) -> list[dict]:
    """Discriminative learning rates: the head at ``lr``, the backbone at ``lr * factor``.

    Returns two optimizer parameter groups, ``[{"params": backbone, "lr": ...},
    {"params": head, "lr": lr}]``, for ``torch.optim.Adam(groups)``.
    """
    if not isinstance(model, SmallResNet):
        raise ValueError(f"model must be a SmallResNet; got {type(model).__name__}")
    lr = check_real("lr", lr, min=0, min_open=True)
    backbone_factor = check_real("backbone_factor", backbone_factor, min=0)
    return [
        {"params": list(model.backbone.parameters()), "lr": lr * backbone_factor},
        {"params": list(model.head.parameters()), "lr": lr},
    ]
