"""Transfer learning on the digits: pretrain a small ResNet once, reuse it with few labels.

The source task is made from scikit-learn's digits 0 to 4, with no download: each image is
turned by 0, 90, 180 or 270 degrees and jittered (a small random rotation, scale and shift),
and the label is the pair (digit, quarter turn): 20 classes. The target task is the digits 5 to
9 with only a few labels per class. ``SmallResNet`` keeps a ``backbone`` (what is reused) and a
``head`` (what is replaced); ``freeze_backbone`` and ``param_groups`` give the four ways to
fine-tune: from scratch, a linear probe, full fine-tuning, and discriminative learning rates.

The pretrained weights ship with the package (``weights/digits_resnet.pt``) and are checked
against ``WEIGHTS_SHA256`` before they are loaded. Re-create them with::

    python -m dlcourse.transfer --retrain
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import checks
from dlcourse.architectures import BasicBlock
from dlcourse.checkpoint import load_state_dict_checked
from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_bool,
    check_in,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_size,
    describe,
)
from dlcourse.device import as_device
from dlcourse.seeding import seed_everything

__all__ = [
    "METHODS",
    "WEIGHTS_PATH",
    "WEIGHTS_SHA256",
    "SmallResNet",
    "fine_tune",
    "freeze_backbone",
    "load_weights",
    "param_groups",
    "pretrain",
    "pretrained",
    "pseudo_label",
    "sha256",
    "source_task",
    "target_task",
]

WEIGHTS_PATH = Path(__file__).parent / "weights" / "digits_resnet.pt"
# The sha256 of the file ``python -m dlcourse.transfer --retrain`` writes (seeded, one thread).
WEIGHTS_SHA256 = "2301c15e08e0dbff5e11a66a65fb066e497df34018ea1a0a9f8573ec5789717b"
SOURCE_CLASSES = 20  # 5 digits x 4 quarter turns
METHODS = ("scratch", "probe", "fine-tune", "discriminative")


def _path(name: str, value) -> Path:
    """A file path given as a str or a Path (TypeError otherwise, ValueError for a NUL byte)."""
    check_instance(name, value, (str, Path), "a path (str or pathlib.Path)")
    if "\0" in str(value):
        raise ValueError(f"{name} must be a path without NUL bytes; got {value!r}")
    return Path(value)


class SmallResNet(nn.Module):
    """A ResNet for (N, 1, 8, 8) images: ``backbone`` to (N, widths[-1]) features, ``head``.

    backbone: 3x3 conv stem -> (N, widths[0], 8, 8); one ``BasicBlock`` per width, the later
    ones with stride 2 -> (N, widths[-1], 2, 2); global average pool -> (N, widths[-1]).
    head: ``nn.Linear(widths[-1], num_classes)``. 78,404 parameters for widths (16, 32, 64)
    and 20 classes.

    A frozen backbone (``freeze_backbone``) stays in eval mode even under ``model.train()``:
    its batch-norm layers then keep the running statistics of the source task.
    """

    def __init__(self, num_classes: int = SOURCE_CLASSES, widths=(16, 32, 64)) -> None:
        super().__init__()
        num_classes = check_int("num_classes", num_classes, min=1, max=MAX_COUNT)
        if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
            raise TypeError(f"widths must be a sequence of widths; got {describe(widths)}")
        if len(widths) < 1:
            raise ValueError(
                f"widths must be a sequence of at least one width; got {describe(widths)}"
            )
        widths = [check_int(f"widths[{i}]", w, min=1, max=MAX_COUNT) for i, w in enumerate(widths)]
        # the weights of the 3x3 convolutions (two per block, and a shortcut) and of the head,
        # counted before any is allocated
        weights = 9 * widths[0] + widths[-1] * num_classes
        weights += sum(
            9 * (a + b) * b + a * b for a, b in zip([widths[0], *widths[:-1]], widths, strict=True)
        )
        check_size("widths and num_classes (weights)", weights, limit=10 * checks.MAX_ELEMENTS)
        layers = [nn.Conv2d(1, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0])]
        layers.append(nn.ReLU(inplace=True))
        channels = widths[0]
        for i, width in enumerate(widths):
            layers.append(BasicBlock(channels, width, stride=1 if i == 0 else 2))
            channels = width
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Linear(channels, num_classes)
        self.backbone_frozen = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 8, 8) images -> (N, num_classes) logits."""
        check_instance("x", x, torch.Tensor)
        if not x.is_floating_point():
            raise TypeError(f"x must hold floating-point numbers; got dtype {x.dtype}")
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"SmallResNet expects x of shape (N, 1, H, W); got {tuple(x.shape)}")
        return self.head(self.backbone(x))

    def train(self, mode: bool = True) -> SmallResNet:
        super().train(check_bool("mode", mode))
        if self.backbone_frozen:
            self.backbone.eval()  # frozen batch norm: no update of the running statistics
        return self


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
    model.backbone_frozen = bool(frozen)
    model.train(model.training)
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


