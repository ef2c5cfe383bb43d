"""Pretraining on the source task, and the shipped weights: their file, hash and provenance.

The weights ship with the package (``weights/digits_resnet.pt``) and are checked against
``WEIGHTS_SHA256`` before they are loaded. ``WEIGHTS_MADE_WITH`` records where that file was
written: ``python -m dlcourse.transfer --retrain`` writes the same bytes again on the same
machine with the same versions (the run is seeded, on one thread), and on another CPU or
another torch a different network of the same quality (other kernels add in another order, and
over training the differences compound).
"""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

import torch
from torch import nn

from dlcourse.checkpoint import load_state_dict_checked
from dlcourse.checks import MAX_COUNT, check_instance, check_int
from dlcourse.seeding import seed_everything
from dlcourse.transfer.model import SmallResNet
from dlcourse.transfer.tasks import source_task

__all__ = [
    "WEIGHTS_MADE_WITH",
    "WEIGHTS_PATH",
    "WEIGHTS_SHA256",
    "load_weights",
    "machine",
    "pretrain",
    "pretrained",
    "sha256",
    "source_accuracy",
]

WEIGHTS_PATH = Path(__file__).parent.parent / "weights" / "digits_resnet.pt"
# The sha256 of the file ``python -m dlcourse.transfer --retrain`` wrote, and where it did.
WEIGHTS_SHA256 = "74ccff795d2e60baf76930dda114464204438544c63248a564d059a020be1d5e"
WEIGHTS_MADE_WITH = {
    "torch": "2.13.0+cpu",
    "numpy": "2.4.6",
    "python": "3.11.7",
    "cpu": "Intel(R) Xeon(R) Processor (x86_64, cpu family 6, model 167)",  # under KVM
    "cpu_capability": "AVX512",  # the kernels torch chose (ATEN_CPU_CAPABILITY)
    "threads": 1,
}


def _path(name: str, value) -> Path:
    """A file path given as a str or a Path (TypeError otherwise, ValueError for a NUL byte)."""
    check_instance(name, value, (str, Path), "a path (str or pathlib.Path)")
    if "\0" in str(value):
        raise ValueError(f"{name} must be a path without NUL bytes; got {value!r}")
    return Path(value)


def _cpu_name() -> str:
    """The CPU's model name, with its family and model numbers where Linux gives them (one
    name such as "Intel(R) Xeon(R) Processor" covers many CPUs under a hypervisor)."""
    try:  # Linux names the model here; platform.processor() is often empty there
        fields = dict(
            line.split(":", 1) for line in Path("/proc/cpuinfo").read_text().splitlines()[:30]
            if ":" in line
        )  # fmt: skip
    except OSError:
        fields = {}
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    name = fields.get("model name") or platform.processor() or "unknown CPU"
    numbers = [f"{k} {fields[k]}" for k in ("cpu family", "model") if k in fields]
    return f"{name} ({', '.join([platform.machine(), *numbers])})"


def machine() -> dict:
    """This machine, in the terms of ``WEIGHTS_MADE_WITH``: the versions, the CPU, its kernels."""
    import numpy

    return {
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_name(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        # pretrain asks seed_everything for one thread; DLCOURSE_THREADS would override it
        "threads": int(os.environ.get("DLCOURSE_THREADS", "").strip() or 1),
    }


def pretrain(epochs: int = 8, seed: int = 0, progress=None, **source) -> SmallResNet:
    """Train a ``SmallResNet`` on ``source_task(**source)`` with Adam and ``train.fit``.

    Seeded and run on the CPU with one thread: the same call on the same machine and versions
    gives the same weights, bit for bit. About 10 CPU-seconds for the default 8 epochs over
    10,812 images.
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


@torch.no_grad()
def source_accuracy(model: SmallResNet, seed: int = 1) -> float:
    """Accuracy of a 20-class ``model`` on fresh source images: one jittered copy of every
    (digit, quarter turn) pair, drawn with ``seed`` (pretraining uses seed 0)."""
    check_instance("model", model, SmallResNet)
    if model.head.out_features != 20:
        raise ValueError(
            f"model must have the 20-class head of the source task; got {model.head.out_features}"
        )
    X, y = source_task(copies=1, seed=seed)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    predicted = model(torch.as_tensor(X, device=device)).argmax(1).cpu().numpy()
    model.train(was_training)
    return float((predicted == y).mean())


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
