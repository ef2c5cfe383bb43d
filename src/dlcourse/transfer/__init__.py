"""Transfer learning on the digits: pretrain a small ResNet once, reuse it with few labels.

The source task is made from scikit-learn's digits 0 to 4, with no download: each image is
turned by 0, 90, 180 or 270 degrees and jittered (a small random rotation, scale and shift),
and the label is the pair (digit, quarter turn): 20 classes. The target task is the digits 5 to
9 with only a few labels per class. ``SmallResNet`` keeps a ``backbone`` (what is reused) and a
``head`` (what is replaced); ``freeze_backbone`` and ``param_groups`` give the four ways to
fine-tune: from scratch, a linear probe, full fine-tuning, and discriminative learning rates.

One idea per module:

- ``model``: ``SmallResNet``, ``freeze_backbone``, ``param_groups``;
- ``tasks``: ``source_task``, ``target_task``;
- ``pretraining``: ``pretrain``, the shipped weights (``WEIGHTS_PATH``, ``WEIGHTS_SHA256``,
  ``WEIGHTS_MADE_WITH``), ``load_weights``, ``pretrained``;
- ``finetune``: ``fine_tune`` (the four ``METHODS``), ``pseudo_label``;
- ``cli``: ``python -m dlcourse.transfer --retrain``, which writes the weights again.

The pretrained weights ship with the package (``weights/digits_resnet.pt``) and are checked
against ``WEIGHTS_SHA256`` before they are loaded. The same machine and versions re-create them
bit for bit; another CPU or torch version trains a different network of the same quality.
"""

from dlcourse.transfer.cli import main  # noqa: F401 (python -m dlcourse.transfer)
from dlcourse.transfer.finetune import METHODS, fine_tune, pseudo_label
from dlcourse.transfer.model import SOURCE_CLASSES, SmallResNet, freeze_backbone, param_groups
from dlcourse.transfer.pretraining import (
    WEIGHTS_MADE_WITH,
    WEIGHTS_PATH,
    WEIGHTS_SHA256,
    load_weights,
    machine,
    pretrain,
    pretrained,
    sha256,
    source_accuracy,
)
from dlcourse.transfer.tasks import source_task, target_task

__all__ = [
    "METHODS",
    "SOURCE_CLASSES",
    "WEIGHTS_MADE_WITH",
    "WEIGHTS_PATH",
    "WEIGHTS_SHA256",
    "SmallResNet",
    "fine_tune",
    "freeze_backbone",
    "load_weights",
    "machine",
    "param_groups",
    "pretrain",
    "pretrained",
    "pseudo_label",
    "sha256",
    "source_accuracy",
    "source_task",
    "target_task",
]