def _digit_images(low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    from dlcourse.data import digits

    X, y = digits()
    keep = (y >= low) & (y <= high)
    return X[keep].reshape(-1, 1, 8, 8).astype(np.float32), y[keep] - low


def _jitter(x: torch.Tensor, generator: torch.Generator, degrees: float = 15.0) -> torch.Tensor:
    """Each image of (N, 1, H, W) turned by up to ``degrees``, scaled by 0.9 to 1.1 and
    moved by up to an eighth of its side, bilinearly resampled, zero outside."""
    n = len(x)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * np.radians(degrees)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    move = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.25  # in [-1, 1] coordinates
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, move[:, 0]], 1), torch.stack([sin, cos, move[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def source_task(
    copies: int = 3, rotations: bool = True, jitter: bool = True, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The pretraining data, made from the 901 images of digits 0 to 4.

    Args:
        copies: jittered copies of each (image, quarter turn) pair, ``>= 1``.
        rotations: label (digit, quarter turn), 20 classes (``4 * digit + turns``); ``False``:
            the digit alone, 5 classes, upright images.
        jitter: a small random rotation, scale and shift of every copy.
        seed: seed of the jitter.

    Returns:
        ``(X, y)``: X (m, 1, 8, 8) float32 in [0, 1], y (m,) int64;
        m = 901 * copies * (4 if rotations else 1).
    """
    copies = check_int("copies", copies, min=1, max=MAX_COUNT)
    rotations = check_bool("rotations", rotations)
    jitter = check_bool("jitter", jitter)
    check_size("copies (images of 8x8 pixels)", 901 * 4 * copies * 64)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    images, digits = _digit_images(0, 4)
    base = torch.as_tensor(images)
    X, y = [], []
    for turns in range(4 if rotations else 1):
        turned = torch.rot90(base, turns, dims=(2, 3))
        for _ in range(copies):
            X.append(_jitter(turned, generator) if jitter else turned)
            y.append(digits * 4 + turns if rotations else digits)
    X = torch.cat(X).clamp(0, 1).numpy()
    return X, np.concatenate(y).astype(np.int64)


def target_task(labels_per_class: int, seed: int = 0, n_test: int = 400) -> dict[str, np.ndarray]:
    """The digits 5 to 9 (labels 0 to 4): a few labelled images, the rest unlabelled, a test set.

    The test set (the same for every seed) is ``n_test`` images; of the other 500, ``seed``
    draws ``labels_per_class`` labelled images per class; the rest are "unlabelled" (their
    labels are returned too, to measure pseudo-labels, never to train).

    Returns:
        dict with ``X_train (5k, 1, 8, 8)``, ``y_train (5k,)``, ``X_unlabelled``,
        ``y_unlabelled``, ``X_test (n_test, 1, 8, 8)``, ``y_test``.
    """
    images, labels = _digit_images(5, 9)
    n_test = check_int("n_test", n_test, min=1, max=len(images) - 100)
    k = check_int("labels_per_class", labels_per_class, min=1, max=20)
    order = np.random.default_rng(0).permutation(len(images))
    test, pool = order[:n_test], order[n_test:]
    rng = np.random.default_rng(check_seed("seed", seed))
    chosen = np.concatenate(
        [rng.choice(pool[labels[pool] == c], k, replace=False) for c in range(5)]
    )
    rest = np.setdiff1d(pool, chosen)
    return {
        "X_train": images[chosen], "y_train": labels[chosen],
        "X_unlabelled": images[rest], "y_unlabelled": labels[rest],
        "X_test": images[test], "y_test": labels[test],
    }  # fmt: skip


def pretrain(epochs: int = 8, seed: int = 0, progress=None, **source) -> SmallResNet:
    """Train a ``SmallResNet`` on ``source_task(**source)`` with Adam and ``train.fit``.

    Seeded and run on the CPU with one thread: the same call gives the same weights, bit for
    bit. About 10 CPU-seconds for the default 8 epochs over 10,812 images.
    """
    from dlcourse.train import fit, make_loader

    epochs = check_int("epochs", epochs, min=1, max=MAX_COUNT)
    seed_everything(seed, threads=1)
    X, y = source_task(**source, seed=seed)
    model = SmallResNet(num_classes=int(y.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loader = make_loader(X, y, batch_size=64, shuffle=True)
    fit(model, loader, None, nn.CrossEntropyLoss(), optimizer, epochs, device="cpu",
        progress=progress)  # fmt: skip
    return model.eval()


def sha256(path: str | Path) -> str:
    """The hex sha256 of the file at ``path``."""
    return hashlib.sha256(_path("path", path).read_bytes()).hexdigest()


def load_weights(model: nn.Module, path: str | Path, expected_sha256: str | None) -> nn.Module:
    """Load a state_dict file into ``model``, all or nothing.

    The file's sha256 must equal ``expected_sha256`` (``None`` skips that check); it is read
    with ``torch.load(weights_only=True)`` (tensors only, never arbitrary objects); every key
    and shape must match the model. On any mismatch, a missing file included, a ``ValueError``
    says what differs, and ``model`` is left exactly as it was. This is
    ``dlcourse.checkpoint.load_state_dict_checked``, the package's one loader.
    """
    return load_state_dict_checked(model, path, expected_sha256=expected_sha256)


def pretrained(path: str | Path | None = None, expected_sha256: str | None = "default"):
    """The pretrained ``SmallResNet`` (20-class head): loaded if the file is there, else trained.

    Prints which of the two happened. ``path`` defaults to the shipped ``WEIGHTS_PATH``, and
    ``expected_sha256`` to ``WEIGHTS_SHA256`` for that file (``None`` for any other file).
    A file with the wrong hash or shapes is an error, not a reason to retrain.
    """
    path = WEIGHTS_PATH if path is None else _path("path", path)
    if expected_sha256 is not None:
        check_instance("expected_sha256", expected_sha256, str, "a hex digest (str) or None")
    if expected_sha256 == "default":
        expected_sha256 = WEIGHTS_SHA256 if path == WEIGHTS_PATH else None
    model = SmallResNet()
    if path.is_file():
        load_weights(model, path, expected_sha256)
        print(f"loaded pretrained weights from {path.name} (sha256 {sha256(path)[:12]}... ok)")
        return model.eval()
    print(f"no weights at {path}: pretraining now (about 10 CPU-seconds)")
    return pretrain()


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


def main(argv: list[str] | None = None) -> None:
    """``python -m dlcourse.transfer --retrain [--out PATH]``: pretrain and save the weights."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--retrain", action="store_true", help="pretrain and save the weights")
    parser.add_argument("--out", default=str(WEIGHTS_PATH), help="where to save them")
    args = parser.parse_args(argv)
    if not args.retrain:
        parser.error("nothing to do: pass --retrain")
    model = pretrain(progress=1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # not torch.save(.., out): its zip names a folder after the file
    torch.save(model.state_dict(), buffer)
    out.write_bytes(buffer.getvalue())
    digest = sha256(out)
    same = "the same as" if digest == WEIGHTS_SHA256 else "DIFFERENT from"
    print(f"saved {out} ({out.stat().st_size:,} bytes), sha256 {digest}: {same} WEIGHTS_SHA256")


if __name__ == "__main__":
    main()
