"""Convolutional networks in PyTorch, from LeNet-5 to VGG16 and ResNet-18, and what they cost.

``vgg16`` and ``resnet18`` follow torchvision's layout layer for layer (same modules, same
``state_dict`` keys, same parameter counts: 138,357,544 and 11,689,512 for 1,000 classes), so
that their size can be studied without torchvision and without downloading any weights. Build
them on the ``meta`` device (``with torch.device("meta"): model = vgg16()``) to get shapes and
counts without allocating a single weight. ``count_parameters`` and ``multiply_adds`` measure
any model.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlcourse import checks
from dlcourse.checks import (
    check_bool,
    check_count,
    check_instance,
    check_probability,
    check_size,
    describe,
)

__all__ = [
    "VGG16_LAYERS",
    "BasicBlock",
    "LeNet5",
    "ResNet",
    "VGG",
    "count_parameters",
    "multiply_adds",
    "resnet18",
    "vgg16",
]


def _check_counts(**values: int) -> list[int]:
    return [check_count(name, value) for name, value in values.items()]


def _check_weights(what: str, n: int) -> None:
    # VGG16 alone has 138 million weights (553 MB): models may be ten times past the package's
    # limit for one array before a size counts as a typo.
    check_size(what, n, limit=10 * checks.MAX_ELEMENTS)


def _check_images(
    name: str, x: torch.Tensor, in_channels: int, min_side: int = 1, side: int | None = None
) -> None:
    """``x`` must be a floating-point (N, in_channels, H, W) tensor with H, W >= ``min_side``
    (H = W = ``side`` if given). Shapes and dtype only: nothing here waits for the device."""
    check_instance(name, x, torch.Tensor)
    layout = "H, W" if side is None else f"{side}, {side}"
    if x.ndim != 4 or x.shape[1] != in_channels or (side and tuple(x.shape[2:]) != (side, side)):
        raise ValueError(
            f"{name} must have shape (N, {in_channels}, {layout}); got {tuple(x.shape)}"
        )
    if min(x.shape[2:]) < min_side:
        raise ValueError(
            f"{name} must be at least {min_side}x{min_side} pixels (one per halving of the "
            f"network); got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {x.dtype}")


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) for (N, in_channels, 28, 28) images, with today's ReLU and
    max pooling where the original used scaled tanh and trainable average pooling.

    ``features``: conv 5x5 (6 maps, padding 2) -> (6, 28, 28), pool -> (6, 14, 14),
    conv 5x5 (16 maps) -> (16, 10, 10), pool -> (16, 5, 5). ``classifier``: 400 -> 120 -> 84
    -> ``num_classes`` logits. 61,706 parameters for one channel and ten classes.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        in_channels, num_classes = _check_counts(in_channels=in_channels, num_classes=num_classes)
        _check_weights(
            "LeNet5's weights (6 * 25 * in_channels + 85 * num_classes)",
            150 * in_channels + 85 * num_classes,
        )
        self.in_channels = in_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, 28, 28) images -> (N, num_classes) logits."""
        _check_images("x", x, self.in_channels, side=28)
        return self.classifier(self.features(x))


# VGG16's 13 convolutions (3x3, padding 1) by output channels; "M": a 2x2 max pool.
# fmt: off
VGG16_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
                512, 512, 512, "M", 512, 512, 512, "M")
# fmt: on


class VGG(nn.Module):
    """VGG (Simonyan and Zisserman, 2014) in torchvision's layout: ``features`` (3x3
    convolutions and max pools), ``avgpool`` to 7x7, ``classifier`` (three dense layers)."""

    def __init__(
        self,
        layers=VGG16_LAYERS,
        num_classes: int = 1000,
        in_channels: int = 3,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        num_classes, in_channels = _check_counts(num_classes=num_classes, in_channels=in_channels)
        dropout = check_probability("dropout", dropout)
        if isinstance(layers, (str, bytes)) or not isinstance(layers, (tuple, list)):
            raise TypeError(
                f'layers must be a list of output channels and "M" (max pool); '
                f"got {describe(layers)}"
            )
        layers = [
            v if isinstance(v, str) and v == "M" else check_count(f"layers[{i}]", v)
            for i, v in enumerate(layers)
        ]
        # every weight, counted before any is allocated: 3x3 convolutions, then the classifier
        sizes = [in_channels] + [v for v in layers if v != "M"]
        n_conv = sum(9 * a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        _check_weights(
            "VGG's weights", n_conv + sizes[-1] * 49 * 4096 + 4096**2 + 4096 * num_classes
        )
        self.in_channels, self.n_pools = in_channels, layers.count("M")
        features, channels = [], in_channels
        for v in layers:
            if v == "M":
                features.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                features += [nn.Conv2d(channels, v, kernel_size=3, padding=1), nn.ReLU(True)]
                channels = v
        self.features = nn.Sequential(*features)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(channels * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W), usually 224x224 -> (N, num_classes) logits."""
        _check_images("x", x, self.in_channels, 2**self.n_pools)
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def vgg16(num_classes: int = 1000) -> VGG:
    """VGG16: 13 convolutions and 3 dense layers, torchvision's ``vgg16()`` without weights."""
    num_classes = check_count("num_classes", num_classes)
    return VGG(VGG16_LAYERS, num_classes)


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions with batch norm, plus the input itself.

    ``out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``. The shortcut is the identity,
    or a strided 1x1 convolution with batch norm when the shape changes. ``shortcut=False``
    drops the added input: the same two layers as a plain network.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, shortcut: bool = True
    ) -> None:
        super().__init__()
        in_channels, out_channels, stride = _check_counts(
            in_channels=in_channels, out_channels=out_channels, stride=stride
        )
        shortcut = check_bool("shortcut", shortcut)
        _check_weights(
            "the block's weights (9 * out_channels * (in_channels + out_channels))",
            9 * out_channels * (in_channels + out_channels) + in_channels * out_channels,
        )
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = shortcut
        self.downsample = None  # torchvision's name for the projection shortcut
        if shortcut and (stride != 1 or in_channels != out_channels):
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) -> (N, out_channels, ceil(H / stride), ceil(W / stride))."""
        _check_images("x", x, self.in_channels)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.shortcut:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class ResNet(nn.Module):
    """ResNet (He et al., 2015) with basic blocks, in torchvision's layout: a 7x7 stem with
    stride 2 and a max pool, four stages (``layer1`` to ``layer4``) of ``blocks[i]`` blocks
    with 64, 128, 256, 512 channels (each later stage halves the size), global average pool,
    ``fc``."""

    def __init__(self, blocks=(2, 2, 2, 2), num_classes: int = 1000, in_channels: int = 3) -> None:
        super().__init__()
        num_classes, in_channels = _check_counts(num_classes=num_classes, in_channels=in_channels)
        if isinstance(blocks, (str, bytes)) or not isinstance(blocks, (tuple, list)):
            raise TypeError(f"blocks must be 4 block counts, one per stage; got {describe(blocks)}")
        if len(blocks) != 4:
            raise ValueError(f"blocks must be 4 block counts, one per stage; got {blocks!r}")
        blocks = [check_count(f"blocks[{i}]", n) for i, n in enumerate(blocks)]
        # at most 18 * 512**2 weights a block: refuse a depth that could not fit in memory
        _check_weights(
            "ResNet's weights",
            18 * 512**2 * sum(blocks) + 512 * num_classes + 49 * 64 * in_channels,
        )
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = 64
        for i, (n, width) in enumerate(zip(blocks, (64, 128, 256, 512), strict=True)):
            stride = 1 if i == 0 else 2
            stage = [BasicBlock(channels, width, stride)]
            stage += [BasicBlock(width, width) for _ in range(n - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
            channels = width
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W), usually 224x224 -> (N, num_classes) logits."""
        _check_images("x", x, self.in_channels)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(num_classes: int = 1000) -> ResNet:
    """ResNet-18: a stem, 8 basic blocks (16 convolutions), a dense layer; torchvision's
    ``resnet18()`` without weights."""
    num_classes = check_count("num_classes", num_classes)
    return ResNet((2, 2, 2, 2), num_classes)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model`` (batch norm's running statistics, which
    are buffers, not parameters, do not count)."""
    check_instance("model", model, nn.Module)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def multiply_adds(model: nn.Module, input_shape: tuple[int, ...]) -> dict[str, int]:
    """Multiply-adds for one image through the convolutions and dense layers of ``model``.

    One forward pass with a batch of one on the ``meta`` device (shapes only, no arithmetic,
    nothing allocated) records each layer's output size. A convolution costs, per output
    value, one multiply-add per weight of a filter (``in_channels / groups * kh * kw``); a
    dense layer ``in_features`` per output. A FLOP count is usually twice the total.

    Args:
        model: any module (it is not changed: a copy of its structure runs on ``meta``).
        input_shape: one image's shape, (C, H, W).

    Returns:
        ``{"conv": ..., "linear": ..., "total": ...}``.
    """
    check_instance("model", model, nn.Module)
    if not isinstance(input_shape, (tuple, list, torch.Size)):
        raise TypeError(f"input_shape must be one image's (C, H, W); got {describe(input_shape)}")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be one image's (C, H, W); got {input_shape}")
    input_shape = tuple(check_count(f"input_shape[{i}]", n) for i, n in enumerate(input_shape))
    check_size("input_shape (C * H * W)", math.prod(input_shape))
    import copy

    meta = copy.deepcopy(model).to("meta")
    counts = {"conv": 0, "linear": 0}

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            counts["conv"] += output.numel() * module.in_channels // module.groups * kh * kw
        else:
            counts["linear"] += output.numel() * module.in_features

    handles = [
        m.register_forward_hook(hook)
        for m in meta.modules()
        if isinstance(m, nn.Conv2d | nn.Linear)
    ]
    try:
        with torch.no_grad():
            meta.eval()(torch.empty(1, *input_shape, device="meta"))
    except (RuntimeError, ValueError) as error:  # the model's own complaint, about its input
        raise ValueError(f"input_shape {input_shape} does not fit the model: {error}") from None
    finally:
        for h in handles:
            h.remove()
    return {**counts, "total": counts["conv"] + counts["linear"]}
